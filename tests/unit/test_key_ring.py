"""The key ring's files and the key history a third party checks: no database needed."""

import hashlib
import itertools
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from infra.signing import KeyFileError, KeyRing, SigningKey
from infra.verifier import NoteError, key_period_for, key_periods, open_note

ORIGIN = "ledger.example/audit"
AT = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


@pytest.fixture
def first_key_path(tmp_path: Path) -> Path:
    return tmp_path / "integrity" / "checkpoint-signing.key"


def test_a_single_key_history_comes_from_the_key_file(first_key_path: Path) -> None:
    ring = KeyRing.load_or_create(first_key_path, ORIGIN)

    (entry,) = ring.history_document()["keys"]

    assert entry["verifier_key"] == ring.current.verifier_key(ORIGIN)
    assert entry["fingerprint"] == hashlib.sha256(ring.current.public_key_bytes()).hexdigest()
    assert (entry["first_tree_size"], entry["introduced_by"]) == (0, None)
    assert not ring.history_path.exists()


def test_a_rotation_adds_a_key_file_and_the_history_beside_the_first_key(first_key_path: Path) -> None:
    ring = KeyRing.load_or_create(first_key_path, ORIGIN)
    first = ring.current

    second = ring.rotate(7, AT)

    assert sorted(p.name for p in first_key_path.parent.iterdir()) == [
        "checkpoint-signing-2.key",
        "checkpoint-signing.key",
        "key-history.json",
    ]
    assert ring.current is second and second.public_key_bytes() != first.public_key_bytes()
    history = json.loads(ring.history_path.read_text())
    assert history == ring.history_document()
    assert history["keys"][1]["valid_from"] == "2026-11-23T10:00:00Z"
    periods = key_periods(history, first.verifier_key(ORIGIN))
    assert [(p.first_tree_size, p.end) for p in periods] == [(0, 7), (7, None)]
    assert key_period_for(periods, 6) is periods[0] and key_period_for(periods, 7) is periods[1]


def test_another_ring_on_the_same_folder_follows_every_rotation(first_key_path: Path) -> None:
    ring = KeyRing.load_or_create(first_key_path, ORIGIN)
    other = KeyRing(first_key_path, ORIGIN)

    for size in (3, 9):
        ring.rotate(size, AT)
        assert other.current.public_key_bytes() == ring.current.public_key_bytes()
    assert len(other.history_document()["keys"]) == 3


def test_a_key_file_left_by_an_unfinished_rotation_becomes_the_new_key(first_key_path: Path) -> None:
    ring = KeyRing.load_or_create(first_key_path, ORIGIN)
    left = SigningKey.load_or_create(first_key_path.with_name("checkpoint-signing-2.key"))

    assert ring.rotate(1, AT).public_key_bytes() == left.public_key_bytes()


def test_a_rotation_cannot_start_before_the_current_key(first_key_path: Path) -> None:
    ring = KeyRing.load_or_create(first_key_path, ORIGIN)
    ring.rotate(5, AT)

    with pytest.raises(ValueError, match="below the current key's 5"):
        ring.rotate(4, AT)


def test_a_retired_key_file_may_go_offline_once_the_history_is_written(first_key_path: Path) -> None:
    ring = KeyRing.load_or_create(first_key_path, ORIGIN)
    ring.rotate(5, AT)
    first_key_path.unlink()

    reopened = KeyRing.load_or_create(first_key_path, ORIGIN)

    assert reopened.current.public_key_bytes() == ring.current.public_key_bytes()
    assert not first_key_path.exists()


def test_a_history_of_another_log_is_refused(first_key_path: Path) -> None:
    KeyRing.load_or_create(first_key_path, ORIGIN).rotate(5, AT)

    with pytest.raises(KeyFileError, match="is of log"):
        KeyRing(first_key_path, "other.example/log")


def test_a_current_key_file_that_is_not_the_historys_last_key_is_refused(first_key_path: Path) -> None:
    ring = KeyRing.load_or_create(first_key_path, ORIGIN)
    ring.rotate(5, AT)
    second = first_key_path.with_name("checkpoint-signing-2.key")
    second.unlink()
    SigningKey.load_or_create(second)

    with pytest.raises(KeyFileError, match="is not the last key"):
        KeyRing(first_key_path, ORIGIN)


def _history(first_key_path: Path) -> dict[str, Any]:
    ring = KeyRing.load_or_create(first_key_path, ORIGIN)
    ring.rotate(5, AT)
    ring.rotate(9, AT)
    return ring.history_document()


def _set(index: int, field: str, value: object) -> Callable[[dict[str, Any]], None]:
    def change(history: dict[str, Any]) -> None:
        history["keys"][index][field] = value

    return change


def _swap_statements(history: dict[str, Any]) -> None:
    keys = history["keys"]
    keys[1]["introduced_by"], keys[2]["introduced_by"] = keys[2]["introduced_by"], keys[1]["introduced_by"]


@pytest.mark.parametrize(
    ("tamper", "complaint"),
    [
        (_set(0, "first_tree_size", 1), "first key must have first_tree_size 0"),
        (_set(1, "introduced_by", None), "key 2 of the history has no rotation statement"),
        (_set(1, "first_tree_size", 6), "key 2's rotation statement does not name"),
        (_set(2, "first_tree_size", 4), "key 3 of the history starts before the key it replaces"),
        (_set(1, "fingerprint", "00" * 32), "key 2 of the history has a fingerprint that is not its key's"),
        (_set(2, "valid_from", "yesterday"), "key 3 of the history has no valid_from"),
        (_swap_statements, "key 2's rotation statement must be signed by the old and the new key"),
        (lambda history: history["keys"].pop(1), "key 2's rotation statement must be signed"),
        (lambda history: history.update(origin="other.example/log"), "not the origin"),
    ],
)
def test_a_tampered_history_is_refused_naming_what_is_wrong(
    first_key_path: Path, tamper: Callable[[dict[str, Any]], None], complaint: str
) -> None:
    history = _history(first_key_path)
    tamper(history)

    with pytest.raises(NoteError, match=complaint):
        key_periods(history)


def test_a_history_must_start_with_the_trusted_key(first_key_path: Path) -> None:
    history = _history(first_key_path)
    stranger = SigningKey.load_or_create(first_key_path.with_name("stranger.key")).verifier_key(ORIGIN)

    with pytest.raises(NoteError, match="first key is not the given key"):
        key_periods(history, stranger)


def test_each_rotation_statement_opens_with_both_its_keys(first_key_path: Path) -> None:
    keys = _history(first_key_path)["keys"]
    for old, new in itertools.pairwise(keys):
        assert open_note(new["introduced_by"], old["verifier_key"]) == open_note(
            new["introduced_by"], new["verifier_key"]
        )
