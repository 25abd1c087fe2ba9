"""GraphQL reads of objections: a filtered list from the read model; each objection's inspections (with the
comparison against the contract's specification), liability determination and settlement replayed from
the event store through the application's reads, which pass the read gate and record each read."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from api.graphql.capa import RootCause
from api.graphql.context import (
    MAX_PAGE,
    QueryRefused,
    ReadContext,
    aware,
    case_id_argument,
    optional_id,
    page_key,
)
from api.graphql.deadlines import StepDeadlineView, read_deadlines
from api.graphql.inspections import Inspection, read_inspection
from api.graphql.liability import Liability, read_liability
from api.graphql.settlement import Settlement, read_settlement
from api.graphql.types import PageInfo
from application.access import ReadKind
from projections import objection_queries


@strawberry.type(
    description="A case with objection activity (an inspection, a liability determination or a "
    "settlement), as the read model lists it; its parts are read from the event store when asked for."
)
class Objection:
    case_id: strawberry.ID = strawberry.field(description="The case's UUID")
    case_number: str = strawberry.field(description="The case's number, e.g. AS-2026-000123")
    customer_id: str = strawberry.field(description="The customer's id")
    product: str = strawberry.field(description="The product the case is about")
    opened_at: datetime = strawberry.field(description="When the customer raised the objection")
    shipment_id: strawberry.ID | None = strawberry.field(
        description="The shipment its first inspection sampled; null before any inspection"
    )
    shipment_reference: str | None = strawberry.field(description="That shipment's reference")
    root_cause: RootCause | None = strawberry.field(
        description="The root cause of the approved liability determination; null until one is approved"
    )
    liability_status: str | None = strawberry.field(
        description="approved (a determination is in force), pending or rejected (none in force, the latest "
        "proposal awaits a decision or was rejected); null when nothing is proposed"
    )
    settlement_status: str | None = strawberry.field(
        description="The latest settlement proposal's status (awaiting_approval, offered, signed, rejected, "
        "executed); null when nothing is proposed"
    )
    legal_hold: bool = strawberry.field(description="Its settlement went to arbitration")

    @strawberry.field(
        description="Its inspections, oldest first, read from the event store (each read recorded)"
    )
    async def inspections(self, info: Info[ReadContext, None]) -> list[Inspection]:
        ids = await run_in_threadpool(
            objection_queries.inspection_ids_of_case, info.context.services.pool, UUID(self.case_id)
        )
        read = [await run_in_threadpool(read_inspection, info.context, i) for i in ids]
        return [inspection for inspection in read if inspection is not None]

    @strawberry.field(
        description="Its liability determination, read from the event store (recorded); null if nothing "
        "is proposed"
    )
    async def liability(self, info: Info[ReadContext, None]) -> Liability | None:
        return await run_in_threadpool(read_liability, info.context, UUID(self.case_id))

    @strawberry.field(
        description="Its settlement, read from the event store (recorded); null if nothing is proposed"
    )
    async def settlement(self, info: Info[ReadContext, None]) -> Settlement | None:
        return await run_in_threadpool(read_settlement, info.context, UUID(self.case_id))

    @strawberry.field(
        description="Its step deadlines (acknowledge, sample, test, determine, settle): due, done, met or "
        "overdue, against its contract's step limits (recorded)"
    )
    async def deadlines(self, info: Info[ReadContext, None]) -> list[StepDeadlineView]:
        return await run_in_threadpool(read_deadlines, info.context, UUID(self.case_id))

    @classmethod
    def of_summary(cls, summary: objection_queries.ObjectionSummary) -> "Objection":
        return cls(
            case_id=strawberry.ID(str(summary.case_id)),
            case_number=summary.case_number,
            customer_id=summary.customer_id,
            product=summary.product,
            opened_at=summary.opened_at,
            shipment_id=optional_id(summary.shipment_id),
            shipment_reference=summary.shipment_reference,
            root_cause=RootCause(summary.root_cause) if summary.root_cause else None,
            liability_status=summary.liability_status,
            settlement_status=summary.settlement_status,
            legal_hold=summary.legal_hold,
        )


@strawberry.type(description="An objection in a page of objections, with where it sits in the list.")
class ObjectionEdge:
    node: Objection = strawberry.field(description="The objection")
    cursor: str = strawberry.field(description="Pass as `after` to continue the list after this objection")


@strawberry.type(
    description="A page of objections, newest raised first (ties broken by case id), relay style."
)
class ObjectionConnection:
    edges: list[ObjectionEdge] = strawberry.field(description="The objections of this page")
    page_info: PageInfo = strawberry.field(description="How to get the next page")


@strawberry.input(description="Conditions on the listed objections; every condition given must hold.")
class ObjectionFilter:
    customer: str | None = strawberry.field(default=None, description="Only this customer's (its id)")
    product: str | None = strawberry.field(default=None, description="Only this product")
    shipment: str | None = strawberry.field(
        default=None, description="Only objections with an inspection of this shipment (its reference)"
    )
    lab: str | None = strawberry.field(
        default=None, description="Only objections where this lab reported a result (its name, any case)"
    )
    root_cause: RootCause | None = strawberry.field(
        default=None, description="Only objections whose approved liability names this root cause"
    )
    opened_from: datetime | None = strawberry.field(
        default=None, description="Only objections raised at or after this time (time zone required)"
    )
    opened_to: datetime | None = strawberry.field(
        default=None, description="Only objections raised before this time (time zone required)"
    )

    def condition(self) -> objection_queries.ObjectionFilter:
        return objection_queries.ObjectionFilter(
            customer_id=self.customer,
            product=self.product,
            shipment=self.shipment,
            lab=self.lab,
            root_cause=self.root_cause.value if self.root_cause else None,
            opened_from=aware(self.opened_from, "filter.openedFrom"),
            opened_to=aware(self.opened_to, "filter.openedTo"),
        )


@strawberry.type(description="Reads of objections and their inspections.")
class ObjectionQueries:
    @strawberry.field(description="Objections from the read model, newest raised first, a page at a time")
    async def objections(
        self,
        info: Info[ReadContext, None],
        first: Annotated[
            int, strawberry.argument(description=f"How many objections to return, 0 to {MAX_PAGE}")
        ] = 20,
        after: Annotated[
            str | None, strawberry.argument(description="The endCursor of the previous page")
        ] = None,
        filter: Annotated[
            ObjectionFilter | None,
            strawberry.argument(description="Only objections meeting these conditions"),
        ] = None,
    ) -> ObjectionConnection:
        if not 0 <= first <= MAX_PAGE:
            raise QueryRefused(f"first must be between 0 and {MAX_PAGE}; page through with after")
        condition = filter.condition() if filter else objection_queries.ObjectionFilter()
        page = await run_in_threadpool(
            objection_queries.list_objections, info.context.services.pool, condition, first, page_key(after)
        )
        await info.context.open_read(ReadKind.OBJECTION_LIST, [o.case_id for o in page.objections])
        edges = [
            ObjectionEdge(node=Objection.of_summary(o), cursor=o.page_key().to_cursor())
            for o in page.objections
        ]
        return ObjectionConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=page.has_next_page, end_cursor=edges[-1].cursor if edges else None
            ),
        )

    @strawberry.field(
        description="One case's objection by the case's id, from the read model (recorded as a read of the "
        "case); null if the case has no objection activity yet"
    )
    async def objection(
        self,
        info: Info[ReadContext, None],
        case_id: Annotated[strawberry.ID, strawberry.argument(description="The case's UUID")],
    ) -> Objection | None:
        case = case_id_argument(str(case_id))
        await info.context.open_read(ReadKind.CASE, [case])
        found = await run_in_threadpool(objection_queries.objection_of_case, info.context.services.pool, case)
        return Objection.of_summary(found) if found is not None else None
