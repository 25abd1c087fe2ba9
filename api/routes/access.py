"""REST commands on access grants: staff of other departments ask to read a case; a manager decides."""

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path, Request, Response
from pydantic import AwareDatetime, BaseModel, Field

from api.auth import CurrentCaller
from api.problems import Problem
from api.routes.cases import Strict, Text
from application.grants import AccessGrants, GrantRequest
from application.ledger import CommandResult

router = APIRouter(prefix="/api/v1/access-grants", tags=["access grants"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "Malformed If-Match or Idempotency-Key header"},
    401: {"model": Problem, "description": "Missing, unknown or revoked bearer token"},
    403: {"model": Problem, "description": "The caller's roles do not allow this command"},
    413: {"model": Problem, "description": "The body is larger than the configured limit"},
    422: {
        "model": Problem,
        "description": "A field is invalid (e.g. a period longer than 90 days), or an Idempotency-Key "
        "was reused with another body",
    },
}
_GRANT_ERRORS: dict[int | str, dict[str, Any]] = {
    **_ERRORS,
    404: {"model": Problem, "description": "No access grant with this id"},
    409: {
        "model": Problem,
        "description": "Stale If-Match version, a concurrent change, or the grant's state refused it "
        "(already decided or revoked, or deciding one's own request)",
    },
}
GrantId = Annotated[UUID, Path(description="The access grant's UUID")]


class GrantCreate(Strict):
    case_id: UUID = Field(description="The case to be read")
    purpose: Text = Field(description="What the case is needed for; the approving manager reads it")
    valid_from: AwareDatetime | None = Field(
        default=None,
        description="Start of the period (time zone required); default now, at most 30 days ahead",
    )
    valid_until: AwareDatetime = Field(
        description="End of the period (exclusive, time zone required); at most 90 days after its start"
    )


class GrantCreated(BaseModel):
    id: UUID = Field(description="The access grant's UUID")
    version: int = Field(description="The grant's version; send it as If-Match next time")


class GrantApproval(Strict):
    reason: Annotated[str, Field(max_length=4000)] = Field(default="", description="Optional remark")


class GrantReason(Strict):
    reason: Text = Field(description="Why; required")


def _grants(request: Request) -> AccessGrants:
    return AccessGrants(request.app.state.services.ledger)


def _respond(response: Response, result: CommandResult) -> dict[str, Any]:
    response.headers["ETag"] = f'"{result.version}"'
    return result.as_response()


@router.post(
    "",
    status_code=201,
    response_model=GrantCreated,
    responses={**_ERRORS, 404: {"model": Problem, "description": "No case with this id"}},
    summary="Ask for access to a case (staff of other departments); a manager must approve it",
)
def request_grant(body: GrantCreate, caller: CurrentCaller, request: Request, response: Response) -> Any:
    grant = GrantRequest(body.case_id, body.purpose, body.valid_until, body.valid_from)
    result = _grants(request).request(caller, grant)
    response.headers["Location"] = f"/api/v1/access-grants/{result.id}"
    return _respond(response, result)


@router.post(
    "/{grant_id}/approve",
    response_model=GrantCreated,
    responses=_GRANT_ERRORS,
    summary="Approve a request (managers); the requester may then read the case within the period",
)
def approve(
    grant_id: GrantId,
    caller: CurrentCaller,
    request: Request,
    response: Response,
    body: GrantApproval | None = None,
) -> Any:
    reason = body.reason if body else ""
    return _respond(response, _grants(request).approve(caller, grant_id, reason))


@router.post(
    "/{grant_id}/reject",
    response_model=GrantCreated,
    responses=_GRANT_ERRORS,
    summary="Reject a request (managers), with a reason",
)
def reject(
    grant_id: GrantId, body: GrantReason, caller: CurrentCaller, request: Request, response: Response
) -> Any:
    return _respond(response, _grants(request).reject(caller, grant_id, body.reason))


@router.post(
    "/{grant_id}/revoke",
    response_model=GrantCreated,
    responses=_GRANT_ERRORS,
    summary="End a grant at once: managers revoke any, the requester withdraws their own",
)
def revoke(
    grant_id: GrantId, body: GrantReason, caller: CurrentCaller, request: Request, response: Response
) -> Any:
    return _respond(response, _grants(request).revoke(caller, grant_id, body.reason))
