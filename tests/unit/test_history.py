"""What each event changed: the diff of replayed states that auditors read, in GraphQL and on the CLI."""

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from application.history import FieldChange, comparable, replay_steps, state_changes
from domain.case import Severity
from domain.money import Money
from tests.unit.given import AGENT, REGISTERED_AT, acknowledged, assigned, history, names, noted, replay

CHINA = timezone(timedelta(hours=8))


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Severity.HIGH, "high"),
        (datetime(2026, 3, 2, 9, 0, tzinfo=CHINA), "2026-03-02T01:00:00+00:00"),
        (datetime(2026, 3, 2, 1, 0, 0, 250000, tzinfo=UTC), "2026-03-02T01:00:00.250000+00:00"),
        (Decimal("1200.5000"), "1200.5000"),
        (Money(Decimal("24.00"), "CNY"), "24.00 CNY"),
        (("SHP-1", "SHP-2"), ["SHP-1", "SHP-2"]),
        ([Severity.LOW, Decimal("1.0")], ["low", "1.0"]),
        ("QC lab", "QC lab"),
        (3, 3),
        (None, None),
    ],
)
def test_values_are_shown_comparably(value, shown):
    assert comparable(value) == shown


def test_a_naive_time_is_refused_rather_than_guessed():
    with pytest.raises(ValueError, match="time zone"):
        comparable(datetime(2026, 3, 2, 9, 0))


def test_only_changed_fields_are_listed_in_the_state_order():
    before = {"status": "registered", "assignee": None, "notes": 0, "acknowledged_at": None}
    after = {"status": "in_progress", "assignee": None, "notes": 0, "acknowledged_at": REGISTERED_AT}

    assert state_changes(before, after) == [
        FieldChange("status", "registered", "in_progress"),
        FieldChange("acknowledged_at", None, "2026-03-02T01:00:00+00:00"),
    ]


def test_the_first_event_lists_every_field_it_gave_a_value():
    after = {"number": "AS-2026-000042", "department": None, "refs": [], "notes": 0}

    assert state_changes(None, after) == [
        FieldChange("number", None, "AS-2026-000042"),
        FieldChange("refs", None, []),
        FieldChange("notes", None, 0),
    ]


def test_the_same_moment_in_another_zone_is_no_change():
    before = {"opened_at": datetime(2026, 3, 2, 9, 0, tzinfo=CHINA)}
    after = {"opened_at": datetime(2026, 3, 2, 1, 0, tzinfo=UTC)}

    assert state_changes(before, after) == []


def test_a_field_the_later_state_lacks_is_listed_as_gone():
    assert state_changes({"assignee": "li.qc"}, {}) == [FieldChange("assignee", "li.qc", None)]


def test_replay_steps_pair_each_event_with_its_state_and_changes():
    case = history(acknowledged(), assigned("QC lab", "li.qc"), noted("Wang Lei called back"))
    events = case.collect_events()

    steps = list(replay_steps((event, replay(events[: i + 1])) for i, event in enumerate(events)))

    assert names([step.event for step in steps]) == ["Registered", "Acknowledged", "Assigned", "NoteAdded"]
    assert [[c.field for c in step.changes] for step in steps[1:]] == [
        ["status", "acknowledged_at"],
        ["department", "assignee"],
        ["notes"],
    ]
    assert steps[3].state["notes"] == 1
    assert steps[0].event.actor == AGENT


def test_replay_steps_read_each_state_before_the_same_case_moves_on():
    # The ledger's replay yields one case object, mutated event by event.
    case = history(assigned("QC lab", "li.qc"), assigned("Sales", "wu.s", reason="Price question"))
    events = case.collect_events()
    rebuilt = None

    def same_case_each_step():
        nonlocal rebuilt
        for event in events:
            rebuilt = event.mutate(rebuilt)
            yield event, rebuilt

    steps = list(replay_steps(same_case_each_step()))

    assert [step.state["assignee"] for step in steps] == [None, "li.qc", "wu.s"]
    assert steps[2].changes == [
        FieldChange("department", "QC lab", "Sales"),
        FieldChange("assignee", "li.qc", "wu.s"),
    ]


def test_no_change_names_the_contact_person_or_a_note_text():
    case = history(acknowledged(), noted("Wang Lei asked for a call back on +86 138 0000 0042"))
    events = case.collect_events()

    steps = list(replay_steps((event, replay(events[: i + 1])) for i, event in enumerate(events)))

    shown = repr([step.changes for step in steps])
    assert "Wang Lei" not in shown and "138 0000" not in shown
    assert all(change.field in step.state for step in steps for change in step.changes)
