"""Merkle leaves, signed checkpoints and proofs on real PostgreSQL, checked by the standalone verifier."""

import time
from typing import Any

import pytest

from application.ledger import Caller
from domain.actor import Role
from infra.integrity import ProofUnavailable
from infra.verification import verify
from infra.verifier import check_document, event_leaf_hash, open_checkpoint, root_hash
from tests.conftest import coal_objection

ADMIN = Caller("admin-1", frozenset({Role.ADMIN}))


def record_cases(services: Any, count: int) -> list[Any]:
    """`count` cases of two events each, followed into the Merkle leaves."""
    results = []
    for n in range(count):
        registered = services.ledger.register_case(ADMIN, coal_objection(f"CUST-{n:04d}"))
        services.ledger.acknowledge(ADMIN, registered.id, None)
        results.append(registered)
    services.integrity_runner.catch_up()
    return results


def raw_leaves(services: Any) -> list[bytes]:
    with services.pool.connection() as conn:
        rows = conn.execute(
            "SELECT notification_id, originator_id, originator_version, topic, state "
            "FROM ledger_events ORDER BY notification_id"
        ).fetchall()
    return [event_leaf_hash(p, s, v, t, bytes(b)) for p, s, v, t, b in rows]


def test_a_checkpoint_signs_the_root_of_every_event_so_far(services):
    record_cases(services, 3)
    signed = services.integrity.checkpoint()
    checkpoint = open_checkpoint(signed.note, services.integrity.verifier_key)
    assert checkpoint.size == signed.tree_size == 6
    assert checkpoint.root_hash == root_hash(raw_leaves(services))
    assert checkpoint.origin == services.settings.log_origin
    assert checkpoint.time is not None


def test_a_checkpoint_goes_to_the_database_and_to_the_log_file(services):
    record_cases(services, 2)
    signed = services.integrity.checkpoint()
    assert services.integrity.checkpoints() == [signed]
    assert [note for _, note in services.integrity.checkpoint_file.notes()] == [signed.note]


def test_without_new_events_the_latest_checkpoint_is_returned_unchanged(services):
    record_cases(services, 1)
    first = services.integrity.checkpoint()
    assert services.integrity.checkpoint() == first
    assert len(services.integrity.checkpoints()) == 1


def test_no_checkpoint_is_signed_for_an_empty_store(services):
    assert services.integrity.checkpoint() is None


def test_a_checkpoint_is_due_after_the_configured_number_of_events(services):
    services.integrity.every_events = 4
    services.integrity.every_seconds = 3600
    record_cases(services, 1)
    assert services.integrity.checkpoint_if_due() is not None  # the first one is always due
    record_cases(services, 1)
    assert services.integrity.checkpoint_if_due() is None  # 2 events since, 4 needed
    record_cases(services, 1)
    assert services.integrity.checkpoint_if_due().tree_size == 6


def test_a_checkpoint_is_due_after_the_configured_time_if_any_event_is_new(services):
    services.integrity.every_events = 1000
    services.integrity.every_seconds = 0.001
    record_cases(services, 1)
    services.integrity.checkpoint()
    assert services.integrity.checkpoint_if_due() is None  # nothing new: nothing to sign
    record_cases(services, 1)
    assert services.integrity.checkpoint_if_due().tree_size == 4


def test_an_inclusion_proof_convinces_the_standalone_verifier(services):
    record_cases(services, 5)
    services.integrity.checkpoint()
    for position in (1, 4, 10):
        document = services.integrity.inclusion_proof(position)
        assert check_document(document, services.integrity.verifier_key) == []
        assert document["event"]["position"] == position


def test_an_inclusion_proof_against_an_older_checkpoint(services):
    record_cases(services, 2)
    older = services.integrity.checkpoint()
    record_cases(services, 2)
    services.integrity.checkpoint()
    document = services.integrity.inclusion_proof(3, tree_size=older.tree_size)
    assert document["tree_size"] == 4
    assert check_document(document, services.integrity.verifier_key) == []


def test_an_event_after_the_latest_checkpoint_has_no_proof_yet(services):
    record_cases(services, 1)
    services.integrity.checkpoint()
    record_cases(services, 1)
    with pytest.raises(ProofUnavailable) as refused:
        services.integrity.inclusion_proof(3)
    assert refused.value.field == "position"


def test_a_consistency_proof_shows_a_later_checkpoint_extends_an_earlier_one(services):
    record_cases(services, 3)
    older = services.integrity.checkpoint()
    record_cases(services, 4)
    newer = services.integrity.checkpoint()
    document = services.integrity.consistency_proof(older.tree_size, newer.tree_size)
    assert (document["old_size"], document["new_size"]) == (6, 14)
    assert check_document(document, services.integrity.verifier_key) == []


def test_each_event_of_a_case_has_a_proof_in_the_latest_checkpoint(services):
    first, _ = record_cases(services, 2)
    checkpoint = services.integrity.checkpoint()
    _, proofs = services.integrity.case_proofs(first.id)
    assert sorted(proofs) == [1, 2]
    assert [p.position for p in proofs.values()] == [1, 2]
    assert checkpoint.tree_size == 4


def test_a_checkpoint_lost_by_the_database_is_restored_from_the_log_file(services):
    record_cases(services, 2)
    signed = services.integrity.checkpoint()
    with services.pool.connection() as conn:
        conn.execute("ALTER TABLE integrity_checkpoints DISABLE TRIGGER integrity_checkpoints_append_only")
        conn.execute("DELETE FROM integrity_checkpoints")  # as if the crash came between file and commit
        conn.execute("ALTER TABLE integrity_checkpoints ENABLE TRIGGER integrity_checkpoints_append_only")
    services.integrity._file_reconciled = False  # a fresh process
    record_cases(services, 1)
    services.integrity.checkpoint()
    assert [c.tree_size for c in services.integrity.checkpoints()] == [signed.tree_size, 6]


def test_the_leaves_follow_the_events_exactly_once(services):
    record_cases(services, 3)
    assert services.integrity_runner.catch_up() == 0
    with services.pool.connection() as conn:
        stored = [bytes(r[0]) for r in conn.execute("SELECT leaf_hash FROM integrity_leaves ORDER BY 1")]
    assert sorted(stored) == sorted(raw_leaves(services))


def test_an_untouched_store_verifies(services):
    record_cases(services, 4)
    services.integrity.checkpoint()
    record_cases(services, 2)
    services.integrity.checkpoint()
    report = verify(
        services.database_url, services.integrity.verifier_key, services.integrity.checkpoint_file
    )
    assert report.ok, report.ordered()
    assert (report.events, report.checkpoints) == (12, 2)


def test_the_integrity_tables_refuse_changes_like_the_event_table(services):
    record_cases(services, 1)
    services.integrity.checkpoint()
    with services.pool.connection() as conn:
        for statement in (
            "UPDATE integrity_leaves SET position = 99",
            "DELETE FROM integrity_checkpoints",
            "TRUNCATE integrity_leaves",
        ):
            with pytest.raises(Exception, match="append-only"), conn.transaction():
                conn.execute(statement)


def test_the_running_follower_signs_checkpoints_by_itself(services):
    services.integrity.every_events = 1
    services.integrity_runner.start()
    try:
        record_cases(services, 1)
        deadline = time.monotonic() + 10
        while _latest_size(services) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        services.integrity_runner.stop()
    assert _latest_size(services) == 2


def _latest_size(services: Any) -> int:
    latest = services.integrity.latest_checkpoint()
    return latest.tree_size if latest else 0
