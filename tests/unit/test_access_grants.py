"""The rules of access grants: who asks, who decides, for how long, and why a read is refused."""

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.access import (
    MAX_GRANT_PERIOD,
    AccessGrant,
    AccessRecord,
    GrantRuleViolation,
    GrantStatus,
    ReadKind,
    Refusal,
)
from domain.actor import Actor, Role
from domain.errors import InvalidValue
from tests.unit.given import CHINA, names

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=CHINA)
CASE = UUID("6f1c9e2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b")
STAFF = Actor("staff-1", Role.STAFF)
MANAGER = Actor("manager-1", Role.MANAGER)
WEEK = timedelta(days=7)


def requested(**overrides: Any) -> AccessGrant:
    """A staff member's request to read CASE for a week from NOW, its event already recorded."""
    arguments: dict[str, Any] = {
        "case_id": CASE,
        "purpose": "Warranty claim against the mill's supplier",
        "valid_from": NOW,
        "valid_until": NOW + WEEK,
        "by": STAFF,
        "now": NOW,
    }
    arguments.update(overrides)
    grant = AccessGrant.request(**arguments)
    grant.collect_events()
    return grant


def approved() -> AccessGrant:
    grant = requested()
    grant.approve("", MANAGER, NOW)
    grant.collect_events()
    return grant


def when(grant: AccessGrant, command: Callable[[AccessGrant], Any]) -> list[Any]:
    command(grant)
    return list(grant.collect_events())


# -- requesting ----------------------------------------------------------------------------------


def test_a_request_names_case_purpose_period_and_requester() -> None:
    grant = AccessGrant.request(
        case_id=CASE, purpose="Audit of Q1", valid_from=NOW, valid_until=NOW + WEEK, by=STAFF, now=NOW
    )
    [requested_event] = grant.collect_events()

    assert names([requested_event]) == ["Requested"]
    assert (requested_event.case_id, requested_event.actor, requested_event.occurred_at) == (CASE, STAFF, NOW)
    assert (grant.status, grant.valid_until) == (GrantStatus.REQUESTED, NOW + WEEK)


@pytest.mark.parametrize(
    ("overrides", "field", "rule"),
    [
        ({"purpose": "  "}, "purpose", "purpose must say what the case is needed for"),
        ({"valid_from": datetime(2026, 3, 2, 9, 0)}, "valid_from", "valid_from must carry a time zone"),
        ({"valid_until": datetime(2026, 3, 9, 9, 0)}, "valid_until", "valid_until must carry a time zone"),
        ({"valid_from": NOW - timedelta(hours=1)}, "valid_from", "valid_from lies in the past"),
        ({"valid_from": NOW + timedelta(days=31)}, "valid_from", "valid_from is more than 30 days ahead"),
        ({"valid_until": NOW}, "valid_until", "valid_until must be later than valid_from"),
        (
            {"valid_until": NOW + MAX_GRANT_PERIOD + timedelta(seconds=1)},
            "valid_until",
            "an access grant lasts at most 90 days",
        ),
    ],
    ids=["blank purpose", "naive from", "naive until", "past start", "far start", "empty", "too long"],
)
def test_a_request_needs_a_purpose_and_a_sane_bounded_period(
    overrides: dict[str, Any], field: str, rule: str
) -> None:
    with pytest.raises(InvalidValue, match=f"^{re.escape(rule)}$") as refused:
        requested(**overrides)

    assert refused.value.field == field


def test_the_longest_period_is_allowed_and_a_start_a_little_behind_the_clock_is_now() -> None:
    grant = requested(
        valid_from=NOW - timedelta(minutes=4), valid_until=NOW - timedelta(minutes=4) + MAX_GRANT_PERIOD
    )

    assert grant.status is GrantStatus.REQUESTED


# -- deciding ------------------------------------------------------------------------------------


def test_a_manager_approves_with_actor_and_time_recorded() -> None:
    grant = requested()

    events = when(grant, lambda g: g.approve("Legal needs it for the dispute", MANAGER, NOW))

    assert names(events) == ["Approved"]
    assert (events[0].actor, events[0].occurred_at, events[0].reason) == (
        MANAGER,
        NOW,
        "Legal needs it for the dispute",
    )
    assert (grant.status, grant.decided_by) == (GrantStatus.APPROVED, MANAGER)


def test_nobody_decides_their_own_request() -> None:
    manager_asking = requested(by=MANAGER)

    for decide in (
        lambda g: g.approve("", MANAGER, NOW),
        lambda g: g.reject("no", MANAGER, NOW),
    ):
        with pytest.raises(GrantRuleViolation, match="nobody decides their own access grant"):
            decide(manager_asking)


@pytest.mark.parametrize(
    ("past", "command", "rule"),
    [
        (approved, lambda g: g.approve("", MANAGER, NOW), "the access grant is approved; only a request"),
        (approved, lambda g: g.reject("late", MANAGER, NOW), "the access grant is approved; only a request"),
        (requested, lambda g: g.reject(" ", MANAGER, NOW), "a rejection needs a reason"),
        (
            requested,
            lambda g: g.approve("", MANAGER, NOW + WEEK),
            "the requested period has already ended; ask for a new grant",
        ),
    ],
    ids=["approve twice", "reject approved", "reject without reason", "approve after the period"],
)
def test_a_decision_is_refused_when_the_grant_is_not_a_pending_request(
    past: Callable[[], AccessGrant], command: Callable[[AccessGrant], Any], rule: str
) -> None:
    grant = past()

    with pytest.raises((GrantRuleViolation, InvalidValue), match=re.escape(rule)):
        command(grant)
    assert grant.collect_events() == []


def test_a_rejection_is_final() -> None:
    grant = requested()
    when(grant, lambda g: g.reject("The purpose does not need the customer's file", MANAGER, NOW))

    with pytest.raises(GrantRuleViolation, match="the access grant is rejected; only a request is decided"):
        grant.approve("", MANAGER, NOW)


# -- revoking ------------------------------------------------------------------------------------


@pytest.mark.parametrize("past", [requested, approved], ids=["requested", "approved"])
def test_a_grant_is_revoked_or_withdrawn_with_a_reason(past: Callable[[], AccessGrant]) -> None:
    grant = past()

    events = when(grant, lambda g: g.revoke("The audit is over", STAFF, NOW + timedelta(days=1)))

    assert names(events) == ["Revoked"]
    assert (events[0].actor, events[0].reason) == (STAFF, "The audit is over")
    assert (grant.status, grant.revoked_at) == (GrantStatus.REVOKED, NOW + timedelta(days=1))


def test_a_revoked_grant_cannot_be_revoked_again_and_revoking_needs_a_reason() -> None:
    grant = approved()
    with pytest.raises(InvalidValue, match="a revocation needs a reason"):
        grant.revoke("", MANAGER, NOW)
    grant.revoke("Misused", MANAGER, NOW)

    with pytest.raises(GrantRuleViolation, match="the access grant is revoked already"):
        grant.revoke("Again", MANAGER, NOW)


# -- what a grant allows -------------------------------------------------------------------------


def revoked() -> AccessGrant:
    grant = approved()
    grant.revoke("Misused", MANAGER, NOW + timedelta(days=1))
    return grant


def rejected() -> AccessGrant:
    grant = requested()
    grant.reject("Not needed", MANAGER, NOW)
    return grant


@pytest.mark.parametrize(
    ("grant", "user_id", "case_id", "at", "refusal"),
    [
        (approved, "staff-1", CASE, NOW, None),
        (approved, "staff-1", CASE, NOW + WEEK - timedelta(seconds=1), None),
        (approved, "staff-1", CASE, NOW + WEEK, Refusal.EXPIRED),
        (approved, "staff-1", CASE, NOW - timedelta(seconds=1), Refusal.NOT_YET_VALID),
        (approved, "staff-2", CASE, NOW, Refusal.NO_GRANT),
        (approved, "staff-1", uuid4(), NOW, Refusal.NO_GRANT),
        (requested, "staff-1", CASE, NOW, Refusal.NOT_APPROVED),
        (rejected, "staff-1", CASE, NOW, Refusal.REJECTED),
        (revoked, "staff-1", CASE, NOW + timedelta(days=2), Refusal.REVOKED),
    ],
    ids=[
        "approved, in period",
        "last second",
        "period over",
        "before the period",
        "someone else",
        "another case",
        "not approved yet",
        "rejected",
        "revoked",
    ],
)
def test_a_grant_allows_its_requester_to_read_its_case_within_its_period_once_approved(
    grant: Callable[[], AccessGrant], user_id: str, case_id: UUID, at: datetime, refusal: Refusal | None
) -> None:
    subject = grant()

    assert subject.refusal(user_id, case_id, at) is refusal
    assert subject.allows(user_id, case_id, at) is (refusal is None)


def test_history_replays_to_the_same_grant() -> None:
    grant = AccessGrant.request(
        case_id=CASE, purpose="Audit", valid_from=NOW, valid_until=NOW + WEEK, by=STAFF, now=NOW
    )
    grant.approve("", MANAGER, NOW)
    grant.revoke("Done", STAFF, NOW + timedelta(days=1))
    replayed = None
    for recorded in grant.collect_events():
        replayed = recorded.mutate(replayed)

    assert replayed is not None
    assert (replayed.status, replayed.version, replayed.requester) == (GrantStatus.REVOKED, 3, STAFF)


# -- the record of a read ------------------------------------------------------------------------


def test_a_read_is_one_event_of_its_own_record() -> None:
    grant_id = uuid4()

    allowed = AccessRecord.of_read(
        reader=STAFF, what=ReadKind.CASE, case_ids=[CASE], grant_id=grant_id, request_id="r-1", at=NOW
    )
    refused = AccessRecord.of_read(
        reader=STAFF,
        what=ReadKind.CASE_HISTORY,
        case_ids=[CASE],
        grant_id=grant_id,
        request_id="r-2",
        at=NOW,
        refusal=Refusal.EXPIRED,
    )
    [read_event], [refused_event] = allowed.collect_events(), refused.collect_events()

    assert (names([read_event]), names([refused_event])) == (["ReadRecorded"], ["ReadRefused"])
    assert (read_event.actor, read_event.case_ids, read_event.grant_id) == (STAFF, [CASE], grant_id)
    assert (refused_event.refusal, refused_event.request_id) == (Refusal.EXPIRED, "r-2")
    assert allowed.id != refused.id
    assert refused_event.mutate(None).refusal is Refusal.EXPIRED
