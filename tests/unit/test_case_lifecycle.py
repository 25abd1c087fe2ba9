"""The case's path: registration, acknowledgement, assignment, notes, closure, withdrawal, reopening."""

import re
from datetime import datetime, timedelta

import pytest

from domain.case import CLOCK_SKEW_ALLOWANCE, Contact, Customer, Outcome, ResolutionKind, Status
from domain.errors import CaseRuleViolation, InvalidValue
from tests.unit.given import (
    AGENT,
    LATER,
    MANAGER,
    NOW,
    REGISTERED_AT,
    RESOLVED,
    Step,
    accepted,
    acknowledged,
    assigned,
    closed,
    executed,
    given,
    history,
    names,
    noted,
    proposed,
    register,
    rejected,
    reopened,
    replay,
    when,
    withdrawn,
)

# -- registration ---------------------------------------------------------------------------------


def test_a_registration_records_who_registered_what_and_when() -> None:
    case = register()

    [registered] = case.collect_events()

    assert type(registered).__name__ == "Registered"
    assert registered.actor == AGENT
    assert registered.customer == Customer("CUST-0042", "Jiangsu Huadian Power")
    assert registered.batch_refs == ["B-0815-01"]
    assert case.state() == {
        "number": "AS-2026-000042",
        "status": "registered",
        "case_type": "quality_objection",
        "severity": "high",
        "channel": "hotline",
        "customer_id": "CUST-0042",
        "customer_name": "Jiangsu Huadian Power",
        "product": "Thermal coal Q5500",
        "shipment_refs": ["SHP-2026-0815"],
        "batch_refs": ["B-0815-01"],
        "description": "Qnet,ar measured 5,120 kcal/kg against 5,500 contracted.",
        "opened_at": REGISTERED_AT,
        "acknowledged_at": None,
        "department": None,
        "assignee": None,
        "proposals": 0,
        "accepted_proposal": None,
        "outcome": None,
        "closed_at": None,
        "notes": 0,
        "reopened": 0,
        "attachments": 0,
        "objection_late": False,
        "late_objection_overridden": False,
        "agreed_settlement": None,
        "customer_satisfied": None,
        "legal_hold": False,
    }


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"description": ""}, "description"),
        ({"description": "   "}, "description"),
        ({"product": "\t"}, "product"),
        ({"customer": Customer(" ", "Jiangsu Huadian Power")}, "customer.id"),
        ({"contact": Contact("")}, "contact.name"),
    ],
    ids=["empty description", "blank description", "blank product", "blank customer id", "no contact name"],
)
def test_a_registration_refuses_a_blank_required_text(overrides: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidValue, match=f"{field} must not be blank") as refused:
        register(**overrides)

    assert refused.value.field == field


def test_a_registration_refuses_a_time_without_time_zone() -> None:
    with pytest.raises(InvalidValue, match="time zone") as refused:
        register(at=datetime(2026, 3, 2, 9, 0))

    assert refused.value.field == "occurred_at"


@pytest.mark.parametrize(
    "ahead_of_clock", [timedelta(0), CLOCK_SKEW_ALLOWANCE], ids=["now", "exactly the allowance"]
)
def test_a_registration_may_lie_ahead_of_the_clock_by_the_skew_allowance(ahead_of_clock: timedelta) -> None:
    case = register(at=NOW + ahead_of_clock)

    assert case.opened_at == NOW + ahead_of_clock


@pytest.mark.parametrize(
    "ahead_of_clock",
    [CLOCK_SKEW_ALLOWANCE + timedelta(microseconds=1), timedelta(hours=1)],
    ids=["just beyond the allowance", "an hour ahead"],
)
def test_a_registration_further_in_the_future_is_refused(ahead_of_clock: timedelta) -> None:
    with pytest.raises(InvalidValue, match="occurred_at lies in the future") as refused:
        register(at=NOW + ahead_of_clock)

    assert refused.value.field == "occurred_at"


# -- acknowledgement -----------------------------------------------------------------------------


def test_acknowledging_puts_the_case_in_progress() -> None:
    case = given()

    events = when(case, lambda c: c.acknowledge(AGENT, LATER, NOW))

    assert names(events) == ["Acknowledged"]
    assert events[0].occurred_at == LATER
    assert (case.status, case.acknowledged_at) == (Status.IN_PROGRESS, LATER)


def test_a_case_is_acknowledged_only_once() -> None:
    case = given(acknowledged())

    with pytest.raises(CaseRuleViolation, match="already been acknowledged"):
        case.acknowledge(AGENT, LATER, NOW)


# -- assignment ----------------------------------------------------------------------------------


def test_the_first_assignment_needs_no_reason() -> None:
    case = given(acknowledged())

    events = when(case, lambda c: c.assign("QC lab", "li.qc", "", MANAGER, LATER, NOW))

    assert names(events) == ["Assigned"]
    assert (events[0].department, events[0].assignee, events[0].actor) == ("QC lab", "li.qc", MANAGER)
    assert (case.department, case.assignee) == ("QC lab", "li.qc")


@pytest.mark.parametrize(
    ("department", "assignee", "field"), [(" ", "li.qc", "department"), ("QC lab", "", "assignee")]
)
def test_an_assignment_names_a_department_and_an_assignee(department: str, assignee: str, field: str) -> None:
    case = given(acknowledged())

    with pytest.raises(InvalidValue, match=f"{field} must not be blank") as refused:
        case.assign(department, assignee, "", MANAGER, LATER, NOW)

    assert refused.value.field == field


def test_assigning_the_same_person_again_is_refused() -> None:
    case = given(acknowledged(), assigned("QC lab", "li.qc"))

    with pytest.raises(CaseRuleViolation, match=re.escape("already assigned to li.qc in QC lab")):
        case.assign("QC lab", "li.qc", "again", MANAGER, LATER, NOW)


@pytest.mark.parametrize("reason", ["", "  "])
def test_a_reassignment_needs_a_reason(reason: str) -> None:
    case = given(acknowledged(), assigned("QC lab", "li.qc"))

    with pytest.raises(InvalidValue, match="a reassignment needs a reason") as refused:
        case.assign("Logistics", "zhao.wl", reason, MANAGER, LATER, NOW)

    assert refused.value.field == "reason"


@pytest.mark.parametrize(
    ("department", "assignee"),
    [("Logistics", "zhao.wl"), ("QC lab", "chen.qc"), ("Technical support", "li.qc")],
    ids=["both change", "same department", "same person, other department"],
)
def test_a_reassignment_with_a_reason_remembers_who_had_the_case(department: str, assignee: str) -> None:
    case = given(acknowledged(), assigned("QC lab", "li.qc"))

    events = when(
        case, lambda c: c.assign(department, assignee, "Short weight, not quality", MANAGER, LATER, NOW)
    )

    assert names(events) == ["Reassigned"]
    reassigned = events[0]
    assert (reassigned.previous_department, reassigned.previous_assignee) == ("QC lab", "li.qc")
    assert (reassigned.department, reassigned.assignee) == (department, assignee)
    assert reassigned.reason == "Short weight, not quality"
    assert (case.department, case.assignee) == (department, assignee)


# -- notes ---------------------------------------------------------------------------------------


def test_a_note_is_recorded_and_counted() -> None:
    case = given(noted())

    events = when(case, lambda c: c.add_note("Sample seal no. 4471 intact.", AGENT, LATER, NOW))

    assert names(events) == ["NoteAdded"]
    assert events[0].text == "Sample seal no. 4471 intact."
    assert case.notes_count == 2


def test_a_blank_note_is_refused() -> None:
    case = given()

    with pytest.raises(InvalidValue) as refused:
        case.add_note(" \n", AGENT, LATER, NOW)

    assert refused.value.field == "text"


# -- closing -------------------------------------------------------------------------------------


def test_a_case_closes_as_resolved_after_its_resolution_is_executed() -> None:
    case = given(acknowledged(), proposed(), accepted(), executed())

    events = when(case, lambda c: c.close(Outcome.RESOLVED, "", AGENT, LATER, NOW))

    assert names(events) == ["Closed"]
    assert events[0].outcome is Outcome.RESOLVED
    assert (case.status, case.outcome, case.closed_at) == (Status.CLOSED, Outcome.RESOLVED, LATER)


@pytest.mark.parametrize(
    ("past", "outcome", "rule"),
    [
        ((), Outcome.RESOLVED, "resolved only after its resolution is executed"),
        ((acknowledged(),), Outcome.RESOLVED, "resolved only after its resolution is executed"),
        ((acknowledged(), proposed(), rejected()), Outcome.RESOLVED, "resolved only after"),
        ((acknowledged(), proposed(), accepted()), Outcome.RESOLVED, "has not been executed yet"),
        ((acknowledged(), proposed(), accepted()), Outcome.UNFOUNDED, "has not been executed yet"),
        ((acknowledged(), proposed()), Outcome.DUPLICATE, "still awaits the customer's answer"),
        ((acknowledged(), proposed()), Outcome.RESOLVED, "still awaits the customer's answer"),
        ((acknowledged(), proposed(), accepted(), executed()), Outcome.UNFOUNDED, "closes as resolved"),
        ((acknowledged(), proposed(), accepted(), executed()), Outcome.DUPLICATE, "closes as resolved"),
    ],
    ids=[
        "resolved when registered",
        "resolved in progress",
        "resolved after a rejection",
        "resolved when accepted, not executed",
        "unfounded when accepted, not executed",
        "duplicate while a proposal is pending",
        "resolved while a proposal is pending",
        "unfounded after execution",
        "duplicate after execution",
    ],
)
def test_closing_is_refused_when_the_outcome_does_not_fit_the_state(
    past, outcome: Outcome, rule: str
) -> None:
    case = given(*past)

    with pytest.raises(CaseRuleViolation, match=rule):
        case.close(outcome, "Same shipment as AS-2026-000041", AGENT, LATER, NOW)


@pytest.mark.parametrize("outcome", [Outcome.UNFOUNDED, Outcome.DUPLICATE])
def test_closing_without_a_resolution_needs_a_reason(outcome: Outcome) -> None:
    case = given(acknowledged())

    with pytest.raises(InvalidValue, match=f"closing a case as {outcome.value} needs a reason") as refused:
        case.close(outcome, " ", AGENT, LATER, NOW)

    assert refused.value.field == "reason"


@pytest.mark.parametrize("outcome", [Outcome.UNFOUNDED, Outcome.DUPLICATE])
@pytest.mark.parametrize("past", [(), (acknowledged(),), (acknowledged(), proposed(), rejected())])
def test_a_case_without_a_pending_resolution_closes_unresolved_with_a_reason(
    past: tuple[Step, ...], outcome: Outcome
) -> None:
    case = given(*past)

    events = when(case, lambda c: c.close(outcome, "Customer's scale was uncalibrated", AGENT, LATER, NOW))

    assert names(events) == ["Closed"]
    assert (events[0].outcome, events[0].reason) == (outcome, "Customer's scale was uncalibrated")
    assert case.status is Status.CLOSED


# -- withdrawal ----------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_withdrawal_needs_the_customers_reason(reason: str) -> None:
    case = given(acknowledged())

    with pytest.raises(InvalidValue, match="a withdrawal needs the customer's reason") as refused:
        case.withdraw(reason, AGENT, LATER, NOW)

    assert refused.value.field == "reason"


def test_a_withdrawal_finishes_the_case() -> None:
    case = given(acknowledged())

    events = when(case, lambda c: c.withdraw("Found a dosing error on site", AGENT, LATER, NOW))

    assert names(events) == ["Withdrawn"]
    assert events[0].reason == "Found a dosing error on site"
    assert (case.status, case.closed_at, case.is_open) == (Status.WITHDRAWN, LATER, False)


# -- reopening -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "past",
    [
        RESOLVED,
        (acknowledged(), closed(Outcome.UNFOUNDED, "Customer's own process")),
        (acknowledged(), withdrawn()),
    ],
    ids=["closed resolved", "closed unfounded", "withdrawn"],
)
def test_reopening_a_finished_case_clears_its_closure_and_counts(past: tuple[Step, ...]) -> None:
    case = given(*past)

    events = when(case, lambda c: c.reopen("Customer disputes the outcome", MANAGER, LATER, NOW))

    assert names(events) == ["Reopened"]
    assert events[0].reason == "Customer disputes the outcome"
    assert case.status is Status.IN_PROGRESS
    assert (case.outcome, case.closed_at, case.accepted_proposal) == (None, None, None)
    assert case.reopen_count == 1


def test_a_case_withdrawn_before_acknowledgement_reopens_awaiting_it() -> None:
    case = given(withdrawn())

    when(case, lambda c: c.reopen("Customer calls again", MANAGER, LATER, NOW))

    assert (case.status, case.acknowledged_at) == (Status.REGISTERED, None)


def test_a_case_whose_resolution_was_carried_out_is_closed_not_withdrawn() -> None:
    case = given(*RESOLVED[:-1])

    with pytest.raises(CaseRuleViolation, match="close the case instead"):
        case.withdraw("Customer no longer cares", AGENT, LATER, NOW)


def test_every_reopening_is_counted() -> None:
    case = given(*RESOLVED, reopened(), closed(Outcome.UNFOUNDED, "Credit stands"))

    when(case, lambda c: c.reopen("Second dispute", MANAGER, LATER, NOW))

    assert case.reopen_count == 2


@pytest.mark.parametrize(
    "past",
    [(), (acknowledged(),), (acknowledged(), proposed()), (acknowledged(), proposed(), accepted())],
    ids=["registered", "in progress", "proposed", "accepted"],
)
def test_only_a_closed_or_withdrawn_case_can_be_reopened(past: tuple[Step, ...]) -> None:
    case = given(*past)

    with pytest.raises(CaseRuleViolation, match="only a closed or withdrawn case can be reopened"):
        case.reopen("Customer called again", MANAGER, LATER, NOW)


def test_reopening_needs_a_reason() -> None:
    case = given(*RESOLVED)

    with pytest.raises(InvalidValue, match="reopening a case needs a reason") as refused:
        case.reopen("", MANAGER, LATER, NOW)

    assert refused.value.field == "reason"


def test_a_reopened_case_takes_a_new_proposal_numbered_after_the_old_ones() -> None:
    case = given(*RESOLVED, reopened())

    number = case.propose_resolution(ResolutionKind.REPLACEMENT, None, "Replace the lot", AGENT, LATER, NOW)

    assert number == 2


# -- replay --------------------------------------------------------------------------------------

HISTORIES = {
    "registered": (),
    "resolved": RESOLVED,
    "reassigned and noted": (
        acknowledged(),
        assigned(),
        noted(),
        assigned("Logistics", "zhao.wl", "Short weight"),
    ),
    "rejected then accepted": (acknowledged(), proposed(), rejected(), proposed(), accepted(), executed()),
    "reopened after withdrawal": (
        acknowledged(),
        withdrawn(),
        reopened(),
        closed(Outcome.DUPLICATE, "AS-41"),
    ),
    "reopened after resolution": (*RESOLVED, reopened()),
}


@pytest.mark.parametrize("steps", HISTORIES.values(), ids=HISTORIES.keys())
def test_replaying_the_recorded_events_rebuilds_the_same_case(steps: tuple[Step, ...]) -> None:
    case = history(*steps)
    events = case.collect_events()

    replayed = replay(events)

    assert replayed.state() == case.state()
    assert (replayed.id, replayed.version) == (case.id, case.version)


def test_a_history_that_todays_rules_would_refuse_still_replays() -> None:
    # Rules change; facts recorded under the old rules must still load.
    case = register()
    case._acknowledged(actor=AGENT, occurred_at=LATER)
    case._acknowledged(actor=AGENT, occurred_at=LATER)
    case._closed(outcome=Outcome.RESOLVED, reason="", actor=AGENT, occurred_at=LATER)
    events = case.collect_events()

    replayed = replay(events)

    assert names(events) == ["Registered", "Acknowledged", "Acknowledged", "Closed"]
    assert replayed.state() == case.state()
    assert replayed.status is Status.CLOSED
