"""Signing-key rotation on real PostgreSQL: a new key signs new checkpoints, old ones stay verifiable.

Each test records 4 events, signs a checkpoint of size 4 with the first key, rotates (the new key is
valid from size 5), records 4 more events and signs a checkpoint of size 8 with the new key.
"""

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from infra.integrity import StoredCheckpoint
from infra.signing import KeyRing, SigningKey
from infra.verification import verify
from infra.verifier import (
    Checkpoint,
    NoteError,
    check_document,
    check_document_of_history,
    key_period_for,
    key_periods,
    open_checkpoint,
    open_note,
    rotation_statement,
)
from tests.integration.test_integrity import record_cases


@pytest.fixture
def rotated(services: Any) -> Any:
    record_cases(services, 2)
    services.first_key = services.integrity.verifier_key
    services.integrity.checkpoint()
    services.integrity.rotate_key()
    record_cases(services, 2)
    services.integrity.checkpoint()
    return services


def verified(services: Any, key: str) -> Any:
    integrity = services.integrity
    return verify(
        services.database_url, key, integrity.checkpoint_file, key_history=integrity.key_history_document()
    )


def test_the_new_key_signs_new_checkpoints_and_the_old_ones_keep_the_old_key(rotated):
    old, new = rotated.integrity.checkpoints()
    second_key = rotated.integrity.verifier_key
    assert second_key != rotated.first_key
    assert open_checkpoint(old.note, rotated.first_key).size == 4
    assert open_checkpoint(new.note, second_key).size == 8
    with pytest.raises(NoteError):
        open_checkpoint(new.note, rotated.first_key)


def test_the_key_history_says_which_key_is_valid_for_which_size(rotated):
    history = rotated.integrity.key_history_document()
    first, second = history["keys"]
    assert history["origin"] == rotated.settings.log_origin
    assert (first["verifier_key"], first["first_tree_size"], first["introduced_by"]) == (
        rotated.first_key,
        0,
        None,
    )
    assert (second["verifier_key"], second["first_tree_size"]) == (rotated.integrity.verifier_key, 5)
    assert [p.verifier_key for p in key_periods(history, rotated.first_key)] == [
        first["verifier_key"],
        second["verifier_key"],
    ]
    assert key_period_for(key_periods(history), 4).verifier_key == rotated.first_key  # type: ignore[union-attr]


def test_the_rotation_statement_is_signed_by_the_old_and_the_new_key(rotated):
    first, second = rotated.integrity.key_history_document()["keys"]
    statement = second["introduced_by"]
    expected = rotation_statement(
        rotated.settings.log_origin, first["verifier_key"], second["verifier_key"], 5
    )
    assert open_note(statement, first["verifier_key"]) == expected
    assert open_note(statement, second["verifier_key"]) == expected


def test_a_history_whose_statement_lacks_the_old_keys_signature_is_refused(rotated):
    history = rotated.integrity.key_history_document()
    body, signatures = history["keys"][1]["introduced_by"].split("\n\n")
    _, new_signature = signatures.splitlines()  # the old key's line goes
    history["keys"][1]["introduced_by"] = f"{body}\n\n{new_signature}\n"
    with pytest.raises(NoteError, match="signed by the old and the new key"):
        key_periods(history)


def test_verify_passes_with_the_first_key_and_with_the_current_one(rotated):
    for key in (rotated.first_key, rotated.integrity.verifier_key):
        report = verified(rotated, key)
        assert report.ok, report.ordered()
        assert (report.events, report.checkpoints) == (8, 2)


def test_verify_reports_a_history_that_does_not_verify(rotated):
    history = rotated.integrity.key_history_document()
    history["keys"][1]["first_tree_size"] = 9  # as if the old key had signed checkpoints longer
    integrity = rotated.integrity
    report = verify(rotated.database_url, rotated.first_key, integrity.checkpoint_file, key_history=history)
    assert "the key history does not verify: key 2's rotation statement does not name" in str(
        report.ordered()[0]
    )


def test_verify_without_the_history_cannot_open_the_old_keys_checkpoints(rotated):
    integrity = rotated.integrity
    report = verify(rotated.database_url, integrity.verifier_key, integrity.checkpoint_file)
    assert any("size 4: bad signature" in f.problem for f in report.findings), report.ordered()


def test_a_checkpoint_forged_with_the_retired_key_is_found(rotated):
    """The retired key, if it leaked, cannot sign new history: its checkpoint of size 8 is refused."""
    retired = SigningKey.load(rotated.settings.signing_key_path)  # the first key keeps its file
    latest = rotated.integrity.latest_checkpoint()
    body = Checkpoint(rotated.settings.log_origin, 8, latest.root_hash, latest.signed_at)
    forged = StoredCheckpoint(8, latest.root_hash, latest.signed_at, retired.sign_checkpoint(body))
    rotated.integrity.checkpoint_file.append(forged)
    report = verified(rotated, rotated.first_key)
    assert [f.problem for f in report.findings] == [
        f"checkpoint log {rotated.integrity.checkpoint_file.path} line 3: bad signature or format: "
        f"signed by key {rotated.first_key}, valid only for tree sizes 0 to 4, not 8 "
        "(a retired key, or one not valid yet)"
    ]


def test_inclusion_proofs_on_either_side_of_the_rotation_verify(rotated):
    periods = key_periods(rotated.integrity.key_history_document(), rotated.first_key)
    for tree_size in (4, 8):
        proof = rotated.integrity.inclusion_proof(1, tree_size)
        key = key_period_for(periods, tree_size)
        assert key is not None
        assert check_document(json.loads(json.dumps(proof)), key.verifier_key) == []


def test_a_consistency_proof_across_the_rotation_verifies_with_the_key_history(rotated):
    proof = json.loads(json.dumps(rotated.integrity.consistency_proof(4, 8)))
    periods = key_periods(rotated.integrity.key_history_document(), rotated.first_key)
    assert check_document_of_history(proof, periods) == []
    assert check_document(proof, rotated.integrity.verifier_key) != []  # one key opens only one checkpoint


def test_another_process_signs_with_the_new_key_after_the_rotation(services):
    """A second process (API server, projection worker, replica) keeps its ring: it notices the rotation."""
    other = KeyRing(services.settings.signing_key_path, services.settings.log_origin)
    record_cases(services, 1)
    services.integrity.checkpoint()
    services.integrity.rotate_key()
    assert other.current.verifier_key(services.settings.log_origin) == services.integrity.verifier_key
    assert other.history_document() == services.integrity.key_history_document()


def test_a_rotation_takes_effect_for_the_next_checkpoint_even_without_events_checkpointed(services):
    services.integrity.rotate_key()
    assert services.integrity.key_history_document()["keys"][1]["first_tree_size"] == 1
    record_cases(services, 1)
    signed = services.integrity.checkpoint()
    assert open_checkpoint(signed.note, services.integrity.verifier_key).size == 2
    assert verified(services, services.integrity.key_history_document()["keys"][0]["verifier_key"]).ok


def test_checkpoints_of_both_keys_lost_by_the_database_are_restored_from_the_log_file(rotated):
    with rotated.pool.connection() as conn:
        conn.execute("ALTER TABLE integrity_checkpoints DISABLE TRIGGER integrity_checkpoints_append_only")
        conn.execute("DELETE FROM integrity_checkpoints")  # as if the crash came between file and commit
        conn.execute("ALTER TABLE integrity_checkpoints ENABLE TRIGGER integrity_checkpoints_append_only")
    rotated.integrity._file_reconciled = False  # a fresh process
    record_cases(rotated, 1)
    rotated.integrity.checkpoint()
    assert [c.tree_size for c in rotated.integrity.checkpoints()] == [4, 8, 10]
    assert verified(rotated, rotated.first_key).ok


def test_the_valid_from_of_a_new_key_is_the_rotation_time(services):
    before = datetime.now(UTC).replace(microsecond=0)
    services.integrity.rotate_key()
    valid_from = services.integrity.key_history_document()["keys"][1]["valid_from"]
    assert datetime.fromisoformat(valid_from) >= before
