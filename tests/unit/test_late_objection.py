"""An objection raised after the contract's window is recorded, flagged late, and waits for a manager."""

import pytest

from domain.errors import CaseRuleViolation, InvalidValue
from tests.unit.given import (
    AGENT,
    LATER,
    MANAGER,
    NOW,
    acknowledged,
    flagged_late,
    given,
    names,
    noted,
    overridden,
    when,
)


def test_a_flag_records_the_shipment_and_when_its_window_closed() -> None:
    case = given(flagged_late("SHP-2026-0815"))
    assert case.late_objection is not None
    assert case.late_objection.shipment_ref == "SHP-2026-0815"
    assert case.state()["objection_late"] is True
    assert case.state()["late_objection_overridden"] is False


@pytest.mark.parametrize(
    "command",
    [
        lambda case: case.acknowledge(AGENT, LATER, NOW),
        lambda case: case.assign("QC lab", "li.qc", "", MANAGER, LATER, NOW),
    ],
    ids=["acknowledge", "assign"],
)
def test_a_late_objection_goes_no_further_before_the_override(command) -> None:
    case = given(flagged_late())
    with pytest.raises(CaseRuleViolation, match="proceeds only after a manager's override"):
        when(case, command)


def test_a_late_objection_may_still_gather_notes_and_be_withdrawn() -> None:
    case = given(flagged_late(), noted())
    assert names(when(case, lambda c: c.withdraw("Customer accepts the window", AGENT, LATER, NOW))) == [
        "Withdrawn"
    ]


def test_after_the_override_the_case_goes_on() -> None:
    case = given(flagged_late(), overridden("Rail delay reported by the carrier"))
    assert names(when(case, lambda c: c.acknowledge(AGENT, LATER, NOW))) == ["Acknowledged"]
    assert case.state()["late_objection_overridden"] is True


def test_an_override_needs_a_reason() -> None:
    case = given(flagged_late())
    with pytest.raises(InvalidValue) as refused:
        when(case, lambda c: c.override_late_objection("  ", MANAGER, LATER, NOW))
    assert refused.value.field == "reason"


def test_only_a_late_objection_can_be_overridden_and_only_once() -> None:
    with pytest.raises(CaseRuleViolation, match="not flagged late"):
        when(given(), lambda c: c.override_late_objection("Goodwill", MANAGER, LATER, NOW))
    with pytest.raises(CaseRuleViolation, match="already been overridden"):
        when(
            given(flagged_late(), overridden()), lambda c: c.override_late_objection("x", MANAGER, LATER, NOW)
        )


def test_a_case_is_flagged_late_once() -> None:
    with pytest.raises(CaseRuleViolation, match="already flagged"):
        given(flagged_late(), flagged_late())


def test_a_case_on_time_proceeds_as_before() -> None:
    assert names(when(given(), lambda c: c.acknowledge(AGENT, LATER, NOW))) == ["Acknowledged"]


def test_the_override_only_follows_the_flag_in_history() -> None:
    case = given(flagged_late(), overridden(), acknowledged())
    assert case.status.value == "in_progress"
