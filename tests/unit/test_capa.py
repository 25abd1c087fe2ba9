"""Corrective and preventive actions: given what an action recorded, when a command, then these events
(or this refusal); and what its status and overdue-ness are at a given time."""

from datetime import datetime, timedelta, timezone
from typing import Any
from uuid import uuid4

import pytest

from domain.actor import Actor, Role
from domain.capa import ActionKind, ActionStatus, CorrectiveAction, CorrectiveActionRuleViolation
from domain.errors import InvalidValue
from domain.liability import RootCause

CHINA = timezone(timedelta(hours=8))
RAISED_AT = datetime(2026, 4, 1, 9, 0, tzinfo=CHINA)
DUE = RAISED_AT + timedelta(days=30)
LATER = RAISED_AT + timedelta(days=10)

MANAGER = Actor("manager-1", Role.MANAGER)
OTHER_MANAGER = Actor("manager-2", Role.MANAGER)
OWNER = Actor("logistics-lead", Role.STAFF)
QC = Actor("qc-1", Role.QC_INSPECTOR)


def raised(**overrides: Any) -> CorrectiveAction:
    arguments: dict[str, Any] = {
        "case_id": uuid4(),
        "root_cause": RootCause.TRANSPORT_STORAGE,
        "kind": ActionKind.CORRECTIVE,
        "description": "Cover open rail wagons with tarpaulins on the Datong line",
        "owner": OWNER.user_id,
        "due": DUE,
        "by": MANAGER,
        "now": RAISED_AT,
    }
    arguments.update(overrides)
    return CorrectiveAction.raise_action(**arguments)


def completed() -> CorrectiveAction:
    action = raised()
    action.complete("Tarpaulins on every wagon since 10 April", OWNER, LATER)
    return action


def new_events(action: CorrectiveAction) -> list[Any]:
    return list(action.collect_events())


# -- raising ---------------------------------------------------------------------------------------


def test_an_action_is_raised_open_with_its_owner_due_date_and_actor():
    action = raised()

    [event] = new_events(action)
    assert type(event) is CorrectiveAction.ActionRaised
    assert (event.actor, event.occurred_at, event.owner, event.due) == (
        MANAGER,
        RAISED_AT,
        OWNER.user_id,
        DUE,
    )
    assert action.status is ActionStatus.OPEN
    assert action.root_cause is RootCause.TRANSPORT_STORAGE


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"due": RAISED_AT - timedelta(days=1)}, "due"),
        ({"due": datetime(2026, 5, 1, 9, 0)}, "due"),
        ({"description": "  "}, "description"),
        ({"owner": ""}, "owner"),
    ],
    ids=["due-in-the-past", "due-without-zone", "no-description", "no-owner"],
)
def test_an_action_is_not_raised_with(overrides: dict[str, Any], field: str):
    with pytest.raises(InvalidValue) as refused:
        raised(**overrides)

    assert refused.value.field == field


def test_a_due_date_a_moment_ago_is_still_now():
    assert raised(due=RAISED_AT - timedelta(minutes=1)).due == RAISED_AT - timedelta(minutes=1)


# -- overdue ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "at", "overdue"),
    [
        (raised(), DUE - timedelta(seconds=1), False),
        (raised(), DUE, False),
        (raised(), DUE + timedelta(seconds=1), True),
        (completed(), DUE + timedelta(days=1), False),
    ],
    ids=["before-due", "at-due", "after-due", "completed"],
)
def test_an_action_is_overdue_when_still_open_after_its_due_date(
    action: CorrectiveAction, at: datetime, overdue: bool
):
    assert action.is_overdue(at) is overdue


# -- reassigning and moving the due date -----------------------------------------------------------


def test_reassigning_names_the_new_owner_and_why():
    action = raised()
    action.collect_events()

    action.reassign("warehouse-lead", "Storage yard, not the railway", MANAGER, LATER)

    [event] = new_events(action)
    assert type(event) is CorrectiveAction.ActionReassigned
    assert (event.owner, event.reason) == ("warehouse-lead", "Storage yard, not the railway")
    assert action.owner == "warehouse-lead"


@pytest.mark.parametrize(
    ("owner", "reason", "field"),
    [(OWNER.user_id, "same", "owner"), ("warehouse-lead", " ", "reason")],
    ids=["same-owner", "no-reason"],
)
def test_reassigning_is_refused(owner: str, reason: str, field: str):
    with pytest.raises(InvalidValue) as refused:
        raised().reassign(owner, reason, MANAGER, LATER)

    assert refused.value.field == field


def test_moving_the_due_date_records_the_new_one_and_why():
    action = raised()
    action.collect_events()

    action.change_due_date(DUE + timedelta(days=14), "Tarpaulins on back order", MANAGER, LATER)

    [event] = new_events(action)
    assert type(event) is CorrectiveAction.ActionDueDateChanged
    assert action.due == DUE + timedelta(days=14)
    assert not action.is_overdue(DUE + timedelta(days=1))


def test_a_due_date_is_not_moved_into_the_past():
    with pytest.raises(InvalidValue) as refused:
        raised().change_due_date(LATER - timedelta(days=1), "oops", MANAGER, LATER)

    assert refused.value.field == "due"


# -- completing and verifying ----------------------------------------------------------------------


def test_completing_records_what_was_done_and_waits_for_verification():
    action = completed()

    event = new_events(action)[-1]
    assert type(event) is CorrectiveAction.ActionCompleted
    assert (event.actor, event.what_was_done) == (OWNER, "Tarpaulins on every wagon since 10 April")
    assert action.status is ActionStatus.COMPLETED


def test_a_completion_says_what_was_done():
    with pytest.raises(InvalidValue) as refused:
        raised().complete("", OWNER, LATER)

    assert refused.value.field == "what_was_done"


def test_an_effective_action_is_done_for_good():
    action = completed()

    action.verify_effectiveness(True, "Three shipments arrived at 5,480+ kcal/kg", QC, LATER)

    event = new_events(action)[-1]
    assert type(event) is CorrectiveAction.EffectivenessVerified
    assert event.effective is True
    assert action.status is ActionStatus.EFFECTIVE
    with pytest.raises(CorrectiveActionRuleViolation):
        action.cancel("no longer needed", MANAGER, LATER)


def test_an_ineffective_action_reopens_for_its_owner_to_do_more():
    action = completed()

    action.verify_effectiveness(False, "Next shipment lost 300 kcal/kg again", QC, LATER)

    assert action.status is ActionStatus.OPEN
    assert action.completed_by is None
    action.complete("Wagons sealed as well", OWNER, LATER + timedelta(days=1))
    action.verify_effectiveness(True, "Two shipments in spec", QC, LATER + timedelta(days=20))
    assert action.status is ActionStatus.EFFECTIVE
    assert action.verifications == 2


def test_who_completed_an_action_does_not_verify_it():
    action = raised()
    action.complete("Done", MANAGER, LATER)

    with pytest.raises(CorrectiveActionRuleViolation) as refused:
        action.verify_effectiveness(True, "fine", Actor(MANAGER.user_id, Role.QC_INSPECTOR), LATER)

    assert refused.value.field == "verified_by"


def test_verifying_needs_notes_on_the_evidence():
    with pytest.raises(InvalidValue) as refused:
        completed().verify_effectiveness(True, " ", QC, LATER)

    assert refused.value.field == "evidence"


def test_only_a_completed_action_is_verified():
    with pytest.raises(CorrectiveActionRuleViolation):
        raised().verify_effectiveness(True, "fine", QC, LATER)


def test_a_completed_action_is_not_completed_again():
    with pytest.raises(CorrectiveActionRuleViolation):
        completed().complete("again", OWNER, LATER)


# -- cancelling ------------------------------------------------------------------------------------


def test_a_cancelled_action_takes_no_more_commands():
    action = raised()
    action.cancel("Raised on the wrong case", OTHER_MANAGER, LATER)

    assert new_events(action)[-1].reason == "Raised on the wrong case"
    assert action.status is ActionStatus.CANCELLED
    assert not action.is_overdue(DUE + timedelta(days=1))
    for command in (
        lambda: action.complete("done", OWNER, LATER),
        lambda: action.reassign("someone", "why", MANAGER, LATER),
        lambda: action.change_due_date(DUE + timedelta(days=1), "why", MANAGER, LATER),
        lambda: action.cancel("again", MANAGER, LATER),
    ):
        with pytest.raises(CorrectiveActionRuleViolation):
            command()


def test_a_cancellation_needs_a_reason():
    with pytest.raises(InvalidValue) as refused:
        raised().cancel("", MANAGER, LATER)

    assert refused.value.field == "reason"
