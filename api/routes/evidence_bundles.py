"""The evidence bundle of a case for arbitration or court: a BagIt bag, downloaded as zip or tar.gz.

The format is docs/evidence-bundle.md; `python -m infra.verify_bundle` checks it without this server.
"""

import tempfile
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from pydantic import Field

from api.auth import CurrentUser
from api.bootstrap import evidence_bundles
from api.middleware import bind_log_context
from api.problems import Problem
from api.routes.attachments import _content_disposition, _sent
from api.routes.cases import CaseId, Strict
from application.evidence_bundles import BundleRequest
from application.ledger import Caller
from infra.evidence_bundle import archive_name

router = APIRouter(prefix="/api/v1/cases/{case_id}/evidence-bundles", tags=["evidence"])

MEDIA_TYPES = {"zip": "application/zip", "tar.gz": "application/gzip"}
# One line each: they are written into the bag's bag-info.txt as well as into the export event.
OneLine = Annotated[str, Field(min_length=1, max_length=1000, pattern=r"^[^\r\n]*$")]

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "Missing, unknown or revoked bearer token"},
    403: {"model": Problem, "description": "Only compliance officers export evidence bundles"},
    404: {"model": Problem, "description": "No case with this id"},
    409: {"model": Problem, "description": "A concurrent change of the case, several times over: retry"},
    422: {"model": Problem, "description": "`purpose` or `legal_matter` missing or blank, or a bad `format`"},
    500: {
        "model": Problem,
        "description": "The store cannot give what the bundle must hold (an attachment's bytes are missing "
        "or no longer hash to their name): `aftersales verify` names it",
    },
}


class BundleCreate(Strict):
    purpose: OneLine = Field(
        description="Why the case leaves the company, e.g. 'Arbitration CIETAC 2026-0815'"
    )
    legal_matter: OneLine = Field(
        description="The legal matter (case or file reference) it is exported under"
    )
    format: Literal["zip", "tar.gz"] = Field(default="zip", description="The archive's format")


@router.post(
    "",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"application/zip": {}, "application/gzip": {}},
            "description": "The bundle: a BagIt bag (docs/evidence-bundle.md) as one archive whose single "
            "top folder is the bag. `X-Bundle-Id` names it. The export is recorded as the case's "
            "`EvidenceBundleExported` event (the bundle's last event) and in the access log.",
        },
        **_ERRORS,
    },
    summary="Export the case's evidence bundle (compliance)",
)
def export_evidence_bundle(
    case_id: CaseId, body: BundleCreate, request: Request, user: CurrentUser
) -> StreamingResponse:
    bind_log_context(request.state, case_id=str(case_id))
    # Each export is its own fact and its own bundle: no If-Match, no Idempotency-Key.
    caller = Caller(user.id, user.roles)
    asked = BundleRequest(body.purpose, body.legal_matter, body.format)
    archive = tempfile.TemporaryFile()  # noqa: SIM115 - the response closes it once sent
    try:
        export = evidence_bundles(request.app.state.services).export(
            caller, case_id, asked, archive, request_id=getattr(request.state, "request_id", None)
        )
    except BaseException:
        archive.close()
        raise
    size = archive.tell()
    archive.seek(0)
    headers = {
        "Content-Length": str(size),
        "Content-Disposition": _content_disposition(archive_name(export)),
        "X-Bundle-Id": str(export.bundle_id),
        "Cache-Control": "private, no-store",
    }
    return StreamingResponse(_sent(archive), media_type=MEDIA_TYPES[export.format], headers=headers)
