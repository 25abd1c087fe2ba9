"""GraphQL reads of a case's step deadlines (acknowledge, sample, test, determine, settle): derived on every
read from the case and its inspections, liability and settlement, against its contract's step limits;
read through the application's gate (recorded under the case)."""

from datetime import datetime, timedelta
from uuid import UUID

import strawberry

from api.graphql.context import ReadContext, graphql_enum
from application.deadlines import Deadlines
from domain.deadlines import Step, StepDeadline

ObjectionStep = graphql_enum(
    Step, "ObjectionStep", "The steps of a quality objection that carry a published time limit, in order"
)


@strawberry.type(
    description="One step of the objection: its time limit, when it was due and done, met or not."
)
class StepDeadlineView:
    step: ObjectionStep = strawberry.field(description="The step, in the process's order")
    limit_hours: float = strawberry.field(
        description="Its time limit in hours, the contract's or the default"
    )
    starts_at: datetime | None = strawberry.field(
        description="When its clock started: the previous step's completion (the registration for "
        "ACKNOWLEDGE); null while the previous step is awaited"
    )
    due_at: datetime | None = strawberry.field(description="startsAt plus the limit; null before the start")
    done_at: datetime | None = strawberry.field(description="When it was done; null while it is not")
    met: bool | None = strawberry.field(description="Done by its due time; null while not done")
    overdue: bool = strawberry.field(
        description="Not done, past its due time, not skipped, and the case neither closed nor withdrawn"
    )
    skipped: bool = strawberry.field(description="Not done, but a later step is: never overdue")

    @classmethod
    def of(cls, deadline: StepDeadline) -> "StepDeadlineView":
        return cls(
            step=ObjectionStep(deadline.step.value),
            limit_hours=deadline.limit / timedelta(hours=1),
            starts_at=deadline.starts_at,
            due_at=deadline.due_at,
            done_at=deadline.done_at,
            met=deadline.met,
            overdue=deadline.overdue,
            skipped=deadline.skipped,
        )


def read_deadlines(context: ReadContext, case_id: UUID) -> list[StepDeadlineView]:
    services = context.services
    deadlines = Deadlines(services.ledger, services.read_access, services.case_inspections)
    return [StepDeadlineView.of(step) for step in deadlines.read(context.reader, case_id).steps]
