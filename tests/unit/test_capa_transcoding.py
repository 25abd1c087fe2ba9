"""Every corrective-action event survives being stored as JSON and read back, exactly, and a replayed
action has the state it was recorded with."""

from datetime import timedelta

import pytest
from eventsourcing.domain import DomainEvent

from domain.capa import CorrectiveAction
from tests.unit.round_trips import assert_round_trips, event_ids, fields, replayed
from tests.unit.test_capa import DUE, LATER, MANAGER, OWNER, QC, raised


def _story() -> list[CorrectiveAction]:
    reworked = raised()
    reworked.reassign("warehouse-lead", "Storage yard, not the railway", MANAGER, LATER)
    reworked.change_due_date(DUE + timedelta(days=14), "Tarpaulins on back order", MANAGER, LATER)
    reworked.complete("Covered storage for the yard", MANAGER, LATER)
    reworked.verify_effectiveness(False, "Moisture up 2 % again", QC, LATER)
    reworked.complete("Drainage fixed as well", OWNER, LATER)
    reworked.verify_effectiveness(True, "Three shipments in spec", QC, LATER)
    cancelled = raised()
    cancelled.cancel("Raised on the wrong case", MANAGER, LATER)
    return [reworked, cancelled]


STORY = _story()
EVERY_EVENT: list[DomainEvent] = [e for action in _story() for e in action.collect_events()]


def test_the_events_cover_every_event_class_of_an_action():
    assert {type(event) for event in EVERY_EVENT} == {
        CorrectiveAction.ActionRaised,
        CorrectiveAction.ActionReassigned,
        CorrectiveAction.ActionDueDateChanged,
        CorrectiveAction.ActionCompleted,
        CorrectiveAction.EffectivenessVerified,
        CorrectiveAction.ActionCancelled,
    }


@pytest.mark.parametrize("event", EVERY_EVENT, ids=event_ids(EVERY_EVENT))
def test_an_event_round_trips_exactly(event: DomainEvent) -> None:
    assert_round_trips(event)


@pytest.mark.parametrize("action", STORY, ids=["reworked", "cancelled"])
def test_a_replayed_action_has_the_state_it_was_recorded_with(action: CorrectiveAction) -> None:
    assert fields(replayed(action.collect_events())) == fields(action)
