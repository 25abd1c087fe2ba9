"""REST on follow-ups of closed cases: the list of those due, a contact attempt, the satisfaction rating and
the outcome; the customer's single-use feedback link, issued by an agent and used without a login."""

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api.auth import CurrentCaller, CurrentUser
from api.problems import Problem
from api.routes.answers import versioned
from api.routes.cases import CaseId, Strict, Text
from api.routes.contracts import READ_ERRORS, WRITE_ERRORS, open_read
from application.access import Reader
from application.followups import FollowUps
from domain.access import ReadKind
from domain.followup import HIGHEST_RATING, LOWEST_RATING, ContactChannel, FollowUpReason, FollowUpStatus
from infra.feedback_links import PostgresFeedbackLinks
from projections.followups import CustomerHistoryFromReadModel, due_follow_ups

router = APIRouter(tags=["follow-ups"])

FOLLOW_UP = "/api/v1/cases/{case_id}/follow-up"
FEEDBACK = "/api/v1/feedback"
MAX_DUE = 500

Token = Annotated[str, Path(min_length=1, max_length=100, description="The token of the feedback link")]
Rating = Annotated[int, Field(ge=LOWEST_RATING, le=HIGHEST_RATING, description="1 (poor) to 5 (excellent)")]
Comment = Annotated[str, Field(max_length=4000, description="In the customer's words; may be empty")]
_CHANGE_ERRORS: dict[int | str, dict[str, Any]] = {
    **WRITE_ERRORS,
    404: {"model": Problem, "description": "No case with this id (`case_id`)"},
    409: {
        "model": Problem,
        "description": "The case is not closed, the follow-up is done, or a stale If-Match",
    },
}
_LINK_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": Problem, "description": "No feedback link with this token"},
    410: {"model": Problem, "description": "The link was used already, or it expired"},
}


class ContactIn(Strict):
    channel: ContactChannel
    reached: bool = Field(description="Whether the customer was reached")
    note: str = Field(default="", max_length=4000, description="What was said; no personal data, please")


class RatingIn(Strict):
    rating: Rating
    comment: Comment = ""


class OutcomeIn(Strict):
    outcome: Text = Field(description="What the follow-up found")
    usage_normal: bool | None = Field(
        default=None,
        description="Required for a new customer: false keeps the follow-up open, next round due in 30 days",
    )


class Recorded(BaseModel):
    id: UUID = Field(description="The follow-up's UUID (derived from the case id)")
    version: int


class LinkOut(BaseModel):
    path: str = Field(description="The link's path: send it to the customer; it is shown only once")
    expires_at: datetime


class FeedbackSubjectOut(BaseModel):
    case_number: str
    product: str


class DueOut(BaseModel):
    case_id: UUID
    case_number: str
    case_type: str
    customer_id: str
    product: str
    closed_at: datetime
    reason: FollowUpReason = Field(description="Why it is followed up: warranty, new customer or closed case")
    due_at: datetime = Field(description="Its closure, or a new customer's next round")
    is_due: bool = Field(description="Due at the time of this read")
    is_started: bool = Field(description="Something was recorded about it already")
    round: int
    attempts: int
    rating: int | None


class FollowUpPublic(BaseModel):
    id: UUID
    case_id: UUID
    reason: FollowUpReason
    status: FollowUpStatus
    round: int
    attempts: int
    is_reached: bool = Field(description="Someone was reached in the current round")
    rating: int | None
    comment: str | None
    rated_by: str | None = Field(description="The user id, or `customer:<customer id>` through a link")
    outcome: str | None
    is_usage_normal: bool | None
    next_due: datetime | None
    done_at: datetime | None
    version: int


def follow_ups(request: Request) -> FollowUps:
    services = request.app.state.services
    links = PostgresFeedbackLinks(services.pool)
    return FollowUps(
        services.ledger, services.read_access, links, CustomerHistoryFromReadModel(services.pool)
    )


@router.get(
    "/api/v1/follow-ups/due",
    response_model=list[DueOut],
    responses=READ_ERRORS,
    summary="Closed cases whose follow-up is not done, the longest due first",
    description="From the read model (it may lag the latest commands by a moment). A closed case is listed "
    "from its closure until an outcome finishes its follow-up; a withdrawn case never is.",
)
async def due(
    request: Request,
    user: CurrentUser,
    limit: Annotated[int, Query(ge=1, le=MAX_DUE, description="How many to list at most")] = 100,
) -> Any:
    await open_read(request, user, ReadKind.FOLLOW_UPS_DUE)
    services = request.app.state.services
    listed = await run_in_threadpool(due_follow_ups, services.pool, services.ledger.clock.now(), limit)
    return [vars(line) for line in listed]


@router.post(
    f"{FOLLOW_UP}/contacts",
    response_model=Recorded,
    responses=_CHANGE_ERRORS,
    summary="Record an attempt to contact the customer of a closed case (agents, managers)",
)
def record_contact(
    case_id: CaseId, body: ContactIn, caller: CurrentCaller, request: Request, response: Response
) -> Any:
    result = follow_ups(request).record_contact(caller, case_id, body.channel, body.reached, body.note)
    return versioned(response, result)


@router.post(
    f"{FOLLOW_UP}/rating",
    response_model=Recorded,
    responses=_CHANGE_ERRORS,
    summary="Record the customer's satisfaction, 1 to 5 and a comment, as an agent heard it",
)
def rate(case_id: CaseId, body: RatingIn, caller: CurrentCaller, request: Request, response: Response) -> Any:
    return versioned(response, follow_ups(request).rate(caller, case_id, body.rating, body.comment))


@router.post(
    f"{FOLLOW_UP}/outcome",
    response_model=Recorded,
    responses=_CHANGE_ERRORS,
    summary="Record what the follow-up found; it is done unless a new customer's usage is not normal yet",
)
def record_outcome(
    case_id: CaseId, body: OutcomeIn, caller: CurrentCaller, request: Request, response: Response
) -> Any:
    result = follow_ups(request).record_outcome(caller, case_id, body.outcome, body.usage_normal)
    return versioned(response, result)


@router.post(
    f"{FOLLOW_UP}/link",
    status_code=201,
    response_model=LinkOut,
    responses={**WRITE_ERRORS, **_CHANGE_ERRORS},
    summary="Issue a single-use link the customer rates the service through, without a login (14 days)",
)
def issue_link(case_id: CaseId, caller: CurrentCaller, request: Request) -> Any:
    issued = follow_ups(request).issue_link(caller, case_id)
    return LinkOut(path=f"{FEEDBACK}/{issued.token}", expires_at=issued.expires_at)


@router.get(
    FOLLOW_UP,
    response_model=FollowUpPublic,
    responses={**READ_ERRORS, 404: {"model": Problem, "description": "Nothing recorded about it yet"}},
    summary="A closed case's follow-up: contacts, rating, outcome",
    description="Read from the event store; recorded in the access log under the case.",
)
async def read_follow_up(case_id: CaseId, request: Request, user: CurrentUser) -> Any:
    reader = Reader(user.id, user.roles, getattr(request.state, "request_id", None))
    follow_up = await run_in_threadpool(follow_ups(request).read, reader, case_id)
    return {
        **{name: getattr(follow_up, name) for name in FollowUpPublic.model_fields if name != "rated_by"},
        "rated_by": follow_up.rated_by.user_id if follow_up.rated_by else None,
    }


@router.get(
    f"{FEEDBACK}/{{token}}",
    response_model=FeedbackSubjectOut,
    responses=_LINK_ERRORS,
    summary="What a feedback link is about: the case number and the product (no login)",
)
def feedback_subject(token: Token, request: Request) -> Any:
    subject = follow_ups(request).link_subject(token)
    return FeedbackSubjectOut(case_number=subject.case_number, product=subject.product)


@router.post(
    f"{FEEDBACK}/{{token}}",
    response_model=Recorded,
    responses={**_LINK_ERRORS, 422: {"model": Problem, "description": "A field is invalid (`field`)"}},
    summary="The customer rates the service, 1 to 5 and a comment; the link works once (no login)",
)
def give_feedback(token: Token, body: RatingIn, request: Request, response: Response) -> Any:
    return versioned(response, follow_ups(request).rate_through_link(token, body.rating, body.comment))
