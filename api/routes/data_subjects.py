"""REST on the erasure of a data subject's personal data: compliance requests it, a manager approves it,
compliance carries it out (the subject's key is destroyed); and where it stands."""

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api.auth import CurrentCaller, CurrentUser
from api.problems import Problem
from api.routes.answers import versioned
from api.routes.cases import Strict, Text
from api.routes.contracts import READ_ERRORS, WRITE_ERRORS
from application.access import Reader
from application.erasure import Erasures
from domain.erasure import ErasureStatus

router = APIRouter(prefix="/api/v1/data-subjects/{subject_id}/erasure", tags=["data subjects"])

SubjectId = Annotated[UUID, Path(description="The data subject's UUID (a case's contact names it)")]
_LEGAL_HOLD = "a case holding the subject's data is under legal hold (named in `detail`)"
_REQUEST_ERRORS: dict[int | str, dict[str, Any]] = {
    **WRITE_ERRORS,
    404: {"model": Problem, "description": "No case holds personal data of this data subject"},
    409: {"model": Problem, "description": f"Requested already, or {_LEGAL_HOLD}"},
}
_CHANGE_ERRORS: dict[int | str, dict[str, Any]] = {
    **WRITE_ERRORS,
    404: {"model": Problem, "description": "Nobody requested the erasure of this data subject"},
    409: {
        "model": Problem,
        "description": f"Stale If-Match, the erasure's state refuses it (`field`), or {_LEGAL_HOLD}",
    },
}


class ErasureRequest(Strict):
    reason: Text = Field(description="Why, e.g. the subject's request and its reference; no personal data")


class ErasureRecorded(BaseModel):
    id: UUID = Field(description="The erasure's UUID (derived from the subject id)")
    version: int = Field(description="The erasure's version; send it as If-Match next time")
    status: ErasureStatus


class ErasurePublic(BaseModel):
    id: UUID
    subject_id: UUID
    status: ErasureStatus
    reason: str
    requested_by: str
    requested_at: datetime
    approved_by: str | None
    approved_at: datetime | None
    erased_by: str | None
    erased_at: datetime | None
    cases: list[str] = Field(description="The numbers of the cases that hold the subject's data")
    cases_under_legal_hold: list[str] = Field(description="Those of them under legal hold: no erasure")
    version: int


def erasures(request: Request) -> Erasures:
    services = request.app.state.services
    return Erasures(services.ledger, services.subject_keys, services.read_access)


@router.post(
    "",
    status_code=201,
    response_model=ErasureRecorded,
    responses=_REQUEST_ERRORS,
    summary="Request the erasure of a data subject's personal data (compliance); a manager approves it",
)
def request_erasure(
    subject_id: SubjectId, body: ErasureRequest, caller: CurrentCaller, request: Request, response: Response
) -> Any:
    result = erasures(request).request(caller, subject_id, body.reason)
    response.headers["Location"] = f"/api/v1/data-subjects/{subject_id}/erasure"
    return versioned(response, result)


@router.post(
    "/approval",
    response_model=ErasureRecorded,
    responses=_CHANGE_ERRORS,
    summary="Approve a requested erasure (managers other than the requester)",
)
def approve_erasure(
    subject_id: SubjectId, caller: CurrentCaller, request: Request, response: Response
) -> Any:
    return versioned(response, erasures(request).approve(caller, subject_id))


@router.post(
    "/execution",
    response_model=ErasureRecorded,
    responses=_CHANGE_ERRORS,
    summary="Carry out an approved erasure: the subject's key is destroyed for good (compliance)",
    description="`KeyDestroyed` is recorded first, then the key destroyed. Sent again for an erasure "
    "carried out already, it destroys whatever is left of the key and records nothing more. Afterwards "
    "the subject's personal data reads as erased everywhere; every event, proof and bundle still verifies.",
)
def execute_erasure(
    subject_id: SubjectId, caller: CurrentCaller, request: Request, response: Response
) -> Any:
    return versioned(response, erasures(request).erase(caller, subject_id))


@router.get(
    "",
    response_model=ErasurePublic,
    responses={**READ_ERRORS, 404: {"model": Problem, "description": "No erasure requested for the subject"}},
    summary="Where a data subject's erasure stands (compliance, managers, auditors)",
    description="Read from the event store; recorded in the access log.",
)
async def read_erasure(subject_id: SubjectId, request: Request, user: CurrentUser) -> Any:
    reader = Reader(user.id, user.roles, getattr(request.state, "request_id", None))
    standing = await run_in_threadpool(erasures(request).standing, reader, subject_id)
    erasure = standing.erasure
    return {
        "id": erasure.id,
        "subject_id": erasure.subject_id,
        "status": erasure.status,
        "reason": erasure.reason,
        "requested_by": erasure.requester.user_id,
        "requested_at": erasure.requested_at,
        "approved_by": erasure.approver.user_id if erasure.approver else None,
        "approved_at": erasure.approved_at,
        "erased_by": erasure.eraser.user_id if erasure.eraser else None,
        "erased_at": erasure.erased_at,
        "cases": standing.case_numbers,
        "cases_under_legal_hold": standing.held_case_numbers,
        "version": erasure.version,
    }
