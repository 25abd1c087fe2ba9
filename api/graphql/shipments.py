"""GraphQL reads of shipments: a filtered list from the read model, newest dispatch first."""

from datetime import datetime
from decimal import Decimal
from typing import Annotated

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from api.graphql.context import MAX_PAGE, QueryRefused, ReadContext, aware, page_key
from api.graphql.types import PageInfo
from application.access import ReadKind
from projections import queries


@strawberry.type(description="A delivery under a supply contract, as the read model lists it.")
class Shipment:
    id: strawberry.ID = strawberry.field(description="The shipment's UUID")
    reference: str = strawberry.field(description="The supplier's shipment reference, e.g. SHP-2026-0815")
    contract_id: strawberry.ID = strawberry.field(description="The contract's UUID")
    contract_number: str = strawberry.field(description="The contract's number")
    customer_id: str = strawberry.field(description="The contract's customer")
    product: str = strawberry.field(description="The contract's product")
    quantity: Decimal = strawberry.field(description="How much was shipped, in `unit`")
    unit: str = strawberry.field(description="The unit of the quantity, the contract price's unit")
    transport_mode: str = strawberry.field(description="rail, road, waterway or sea")
    carrier: str = strawberry.field(description="Who carried it")
    dispatched_at: datetime = strawberry.field(description="When it left the supplier")
    arrived_at: datetime | None = strawberry.field(
        description="When it reached the customer (the objection windows count from here); null until known"
    )

    @classmethod
    def of_summary(cls, summary: queries.ShipmentSummary) -> "Shipment":
        return cls(
            id=strawberry.ID(str(summary.id)),
            reference=summary.reference,
            contract_id=strawberry.ID(str(summary.contract_id)),
            contract_number=summary.contract_number,
            customer_id=summary.customer_id,
            product=summary.product,
            quantity=summary.quantity,
            unit=summary.unit,
            transport_mode=summary.transport_mode,
            carrier=summary.carrier,
            dispatched_at=summary.dispatched_at,
            arrived_at=summary.arrived_at,
        )


@strawberry.type(description="A shipment in a page of shipments, with where it sits in the list.")
class ShipmentEdge:
    node: Shipment = strawberry.field(description="The shipment")
    cursor: str = strawberry.field(description="Pass as `after` to continue the list after this shipment")


@strawberry.type(description="A page of shipments, newest dispatch first (ties broken by id), relay style.")
class ShipmentConnection:
    edges: list[ShipmentEdge] = strawberry.field(description="The shipments of this page")
    page_info: PageInfo = strawberry.field(description="How to get the next page")


@strawberry.input(description="Conditions on the listed shipments; every condition given must hold.")
class ShipmentFilter:
    customer: str | None = strawberry.field(default=None, description="Only this customer's (its id)")
    product: str | None = strawberry.field(default=None, description="Only this product")
    contract_number: str | None = strawberry.field(default=None, description="Only under this contract")
    dispatched_from: datetime | None = strawberry.field(
        default=None, description="Only shipments dispatched at or after this time (time zone required)"
    )
    dispatched_to: datetime | None = strawberry.field(
        default=None, description="Only shipments dispatched before this time (time zone required)"
    )

    def condition(self) -> queries.ShipmentFilter:
        return queries.ShipmentFilter(
            customer_id=self.customer,
            product=self.product,
            contract_number=self.contract_number,
            dispatched_from=aware(self.dispatched_from, "filter.dispatchedFrom"),
            dispatched_to=aware(self.dispatched_to, "filter.dispatchedTo"),
        )


@strawberry.type(description="Reads of shipments.")
class ShipmentQueries:
    @strawberry.field(description="Shipments from the read model, newest dispatch first, a page at a time")
    async def shipments(
        self,
        info: Info[ReadContext, None],
        first: Annotated[
            int, strawberry.argument(description=f"How many shipments to return, 0 to {MAX_PAGE}")
        ] = 20,
        after: Annotated[
            str | None, strawberry.argument(description="The endCursor of the previous page")
        ] = None,
        filter: Annotated[
            ShipmentFilter | None, strawberry.argument(description="Only shipments meeting these conditions")
        ] = None,
    ) -> ShipmentConnection:
        if not 0 <= first <= MAX_PAGE:
            raise QueryRefused(f"first must be between 0 and {MAX_PAGE}; page through with after")
        condition = filter.condition() if filter else queries.ShipmentFilter()
        await info.context.open_read(ReadKind.SHIPMENT)
        page = await run_in_threadpool(
            queries.list_shipments, info.context.services.pool, condition, first, page_key(after)
        )
        edges = [
            ShipmentEdge(node=Shipment.of_summary(s), cursor=s.page_key().to_cursor()) for s in page.shipments
        ]
        return ShipmentConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=page.has_next_page, end_cursor=edges[-1].cursor if edges else None
            ),
        )
