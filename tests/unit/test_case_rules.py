"""The rules of resolution proposals, the customer's answer, execution, finished cases and times."""

import re
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from domain.case import CLOCK_SKEW_ALLOWANCE, Outcome, ResolutionKind, Status
from domain.errors import CaseRuleViolation, InvalidValue
from domain.money import Money
from tests.unit.given import (
    AGENT,
    CNY_1200,
    LATER,
    MANAGER,
    NOW,
    REGISTERED_AT,
    RESOLVED,
    Step,
    accepted,
    acknowledged,
    closed,
    executed,
    given,
    names,
    proposed,
    rejected,
    when,
    withdrawn,
)

# -- proposing a resolution ----------------------------------------------------------------------


def test_a_proposal_is_numbered_and_awaits_the_customers_answer() -> None:
    case = given(acknowledged())

    number = case.propose_resolution(ResolutionKind.COMPENSATION, CNY_1200, "Per contract", AGENT, LATER, NOW)
    events = case.collect_events()

    assert number == 1
    assert names(events) == ["ResolutionProposed"]
    assert (events[0].proposal, events[0].kind, events[0].amount) == (
        1,
        ResolutionKind.COMPENSATION,
        CNY_1200,
    )
    assert case.status is Status.RESOLUTION_PROPOSED


@pytest.mark.parametrize(
    ("past", "rule"),
    [
        ((), "acknowledge the case before proposing a resolution"),
        ((acknowledged(), proposed()), "proposal 1 still awaits the customer's answer"),
        (
            (acknowledged(), proposed(), rejected(), proposed()),
            "proposal 2 still awaits the customer's answer",
        ),
        ((acknowledged(), proposed(), accepted()), "the customer has already accepted a resolution"),
        (
            (acknowledged(), proposed(), accepted(), executed()),
            "the customer has already accepted a resolution",
        ),
    ],
    ids=["not acknowledged", "one pending", "second pending", "accepted", "executed"],
)
def test_a_proposal_is_refused_when_the_case_is_not_ready_for_one(past: tuple[Step, ...], rule: str) -> None:
    case = given(*past)

    with pytest.raises(CaseRuleViolation, match=re.escape(rule)):
        case.propose_resolution(ResolutionKind.REPLACEMENT, None, "Replace the lot", AGENT, LATER, NOW)


@pytest.mark.parametrize(
    ("kind", "amount", "rule"),
    [
        (ResolutionKind.PRICE_REDUCTION, None, "a price_reduction proposal needs an amount"),
        (ResolutionKind.COMPENSATION, None, "a compensation proposal needs an amount"),
        (ResolutionKind.RETURN_REFUND, None, "a return_refund proposal needs an amount"),
        (ResolutionKind.ADVICE_ONLY, CNY_1200, "advice carries no amount"),
        (ResolutionKind.PRICE_REDUCTION, Money(Decimal("0"), "CNY"), "amount must be greater than zero"),
        (ResolutionKind.COMPENSATION, Money(Decimal("-0.01"), "CNY"), "amount must be greater than zero"),
        (ResolutionKind.REPLACEMENT, Money(Decimal("0.0000"), "CNY"), "amount must be greater than zero"),
    ],
)
def test_a_proposal_with_a_wrong_amount_is_refused(
    kind: ResolutionKind, amount: Money | None, rule: str
) -> None:
    case = given(acknowledged())

    with pytest.raises(InvalidValue, match=rule) as refused:
        case.propose_resolution(kind, amount, "Settlement", AGENT, LATER, NOW)

    assert refused.value.field == "amount"


@pytest.mark.parametrize(
    ("kind", "amount"),
    [
        (ResolutionKind.PRICE_REDUCTION, CNY_1200),
        (ResolutionKind.COMPENSATION, Money(Decimal("0.0001"), "CNY")),
        (ResolutionKind.RETURN_REFUND, Money(Decimal("86000"), "USD")),
        (ResolutionKind.ADVICE_ONLY, None),
        (ResolutionKind.REPLACEMENT, None),
        (ResolutionKind.REPAIR, None),
        (ResolutionKind.REPAIR, Money(Decimal("350"), "CNY")),
    ],
)
def test_a_proposal_with_a_fitting_amount_is_recorded(kind: ResolutionKind, amount: Money | None) -> None:
    case = given(acknowledged())

    events = when(case, lambda c: c.propose_resolution(kind, amount, "Settlement", AGENT, LATER, NOW))

    assert names(events) == ["ResolutionProposed"]
    assert (events[0].kind, events[0].amount) == (kind, amount)


def test_a_proposal_needs_a_description() -> None:
    case = given(acknowledged())

    with pytest.raises(InvalidValue) as refused:
        case.propose_resolution(ResolutionKind.ADVICE_ONLY, None, " ", AGENT, LATER, NOW)

    assert refused.value.field == "description"


def test_proposal_numbers_keep_increasing_after_rejections() -> None:
    case = given(acknowledged(), proposed(), rejected(), proposed(), rejected())

    events = when(
        case, lambda c: c.propose_resolution(ResolutionKind.REPAIR, None, "Repair", AGENT, LATER, NOW)
    )

    assert events[0].proposal == 3
    assert [p.number for p in case.proposals] == [1, 2, 3]


# -- the customer's answer -----------------------------------------------------------------------

ANSWERS: dict[str, Step] = {
    "accept": lambda case, at: case.accept_resolution(1, AGENT, at, NOW),
    "reject": lambda case, at: case.reject_resolution(1, "Too little", AGENT, at, NOW),
}


def test_accepting_records_which_proposal_the_customer_accepted() -> None:
    case = given(acknowledged(), proposed(), rejected(), proposed())

    events = when(case, lambda c: c.accept_resolution(2, AGENT, LATER, NOW))

    assert names(events) == ["ResolutionAccepted"]
    assert events[0].proposal == 2
    assert (case.status, case.accepted_proposal) == (Status.RESOLUTION_ACCEPTED, 2)


def test_a_rejection_returns_the_case_to_in_progress() -> None:
    case = given(acknowledged(), proposed())

    events = when(
        case, lambda c: c.reject_resolution(1, "Below the contract's price rule", AGENT, LATER, NOW)
    )

    assert names(events) == ["ResolutionRejected"]
    assert (events[0].proposal, events[0].reason) == (1, "Below the contract's price rule")
    assert (case.status, case.accepted_proposal) == (Status.IN_PROGRESS, None)


@pytest.mark.parametrize("answer", ANSWERS.values(), ids=ANSWERS.keys())
def test_an_answer_to_another_proposal_than_the_pending_one_is_refused(answer: Step) -> None:
    case = given(acknowledged(), proposed(), rejected(), proposed())

    with pytest.raises(
        CaseRuleViolation, match=re.escape("proposal 1 is not the one awaiting an answer (2)")
    ) as refused:
        answer(case, LATER)

    assert refused.value.field == "proposal"


@pytest.mark.parametrize("answer", ANSWERS.values(), ids=ANSWERS.keys())
@pytest.mark.parametrize(
    "past",
    [(acknowledged(),), (acknowledged(), proposed(), rejected()), (acknowledged(), proposed(), accepted())],
    ids=["nothing proposed", "rejected", "accepted"],
)
def test_an_answer_without_a_pending_proposal_is_refused(past: tuple[Step, ...], answer: Step) -> None:
    case = given(*past)

    with pytest.raises(CaseRuleViolation, match="no resolution proposal awaits the customer's answer"):
        answer(case, LATER)


def test_a_rejection_needs_the_customers_reason() -> None:
    case = given(acknowledged(), proposed())

    with pytest.raises(InvalidValue, match="a rejection needs the customer's reason") as refused:
        case.reject_resolution(1, "", AGENT, LATER, NOW)

    assert refused.value.field == "reason"


# -- execution -----------------------------------------------------------------------------------


def test_executing_the_accepted_resolution_names_it() -> None:
    case = given(acknowledged(), proposed(), rejected(), proposed(), accepted())

    events = when(case, lambda c: c.mark_resolution_executed("Credit note CN-7 issued", AGENT, LATER, NOW))

    assert names(events) == ["ResolutionExecuted"]
    assert (events[0].proposal, events[0].details) == (2, "Credit note CN-7 issued")
    assert case.status is Status.RESOLUTION_EXECUTED


@pytest.mark.parametrize(
    "past",
    [
        (),
        (acknowledged(),),
        (acknowledged(), proposed()),
        (acknowledged(), proposed(), rejected()),
        (acknowledged(), proposed(), accepted(), executed()),
    ],
    ids=["registered", "in progress", "proposed", "rejected", "already executed"],
)
def test_only_an_accepted_resolution_can_be_executed(past: tuple[Step, ...]) -> None:
    case = given(*past)

    with pytest.raises(CaseRuleViolation, match="only an accepted resolution can be executed"):
        case.mark_resolution_executed("Credit note CN-7 issued", AGENT, LATER, NOW)


def test_an_execution_needs_its_details() -> None:
    case = given(acknowledged(), proposed(), accepted())

    with pytest.raises(InvalidValue) as refused:
        case.mark_resolution_executed("", AGENT, LATER, NOW)

    assert refused.value.field == "details"


# -- every command but reopen, each with a past in which it is allowed ---------------------------

COMMANDS: dict[str, tuple[tuple[Step, ...], Step]] = {
    "acknowledge": ((), lambda case, at: case.acknowledge(AGENT, at, NOW)),
    "assign": ((acknowledged(),), lambda case, at: case.assign("QC lab", "li.qc", "", MANAGER, at, NOW)),
    "add note": ((), lambda case, at: case.add_note("Called back", AGENT, at, NOW)),
    "propose": (
        (acknowledged(),),
        lambda case, at: case.propose_resolution(ResolutionKind.REPAIR, None, "Repair", AGENT, at, NOW),
    ),
    "accept": ((acknowledged(), proposed()), ANSWERS["accept"]),
    "reject": ((acknowledged(), proposed()), ANSWERS["reject"]),
    "execute": (
        (acknowledged(), proposed(), accepted()),
        lambda case, at: case.mark_resolution_executed("Credit note issued", AGENT, at, NOW),
    ),
    "close": ((acknowledged(),), lambda case, at: case.close(Outcome.UNFOUNDED, "Misuse", AGENT, at, NOW)),
    "withdraw": ((), lambda case, at: case.withdraw("Settled directly", AGENT, at, NOW)),
}


@pytest.mark.parametrize(("past", "command"), COMMANDS.values(), ids=COMMANDS.keys())
def test_each_command_is_allowed_in_its_past(past: tuple[Step, ...], command: Step) -> None:
    case = given(*past)

    events = when(case, lambda c: command(c, LATER))

    assert len(events) == 1
    assert events[0].occurred_at == LATER


@pytest.mark.parametrize("command", [command for _, command in COMMANDS.values()], ids=COMMANDS.keys())
@pytest.mark.parametrize(
    ("finished", "status"),
    [
        (RESOLVED, "closed"),
        ((acknowledged(), closed(Outcome.DUPLICATE, "Same as AS-41")), "closed"),
        ((acknowledged(), proposed(), withdrawn()), "withdrawn"),
    ],
    ids=["closed resolved", "closed duplicate", "withdrawn"],
)
def test_a_finished_case_refuses_every_command_but_reopening(
    finished: tuple[Step, ...], status: str, command: Step
) -> None:
    case = given(*finished)
    version = case.version

    with pytest.raises(CaseRuleViolation, match=f"the case is {status}; only reopening it is allowed"):
        command(case, LATER)

    assert case.collect_events() == []
    assert case.version == version


# -- times -----------------------------------------------------------------------------------------

WRONG_TIMES = {
    "before the registration": (
        REGISTERED_AT - timedelta(microseconds=1),
        "earlier than the case's registration",
    ),
    "beyond the clock allowance": (NOW + CLOCK_SKEW_ALLOWANCE + timedelta(seconds=1), "in the future"),
    "without a time zone": (datetime(2026, 3, 2, 12, 0), "must carry a time zone"),
}


@pytest.mark.parametrize(("past", "command"), COMMANDS.values(), ids=COMMANDS.keys())
@pytest.mark.parametrize(("at", "rule"), WRONG_TIMES.values(), ids=WRONG_TIMES.keys())
def test_a_later_command_refuses_a_time_it_cannot_have_happened_at(
    at: datetime, rule: str, past: tuple[Step, ...], command: Step
) -> None:
    case = given(*past)

    with pytest.raises(InvalidValue, match=rule) as refused:
        command(case, at)

    assert refused.value.field == "occurred_at"


@pytest.mark.parametrize(
    "at", [REGISTERED_AT, NOW + CLOCK_SKEW_ALLOWANCE], ids=["at registration", "at allowance"]
)
def test_a_later_command_accepts_the_boundary_times(at: datetime) -> None:
    case = given()

    events = when(case, lambda c: c.add_note("Boundary", AGENT, at, NOW))

    assert events[0].occurred_at == at


def test_a_reopening_refuses_a_time_before_the_registration() -> None:
    case = given(*RESOLVED)

    with pytest.raises(InvalidValue, match="earlier than the case's registration"):
        case.reopen("Customer disputes", MANAGER, REGISTERED_AT - timedelta(days=1), NOW)
