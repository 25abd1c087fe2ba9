"""The published service commitments of an equipment-fault case, and the clocks that measure them.

Four commitments (docs/decisions.md, "Service commitments (issue 6)"): respond within 30 minutes of the
registration; on site within 24 h in the home region, 48 h elsewhere, 8 h under a local service contract;
fixed within 24 h of starting work; the customer-signed service record within 24 h of the registration.
A `CommitmentPolicy` sets them per contract (`ServicePolicy`, one stream per contract number); each
counts calendar or business hours and warns a configurable lead before its due time.

Pure: domain/clock_marks.py turns what the case and its repair recorded into the marks of each clock
and reads the four clocks at a given moment. Nothing here reads the clock. `ClockAlerts` records, once
per clock, that a clock came at risk or was breached, escalated to the manager.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import Enum
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.actor import Actor
from domain.business_calendar import (
    MONDAY_TO_FRIDAY,
    TWENTY_FOUR_SEVEN,
    ZERO,
    BusinessCalendar,
    WorkingHours,
)
from domain.errors import InvalidValue, require_text
from domain.service_clock import ClockPolicy, ClockReading

SERVICE_POLICY_NAMESPACE = uuid5(NAMESPACE_URL, "https://aftersales-ledger.dev/service-policies")
CLOCK_ALERTS_NAMESPACE = uuid5(NAMESPACE_URL, "https://aftersales-ledger.dev/clock-alerts")
# Whom an at-risk or breached clock is escalated to: the after-sales manager (listed to managers).
ESCALATED_TO = "manager"


class Clock(Enum):
    """The four published commitments, in the order a case meets them."""

    RESPOND = "respond"
    ON_SITE = "on_site"
    FIX = "fix"
    SIGNED_RECORD = "signed_record"


@dataclass(frozen=True)
class Commitment:
    """One commitment's target, whether it counts business hours (else calendar hours), and its warning."""

    target: timedelta
    business_hours: bool = False
    at_risk_lead: timedelta = ZERO

    def __post_init__(self) -> None:
        if not isinstance(self.target, timedelta) or self.target <= ZERO:
            raise InvalidValue("a commitment's target is above zero", "target")
        if not isinstance(self.at_risk_lead, timedelta) or not ZERO <= self.at_risk_lead < self.target:
            raise InvalidValue(
                "the warning lead is at least zero and shorter than the target", "at_risk_lead"
            )


@dataclass(frozen=True)
class OfficeCalendar:
    """A business calendar as a policy states it: a time zone, the same hours ("08:30-12:00") on each of the
    weekdays (0 is Monday), the holidays and the weekend days worked in exchange (调休)."""

    time_zone: str
    hours: tuple[str, ...]
    weekdays: tuple[int, ...] = MONDAY_TO_FRIDAY
    holidays: tuple[date, ...] = ()
    working_days: tuple[date, ...] = ()

    def __post_init__(self) -> None:
        self.calendar()  # refuses an unknown zone, hours out of order, a date both off and worked

    def calendar(self) -> BusinessCalendar:
        return BusinessCalendar.office(
            self.time_zone,
            [_working_hours(stretch) for stretch in self.hours],
            weekdays=self.weekdays,
            holidays=self.holidays,
            working_days=self.working_days,
        )


def _working_hours(stretch: str) -> WorkingHours:
    try:
        start, end = (time.fromisoformat(part.strip()) for part in stretch.split("-"))
    except ValueError as malformed:
        raise InvalidValue(f"working hours {stretch!r} are not HH:MM-HH:MM", "hours") from malformed
    return WorkingHours(start, end)


# The policy's commitments by field name; on site has one per kind of place.
COMMITMENT_NAMES = ("respond", "on_site_home", "on_site_elsewhere", "on_site_local", "fix", "signed_record")


@dataclass(frozen=True)
class CommitmentPolicy:
    """The commitments a contract promises; the defaults are the published ones."""

    home_regions: tuple[str, ...] = ()
    is_local_service_contract: bool = False
    respond: Commitment = Commitment(timedelta(minutes=30), at_risk_lead=timedelta(minutes=10))
    on_site_home: Commitment = Commitment(timedelta(hours=24), at_risk_lead=timedelta(hours=4))
    on_site_elsewhere: Commitment = Commitment(timedelta(hours=48), at_risk_lead=timedelta(hours=4))
    on_site_local: Commitment = Commitment(timedelta(hours=8), at_risk_lead=timedelta(hours=2))
    fix: Commitment = Commitment(timedelta(hours=24), at_risk_lead=timedelta(hours=4))
    signed_record: Commitment = Commitment(timedelta(hours=24), at_risk_lead=timedelta(hours=4))
    office: OfficeCalendar | None = None  # the business hours; needed when a commitment counts them

    def __post_init__(self) -> None:
        for region in self.home_regions:
            require_text(region, "home_regions", "a home region needs a name")
        if self.office is None and any(c.business_hours for _, c in self.commitments()):
            raise InvalidValue("a commitment in business hours needs the office calendar", "office")

    def commitments(self) -> list[tuple[str, Commitment]]:
        return [(name, getattr(self, name)) for name in COMMITMENT_NAMES]

    def is_home(self, region: str | None) -> bool:
        wanted = (region or "").strip().casefold()
        return bool(wanted) and any(home.strip().casefold() == wanted for home in self.home_regions)


DEFAULT_POLICY = CommitmentPolicy()


def clock_policies(policy: CommitmentPolicy, unit_region: str | None) -> dict[Clock, ClockPolicy]:
    """The four clocks' policies for a unit in `unit_region` (None: not known yet, so not the home region).
    On site: 8 h under a local service contract, else 24 h in a home region, else 48 h."""
    if policy.is_local_service_contract:
        on_site = policy.on_site_local
    elif policy.is_home(unit_region):
        on_site = policy.on_site_home
    else:
        on_site = policy.on_site_elsewhere
    chosen = {
        Clock.RESPOND: policy.respond,
        Clock.ON_SITE: on_site,
        Clock.FIX: policy.fix,
        Clock.SIGNED_RECORD: policy.signed_record,
    }
    calendar = policy.office.calendar() if policy.office else TWENTY_FOUR_SEVEN
    return {
        clock: ClockPolicy(
            clock.value,
            commitment.target,
            calendar if commitment.business_hours else TWENTY_FOUR_SEVEN,
            commitment.at_risk_lead,
        )
        for clock, commitment in chosen.items()
    }


# -- where a policy comes from: one per contract ---------------------------------------------------------


def service_policy_id(contract_number: str) -> UUID:
    """The policy's stream id: the same contract number (ignoring case) always names the same policy."""
    return uuid5(SERVICE_POLICY_NAMESPACE, contract_number.strip().upper())


class ServicePolicy(Aggregate):
    """The commitments promised under one service contract; a later version replaces the terms."""

    @staticmethod
    def create_id(contract_number: str) -> UUID:  # type: ignore[override]
        return service_policy_id(contract_number)

    @classmethod
    def register(
        cls, contract_number: str, policy: CommitmentPolicy, by: Actor, now: datetime
    ) -> "ServicePolicy":
        require_text(contract_number, "contract_number", "name the service contract")
        return cls(contract_number=contract_number.strip(), policy=policy, actor=by, occurred_at=now)

    @event("Registered")
    def __init__(
        self, contract_number: str, policy: CommitmentPolicy, actor: Actor, occurred_at: datetime
    ) -> None:
        self.contract_number = contract_number
        self.policy = policy
        self.registered_at = occurred_at

    def revise(self, policy: CommitmentPolicy, by: Actor, now: datetime) -> None:
        """New terms; clocks read the terms in force at the time of reading."""
        self._revised(policy=policy, actor=by, occurred_at=now)

    @event("Revised")
    def _revised(self, policy: CommitmentPolicy, actor: Actor, occurred_at: datetime) -> None:
        self.policy = policy


# -- the at-risk and breach alerts of one case -----------------------------------------------------------


def clock_alerts_id(case_id: UUID) -> UUID:
    return uuid5(CLOCK_ALERTS_NAMESPACE, str(case_id))


class ClockAlerts(Aggregate):
    """The escalations of one case's clocks: at most one at-risk and one breach per clock. Raised by the
    clock watch (no user: `occurred_at` is when the watch saw it), escalated to the manager."""

    @staticmethod
    def create_id(case_id: UUID) -> UUID:  # type: ignore[override]
        return clock_alerts_id(case_id)

    @classmethod
    def open(cls, case_id: UUID, now: datetime) -> "ClockAlerts":
        return cls(case_id=case_id, occurred_at=now)

    @event("Opened")
    def __init__(self, case_id: UUID, occurred_at: datetime) -> None:
        self.case_id = case_id
        self.at_risk: set[str] = set()
        self.breached: set[str] = set()
        self.last_raised_at: datetime | None = None

    def raise_due(self, readings: dict[Clock, ClockReading], now: datetime) -> list[str]:
        """Raise what the readings call for and was not raised yet; returns the event names raised."""
        raised: list[str] = []
        for clock, reading in readings.items():
            if reading.breached_at is not None and reading.breached_by is not None:
                if clock.value not in self.breached:
                    self._breached(
                        clock=clock.value,
                        due_at=reading.breached_at,
                        breached_by=reading.breached_by,
                        escalated_to=ESCALATED_TO,
                        occurred_at=now,
                    )
                    raised.append("ClockBreached")
            elif reading.is_at_risk and reading.due_at and clock.value not in self.at_risk:
                self._at_risk(
                    clock=clock.value, due_at=reading.due_at, escalated_to=ESCALATED_TO, occurred_at=now
                )
                raised.append("ClockAtRisk")
        return raised

    @event("ClockAtRisk")
    def _at_risk(self, clock: str, due_at: datetime, escalated_to: str, occurred_at: datetime) -> None:
        self.at_risk.add(clock)
        self.last_raised_at = occurred_at

    @event("ClockBreached")
    def _breached(
        self, clock: str, due_at: datetime, breached_by: timedelta, escalated_to: str, occurred_at: datetime
    ) -> None:
        self.breached.add(clock)
        self.last_raised_at = occurred_at


def paused_total(reading: ClockReading, now: datetime) -> timedelta:
    """The time the clock stood paused (site access, the case closed), wall-clock, up to `now`."""
    return sum(((p.ended_at or now) - p.started_at for p in reading.pauses), ZERO)
