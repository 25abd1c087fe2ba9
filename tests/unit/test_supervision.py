"""The supervision's review of a complaint about staff: given what it recorded, when a command, then these
events (or this refusal)."""

from datetime import datetime, timedelta, timezone
from uuid import uuid4

import pytest

from domain.actor import Actor, Role
from domain.errors import InvalidValue
from domain.supervision import (
    ApologyChannel,
    ComplaintReview,
    ComplaintReviewRuleViolation,
    ReviewStatus,
    VerificationOutcome,
    complaint_review_id,
)

CHINA = timezone(timedelta(hours=8))
VERIFIED_AT = datetime(2026, 5, 4, 9, 0, tzinfo=CHINA)
LATER = VERIFIED_AT + timedelta(days=2)
SUPERVISOR = Actor("supervisor-1", Role.SUPERVISOR)


def verified(outcome: VerificationOutcome = VerificationOutcome.SUBSTANTIATED) -> ComplaintReview:
    review = ComplaintReview.verify(
        case_id=uuid4(), outcome=outcome, findings="Two witnesses", by=SUPERVISOR, now=VERIFIED_AT
    )
    review.collect_events()
    return review


def apologise(review: ComplaintReview, at: datetime = LATER) -> None:
    review.record_apology(ApologyChannel.VISIT, at, "manager-1", "The contact person", SUPERVISOR, LATER)


def test_the_review_of_a_case_has_an_id_derived_from_the_case():
    case_id = uuid4()
    review = ComplaintReview.verify(
        case_id=case_id, outcome=VerificationOutcome.SUBSTANTIATED, findings="x", by=SUPERVISOR, now=LATER
    )

    [event] = list(review.collect_events())
    assert type(event) is ComplaintReview.ComplaintVerified
    assert review.id == complaint_review_id(case_id)


@pytest.mark.parametrize(
    "outcome", [VerificationOutcome.SUBSTANTIATED, VerificationOutcome.PARTLY_SUBSTANTIATED]
)
def test_a_complaint_at_fault_closes_once_someone_is_accountable_and_the_customer_got_an_apology(outcome):
    review = verified(outcome)
    review.record_accountability("driver-7", "Written warning", SUPERVISOR, LATER)
    apologise(review)

    review.close("Driver warned, customer visited", SUPERVISOR, LATER)

    assert [type(e).__name__ for e in review.collect_events()] == [
        "AccountabilityRecorded",
        "ApologyMade",
        "ReviewClosed",
    ]
    assert review.status is ReviewStatus.CLOSED


def test_a_complaint_at_fault_does_not_close_without_accountability_or_apology():
    review = verified()
    with pytest.raises(ComplaintReviewRuleViolation, match="accountable"):
        review.close("Done", SUPERVISOR, LATER)
    review.record_accountability("driver-7", "Written warning", SUPERVISOR, LATER)
    with pytest.raises(ComplaintReviewRuleViolation, match="apology"):
        review.close("Done", SUPERVISOR, LATER)


def test_an_unfounded_complaint_holds_nobody_accountable_and_closes_at_once():
    review = verified(VerificationOutcome.NOT_SUBSTANTIATED)

    with pytest.raises(ComplaintReviewRuleViolation) as refused:
        review.record_accountability("driver-7", "Warning", SUPERVISOR, LATER)
    review.close("Gate log shows otherwise", SUPERVISOR, LATER)

    assert refused.value.field == "outcome"
    assert review.status is ReviewStatus.CLOSED


def test_nobody_records_their_own_accountability():
    with pytest.raises(ComplaintReviewRuleViolation) as refused:
        verified().record_accountability("supervisor-1", "Warning", SUPERVISOR, LATER)
    assert refused.value.field == "staff_member"


def test_an_apology_has_not_happened_in_the_future():
    with pytest.raises(InvalidValue) as refused:
        apologise(verified(), at=LATER + timedelta(days=1))
    assert refused.value.field == "apologised_at"


def test_a_closed_review_records_nothing_more():
    review = verified(VerificationOutcome.NOT_SUBSTANTIATED)
    review.close("Unfounded", SUPERVISOR, LATER)

    with pytest.raises(ComplaintReviewRuleViolation):
        review.close("again", SUPERVISOR, LATER)
