"""The `aftersales` commands as an operator types them, against the test's own database."""

import re
from datetime import datetime, timedelta
from uuid import UUID

import pytest

from api import console

CASE_NUMBER = re.compile(r"AS-\d{4}-\d{6}")


def _ok(result) -> str:
    assert result.exit_code == 0, result.output
    return result.stdout


def test_users_are_added_listed_and_revoked(aftersales):
    roles = ["--role", "service_agent", "--role", "qc_inspector"]
    added = _ok(aftersales("users", "add", "li.na", "--name", "Li Na", *roles))
    token = re.search(r"asl_\S+", added).group(0)

    listed = _ok(aftersales("users", "list"))
    assert "li.na" in listed and "Li Na" in listed and "qc_inspector, service_agent" in listed
    assert token not in listed

    assert "revoked li.na" in _ok(aftersales("users", "revoke", "li.na"))
    row = next(line for line in _ok(aftersales("users", "list")).splitlines() if "li.na" in line)
    assert len(re.findall(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z", row)) == 2  # created and revoked


@pytest.mark.parametrize(
    ("args", "exit_code", "message"),
    [
        (["users", "add", "x", "--name", "X", "--role", "superuser"], 2, "superuser"),
        (["users", "add", "x", "--name", "X"], 2, "--role"),
        (["users", "revoke", "nobody"], 1, "no active user nobody"),
        (["replay", "AS-2026-999999"], 1, "no case AS-2026-999999"),
        (["replay", "00000000-0000-0000-0000-000000000000"], 1, "no case"),
        (["replay", "AS-2026-000001", "--as-of", "2026-05-01T08:00"], 2, "needs a time zone"),
        (["replay", "AS-2026-000001", "--as-of", "yesterday"], 2, "is not an ISO 8601 time"),
    ],
)
def test_mistakes_get_a_message_on_stderr_and_no_traceback(aftersales, args, exit_code, message):
    result = aftersales(*args)

    assert result.exit_code == exit_code
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)


def test_adding_an_existing_user_is_refused(aftersales):
    _ok(aftersales("users", "add", "wang.lei", "--name", "Wang Lei", "--role", "engineer"))

    result = aftersales("users", "add", "wang.lei", "--name", "Someone Else", "--role", "manager")

    assert result.exit_code == 1
    assert "user wang.lei already exists" in result.stderr


def test_demo_loads_four_cases_and_a_second_run_adds_none(aftersales):
    first = CASE_NUMBER.findall(_ok(aftersales("demo")))
    second = CASE_NUMBER.findall(_ok(aftersales("demo")))

    assert len(first) == 4 and len(set(first)) == 4
    assert second == first


def test_replay_shows_every_event_with_its_actor_and_what_it_changed(aftersales):
    coal = CASE_NUMBER.findall(_ok(aftersales("demo")))[0]

    history = _ok(aftersales("replay", coal))

    for event_type in ("Registered", "Acknowledged", "Assigned", "NoteAdded", "ResolutionProposed"):
        assert event_type in history
    assert "ResolutionAccepted" in history and "ResolutionExecuted" in history and "Closed" in history
    assert "demo-manager (manager)" in history
    assert "status: resolution_executed → closed" in history
    assert "Zhou Ming" not in history  # the customer's contact person is personal data


def _recorded_at(services, number: str) -> list[datetime]:
    case_id = UUID(services.case_numbers.case_id(number))
    return [event.timestamp for event, _ in services.ledger.replay(case_id)]


def test_replay_as_of_shows_only_the_events_recorded_by_then_and_the_state_then(aftersales, services):
    coal = CASE_NUMBER.findall(_ok(aftersales("demo")))[0]
    acknowledged = _recorded_at(services, coal)[1]

    before = _ok(
        aftersales("replay", coal, "--as-of", (acknowledged - timedelta(microseconds=1)).isoformat())
    )
    then = _ok(aftersales("replay", coal, "--as-of", acknowledged.isoformat()))

    assert "Registered" in before and "Acknowledged" not in before
    assert re.search(r"│ status\s+│ registered\s+│", before)
    assert "Acknowledged" in then and "Assigned" not in then
    assert re.search(r"│ status\s+│ in_progress\s+│", then)
    assert f"{coal} as recorded by {acknowledged.isoformat()}" in then


@pytest.mark.parametrize(
    "as_of", ["2999-12-31T23:59Z", "3000-01-01T07:59+08:00", "2999-12-31T23:59:59.5+00:00"]
)
def test_replay_as_of_takes_a_time_with_a_zone_to_the_minute_or_finer(aftersales, as_of):
    coal = CASE_NUMBER.findall(_ok(aftersales("demo")))[0]

    assert "Closed" in _ok(aftersales("replay", coal, "--as-of", as_of))


def test_replay_as_of_before_the_registration_finds_no_case(aftersales):
    coal = CASE_NUMBER.findall(_ok(aftersales("demo")))[0]

    result = aftersales("replay", coal, "--as-of", "2000-01-01T08:00+08:00")

    assert result.exit_code == 1
    assert f"no case {coal} recorded by 2000-01-01T08:00:00+08:00" in result.stderr


def test_replay_step_by_step_shows_each_event_and_what_it_changed(aftersales, services):
    coal = CASE_NUMBER.findall(_ok(aftersales("demo")))[0]
    total = len(_recorded_at(services, coal))

    steps = _ok(aftersales("replay", coal, "--step"))

    assert all(f"event {n} of {total} · version {n} · " in steps for n in range(1, total + 1))
    assert "demo-manager (manager)" in steps
    assert re.search(r"status\s+resolution_executed\s+→\s+closed", steps)
    assert re.search(r"shipment_refs\s+\(none\)\s+→\s+RAIL-2026-0412-07, WB-DT-58812", steps)
    assert "Enter" not in steps  # not at a terminal: every step, no waiting
    assert "Zhou Ming" not in steps
    assert "as recorded by" not in steps  # the state at the end comes only with --as-of


def test_replay_step_by_step_as_of_ends_with_the_state_then(aftersales, services):
    coal = CASE_NUMBER.findall(_ok(aftersales("demo")))[0]
    acknowledged = _recorded_at(services, coal)[1]

    steps = _ok(aftersales("replay", coal, "--step", "--as-of", acknowledged.isoformat()))

    assert "event 2 of 2 · version 2 · Acknowledged" in steps
    assert re.search(r"│ status\s+│ in_progress\s+│", steps.split("as recorded by")[1])


def test_at_a_terminal_stepping_waits_for_enter_and_q_stops_it(aftersales, monkeypatch):
    coal = CASE_NUMBER.findall(_ok(aftersales("demo")))[0]
    monkeypatch.setattr(console, "stdin_is_terminal", lambda: True)

    steps = _ok(aftersales("replay", coal, "--step", typed="\nq\n"))

    assert "event 2 of" in steps and "event 3 of" not in steps
    assert steps.count("Enter: next event, q: quit") == 2


def test_replay_finds_a_case_by_its_uuid(aftersales, services):
    number = CASE_NUMBER.findall(_ok(aftersales("demo")))[1]
    case_id = services.case_numbers.case_id(number)

    history = _ok(aftersales("replay", case_id))

    assert number in history and "NoteAdded" in history


def test_rebuild_replays_every_event_into_the_read_models(aftersales, services):
    _ok(aftersales("demo"))
    events = services.ledger.recorder.max_notification_id()

    assert f"read models rebuilt from {events} events" in _ok(aftersales("rebuild"))


def test_migrate_reports_a_current_schema(aftersales):
    assert "schema is current" in _ok(aftersales("migrate"))
