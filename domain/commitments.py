"""The published service commitments of an equipment-fault case, and the clocks that measure them.

Four commitments (docs/decisions.md, "Service commitments (issue 6)"): respond within 30 minutes of the
registration; on site within 24 h in the home region, 48 h elsewhere, 8 h under a local service contract;
fixed within 24 h of starting work; the customer-signed service record within 24 h of the registration.
A `CommitmentPolicy` sets them per contract (`ServicePolicy`, one stream per contract number); each
counts calendar or business hours and warns a configurable lead before its due time.

Pure: `clock_marks` turns what the case and its repair recorded (`CaseFacts`, `RepairFacts`, folded from
their events by `case_facts_after` / `repair_facts_after`) into the marks of each clock, and
`case_clocks` reads the four clocks with `run_clock` at a given moment. Nothing here reads the clock.
`ClockAlerts` records, once per clock, that a clock came at risk or was breached, escalated to the
manager.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from enum import Enum
from typing import Any
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
from domain.repair import SitePause, VisitResult
from domain.service_clock import ClockMark, ClockPolicy, ClockReading, run_clock

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


# -- what the case and its repair recorded --------------------------------------------------------------


@dataclass(frozen=True)
class Closing:
    """The case stood closed (or withdrawn) from `closed_at` until `reopened_at` (None: still)."""

    closed_at: datetime
    reopened_at: datetime | None = None


@dataclass(frozen=True)
class CaseFacts:
    opened_at: datetime
    acknowledged_at: datetime | None = None
    closings: tuple[Closing, ...] = ()


@dataclass(frozen=True)
class RepairFacts:
    """The repair's times the clocks read: the first arrival, the first start of work, the fixing visit's
    end and its signed service record, and the pauses."""

    unit_id: UUID
    arrived_at: datetime | None = None
    work_started_at: datetime | None = None
    fixed_at: datetime | None = None
    fixing_visit: int | None = None
    signed_at: datetime | None = None
    pauses: tuple[SitePause, ...] = ()


def case_facts_after(facts: CaseFacts | None, event: Any) -> CaseFacts | None:
    """The case's facts after one of its events; an event the clocks do not read changes nothing."""
    if _is(event, "Case.Registered"):
        return CaseFacts(opened_at=event.occurred_at)
    if facts is None:
        return None
    is_open = not facts.closings or facts.closings[-1].reopened_at is not None
    if _is(event, "Case.Acknowledged") and facts.acknowledged_at is None:
        return replace(facts, acknowledged_at=event.occurred_at)
    satisfied_closes = _is(event, "Case.SatisfactionDeclared") and event.satisfied
    if _is(event, "Case.Closed", "Case.Withdrawn") or satisfied_closes:
        return replace(facts, closings=(*facts.closings, Closing(event.occurred_at))) if is_open else facts
    if _is(event, "Case.Reopened") and not is_open:
        last = facts.closings[-1]
        return replace(facts, closings=(*facts.closings[:-1], Closing(last.closed_at, event.occurred_at)))
    return facts


def repair_facts_after(facts: RepairFacts | None, event: Any) -> RepairFacts | None:
    """The repair's facts after one of its events; an event the clocks do not read changes nothing."""
    if _is(event, "Repair.Opened"):
        return RepairFacts(unit_id=event.unit_id)
    if facts is None:
        return None
    if _is(event, "Repair.EngineerArrived") and facts.arrived_at is None:
        return replace(facts, arrived_at=event.arrived_at)
    if _is(event, "Repair.WorkRecorded"):
        started = facts.work_started_at or event.started_at
        if facts.fixed_at is None and event.result is VisitResult.FIXED:
            return replace(
                facts, work_started_at=started, fixed_at=event.finished_at, fixing_visit=event.number
            )
        return replace(facts, work_started_at=started)
    if _is(event, "Repair.ServiceRecordSigned") and event.number == facts.fixing_visit:
        return replace(facts, signed_at=event.signature.signed_at)
    if _is(event, "Repair.ClocksPaused"):
        return replace(facts, pauses=(*facts.pauses, SitePause(event.paused_at, event.reason)))
    if _is(event, "Repair.ClocksResumed") and facts.pauses:
        last = facts.pauses[-1]
        return replace(facts, pauses=(*facts.pauses[:-1], replace(last, resumed_at=event.resumed_at)))
    return facts


def _is(event: Any, *names: str) -> bool:
    # The event classes are made by `@event` at run time: known by their qualified names.
    return type(event).__qualname__ in names


def facts_as_of(case: CaseFacts, repair: RepairFacts | None, also: Iterable[datetime] = ()) -> datetime:
    """The latest moment the facts know of: the read model keeps the clocks as they stood then."""
    moments = [case.opened_at, *also]
    moments += [m for m in (case.acknowledged_at,) if m]
    for closing in case.closings:
        moments += [m for m in (closing.closed_at, closing.reopened_at) if m]
    if repair is not None:
        moments += [
            m for m in (repair.arrived_at, repair.work_started_at, repair.fixed_at, repair.signed_at) if m
        ]
        for pause in repair.pauses:
            moments += [m for m in (pause.paused_at, pause.resumed_at) if m]
    return max(moments)


# -- from facts to marks --------------------------------------------------------------------------------


class _Happening(Enum):
    # The value orders what happens at the same moment: starts first, pauses and closings last.
    START = 0
    RESUME = 1
    REOPEN = 2
    STOP = 3
    PAUSE = 4
    CLOSE = 5


@dataclass(frozen=True)
class _Step:
    at: datetime
    happening: _Happening
    clock: Clock | None = None  # a start or stop names its clock; the others reach every clock
    reason: str = ""


def _steps(case: CaseFacts, repair: RepairFacts | None) -> list[_Step]:
    steps = [
        _Step(case.opened_at, _Happening.START, Clock.RESPOND),
        _Step(case.opened_at, _Happening.START, Clock.ON_SITE),
        _Step(case.opened_at, _Happening.START, Clock.SIGNED_RECORD),
    ]
    if case.acknowledged_at:
        steps.append(_Step(case.acknowledged_at, _Happening.STOP, Clock.RESPOND))
    for closing in case.closings:
        steps.append(_Step(closing.closed_at, _Happening.CLOSE))
        if closing.reopened_at:
            steps.append(_Step(closing.reopened_at, _Happening.REOPEN))
    if repair is not None:
        for at, happening, clock in (
            (repair.arrived_at, _Happening.STOP, Clock.ON_SITE),
            (repair.work_started_at, _Happening.START, Clock.FIX),
            (repair.fixed_at, _Happening.STOP, Clock.FIX),
            (repair.signed_at, _Happening.STOP, Clock.SIGNED_RECORD),
        ):
            if at is not None:
                steps.append(_Step(at, happening, clock))
        for pause in repair.pauses:
            steps.append(_Step(pause.paused_at, _Happening.PAUSE, reason=pause.reason))
            if pause.resumed_at:
                steps.append(_Step(pause.resumed_at, _Happening.RESUME))
    return sorted(steps, key=lambda step: (step.at, step.happening.value))


@dataclass
class _Track:
    marks: list[ClockMark] = field(default_factory=list)
    state: str = "not_started"  # running, paused, stopped, closed (stopped by the case's closing)


def clock_marks(case: CaseFacts, repair: RepairFacts | None) -> dict[Clock, list[ClockMark]]:
    """The marks of each clock, in time order (docs/decisions.md, "Service commitments (issue 6)").

    Respond, on site and signed record start at the registration; fix at the first start of work. Each
    stops at its own fact (acknowledgement, first arrival, the fixing visit's end, its signed record). A
    pause of the repair pauses the clocks then running (and a clock starting or reopened during it); a
    resumption resumes them. Closing or withdrawing the case stops the running clocks; reopening it
    continues them (`run_clock` counts the closed time as a pause "closed"). A fact that comes when its
    clock cannot take it (a stop of a clock never started, a second stop) leaves no mark.
    """
    tracks = {clock: _Track() for clock in Clock}
    pause_reason: str | None = None
    for step in _steps(case, repair):
        if step.happening is _Happening.PAUSE:
            pause_reason = step.reason
        elif step.happening is _Happening.RESUME:
            pause_reason = None
        for clock, track in tracks.items():
            if step.clock is None or step.clock is clock:
                _move(track, step, pause_reason)
    return {clock: track.marks for clock, track in tracks.items()}


def _move(track: _Track, step: _Step, pause_reason: str | None) -> None:
    at, happening = step.at, step.happening
    if happening is _Happening.START and track.state == "not_started":
        track.marks.append(ClockMark.start(at))
        track.state = "running"
    elif happening is _Happening.STOP and track.state in ("running", "paused"):
        track.marks.append(ClockMark.stop(at))
        track.state = "stopped"
    elif happening is _Happening.CLOSE and track.state in ("running", "paused"):
        track.marks.append(ClockMark.stop(at))
        track.state = "closed"
    elif happening is _Happening.REOPEN and track.state == "closed":
        track.marks.append(ClockMark.reopen(at))
        track.state = "running"
    elif happening is _Happening.PAUSE and track.state == "running":
        track.marks.append(ClockMark.pause(at, step.reason))
        track.state = "paused"
        return
    elif happening is _Happening.RESUME and track.state == "paused":
        track.marks.append(ClockMark.resume(at))
        track.state = "running"
        return
    # A clock starting or continuing while the repair waits (for site access, say) waits too.
    if track.state == "running" and pause_reason is not None and happening is not _Happening.RESUME:
        track.marks.append(ClockMark.pause(at, pause_reason))
        track.state = "paused"


def case_clocks(
    policy: CommitmentPolicy,
    unit_region: str | None,
    case: CaseFacts,
    repair: RepairFacts | None,
    now: datetime,
) -> dict[Clock, ClockReading]:
    """The four clocks of the case at `now`."""
    policies = clock_policies(policy, unit_region)
    marks = clock_marks(case, repair)
    return {clock: run_clock(policies[clock], marks[clock], now) for clock in Clock}


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
