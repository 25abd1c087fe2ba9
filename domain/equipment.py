"""Installed units (设备): what a customer runs, where, since when, and what its contract's warranty covers.

An `InstalledUnit` is one machine at a customer's site, known by its serial number, with the warranty
terms of its contract per component class (electrical parts 18 months, steel structure 3 years, ...),
counted from acceptance, and how often it is inspected. The pure functions below read those terms:
until when a component class is in warranty, whether it is at a given moment, and which periodic
inspections are due or overdue. None of them reads the clock.

Periods follow the way Chinese contracts count them (PRC Civil Code arts. 201-203): a period of months
starts the day after acceptance and ends at the end (24:00) of the day with the acceptance's number in
the last month, or of that month's last day when it has no such day (accepted 31 January, one month:
ends with 28 or 29 February). Days are those of the acceptance's time zone.

Public methods are commands that check the rule; private `@event` methods only record.
"""

import calendar
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import Enum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.actor import Actor
from domain.business_calendar import require_aware
from domain.errors import InvalidValue, require_text

# The same allowance cases give fast clocks: nobody accepts a unit in the future.
CLOCK_SKEW_ALLOWANCE = timedelta(minutes=5)
# Serial numbers become stream ids (one deployment serves one supplier, who numbers its own units).
# Fixed forever: changing it would orphan every recorded unit.
INSTALLED_UNIT_NAMESPACE = uuid5(NAMESPACE_URL, "https://aftersales-ledger.dev/installed-units")
# A component class is a plain name, so that a repair and a contract can only name it one way.
_COMPONENT_CLASS = re.compile(r"[a-z][a-z0-9_]*")


def installed_unit_id(serial_number: str) -> UUID:
    """The unit's stream id: the same serial number (ignoring case) always names the same unit."""
    return uuid5(INSTALLED_UNIT_NAMESPACE, serial_number.strip().upper())


class Exclusion(Enum):
    """What takes a fault out of warranty, as the contract lists it."""

    MISUSE = "misuse"  # misuse or abuse
    UNAUTHORISED_MODIFICATION = "unauthorised_modification"
    UNAUTHORISED_REPAIR = "unauthorised_repair"
    IMPROPER_INSTALLATION = "improper_installation"
    IMPROPER_STORAGE = "improper_storage"
    FORCE_MAJEURE = "force_majeure"


@dataclass(frozen=True)
class WarrantyTerms:
    """The warranty of one component class: months from acceptance, and how long spare parts are kept."""

    component_class: str  # e.g. "electrical", "steel_structure"
    months: int
    spare_parts_years: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.component_class, str) or not _COMPONENT_CLASS.fullmatch(self.component_class):
            raise InvalidValue(
                "a component class is a lower-case name such as electrical or steel_structure",
                "component_class",
            )
        if not _is_count(self.months):
            raise InvalidValue("a warranty lasts a whole number of months above zero", "months")
        if self.spare_parts_years is not None and not _is_count(self.spare_parts_years):
            raise InvalidValue("spare parts are kept a whole number of years above zero", "spare_parts_years")


@dataclass(frozen=True)
class InspectionSchedule:
    """The periodic inspections of a unit at one moment: the next one due, and those overdue (oldest first).

    `next_due` is None when the contract asks for no periodic inspection."""

    next_due: date | None
    overdue: tuple[date, ...] = ()

    @property
    def is_overdue(self) -> bool:
        return bool(self.overdue)


class InstalledUnit(Aggregate):
    """One unit installed at a customer's site, with its contract's warranty and inspection terms."""

    @staticmethod
    def create_id(serial_number: str) -> UUID:  # type: ignore[override]
        return installed_unit_id(serial_number)

    @classmethod
    def register(
        cls,
        *,
        customer_id: str,
        model: str,
        serial_number: str,
        site: str,
        region: str,
        accepted_at: datetime,
        warranty: Sequence[WarrantyTerms],
        inspection_interval_months: int | None,
        by: Actor,
        now: datetime,
        service_contract: str | None = None,
    ) -> "InstalledUnit":
        for text, field in (
            (customer_id, "customer_id"),
            (model, "model"),
            (serial_number, "serial_number"),
            (site, "site"),
            (region, "region"),
        ):
            require_text(text, field)
        require_aware(accepted_at, "accepted_at")
        if accepted_at > now + CLOCK_SKEW_ALLOWANCE:
            raise InvalidValue("accepted_at lies in the future", "accepted_at")
        _check_warranty(warranty)
        if inspection_interval_months is not None and not _is_count(inspection_interval_months):
            raise InvalidValue(
                "inspections recur every whole number of months above zero", "inspection_interval_months"
            )
        if service_contract is not None:
            require_text(service_contract, "service_contract", "name the service contract, or leave it out")
        return cls(
            customer_id=customer_id,
            model=model,
            serial_number=serial_number,
            site=site,
            region=region,
            accepted_at=accepted_at,
            warranty=list(warranty),
            inspection_interval_months=inspection_interval_months,
            service_contract=service_contract.strip() if service_contract else None,
            actor=by,
            occurred_at=now,
        )

    class Registered(Aggregate.Created):
        """Version 2 added `service_contract` (the contract number whose service policy applies): a unit
        registered before names none, so the default commitments apply to it."""

        class_version = 2
        customer_id: str
        model: str
        serial_number: str
        site: str
        region: str
        accepted_at: datetime
        warranty: list[WarrantyTerms]
        inspection_interval_months: int | None
        service_contract: str | None
        actor: Actor
        occurred_at: datetime

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["service_contract"] = None

    @event("Registered")
    def __init__(
        self,
        customer_id: str,
        model: str,
        serial_number: str,
        site: str,
        region: str,
        accepted_at: datetime,
        warranty: list[WarrantyTerms],
        inspection_interval_months: int | None,
        service_contract: str | None,
        actor: Actor,
        occurred_at: datetime,
    ) -> None:
        self.customer_id = customer_id
        self.model = model
        self.serial_number = serial_number
        self.site = site
        self.region = region
        self.accepted_at = accepted_at
        # The event holds a list (JSON has no tuples, so a stored tuple would come back as one).
        self.warranty = tuple(warranty)
        self.inspection_interval_months = inspection_interval_months
        self.service_contract = service_contract
        self.registered_by = actor
        self.registered_at = occurred_at
        self.inspections_done: list[datetime] = []
        # The repairs of the unit in the order they were opened: (repair id, fault code, covered by the
        # contract's terms when reported). The repeat-failure policy reads them.
        self.repairs: list[tuple[UUID, str, bool]] = []

    def record_inspection(self, visited_at: datetime, findings: str, by: Actor, now: datetime) -> None:
        """A periodic inspection visit was done at `visited_at` (it counts in `inspection_due_dates`)."""
        require_aware(visited_at, "visited_at")
        if visited_at > now + CLOCK_SKEW_ALLOWANCE:
            raise InvalidValue("visited_at lies in the future", "visited_at")
        if visited_at < self.accepted_at:
            raise InvalidValue("a unit is inspected after its acceptance", "visited_at")
        require_text(findings, "findings", "say what the inspection found")
        self._inspection_visited(visited_at=visited_at, findings=findings, actor=by, occurred_at=now)

    def record_repair(
        self, repair_id: UUID, fault_code: str, covered: bool, by: Actor, now: datetime
    ) -> None:
        """A repair of the unit was opened (one equipment-fault case); `covered`: the contract's warranty
        of the component class ran when the fault was reported."""
        if any(known == repair_id for known, _, _ in self.repairs):
            raise InvalidValue(f"repair {repair_id} of the unit is recorded already", "repair_id")
        require_text(fault_code, "fault_code", "give the fault code")
        self._repair_opened(
            repair_id=repair_id, fault_code=fault_code, covered=covered, actor=by, occurred_at=now
        )

    @event("InspectionVisited")
    def _inspection_visited(
        self, visited_at: datetime, findings: str, actor: Actor, occurred_at: datetime
    ) -> None:
        self.inspections_done.append(visited_at)

    @event("RepairOpened")
    def _repair_opened(
        self, repair_id: UUID, fault_code: str, covered: bool, actor: Actor, occurred_at: datetime
    ) -> None:
        self.repairs.append((repair_id, fault_code, covered))

    def terms_for(self, component_class: str) -> WarrantyTerms | None:
        """The contract's warranty of `component_class`; None when the contract gives it none."""
        return next((terms for terms in self.warranty if terms.component_class == component_class), None)


def add_months(day: date, months: int) -> date:
    """The day with `day`'s number `months` later, or that month's last day when it is shorter."""
    year, month_index = divmod(day.month - 1 + months, 12)
    year += day.year
    month = month_index + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def warranty_until(unit: InstalledUnit, component_class: str) -> datetime | None:
    """The moment the warranty of `component_class` ends (the first moment not covered): midnight after
    the last day of the period, in the acceptance's time zone. None when the contract gives that component
    class no warranty."""
    terms = unit.terms_for(component_class)
    if terms is None:
        return None
    last_day = add_months(_local_day(unit, unit.accepted_at), terms.months)
    return datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=unit.accepted_at.tzinfo)


def in_warranty(unit: InstalledUnit, component_class: str, at: datetime) -> bool:
    """Whether a fault of `component_class` at `at` falls within the warranty: on or after acceptance, before
    `warranty_until`. A component class the contract does not name is not in warranty."""
    require_aware(at, "at")
    until = warranty_until(unit, component_class)
    return until is not None and unit.accepted_at <= at < until


def inspection_due_dates(unit: InstalledUnit, done: Sequence[datetime], now: datetime) -> InspectionSchedule:
    """The periodic inspections of `unit` as they stand at `now`, given when inspections were done.

    Due dates are counted from acceptance (every interval, 1x, 2x, ... months after it; never from the
    previous due date, so a unit accepted on 31 August is due on the 28th of February and the 31st of
    August again). An inspection meets the next due date if it falls in its period (after the previous
    due date, up to and including the due day). One done late meets every due date it is late for, at
    once (the unit was inspected; nobody inspects it three times to catch up), and the contract's rhythm
    goes on: the next due date is still the one after them. A second inspection in a period already met
    does not pay for the next one. A due date is overdue from the day after it. Inspections after `now`
    are not known at `now`, and one on the acceptance day is the acceptance, not a periodic inspection.
    """
    require_aware(now, "now")
    interval = unit.inspection_interval_months
    if interval is None:
        return InspectionSchedule(next_due=None)
    accepted = _local_day(unit, unit.accepted_at)

    def due(number: int) -> date:
        return add_months(accepted, number * interval)

    for moment in done:
        require_aware(moment, "done")
    met = 0  # due dates 1..met are met
    for day in sorted(_local_day(unit, d) for d in done if d <= now):
        if day <= accepted:
            continue
        passed = 0  # due dates before the inspection's day
        while due(passed + 1) < day:
            passed += 1
        if passed > met:
            met = passed
        elif passed == met:
            met += 1
    today = _local_day(unit, now)
    overdue: list[date] = []
    number = met + 1
    while due(number) < today:
        overdue.append(due(number))
        number += 1
    return InspectionSchedule(next_due=due(number), overdue=tuple(overdue))


def _local_day(unit: InstalledUnit, moment: datetime) -> date:
    return moment.astimezone(unit.accepted_at.tzinfo).date()


def _check_warranty(warranty: Sequence[WarrantyTerms]) -> None:
    classes = [terms.component_class for terms in warranty]
    for component_class in classes:
        if classes.count(component_class) > 1:
            raise InvalidValue(f"the warranty of {component_class} is given twice", "warranty")


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0
