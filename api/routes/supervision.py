"""REST on the supervision's reviews of service complaints about staff: verify one, record who is held
accountable and the apology, close the review, read it; and the report of every service complaint."""

from datetime import datetime
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request, Response
from pydantic import AwareDatetime, BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api.auth import CurrentCaller, CurrentUser
from api.problems import Problem
from api.routes.answers import versioned
from api.routes.cases import CaseId, ShortText, Strict, Text
from api.routes.contracts import READ_ERRORS, WRITE_ERRORS, open_read
from application.access import Reader
from application.supervision import ComplaintReviews
from domain.access import ReadKind
from domain.supervision import ApologyChannel, ReviewStatus, VerificationOutcome
from projections.supervision import complaint_report

router = APIRouter(tags=["supervision"])

REVIEW = "/api/v1/cases/{case_id}/complaint-review"
_CHANGE_ERRORS: dict[int | str, dict[str, Any]] = {
    **WRITE_ERRORS,
    404: {"model": Problem, "description": "No case with this id, or its complaint is not verified yet"},
    409: {"model": Problem, "description": "Stale If-Match, or the review's state refuses it (`field`)"},
}


class VerificationIn(Strict):
    outcome: VerificationOutcome
    findings: Text = Field(description="What the verification found")


class AccountabilityIn(Strict):
    staff_member: ShortText = Field(description="The user id of the staff member held accountable")
    measure: Text = Field(description="The measure taken, e.g. a warning and retraining")


class ApologyIn(Strict):
    channel: ApologyChannel
    apologised_at: AwareDatetime = Field(description="When (time zone required); not in the future")
    apologised_by: ShortText = Field(description="The user id of who apologised")
    to_whom: ShortText = Field(description="To whom, e.g. the case's contact person; no more personal data")


class CloseIn(Strict):
    summary: Text = Field(description="How the complaint was dealt with")


class Recorded(BaseModel):
    id: UUID = Field(description="The review's UUID (derived from the case id)")
    version: int


class ReviewPublic(BaseModel):
    id: UUID
    case_id: UUID
    outcome: VerificationOutcome
    findings: str
    verified_by: str
    verified_at: datetime
    status: ReviewStatus
    accountable: list[str] = Field(description="The staff members held accountable, by user id")
    apologised_at: datetime | None
    closed_at: datetime | None
    version: int


class ComplaintLineOut(BaseModel):
    case_id: UUID
    case_number: str
    case_status: str
    registered_at: datetime
    outcome: VerificationOutcome | None = Field(description="The verification's; null while not verified")
    review_status: ReviewStatus | None = Field(description="Null while not verified")
    accountability_records: int
    apologised_at: datetime | None
    verified_at: datetime | None
    review_closed_at: datetime | None
    age_days: int = Field(description="Whole days from registration to the review's closure, or to now")


def reviews(request: Request) -> ComplaintReviews:
    services = request.app.state.services
    return ComplaintReviews(services.ledger, services.read_access)


@router.get(
    "/api/v1/supervision/complaints",
    response_model=list[ComplaintLineOut],
    responses=READ_ERRORS,
    summary="Every service complaint, the oldest first, with its review's outcome or its age",
    description="From the read model (it may lag the latest commands by a moment). A complaint is listed "
    "from its registration on, verified or not: none can be dropped by not reviewing it.",
)
async def report(request: Request, user: CurrentUser) -> Any:
    await open_read(request, user, ReadKind.COMPLAINT_REPORT)
    services = request.app.state.services
    lines = await run_in_threadpool(complaint_report, services.pool, services.ledger.clock.now())
    return [vars(line) for line in lines]


@router.post(
    f"{REVIEW}/verification",
    status_code=201,
    response_model=Recorded,
    responses={
        **WRITE_ERRORS,
        404: {"model": Problem, "description": "No case with this id (`case_id`)"},
        409: {"model": Problem, "description": "Not a service complaint, or verified already (`case_id`)"},
    },
    summary="Verify a service complaint about staff: substantiated, partly or not (the supervision)",
)
def verify(
    case_id: CaseId, body: VerificationIn, caller: CurrentCaller, request: Request, response: Response
) -> Any:
    return versioned(response, reviews(request).verify(caller, case_id, body.outcome, body.findings))


@router.post(
    f"{REVIEW}/accountability",
    response_model=Recorded,
    responses=_CHANGE_ERRORS,
    summary="Record a staff member held accountable and the measure taken (the supervision)",
)
def record_accountability(
    case_id: CaseId, body: AccountabilityIn, caller: CurrentCaller, request: Request, response: Response
) -> Any:
    result = reviews(request).record_accountability(caller, case_id, body.staff_member, body.measure)
    return versioned(response, result)


@router.post(
    f"{REVIEW}/apology",
    response_model=Recorded,
    responses=_CHANGE_ERRORS,
    summary="Record the apology to the customer: how, when, by whom, to whom (the supervision)",
)
def record_apology(
    case_id: CaseId, body: ApologyIn, caller: CurrentCaller, request: Request, response: Response
) -> Any:
    result = reviews(request).record_apology(
        caller, case_id, body.channel, body.apologised_at, body.apologised_by, body.to_whom
    )
    return versioned(response, result)


@router.post(
    f"{REVIEW}/close",
    response_model=Recorded,
    responses=_CHANGE_ERRORS,
    summary="Close the review; one found at fault needs accountability and an apology first",
)
def close(case_id: CaseId, body: CloseIn, caller: CurrentCaller, request: Request, response: Response) -> Any:
    return versioned(response, reviews(request).close(caller, case_id, body.summary))


@router.get(
    REVIEW,
    response_model=ReviewPublic,
    responses={**READ_ERRORS, 404: {"model": Problem, "description": "The complaint is not verified yet"}},
    summary="The supervision's review of a service complaint",
    description="Read from the event store; recorded in the access log under the case.",
)
async def read_review(case_id: CaseId, request: Request, user: CurrentUser) -> Any:
    reader = Reader(user.id, user.roles, getattr(request.state, "request_id", None))
    review = await run_in_threadpool(reviews(request).read, reader, case_id)
    return {
        **{name: getattr(review, name) for name in ReviewPublic.model_fields if name != "verified_by"},
        "verified_by": review.verified_by.user_id,
    }
