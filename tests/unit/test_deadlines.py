"""Step deadlines: each step's clock starts when the step before it completes, so each team is measured on
its own step. Times are China Standard Time; the limits are the defaults unless a test says otherwise."""

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from domain.deadlines import Milestones, Step, StepDeadline, StepLimits, step_deadlines
from domain.errors import InvalidValue

CHINA = timezone(timedelta(hours=8))
REGISTERED = datetime(2026, 3, 20, 9, 0, tzinfo=CHINA)
HOUR, DAY = timedelta(hours=1), timedelta(days=1)


def deadlines(
    now: datetime = REGISTERED, limits: StepLimits | None = None, **done: Any
) -> dict[Step, StepDeadline]:
    milestones = Milestones(registered_at=REGISTERED, **done)
    return {d.step: d for d in step_deadlines(milestones, limits or StepLimits(), now)}


def test_the_defaults_a_contract_gets_when_it_names_no_limits() -> None:
    assert [StepLimits().of(step) for step in Step] == [24 * HOUR, 3 * DAY, 10 * DAY, 5 * DAY, 10 * DAY]


def test_the_steps_come_in_the_order_of_the_process() -> None:
    assert [d.step for d in step_deadlines(Milestones(REGISTERED), StepLimits(), REGISTERED)] == list(Step)


def test_a_new_case_awaits_its_acknowledgement_within_24_hours_and_nothing_else_has_started() -> None:
    steps = deadlines()

    acknowledge = steps[Step.ACKNOWLEDGE]
    assert (acknowledge.starts_at, acknowledge.due_at) == (REGISTERED, REGISTERED + 24 * HOUR)
    assert (acknowledge.done_at, acknowledge.met, acknowledge.overdue) == (None, None, False)
    assert all(steps[s].starts_at is None and steps[s].due_at is None for s in list(Step)[1:])


@pytest.mark.parametrize(
    ("now", "overdue"),
    [(REGISTERED + 24 * HOUR, False), (REGISTERED + 24 * HOUR + timedelta(seconds=1), True)],
    ids=["on the due time", "a second after"],
)
def test_a_step_not_done_is_overdue_only_after_its_due_time(now: datetime, overdue: bool) -> None:
    assert deadlines(now)[Step.ACKNOWLEDGE].overdue is overdue


@pytest.mark.parametrize(
    ("acknowledged_after", "met"),
    [(2 * HOUR, True), (24 * HOUR, True), (25 * HOUR, False)],
    ids=["early", "on the due time", "an hour late"],
)
def test_a_done_step_is_met_when_done_by_its_due_time(acknowledged_after: timedelta, met: bool) -> None:
    acknowledge = deadlines(REGISTERED + 40 * DAY, acknowledged_at=REGISTERED + acknowledged_after)[
        Step.ACKNOWLEDGE
    ]

    assert (acknowledge.met, acknowledge.overdue) == (met, False)


def test_each_steps_clock_starts_when_the_step_before_completes() -> None:
    acknowledged, sampled = REGISTERED + 30 * HOUR, REGISTERED + 2 * DAY
    tested, determined = sampled + 12 * DAY, sampled + 13 * DAY
    steps = deadlines(
        REGISTERED + 20 * DAY,
        acknowledged_at=acknowledged,
        sampled_at=sampled,
        tested_at=tested,
        determined_at=determined,
    )

    assert [(steps[s].starts_at, steps[s].due_at) for s in Step] == [
        (REGISTERED, REGISTERED + 24 * HOUR),
        (acknowledged, acknowledged + 3 * DAY),
        (sampled, sampled + 10 * DAY),
        (tested, tested + 5 * DAY),
        (determined, determined + 10 * DAY),
    ]
    # The late acknowledgement does not make the sampling team late; the lab was late on its own.
    assert [steps[s].met for s in Step] == [False, True, False, True, None]
    assert not any(steps[s].overdue for s in Step)


def test_a_contracts_own_limits_set_the_due_times() -> None:
    cement = StepLimits(acknowledge=4 * HOUR, test=30 * DAY)
    sampled = REGISTERED + DAY

    steps = deadlines(sampled + 29 * DAY, cement, acknowledged_at=REGISTERED + HOUR, sampled_at=sampled)

    assert steps[Step.ACKNOWLEDGE].due_at == REGISTERED + 4 * HOUR
    assert (steps[Step.TEST].due_at, steps[Step.TEST].overdue) == (sampled + 30 * DAY, False)


def test_a_step_done_before_its_clock_started_is_met() -> None:
    """Joint sampling at unloading often precedes the objection's acknowledgement."""
    acknowledged = REGISTERED + 2 * HOUR
    steps = deadlines(acknowledged_at=acknowledged, sampled_at=REGISTERED - 5 * DAY)

    assert (steps[Step.SAMPLE].starts_at, steps[Step.SAMPLE].met) == (acknowledged, True)
    assert steps[Step.TEST].starts_at == REGISTERED - 5 * DAY


def test_a_skipped_step_is_never_overdue_and_the_next_clock_starts_at_the_last_step_done() -> None:
    """A compensation agreed without sampling or testing: liability is determined after acknowledgement."""
    acknowledged = REGISTERED + HOUR
    steps = deadlines(REGISTERED + 60 * DAY, acknowledged_at=acknowledged, determined_at=REGISTERED + 4 * DAY)

    assert [(steps[s].skipped, steps[s].overdue) for s in (Step.SAMPLE, Step.TEST)] == [(True, False)] * 2
    assert (steps[Step.DETERMINE].starts_at, steps[Step.DETERMINE].met) == (acknowledged, True)
    assert steps[Step.SETTLE].overdue is True


def test_nothing_is_overdue_once_the_case_ended() -> None:
    steps = deadlines(REGISTERED + 60 * DAY, acknowledged_at=REGISTERED + HOUR, ended_at=REGISTERED + DAY)

    assert steps[Step.SAMPLE].due_at == REGISTERED + HOUR + 3 * DAY
    assert not any(d.overdue for d in steps.values())


@pytest.mark.parametrize("limit", [timedelta(0), -HOUR], ids=["zero", "negative"])
@pytest.mark.parametrize("step", [s.value for s in Step])
def test_a_limit_is_above_zero(step: str, limit: timedelta) -> None:
    with pytest.raises(InvalidValue) as refused:
        StepLimits(**{step: limit})

    assert refused.value.field == step
