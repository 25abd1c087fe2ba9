"""The evidence bundle as a BagIt bag (RFC 8493), built from the raw event rows: docs/evidence-bundle.md.

Every included event is written in its canonical leaf bytes with an inclusion proof against the final
checkpoint (signed after the export event, so it covers it); the earlier checkpoints that first
covered each event come with consistency proofs to the final one. The tag manifest is signed by the
supplier's key. The bag is built in a temporary folder and written out as one zip or tar.gz archive.
"""

import hashlib
import json
import re
import tarfile
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, BinaryIO, Protocol
from uuid import UUID

import structlog
from psycopg_pool import ConnectionPool

from application.errors import EvidenceUnreadable
from application.evidence_bundles import Progress, RecordedExport
from application.ports import BlobStore
from infra.integrity import IntegrityLog, StoredCheckpoint
from infra.verifier import event_leaf_bytes, leaf_hash

log = structlog.get_logger(__name__)

HERE = Path(__file__).parent
GUIDES = ("verifying.en.md", "verifying.zh-CN.md")
TOOLS = ("verify_bundle.py", "verifier.py", "timestamp_token.py")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_CHUNK = 1 << 16


class Timestamps(Protocol):
    def stamp_pending(self) -> object:
        """Ask the time-stamping authority (if one is configured) for the checkpoints not stamped yet."""
        ...

    def tokens(self, tree_sizes: list[int]) -> dict[int, bytes]:
        """RFC 3161 TimeStampTokens (DER) over the checkpoint notes of these sizes, where there are any."""
        ...


@dataclass(frozen=True)
class StoredEvent:
    """One row of the event table, as stored."""

    position: int
    stream_id: UUID
    version: int
    topic: str
    state: bytes

    def leaf_bytes(self) -> bytes:
        return event_leaf_bytes(self.position, self.stream_id, self.version, self.topic, self.state)

    def file_stem(self) -> str:
        return f"data/events/{self.stream_id}/{self.version:06d}"


class BundleIncomplete(EvidenceUnreadable):
    """The store cannot give what the bundle must hold (a missing version, proof or attachment)."""


class EvidenceBundleWriter:
    """`BundleAssembler` (application/evidence_bundles.py) over the event table, the integrity log and
    the blob store."""

    def __init__(
        self,
        pool: ConnectionPool,
        integrity: IntegrityLog,
        follow_integrity: Callable[[], object],
        blobs: BlobStore,
        timestamps: Timestamps | None = None,
    ) -> None:
        self.pool = pool
        self.integrity = integrity
        # Brings the Merkle leaves up to every event recorded so far (the integrity follower's catch-up).
        self.follow_integrity = follow_integrity
        self.blobs = blobs
        self.timestamps = timestamps

    def write(
        self, export: RecordedExport, reports: dict[str, str], out: BinaryIO, progress: Progress | None
    ) -> None:
        with tempfile.TemporaryDirectory(prefix="aftersales-bundle-") as folder:
            bag = Path(folder) / bag_name(export)
            proven = _BagBuilder(self, export, bag, progress).build(reports)
            _archive(bag, export.format, out, _after(progress, proven))
        log.info("evidence_bundle.written", case_id=str(export.case_id), bundle_id=str(export.bundle_id))


def bag_name(export: RecordedExport) -> str:
    """The bag's folder, the archive's single top folder."""
    return f"aftersales-bundle-{export.case_number}-{export.bundle_id.hex[:8]}"


def archive_name(export: RecordedExport) -> str:
    return f"{bag_name(export)}.{export.format}"


class _BagBuilder:
    """Fills one bag folder; `payload` remembers each payload file's SHA-256 for the manifest."""

    def __init__(
        self, writer: EvidenceBundleWriter, export: RecordedExport, bag: Path, progress: Progress | None
    ) -> None:
        self.writer = writer
        self.integrity = writer.integrity
        self.export = export
        self.bag = bag
        self.progress = progress
        self.payload: dict[str, tuple[str, int]] = {}  # path in the bag -> (sha256 hex, size)

    def build(self, reports: dict[str, str]) -> int:
        """Write every file of the bag; returns how many events it holds."""
        events = self._events()
        final = self._final_checkpoint()
        earlier = self._events_with_proofs(events, final)
        self._checkpoints(earlier, final)
        self._attachments(events)
        self._json("data/keys/keys.json", self.integrity.key_history_document())
        self._json("data/custody.json", self._custody(events[self.export.case_id][-1]))
        for name, html in reports.items():
            self._bytes(f"data/report/{name}", html.encode("utf-8"))
        self._copies(HERE / "bundle_guide", GUIDES, "data/guide")
        self._copies(HERE, TOOLS, "data/tools")
        self._tag_files()
        return sum(len(stream) for stream in events.values())

    # -- events and proofs ----------------------------------------------------------------------

    def _events(self) -> dict[UUID, list[StoredEvent]]:
        heads = {self.export.case_id: self.export.export_version, **self.export.stream_heads}
        with self.writer.pool.connection() as conn:
            found = {stream_id: _stream(conn, stream_id, head) for stream_id, head in heads.items()}
        for stream_id, events in found.items():
            if [e.version for e in events] != list(range(1, heads[stream_id] + 1)):
                raise BundleIncomplete(f"stream {stream_id} does not hold versions 1..{heads[stream_id]}")
        return found

    def _final_checkpoint(self) -> StoredCheckpoint:
        # The export event was just recorded: bring its leaf in and sign a checkpoint that covers it.
        self.writer.follow_integrity()
        final = self.integrity.checkpoint()
        if final is None:
            raise BundleIncomplete("no checkpoint could be signed")
        return final

    def _events_with_proofs(self, events: dict[UUID, list[StoredEvent]], final: StoredCheckpoint) -> set[int]:
        """Write every event and its proof; the tree sizes of the checkpoints that first covered them."""
        total = sum(len(stream) for stream in events.values())
        earlier: set[int] = set()
        done = 0
        for stream in events.values():
            for event in stream:
                leaf = event.leaf_bytes()
                proof = self.integrity.inclusion_proof(event.position, final.tree_size)
                if proof["leaf_hash"] != leaf_hash(leaf).hex():
                    raise BundleIncomplete(f"the leaf of the event at position {event.position} differs")
                self._bytes(f"{event.file_stem()}.event", leaf)
                self._json(f"{event.file_stem()}.proof.json", _inclusion(proof))
                earlier.add(self._first_covering(proof["leaf_index"]))
                done += 1
                # Each event makes two files of the archive, which moves the bar on afterwards.
                self._report(done, 3 * total)
        earlier.discard(final.tree_size)
        return earlier

    def _first_covering(self, leaf_index: int) -> int:
        first = self.integrity.checkpoints_after(leaf_index, 1)
        if not first:
            raise BundleIncomplete(f"no signed checkpoint covers leaf {leaf_index}")
        return first[0].tree_size

    def _checkpoints(self, earlier: set[int], final: StoredCheckpoint) -> None:
        self._bytes(f"data/checkpoints/{final.tree_size}.note", final.note.encode("utf-8"))
        for size in sorted(earlier):
            proof = self.integrity.consistency_proof(size, final.tree_size)
            self._bytes(f"data/checkpoints/{size}.note", proof["old_checkpoint"].encode("utf-8"))
            document = {"old_size": size, "new_size": final.tree_size, "proof": proof["proof"]}
            self._json(f"data/consistency/{size}-{final.tree_size}.json", document)
        if self.writer.timestamps is not None:
            self.writer.timestamps.stamp_pending()  # the final checkpoint was signed just now
            tokens = self.writer.timestamps.tokens([*sorted(earlier), final.tree_size])
            for size, token in sorted(tokens.items()):
                self._bytes(f"data/timestamps/{size}.tsr", token)

    # -- attachments, custody, copies -----------------------------------------------------------

    def _attachments(self, events: dict[UUID, list[StoredEvent]]) -> None:
        named = sorted({sha for stream in events.values() for e in stream for sha in attachment_hashes(e)})
        for sha256 in named:
            try:
                content = self.writer.blobs.open(sha256)
            except KeyError:
                raise BundleIncomplete(f"the attachment {sha256} is not in the blob store") from None
            path = f"data/attachments/{sha256}"
            with content:
                digest = self._copy(content, path)
            if digest != sha256:
                raise BundleIncomplete(f"the stored bytes of attachment {sha256} no longer hash to it")

    def _custody(self, export_event: StoredEvent) -> dict[str, Any]:
        export = self.export
        return {
            "bundle_id": str(export.bundle_id),
            "case_id": str(export.case_id),
            "case_number": export.case_number,
            "exported_by": {"user_id": export.exported_by.user_id, "role": export.exported_by.role.value},
            "exported_at": _stored_time(export_event, "occurred_at") or export.exported_at.isoformat(),
            "purpose": export.purpose,
            "legal_matter": export.legal_matter,
            "export_event": {
                "stream_id": str(export_event.stream_id),
                "version": export_event.version,
                "position": export_event.position,
            },
            "format": export.format,
            "software": f"aftersales-ledger {_software_version()}",
        }

    def _copies(self, folder: Path, names: tuple[str, ...], into: str) -> None:
        # The guide and the verifier's copy are written by others; a release without them still exports.
        for name in names:
            source = folder / name
            if source.is_file():
                self._bytes(f"{into}/{name}", source.read_bytes())

    # -- the bag's tag files ----------------------------------------------------------------------

    def _tag_files(self) -> None:
        manifest = "".join(f"{sha}  {path}\n" for path, (sha, _) in sorted(self.payload.items()))
        octets = sum(size for _, size in self.payload.values())
        self._tag("bagit.txt", "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
        self._tag("bag-info.txt", self._bag_info(f"{octets}.{len(self.payload)}"))
        self._tag("manifest-sha256.txt", manifest)
        names = ("bagit.txt", "bag-info.txt", "manifest-sha256.txt")
        tag_manifest = "".join(f"{_sha256_file(self.bag / n)}  {n}\n" for n in names)
        self._tag("tagmanifest-sha256.txt", tag_manifest)
        self._tag("tagmanifest-sha256.txt.sig", self._signature(tag_manifest))

    def _bag_info(self, oxum: str) -> str:
        export = self.export
        fields = {
            "Source-Organization": self.integrity.origin,
            "Bagging-Date": datetime.now(UTC).date().isoformat(),
            "External-Identifier": str(export.bundle_id),
            "External-Description": f"Evidence bundle of after-sales case {export.case_number}",
            "Bag-Software-Agent": f"aftersales-ledger {_software_version()}",
            "Aftersales-Bundle-Id": str(export.bundle_id),
            "Aftersales-Case-Id": str(export.case_id),
            "Aftersales-Case-Number": export.case_number,
            "Aftersales-Head-Version": str(export.head_version),
            "Aftersales-Purpose": export.purpose,
            "Aftersales-Legal-Matter": export.legal_matter,
            "Aftersales-Origin": self.integrity.origin,
            "Payload-Oxum": oxum,
        }
        return "".join(f"{label}: {_one_line(value)}\n" for label, value in fields.items())

    def _signature(self, tag_manifest: str) -> str:
        export = self.export
        body = (
            "aftersales-evidence-bundle/v1\n"
            f"{self.integrity.origin}\n"
            f"bundle {export.bundle_id}\n"
            f"case {export.case_id}\n"
            f"head {export.head_version}\n"
            f"tagmanifest-sha256 {hashlib.sha256(tag_manifest.encode('utf-8')).hexdigest()}\n"
        )
        return self.integrity.key.sign_note(body, self.integrity.origin)

    # -- writing files --------------------------------------------------------------------------

    def _json(self, path: str, document: Any) -> None:
        self._bytes(path, (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))

    def _bytes(self, path: str, content: bytes) -> None:
        target = self._target(path)
        target.write_bytes(content)
        self.payload[path] = (hashlib.sha256(content).hexdigest(), len(content))

    def _copy(self, content: BinaryIO, path: str) -> str:
        digest, size = hashlib.sha256(), 0
        with open(self._target(path), "wb") as target:
            for chunk in iter(lambda: content.read(_CHUNK), b""):
                digest.update(chunk)
                target.write(chunk)
                size += len(chunk)
        self.payload[path] = (digest.hexdigest(), size)
        return digest.hexdigest()

    def _tag(self, name: str, text: str) -> None:
        self._target(name).write_text(text, encoding="utf-8", newline="\n")

    def _target(self, path: str) -> Path:
        target = self.bag / path
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def _report(self, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(done, total)


# -- reading the store --------------------------------------------------------------------------


def _stream(conn: Any, stream_id: UUID, head: int) -> list[StoredEvent]:
    rows = conn.execute(
        "SELECT notification_id, originator_id, originator_version, topic, state FROM ledger_events "
        "WHERE originator_id = %s AND originator_version <= %s ORDER BY originator_version",
        (stream_id, head),
    ).fetchall()
    return [StoredEvent(int(p), UUID(str(s)), int(v), t, bytes(state)) for p, s, v, t, state in rows]


def attachment_hashes(event: StoredEvent) -> Iterator[str]:
    """Every value of a key ending in `sha256` that is 64 lower-case hex, anywhere in the state."""
    yield from _hashes_in(json.loads(event.state))


def _hashes_in(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key.endswith("sha256") and isinstance(item, str) and _SHA256.fullmatch(item):
                yield item
            else:
                yield from _hashes_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from _hashes_in(item)


def _stored_time(event: StoredEvent, key: str) -> str | None:
    """A time of the stored state as the transcoder wrote it (`{"_type_": ..., "_data_": iso}`)."""
    stored = json.loads(event.state).get(key)
    if isinstance(stored, dict):
        stored = stored.get("_data_")
    return stored if isinstance(stored, str) else None


def _inclusion(proof: dict[str, Any]) -> dict[str, Any]:
    return {key: proof[key] for key in ("leaf_index", "tree_size", "leaf_hash", "audit_path")}


def _software_version() -> str:
    try:
        return version("aftersales-ledger")
    except PackageNotFoundError:
        return "unknown"


def _one_line(value: str) -> str:
    # A bag-info value is one line; a line break would start a continuation the reader may fold.
    return " ".join(value.split())


def _sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- the archive --------------------------------------------------------------------------------


def _archive(bag: Path, bundle_format: str, out: BinaryIO, progress: Progress | None) -> None:
    files = sorted(p for p in bag.rglob("*") if p.is_file())
    top = bag.parent
    if bundle_format == "zip":
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for done, path in enumerate(files, start=1):
                archive.write(path, path.relative_to(top).as_posix())
                _moved(progress, done, len(files))
    else:
        with tarfile.open(fileobj=out, mode="w:gz") as archive:
            for done, path in enumerate(files, start=1):
                archive.add(path, path.relative_to(top).as_posix(), recursive=False)
                _moved(progress, done, len(files))


def _moved(progress: Progress | None, done: int, total: int) -> None:
    if progress is not None:
        progress(done, total)


def _after(progress: Progress | None, steps_before: int) -> Progress | None:
    """The archive's progress, continuing the bar after `steps_before` steps of proving."""
    if progress is None:
        return None
    return lambda done, total: progress(steps_before + done, steps_before + total)
