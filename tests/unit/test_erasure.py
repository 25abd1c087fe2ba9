"""The erasure of a data subject: given what was recorded, when a command, then these events (or this
refusal)."""

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.utils import get_topic

from application.erasure import KEY_DESTROYED_TOPIC
from domain.actor import Actor, Role
from domain.erasure import Erasure, ErasureRuleViolation, ErasureStatus, erasure_id
from domain.errors import InvalidValue

CHINA = timezone(timedelta(hours=8))
REQUESTED_AT = datetime(2026, 6, 1, 9, 0, tzinfo=CHINA)
LATER = REQUESTED_AT + timedelta(hours=3)
SUBJECT = UUID("0b6f3c1e-5a2d-4c8e-9f71-2d4e6a8b0c13")
COMPLIANCE = Actor("compliance-1", Role.COMPLIANCE)
MANAGER = Actor("manager-1", Role.MANAGER)
ADMIN = Actor("admin", Role.ADMIN)


def requested(by: Actor = COMPLIANCE) -> Erasure:
    erasure = Erasure.request(subject_id=SUBJECT, reason="The subject asked (PIPL art. 47)", by=by, now=LATER)
    erasure.collect_events()
    return erasure


def approved() -> Erasure:
    erasure = requested()
    erasure.approve(MANAGER, LATER)
    erasure.collect_events()
    return erasure


def erased() -> Erasure:
    erasure = approved()
    erasure.record_key_destroyed(COMPLIANCE, LATER)
    erasure.collect_events()
    return erasure


def when(erasure: Erasure, command: Callable[[Erasure], Any]) -> list[str]:
    command(erasure)
    return [type(e).__name__ for e in erasure.collect_events()]


def test_a_request_names_the_subject_and_why_and_its_id_is_derived_from_the_subject():
    erasure = Erasure.request(subject_id=SUBJECT, reason="The subject asked", by=COMPLIANCE, now=LATER)

    [event] = list(erasure.collect_events())
    assert type(event) is Erasure.Requested
    assert (event.subject_id, event.reason, event.actor, event.occurred_at) == (
        SUBJECT,
        "The subject asked",
        COMPLIANCE,
        LATER,
    )
    assert erasure.id == erasure_id(SUBJECT)
    assert erasure.status is ErasureStatus.REQUESTED


def test_a_request_needs_a_reason():
    with pytest.raises(InvalidValue) as refused:
        Erasure.request(subject_id=SUBJECT, reason="  ", by=COMPLIANCE, now=LATER)

    assert refused.value.field == "reason"


def test_a_manager_other_than_the_requester_approves():
    erasure = requested()

    assert when(erasure, lambda e: e.approve(MANAGER, LATER)) == ["Approved"]
    assert (erasure.status, erasure.approver, erasure.approved_at) == (ErasureStatus.APPROVED, MANAGER, LATER)


def test_nobody_approves_their_own_request():
    erasure = requested(by=ADMIN)

    with pytest.raises(ErasureRuleViolation, match="own") as refused:
        erasure.approve(ADMIN, LATER)

    assert refused.value.field == "approver"
    assert erasure.status is ErasureStatus.REQUESTED


@pytest.mark.parametrize(("given", "status"), [(approved, "approved"), (erased, "erased")])
def test_an_erasure_is_approved_once(given: Callable[[], Erasure], status: str):
    with pytest.raises(ErasureRuleViolation, match=f"{status} already"):
        given().approve(Actor("manager-2", Role.MANAGER), LATER)


def test_an_approved_erasure_records_the_key_destroyed():
    erasure = approved()

    assert when(erasure, lambda e: e.record_key_destroyed(COMPLIANCE, LATER)) == ["KeyDestroyed"]
    assert (erasure.is_erased, erasure.eraser, erasure.erased_at) == (True, COMPLIANCE, LATER)


@pytest.mark.parametrize(
    ("given", "why"), [(requested, "must approve the erasure first"), (erased, "destroyed already")]
)
def test_the_key_is_destroyed_only_after_approval_and_only_once(given: Callable[[], Erasure], why: str):
    erasure = given()

    with pytest.raises(ErasureRuleViolation, match=why):
        erasure.record_key_destroyed(COMPLIANCE, LATER)

    assert list(erasure.collect_events()) == []


def test_the_watch_of_other_processes_looks_for_the_key_destroyed_by_its_stored_name():
    assert get_topic(Erasure.KeyDestroyed) == KEY_DESTROYED_TOPIC
