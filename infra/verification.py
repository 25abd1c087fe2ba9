"""`aftersales verify`: recompute the tamper evidence from the raw rows and name where it breaks.

Nothing stored is taken on trust. Every leaf is recomputed from the raw event rows; every
checkpoint's signature is checked against the public key from outside the database (after a key
rotation: the key the verified key history makes valid for its size); the roots of
the recomputed tree must equal every signed root; consecutive checkpoints must be consistent; the
database's checkpoints and the checkpoint log file must agree; no two checkpoints of one size may
disagree. The leaves the integrity follower stored are used only to say WHICH event differs from
what was checkpointed, and how (changed, missing, inserted, moved). Every evidence blob must still
hash to its name, and every blob an `EvidenceAttached` event names must be there.
"""

import itertools
import json
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import psycopg

from application.ports import BlobStore
from infra.integrity import CheckpointFile
from infra.merkle import MerkleTree
from infra.verifier import (
    Checkpoint,
    KeyPeriod,
    NoteError,
    key_periods,
    open_checkpoint_of_history,
    parse_verifier_key,
    raw_event_leaf_hash,
    verify_consistency,
)

FETCH_ROWS = 20_000
# Moved events are looked for among this many changed ones; past that, each is only "changed".
MAX_MOVES_TRIED = 100
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Finding:
    """One thing wrong; `position` is the first event position it concerns, if it concerns one."""

    position: int | None
    problem: str

    def __str__(self) -> str:
        where = f"position {self.position}: " if self.position is not None else ""
        return f"{where}{self.problem}"


@dataclass
class Report:
    events: int = 0
    checkpoints: int = 0
    attachments: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    def ordered(self) -> list[Finding]:
        """Findings by position, the first bad position first; those tied to no event last."""
        return sorted(self.findings, key=lambda f: (f.position is None, f.position or 0))


@dataclass(frozen=True)
class _Signed:
    checkpoint: Checkpoint
    source: str  # where it was found, for messages


def verify(
    conninfo: str,
    key: str,
    checkpoint_file: CheckpointFile,
    progress: Progress | None = None,
    key_history: dict[str, Any] | None = None,
) -> Report:
    """Check everything against `key`, or, given the published key history, against the key valid for
    each checkpoint's size, trust flowing from `key` (a key of that history) through its statements."""
    report = Report()
    keys = _trusted_keys(key, key_history, report)
    with psycopg.connect(conninfo) as conn:
        # One snapshot for every query: checkpoints, leaves and events all as of one moment.
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        signed = _signed_checkpoints(conn, keys, checkpoint_file, report)
        tree, positions = _recompute(conn, report, progress)
    _check_roots(signed, tree, positions, report)
    _check_chain(signed, tree, report)
    return report


# -- keys: which key signs which checkpoints ----------------------------------------------------


def _trusted_keys(key: str, key_history: dict[str, Any] | None, report: Report) -> list[KeyPeriod]:
    """The keys valid for each tree size: the history's, if it verifies and holds `key`; else `key` alone.

    Any key of a verified history will do as the trusted one: each rotation statement is signed by both
    its keys, so trust flows from it forwards and backwards along the chain.
    """
    alone = [KeyPeriod(key, parse_verifier_key(key), 0, None)]
    if key_history is None:
        return alone
    try:
        periods = key_periods(key_history)
    except NoteError as error:
        report.findings.append(Finding(None, f"the key history does not verify: {error}"))
        return alone
    if alone[0].key not in {period.key for period in periods}:
        report.findings.append(Finding(None, f"the key history does not hold the trusted key {key}"))
        return alone
    return periods


# -- checkpoints: signatures, forks, the two copies --------------------------------------------


def _signed_checkpoints(
    conn: psycopg.Connection[Any], keys: list[KeyPeriod], checkpoint_file: CheckpointFile, report: Report
) -> list[_Signed]:
    in_database = _database_checkpoints(conn, keys, report)
    in_file = _file_checkpoints(checkpoint_file, keys, report)
    report.checkpoints = len(in_database)
    _compare_copies(in_database, in_file, report)
    everything = in_database + in_file
    _check_forks(everything, report)
    return everything


def _database_checkpoints(
    conn: psycopg.Connection[Any], keys: list[KeyPeriod], report: Report
) -> list[_Signed]:
    rows = conn.execute(
        "SELECT tree_size, root_hash, note FROM integrity_checkpoints ORDER BY tree_size"
    ).fetchall()
    found = []
    for tree_size, root_hash, note in rows:
        source = f"database checkpoint of size {tree_size}"
        checkpoint = _opened(note, keys, source, report)
        if checkpoint is None:
            continue
        if checkpoint.size != tree_size or checkpoint.root_hash != bytes(root_hash):
            report.findings.append(Finding(None, f"{source}: its columns differ from its signed note"))
        found.append(_Signed(checkpoint, source))
    return found


def _file_checkpoints(
    checkpoint_file: CheckpointFile, keys: list[KeyPeriod], report: Report
) -> list[_Signed]:
    found = []
    for line, note in checkpoint_file.notes():
        source = f"checkpoint log {checkpoint_file.path} line {line}"
        if note is None:
            report.findings.append(Finding(None, f"{source}: not a checkpoint entry"))
            continue
        checkpoint = _opened(note, keys, source, report)
        if checkpoint is not None:
            found.append(_Signed(checkpoint, source))
    return found


def _opened(note: str, keys: list[KeyPeriod], source: str, report: Report) -> Checkpoint | None:
    try:
        return open_checkpoint_of_history(note, keys)
    except NoteError as error:
        report.findings.append(Finding(None, f"{source}: bad signature or format: {error}"))
        return None


def _compare_copies(in_database: list[_Signed], in_file: list[_Signed], report: Report) -> None:
    database_sizes = {s.checkpoint.size for s in in_database}
    file_sizes = {s.checkpoint.size for s in in_file}
    for size in sorted(file_sizes - database_sizes):
        report.findings.append(
            Finding(
                None,
                f"the checkpoint of size {size} is in the checkpoint log but not in the database: "
                "the database's checkpoints were rolled back or rewritten",
            )
        )
    for size in sorted(database_sizes - file_sizes):
        report.findings.append(
            Finding(
                None,
                f"the checkpoint of size {size} is in the database but not in the checkpoint log: "
                "it was not written by the checkpointer, or the log was replaced",
            )
        )


def _check_forks(signed: list[_Signed], report: Report) -> None:
    by_size: dict[int, _Signed] = {}
    for entry in signed:
        first = by_size.setdefault(entry.checkpoint.size, entry)
        if first.checkpoint.root_hash != entry.checkpoint.root_hash:
            report.findings.append(
                Finding(
                    None,
                    f"forked history: two signed checkpoints of size {entry.checkpoint.size} have different "
                    f"roots ({first.source}: {first.checkpoint.root_hash.hex()}, "
                    f"{entry.source}: {entry.checkpoint.root_hash.hex()})",
                )
            )


# -- events: recompute every leaf, compare with the leaves checkpointed -------------------------


@dataclass(frozen=True)
class _Mismatch:
    """A row whose leaf differs from the leaf checkpointed at its position."""

    position: int
    stream_id: bytes
    version: int
    topic: bytes
    state: bytes
    checkpointed: bytes  # the leaf stored for this position


def _recompute(
    conn: psycopg.Connection[Any], report: Report, progress: Progress | None
) -> tuple[MerkleTree, list[int]]:
    """The tree of the raw rows as they are now, and each leaf's position."""
    total = conn.execute("SELECT count(*) FROM ledger_events").fetchone()[0]  # type: ignore[index]
    stored = _stored_leaves(conn)
    leaves: list[bytes] = []
    positions: list[int] = []
    mismatches: list[_Mismatch] = []
    expected = next(stored, None)
    for position, stream_id, version, topic, state in _rows(conn, "events"):
        leaf = raw_event_leaf_hash(position, stream_id, version, topic, state)
        while expected is not None and expected[0] < position:
            report.findings.append(Finding(expected[0], "the event checkpointed here is missing (deleted)"))
            expected = next(stored, None)
        if expected is not None and expected[0] == position:
            if expected[1] != leaf:
                mismatches.append(_Mismatch(position, stream_id, version, topic, state, expected[1]))
            expected = next(stored, None)
        elif expected is not None:
            report.findings.append(
                Finding(
                    position,
                    f"this event ({UUID(bytes=stream_id)} v{version}) was not here when checkpointed "
                    "(inserted)",
                )
            )
        leaves.append(leaf)
        positions.append(position)
        if progress and len(positions) % FETCH_ROWS == 0:
            progress(len(positions), total)
    if expected is not None:
        report.findings.append(
            Finding(expected[0], "the events checkpointed from here on are missing (the tail was truncated)")
        )
    report.findings.extend(_explained(mismatches))
    report.events = len(positions)
    if progress:
        progress(len(positions), max(total, len(positions)))
    return MerkleTree(leaves), positions


def _explained(mismatches: list[_Mismatch]) -> Iterator[Finding]:
    """Changed, or moved: an event that hashes to the leaf checkpointed at another bad position was moved."""
    for row in mismatches:
        moved_from = next(
            (
                other.position
                for other in mismatches[:MAX_MOVES_TRIED]
                if other is not row
                and raw_event_leaf_hash(other.position, row.stream_id, row.version, row.topic, row.state)
                == other.checkpointed
            ),
            None,
        )
        event = f"the event ({UUID(bytes=row.stream_id)} v{row.version})"
        if moved_from is not None:
            yield Finding(
                row.position, f"{event} was checkpointed at position {moved_from} (events were swapped)"
            )
        else:
            yield Finding(
                row.position, f"{event} differs from the one checkpointed here (its bytes were changed)"
            )


def _stored_leaves(conn: psycopg.Connection[Any]) -> Iterator[tuple[int, bytes]]:
    for position, leaf in _rows(conn, "leaves"):
        yield position, bytes(leaf)


_QUERIES = {
    # The stream id and topic come as their bytes, exactly what the leaf layout holds: no UUID or str
    # objects to build and take apart again for every row.
    "events": "SELECT notification_id, uuid_send(originator_id), originator_version, "
    "convert_to(topic, 'UTF8'), state FROM ledger_events ORDER BY notification_id",
    "leaves": "SELECT position, leaf_hash FROM integrity_leaves ORDER BY leaf_index",
}


def _rows(conn: psycopg.Connection[Any], what: str) -> Iterator[tuple[Any, ...]]:
    """The rows of a query, streamed by a server-side cursor, the next batch fetched while this one is used.

    Binary results skip hex parsing; a batch at a time costs far less than a row at a time; and the
    fetch waits on the server while the caller hashes, so the two overlap.
    """
    with conn.cursor(name=f"verify_{what}", binary=True) as cursor:
        cursor.execute(_QUERIES[what])
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"verify-{what}") as fetcher:
            ahead = fetcher.submit(cursor.fetchmany, FETCH_ROWS)
            while batch := ahead.result():
                ahead = fetcher.submit(cursor.fetchmany, FETCH_ROWS)
                yield from batch


# -- roots and the chain of checkpoints ----------------------------------------------------------


def _check_roots(signed: list[_Signed], tree: MerkleTree, positions: list[int], report: Report) -> None:
    for entry in sorted(signed, key=lambda s: s.checkpoint.size):
        size = entry.checkpoint.size
        if size > tree.size:
            report.findings.append(
                Finding(
                    None,
                    f"{entry.source} covers {size} events but only {tree.size} remain "
                    "(events were deleted or the tail was truncated)",
                )
            )
        elif tree.root(size) != entry.checkpoint.root_hash:
            report.findings.append(
                Finding(
                    _first_in(report, positions[size - 1]),
                    f"{entry.source}: the events up to position {positions[size - 1]} do not hash to its "
                    "signed root",
                )
            )


def _first_in(report: Report, last_position: int) -> int | None:
    """The first event already named as bad within the checkpoint, if any."""
    named = [f.position for f in report.findings if f.position is not None and f.position <= last_position]
    return min(named) if named else None


def _check_chain(signed: list[_Signed], tree: MerkleTree, report: Report) -> None:
    """Each checkpoint must extend the one before it, by a consistency proof over the recomputed tree."""
    chain = sorted({s.checkpoint.size: s for s in signed}.values(), key=lambda s: s.checkpoint.size)
    for older, newer in itertools.pairwise(chain):
        if newer.checkpoint.size > tree.size:
            return
        proof = tree.consistency_proof(older.checkpoint.size, newer.checkpoint.size)
        if not verify_consistency(
            older.checkpoint.size,
            newer.checkpoint.size,
            older.checkpoint.root_hash,
            newer.checkpoint.root_hash,
            proof,
        ):
            report.findings.append(
                Finding(None, f"{newer.source} does not extend {older.source} (no consistency proof holds)")
            )


# -- evidence: the bytes every attachment's event names ------------------------------------------


@dataclass(frozen=True)
class _Reference:
    """An `EvidenceAttached` event: where it is, and which attachment of which case it records."""

    position: int
    case_id: UUID
    attachment_id: str

    def __str__(self) -> str:
        return f"attachment {self.attachment_id} of case {self.case_id}"


def check_attachments(conninfo: str, blobs: BlobStore, report: Report) -> None:
    """Every stored blob still hashes to its name, and every blob an event names is stored.

    The events themselves are proven by the Merkle tree; as each carries its blob's SHA-256, a blob whose
    bytes still hash to that name is the blob that was attached.
    """
    referenced = _references(conninfo)
    report.attachments = sum(len(found) for found in referenced.values())
    for sha256 in blobs.corrupted():
        for reference in referenced.get(sha256, []):
            report.findings.append(
                Finding(
                    reference.position,
                    f"{reference}: its stored bytes no longer hash to {sha256} (swapped or changed)",
                )
            )
        if sha256 not in referenced:
            report.findings.append(Finding(None, f"the stored blob {sha256} no longer hashes to its name"))
    for sha256, references in referenced.items():
        if not blobs.exists(sha256):
            for reference in references:
                report.findings.append(
                    Finding(reference.position, f"{reference}: its bytes {sha256} are missing from the store")
                )


def _references(conninfo: str) -> dict[str, list[_Reference]]:
    found: dict[str, list[_Reference]] = {}
    with psycopg.connect(conninfo) as conn:
        rows = conn.execute(
            "SELECT notification_id, originator_id, state FROM ledger_events"
            " WHERE topic LIKE '%.EvidenceAttached' ORDER BY notification_id"
        )
        for position, case_id, state in rows:
            # The stored JSON as the transcoder wrote it: a hash is a plain string, a UUID a tagged hex one.
            recorded = json.loads(bytes(state))
            attachment_id = recorded["attachment_id"]["_data_"]
            found.setdefault(recorded["sha256"], []).append(
                _Reference(position, case_id, str(UUID(hex=attachment_id)))
            )
    return found
