"""Evidence files of a case: upload (multipart), supersede, and download, each checked by its SHA-256."""

import base64
import json
from collections.abc import Iterator
from pathlib import PurePosixPath
from typing import Annotated, Any, BinaryIO
from urllib.parse import quote
from uuid import UUID

import structlog
from fastapi import APIRouter, File, Form, Header, Path, Request, Response, UploadFile
from fastapi.responses import StreamingResponse
from pydantic import AwareDatetime, Field
from starlette.concurrency import run_in_threadpool

from api.auth import CurrentCaller, CurrentUser, expected_version, idempotent_request
from api.middleware import bind_log_context
from api.problems import Problem
from api.routes.cases import _CASE_ERRORS, CaseChanged, CaseId, Occurred, Text, _respond
from application.access import Reader, ReadKind
from application.errors import EvidenceUnreadable
from application.evidence import CHUNK_BYTES, EvidenceFiles, Upload
from application.ledger import Caller
from domain.evidence import ACCEPTED_TYPES, EvidenceKind
from infra.users import User

log = structlog.get_logger(__name__)

router = APIRouter(prefix="/api/v1/cases/{case_id}/attachments", tags=["evidence"])

AttachmentId = Annotated[UUID, Path(description="The attachment's UUID, as the upload answered it")]
MAX_FILE_NAME = 255
_ACCEPTED = ", ".join(sorted(ACCEPTED_TYPES))

_UPLOAD_ERRORS: dict[int | str, dict[str, Any]] = {
    **_CASE_ERRORS,
    409: {
        "model": Problem,
        "description": "Stale If-Match version, a concurrent change, the case is closed or withdrawn, or "
        "the same bytes are already a current attachment of the case",
    },
    413: {"model": Problem, "description": "The file is larger than AFTERSALES_MAX_UPLOAD_BYTES"},
    415: {
        "model": Problem,
        "description": f"The file's type is not accepted ({_ACCEPTED}), or its bytes are not of the "
        "type it declares; `field` is `file`",
    },
}
_DOWNLOAD_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "Missing, unknown or revoked bearer token"},
    403: {
        "model": Problem,
        "description": "The role may not read the case's evidence, or (staff) holds no approved, current "
        "access grant for the case; the refusal is recorded in the access log",
    },
    404: {"model": Problem, "description": "No such case, or no such attachment in it"},
    500: {
        "model": Problem,
        "description": "The stored bytes are missing or no longer hash to the attachment's SHA-256: they "
        "are not served (`aftersales verify` names them)",
    },
}


class EvidenceAttached(CaseChanged):
    attachment_id: UUID = Field(description="The new attachment's UUID within the case")
    sha256: str = Field(description="SHA-256 of the file's bytes (hex): their name in the store and event")
    size: int = Field(description="The file's size in bytes")


class Supersession(Occurred):
    reason: Text = Field(description="Why the attachment is no longer the one to rely on")
    superseded_by: UUID | None = Field(
        default=None, description="The current attachment of the case that replaces it, if any"
    )


def _evidence(request: Request) -> EvidenceFiles:
    return request.app.state.services.evidence


@router.post(
    "",
    status_code=201,
    response_model=EvidenceAttached,
    responses=_UPLOAD_ERRORS,
    summary="Attach evidence to the case (multipart upload)",
    description="A photo, video, weighbridge ticket, lab report or certificate, as `multipart/form-data` "
    f"with the file in `file` and its `kind`. Accepted types: {_ACCEPTED}; the declared type must match "
    "the file's first bytes. The bytes are stored once under their SHA-256, and the `EvidenceAttached` "
    "event carries that hash. `Idempotency-Key` covers the fields and the file's bytes.",
)
def attach_evidence(
    case_id: CaseId,
    file: Annotated[UploadFile, File(description="The evidence file, with its media type")],
    kind: Annotated[EvidenceKind, Form(description="What the file is")],
    request: Request,
    response: Response,
    user: CurrentUser,
    description: Annotated[str, Form(max_length=1000, description="What it shows (optional)")] = "",
    occurred_at: Annotated[
        AwareDatetime | None,
        Form(description="When it was attached, if earlier than now (time zone required)"),
    ] = None,
    if_match: Annotated[str | None, Header(description="The case version the client last saw")] = None,
    idempotency_key: Annotated[str | None, Header(description="Repeat the upload safely")] = None,
) -> Any:
    upload = Upload(
        content=file.file,
        content_type=file.content_type or "",
        file_name=_file_name(file.filename),
        kind=kind,
        description=description,
        occurred_at=occurred_at,
    )
    caller = _upload_caller(request, user, upload, if_match, idempotency_key)
    result = _evidence(request).attach(caller, case_id, upload)
    response.headers["Location"] = f"/api/v1/cases/{result.id}/attachments/{result.extra['attachment_id']}"
    return _respond(request, response, result)


@router.post(
    "/{attachment_id}/supersede",
    response_model=CaseChanged,
    responses=_CASE_ERRORS,
    summary="Mark an attachment as superseded (it stays, and can still be downloaded)",
)
def supersede_evidence(
    case_id: CaseId,
    attachment_id: AttachmentId,
    body: Supersession,
    caller: CurrentCaller,
    request: Request,
    response: Response,
) -> Any:
    result = request.app.state.services.ledger.supersede_evidence(
        caller, case_id, attachment_id, body.superseded_by, body.reason, body.occurred_at
    )
    return _respond(request, response, result)


@router.get(
    "/{attachment_id}",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"application/octet-stream": {}},
            "description": "The file's bytes as attached, in its own media type, checked against the "
            "attachment's SHA-256 before the first byte is sent (`Repr-Digest` carries it). The read is "
            "recorded in the access log.",
        },
        **_DOWNLOAD_ERRORS,
    },
    summary="Download an attachment's bytes",
)
async def download_evidence(
    case_id: CaseId, attachment_id: AttachmentId, request: Request, user: CurrentUser
) -> StreamingResponse:
    services = request.app.state.services
    bind_log_context(request.state, case_id=str(case_id))
    reader = Reader(user.id, user.roles, getattr(request.state, "request_id", None))
    await run_in_threadpool(services.read_access.open, reader, ReadKind.ATTACHMENT, [case_id])
    try:
        opened = await run_in_threadpool(services.evidence.open, case_id, attachment_id)
    except EvidenceUnreadable as unreadable:
        log.error(
            "evidence.unreadable", case_id=str(case_id), attachment_id=str(attachment_id), why=str(unreadable)
        )
        raise
    stored = opened.attachment.file
    headers = {
        "Content-Length": str(stored.size),
        "Content-Disposition": _content_disposition(stored.file_name),
        "ETag": f'"{stored.sha256}"',
        "Repr-Digest": f"sha-256=:{base64.b64encode(bytes.fromhex(stored.sha256)).decode()}:",
        # Every read is to be recorded: no shared cache may answer for the server.
        "Cache-Control": "private, no-store",
        "X-Content-Type-Options": "nosniff",
    }
    return StreamingResponse(_sent(opened.content), media_type=stored.content_type, headers=headers)


def _upload_caller(
    request: Request, user: User, upload: Upload, if_match: str | None, idempotency_key: str | None
) -> Caller:
    # The body is never read into memory for a fingerprint: the form's fields make it here, and the use
    # case adds the file's SHA-256 to it.
    idempotency = None
    if idempotency_key is not None:
        fields = {
            "kind": upload.kind.value,
            "description": upload.description,
            "file_name": upload.file_name,
            "content_type": upload.content_type,
            "occurred_at": upload.occurred_at.isoformat() if upload.occurred_at else None,
        }
        fingerprint = f"POST {request.url.path}\n{json.dumps(fields, sort_keys=True)}"
        idempotency = idempotent_request(user.id, idempotency_key, fingerprint)
    return Caller(user.id, user.roles, expected_version(if_match), idempotency)


def _file_name(sent: str | None) -> str:
    # Browsers on Windows may send the whole path; only the last part names the file.
    name = PurePosixPath((sent or "").replace("\\", "/")).name
    return name[:MAX_FILE_NAME]


def _content_disposition(file_name: str) -> str:
    fallback = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in file_name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(file_name, safe='')}"


def _sent(content: BinaryIO) -> Iterator[bytes]:
    with content:
        yield from iter(lambda: content.read(CHUNK_BYTES), b"")
