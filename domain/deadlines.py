"""The published time limit of each step of a quality objection, and whether the case keeps it.

Pure policy: no I/O, no clock (the time is an argument). Decisions (docs/decisions.md, "Step deadlines"):

- Each step's clock starts when the previous step completes, so each team is measured on its own step:
  the lab is not late because the customer service was slow to acknowledge. Acknowledgement starts at the
  registration.
- A step not done while a later step is done was skipped (a compensation agreed without sampling): it is
  never overdue, and the next step's clock starts at the completion of the latest step before it that
  was done. A step waiting for an earlier step that is neither done nor skipped has no due time yet.
- A step is met when it was done at or before its due time. It is overdue when it is not done, not
  skipped, the case has not ended (closed or withdrawn: nothing is awaited any more) and now is past
  its due time.
"""

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from enum import Enum

from domain.errors import InvalidValue


class Step(Enum):
    """The steps of a quality objection that carry a published time limit, in their order."""

    ACKNOWLEDGE = "acknowledge"
    SAMPLE = "sample"
    TEST = "test"
    DETERMINE = "determine"
    SETTLE = "settle"


@dataclass(frozen=True)
class StepLimits:
    """How long each step may take once its clock started; the defaults serve a contract that names none."""

    acknowledge: timedelta = timedelta(hours=24)
    sample: timedelta = timedelta(days=3)
    test: timedelta = timedelta(days=10)
    determine: timedelta = timedelta(days=5)
    settle: timedelta = timedelta(days=10)

    def __post_init__(self) -> None:
        for limit in fields(self):
            value = getattr(self, limit.name)
            if not isinstance(value, timedelta) or value <= timedelta(0):
                raise InvalidValue(f"the {limit.name} step needs a time limit above zero", field=limit.name)

    def of(self, step: Step) -> timedelta:
        limit: timedelta = getattr(self, step.value)
        return limit


@dataclass(frozen=True)
class Milestones:
    """When each step of one case was done; None while it is not."""

    registered_at: datetime
    acknowledged_at: datetime | None = None
    sampled_at: datetime | None = None
    tested_at: datetime | None = None
    determined_at: datetime | None = None
    settled_at: datetime | None = None
    # The case was closed or withdrawn: no step is awaited after that.
    ended_at: datetime | None = None

    def done_at(self, step: Step) -> datetime | None:
        done: datetime | None = getattr(self, _DONE_AT[step])
        return done


# The attribute of `Milestones` that says when each step was done.
_DONE_AT = {
    Step.ACKNOWLEDGE: "acknowledged_at",
    Step.SAMPLE: "sampled_at",
    Step.TEST: "tested_at",
    Step.DETERMINE: "determined_at",
    Step.SETTLE: "settled_at",
}


@dataclass(frozen=True)
class StepDeadline:
    """One step of one case against its time limit."""

    step: Step
    limit: timedelta
    starts_at: datetime | None  # None while the step before is neither done nor skipped
    due_at: datetime | None
    done_at: datetime | None
    met: bool | None  # None while not done, or done with no due time (every step before it skipped)
    overdue: bool
    skipped: bool  # not done, yet a later step is done


def step_deadlines(milestones: Milestones, limits: StepLimits, now: datetime) -> tuple[StepDeadline, ...]:
    """Every step's due time, and whether it was met or is overdue at `now`."""
    steps = list(Step)
    done = [milestones.done_at(step) for step in steps]
    skipped = [done[n] is None and any(d is not None for d in done[n + 1 :]) for n in range(len(steps))]
    deadlines = []
    for n, step in enumerate(steps):
        starts_at = _start(n, done, skipped, milestones.registered_at)
        due_at = starts_at + limits.of(step) if starts_at is not None else None
        done_at = done[n]
        met = done_at <= due_at if done_at is not None and due_at is not None else None
        awaited = done_at is None and not skipped[n] and milestones.ended_at is None
        overdue = awaited and due_at is not None and now > due_at
        deadlines.append(
            StepDeadline(step, limits.of(step), starts_at, due_at, done_at, met, overdue, skipped[n])
        )
    return tuple(deadlines)


def _start(
    n: int, done: Sequence[datetime | None], skipped: Sequence[bool], registered_at: datetime
) -> datetime | None:
    """The completion of the step before, passing over skipped steps; the registration for the first."""
    for before in range(n - 1, -1, -1):
        if done[before] is not None:
            return done[before]
        if not skipped[before]:
            return None
    return registered_at
