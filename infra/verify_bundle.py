"""The offline verifier of evidence bundles (docs/evidence-bundle.md): what an arbitrator's expert runs.

    python -m infra.verify_bundle BAG [--key VERIFIER_KEY] [--tsa-cert-sha256 HEX]

BAG is the bag folder, or the .zip / .tar.gz it was delivered as. The checks run in the contract's order
(bag, signature, keys, checkpoints, consistency, timestamps, events, completeness, attachments, custody);
each prints one line, `ok   <check>: ...` or `FAIL <check>: <place>: <what is wrong>`, and the first
failure stops the run. Exit status: 0 verified, 1 a check failed, 2 a usage error.

Like `verifier.py` it needs only the standard library and `cryptography`: it can be copied out beside
`verifier.py` and `timestamp_token.py` and run as `python verify_bundle.py BAG`. That is also why it is
one file, longer than the project's modules usually are: the bundle ships exactly those three tools.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import stat
import struct
import sys
import tarfile
import tempfile
import uuid
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

# Inside the project these are package modules; copied out beside this file (as the bag's tools/ folder
# does) they are plain modules. Trying both keeps one file that works in either place.
try:
    from infra import verifier
except ImportError:
    import verifier  # type: ignore[no-redef]

# The timestamp module is needed only by bundles that carry timestamps: without it the other checks still
# run, and the timestamps check fails only if there are tokens to check.
_TIMESTAMP_IMPORT_ERROR = ""
try:
    from infra import timestamp_token
except ImportError:
    try:
        import timestamp_token  # type: ignore[no-redef]
    except ImportError as error:
        timestamp_token = None  # type: ignore[assignment]
        _TIMESTAMP_IMPORT_ERROR = str(error)

EXPORT_TOPIC = "domain.case:Case.EvidenceBundleExported"
SIGNATURE_HEADER = "aftersales-evidence-bundle/v1"
TAG_FILES = frozenset({"bagit.txt", "bag-info.txt", "manifest-sha256.txt"})
TOP_LEVEL = TAG_FILES | {"tagmanifest-sha256.txt", "tagmanifest-sha256.txt.sig", "data"}

_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
_MANIFEST_LINE = re.compile(r"([0-9a-fA-F]{64})[ \t]+(\S.*)")
_SIZE_NAME = re.compile(r"(0|[1-9][0-9]*)")
_VERSION_NAME = re.compile(r"[0-9]{6,}")


class Failure(Exception):
    """A check failed; the message names the place (file, stream, version) and what is wrong there."""


# --- The bag as read so far ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    """One stored event, decoded from its leaf bytes (layout v1 of infra/verifier.py)."""

    position: int
    stream_id: uuid.UUID
    version: int
    topic: str
    state: bytes

    @property
    def place(self) -> str:
        return f"{self.stream_id}/{self.version:06d}"

    def state_json(self) -> Any:
        try:
            return json.loads(self.state)
        except ValueError as error:
            raise Failure(f"{self.place}: the state is not JSON: {error}") from None


@dataclass
class Bundle:
    """The bag being verified and what the checks so far have established about it."""

    root: Path
    given_key: str | None = None
    tsa_cert_sha256: str | None = None
    info: dict[str, list[str]] = field(default_factory=dict)
    keys_document: Any = None
    periods: list[verifier.KeyPeriod] = field(default_factory=list)
    checkpoints: dict[int, verifier.Checkpoint] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def final(self) -> verifier.Checkpoint:
        return self.checkpoints[max(self.checkpoints)]

    def tag(self, label: str) -> str:
        values = self.info.get(label, [])
        if len(values) != 1:
            raise Failure(f"bag-info.txt must hold {label} once, found it {len(values)} times")
        return values[0]

    def stream(self, stream_id: uuid.UUID) -> list[Event]:
        return sorted((e for e in self.events if e.stream_id == stream_id), key=lambda e: e.version)


def read_json(path: Path, place: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise Failure(f"{place} is missing") from None
    except (OSError, ValueError) as error:
        raise Failure(f"{place} is not readable JSON: {error}") from None


def files_in(folder: Path, pattern: re.Pattern[str], suffix: str, place: str) -> dict[int, Path]:
    """The files `<number><suffix>` of a folder by number; any other entry fails."""
    found = {}
    for path in sorted(folder.iterdir()) if folder.is_dir() else []:
        stem = path.name[: -len(suffix)] if path.name.endswith(suffix) else ""
        if not path.is_file() or not pattern.fullmatch(stem):
            raise Failure(f"{place}/{path.name} is not a <number>{suffix} file")
        found[int(stem)] = path
    return found


# --- 1. bag ----------------------------------------------------------------------------------------------


def check_bag(bundle: Bundle) -> str:
    root = bundle.root
    _check_bagit_txt(root / "bagit.txt")
    for entry in sorted(root.iterdir()):
        if entry.name not in TOP_LEVEL:
            raise Failure(f"{entry.name}: not a file of this bundle format (nothing unsigned may ride along)")
        if entry.is_symlink():
            raise Failure(f"{entry.name}: a link; a bag holds only regular files and folders")
    if not (root / "data").is_dir():
        raise Failure("data/ is missing: this bag has no payload")
    tag_entries = _read_manifest(root, "tagmanifest-sha256.txt")
    if set(tag_entries) != TAG_FILES:
        raise Failure(f"tagmanifest-sha256.txt must list exactly {', '.join(sorted(TAG_FILES))}")
    _check_entries(root, tag_entries, "tagmanifest-sha256.txt")
    payload = _read_manifest(root, "manifest-sha256.txt")
    outside = sorted(path for path in payload if not path.startswith("data/"))
    if outside:
        raise Failure(f"manifest-sha256.txt: {outside[0]} is not a payload file (under data/)")
    _check_entries(root, payload, "manifest-sha256.txt")
    on_disk = set(_payload_files(root))
    unlisted = sorted(on_disk - set(payload))
    if unlisted:
        raise Failure(f"{unlisted[0]}: payload file not listed in manifest-sha256.txt")
    bundle.info = _read_bag_info(root / "bag-info.txt")
    _check_oxum(bundle.tag("Payload-Oxum"), root, on_disk)
    return f"{len(payload)} payload files match manifest-sha256.txt; tag files match tagmanifest-sha256.txt"


def _check_bagit_txt(path: Path) -> None:
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise Failure("bagit.txt is missing: this is not a bag") from None
    except UnicodeDecodeError:
        raise Failure("bagit.txt is not UTF-8") from None
    expected = "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
    if text.replace("\r\n", "\n") != expected:
        raise Failure(f"bagit.txt must read {expected!r}, found {text!r}")


def _read_manifest(root: Path, name: str) -> dict[str, str]:
    """Path (with `/`) to lower-case SHA-256 hex; malformed lines, unsafe or repeated paths fail."""
    try:
        lines = (root / name).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise Failure(f"{name} is missing") from None
    except (OSError, UnicodeDecodeError) as error:
        raise Failure(f"{name} is not readable UTF-8: {error}") from None
    entries: dict[str, str] = {}
    for number, line in enumerate(lines, start=1):
        match = _MANIFEST_LINE.fullmatch(line)
        if not match:
            raise Failure(f"{name} line {number} is not '<sha256 hex> <path>'")
        path = _decode_manifest_path(match[2])
        parts = PurePosixPath(path).parts
        if path.startswith("/") or "\\" in path or any(p in ("..", ".") for p in parts) or "//" in path:
            raise Failure(f"{name} line {number}: unsafe path {path!r}")
        if path in entries:
            raise Failure(f"{name} lists {path} twice")
        entries[path] = match[1].lower()
    return entries


def _decode_manifest_path(text: str) -> str:
    # RFC 8493 §2.1.3: CR, LF and % in a path are percent-encoded.
    return re.sub(r"%(0[aAdD]|25)", lambda m: chr(int(m[1], 16)), text)


def _check_entries(root: Path, entries: dict[str, str], manifest: str) -> None:
    for path, expected in sorted(entries.items()):
        file = root / path
        if file.is_symlink() or not file.is_file():
            raise Failure(f"{path}: listed in {manifest} but missing (or not a regular file)")
        if sha256_file(file) != expected:
            raise Failure(f"{path}: its bytes do not match its hash in {manifest}")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _payload_files(root: Path) -> Iterator[str]:
    for path in sorted((root / "data").rglob("*")):
        relative = path.relative_to(root).as_posix()
        if path.is_symlink():
            raise Failure(f"{relative}: a link; a bag holds only regular files and folders")
        if path.is_file():
            yield relative


def _read_bag_info(path: Path) -> dict[str, list[str]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise Failure(f"bag-info.txt is not readable UTF-8: {error}") from None
    info: dict[str, list[str]] = {}
    label = None
    for line in lines:
        if line[:1] in (" ", "\t") and label is not None:
            info[label][-1] += " " + line.strip()  # a folded continuation line
        elif ":" in line:
            label, value = (part.strip() for part in line.split(":", 1))
            info.setdefault(label, []).append(value)
        elif line.strip():
            raise Failure(f"bag-info.txt line {line!r} is not 'Label: value'")
    return info


def _check_oxum(oxum: str, root: Path, payload: set[str]) -> None:
    total = sum((root / path).stat().st_size for path in payload)
    if oxum != f"{total}.{len(payload)}":
        raise Failure(
            f"bag-info.txt Payload-Oxum {oxum} but the payload is {total} bytes in {len(payload)} files"
        )


# --- 2. signature, 3. keys ---------------------------------------------------------------------------------


def check_signature(bundle: Bundle) -> str:
    bundle.keys_document = read_json(bundle.data / "keys/keys.json", "data/keys/keys.json")
    try:
        export_key = bundle.keys_document["keys"][-1]["verifier_key"]
    except (KeyError, IndexError, TypeError):
        raise Failure("data/keys/keys.json lists no key to check the signature with") from None
    try:
        note = (bundle.root / "tagmanifest-sha256.txt.sig").read_text(encoding="utf-8")
    except FileNotFoundError:
        raise Failure("tagmanifest-sha256.txt.sig is missing") from None
    except (OSError, UnicodeDecodeError) as error:
        raise Failure(f"tagmanifest-sha256.txt.sig is not readable UTF-8: {error}") from None
    try:
        body = verifier.open_note(note, export_key)
    except verifier.NoteError as error:
        raise Failure(f"tagmanifest-sha256.txt.sig: {error} (the last key of keys.json)") from None
    expected = signed_statement(bundle)
    for signed, ours in zip(body.split("\n"), expected.split("\n"), strict=False):
        if signed != ours:
            raise Failure(
                f"tagmanifest-sha256.txt.sig: the signed statement says {signed!r}, this bag {ours!r}"
            )
    if body != expected:
        raise Failure("tagmanifest-sha256.txt.sig: the signed statement is not the bundle statement")
    fingerprint = _fingerprint(export_key)
    return (
        f"the tag manifest is signed by the export key {fingerprint[:16]}... for this bundle, case and head"
    )


def signed_statement(bundle: Bundle) -> str:
    """The body the supplier signs: what it says must agree with this bag's tag manifest and bag-info."""
    tag_manifest = sha256_file(bundle.root / "tagmanifest-sha256.txt")
    return (
        f"{SIGNATURE_HEADER}\n{bundle.tag('Aftersales-Origin')}\n"
        f"bundle {bundle.tag('Aftersales-Bundle-Id')}\n"
        f"case {bundle.tag('Aftersales-Case-Id')}\nhead {bundle.tag('Aftersales-Head-Version')}\n"
        f"tagmanifest-sha256 {tag_manifest}\n"
    )


def _fingerprint(key: str | verifier.KeyPeriod) -> str:
    parsed = key.key if isinstance(key, verifier.KeyPeriod) else verifier.parse_verifier_key(key)
    return hashlib.sha256(parsed.public_key).hexdigest()


def check_keys(bundle: Bundle) -> str:
    document = bundle.keys_document
    if document.get("origin") != bundle.tag("Aftersales-Origin"):
        raise Failure(
            f"data/keys/keys.json: origin {document.get('origin')!r} is not bag-info's Aftersales-Origin"
        )
    try:
        # Trust flows from the first key: the expert's --key, else the bundle's own (with a warning).
        bundle.periods = verifier.key_periods(document, bundle.given_key)
    except verifier.NoteError as error:
        raise Failure(f"data/keys/keys.json: {error}") from None
    first_fingerprint = _fingerprint(bundle.periods[0])
    if bundle.given_key is None:
        bundle.warnings.append(
            f"no --key given: the first key was taken from the bundle; compare its fingerprint "
            f"{first_fingerprint} with the one the supplier published"
        )
    rotations = ", ".join(f"at size {p.first_tree_size}" for p in bundle.periods[1:]) or "none"
    source = "the key given with --key" if bundle.given_key else f"first key {first_fingerprint[:16]}..."
    return f"{len(bundle.periods)} key(s), trust flows from {source}; rotations: {rotations}"


# --- 4. checkpoints, 5. consistency, 6. timestamps -------------------------------------------------------


def check_checkpoints(bundle: Bundle) -> str:
    notes = files_in(bundle.data / "checkpoints", _SIZE_NAME, ".note", "data/checkpoints")
    if not notes:
        raise Failure("data/checkpoints holds no checkpoint")
    for size, path in sorted(notes.items()):
        period = verifier.key_period_for(bundle.periods, size)
        if period is None:
            raise Failure(f"checkpoints/{size}.note: no key of keys.json is valid for size {size}")
        number = bundle.periods.index(period) + 1
        try:
            checkpoint = verifier.open_checkpoint(path.read_text(encoding="utf-8"), period.key)
        except (verifier.NoteError, UnicodeDecodeError) as error:
            raise Failure(
                f"checkpoints/{size}.note: {error} (key {number} is the one valid for size {size})"
            ) from None
        if checkpoint.size != size:
            raise Failure(f"checkpoints/{size}.note: the checkpoint is of size {checkpoint.size}")
        bundle.checkpoints[size] = checkpoint
    sizes = ", ".join(map(str, sorted(notes)))
    return f"{len(notes)} checkpoint(s) (sizes {sizes}) open with the key valid for their size"


def check_consistency(bundle: Bundle) -> str:
    final = bundle.final
    proofs = {f"{size}-{final.size}.json" for size in bundle.checkpoints if size < final.size}
    folder = bundle.data / "consistency"
    present = {path.name for path in folder.iterdir()} if folder.is_dir() else set()
    for name in sorted(present - proofs):
        raise Failure(f"consistency/{name}: not a proof from an included checkpoint to the final one")
    for name in sorted(proofs - present):
        raise Failure(f"consistency/{name} is missing")
    for size, old in sorted(bundle.checkpoints.items()):
        if size < final.size:
            _check_consistency_proof(folder, old, final)
    if not proofs:
        return f"only the final checkpoint (size {final.size}) is included"
    return f"{len(proofs)} earlier checkpoint(s) are consistent with the final one (size {final.size})"


def _check_consistency_proof(folder: Path, old: verifier.Checkpoint, final: verifier.Checkpoint) -> None:
    name = f"{old.size}-{final.size}"
    document = read_json(folder / f"{name}.json", f"consistency/{name}.json")
    if not isinstance(document, dict):
        raise Failure(f"consistency/{name}.json is not a JSON object")
    if document.get("old_size") != old.size or document.get("new_size") != final.size:
        raise Failure(f"consistency/{name}.json: old_size and new_size must be {old.size} and {final.size}")
    proof = _hashes(document.get("proof"), f"consistency/{name}.json: proof")
    if not verifier.verify_consistency(old.size, final.size, old.root_hash, final.root_hash, proof):
        raise Failure(
            f"consistency/{name}: the checkpoint of size {old.size} is not an earlier state of the final "
            f"tree (a forked history, or a corrupted proof)"
        )


def _hashes(values: object, place: str) -> list[bytes]:
    if not isinstance(values, list) or not all(
        isinstance(v, str) and _SHA256_HEX.fullmatch(v) for v in values
    ):
        raise Failure(f"{place} must be a list of lower-case SHA-256 hex strings")
    return [bytes.fromhex(value) for value in values]


def check_timestamps(bundle: Bundle) -> str:
    tokens = files_in(bundle.data / "timestamps", _SIZE_NAME, ".tsr", "data/timestamps")
    if not tokens:
        if bundle.tsa_cert_sha256:
            raise Failure("--tsa-cert-sha256 was given but the bundle holds no timestamps")
        return "none included"
    if timestamp_token is None:
        raise Failure(
            f"cannot check {len(tokens)} token(s): timestamp_token.py is missing ({_TIMESTAMP_IMPORT_ERROR})"
        )
    stamped = []
    for size, path in sorted(tokens.items()):
        if size not in bundle.checkpoints:
            raise Failure(f"timestamps/{size}.tsr: there is no checkpoints/{size}.note to stamp")
        note = (bundle.data / f"checkpoints/{size}.note").read_bytes()
        try:
            facts = timestamp_token.verify_token(
                path.read_bytes(), note, tsa_cert_sha256=bundle.tsa_cert_sha256
            )
        except timestamp_token.TimestampTokenError as error:
            raise Failure(f"timestamps/{size}.tsr: {error}") from None
        stamped.append(f"{size} at {facts.gen_time.isoformat().replace('+00:00', 'Z')}")
        authority = f"{facts.tsa_subject} (certificate sha256 {facts.tsa_cert_sha256})"
    return f"{len(tokens)} token(s) by {authority}: checkpoint {', '.join(stamped)}"


# --- 7. events ---------------------------------------------------------------------------------------------

_LEAF_HEAD = struct.Struct(">BQ16sQI")
_LENGTH = struct.Struct(">I")


def decode_event(leaf: bytes) -> Event:
    """The event whose leaf bytes (layout v1) these are; ValueError if they are not such bytes."""
    if len(leaf) < _LEAF_HEAD.size + _LENGTH.size:
        raise ValueError("too short for an event's leaf bytes")
    layout, position, stream_id, version, topic_length = _LEAF_HEAD.unpack_from(leaf)
    if layout != 1:
        raise ValueError(f"leaf layout {layout} is not 1")
    topic_end = _LEAF_HEAD.size + topic_length
    if topic_end + _LENGTH.size > len(leaf):
        raise ValueError("the topic runs past the end")
    (state_length,) = _LENGTH.unpack_from(leaf, topic_end)
    state = leaf[topic_end + _LENGTH.size :]
    if len(state) != state_length:
        raise ValueError(f"the state is {len(state)} bytes, its length says {state_length}")
    topic = leaf[_LEAF_HEAD.size : topic_end].decode("utf-8")
    event = Event(position, uuid.UUID(bytes=stream_id), version, topic, state)
    # Encoding again with the ledger's own function makes its layout, not this decoder, the authority.
    if verifier.event_leaf_bytes(position, event.stream_id, version, topic, state) != leaf:
        raise ValueError("the bytes are not in the canonical leaf layout")
    return event


def check_events(bundle: Bundle) -> str:
    final = bundle.final
    folder = bundle.data / "events"
    streams = sorted(folder.iterdir()) if folder.is_dir() else []
    for stream_folder in streams:
        stream_id = _stream_id(stream_folder)
        for version, path in _event_files(stream_folder).items():
            place = f"{stream_id}/{version:06d}"
            try:
                event = decode_event(path.read_bytes())
            except (ValueError, UnicodeDecodeError) as error:
                raise Failure(f"{place}: the .event bytes are not an event: {error}") from None
            if (event.stream_id, event.version) != (stream_id, version):
                raise Failure(f"{place}: its bytes are of {event.place}, not of its file name")
            _check_inclusion(path.read_bytes(), path.with_name(f"{path.name[:-6]}.proof.json"), place, final)
            bundle.events.append(event)
    if not bundle.events:
        raise Failure("data/events holds no event")
    count = f"{len(bundle.events)} events of {len(streams)} streams"
    return f"{count} are in the final checkpoint (size {final.size})"


def _stream_id(folder: Path) -> uuid.UUID:
    try:
        stream_id = uuid.UUID(folder.name)
    except ValueError:
        stream_id = None
    if not folder.is_dir() or stream_id is None or str(stream_id) != folder.name:
        raise Failure(f"events/{folder.name}: not a stream folder named by its id")
    return stream_id


def _event_files(folder: Path) -> dict[int, Path]:
    events, proofs = {}, set()
    for path in sorted(folder.iterdir()):
        stem, _, suffix = path.name.partition(".")
        if not path.is_file() or not _VERSION_NAME.fullmatch(stem) or f"{int(stem):06d}" != stem:
            raise Failure(f"events/{folder.name}/{path.name}: not a <version, 6 digits> file")
        if suffix == "event":
            events[int(stem)] = path
        elif suffix == "proof.json":
            proofs.add(int(stem))
        else:
            raise Failure(f"events/{folder.name}/{path.name}: neither an .event nor a .proof.json")
    for version in sorted(proofs ^ set(events)):
        kind = ".event" if version in proofs else ".proof.json"
        raise Failure(f"{folder.name}/{version:06d}: the {kind} file is missing")
    return dict(sorted(events.items()))


def _check_inclusion(leaf: bytes, proof_path: Path, place: str, final: verifier.Checkpoint) -> None:
    proof = read_json(proof_path, f"{place}.proof.json")
    if not isinstance(proof, dict):
        raise Failure(f"{place}.proof.json is not a JSON object")
    (stated_leaf,) = _hashes([proof.get("leaf_hash")], f"{place}.proof.json: leaf_hash")
    if verifier.leaf_hash(leaf) != stated_leaf:
        raise Failure(f"{place}: leaf hash does not match its bytes")
    if proof.get("tree_size") != final.size:
        raise Failure(
            f"{place}: the proof is for tree size {proof.get('tree_size')}, not the final {final.size}"
        )
    index = proof.get("leaf_index")
    path = _hashes(proof.get("audit_path"), f"{place}.proof.json: audit_path")
    if not isinstance(index, int) or not verifier.verify_inclusion(
        stated_leaf, index, final.size, path, final.root_hash
    ):
        raise Failure(
            f"{place}: the inclusion proof does not verify against the final checkpoint (size {final.size})"
        )


# --- 8. completeness, 9. attachments, 10. custody ---------------------------------------------------------


def check_completeness(bundle: Bundle) -> str:
    stream_ids = sorted({event.stream_id for event in bundle.events})
    for stream_id in stream_ids:
        versions = [event.version for event in bundle.stream(stream_id)]
        missing = sorted(set(range(1, versions[-1] + 1)) - set(versions))
        if missing:
            raise Failure(
                f"{stream_id}: version {missing[0]} is missing (versions 1..{versions[-1]} expected)"
            )
    export = export_event(bundle)
    statement = _head_statement(export)
    if statement["head_version"] != export.version - 1:
        raise Failure(f"{export.place}: head_version {statement['head_version']} is not {export.version - 1}")
    if str(statement["head_version"]) != bundle.tag("Aftersales-Head-Version"):
        raise Failure(f"{export.place}: head_version is not bag-info's Aftersales-Head-Version")
    if statement["bundle_id"] != bundle.tag("Aftersales-Bundle-Id"):
        raise Failure(f"{export.place}: bundle_id is not bag-info's Aftersales-Bundle-Id")
    _check_stream_heads(bundle, export, statement["stream_heads"])
    return (
        f"{len(stream_ids)} streams complete from version 1 to their stated heads; the case stream ends "
        f"with the export event at version {export.version}"
    )


def export_event(bundle: Bundle) -> Event:
    """The last event of the case's stream, which must be the export event (the head statement)."""
    case_id = bundle.tag("Aftersales-Case-Id")
    try:
        case_stream = bundle.stream(uuid.UUID(case_id))
    except ValueError:
        raise Failure(f"bag-info.txt Aftersales-Case-Id {case_id!r} is not a UUID") from None
    if not case_stream:
        raise Failure(f"{case_id}: the case's own stream is not included")
    last = case_stream[-1]
    if last.topic != EXPORT_TOPIC:
        raise Failure(
            f"{last.place}: the case stream ends with {last.topic}, not the export event (head statement)"
        )
    return last


def _head_statement(export: Event) -> dict[str, Any]:
    statement = export.state_json()
    kinds = {"bundle_id": str, "head_version": int, "stream_heads": dict, "purpose": str, "legal_matter": str}
    for key, kind in kinds.items():
        if not isinstance(statement, dict) or type(statement.get(key)) is not kind:
            raise Failure(f"{export.place}: the export event's {key} must be a JSON {kind.__name__}")
    return statement


def _check_stream_heads(bundle: Bundle, export: Event, stream_heads: dict[str, Any]) -> None:
    others = {str(s) for s in {e.stream_id for e in bundle.events} if s != export.stream_id}
    for stream_id in sorted(others - set(stream_heads)):
        raise Failure(f"{stream_id}: included but not named in the export event's stream_heads")
    for stream_id, head in sorted(stream_heads.items()):
        if stream_id not in others:
            raise Failure(f"{stream_id}: named in stream_heads (head {head}) but not included")
        included = bundle.stream(uuid.UUID(stream_id))[-1].version
        if head != included:
            raise Failure(
                f"{stream_id}: stream_heads says head {head}, the bundle holds versions 1..{included}"
            )


def check_attachments(bundle: Bundle) -> str:
    named: dict[str, str] = {}
    for event in bundle.events:
        for digest in _named_sha256(event.state_json()):
            named.setdefault(digest, event.place)
    folder = bundle.data / "attachments"
    present = {path.name: path for path in folder.iterdir()} if folder.is_dir() else {}
    for digest, place in sorted(named.items()):
        if digest not in present:
            raise Failure(f"attachments/{digest}: missing (named by {place})")
    for name, path in sorted(present.items()):
        if name not in named:
            raise Failure(f"attachments/{name}: not named by any included event")
        actual = sha256_file(path)
        if actual != name:
            raise Failure(f"attachments/{name}: its bytes hash to {actual}, not to its name")
    return f"{len(named)} attachment(s) named by the events are present and hash to their names"


def _named_sha256(value: Any, key: str = "") -> Iterator[str]:
    """Every value of a key ending in `sha256` that is 64 lower-case hex, anywhere in a JSON value."""
    if isinstance(value, dict):
        for child_key, child in value.items():
            yield from _named_sha256(child, str(child_key))
    elif isinstance(value, list):
        for child in value:
            yield from _named_sha256(child)
    elif key.endswith("sha256") and isinstance(value, str) and _SHA256_HEX.fullmatch(value):
        yield value


def check_custody(bundle: Bundle) -> str:
    custody = read_json(bundle.data / "custody.json", "data/custody.json")
    if not isinstance(custody, dict):
        raise Failure("data/custody.json is not a JSON object")
    export = export_event(bundle)
    statement = _plain(export.state_json())
    expected = {
        "bundle_id": bundle.tag("Aftersales-Bundle-Id"),
        "case_id": bundle.tag("Aftersales-Case-Id"),
        "case_number": bundle.tag("Aftersales-Case-Number"),
        "purpose": statement["purpose"],
        "legal_matter": statement["legal_matter"],
        "export_event": {
            "stream_id": str(export.stream_id),
            "version": export.version,
            "position": export.position,
        },
        # Stated by the export event too when it carries them (the contract does not require it to).
        "format": statement.get("format"),
        "exported_by": statement.get("actor"),
        "exported_at": statement.get("occurred_at"),
    }
    for key, value in expected.items():
        if value is not None and custody.get(key) != value:
            raise Failure(
                f"data/custody.json: {key} is {custody.get(key)!r}, the export event says {value!r}"
            )
    exported_by = custody.get("exported_by")
    if not isinstance(exported_by, dict) or not all(
        isinstance(exported_by.get(k), str) for k in ("user_id", "role")
    ):
        raise Failure("data/custody.json: exported_by must name a user_id and a role")
    if custody.get("format") not in ("zip", "tar.gz"):
        raise Failure(f"data/custody.json: format {custody.get('format')!r} is not zip or tar.gz")
    return f"exported by {exported_by['user_id']} ({exported_by['role']}) at {custody.get('exported_at')}"


def _plain(value: Any) -> Any:
    """The JSON value with eventsourcing's wrappers of typed values (`{"_type_": ..., "_data_": ...}`)
    replaced by their data, so that a stored actor or time compares with custody.json's plain ones."""
    if isinstance(value, dict):
        if set(value) == {"_type_", "_data_"}:
            return _plain(value["_data_"])
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


CHECKS: Sequence[tuple[str, Callable[[Bundle], str]]] = (
    ("bag", check_bag),
    ("signature", check_signature),
    ("keys", check_keys),
    ("checkpoints", check_checkpoints),
    ("consistency", check_consistency),
    ("timestamps", check_timestamps),
    ("events", check_events),
    ("completeness", check_completeness),
    ("attachments", check_attachments),
    ("custody", check_custody),
)


# --- Reading archives safely ------------------------------------------------------------------------------


@contextmanager
def opened_bag(path: Path) -> Iterator[Path]:
    """The bag folder of `path`: the folder itself, or an archive's single top folder, extracted safely."""
    if path.is_dir():
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="bundle-") as temporary:
        target = Path(temporary)
        if zipfile.is_zipfile(path):
            _extract_zip(path, target)
        elif path.name.endswith((".tar.gz", ".tgz")) and tarfile.is_tarfile(path):
            _extract_tar(path, target)
        else:
            raise Failure(f"{path.name}: neither a folder, a .zip nor a .tar.gz")
        tops = list(target.iterdir())
        if len(tops) != 1 or not tops[0].is_dir():
            raise Failure(f"{path.name}: the archive must hold one top folder, the bag")
        yield tops[0]


def _safe_member(name: str, archive: Path) -> PurePosixPath:
    member = PurePosixPath(name)
    if not name or name.startswith("/") or "\\" in name or ".." in member.parts or ":" in member.parts[0]:
        raise Failure(f"{archive.name}: refused entry {name!r}: it would be written outside the bag")
    return member


def _extract_zip(path: Path, target: Path) -> None:
    with zipfile.ZipFile(path) as archive:
        for entry in archive.infolist():
            member = _safe_member(entry.filename, path)
            if stat.S_ISLNK(entry.external_attr >> 16):
                raise Failure(f"{path.name}: refused entry {entry.filename!r}: a link")
            destination = target.joinpath(*member.parts)
            if entry.is_dir():
                destination.mkdir(parents=True, exist_ok=True)
                continue
            destination.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(entry) as source, destination.open("xb") as sink:
                shutil.copyfileobj(source, sink)


def _extract_tar(path: Path, target: Path) -> None:
    with tarfile.open(path, "r:gz") as archive:
        for entry in archive:
            member = _safe_member(entry.name, path)
            if not (entry.isfile() or entry.isdir()):
                raise Failure(f"{path.name}: refused entry {entry.name!r}: not a regular file or folder")
            destination = target.joinpath(*member.parts)
            if entry.isdir():
                destination.mkdir(parents=True, exist_ok=True)
                continue
            destination.parent.mkdir(parents=True, exist_ok=True)
            source = archive.extractfile(entry)
            assert source is not None  # a regular file always has contents
            with source, destination.open("xb") as sink:
                shutil.copyfileobj(source, sink)


# --- Command line ------------------------------------------------------------------------------------------


def verify(bundle: Bundle, out: Callable[[str], None] = print) -> int:
    """Run the checks in order, printing one line each; 0 if all pass, 1 at the first failure."""
    for name, check in CHECKS:
        try:
            summary = check(bundle)
        except Failure as failure:
            out(f"FAIL {name}: {failure}")
            out(f"NOT VERIFIED: the {name} check failed")
            return 1
        except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError) as error:
            out(f"FAIL {name}: malformed or unreadable content: {type(error).__name__}: {error}")
            out(f"NOT VERIFIED: the {name} check failed")
            return 1
        out(f"ok   {name}: {summary}")
        for warning in bundle.warnings:
            out(f"WARN {name}: {warning}")
        bundle.warnings.clear()
    out("VERIFIED: every check passed")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Verify one evidence bundle; 0 verified, 1 a check failed, 2 a usage error."""
    parser = argparse.ArgumentParser(description="Verify an Aftersales Ledger evidence bundle offline.")
    parser.add_argument("bag", type=Path, metavar="BAG", help="the bag folder, or its .zip or .tar.gz")
    parser.add_argument("--key", help="the supplier's published verifier key (<name>+<key id>+<base64>)")
    parser.add_argument(
        "--tsa-cert-sha256", help="pin the time-stamping authority's certificate (SHA-256 hex)"
    )
    arguments = parser.parse_args(argv)
    if arguments.key is not None:
        try:
            verifier.parse_verifier_key(arguments.key)
        except verifier.NoteError as error:
            print(f"error: --key: {error}", file=sys.stderr)
            return 2
    pin = arguments.tsa_cert_sha256
    if pin is not None and not _SHA256_HEX.fullmatch(pin.lower()):
        print("error: --tsa-cert-sha256 must be 64 hex digits", file=sys.stderr)
        return 2
    if not arguments.bag.exists():
        print(f"error: {arguments.bag} does not exist", file=sys.stderr)
        return 2
    try:
        with opened_bag(arguments.bag) as root:
            print(f"bundle: {root.name}")
            return verify(Bundle(root, arguments.key, pin.lower() if pin else None))
    except Failure as failure:
        reason = str(failure)
    except (OSError, EOFError, zipfile.BadZipFile, tarfile.TarError) as error:
        reason = f"{arguments.bag.name}: cannot be read as a bag: {error}"
    print(f"FAIL bag: {reason}")
    print("NOT VERIFIED: the bag check failed")
    return 1


if __name__ == "__main__":
    sys.exit(main())
