"""Tamper evidence for the event store: Merkle leaves in global order, signed checkpoints, proofs.

`IntegrityLog` is a projection (the runner calls `apply` with raw notifications): it appends each
event's RFC 9162 leaf hash to `integrity_leaves`, in notification order, in the same transaction as
its tracking position. From those leaves it signs checkpoints (C2SP tlog-checkpoint in a C2SP signed
note, Ed25519) every so many events or seconds, stores each one in `integrity_checkpoints` AND
appends it to a checkpoint log file outside the database, and answers inclusion and consistency
proofs in the JSON form `infra.verifier` checks. Checkpoints are signed by the current key of the
`KeyRing`; after a rotation, earlier checkpoints stay valid under the key that was valid for their size.
"""

import base64
import json
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import structlog
from psycopg import Connection
from psycopg_pool import ConnectionPool

from infra.merkle import MerkleTree
from infra.signing import KeyRing, SigningKey
from infra.verifier import (
    Checkpoint,
    KeyPeriod,
    NoteError,
    event_leaf_hash,
    open_checkpoint_of_history,
)

log = structlog.get_logger(__name__)

NAME = "integrity"
# The topics of a case's own events (domain/case.py); other streams are access records and grants.
CASE_TOPIC_PREFIX = "domain.case:"
# Checkpointers of every process take turns under this transaction-level advisory lock.
_CHECKPOINT_LOCK = 0x1A7E_5A1E


class ProofUnavailable(LookupError):
    """The asked-for proof cannot be given (no such event or checkpoint, or not checkpointed yet)."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class StoredCheckpoint:
    tree_size: int
    root_hash: bytes
    signed_at: datetime
    note: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "tree_size": self.tree_size,
            "root_hash": self.root_hash.hex(),
            "signed_at": self.signed_at.isoformat().replace("+00:00", "Z"),
            "note": self.note,
        }


class CheckpointFile:
    """The checkpoint log outside the database: one JSON line per signed checkpoint, append only.

    Kept beside the signing key by default, so that rolling back or rewriting the database's own
    checkpoints shows up as a difference between the two.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def append(self, checkpoint: StoredCheckpoint) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(checkpoint.as_dict(), separators=(",", ":")) + "\n"
        with open(self.path, "a", encoding="utf-8") as file:
            file.write(line)
            file.flush()
            os.fsync(file.fileno())  # a checkpoint the database commits must already be on disk here

    def notes(self) -> list[tuple[int, str | None]]:
        """(line number, signed note) for every line; None for a line that holds no note."""
        if not self.path.exists():
            return []
        found: list[tuple[int, str | None]] = []
        with open(self.path, encoding="utf-8") as file:
            for number, line in enumerate(file, start=1):
                try:
                    note = json.loads(line)["note"]
                except (ValueError, KeyError, TypeError):
                    note = None
                found.append((number, note if isinstance(note, str) else None))
        return found


class IntegrityLog:
    """Appends Merkle leaves, signs checkpoints and gives proofs; one per process."""

    name = NAME

    def __init__(
        self,
        pool: ConnectionPool,
        keys: KeyRing,
        origin: str,
        checkpoint_file: CheckpointFile,
        *,
        every_events: int,
        every_seconds: float,
    ) -> None:
        self.pool = pool
        self.keys = keys
        self.origin = origin
        self.checkpoint_file = checkpoint_file
        self.every_events = every_events
        self.every_seconds = every_seconds
        self._tree = MerkleTree()
        self._tree_lock = threading.Lock()
        self._file_reconciled = False

    @property
    def key(self) -> SigningKey:
        """The key that signs new checkpoints (the newest of the history)."""
        return self.keys.current

    @property
    def verifier_key(self) -> str:
        return self.key.verifier_key(self.origin)

    def key_history_document(self) -> dict[str, Any]:
        """The published key history (docs/evidence-bundle.md, `keys/keys.json`): which key was valid when."""
        return self.keys.history_document()

    # -- the projection: leaves in notification order ---------------------------------------

    def apply(self, conn: Connection[Any], events: Sequence[tuple[int, Any]]) -> None:
        if not events:
            return
        row = conn.execute("SELECT coalesce(max(leaf_index) + 1, 0) FROM integrity_leaves").fetchone()
        first = int(row[0])  # type: ignore[index]
        positions = [position for position, _ in events]
        hashes = [
            event_leaf_hash(position, n.originator_id, n.originator_version, n.topic, n.state)
            for position, n in events
        ]
        conn.execute(
            "INSERT INTO integrity_leaves (leaf_index, position, leaf_hash) "
            "SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::bytea[])",
            (list(range(first, first + len(events))), positions, hashes),
        )

    def clear(self, conn: Connection[Any]) -> None:
        raise RuntimeError("the integrity leaves are append-only and never rebuilt")

    # -- checkpoints ------------------------------------------------------------------------

    def checkpoint_if_due(self) -> StoredCheckpoint | None:
        """Sign a checkpoint if enough events or time have passed since the last one."""
        with self.pool.connection() as conn:
            size = _leaf_count(conn)
            last = _latest_checkpoint(conn)
        if not self._due(size, last):
            return None
        return self.checkpoint()

    def _due(self, size: int, last: StoredCheckpoint | None) -> bool:
        last_size = last.tree_size if last else 0
        if size <= last_size:
            return False
        if size - last_size >= self.every_events or last is None:
            return True
        age = (datetime.now(UTC) - last.signed_at).total_seconds()
        return age >= self.every_seconds

    def checkpoint(self) -> StoredCheckpoint | None:
        """Sign a checkpoint of every leaf so far (None if there are no events yet).

        If the latest checkpoint already covers every leaf, that one is returned unchanged.
        """
        with self.pool.connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_CHECKPOINT_LOCK,))
            if not self._file_reconciled:
                self._reconcile(conn)
            size = _leaf_count(conn)
            last = _latest_checkpoint(conn)
            if size == 0 or (last is not None and last.tree_size >= size):
                return last
            signed = self._sign(size, self._root(conn, size))
            conn.execute(
                "INSERT INTO integrity_checkpoints (tree_size, root_hash, signed_at, note) "
                "VALUES (%s, %s, %s, %s)",
                (signed.tree_size, signed.root_hash, signed.signed_at, signed.note),
            )
            try:
                self.checkpoint_file.append(signed)
            except BaseException:
                self._file_reconciled = False
                raise
        log.info("integrity.checkpoint", tree_size=signed.tree_size, root_hash=signed.root_hash.hex())
        return signed

    def rotate_key(self) -> SigningKey:
        """Make a new key sign every checkpoint from now on, introduced by the current one.

        It is valid from the size after the latest signed checkpoint: under the checkpoint lock, so that
        no process signs a checkpoint between reading that size and taking the new key.
        """
        with self.pool.connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_CHECKPOINT_LOCK,))
            # A checkpoint only in the checkpoint log counts as signed too.
            self._reconcile(conn)
            last = _latest_checkpoint(conn)
            first_tree_size = (last.tree_size if last else 0) + 1
            key = self.keys.rotate(first_tree_size, datetime.now(UTC))
        log.info("integrity.key_rotated", first_tree_size=first_tree_size, verifier_key=self.verifier_key)
        return key

    def _sign(self, size: int, root: bytes) -> StoredCheckpoint:
        now = datetime.now(UTC).replace(microsecond=0)
        note = self.key.sign_checkpoint(Checkpoint(self.origin, size, root, now))
        return StoredCheckpoint(size, root, now, note)

    def _reconcile(self, conn: Connection[Any]) -> None:
        """Put back into the database the checkpoints its transaction lost after the file got them.

        The file is written just before the database commits; a crash in between leaves a checkpoint
        only in the file. It is ours if our key signed it and its root is the tree's root at its size.
        """
        stored = {c.tree_size for c in _checkpoints(conn)}
        size = _leaf_count(conn)
        periods = self.keys.periods()
        for _, note in self.checkpoint_file.notes():
            checkpoint = _own_checkpoint(note, periods)
            if checkpoint is None or checkpoint.size in stored or checkpoint.size > size:
                continue
            if checkpoint.root_hash != self._root(conn, checkpoint.size):
                continue
            assert note is not None and checkpoint.time is not None
            conn.execute(
                "INSERT INTO integrity_checkpoints (tree_size, root_hash, signed_at, note) "
                "VALUES (%s, %s, %s, %s)",
                (checkpoint.size, checkpoint.root_hash, checkpoint.time, note),
            )
            stored.add(checkpoint.size)
            log.warning("integrity.checkpoint_restored_from_file", tree_size=checkpoint.size)
        self._file_reconciled = True

    def latest_checkpoint(self) -> StoredCheckpoint | None:
        with self.pool.connection() as conn:
            return _latest_checkpoint(conn)

    def checkpoints(self) -> list[StoredCheckpoint]:
        with self.pool.connection() as conn:
            return _checkpoints(conn)

    def checkpoints_after(self, tree_size: int, limit: int) -> list[StoredCheckpoint]:
        with self.pool.connection() as conn:
            rows = conn.execute(
                f"{_CHECKPOINT_COLUMNS} WHERE tree_size > %s ORDER BY tree_size LIMIT %s",
                (tree_size, limit),
            ).fetchall()
        return [_stored(row) for row in rows]

    def checkpoint_of_size(self, conn: Connection[Any], tree_size: int | None) -> StoredCheckpoint:
        found = _latest_checkpoint(conn) if tree_size is None else _checkpoint_of_size(conn, tree_size)
        if found is None:
            if tree_size is None:
                raise ProofUnavailable("no checkpoint has been signed yet", field="tree_size")
            raise ProofUnavailable(f"no checkpoint of tree size {tree_size}", field="tree_size")
        return found

    # -- proofs -----------------------------------------------------------------------------

    def inclusion_proof(self, position: int, tree_size: int | None = None) -> dict[str, Any]:
        """That the event at `position` is in a checkpoint (the latest, or the one of `tree_size`)."""
        with self.pool.connection() as conn:
            checkpoint = self.checkpoint_of_size(conn, tree_size)
            index = _leaf_index(conn, position)
            if index is None or index >= checkpoint.tree_size:
                raise ProofUnavailable(
                    f"the event at position {position} is not in the checkpoint of size "
                    f"{checkpoint.tree_size} (yet)",
                    field="position",
                )
            event = _raw_event(conn, position)
            path = self._inclusion_path(conn, index, checkpoint.tree_size)
        return {
            "type": "inclusion",
            "checkpoint": checkpoint.note,
            "leaf_index": index,
            "tree_size": checkpoint.tree_size,
            "event": event,
            "leaf_hash": self._tree.leaf(index).hex(),
            "audit_path": [h.hex() for h in path],
        }

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> dict[str, Any]:
        """That the checkpoint of `new_size` (default: the latest) extends the one of `old_size`."""
        with self.pool.connection() as conn:
            old = self.checkpoint_of_size(conn, old_size)
            new = self.checkpoint_of_size(conn, new_size)
            if old.tree_size > new.tree_size:
                raise ProofUnavailable("old_size must not be larger than new_size", field="old_size")
            self._sync(conn, new.tree_size)
        with self._tree_lock:
            proof = self._tree.consistency_proof(old.tree_size, new.tree_size)
        return {
            "type": "consistency",
            "old_checkpoint": old.note,
            "new_checkpoint": new.note,
            "old_size": old.tree_size,
            "new_size": new.tree_size,
            "proof": [h.hex() for h in proof],
        }

    def case_proofs(self, case_id: UUID) -> tuple[StoredCheckpoint | None, dict[int, "EventProof"]]:
        """Proofs that each event of a case is in the latest checkpoint, by the event's version.

        Events recorded after the latest checkpoint have no proof yet and are left out.
        """
        with self.pool.connection() as conn:
            checkpoint = _latest_checkpoint(conn)
            if checkpoint is None:
                return None, {}
            rows = conn.execute(
                "SELECT e.originator_version, e.notification_id, l.leaf_index "
                "FROM ledger_events e JOIN integrity_leaves l ON l.position = e.notification_id "
                "WHERE e.originator_id = %s AND l.leaf_index < %s ORDER BY e.originator_version",
                (case_id, checkpoint.tree_size),
            ).fetchall()
            self._sync(conn, checkpoint.tree_size)
        proofs = {}
        with self._tree_lock:
            for version, position, index in rows:
                path = self._tree.inclusion_proof(index, checkpoint.tree_size)
                proofs[version] = EventProof(position, index, self._tree.leaf(index), path)
        return checkpoint, proofs

    def _inclusion_path(self, conn: Connection[Any], index: int, size: int) -> list[bytes]:
        self._sync(conn, size)
        with self._tree_lock:
            return self._tree.inclusion_proof(index, size)

    def _root(self, conn: Connection[Any], size: int) -> bytes:
        self._sync(conn, size)
        with self._tree_lock:
            return self._tree.root(size)

    def _sync(self, conn: Connection[Any], size: int) -> None:
        """Bring the in-memory tree (a cache of `integrity_leaves`) up to `size` leaves."""
        with self._tree_lock:
            if self._tree.size >= size:
                return
            rows = conn.execute(
                "SELECT leaf_hash FROM integrity_leaves WHERE leaf_index >= %s AND leaf_index < %s "
                "ORDER BY leaf_index",
                (self._tree.size, size),
                binary=True,
            ).fetchall()
            self._tree.extend(bytes(row[0]) for row in rows)


def _own_checkpoint(note: str | None, periods: list[KeyPeriod]) -> Checkpoint | None:
    """The checkpoint in a note, if a key of ours signed it while that key was valid for its size."""
    if note is None:
        return None
    try:
        return open_checkpoint_of_history(note, periods)
    except NoteError:
        return None


def proven_cases(document: dict[str, Any]) -> list[UUID]:
    """The case an inclusion proof shows an event of (none if the event is not a case's)."""
    event = document.get("event") or {}
    return [UUID(event["stream_id"])] if event.get("topic", "").startswith(CASE_TOPIC_PREFIX) else []


@dataclass(frozen=True)
class EventProof:
    position: int
    leaf_index: int
    leaf_hash: bytes
    audit_path: list[bytes]


# -- reading the tables ------------------------------------------------------------------------


def _leaf_count(conn: Connection[Any]) -> int:
    row = conn.execute("SELECT coalesce(max(leaf_index) + 1, 0) FROM integrity_leaves").fetchone()
    return int(row[0])  # type: ignore[index]


def _leaf_index(conn: Connection[Any], position: int) -> int | None:
    row = conn.execute("SELECT leaf_index FROM integrity_leaves WHERE position = %s", (position,)).fetchone()
    return int(row[0]) if row else None


_CHECKPOINT_COLUMNS = "SELECT tree_size, root_hash, signed_at, note FROM integrity_checkpoints"


def _stored(row: Any) -> StoredCheckpoint:
    return StoredCheckpoint(int(row[0]), bytes(row[1]), row[2], row[3])


def _latest_checkpoint(conn: Connection[Any]) -> StoredCheckpoint | None:
    row = conn.execute(f"{_CHECKPOINT_COLUMNS} ORDER BY tree_size DESC LIMIT 1").fetchone()
    return _stored(row) if row else None


def _checkpoint_of_size(conn: Connection[Any], size: int) -> StoredCheckpoint | None:
    row = conn.execute(f"{_CHECKPOINT_COLUMNS} WHERE tree_size = %s", (size,)).fetchone()
    return _stored(row) if row else None


def _checkpoints(conn: Connection[Any]) -> list[StoredCheckpoint]:
    rows = conn.execute(f"{_CHECKPOINT_COLUMNS} ORDER BY tree_size").fetchall()
    return [_stored(row) for row in rows]


def _raw_event(conn: Connection[Any], position: int) -> dict[str, Any]:
    row = conn.execute(
        "SELECT originator_id, originator_version, topic, state FROM ledger_events "
        "WHERE notification_id = %s",
        (position,),
    ).fetchone()
    if row is None:
        raise ProofUnavailable(f"no event at position {position}", field="position")
    stream_id, version, topic, state = row
    return {
        "position": position,
        "stream_id": str(stream_id),
        "version": version,
        "topic": topic,
        "state": base64.b64encode(bytes(state)).decode("ascii"),
    }
