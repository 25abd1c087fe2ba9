"""A service commitment's clock (respond, on site, fix, signed record), read from the marks of one case.

Pure policy: no I/O, no clock (`now` is an argument). `run_clock(policy, marks, now)` is a function of the
marks that happened by `now` and the policy, so the same events always read the same; a reading at an
earlier `now` is the clock as it stood then. Decisions (docs/decisions.md, "Service clocks (issue 6)"):

- **Working time** is counted in the policy's calendar (`TWENTY_FOUR_SEVEN` for calendar hours). A pause
  stops the count; the due time is the start plus the target in working time, pushed out by the working
  time of every pause before it. A pause after the due time moves nothing: a breach cannot be undone by
  pausing.
- **Met** is judged in working time: met when the working time counted by the stop is at most the
  target, so a stop exactly at the due time is met. A stop in the non-working time just after the due
  time has used no more working time and is met too, so `breached_by` is above zero whenever `met` is
  False and overtime on a weekend is never punished.
- **A reopened case continues its clock**: the time it stood closed is a pause with reason "closed". A
  restart would reward closing a case too early (a fresh target each time); counting the closed time
  would charge the service for days when no one told it the fault was back. The earlier `met` was
  provisional: the reading says what the last stop says.
- **A pause never resumed before the stop** ends at the stop; its time is not counted.
- **While paused** the due time is where it would be if work resumed now: it moves on with every working
  minute of the pause.
- Marks out of time order, or not allowed in the clock's state (a resume without a pause, a second start,
  a reopen of a running clock), are refused with InvalidValue naming the mark.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from itertools import pairwise

from domain.business_calendar import TWENTY_FOUR_SEVEN, ZERO, BusinessCalendar, require_aware
from domain.errors import InvalidValue, require_text

CLOSED = "closed"


@dataclass(frozen=True)
class ClockPolicy:
    """One published commitment: its name, target, the calendar it counts in, and how early to warn."""

    name: str
    target: timedelta
    calendar: BusinessCalendar = TWENTY_FOUR_SEVEN
    at_risk_lead: timedelta = ZERO  # zero: no warning before the due time

    def __post_init__(self) -> None:
        require_text(self.name, "name", "a commitment needs a name")
        if not isinstance(self.target, timedelta) or self.target <= ZERO:
            raise InvalidValue(f"the {self.name} commitment needs a target above zero", field="target")
        if not isinstance(self.at_risk_lead, timedelta) or not ZERO <= self.at_risk_lead < self.target:
            raise InvalidValue(
                f"the {self.name} warning comes at or after the start and before the due time",
                field="at_risk_lead",
            )


class MarkKind(Enum):
    START = "start"
    PAUSE = "pause"
    RESUME = "resume"
    STOP = "stop"
    REOPEN = "reopen"


@dataclass(frozen=True)
class ClockMark:
    """One thing that happened to a clock, taken from the case's events. Only a pause has a reason."""

    kind: MarkKind
    at: datetime
    reason: str | None = None

    def __post_init__(self) -> None:
        require_aware(self.at, "at")
        if self.kind is MarkKind.PAUSE:
            require_text(self.reason or "", "reason", "a pause needs a reason")

    def __str__(self) -> str:
        return f"{self.kind.value} at {self.at.isoformat()}"

    @classmethod
    def start(cls, at: datetime) -> "ClockMark":
        return cls(MarkKind.START, at)

    @classmethod
    def pause(cls, at: datetime, reason: str) -> "ClockMark":
        return cls(MarkKind.PAUSE, at, reason)

    @classmethod
    def resume(cls, at: datetime) -> "ClockMark":
        return cls(MarkKind.RESUME, at)

    @classmethod
    def stop(cls, at: datetime) -> "ClockMark":
        return cls(MarkKind.STOP, at)

    @classmethod
    def reopen(cls, at: datetime) -> "ClockMark":
        return cls(MarkKind.REOPEN, at)


class ClockState(Enum):
    NOT_STARTED = "not_started"
    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"


@dataclass(frozen=True)
class Pause:
    """A stretch when the clock did not count; `ended_at` is None while it lasts."""

    started_at: datetime
    ended_at: datetime | None
    reason: str


@dataclass(frozen=True)
class ClockReading:
    """One commitment's clock at `now`; a clock not started has only its name and state."""

    name: str
    state: ClockState
    started_at: datetime | None = None
    pauses: tuple[Pause, ...] = ()
    stopped_at: datetime | None = None
    working_time: timedelta = ZERO  # counted from the start to the stop or `now`, pauses left out
    due_at: datetime | None = None
    at_risk_at: datetime | None = None  # the due time less the lead, in working time; None without a lead
    met: bool | None = None  # None until stopped
    breached_by: timedelta | None = None  # working time past the target, at the stop or so far
    breached_at: datetime | None = None  # the due time, once the working time counted has passed the target
    is_at_risk: bool = False  # counting, past the warning and not yet breached


@dataclass
class _Tally:
    """The clock as the marks build it up: when it counted, when it paused, and its state."""

    state: ClockState = ClockState.NOT_STARTED
    started_at: datetime | None = None
    stopped_at: datetime | None = None
    counting: list[tuple[datetime, datetime | None]] = field(default_factory=list)
    pauses: list[Pause] = field(default_factory=list)


# The states a mark may come in, and the state it leaves.
_MOVES = {
    MarkKind.START: ({ClockState.NOT_STARTED}, ClockState.RUNNING),
    MarkKind.PAUSE: ({ClockState.RUNNING}, ClockState.PAUSED),
    MarkKind.RESUME: ({ClockState.PAUSED}, ClockState.RUNNING),
    MarkKind.STOP: ({ClockState.RUNNING, ClockState.PAUSED}, ClockState.STOPPED),
    MarkKind.REOPEN: ({ClockState.STOPPED}, ClockState.RUNNING),
}


def run_clock(policy: ClockPolicy, marks: Sequence[ClockMark], now: datetime) -> ClockReading:
    """The clock of `policy` at `now`, from the marks in the order they happened."""
    require_aware(now, "now")
    _require_in_order(marks)
    tally = _tally([mark for mark in marks if mark.at <= now])
    if tally.started_at is None:
        return ClockReading(policy.name, tally.state)
    calendar = policy.calendar
    until = tally.stopped_at or now
    working_time = sum((calendar.elapsed(start, end or until) for start, end in tally.counting), ZERO)
    due_at = _due_at(policy, tally, until)
    at_risk_at = calendar.subtract(due_at, policy.at_risk_lead) if policy.at_risk_lead > ZERO else None
    over = working_time - policy.target
    is_breached = over > ZERO
    is_counting = tally.state is ClockState.RUNNING
    return ClockReading(
        name=policy.name,
        state=tally.state,
        started_at=tally.started_at,
        pauses=tuple(tally.pauses),
        stopped_at=tally.stopped_at,
        working_time=working_time,
        due_at=due_at,
        at_risk_at=at_risk_at,
        met=not is_breached if tally.state is ClockState.STOPPED else None,
        breached_by=over if is_breached else None,
        breached_at=due_at if is_breached else None,
        is_at_risk=is_counting and not is_breached and at_risk_at is not None and now >= at_risk_at,
    )


def _require_in_order(marks: Sequence[ClockMark]) -> None:
    for number, (earlier, later) in enumerate(pairwise(marks), start=2):
        if later.at < earlier.at:
            raise InvalidValue(
                f"mark {number} ({later}) comes before the {earlier.kind.value}", field="marks"
            )


def _tally(marks: Sequence[ClockMark]) -> _Tally:
    """Replay the marks, refusing one the clock's state does not allow."""
    tally = _Tally()
    for number, mark in enumerate(marks, start=1):
        allowed_in, next_state = _MOVES[mark.kind]
        if tally.state not in allowed_in:
            raise InvalidValue(
                f"mark {number} ({mark}) cannot come when the clock is {_said(tally.state)}", field="marks"
            )
        _apply(tally, mark)
        tally.state = next_state
    return tally


def _apply(tally: _Tally, mark: ClockMark) -> None:
    match mark.kind:
        case MarkKind.START:
            tally.started_at = mark.at
            tally.counting.append((mark.at, None))
        case MarkKind.PAUSE:
            _stop_counting(tally, mark.at)
            tally.pauses.append(Pause(mark.at, None, mark.reason or ""))
        case MarkKind.RESUME:
            _end_pause(tally, mark.at)
            tally.counting.append((mark.at, None))
        case MarkKind.STOP:
            if tally.state is ClockState.PAUSED:
                # A pause never resumed before the stop ends at the stop: its time is not counted.
                _end_pause(tally, mark.at)
            else:
                _stop_counting(tally, mark.at)
            tally.stopped_at = mark.at
        case MarkKind.REOPEN:
            # The clock continues: the time the case stood closed is a pause, neither counted nor restarted.
            assert tally.stopped_at is not None  # a reopen comes only after a stop (_MOVES)
            tally.pauses.append(Pause(tally.stopped_at, mark.at, CLOSED))
            tally.stopped_at = None
            tally.counting.append((mark.at, None))


def _stop_counting(tally: _Tally, at: datetime) -> None:
    started, _ = tally.counting.pop()
    tally.counting.append((started, at))


def _end_pause(tally: _Tally, at: datetime) -> None:
    paused = tally.pauses.pop()
    tally.pauses.append(Pause(paused.started_at, at, paused.reason))


def _due_at(policy: ClockPolicy, tally: _Tally, until: datetime) -> datetime:
    """The moment the counted working time reaches the target.

    Walks the stretches the clock counted: the due time falls in the first that uses up the target. When
    none does (the clock is paused or stopped early), it is where the target would run out if the clock
    counted again from `until` (now, or the stop).
    """
    calendar = policy.calendar
    remaining = policy.target
    for start, end in tally.counting:
        if end is None:
            return calendar.add(start, remaining)
        counted = calendar.elapsed(start, end)
        if remaining <= counted:
            return calendar.add(start, remaining)
        remaining -= counted
    return calendar.add(until, remaining)


def _said(state: ClockState) -> str:
    return state.value.replace("_", " ")
