"""REST on corrective and preventive actions: raise one from a case's root cause, reassign it, move its
due date, complete it, verify its effectiveness, cancel it, read it; and the Pareto of root causes."""

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from api.auth import CurrentCaller, CurrentUser
from api.problems import Problem
from api.routes.answers import versioned
from api.routes.cases import ShortText, Strict, Text
from api.routes.contracts import READ_ERRORS, WRITE_ERRORS, open_read, respond
from application.access import Reader
from application.capa import ActionReport, ActionRequest, CorrectiveActions
from domain.access import ReadKind
from domain.actor import Actor
from domain.capa import ActionKind, ActionStatus
from domain.errors import InvalidValue
from domain.liability import RootCause
from projections.queries import root_cause_pareto

router = APIRouter(prefix="/api/v1/corrective-actions", tags=["corrective actions"])

ActionId = Annotated[UUID, Path(description="The corrective action's UUID")]
Due = Annotated[AwareDatetime, Field(description="When it is due (time zone required); not in the past")]
_CHANGE_ERRORS: dict[int | str, dict[str, Any]] = {
    **WRITE_ERRORS,
    400: {"model": Problem, "description": "Malformed If-Match or Idempotency-Key header"},
    404: {"model": Problem, "description": "No corrective action with this id"},
    409: {"model": Problem, "description": "Stale If-Match, or the action's state refuses it (`field`)"},
}


class ActionCreate(Strict):
    case_id: UUID = Field(description="The case the root cause was found in: a quality or quantity objection")
    root_cause: RootCause
    kind: ActionKind = Field(
        description="`corrective` removes the cause; `preventive` keeps it from recurring"
    )
    description: Text = Field(description="What is to be done")
    owner: ShortText = Field(description="The user id of who is to do it (any department)")
    due: Due


class ReassignIn(Strict):
    owner: ShortText = Field(description="The new owner's user id")
    reason: Text


class DueDateIn(Strict):
    due: Due
    reason: Text


class CompleteIn(Strict):
    what_was_done: Text


class VerifyIn(Strict):
    effective: bool = Field(description="False reopens the action for its owner")
    evidence: Text = Field(description="What shows it, e.g. the results of the next shipments")


class CancelIn(Strict):
    reason: Text


class Created(BaseModel):
    id: UUID = Field(description="The corrective action's UUID")
    version: int


class ActorOut(BaseModel):
    user_id: str
    role: str


class ActionPublic(BaseModel):
    id: UUID
    case_id: UUID
    root_cause: RootCause
    kind: ActionKind
    description: str
    owner: str
    due: datetime
    status: ActionStatus = Field(
        description="`open`, `completed` (awaiting verification), `effective`, "
        "`cancelled`; an action found not effective is `open` again"
    )
    is_overdue: bool = Field(description="Open after its due date, at the time of this read")
    raised_by: ActorOut
    raised_at: datetime
    completed_by: ActorOut | None
    completed_at: datetime | None
    what_was_done: str | None
    verifications: int = Field(description="How often its effectiveness was judged (not effective reopens)")
    verified_by: ActorOut | None
    verified_at: datetime | None
    version: int


class ParetoBarOut(BaseModel):
    root_cause: RootCause
    cases: int = Field(description="The cases the root cause was found in (once per case)")
    percent: Decimal = Field(description="Its share of all findings, to 0.1")
    cumulative_percent: Decimal = Field(description="This and every more frequent root cause, to 0.1")


class ParetoOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    product: str | None
    period_from: datetime | None = Field(alias="from")
    period_to: datetime | None = Field(alias="to")
    total: int = Field(description="All findings: a case with actions on two root causes counts under each")
    root_causes: list[ParetoBarOut]


def actions(request: Request) -> CorrectiveActions:
    services = request.app.state.services
    return CorrectiveActions(services.ledger, services.read_access)


@router.post(
    "",
    status_code=201,
    response_model=Created,
    responses={
        **WRITE_ERRORS,
        404: {"model": Problem, "description": "No case with this id (`case_id`)"},
        409: {"model": Problem, "description": "The case is not a quality or quantity objection (`case_id`)"},
    },
    summary="Raise a corrective or preventive action from a case's root cause (managers)",
)
def raise_action(body: ActionCreate, caller: CurrentCaller, request: Request, response: Response) -> Any:
    wanted = ActionRequest(body.case_id, body.root_cause, body.kind, body.description, body.owner, body.due)
    return respond(response, actions(request).raise_action(caller, wanted), router.prefix)


@router.post(
    "/{action_id}/reassign",
    response_model=Created,
    responses=_CHANGE_ERRORS,
    summary="Give an open action to another owner, with a reason (managers)",
)
def reassign(
    action_id: ActionId, body: ReassignIn, caller: CurrentCaller, request: Request, response: Response
) -> Any:
    return versioned(response, actions(request).reassign(caller, action_id, body.owner, body.reason))


@router.post(
    "/{action_id}/due-date",
    response_model=Created,
    responses=_CHANGE_ERRORS,
    summary="Move an open action's due date, with a reason; not into the past (managers)",
)
def change_due_date(
    action_id: ActionId, body: DueDateIn, caller: CurrentCaller, request: Request, response: Response
) -> Any:
    return versioned(response, actions(request).change_due_date(caller, action_id, body.due, body.reason))


@router.post(
    "/{action_id}/complete",
    response_model=Created,
    responses=_CHANGE_ERRORS,
    summary="Report an open action done, saying what was done (its owner, or a manager)",
)
def complete(
    action_id: ActionId, body: CompleteIn, caller: CurrentCaller, request: Request, response: Response
) -> Any:
    return versioned(response, actions(request).complete(caller, action_id, body.what_was_done))


@router.post(
    "/{action_id}/verify",
    response_model=Created,
    responses=_CHANGE_ERRORS,
    summary="Judge a completed action effective or not; not by who completed it (QC inspectors, managers)",
    description="Not effective reopens the action for its owner, who completes it again.",
)
def verify(
    action_id: ActionId, body: VerifyIn, caller: CurrentCaller, request: Request, response: Response
) -> Any:
    result = actions(request).verify_effectiveness(caller, action_id, body.effective, body.evidence)
    return versioned(response, result)


@router.post(
    "/{action_id}/cancel",
    response_model=Created,
    responses=_CHANGE_ERRORS,
    summary="Cancel an open or completed action, with a reason (managers)",
)
def cancel(
    action_id: ActionId, body: CancelIn, caller: CurrentCaller, request: Request, response: Response
) -> Any:
    return versioned(response, actions(request).cancel(caller, action_id, body.reason))


# Declared before `/{action_id}`, which would otherwise take "pareto" for an id.
@router.get(
    "/pareto",
    response_model=ParetoOut,
    response_model_by_alias=True,
    responses={**READ_ERRORS, 422: {"model": Problem, "description": "`to` not after `from` (`field`)"}},
    summary="Root causes by the number of cases they were found in, most first, with cumulative percent",
    description="From the read model (it may lag the latest commands by a moment). Counts cases, once per "
    "root cause, over actions not cancelled; `product` (exact) and the period (`from` inclusive, `to` "
    "exclusive, time zone required) select cases by their product and when the customer raised them. "
    "No case is named; the read is recorded in the access log.",
)
async def pareto(
    request: Request,
    user: CurrentUser,
    product: Annotated[str | None, Query(max_length=200, description="The case's product, exactly")] = None,
    period_from: Annotated[AwareDatetime | None, Query(alias="from")] = None,
    period_to: Annotated[AwareDatetime | None, Query(alias="to")] = None,
) -> Any:
    if period_from is not None and period_to is not None and period_to <= period_from:
        raise InvalidValue("the period ends after it starts: `to` must be later than `from`", "to")
    await open_read(request, user, ReadKind.ROOT_CAUSE_PARETO)
    bars = await run_in_threadpool(
        root_cause_pareto, request.app.state.services.pool, product, period_from, period_to
    )
    return ParetoOut(
        product=product,
        period_from=period_from,
        period_to=period_to,
        total=sum(bar.cases for bar in bars),
        root_causes=[ParetoBarOut(**vars(bar)) for bar in bars],
    )


@router.get(
    "/{action_id}",
    response_model=ActionPublic,
    responses={**READ_ERRORS, 404: {"model": Problem, "description": "No corrective action with this id"}},
    summary="A corrective action with its status and whether it is overdue now",
    description="Read from the event store; recorded in the access log under the action's case (staff read "
    "it under an access grant of that case).",
)
async def read_action(action_id: ActionId, request: Request, user: CurrentUser) -> Any:
    reader = Reader(user.id, user.roles, getattr(request.state, "request_id", None))
    report = await run_in_threadpool(actions(request).read, reader, action_id)
    return _public(report)


def _public(report: ActionReport) -> dict[str, Any]:
    action = report.action
    return {
        "id": action.id,
        "case_id": action.case_id,
        "root_cause": action.root_cause,
        "kind": action.kind,
        "description": action.description,
        "owner": action.owner,
        "due": action.due,
        "status": action.status,
        "is_overdue": report.is_overdue,
        "raised_by": _actor(action.raised_by),
        "raised_at": action.raised_at,
        "completed_by": _actor(action.completed_by),
        "completed_at": action.completed_at,
        "what_was_done": action.what_was_done,
        "verifications": action.verifications,
        "verified_by": _actor(action.verified_by),
        "verified_at": action.verified_at,
        "version": action.version,
    }


def _actor(actor: Actor | None) -> dict[str, str] | None:
    return None if actor is None else {"user_id": actor.user_id, "role": actor.role.value}
