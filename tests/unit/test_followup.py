"""Follow-ups: given what a follow-up recorded, when a command, then these events (or this refusal); and
why a closed case is followed up."""

from datetime import datetime, timedelta, timezone
from typing import Any
from uuid import uuid4

import pytest

from domain.actor import Actor, Role
from domain.case import CaseType
from domain.errors import InvalidValue
from domain.followup import (
    NEXT_ROUND_AFTER,
    ContactChannel,
    FollowUp,
    FollowUpReason,
    FollowUpRuleViolation,
    FollowUpStatus,
    follow_up_id,
    follow_up_reason,
)

CHINA = timezone(timedelta(hours=8))
OPENED_AT = datetime(2026, 5, 4, 9, 0, tzinfo=CHINA)
LATER = OPENED_AT + timedelta(hours=1)
AGENT = Actor("agent-1", Role.SERVICE_AGENT)
CUSTOMER = Actor("customer:CUST-0042", Role.STAFF)


def opened(reason: FollowUpReason = FollowUpReason.CLOSED_CASE) -> FollowUp:
    follow_up = FollowUp.open(case_id=uuid4(), reason=reason, by=AGENT, now=OPENED_AT)
    follow_up.collect_events()
    return follow_up


def reached(reason: FollowUpReason = FollowUpReason.CLOSED_CASE) -> FollowUp:
    follow_up = opened(reason)
    follow_up.attempt_contact(ContactChannel.PHONE, True, "", AGENT, OPENED_AT)
    follow_up.collect_events()
    return follow_up


def new_events(follow_up: FollowUp) -> list[Any]:
    return list(follow_up.collect_events())


@pytest.mark.parametrize(
    ("case_type", "is_new_customer", "reason"),
    [
        (CaseType.EQUIPMENT_FAULT, True, FollowUpReason.WARRANTY),
        (CaseType.EQUIPMENT_FAULT, False, FollowUpReason.WARRANTY),
        (CaseType.QUALITY_OBJECTION, True, FollowUpReason.NEW_CUSTOMER),
        (CaseType.QUALITY_OBJECTION, False, FollowUpReason.CLOSED_CASE),
        (CaseType.SERVICE_COMPLAINT, False, FollowUpReason.CLOSED_CASE),
    ],
)
def test_every_closed_case_is_followed_up_for_the_first_rule_that_asks(case_type, is_new_customer, reason):
    assert follow_up_reason(case_type, is_new_customer) is reason


def test_the_follow_up_of_a_case_has_an_id_derived_from_the_case():
    case_id = uuid4()
    follow_up = FollowUp.open(case_id=case_id, reason=FollowUpReason.WARRANTY, by=AGENT, now=OPENED_AT)

    assert follow_up.id == follow_up_id(case_id) != follow_up_id(uuid4())


def test_an_outcome_after_reaching_the_customer_finishes_the_follow_up():
    follow_up = reached()

    follow_up.record_outcome("All fine", None, AGENT, LATER)

    [event] = new_events(follow_up)
    assert type(event) is FollowUp.OutcomeRecorded
    assert (event.next_due, follow_up.status, follow_up.done_at) == (None, FollowUpStatus.DONE, LATER)


def test_nobody_reached_and_no_rating_gives_no_outcome():
    follow_up = opened()
    follow_up.attempt_contact(ContactChannel.PHONE, False, "No answer", AGENT, OPENED_AT)

    with pytest.raises(FollowUpRuleViolation) as refused:
        follow_up.record_outcome("All fine", None, AGENT, LATER)
    assert refused.value.field == "outcome"


def test_a_new_customer_whose_usage_is_not_normal_is_due_again_a_round_later():
    follow_up = reached(FollowUpReason.NEW_CUSTOMER)

    follow_up.record_outcome("Mills still being tuned", False, AGENT, LATER)

    [event] = new_events(follow_up)
    assert event.next_due == LATER + NEXT_ROUND_AFTER
    assert (follow_up.status, follow_up.round, follow_up.is_reached) == (FollowUpStatus.OPEN, 2, False)


def test_a_new_customer_s_outcome_says_whether_usage_is_normal():
    with pytest.raises(InvalidValue) as refused:
        reached(FollowUpReason.NEW_CUSTOMER).record_outcome("Fine", None, AGENT, LATER)
    assert refused.value.field == "usage_normal"


@pytest.mark.parametrize("rating", [0, 6, -1])
def test_a_rating_is_1_to_5(rating):
    with pytest.raises(InvalidValue) as refused:
        opened().rate(rating, "", AGENT, LATER)
    assert refused.value.field == "rating"


def test_a_link_rates_once_and_a_customer_may_rate_after_the_agent_finished():
    follow_up = reached()
    follow_up.record_outcome("All fine", None, AGENT, LATER)
    link = uuid4()

    follow_up.rate(5, "Great", CUSTOMER, LATER, link_id=link)

    assert (follow_up.rating, follow_up.rated_by) == (5, CUSTOMER)
    with pytest.raises(FollowUpRuleViolation):
        follow_up.rate(1, "again", CUSTOMER, LATER, link_id=link)


def test_a_done_follow_up_records_no_more_contacts():
    follow_up = reached()
    follow_up.record_outcome("All fine", None, AGENT, LATER)

    with pytest.raises(FollowUpRuleViolation):
        follow_up.attempt_contact(ContactChannel.EMAIL, True, "", AGENT, LATER)
