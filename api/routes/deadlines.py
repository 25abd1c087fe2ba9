"""REST on a case's step deadlines: each step of the objection with its limit, due time, and whether it
was met or is overdue."""

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api.auth import CurrentUser
from api.problems import Problem
from api.routes.cases import CaseId
from api.routes.contracts import READ_ERRORS
from application.access import Reader
from application.deadlines import CaseDeadlines, Deadlines
from domain.deadlines import Step, StepDeadline

router = APIRouter(prefix="/api/v1/cases", tags=["deadlines"])


class StepDeadlinePublic(BaseModel):
    step: Step = Field(description="acknowledge, sample, test, determine, settle: in the process's order")
    limit_hours: float = Field(
        description="The step's time limit, in hours, from the contract or the defaults"
    )
    starts_at: datetime | None = Field(
        description="When the step's clock started: the previous step's completion (a skipped step is passed "
        "over), the registration for `acknowledge`; null while the previous step is awaited"
    )
    due_at: datetime | None = Field(
        description="starts_at plus the limit; null while the clock has not started"
    )
    done_at: datetime | None = Field(description="When the step was done; null while it is not")
    met: bool | None = Field(description="Done by its due time; null while not done (or with no due time)")
    overdue: bool = Field(
        description="Not done, past its due time, not skipped, and the case is neither closed nor withdrawn"
    )
    skipped: bool = Field(description="Not done, but a later step is: never overdue")


class DeadlinesPublic(BaseModel):
    case_id: UUID
    contract_id: UUID | None = Field(
        description="The contract whose step limits apply; null when none is known (the defaults apply)"
    )
    at: datetime = Field(description="The time `overdue` was judged at: now")
    steps: list[StepDeadlinePublic]


@router.get(
    "/{case_id}/deadlines",
    response_model=DeadlinesPublic,
    responses={**READ_ERRORS, 404: {"model": Problem, "description": "No case with this id"}},
    summary="The case's step deadlines: each step's limit, due time, completion, met or overdue",
    description="Derived on every read from the case, its inspections, liability determination and "
    "settlement, against the step limits of the contract of the case's shipment. Recorded in the access "
    "log under the case (staff read it under an access grant of the case).",
)
async def read_deadlines(case_id: CaseId, request: Request, user: CurrentUser) -> Any:
    services = request.app.state.services
    reader = Reader(user.id, user.roles, getattr(request.state, "request_id", None))
    deadlines = Deadlines(services.ledger, services.read_access, services.case_inspections)
    return _public(await run_in_threadpool(deadlines.read, reader, case_id))


def _public(found: CaseDeadlines) -> dict[str, Any]:
    return {
        "case_id": found.case_id,
        "contract_id": found.contract_id,
        "at": found.at,
        "steps": [_step(deadline) for deadline in found.steps],
    }


def _step(deadline: StepDeadline) -> dict[str, Any]:
    return {
        "step": deadline.step,
        "limit_hours": deadline.limit / timedelta(hours=1),
        "starts_at": deadline.starts_at,
        "due_at": deadline.due_at,
        "done_at": deadline.done_at,
        "met": deadline.met,
        "overdue": deadline.overdue,
        "skipped": deadline.skipped,
    }
