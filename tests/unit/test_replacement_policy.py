"""The repeat-failure policy: when a unit that keeps failing is replaced rather than repaired again."""

from datetime import datetime, timedelta, timezone

import pytest

from domain.errors import InvalidValue
from domain.replacement_policy import RepeatFailurePolicy, ReplacementProposal, proposes_replacement
from tests.unit.test_repair import UNIT

CHINA = timezone(timedelta(hours=8))
MARCH = datetime(2026, 3, 3, 12, 0, tzinfo=CHINA)
MAY = datetime(2026, 5, 20, 16, 0, tzinfo=CHINA)

Repairs = list[tuple[str, datetime | None, bool]]


@pytest.mark.parametrize(
    ("policy", "repairs", "proposed"),
    [
        (RepeatFailurePolicy(), [], False),
        (RepeatFailurePolicy(), [("E-17", MARCH, True)], False),
        (RepeatFailurePolicy(), [("E-17", MARCH, True), ("E-17", None, True)], True),
        (RepeatFailurePolicy(), [("E-17", MARCH, True), (" e-17 ", MAY, True)], True),
        (RepeatFailurePolicy(), [("E-17", MARCH, True), ("E-22", MAY, True)], False),
        (RepeatFailurePolicy(), [("E-17", MARCH, True), ("E-17", MAY, False)], False),
        (RepeatFailurePolicy(within_warranty=False), [("E-17", MARCH, True), ("E-17", MAY, False)], True),
        (RepeatFailurePolicy(same_fault=False), [("E-17", MARCH, True), ("E-22", MAY, True)], True),
        (RepeatFailurePolicy(same_fault=False), [("E-17", MARCH, True), ("E-22", MAY, False)], False),
        (RepeatFailurePolicy(failures=3), [("E-17", MARCH, True), ("E-17", MAY, True)], False),
        (RepeatFailurePolicy(failures=3), [("E-17", MARCH, True)] * 3, True),
    ],
    ids=[
        "no-repair",
        "one-failure",
        "twice-the-second-still-open",
        "twice-as-typed-differently",
        "two-different-faults",
        "the-second-outside-warranty",
        "any-warranty-counts",
        "any-fault-counts",
        "any-fault-but-in-warranty",
        "three-needed-two-happened",
        "three-needed-three-happened",
    ],
)
def test_a_replacement_is_proposed_when_the_policy_says(
    policy: RepeatFailurePolicy, repairs: Repairs, proposed: bool
):
    answer = proposes_replacement(policy, UNIT, repairs)

    assert answer.proposed is proposed
    assert bool(answer) is proposed
    assert UNIT.serial_number in answer.reason


def test_the_reason_names_the_repeated_fault():
    answer = proposes_replacement(RepeatFailurePolicy(), UNIT, [("e-17", MARCH, True), ("E-17", None, True)])

    assert answer == ReplacementProposal(
        True,
        "unit SN-2025-0001 failed 2 time(s) with fault E-17 within warranty; "
        "the policy replaces at 2 of the same fault",
        fault_code="E-17",
    )


@pytest.mark.parametrize("failures", [0, -1, True])
def test_a_policy_needs_at_least_one_failure(failures: int):
    with pytest.raises(InvalidValue) as refused:
        RepeatFailurePolicy(failures=failures)

    assert refused.value.field == "failures"
