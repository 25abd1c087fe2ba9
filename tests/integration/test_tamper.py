"""Tampering that only a superuser can do (triggers disabled) is found by `verify`, at the right place.

Each test builds a store of 24 events with checkpoints at 8 and 20, tampers with it as an attacker
with full database access would, and checks that verification fails and names the first bad
position and what is wrong.
"""

import base64
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest

from application.ledger import Caller
from domain.actor import Role
from infra.integrity import StoredCheckpoint
from infra.verification import Report, verify
from infra.verifier import Checkpoint, open_checkpoint
from tests.conftest import coal_objection

ADMIN = Caller("admin-1", frozenset({Role.ADMIN}))
TABLE_TRIGGERS = {
    "ledger_events": ("ledger_events_no_update_or_delete", "ledger_events_no_truncate"),
    "integrity_checkpoints": ("integrity_checkpoints_append_only", "integrity_checkpoints_no_truncate"),
}


@pytest.fixture
def store(services: Any) -> Any:
    """Positions 1..8 and 10..25 (a gap burned at 9), checkpoints of size 8 and 20 (up to position 21)."""
    for n in range(4):
        _case(services, n)
    services.integrity_runner.catch_up()
    services.integrity.checkpoint()
    with services.pool.connection() as conn:
        conn.execute("SELECT nextval('ledger_events_notification_id_seq')")  # a rolled-back append's gap
    for n in range(4, 10):
        _case(services, n)
    services.integrity_runner.catch_up()
    services.integrity.checkpoint()
    for n in range(10, 12):
        _case(services, n)
    services.integrity_runner.catch_up()
    return services


def _case(services: Any, n: int) -> None:
    registered = services.ledger.register_case(ADMIN, coal_objection(f"CUST-{n:04d}"))
    services.ledger.acknowledge(ADMIN, registered.id, None)


@contextmanager
def as_superuser(services: Any, table: str = "ledger_events") -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(services.database_url, autocommit=True) as conn:
        for trigger in TABLE_TRIGGERS[table]:
            conn.execute(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")
        try:
            yield conn
        finally:
            for trigger in TABLE_TRIGGERS[table]:
                conn.execute(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}")


def verified(services: Any) -> Report:
    return verify(services.database_url, services.integrity.verifier_key, services.integrity.checkpoint_file)


def first(report: Report) -> Any:
    assert not report.ok, "the tampering went unnoticed"
    return report.ordered()[0]


def test_the_untampered_store_verifies(store):
    report = verified(store)
    assert report.ok, report.ordered()
    assert (report.events, report.checkpoints) == (24, 2)


def test_a_changed_byte_in_an_events_state_is_found_at_its_position(store):
    with as_superuser(store) as conn:
        conn.execute(
            "UPDATE ledger_events SET state = set_byte(state, 20, get_byte(state, 20) # 1) "
            "WHERE notification_id = 5"
        )
    finding = first(verified(store))
    assert finding.position == 5
    assert "bytes were changed" in finding.problem


def test_a_changed_topic_is_found_at_its_position(store):
    with as_superuser(store) as conn:
        conn.execute(
            "UPDATE ledger_events SET topic = replace(topic, 'Acknowledged', 'Withdrawn') "
            "WHERE notification_id = 11"
        )
    finding = first(verified(store))
    assert finding.position == 11
    assert "changed" in finding.problem


def test_a_deleted_event_is_found_at_its_position(store):
    with as_superuser(store) as conn:
        conn.execute("DELETE FROM ledger_events WHERE notification_id = 15")
    report = verified(store)
    finding = first(report)
    assert finding.position == 15
    assert "missing (deleted)" in finding.problem


def test_an_inserted_event_is_found_at_its_position(store):
    with as_superuser(store) as conn:
        conn.execute(
            "INSERT INTO ledger_events (originator_id, originator_version, topic, state, notification_id) "
            "SELECT gen_random_uuid(), 1, topic, state, 9 FROM ledger_events WHERE notification_id = 1"
        )
    finding = first(verified(store))
    assert finding.position == 9
    assert "inserted" in finding.problem


def test_two_swapped_events_are_found_at_the_first_of_them(store):
    with as_superuser(store) as conn:
        conn.execute("UPDATE ledger_events SET notification_id = -1 WHERE notification_id = 3")
        conn.execute("UPDATE ledger_events SET notification_id = 3 WHERE notification_id = 6")
        conn.execute("UPDATE ledger_events SET notification_id = 6 WHERE notification_id = -1")
    report = verified(store)
    finding = first(report)
    assert finding.position == 3
    assert "swapped" in finding.problem
    assert any(f.position == 6 for f in report.findings)


def test_a_tail_truncated_below_the_last_checkpoint_is_found(store):
    with as_superuser(store) as conn:
        conn.execute("DELETE FROM ledger_events WHERE notification_id > 11")
    report = verified(store)
    finding = first(report)
    assert finding.position == 12
    assert "truncated" in finding.problem
    assert any("covers 20 events but only 10 remain" in f.problem for f in report.findings)


def test_a_checkpoint_whose_signature_does_not_match_is_found(store):
    with as_superuser(store, "integrity_checkpoints") as conn:
        note = conn.execute("SELECT note FROM integrity_checkpoints WHERE tree_size = 8").fetchone()[0]
        conn.execute(
            "UPDATE integrity_checkpoints SET note = %s WHERE tree_size = 8", (_bad_signature(note),)
        )
    report = verified(store)
    assert any("database checkpoint of size 8: bad signature" in f.problem for f in report.findings), (
        report.ordered()
    )


def test_a_bad_signature_in_the_checkpoint_log_is_found(store):
    path = store.integrity.checkpoint_file.path
    lines = path.read_text().splitlines()
    entry = json.loads(lines[0])
    entry["note"] = _bad_signature(entry["note"])
    lines[0] = json.dumps(entry)
    path.write_text("\n".join(lines) + "\n")
    report = verified(store)
    assert any("line 1: bad signature" in f.problem for f in report.findings), report.ordered()


def test_a_forked_history_is_found(store):
    """An insider with the key signs a second, different tree of size 20: two views of one log."""
    honest = open_checkpoint(store.integrity.latest_checkpoint().note, store.integrity.verifier_key)
    fork = Checkpoint(honest.origin, honest.size, bytes(32), honest.time)
    note = store.integrity.key.sign_checkpoint(fork)
    store.integrity.checkpoint_file.append(StoredCheckpoint(fork.size, fork.root_hash, honest.time, note))
    report = verified(store)
    assert any("forked history: two signed checkpoints of size 20" in f.problem for f in report.findings)


def test_rolling_back_the_databases_checkpoints_is_found(store):
    with as_superuser(store, "integrity_checkpoints") as conn:
        conn.execute("DELETE FROM integrity_checkpoints WHERE tree_size = 20")
    report = verified(store)
    assert any(
        "size 20 is in the checkpoint log but not in the database" in f.problem for f in report.findings
    )


def test_history_rewritten_and_re_signed_in_the_database_is_found(store):
    """The events AND the database's checkpoint rewritten consistently: the log file still disagrees."""
    with as_superuser(store) as conn:
        conn.execute("UPDATE ledger_events SET topic = topic || ' ' WHERE notification_id = 2")
    with as_superuser(store, "integrity_checkpoints") as conn:
        conn.execute("DELETE FROM integrity_checkpoints")
    report = verified(store)
    assert first(report).position == 2
    assert any("in the checkpoint log but not in the database" in f.problem for f in report.findings)


def _bad_signature(note: str) -> str:
    body, signature_line = note.rstrip("\n").rsplit("\n", 1)
    dash, name, signature = signature_line.split(" ")
    raw = bytearray(base64.b64decode(signature))
    raw[-1] ^= 0x01
    return f"{body}\n{dash} {name} {base64.b64encode(bytes(raw)).decode()}\n"
