"""A case's settlement: a proposal above the threshold waits for a manager, the customer signs or rejects,
a signed agreement is executed, a rejection goes to negotiation or arbitration (legal hold)."""

from datetime import timedelta
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from domain.actor import Actor, Role
from domain.errors import InvalidValue
from domain.money import Money
from domain.pricing import price_adjustment
from domain.settlement import (
    ExecutionKind,
    NextStep,
    Offer,
    Settlement,
    SettlementKind,
    SettlementProposalNotFound,
    SettlementRuleViolation,
    SettlementStatus,
    SignedAgreement,
    settlement_id,
)
from tests.unit.coal_contract import AGENT, MANAGER, NOW, PRICE_RULE, cny_per_t, kcal, percent, tonnes

CASE_ID = UUID("0b5c8f0e-6d1f-4c57-9b9a-6f1b8c2d3e4f")
INSPECTION_ID = UUID("7d2a4c1b-3e5f-4a6b-8c9d-0e1f2a3b4c5d")
SHIPMENT_ID = UUID("5a1b2c3d-4e5f-4a6b-8c9d-0e1f2a3b4c5d")
ATTACHMENT_ID = UUID("9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b")
LATER = NOW + timedelta(hours=2)
THRESHOLD = Decimal("50000")
OTHER_MANAGER = Actor("manager-2", Role.MANAGER)
SHA = "ab" * 32

ADJUSTMENT = price_adjustment(
    PRICE_RULE, cny_per_t("600.00"), tonnes("3000"), {"Qnet,ar": kcal("5210"), "St,d": percent("1.15")}
)
PRICE_CUT = Offer(
    SettlementKind.PRICE_ADJUSTMENT,
    "price reduced per the contract's rule on CCIC's result",
    adjustment=ADJUSTMENT,  # type: ignore[arg-type]
    basis_inspection_id=INSPECTION_ID,
    shipment_id=SHIPMENT_ID,
)
REPLACEMENT = Offer(SettlementKind.REPLACEMENT, "3,000 t of 5,500 kcal/kg coal in April")
SMALL_COMPENSATION = Offer(
    SettlementKind.COMPENSATION, "demurrage", compensation=Money(Decimal("12000.00"), "CNY")
)


SIGNER_SUBJECT_ID = uuid4()  # one person: every agreement() is signed by the same


def agreement(signed_at=NOW) -> SignedAgreement:
    return SignedAgreement(
        "Zhou Min", "purchasing manager, Jiangsu Huadian", signed_at, ATTACHMENT_ID, SHA, SIGNER_SUBJECT_ID
    )


def proposed(offer: Offer = PRICE_CUT, by: Actor = AGENT) -> Settlement:
    """Given a settlement with one proposal."""
    settlement = Settlement.open(case_id=CASE_ID, by=by, now=NOW)
    settlement.propose(offer, THRESHOLD, by, NOW)
    return settlement


def signed() -> Settlement:
    settlement = proposed()
    settlement.approve(1, MANAGER, LATER)
    settlement.sign(1, agreement(), AGENT, LATER)
    return settlement


def rejected(next_step: NextStep = NextStep.ARBITRATION) -> Settlement:
    settlement = proposed(SMALL_COMPENSATION)
    settlement.reject(1, "wants 5 % off the whole contract", next_step, AGENT, LATER)
    return settlement


def test_the_price_cut_over_the_threshold_waits_for_a_manager_before_the_customer_signs():
    settlement = proposed()

    with pytest.raises(SettlementRuleViolation, match="awaiting_approval") as too_early:
        settlement.sign(1, agreement(), AGENT, LATER)
    settlement.approve(1, MANAGER, LATER)
    settlement.sign(1, agreement(), AGENT, LATER)

    assert settlement.id == settlement_id(CASE_ID) != CASE_ID
    assert too_early.value.field == "proposal"
    proposal = settlement.proposal(1)
    assert proposal.needs_approval and proposal.approved_by == MANAGER
    assert proposal.status is SettlementStatus.SIGNED and proposal.agreement == agreement()
    assert proposal.offer.amount == ADJUSTMENT.total  # type: ignore[union-attr]


def test_a_proposal_within_the_threshold_is_offered_at_once():
    settlement = proposed(SMALL_COMPENSATION)

    settlement.sign(1, agreement(), AGENT, LATER)

    assert not settlement.proposal(1).needs_approval
    assert settlement.signed() == settlement.proposal(1)


def test_the_proposer_does_not_approve_their_own_proposal():
    settlement = proposed(by=MANAGER)

    with pytest.raises(SettlementRuleViolation, match="own proposal"):
        settlement.approve(1, MANAGER, LATER)
    settlement.approve(1, OTHER_MANAGER, LATER)


def test_execution_follows_signing_and_closes_the_settlement():
    unsigned = proposed(SMALL_COMPENSATION)
    settlement = signed()

    with pytest.raises(SettlementRuleViolation, match="signed"):
        unsigned.execute(ExecutionKind.PAYMENT, "PAY-1", AGENT, LATER)
    settlement.execute(ExecutionKind.CREDIT_NOTE, "CN-2026-0042", AGENT, LATER)

    assert settlement.is_closed and settlement.proposal(1).status is SettlementStatus.EXECUTED
    assert settlement.execution.reference == "CN-2026-0042"  # type: ignore[union-attr]
    with pytest.raises(SettlementRuleViolation):
        settlement.propose(REPLACEMENT, THRESHOLD, AGENT, LATER)


def test_after_a_rejection_negotiation_is_a_new_proposal():
    settlement = rejected(NextStep.NEGOTIATION)

    number = settlement.propose(REPLACEMENT, THRESHOLD, AGENT, LATER)

    assert settlement.proposal(1).status is SettlementStatus.REJECTED
    assert settlement.proposal(1).next_step is NextStep.NEGOTIATION
    assert (number, settlement.open_proposal().number) == (2, 2)  # type: ignore[union-attr]


def test_arbitration_follows_a_rejection_and_puts_the_case_under_legal_hold():
    settlement = rejected()
    not_rejected = proposed(SMALL_COMPENSATION)

    with pytest.raises(SettlementRuleViolation, match="rejection"):
        not_rejected.escalate("no answer", MANAGER, LATER)
    settlement.escalate("customer filed with the CIETAC", MANAGER, LATER)

    assert settlement.legal_hold and not not_rejected.legal_hold
    with pytest.raises(SettlementRuleViolation, match="arbitration"):
        settlement.propose(REPLACEMENT, THRESHOLD, AGENT, LATER)
    with pytest.raises(SettlementRuleViolation, match="already"):
        settlement.escalate("again", MANAGER, LATER)


def test_a_new_proposal_supersedes_the_open_one():
    settlement = proposed()

    settlement.propose(REPLACEMENT, THRESHOLD, AGENT, LATER)

    assert settlement.proposal(1).status is SettlementStatus.SUPERSEDED
    assert settlement.proposal(1).superseded_by == 2
    assert settlement.proposal(2).status is SettlementStatus.OFFERED


@pytest.mark.parametrize(
    ("decide", "error", "field"),
    [
        (lambda s: s.approve(2, MANAGER, LATER), SettlementProposalNotFound, "proposal"),
        (lambda s: s.sign(1, agreement(LATER + timedelta(days=1)), AGENT, LATER), InvalidValue, "signed_at"),
        (lambda s: s.reject(1, " ", NextStep.NEGOTIATION, AGENT, LATER), InvalidValue, "reason"),
        (
            lambda s: s.execute(ExecutionKind.CREDIT_NOTE, "", AGENT, LATER),
            SettlementRuleViolation,
            "proposal",
        ),
    ],
    ids=["unknown proposal", "signed in the future", "rejection without reason", "execute unsigned"],
)
def test_refusals_name_the_field(decide, error: type[Exception], field: str):
    settlement = proposed(SMALL_COMPENSATION)

    with pytest.raises(error) as refused:
        decide(settlement)

    assert refused.value.field == field  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: Offer(SettlementKind.COMPENSATION, "x"), "amount"),
        (lambda: Offer(SettlementKind.REPLACEMENT, "x", compensation=Money(Decimal(1), "CNY")), "amount"),
        (lambda: Offer(SettlementKind.PRICE_ADJUSTMENT, "x"), "kind"),
        (lambda: Offer(SettlementKind.REPLACEMENT, " "), "description"),
        (lambda: SignedAgreement("Zhou Min", "buyer", NOW, ATTACHMENT_ID, "not-a-hash"), "document_sha256"),
    ],
    ids=[
        "compensation without amount",
        "replacement with amount",
        "adjustment uncomputed",
        "no text",
        "hash",
    ],
)
def test_an_offer_or_agreement_that_does_not_hold_together_is_refused(make, field: str):
    with pytest.raises(InvalidValue) as refused:
        make()

    assert refused.value.field == field
