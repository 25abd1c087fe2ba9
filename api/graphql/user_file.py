"""GraphQL read of a customer's user file (用户使用档案卡): the units they run, the shipments delivered to
them, their cases, the field visits to their units, their returns, and the follow-ups of their cases with
the ratings they gave, all from the read models, in one read recorded under every case it shows."""

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated
from uuid import UUID

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from api.graphql.context import MAX_PAGE, QueryRefused, ReadContext
from api.graphql.equipment import Unit, UnitRepair
from api.graphql.returns import ReturnSummary
from api.graphql.shipments import Shipment
from api.graphql.types import Case
from application.access import ReadKind
from projections import equipment_queries, queries, returns_queries


@strawberry.type(description="The follow-up of one of the customer's closed cases, with their rating.")
class FollowUp:
    case_id: strawberry.ID = strawberry.field(description="The case's UUID")
    case_number: str = strawberry.field(description="The case's number")
    reason: str = strawberry.field(description="Why the case is followed up")
    status: str = strawberry.field(description="open or done")
    round: int = strawberry.field(description="Which round of follow-up (a new customer may have several)")
    attempts: int = strawberry.field(description="Contact attempts so far")
    rating: int | None = strawberry.field(
        description="The customer's satisfaction rating, 1 to 5; null if none"
    )
    rated_by_customer: bool = strawberry.field(description="The customer rated it through a feedback link")
    opened_at: datetime = strawberry.field(description="When the follow-up began")
    done_at: datetime | None = strawberry.field(description="When it was done")

    @classmethod
    def of(cls, row: returns_queries.CustomerFollowUp) -> "FollowUp":
        return cls(
            case_id=strawberry.ID(str(row.case_id)),
            case_number=row.case_number,
            reason=row.reason,
            status=row.status,
            round=row.round,
            attempts=row.attempts,
            rating=row.rating,
            rated_by_customer=row.is_rated_by_customer,
            opened_at=row.opened_at,
            done_at=row.done_at,
        )


@strawberry.type(
    description="A customer's user file (用户使用档案卡), from the read models: each list newest first, at "
    "most `first` of each kind."
)
class UserFile:
    customer_id: str = strawberry.field(description="The customer's id")
    units: list[Unit] = strawberry.field(description="The units they run, the latest accepted first")
    shipments: list[Shipment] = strawberry.field(description="Shipments to them, the latest dispatched first")
    cases: list[Case] = strawberry.field(description="Their cases, the latest raised first")
    visits: list[UnitRepair] = strawberry.field(
        description="Repairs of their units with their field visits, the latest opened first"
    )
    returns: list[ReturnSummary] = strawberry.field(description="Their returns, the latest applied for first")
    follow_ups: list[FollowUp] = strawberry.field(
        description="Follow-ups of their closed cases with the ratings given, the latest first"
    )


@dataclass(frozen=True)
class _Sections:
    units: list[equipment_queries.UnitSummary]
    shipments: list[queries.ShipmentSummary]
    cases: list[queries.CaseSummary]
    visits: list[equipment_queries.RepairSummary]
    returns: list[returns_queries.ReturnSummary]
    follow_ups: list[returns_queries.CustomerFollowUp]

    def case_ids(self) -> list[UUID]:
        """Every case the file shows, once each, in order of appearance."""
        shown = [
            *(c.id for c in self.cases),
            *(v.case_id for v in self.visits),
            *(r.case_id for r in self.returns),
            *(f.case_id for f in self.follow_ups),
        ]
        return list(dict.fromkeys(shown))


def _sections(context: ReadContext, customer_id: str, first: int) -> _Sections:
    pool = context.services.pool
    return _Sections(
        units=equipment_queries.list_units(
            pool, equipment_queries.UnitFilter(customer_id=customer_id), first, None
        ).units,
        shipments=queries.list_shipments(
            pool, queries.ShipmentFilter(customer_id=customer_id), first, None
        ).shipments,
        cases=queries.list_cases(pool, queries.CaseFilter(customer_id=customer_id), first, None).cases,
        visits=equipment_queries.repairs_of_customer(pool, customer_id, first),
        returns=returns_queries.list_returns(
            pool, returns_queries.ReturnFilter(customer_id=customer_id), first, None
        ).returns,
        follow_ups=returns_queries.follow_ups_of_customer(pool, customer_id, first),
    )


@strawberry.type(description="Reads of a customer's user file.")
class UserFileQueries:
    @strawberry.field(
        description="A customer's user file (用户使用档案卡) from the read models: units, shipments, cases, "
        "field visits, returns, follow-ups and ratings. Recorded as one read naming every case it shows."
    )
    async def user_file(
        self,
        info: Info[ReadContext, None],
        customer_id: Annotated[str, strawberry.argument(description="The customer's id, e.g. CUST-0042")],
        first: Annotated[
            int, strawberry.argument(description=f"At most this many of each kind, 0 to {MAX_PAGE}")
        ] = 50,
    ) -> UserFile:
        if not 0 <= first <= MAX_PAGE:
            raise QueryRefused(f"first must be between 0 and {MAX_PAGE}")
        if not customer_id.strip():
            raise QueryRefused("customerId must name a customer")
        found = await run_in_threadpool(_sections, info.context, customer_id, first)
        await info.context.open_read(ReadKind.USER_FILE, found.case_ids())
        now = info.context.services.ledger.clock.now()
        return UserFile(
            customer_id=customer_id,
            units=[Unit.of_summary(u, now) for u in found.units],
            shipments=[Shipment.of_summary(s) for s in found.shipments],
            cases=[Case.of_summary(c) for c in found.cases],
            visits=[UnitRepair.of_summary(v) for v in found.visits],
            returns=[ReturnSummary.of_summary(r) for r in found.returns],
            follow_ups=[FollowUp.of(f) for f in found.follow_ups],
        )
