"""A repair (报修) of an installed unit: the warranty decision, the quote outside warranty, the field visits.

One `Repair` stream per equipment-fault case, its id derived from the case id. It names the unit, the
component class at fault and the fault code, and when the customer reported the fault (the case's
registration), which is when the warranty is judged. The engineer decides the warranty
(`WarrantyDecided`): in warranty, or outside it, because it expired (or never covered that component
class) or because of an exclusion, named with its evidence. Outside warranty, parts and travel are
charged at cost: a `Quote` is issued, and the customer accepts or rejects it; a rejected quote may be
followed by a revised one. Then field visits, numbered: the engineer is dispatched (`EngineerDispatched`),
arrives (`EngineerArrived`), records the work, the parts used and the result (`WorkRecorded`), and the
customer signs the visit's service record (`ServiceRecordSigned`). A visit that did not fix the fault
is followed by another.

Public methods are commands that check the rule; private `@event` methods only record. Every event
carries the actor and `occurred_at`, the recording time; the business times (`planned_at`,
`arrived_at`, `started_at`, `finished_at`, `signed_at`) are their own fields.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from enum import Enum
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from eventsourcing.domain import Aggregate, event

from domain.actor import Actor
from domain.business_calendar import require_aware
from domain.equipment import Exclusion, InstalledUnit, in_warranty, warranty_until
from domain.errors import DomainError, InvalidValue, require_text
from domain.evidence import SHA256_HEX
from domain.money import Money

# The same allowance cases give fast clocks: nobody arrives, works or signs in the future.
CLOCK_SKEW_ALLOWANCE = timedelta(minutes=5)
REPAIR_NAMESPACE = uuid5(NAMESPACE_URL, "https://aftersales-ledger.dev/repairs")


def repair_id(case_id: UUID) -> UUID:
    """The id of the stream that holds the repair of equipment-fault case `case_id`."""
    return uuid5(REPAIR_NAMESPACE, str(case_id))


class RepairRuleViolation(DomainError):
    """A command conflicts with what the repair has recorded so far."""


class VisitNotFound(DomainError):
    """The repair has no visit with this number."""


class VisitResult(Enum):
    FIXED = "fixed"
    NOT_FIXED = "not_fixed"
    NEEDS_PARTS = "needs_parts"  # diagnosed; another visit brings the parts


class QuoteStatus(Enum):
    ISSUED = "issued"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


@dataclass(frozen=True)
class QuoteLine:
    """Parts charged at cost: part number, what it is, how many, the price of one."""

    part_number: str
    description: str
    quantity: Decimal
    unit_price: Money

    def __post_init__(self) -> None:
        require_text(self.part_number, "part_number", "give the part number")
        require_text(self.description, "description", "say what the part is")
        _require_quantity(self.quantity)

    @property
    def amount(self) -> Money:
        return Money(self.quantity * self.unit_price.amount, self.unit_price.currency)


@dataclass(frozen=True)
class Quote:
    """What a repair outside warranty costs the customer: parts and travel at cost, in one currency."""

    lines: tuple[QuoteLine, ...]
    travel: Money

    def __post_init__(self) -> None:
        if self.travel.amount < 0:
            raise InvalidValue("travel is not below zero", "travel")
        if any(line.unit_price.amount < 0 for line in self.lines):
            raise InvalidValue("a part is not priced below zero", "lines")
        if any(line.unit_price.currency != self.travel.currency for line in self.lines):
            raise InvalidValue(f"every line is in {self.travel.currency}, as the travel", "lines")

    @property
    def total(self) -> Money:
        """Parts and travel, computed (never stored: it cannot disagree with its lines)."""
        parts = sum((line.amount.amount for line in self.lines), Decimal(0))
        return Money(parts + self.travel.amount, self.travel.currency)


@dataclass(frozen=True)
class PartUsed:
    part_number: str
    quantity: Decimal

    def __post_init__(self) -> None:
        require_text(self.part_number, "part_number", "give the part number")
        _require_quantity(self.quantity)


@dataclass(frozen=True)
class ServiceRecordSignature:
    """The customer's signature of a visit's service record: who, when, and the signed document."""

    signer_name: str
    signed_at: datetime
    document_attachment_id: UUID
    document_sha256: str
    subject_id: UUID = field(default_factory=uuid4)  # the data subject whose key seals `signer_name`

    def __post_init__(self) -> None:
        require_text(self.signer_name, "signer_name", "name who signed for the customer")
        require_aware(self.signed_at, "signed_at")
        if not SHA256_HEX.match(self.document_sha256):
            raise InvalidValue("sha256 must be 64 lower-case hex digits", "document_sha256")


@dataclass(frozen=True)
class WarrantyDecision:
    in_warranty: bool
    exclusion: Exclusion | None
    evidence_attachment_ids: tuple[UUID, ...]
    reason: str
    decided_by: Actor
    decided_at: datetime


@dataclass(frozen=True)
class IssuedQuote:
    number: int
    quote: Quote
    status: QuoteStatus
    issued_at: datetime
    answered_at: datetime | None = None
    rejection_reason: str | None = None


@dataclass(frozen=True)
class Visit:
    """One field visit; every time is a business time (`dispatched_at`: when the engineer was sent)."""

    number: int
    engineer: str  # a user id
    planned_at: datetime
    dispatched_at: datetime
    arrived_at: datetime | None = None
    where: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    work_done: str | None = None
    parts_used: tuple[PartUsed, ...] = ()
    result: VisitResult | None = None
    signature: ServiceRecordSignature | None = None


@dataclass(frozen=True)
class SitePause:
    """The service clocks paused (e.g. waiting for the customer's site access) until `resumed_at`."""

    paused_at: datetime
    reason: str
    resumed_at: datetime | None = None


class Repair(Aggregate):
    """The repair of one installed unit for one equipment-fault case."""

    @staticmethod
    def create_id(case_id: UUID) -> UUID:  # type: ignore[override]
        return repair_id(case_id)

    @classmethod
    def open(
        cls,
        *,
        case_id: UUID,
        unit: InstalledUnit,
        component_class: str,
        fault_code: str,
        reported_at: datetime,
        by: Actor,
        now: datetime,
    ) -> "Repair":
        """Open the repair of `unit` for case `case_id`, reported (the case's registration) at `reported_at`.
        A component class the contract gives no warranty is accepted: it is repaired at cost."""
        require_text(component_class, "component_class", "name the component class at fault")
        require_text(fault_code, "fault_code", "give the fault code")
        require_aware(reported_at, "reported_at")
        return cls(
            case_id=case_id,
            unit_id=unit.id,
            component_class=component_class,
            fault_code=fault_code,
            reported_at=reported_at,
            actor=by,
            occurred_at=now,
        )

    @event("Opened")
    def __init__(
        self,
        case_id: UUID,
        unit_id: UUID,
        component_class: str,
        fault_code: str,
        reported_at: datetime,
        actor: Actor,
        occurred_at: datetime,
    ) -> None:
        self.case_id = case_id
        self.unit_id = unit_id
        self.component_class = component_class
        self.fault_code = fault_code
        self.reported_at = reported_at
        self.opened_by = actor
        self.opened_at = occurred_at
        self.decision: WarrantyDecision | None = None
        self.quotes: dict[int, IssuedQuote] = {}
        self.visits: dict[int, Visit] = {}
        self.clock_pauses: list[SitePause] = []

    # -- the warranty decision and the quote ------------------------------------------------------

    def decide_warranty(
        self,
        unit: InstalledUnit,
        in_warranty: bool,
        exclusion: Exclusion | None,
        evidence_attachment_ids: Sequence[UUID],
        reason: str,
        by: Actor,
        now: datetime,
    ) -> None:
        """The engineer's decision, once. In warranty only while the unit's warranty of the component class
        ran when the fault was reported; an exclusion takes it out, with evidence; outside warranty without
        an exclusion only once the warranty has ended (or never covered the component class)."""
        if unit.id != self.unit_id:
            raise InvalidValue("the repair is of another unit", "unit")
        if self.decision is not None:
            raise RepairRuleViolation("the warranty is decided already", "in_warranty")
        require_text(reason, "reason", "say why")
        covered = _in_warranty(unit, self.component_class, self.reported_at)
        until = warranty_until(unit, self.component_class)
        if in_warranty and exclusion is not None:
            raise InvalidValue("a fault under an exclusion is not in warranty", "exclusion")
        if in_warranty and not covered:
            ended = f"ended at {until.isoformat()}" if until else f"does not cover {self.component_class}"
            raise RepairRuleViolation(f"the unit's warranty {ended}", "in_warranty")
        if not in_warranty and exclusion is None and covered:
            assert until is not None  # covered: the contract names the component class
            raise RepairRuleViolation(
                f"the warranty runs until {until.isoformat()}: name the exclusion that takes the fault out",
                "exclusion",
            )
        if exclusion is not None and not evidence_attachment_ids:
            raise InvalidValue("an exclusion needs its evidence (attachments)", "evidence_attachment_ids")
        self._warranty_decided(
            in_warranty=in_warranty,
            exclusion=exclusion,
            evidence_attachment_ids=list(evidence_attachment_ids),
            reason=reason,
            actor=by,
            occurred_at=now,
        )

    def issue_quote(self, quote: Quote, by: Actor, now: datetime) -> int:
        """Quote a repair outside warranty; returns the quote's number. A rejected quote may be revised."""
        if self.decision is None or self.decision.in_warranty:
            raise RepairRuleViolation("only a repair decided outside warranty is quoted", "quote")
        latest = self.latest_quote()
        if latest is not None and latest.status is not QuoteStatus.REJECTED:
            raise RepairRuleViolation(f"quote {latest.number} is {latest.status.value}", "quote")
        number = len(self.quotes) + 1
        self._quote_issued(number=number, quote=quote, actor=by, occurred_at=now)
        return number

    def accept_quote(self, number: int, by: Actor, now: datetime) -> None:
        """The customer accepts the quote (staff record the customer's word)."""
        self._issued_quote(number)
        self._quote_accepted(number=number, actor=by, occurred_at=now)

    def reject_quote(self, number: int, reason: str, by: Actor, now: datetime) -> None:
        self._issued_quote(number)
        require_text(reason, "reason", "say why the customer rejects the quote")
        self._quote_rejected(number=number, reason=reason, actor=by, occurred_at=now)

    # -- field visits -----------------------------------------------------------------------------

    def dispatch(
        self, engineer: str, planned_at: datetime, by: Actor, now: datetime, at: datetime | None = None
    ) -> int:
        """Send an engineer (at `at`, if the dispatch is recorded later than it happened); returns the
        visit's number. Needs the warranty decision and, outside warranty, the accepted quote; a further
        visit only after the previous one recorded a result other than fixed."""
        require_text(engineer, "engineer", "name the engineer, a user id")
        require_aware(planned_at, "planned_at")
        dispatched_at = now if at is None else at
        _require_past(dispatched_at, "dispatched_at", now)
        if self.decision is None:
            raise RepairRuleViolation("no dispatch before the warranty decision", "visit")
        if not self.decision.in_warranty and not self.is_quote_accepted:
            raise RepairRuleViolation("outside warranty, the customer accepts the quote first", "quote")
        latest = self.latest_visit()
        if latest is not None and latest.result is None:
            raise RepairRuleViolation(f"visit {latest.number} has no result yet", "visit")
        if self.is_fixed:
            raise RepairRuleViolation("the fault is fixed", "visit")
        number = len(self.visits) + 1
        self._dispatched(
            number=number, engineer=engineer, planned_at=planned_at, actor=by, occurred_at=dispatched_at
        )
        return number

    def arrive(self, number: int, at: datetime, where: str, by: Actor, now: datetime) -> None:
        """The engineer is on site: when, and where (the site or place)."""
        visit = self.visit(number)
        if visit.arrived_at is not None:
            raise RepairRuleViolation(f"visit {number} arrived already", "arrived_at")
        _require_past(at, "arrived_at", now)
        if at <= visit.dispatched_at:
            raise RepairRuleViolation("an engineer arrives after being dispatched", "arrived_at")
        require_text(where, "where", "say where the engineer arrived")
        self._arrived(number=number, arrived_at=at, where=where, actor=by, occurred_at=now)

    def record_work(
        self,
        number: int,
        started_at: datetime,
        finished_at: datetime,
        work_done: str,
        parts_used: Sequence[PartUsed],
        result: VisitResult,
        by: Actor,
        now: datetime,
    ) -> None:
        """What the visit did: when work started and ended, what was done, the parts used, the result."""
        visit = self.visit(number)
        if visit.arrived_at is None:
            raise RepairRuleViolation(f"visit {number} has not arrived", "started_at")
        if visit.result is not None:
            raise RepairRuleViolation(f"visit {number} recorded its work already", "result")
        _require_past(started_at, "started_at", now)
        _require_past(finished_at, "finished_at", now)
        if started_at < visit.arrived_at:
            raise RepairRuleViolation("work starts after arrival", "started_at")
        if finished_at < started_at:
            raise InvalidValue("work finishes after it starts", "finished_at")
        require_text(work_done, "work_done", "say what was done")
        self._work_recorded(
            number=number,
            started_at=started_at,
            finished_at=finished_at,
            work_done=work_done,
            parts_used=list(parts_used),
            result=result,
            actor=by,
            occurred_at=now,
        )

    def sign_service_record(
        self, number: int, signature: ServiceRecordSignature, by: Actor, now: datetime
    ) -> None:
        """The customer signed the visit's service record, once its work is recorded."""
        visit = self.visit(number)
        if visit.result is None or visit.finished_at is None:
            raise RepairRuleViolation("the service record is signed after the work is recorded", "visit")
        if visit.signature is not None:
            raise RepairRuleViolation(f"the record of visit {number} is signed already", "visit")
        _require_past(signature.signed_at, "signed_at", now)
        if signature.signed_at < visit.finished_at:
            raise RepairRuleViolation("the record is signed after the work finished", "signed_at")
        self._service_record_signed(number=number, signature=signature, actor=by, occurred_at=now)

    # -- pauses of the service clocks ---------------------------------------------------------------

    def pause_clocks(self, reason: str, at: datetime, by: Actor, now: datetime) -> None:
        """The running service clocks wait from `at` (e.g. for the customer's site access), until resumed."""
        require_text(reason, "reason", "say why the clocks wait, e.g. waiting for the customer's site access")
        self._require_pause_moment(at, "paused_at", now)
        if self.clock_pauses and self.clock_pauses[-1].resumed_at is None:
            raise RepairRuleViolation("the clocks are paused already", "paused_at")
        if self.signed_at is not None:
            raise RepairRuleViolation("the service record is signed: no clock runs", "paused_at")
        self._clocks_paused(reason=reason, paused_at=at, actor=by, occurred_at=now)

    def resume_clocks(self, at: datetime, by: Actor, now: datetime) -> None:
        if not self.clock_pauses or self.clock_pauses[-1].resumed_at is not None:
            raise RepairRuleViolation("the clocks are not paused", "resumed_at")
        self._require_pause_moment(at, "resumed_at", now)
        self._clocks_resumed(resumed_at=at, actor=by, occurred_at=now)

    def _require_pause_moment(self, at: datetime, field: str, now: datetime) -> None:
        _require_past(at, field, now)
        latest = self.reported_at
        if self.clock_pauses:
            last = self.clock_pauses[-1]
            latest = last.resumed_at or last.paused_at
        if at < latest:
            raise InvalidValue(f"{field} comes before {latest.isoformat()}", field)

    # -- events: they record, they never refuse ---------------------------------------------------

    @event("WarrantyDecided")
    def _warranty_decided(
        self,
        in_warranty: bool,
        exclusion: Exclusion | None,
        evidence_attachment_ids: list[UUID],
        reason: str,
        actor: Actor,
        occurred_at: datetime,
    ) -> None:
        self.decision = WarrantyDecision(
            in_warranty, exclusion, tuple(evidence_attachment_ids), reason, actor, occurred_at
        )

    @event("QuoteIssued")
    def _quote_issued(self, number: int, quote: Quote, actor: Actor, occurred_at: datetime) -> None:
        self.quotes[number] = IssuedQuote(number, quote, QuoteStatus.ISSUED, occurred_at)

    @event("QuoteAccepted")
    def _quote_accepted(self, number: int, actor: Actor, occurred_at: datetime) -> None:
        self.quotes[number] = replace(
            self.quotes[number], status=QuoteStatus.ACCEPTED, answered_at=occurred_at
        )

    @event("QuoteRejected")
    def _quote_rejected(self, number: int, reason: str, actor: Actor, occurred_at: datetime) -> None:
        self.quotes[number] = replace(
            self.quotes[number], status=QuoteStatus.REJECTED, answered_at=occurred_at, rejection_reason=reason
        )

    @event("EngineerDispatched")
    def _dispatched(
        self, number: int, engineer: str, planned_at: datetime, actor: Actor, occurred_at: datetime
    ) -> None:
        self.visits[number] = Visit(number, engineer, planned_at, dispatched_at=occurred_at)

    @event("EngineerArrived")
    def _arrived(
        self, number: int, arrived_at: datetime, where: str, actor: Actor, occurred_at: datetime
    ) -> None:
        self.visits[number] = replace(self.visits[number], arrived_at=arrived_at, where=where)

    @event("WorkRecorded")
    def _work_recorded(
        self,
        number: int,
        started_at: datetime,
        finished_at: datetime,
        work_done: str,
        parts_used: list[PartUsed],
        result: VisitResult,
        actor: Actor,
        occurred_at: datetime,
    ) -> None:
        self.visits[number] = replace(
            self.visits[number],
            started_at=started_at,
            finished_at=finished_at,
            work_done=work_done,
            parts_used=tuple(parts_used),
            result=result,
        )

    @event("ServiceRecordSigned")
    def _service_record_signed(
        self, number: int, signature: ServiceRecordSignature, actor: Actor, occurred_at: datetime
    ) -> None:
        self.visits[number] = replace(self.visits[number], signature=signature)

    @event("ClocksPaused")
    def _clocks_paused(self, reason: str, paused_at: datetime, actor: Actor, occurred_at: datetime) -> None:
        self.clock_pauses.append(SitePause(paused_at, reason))

    @event("ClocksResumed")
    def _clocks_resumed(self, resumed_at: datetime, actor: Actor, occurred_at: datetime) -> None:
        self.clock_pauses[-1] = replace(self.clock_pauses[-1], resumed_at=resumed_at)

    # -- what the repair holds (and what the service clocks read) ---------------------------------

    @property
    def in_warranty(self) -> bool | None:
        """The decision: True in warranty, False outside, None not decided yet."""
        return None if self.decision is None else self.decision.in_warranty

    @property
    def is_quote_accepted(self) -> bool:
        return any(quote.status is QuoteStatus.ACCEPTED for quote in self.quotes.values())

    def latest_quote(self) -> IssuedQuote | None:
        return self.quotes[len(self.quotes)] if self.quotes else None

    def latest_visit(self) -> Visit | None:
        return self.visits[len(self.visits)] if self.visits else None

    def visit(self, number: int) -> Visit:
        found = self.visits.get(number)
        if found is None:
            raise VisitNotFound(f"the repair has no visit {number}", "visit")
        return found

    def fixing_visit(self) -> Visit | None:
        return next((v for v in self.visits.values() if v.result is VisitResult.FIXED), None)

    @property
    def is_fixed(self) -> bool:
        return self.fixing_visit() is not None

    @property
    def dispatched_at(self) -> datetime | None:
        """When the first engineer was dispatched (the response)."""
        first = self.visits.get(1)
        return first.dispatched_at if first else None

    @property
    def arrived_at(self) -> datetime | None:
        """When an engineer first arrived on site."""
        return next((v.arrived_at for v in self.visits.values() if v.arrived_at is not None), None)

    @property
    def work_started_at(self) -> datetime | None:
        """When work on the fault first started (the fix clock's start)."""
        return next((v.started_at for v in self.visits.values() if v.started_at is not None), None)

    @property
    def fixed_at(self) -> datetime | None:
        fixing = self.fixing_visit()
        return fixing.finished_at if fixing else None

    @property
    def signed_at(self) -> datetime | None:
        """When the customer signed the service record of the visit that fixed the fault."""
        fixing = self.fixing_visit()
        return fixing.signature.signed_at if fixing and fixing.signature else None

    def _issued_quote(self, number: int) -> IssuedQuote:
        quote = self.quotes.get(number)
        if quote is None:
            raise RepairRuleViolation(f"the repair has no quote {number}", "quote")
        if quote.status is not QuoteStatus.ISSUED:
            raise RepairRuleViolation(f"quote {number} is {quote.status.value} already", "quote")
        return quote


def _in_warranty(unit: InstalledUnit, component_class: str, at: datetime) -> bool:
    # `decide_warranty` takes the engineer's `in_warranty` answer, which hides the function of that name.
    return in_warranty(unit, component_class, at)


def _require_quantity(quantity: Decimal) -> None:
    if not isinstance(quantity, Decimal) or not quantity.is_finite() or quantity <= 0:
        raise InvalidValue("a quantity is a Decimal above zero", "quantity")


def _require_past(moment: datetime, field: str, now: datetime) -> None:
    require_aware(moment, field)
    if moment > now + CLOCK_SKEW_ALLOWANCE:
        raise InvalidValue(f"{field} lies in the future", field)
