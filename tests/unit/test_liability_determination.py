"""The liability determination of a case: QC proposes, a manager other than the proposer approves or
rejects, and an approved determination is changed only by a new, approved proposal that says why."""

from datetime import datetime, timedelta
from decimal import Decimal
from uuid import UUID

import pytest

from domain.actor import Actor, Role
from domain.errors import InvalidValue
from domain.liability import Liability, LiabilityShare, Party, RootCause
from domain.liability_determination import (
    LiabilityDetermination,
    LiabilityRuleViolation,
    ProposalNotFound,
    ProposalStatus,
    determination_id,
)
from tests.unit.coal_contract import CHINA

CASE_ID = UUID("0b5c8f0e-6d1f-4c57-9b9a-6f1b8c2d3e4f")
INSPECTION_ID = "7d2a4c1b-3e5f-4a6b-8c9d-0e1f2a3b4c5d"
NOW = datetime(2026, 3, 26, 10, 0, tzinfo=CHINA)
LATER = NOW + timedelta(hours=2)
QC = Actor("qc-1", Role.QC_INSPECTOR)
MANAGER = Actor("manager-1", Role.MANAGER)
OTHER_MANAGER = Actor("manager-2", Role.MANAGER)


def liability(*pairs: tuple[Party, str], cause: RootCause = RootCause.TRANSPORT_STORAGE) -> Liability:
    return Liability(
        shares=tuple(LiabilityShare(party, Decimal(percent)) for party, percent in pairs),
        root_cause=cause,
        basis_inspection_ids=(INSPECTION_ID,),
        basis_evidence=(),
    )


SUPPLIER_70_CARRIER_30 = liability((Party.SUPPLIER, "70"), (Party.CARRIER, "30"))
CARRIER_ALONE = liability((Party.CARRIER, "100"))


def proposed(by: Actor = QC) -> LiabilityDetermination:
    """Given a determination with QC's 70/30 proposal pending."""
    determination = LiabilityDetermination.open(case_id=CASE_ID, by=by, now=NOW)
    determination.propose(SUPPLIER_70_CARRIER_30, "Qnet,ar lost 310 kcal/kg in transit", by, NOW)
    return determination


def approved() -> LiabilityDetermination:
    determination = proposed()
    determination.approve(1, MANAGER, LATER)
    return determination


def test_the_stream_of_a_case_is_found_from_the_case_id_alone():
    determination = proposed()

    assert determination.id == determination_id(CASE_ID) != CASE_ID
    assert [type(e) for e in determination.collect_events()] == [
        LiabilityDetermination.Opened,
        LiabilityDetermination.LiabilityProposed,
    ]
    assert determination.pending() is not None and determination.pending().liability == SUPPLIER_70_CARRIER_30
    assert determination.approved() is None


def test_a_manager_other_than_the_proposer_approves():
    determination = approved()

    [approval] = [
        e for e in determination.collect_events() if isinstance(e, LiabilityDetermination.LiabilityApproved)
    ]
    assert (approval.number, approval.actor, approval.supersedes) == (1, MANAGER, None)
    assert determination.approved() == determination.proposal(1)
    assert determination.proposal(1).decided_by == MANAGER and determination.pending() is None


def test_the_proposer_never_approves_their_own_proposal_even_as_a_manager():
    determination = proposed(by=MANAGER)

    with pytest.raises(LiabilityRuleViolation, match="own proposal") as refused:
        determination.approve(1, MANAGER, LATER)

    assert refused.value.field == "proposal"
    determination.approve(1, OTHER_MANAGER, LATER)
    assert determination.approved() is not None


def test_a_rejected_proposal_is_followed_by_a_new_one():
    determination = proposed()
    determination.reject(1, "the carrier's seals were intact at arrival", MANAGER, LATER)

    second = determination.propose(CARRIER_ALONE, "wagon covers torn, photos at unloading", QC, LATER)

    assert determination.proposal(1).status is ProposalStatus.REJECTED
    assert determination.proposal(1).rejection_reason == "the carrier's seals were intact at arrival"
    assert (second, determination.pending().number) == (2, 2)


def test_a_new_proposal_supersedes_a_pending_one():
    determination = proposed()

    determination.propose(CARRIER_ALONE, "second thoughts", QC, LATER)

    assert determination.proposal(1).status is ProposalStatus.SUPERSEDED
    assert determination.proposal(1).superseded_by == 2
    with pytest.raises(LiabilityRuleViolation, match="superseded"):
        determination.approve(1, MANAGER, LATER)


def test_an_approved_determination_is_changed_by_an_approved_proposal_that_says_why():
    determination = approved()

    with pytest.raises(InvalidValue) as no_reason:
        determination.propose(CARRIER_ALONE, "the CCIC figure was mistyped", QC, LATER)
    determination.propose(CARRIER_ALONE, "recomputed", QC, LATER, change_reason="CCIC corrected its report")

    assert no_reason.value.field == "change_reason"
    assert determination.approved().number == 1  # in force until the change is approved
    determination.approve(2, OTHER_MANAGER, LATER)
    assert determination.approved().number == 2 and determination.approved().supersedes == 1
    assert determination.proposal(1).status is ProposalStatus.SUPERSEDED
    assert determination.proposal(1).superseded_by == 2


def test_a_change_reason_needs_an_approved_determination():
    determination = proposed()

    with pytest.raises(InvalidValue) as refused:
        determination.propose(CARRIER_ALONE, "x", QC, LATER, change_reason="why")

    assert refused.value.field == "change_reason"


@pytest.mark.parametrize(
    ("decide", "error", "field"),
    [
        (lambda d: d.approve(2, MANAGER, LATER), ProposalNotFound, "proposal"),
        (lambda d: d.reject(1, " ", MANAGER, LATER), InvalidValue, "reason"),
        (lambda d: d.propose(CARRIER_ALONE, "", QC, LATER), InvalidValue, "rationale"),
    ],
    ids=["unknown proposal", "rejection without reason", "proposal without rationale"],
)
def test_refusals_name_the_field(decide, error: type[Exception], field: str):
    determination = proposed()

    with pytest.raises(error) as refused:
        decide(determination)

    assert refused.value.field == field  # type: ignore[attr-defined]


def test_a_decided_proposal_is_not_decided_again():
    determination = approved()

    with pytest.raises(LiabilityRuleViolation, match="approved"):
        determination.reject(1, "too late", OTHER_MANAGER, LATER)
