"""From what an equipment-fault case and its repair recorded to the marks of each service clock.

`CaseFacts` and `RepairFacts` are folded from the events (`case_facts_after`, `repair_facts_after`);
`clock_marks` turns them into each clock's start, pauses (site access; the case closed), resumptions and
stop; `case_clocks` reads the four clocks with `run_clock` under a policy at a given moment. Pure: the
same events always read the same (domain/commitments.py has the policy, docs/decisions.md the rules).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import Enum
from typing import Any
from uuid import UUID

from domain.commitments import Clock, CommitmentPolicy, clock_policies
from domain.repair import SitePause, VisitResult
from domain.service_clock import ClockMark, ClockReading, run_clock

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
