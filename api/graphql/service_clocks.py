"""GraphQL reads of a case's service clocks (respond, on site, fix, signed record) from the read model,
gated as a read of the case's service clocks (`ReadKind.SERVICE_CLOCKS`, recorded under the case)."""

from datetime import datetime
from uuid import UUID

import strawberry

from api.graphql.context import ReadContext
from application.service_clocks import ServiceClocks
from projections.service_clock_queries import StoredClock, clocks_of_case


@strawberry.type(description="A stretch when a clock did not count, and why")
class ClockPauseView:
    started_at: datetime
    ended_at: datetime | None = strawberry.field(description="null while it lasts")
    reason: str = strawberry.field(description='e.g. waiting for the customer\'s site access, or "closed"')


@strawberry.type(
    description="One service commitment's clock, as it stood at `asOf` (the latest moment recorded)"
)
class ServiceClockView:
    name: str = strawberry.field(description="respond, on_site, fix or signed_record")
    state: str = strawberry.field(description="not_started, running, paused or stopped")
    started_at: datetime | None
    due_at: datetime | None = strawberry.field(description="The start plus the target in working time")
    stopped_at: datetime | None
    met: bool | None = strawberry.field(description="Stopped within the target; null while not stopped")
    breached_by: float | None = strawberry.field(description="Seconds of working time past the target")
    at_risk: bool = strawberry.field(description="Counting past its warning, or escalated as at risk")
    breach_escalated: bool = strawberry.field(description="A ClockBreached alert went to the manager")
    working_seconds: float
    paused_seconds: float = strawberry.field(description="How long it stood paused (wall-clock)")
    pauses: list[ClockPauseView]
    as_of: datetime

    @classmethod
    def of(cls, stored: StoredClock) -> "ServiceClockView":
        counting = stored.state in ("running", "paused")
        return cls(
            name=stored.clock,
            state=stored.state,
            started_at=stored.started_at,
            due_at=stored.due_at,
            stopped_at=stored.stopped_at,
            met=stored.met,
            breached_by=stored.breached_by_seconds,
            at_risk=stored.is_at_risk or (counting and stored.at_risk_alerted and not stored.breach_alerted),
            breach_escalated=stored.breach_alerted,
            working_seconds=stored.working_seconds,
            paused_seconds=stored.paused_seconds,
            pauses=[
                ClockPauseView(started_at=p.started_at, ended_at=p.ended_at, reason=p.reason)
                for p in stored.pauses
            ],
            as_of=stored.as_of,
        )


def read_service_clocks(context: ReadContext, case_id: UUID) -> list[ServiceClockView]:
    services = context.services
    ServiceClocks(services.ledger, services.read_access).open(context.reader, case_id)
    return [ServiceClockView.of(stored) for stored in clocks_of_case(services.pool, case_id)]
