"""GraphQL reads of returns and exchanges: a filtered list from the read model; one return with every step
from the event store through the application's read, which passes the read gate and records the read
under the return's case."""

from datetime import datetime
from decimal import Decimal
from typing import Annotated
from uuid import UUID

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from api.graphql.context import MAX_PAGE, QueryRefused, ReadContext, aware, graphql_enum, page_key
from api.graphql.types import Money, PageInfo
from application.access import ReadKind
from application.errors import ReturnNotFound
from application.returns import Returns
from domain.measurement import Measurement
from domain.returns import ReturnReason as DomainReturnReason
from domain.returns import ReturnRequest as DomainReturnRequest
from domain.returns import ReturnStatus as DomainReturnStatus
from projections import returns_queries

ReturnStatus = graphql_enum(DomainReturnStatus, "ReturnStatus", "Where a return stands")
ReturnReason = graphql_enum(DomainReturnReason, "ReturnReason", "Why the customer returns the goods")


@strawberry.type(description="A return or exchange of goods, as the read model lists it.")
class ReturnSummary:
    id: strawberry.ID = strawberry.field(description="The return's UUID")
    case_id: strawberry.ID = strawberry.field(description="The case it was applied for from")
    case_number: str = strawberry.field(description="That case's number")
    customer_id: str = strawberry.field(description="The case's customer")
    shipment_reference: str | None = strawberry.field(description="The original shipment, if named")
    order_reference: str | None = strawberry.field(description="The original order, if named")
    product: str = strawberry.field(description="The product returned")
    reason: ReturnReason = strawberry.field(description="Why it is returned")
    eligibility: str | None = strawberry.field(
        description="free, negotiated, lawful_ground or not_eligible: the latest decision; null until decided"
    )
    status: ReturnStatus = strawberry.field(description="Where it stands")
    applied_at: datetime = strawberry.field(description="When the customer applied")
    closed_at: datetime | None = strawberry.field(
        description="When it ended (closed, cancelled or not eligible); null while open"
    )

    @classmethod
    def of_summary(cls, summary: returns_queries.ReturnSummary) -> "ReturnSummary":
        return cls(
            id=strawberry.ID(str(summary.id)),
            case_id=strawberry.ID(str(summary.case_id)),
            case_number=summary.case_number,
            customer_id=summary.customer_id,
            shipment_reference=summary.shipment_reference,
            order_reference=summary.order_reference,
            product=summary.product,
            reason=ReturnReason(summary.reason),
            eligibility=summary.eligibility,
            status=ReturnStatus(summary.status),
            applied_at=summary.applied_at,
            closed_at=summary.closed_at,
        )


@strawberry.type(description="A quantity and its unit.")
class Quantity:
    value: Decimal = strawberry.field(description="The value, a decimal with every digit")
    unit: str = strawberry.field(description="Its unit, e.g. t or bag")

    @classmethod
    def maybe(cls, quantity: Measurement | None) -> "Quantity | None":
        return None if quantity is None else cls(value=quantity.value, unit=quantity.unit)


@strawberry.type(description="One step of a return as recorded: what happened, who recorded it, when.")
class ReturnStep:
    step: str = strawberry.field(description="The event's name, e.g. ReturnApplied, EligibilityDecided")
    by: str = strawberry.field(description="User id of who recorded it")
    role: str = strawberry.field(description="The role they acted in")
    at: datetime = strawberry.field(description="When it was recorded")


@strawberry.type(description="What a receipt check found against the application.")
class ReceiptDifferences:
    shortfall: Quantity | None = strawberry.field(description="Fewer arrived by this much")
    excess: Quantity | None = strawberry.field(description="More arrived by this much")
    spec_mismatch: bool = strawberry.field(description="Other goods than applied for arrived")


@strawberry.type(description="A return or exchange of goods, replayed from the event store, with every step.")
class ReturnRequest:
    id: strawberry.ID = strawberry.field(description="The return's UUID")
    version: int = strawberry.field(description="Its version; send it as If-Match on commands")
    case_id: strawberry.ID = strawberry.field(description="The case it was applied for from")
    shipment_reference: str | None = strawberry.field(description="The original shipment, if named")
    order_reference: str | None = strawberry.field(description="The original order, if named")
    status: ReturnStatus = strawberry.field(description="Where it stands")
    reason: ReturnReason = strawberry.field(description="Why it is returned")
    description: str = strawberry.field(description="What the customer says is wrong")
    product: str = strawberry.field(description="The product")
    spec: str = strawberry.field(description="Its specification or model")
    quantity: Quantity = strawberry.field(description="How much the customer returns")
    purchased_at: datetime | None = strawberry.field(description="When bought, if no shipment dates it")
    applied_by: str = strawberry.field(description="User id of who recorded the application")
    applied_at: datetime = strawberry.field(description="When the customer applied")
    eligibility: str | None = strawberry.field(description="The latest eligibility decision")
    freight_paid_by: str | None = strawberry.field(description="supplier or customer, once eligible")
    decisions: int = strawberry.field(description="How many eligibility decisions were taken")
    qc_result: str | None = strawberry.field(description="QC's inspection: confirmed or not_confirmed")
    received_quantity: Quantity | None = strawberry.field(description="What the receipt check counted")
    differences: ReceiptDifferences | None = strawberry.field(description="What the receipt check found")
    reinspection_result: str | None = strawberry.field(description="The re-inspection's result")
    warehouse: str | None = strawberry.field(description="The warehouse the goods entered")
    warehouse_entry: str | None = strawberry.field(description="The warehouse entry's reference")
    entered_quantity: Quantity | None = strawberry.field(description="What entered the warehouse")
    refund: Money | None = strawberry.field(description="The refund paid")
    refund_reference: str | None = strawberry.field(description="The refund's reference")
    exchange_shipment_reference: str | None = strawberry.field(description="The exchange goods' shipment")
    customer_satisfied: bool | None = strawberry.field(description="The customer's latest feedback")
    cancellation_reason: str | None = strawberry.field(description="Why the customer cancelled")
    steps: list[ReturnStep] = strawberry.field(description="Every step recorded, oldest first")

    @classmethod
    def of(cls, request: DomainReturnRequest, steps: list[ReturnStep]) -> "ReturnRequest":
        decision, differences, refund = request.decision, request.differences, request.refund_amount
        return cls(
            id=strawberry.ID(str(request.id)),
            version=request.version,
            case_id=strawberry.ID(str(request.case_id)),
            shipment_reference=request.shipment_reference,
            order_reference=request.order_reference,
            status=ReturnStatus(request.status.value),
            reason=ReturnReason(request.reason.value),
            description=request.description,
            product=request.product,
            spec=request.spec,
            quantity=Quantity(value=request.quantity.value, unit=request.quantity.unit),
            purchased_at=request.purchased_at,
            applied_by=request.applied_by.user_id,
            applied_at=request.applied_at,
            eligibility=decision.eligibility.value if decision else None,
            freight_paid_by=decision.freight_paid_by.value if decision and decision.freight_paid_by else None,
            decisions=request.decisions,
            qc_result=request.qc_result.value if request.qc_result else None,
            received_quantity=Quantity.maybe(request.received_quantity),
            differences=None
            if differences is None
            else ReceiptDifferences(
                shortfall=Quantity.maybe(differences.shortfall),
                excess=Quantity.maybe(differences.excess),
                spec_mismatch=differences.is_spec_mismatch,
            ),
            reinspection_result=request.reinspection_result.value if request.reinspection_result else None,
            warehouse=request.warehouse,
            warehouse_entry=request.warehouse_entry,
            entered_quantity=Quantity.maybe(request.entered_quantity),
            refund=Money.of(refund) if refund else None,
            refund_reference=request.refund_reference,
            exchange_shipment_reference=request.exchange_shipment_reference,
            customer_satisfied=request.customer_satisfied,
            cancellation_reason=request.cancellation_reason,
            steps=steps,
        )


def read_return(context: ReadContext, return_id: UUID) -> ReturnRequest | None:
    """The return through the gate (recorded under its case), with its steps up to the version read;
    None if there is no such return (nothing was read)."""
    services = context.services
    try:
        request = Returns(services.ledger, services.read_access, services.case_returns).read(
            context.reader, return_id
        )
    except ReturnNotFound:
        return None
    events = services.ledger.events.get(return_id, lte=request.version)
    steps = [
        ReturnStep(step=type(e).__name__, by=e.actor.user_id, role=e.actor.role.value, at=e.occurred_at)
        for e in events
    ]
    return ReturnRequest.of(request, steps)


# -- the list ---------------------------------------------------------------------------------------


@strawberry.type(description="A return in a page of returns, with where it sits in the list.")
class ReturnEdge:
    node: ReturnSummary = strawberry.field(description="The return")
    cursor: str = strawberry.field(description="Pass as `after` to continue the list after this return")


@strawberry.type(
    description="A page of returns, the latest applied for first (ties broken by id), relay style."
)
class ReturnConnection:
    edges: list[ReturnEdge] = strawberry.field(description="The returns of this page")
    page_info: PageInfo = strawberry.field(description="How to get the next page")


@strawberry.input(description="Conditions on the listed returns; every condition given must hold.")
class ReturnFilter:
    customer: str | None = strawberry.field(default=None, description="Only this customer's (its case's)")
    product: str | None = strawberry.field(default=None, description="Only this product")
    status: ReturnStatus | None = strawberry.field(default=None, description="Only returns in this status")
    reason: ReturnReason | None = strawberry.field(default=None, description="Only returns for this reason")
    applied_from: datetime | None = strawberry.field(
        default=None, description="Only returns applied for at or after this time (time zone required)"
    )
    applied_to: datetime | None = strawberry.field(
        default=None, description="Only returns applied for before this time (time zone required)"
    )

    def condition(self) -> returns_queries.ReturnFilter:
        return returns_queries.ReturnFilter(
            customer_id=self.customer,
            product=self.product,
            status=self.status.value if self.status else None,
            reason=self.reason.value if self.reason else None,
            applied_from=aware(self.applied_from, "filter.appliedFrom"),
            applied_to=aware(self.applied_to, "filter.appliedTo"),
        )


@strawberry.type(description="Reads of returns and exchanges.")
class ReturnQueries:
    @strawberry.field(
        description="Returns from the read model, the latest applied for first, a page at a time"
    )
    async def returns(
        self,
        info: Info[ReadContext, None],
        first: Annotated[
            int, strawberry.argument(description=f"How many returns to return, 0 to {MAX_PAGE}")
        ] = 20,
        after: Annotated[
            str | None, strawberry.argument(description="The endCursor of the previous page")
        ] = None,
        filter: Annotated[
            ReturnFilter | None, strawberry.argument(description="Only returns meeting these conditions")
        ] = None,
    ) -> ReturnConnection:
        if not 0 <= first <= MAX_PAGE:
            raise QueryRefused(f"first must be between 0 and {MAX_PAGE}; page through with after")
        condition = filter.condition() if filter else returns_queries.ReturnFilter()
        page = await run_in_threadpool(
            returns_queries.list_returns, info.context.services.pool, condition, first, page_key(after)
        )
        await info.context.open_read(ReadKind.RETURN_LIST, [r.case_id for r in page.returns])
        edges = [
            ReturnEdge(node=ReturnSummary.of_summary(r), cursor=r.page_key().to_cursor())
            for r in page.returns
        ]
        return ReturnConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=page.has_next_page, end_cursor=edges[-1].cursor if edges else None
            ),
        )

    @strawberry.field(
        name="returnRequest",
        description="A return by id, read from the event store with every step (recorded under its case); "
        "null if there is no such return",
    )
    async def return_request(
        self,
        info: Info[ReadContext, None],
        id: Annotated[strawberry.ID, strawberry.argument(description="The return's UUID")],
    ) -> ReturnRequest | None:
        try:
            return_id = UUID(str(id))
        except ValueError:
            raise QueryRefused("id must be a return's UUID") from None
        return await run_in_threadpool(read_return, info.context, return_id)
