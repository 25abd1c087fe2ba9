"""The case's side of a settlement: the signed agreement and its execution move the case along, the
customer's declaration of satisfaction closes it, and arbitration puts it under legal hold."""

import pytest

from domain.case import Outcome, Status
from domain.errors import CaseRuleViolation, InvalidValue
from tests.unit.given import (
    AGENT,
    LATER,
    MANAGER,
    NOW,
    accepted,
    acknowledged,
    executed,
    given,
    history,
    names,
    proposed,
    replay,
    settlement_agreed,
    settlement_executed,
    when,
)


def test_a_signed_settlement_is_the_case_s_agreed_resolution() -> None:
    case = given(acknowledged())
    events = when(case, lambda c: c.record_settlement_agreed(2, AGENT, LATER))
    assert names(events) == ["SettlementAgreed"]
    assert case.status is Status.RESOLUTION_ACCEPTED and case.agreed_settlement == 2


def test_a_settlement_cannot_be_agreed_over_a_pending_or_accepted_proposal_of_the_case() -> None:
    with pytest.raises(CaseRuleViolation, match="proposal 1 still awaits"):
        given(acknowledged(), proposed()).record_settlement_agreed(1, AGENT, LATER)
    with pytest.raises(CaseRuleViolation, match="already accepted"):
        given(acknowledged(), proposed(), accepted()).record_settlement_agreed(1, AGENT, LATER)


def test_the_executed_settlement_leaves_the_case_awaiting_the_customer_s_word() -> None:
    case = given(acknowledged(), settlement_agreed())
    events = when(case, lambda c: c.record_settlement_executed("credit_note", "CN-7", AGENT, LATER))
    assert names(events) == ["SettlementExecuted"]
    assert events[0].proposal == 1 and events[0].reference == "CN-7"
    assert case.status is Status.RESOLUTION_EXECUTED


def test_only_an_agreed_settlement_is_executed() -> None:
    with pytest.raises(CaseRuleViolation, match="only an agreed settlement"):
        given(acknowledged()).record_settlement_executed("credit_note", "CN-7", AGENT, LATER)
    # The case's own accepted proposal is executed with mark_resolution_executed, not as a settlement.
    with pytest.raises(CaseRuleViolation, match="only an agreed settlement"):
        given(acknowledged(), proposed(), accepted()).record_settlement_executed(
            "credit_note", "CN", AGENT, LATER
        )


def test_a_satisfied_customer_closes_the_case_as_resolved() -> None:
    case = given(acknowledged(), settlement_agreed(), settlement_executed())
    events = when(case, lambda c: c.declare_satisfaction(True, "", AGENT, LATER, NOW))
    assert names(events) == ["SatisfactionDeclared"]
    assert (case.status, case.outcome, case.closed_at) == (Status.CLOSED, Outcome.RESOLVED, LATER)


def test_a_dissatisfied_customer_keeps_the_case_open_and_must_say_why() -> None:
    case = given(acknowledged(), proposed(), accepted(), executed())
    with pytest.raises(InvalidValue) as refused:
        case.declare_satisfaction(False, " ", AGENT, LATER, NOW)
    assert refused.value.field == "comment"
    events = when(case, lambda c: c.declare_satisfaction(False, "Credit arrived short", AGENT, LATER, NOW))
    assert case.status is Status.RESOLUTION_EXECUTED and case.customer_satisfied is False
    assert events[0].comment == "Credit arrived short"
    # Followed up until the customer is satisfied: the word can be given again.
    case.declare_satisfaction(True, "", AGENT, LATER, NOW)
    assert case.status is Status.CLOSED


def test_satisfaction_is_declared_only_after_the_resolution_was_carried_out() -> None:
    with pytest.raises(CaseRuleViolation, match="once the resolution is carried out"):
        given(acknowledged(), settlement_agreed()).declare_satisfaction(True, "", AGENT, LATER, NOW)


def test_arbitration_puts_the_case_under_legal_hold_once() -> None:
    case = given(acknowledged())
    events = when(
        case, lambda c: c.place_under_legal_hold("Settlement 1 taken to arbitration", MANAGER, LATER)
    )
    assert names(events) == ["PlacedUnderLegalHold"] and case.legal_hold
    assert case.state()["legal_hold"] is True
    with pytest.raises(CaseRuleViolation, match="already under legal hold"):
        case.place_under_legal_hold("again", MANAGER, LATER)


def test_a_replayed_case_has_its_settlement_and_hold() -> None:
    case = history(acknowledged(), settlement_agreed(), settlement_executed())
    case.place_under_legal_hold("Taken to arbitration", MANAGER, LATER)
    rebuilt = replay(list(case.collect_events()))
    assert rebuilt.state() == case.state()
    assert (rebuilt.status, rebuilt.agreed_settlement, rebuilt.legal_hold) == (
        Status.RESOLUTION_EXECUTED,
        1,
        True,
    )
