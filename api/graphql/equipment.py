"""GraphQL reads of installed units and their repairs: a filtered list of units from the read model; a
unit, and a case's repair with its warranty decision, quotes and visits, from the event store through the
application's reads, which pass the read gate and record each read."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated
from uuid import UUID

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from api.graphql.context import MAX_PAGE, QueryRefused, ReadContext, case_id_argument, page_key
from api.graphql.types import Money, PageInfo
from application.access import ReadKind
from application.equipment import InstalledUnits
from application.errors import CaseNotFound, RepairNotOpened, UnitNotFound
from application.repairs import Repairs, RepairView
from domain.equipment import warranty_until
from domain.repair import IssuedQuote, Visit
from domain.replacement_policy import RepeatFailurePolicy
from projections import equipment_queries


@strawberry.type(
    description="A repair of an installed unit (one per equipment-fault case), as the read model lists it: "
    "a field-service visit record of the user file. `repair(caseId)` reads the whole repair."
)
class UnitRepair:
    case_id: strawberry.ID = strawberry.field(description="The equipment-fault case's UUID")
    unit_id: strawberry.ID = strawberry.field(description="The unit's UUID")
    serial_number: str = strawberry.field(description="The unit's serial number")
    component_class: str = strawberry.field(description="The component class at fault, e.g. electrical")
    fault_code: str = strawberry.field(description="The fault code, e.g. E-217")
    reported_at: datetime = strawberry.field(description="When the customer reported the fault")
    in_warranty: bool | None = strawberry.field(description="The engineer's decision; null until decided")
    status: str = strawberry.field(
        description="opened, warranty_decided, quoted, quote_accepted, quote_rejected, dispatched, on_site, "
        "not_fixed, fixed, or signed (the fixing visit's service record)"
    )
    visits: int = strawberry.field(description="How many engineers were dispatched")
    first_visit_fix: bool | None = strawberry.field(
        description="Fixed on the first visit; null while not fixed"
    )
    dispatched_at: datetime | None = strawberry.field(description="When the first engineer was sent")
    arrived_at: datetime | None = strawberry.field(description="When an engineer first arrived on site")
    fixed_at: datetime | None = strawberry.field(description="When the fixing visit's work finished")
    signed_at: datetime | None = strawberry.field(
        description="When the customer signed the fixing visit's service record"
    )

    @classmethod
    def of_summary(cls, summary: equipment_queries.RepairSummary) -> "UnitRepair":
        return cls(
            case_id=strawberry.ID(str(summary.case_id)),
            unit_id=strawberry.ID(str(summary.unit_id)),
            serial_number=summary.serial_number,
            component_class=summary.component_class,
            fault_code=summary.fault_code,
            reported_at=summary.reported_at,
            in_warranty=summary.in_warranty,
            status=summary.status,
            visits=summary.visits,
            first_visit_fix=summary.is_first_visit_fix,
            dispatched_at=summary.dispatched_at,
            arrived_at=summary.arrived_at,
            fixed_at=summary.fixed_at,
            signed_at=summary.signed_at,
        )


def read_unit_repairs(context: ReadContext, unit_id: UUID) -> list[UnitRepair]:
    """The unit's repairs from the read model, oldest first; recorded as a read of their cases."""
    found = equipment_queries.repairs_of_unit(context.services.pool, unit_id)
    context.services.read_access.open(context.reader, ReadKind.REPAIR, [r.case_id for r in found])
    return [UnitRepair.of_summary(r) for r in found]


@strawberry.type(description="An installed unit, as the read model lists it.")
class Unit:
    id: strawberry.ID = strawberry.field(description="The unit's UUID")
    serial_number: str = strawberry.field(description="Its serial number")
    model: str = strawberry.field(description="Its model")
    customer_id: str = strawberry.field(description="The customer who runs it")
    site: str = strawberry.field(description="Where it is installed")
    region: str = strawberry.field(description="The region of the site, e.g. Anhui")
    accepted_at: datetime = strawberry.field(description="When the customer accepted it")
    inspection_interval_months: int | None = strawberry.field(
        description="Months between periodic inspections; null when the contract asks for none"
    )
    inspection_due: date | None = strawberry.field(
        description="The earliest periodic inspection no visit met yet (overdue or next); null without any"
    )
    inspection_overdue: bool = strawberry.field(
        description="That inspection's date has passed, at the time of this read"
    )
    repair_count: int = strawberry.field(description="How many repairs were opened for it")

    @strawberry.field(
        description="Its repairs, oldest first, from the read model (recorded under their cases)"
    )
    async def repairs(self, info: Info[ReadContext, None]) -> list[UnitRepair]:
        return await run_in_threadpool(read_unit_repairs, info.context, UUID(self.id))

    @classmethod
    def of_summary(cls, summary: equipment_queries.UnitSummary, at: datetime) -> "Unit":
        return cls(
            id=strawberry.ID(str(summary.id)),
            serial_number=summary.serial_number,
            model=summary.model,
            customer_id=summary.customer_id,
            site=summary.site,
            region=summary.region,
            accepted_at=summary.accepted_at,
            inspection_interval_months=summary.inspection_interval_months,
            inspection_due=summary.inspection_due,
            inspection_overdue=summary.is_inspection_overdue(at),
            repair_count=summary.repairs,
        )


@strawberry.type(description="The contract's warranty of one component class, counted from acceptance.")
class UnitWarranty:
    component_class: str = strawberry.field(description="e.g. electrical, steel_structure")
    months: int = strawberry.field(description="Months from acceptance")
    spare_parts_years: int | None = strawberry.field(description="Years spare parts are kept; null if unsaid")
    until: datetime | None = strawberry.field(description="The first moment no longer covered")


@strawberry.type(
    description="An installed unit as recorded in the event store: its warranty, its periodic inspections "
    "as they stand at this read, and its repairs."
)
class InstalledUnit:
    id: strawberry.ID = strawberry.field(description="The unit's UUID")
    serial_number: str = strawberry.field(description="Its serial number")
    model: str = strawberry.field(description="Its model")
    customer_id: str = strawberry.field(description="The customer who runs it")
    site: str = strawberry.field(description="Where it is installed")
    region: str = strawberry.field(description="The region of the site")
    accepted_at: datetime = strawberry.field(description="When the customer accepted it")
    warranty: list[UnitWarranty] = strawberry.field(description="The warranty per component class")
    inspection_interval_months: int | None = strawberry.field(description="Months between inspections")
    inspections_done: list[datetime] = strawberry.field(description="Periodic inspection visits recorded")
    next_inspection_due: date | None = strawberry.field(description="The next inspection due, at this read")
    overdue_inspections: list[date] = strawberry.field(description="Due dates passed with no inspection")
    read_at: datetime = strawberry.field(description="The time the schedule was read at")

    @strawberry.field(
        description="Its repairs, oldest first, from the read model (recorded under their cases)"
    )
    async def repairs(self, info: Info[ReadContext, None]) -> list[UnitRepair]:
        return await run_in_threadpool(read_unit_repairs, info.context, UUID(self.id))


def read_installed_unit(context: ReadContext, unit_id: UUID) -> InstalledUnit | None:
    """The unit through the gate (recorded, naming no case); None if there is none."""
    services = context.services
    try:
        view = InstalledUnits(services.ledger, services.read_access).read(context.reader, unit_id)
    except UnitNotFound:
        return None
    unit = view.unit
    return InstalledUnit(
        id=strawberry.ID(str(unit.id)),
        serial_number=unit.serial_number,
        model=unit.model,
        customer_id=unit.customer_id,
        site=unit.site,
        region=unit.region,
        accepted_at=unit.accepted_at,
        warranty=[
            UnitWarranty(
                component_class=terms.component_class,
                months=terms.months,
                spare_parts_years=terms.spare_parts_years,
                until=warranty_until(unit, terms.component_class),
            )
            for terms in unit.warranty
        ],
        inspection_interval_months=unit.inspection_interval_months,
        inspections_done=list(unit.inspections_done),
        next_inspection_due=view.schedule.next_due,
        overdue_inspections=list(view.schedule.overdue),
        read_at=view.read_at,
    )


# -- a repair, replayed ------------------------------------------------------------------------------


@strawberry.type(description="The engineer's warranty decision.")
class WarrantyDecision:
    in_warranty: bool = strawberry.field(description="In warranty, or outside it")
    exclusion: str | None = strawberry.field(description="The exclusion that takes it out, if any")
    evidence_attachment_ids: list[strawberry.ID] = strawberry.field(description="Its evidence: attachments")
    reason: str = strawberry.field(description="Why")
    decided_by: str = strawberry.field(description="User id of the engineer")
    decided_at: datetime = strawberry.field(description="When it was decided")


@strawberry.type(description="A quote for a repair outside warranty: parts and travel at cost.")
class RepairQuote:
    number: int = strawberry.field(description="Its number in the repair")
    status: str = strawberry.field(description="issued, accepted or rejected")
    travel: Money = strawberry.field(description="Travel at cost")
    total: Money = strawberry.field(description="Parts and travel")
    issued_at: datetime = strawberry.field(description="When it was issued")
    answered_at: datetime | None = strawberry.field(description="When the customer answered")
    rejection_reason: str | None = strawberry.field(description="Why the customer rejected it")

    @classmethod
    def of(cls, issued: IssuedQuote) -> "RepairQuote":
        return cls(
            number=issued.number,
            status=issued.status.value,
            travel=Money.of(issued.quote.travel),
            total=Money.of(issued.quote.total),
            issued_at=issued.issued_at,
            answered_at=issued.answered_at,
            rejection_reason=issued.rejection_reason,
        )


@strawberry.type(description="A part used on a visit.")
class PartUsed:
    part_number: str = strawberry.field(description="The part number")
    quantity: Decimal = strawberry.field(description="How many")


@strawberry.type(description="A field visit: dispatch, arrival, the work, the customer's signature.")
class RepairVisit:
    number: int = strawberry.field(description="Its number in the repair, from 1")
    engineer: str = strawberry.field(description="User id of the engineer sent")
    planned_at: datetime = strawberry.field(description="When the visit was planned for")
    dispatched_at: datetime = strawberry.field(description="When the engineer was sent")
    arrived_at: datetime | None = strawberry.field(description="When the engineer arrived")
    where: str | None = strawberry.field(description="Where the engineer arrived")
    started_at: datetime | None = strawberry.field(description="When work started")
    finished_at: datetime | None = strawberry.field(description="When work finished")
    work_done: str | None = strawberry.field(description="What was done")
    parts_used: list[PartUsed] = strawberry.field(description="The parts used")
    result: str | None = strawberry.field(description="fixed, not_fixed or needs_parts; null until recorded")
    signed_by: str | None = strawberry.field(description="Who signed the service record (personal data)")
    signer_subject_id: strawberry.ID | None = strawberry.field(description="The signer as a data subject")
    signed_at: datetime | None = strawberry.field(description="When the service record was signed")
    document_attachment_id: strawberry.ID | None = strawberry.field(description="The signed record")

    @classmethod
    def of(cls, visit: Visit) -> "RepairVisit":
        signature = visit.signature
        return cls(
            number=visit.number,
            engineer=visit.engineer,
            planned_at=visit.planned_at,
            dispatched_at=visit.dispatched_at,
            arrived_at=visit.arrived_at,
            where=visit.where,
            started_at=visit.started_at,
            finished_at=visit.finished_at,
            work_done=visit.work_done,
            parts_used=[PartUsed(part_number=p.part_number, quantity=p.quantity) for p in visit.parts_used],
            result=visit.result.value if visit.result else None,
            signed_by=signature.signer_name if signature else None,
            signer_subject_id=strawberry.ID(str(signature.subject_id)) if signature else None,
            signed_at=signature.signed_at if signature else None,
            document_attachment_id=strawberry.ID(str(signature.document_attachment_id))
            if signature
            else None,
        )


@strawberry.type(description="What the repeat-failure policy says about the unit over its repairs so far.")
class ReplacementProposal:
    proposed: bool = strawberry.field(description="A replacement unit is proposed instead of a repair")
    reason: str = strawberry.field(description="Why, either way")
    fault_code: str | None = strawberry.field(description="The repeated fault, when one is counted")


@strawberry.type(description="The repair of an equipment-fault case, replayed from the event store.")
class Repair:
    case_id: strawberry.ID = strawberry.field(description="The case's UUID")
    unit_id: strawberry.ID = strawberry.field(description="The unit's UUID")
    serial_number: str = strawberry.field(description="The unit's serial number")
    component_class: str = strawberry.field(description="The component class at fault")
    fault_code: str = strawberry.field(description="The fault code")
    reported_at: datetime = strawberry.field(description="When reported: when the warranty is judged")
    opened_by: str = strawberry.field(description="User id of who opened it")
    decision: WarrantyDecision | None = strawberry.field(description="Null until decided")
    quotes: list[RepairQuote] = strawberry.field(description="Its quotes, in order")
    visits: list[RepairVisit] = strawberry.field(description="Its visits, in order")
    fixed: bool = strawberry.field(description="A visit fixed the fault")
    replacement: ReplacementProposal = strawberry.field(description="The repeat-failure policy's answer")
    version: int = strawberry.field(description="The repair's version; send it as If-Match on commands")

    @classmethod
    def of_view(cls, view: RepairView) -> "Repair":
        repair, decision = view.repair, view.repair.decision
        return cls(
            case_id=strawberry.ID(str(repair.case_id)),
            unit_id=strawberry.ID(str(repair.unit_id)),
            serial_number=view.unit.serial_number,
            component_class=repair.component_class,
            fault_code=repair.fault_code,
            reported_at=repair.reported_at,
            opened_by=repair.opened_by.user_id,
            decision=None
            if decision is None
            else WarrantyDecision(
                in_warranty=decision.in_warranty,
                exclusion=decision.exclusion.value if decision.exclusion else None,
                evidence_attachment_ids=[strawberry.ID(str(i)) for i in decision.evidence_attachment_ids],
                reason=decision.reason,
                decided_by=decision.decided_by.user_id,
                decided_at=decision.decided_at,
            ),
            quotes=[RepairQuote.of(q) for _, q in sorted(repair.quotes.items())],
            visits=[RepairVisit.of(v) for _, v in sorted(repair.visits.items())],
            fixed=repair.is_fixed,
            replacement=ReplacementProposal(
                proposed=view.replacement.proposed,
                reason=view.replacement.reason,
                fault_code=view.replacement.fault_code,
            ),
            version=repair.version,
        )


def read_repair(context: ReadContext, case_id: UUID) -> Repair | None:
    """The case's repair through the gate (recorded under the case); None for an unknown case (before the
    gate) or a case with no repair (after it)."""
    services = context.services
    policy = RepeatFailurePolicy(failures=services.settings.repeat_failures)
    try:
        view = Repairs(services.ledger, services.read_access, policy).read(context.reader, case_id)
    except (CaseNotFound, RepairNotOpened):
        return None
    return Repair.of_view(view)


# -- the list ---------------------------------------------------------------------------------------


@strawberry.type(description="A unit in a page of units, with where it sits in the list.")
class UnitEdge:
    node: Unit = strawberry.field(description="The unit")
    cursor: str = strawberry.field(description="Pass as `after` to continue the list after this unit")


@strawberry.type(description="A page of units, the latest accepted first (ties broken by id), relay style.")
class UnitConnection:
    edges: list[UnitEdge] = strawberry.field(description="The units of this page")
    page_info: PageInfo = strawberry.field(description="How to get the next page")


@strawberry.input(description="Conditions on the listed units; every condition given must hold.")
class UnitFilter:
    customer: str | None = strawberry.field(default=None, description="Only this customer's (its id)")
    region: str | None = strawberry.field(default=None, description="Only units in this region")
    model: str | None = strawberry.field(default=None, description="Only this model")
    inspection_overdue: bool | None = strawberry.field(
        default=None,
        description="true: only units with a periodic inspection overdue now; false: only units without",
    )

    def condition(self, at: datetime) -> equipment_queries.UnitFilter:
        return equipment_queries.UnitFilter(
            customer_id=self.customer,
            region=self.region,
            model=self.model,
            inspection_overdue=self.inspection_overdue,
            at=at,
        )


@strawberry.type(description="Reads of installed units and their repairs.")
class EquipmentQueries:
    @strawberry.field(
        description="Installed units from the read model, the latest accepted first, a page at a time"
    )
    async def units(
        self,
        info: Info[ReadContext, None],
        first: Annotated[
            int, strawberry.argument(description=f"How many units to return, 0 to {MAX_PAGE}")
        ] = 20,
        after: Annotated[
            str | None, strawberry.argument(description="The endCursor of the previous page")
        ] = None,
        filter: Annotated[
            UnitFilter | None, strawberry.argument(description="Only units meeting these conditions")
        ] = None,
    ) -> UnitConnection:
        if not 0 <= first <= MAX_PAGE:
            raise QueryRefused(f"first must be between 0 and {MAX_PAGE}; page through with after")
        await info.context.open_read(ReadKind.UNIT_LIST)
        now = info.context.services.ledger.clock.now()
        condition = (filter or UnitFilter()).condition(now)
        page = await run_in_threadpool(
            equipment_queries.list_units, info.context.services.pool, condition, first, page_key(after)
        )
        edges = [UnitEdge(node=Unit.of_summary(u, now), cursor=u.page_key().to_cursor()) for u in page.units]
        return UnitConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=page.has_next_page, end_cursor=edges[-1].cursor if edges else None
            ),
        )

    @strawberry.field(
        description="An installed unit by id, read from the event store with its warranty and inspection "
        "schedule (recorded); null if there is no such unit"
    )
    async def unit(
        self,
        info: Info[ReadContext, None],
        id: Annotated[strawberry.ID, strawberry.argument(description="The unit's UUID")],
    ) -> InstalledUnit | None:
        try:
            unit_id = UUID(str(id))
        except ValueError:
            raise QueryRefused("id must be a unit's UUID") from None
        return await run_in_threadpool(read_installed_unit, info.context, unit_id)

    @strawberry.field(
        description="An equipment-fault case's repair by the case's id, read from the event store with its "
        "warranty decision, quotes and visits (recorded under the case); null if the case has none"
    )
    async def repair(
        self,
        info: Info[ReadContext, None],
        case_id: Annotated[strawberry.ID, strawberry.argument(description="The case's UUID")],
    ) -> Repair | None:
        return await run_in_threadpool(read_repair, info.context, case_id_argument(str(case_id)))
