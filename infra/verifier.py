"""The standalone verifier an arbitrator runs on the ledger's proofs.

This file imports only the Python standard library and `cryptography`, so it can be copied alone and run:

    python verifier.py proof.json [more.json ...] --key 'ledger.example/log+1a2b3c4d+AX...'

It prints `OK <file>: ...` or the problems found in each file, and exits 0 only if every file is valid
(1 if any is not, 2 for a usage error such as an unreadable or malformed key). After a key rotation, add
`--keys keys.json` (the published key history) to check each checkpoint with the key valid for its size.

Merkle tree (RFC 9162 §2.1): leaf hash = SHA-256(0x00 || leaf bytes), node hash = SHA-256(0x01 || left ||
right), the root of n leaves splits at the largest power of two smaller than n, and the empty tree's root
is SHA-256 of the empty string. Proofs are checked with the algorithms of §2.1.3.2 (inclusion) and
§2.1.4.2 (consistency). A consistency proof from the empty tree (old size 0) is accepted only when the
proof is empty and the old root is the empty tree's root: anything extends the empty tree, but a
checkpoint claiming some other root for size 0 is false.

Leaf bytes of one stored event, layout version 1 (all integers big-endian):

    0x01          layout version, 1 byte
    position      uint64: the event's notification id, its place in the global order
    stream id     16 bytes: the UUID's bytes (uuid.UUID.bytes)
    version       uint64: the event's version within its stream
    topic         uint32 byte length, then the topic's UTF-8 bytes
    state         uint32 byte length, then the stored state bytes exactly as stored

Checkpoints follow C2SP tlog-checkpoint: the body is `origin\\nsize\\nbase64(root)\\n`, plus, when the
checkpoint carries a time, one extension line `time 2026-11-23T14:20:00Z\\n` (UTC, whole seconds).
Standard tooling (golang.org/x/mod/sumdb/note, transparency-dev/formats/log) passes extension lines
through unread. Parsing is strict on the three mandatory lines (no sign or leading zeros in the size,
canonical padded base64, a 32-byte root, every line newline-terminated and non-empty) and on our `time`
line; other extension lines are allowed and ignored, as the spec lets clients do: they are still covered
by the signature.

Signed notes follow C2SP signed-note with Ed25519 keys, byte-compatible with the Go note package: the
verifier key is `<name>+<8 hex key id>+<base64(0x01 || public key)>` and each signature line is
`— <name> <base64(key id || signature)>`. A note opens when a line with the key's name and id verifies;
lines by other keys are ignored. A checkpoint opens only if its origin equals the key's name (the sumdb
convention), so a key cannot vouch for another log's checkpoints.

Key history (`keys.json`, docs/evidence-bundle.md): `{"origin", "keys": [{"verifier_key", "fingerprint",
"first_tree_size", "valid_from", "introduced_by"}]}`. A key signs checkpoints of sizes from its
`first_tree_size` up to the next key's. Each later key is introduced by a rotation statement, a note
with body `aftersales-key-rotation/v1\\n<origin>\\nold <old key>\\nnew <new key>\\nfirst-tree-size <n>\\n`
signed by the old key and by the new one, so trust flows along the chain from any key an arbitrator holds.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import re
import struct
import sys
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

_HASH_SIZE = 32
_EMPTY_ROOT = hashlib.sha256(b"").digest()
_MAX_UINT64 = 2**64 - 1

# --- RFC 9162 hashing and proofs -------------------------------------------------------------------------


def leaf_hash(data: bytes) -> bytes:
    """SHA-256(0x00 || data): the hash of one leaf."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right): the hash of an interior node."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_hash(leaf_hashes: Sequence[bytes]) -> bytes:
    """The Merkle tree hash (MTH) of the given leaf hashes."""
    if not leaf_hashes:
        return _EMPTY_ROOT
    sha256 = hashlib.sha256
    level = list(leaf_hashes)
    # Pairing bottom-up and lifting an odd last node unchanged builds the same tree as splitting at the
    # largest power of two, without recursion.
    while len(level) > 1:
        paired = [sha256(b"\x01" + level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def _is_size(value: object) -> bool:
    return type(value) is int and 0 <= value <= _MAX_UINT64


def _is_hash(value: object) -> bool:
    return isinstance(value, bytes) and len(value) == _HASH_SIZE


def _is_hash_list(values: object) -> bool:
    return isinstance(values, Sequence) and not isinstance(values, bytes | str) and all(map(_is_hash, values))


def verify_inclusion(leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> bool:
    """Whether `proof` shows the leaf at `index` of the tree of `size` leaves hashes to `root`.

    RFC 9162 §2.1.3.2. Malformed input of any kind gives False, never an exception.
    """
    if not (_is_hash(leaf_hash) and _is_size(index) and _is_size(size) and _is_hash(root)):
        return False
    if not _is_hash_list(proof) or index >= size:
        return False
    fn, sn = index, size - 1
    computed = leaf_hash
    for sibling in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            computed = node_hash(sibling, computed)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            computed = node_hash(computed, sibling)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and computed == root


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Whether `proof` shows the tree of `new_size` leaves extends the tree of `old_size` leaves.

    RFC 9162 §2.1.4.2. Equal sizes need an empty proof and equal roots; old size 0 needs an empty proof
    and the empty tree's root. Malformed input of any kind gives False, never an exception.
    """
    if not (_is_size(old_size) and _is_size(new_size) and _is_hash(old_root) and _is_hash(new_root)):
        return False
    if not _is_hash_list(proof) or old_size > new_size:
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if old_size == 0:
        return not proof and old_root == _EMPTY_ROOT
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        # The old tree is one complete subtree of the new one; the proof leaves its root implicit.
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    old_computed = new_computed = path[0]
    for sibling in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            old_computed = node_hash(sibling, old_computed)
            new_computed = node_hash(sibling, new_computed)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            new_computed = node_hash(new_computed, sibling)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and old_computed == old_root and new_computed == new_root


# --- Event leaf bytes ------------------------------------------------------------------------------------

_LAYOUT_VERSION = 1
_EVENT_HEAD = struct.Struct(">BQ16sQI")
_LENGTH = struct.Struct(">I")


def event_leaf_bytes(position: int, stream_id: uuid.UUID, version: int, topic: str, state: bytes) -> bytes:
    """The canonical bytes of one stored event, the input of its Merkle leaf (layout in the module doc)."""
    topic_bytes = topic.encode("utf-8")
    try:
        head = _EVENT_HEAD.pack(_LAYOUT_VERSION, position, stream_id.bytes, version, len(topic_bytes))
        state_length = _LENGTH.pack(len(state))
    except struct.error as error:
        raise ValueError(f"event does not fit the leaf layout: {error}") from error
    return b"".join((head, topic_bytes, state_length, state))


def event_leaf_hash(position: int, stream_id: uuid.UUID, version: int, topic: str, state: bytes) -> bytes:
    """leaf_hash(event_leaf_bytes(...)): the Merkle leaf hash of one stored event."""
    return leaf_hash(event_leaf_bytes(position, stream_id, version, topic, state))


def raw_event_leaf_hash(position: int, stream_id: bytes, version: int, topic: bytes, state: bytes) -> bytes:
    """event_leaf_hash of a row read as bytes (the UUID's 16 bytes, the topic's UTF-8): the same layout
    without building UUID and str objects, for hashing whole stores."""
    head = _EVENT_HEAD.pack(_LAYOUT_VERSION, position, stream_id, version, len(topic))
    return hashlib.sha256(b"".join((b"\x00", head, topic, _LENGTH.pack(len(state)), state))).digest()


# --- Checkpoints, verifier keys and signed notes -----------------------------------------------------------


class NoteError(ValueError):
    """A signed note, checkpoint body or verifier key is malformed, or a signature does not verify."""


_SIZE_TEXT = re.compile(r"0|[1-9][0-9]*")
_TIME_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_TIME_PREFIX = "time "


@dataclass(frozen=True)
class Checkpoint:
    """A signed tree head: the log's origin, its size and root hash, and optionally when it was taken.

    `time` is kept as the body carries it: converted to UTC and truncated to whole seconds.
    """

    origin: str
    size: int
    root_hash: bytes
    time: datetime | None = None

    def __post_init__(self) -> None:
        if not self.origin or _has_control_character(self.origin):
            raise NoteError("checkpoint origin must be non-empty, on one line, without control characters")
        if not _is_size(self.size):
            raise NoteError(f"checkpoint size must be an integer from 0 to 2^64-1, not {self.size!r}")
        if not _is_hash(self.root_hash):
            raise NoteError("checkpoint root hash must be 32 bytes")
        if self.time is not None:
            if self.time.tzinfo is None:
                raise NoteError("checkpoint time must carry a time zone")
            object.__setattr__(self, "time", self.time.astimezone(UTC).replace(microsecond=0))

    def body(self) -> str:
        """The checkpoint's note text, ending in a newline."""
        root = base64.b64encode(self.root_hash).decode("ascii")
        text = f"{self.origin}\n{self.size}\n{root}\n"
        if self.time is not None:
            text += f"{_TIME_PREFIX}{self.time.strftime(_TIME_FORMAT)}\n"
        return text


def parse_checkpoint(body: str) -> Checkpoint:
    """The checkpoint in a note body; NoteError says what is malformed."""
    if not body.endswith("\n"):
        raise NoteError("checkpoint body must end with a newline")
    lines = body[:-1].split("\n")
    if len(lines) < 3:
        raise NoteError("checkpoint body needs an origin, a size and a root hash line")
    if not all(lines):
        raise NoteError("checkpoint body has an empty line")
    origin, size_text, root_text, *extensions = lines
    if not _SIZE_TEXT.fullmatch(size_text) or int(size_text) > _MAX_UINT64:
        raise NoteError(
            f"checkpoint size {size_text!r} is not a decimal below 2^64 without sign or leading zeros"
        )
    root = _strict_b64decode(root_text, "checkpoint root hash")
    if len(root) != _HASH_SIZE:
        raise NoteError(f"checkpoint root hash is {len(root)} bytes, not 32")
    return Checkpoint(origin, int(size_text), root, _checkpoint_time(extensions))


def _checkpoint_time(extensions: list[str]) -> datetime | None:
    times = [line[len(_TIME_PREFIX) :] for line in extensions if line.startswith(_TIME_PREFIX)]
    if not times:
        return None
    if len(times) > 1:
        raise NoteError("checkpoint body has more than one time line")
    if not _TIME_TEXT.fullmatch(times[0]):
        raise NoteError(f"checkpoint time {times[0]!r} is not RFC 3339 UTC like 2026-11-23T14:20:00Z")
    try:
        return datetime.strptime(times[0], _TIME_FORMAT).replace(tzinfo=UTC)
    except ValueError as error:
        raise NoteError(f"checkpoint time {times[0]!r} is not a real date and time") from error


def _strict_b64decode(text: str, what: str) -> bytes:
    """Standard, padded, canonical base64 only, so one value has exactly one accepted spelling."""
    try:
        decoded = base64.b64decode(text.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error) as error:
        raise NoteError(f"{what} is not valid base64") from error
    if base64.b64encode(decoded).decode("ascii") != text:
        raise NoteError(f"{what} is not canonical base64")
    return decoded


def _has_control_character(text: str) -> bool:
    return any(ord(character) < 0x20 or character == "\x7f" for character in text)


def _is_key_name(name: str) -> bool:
    # The Go note package's rule: non-empty, no white space, no '+'.
    return bool(name) and "+" not in name and not any(character.isspace() for character in name)


_ALG_ED25519 = 0x01
_KEY_ID_TEXT = re.compile(r"[0-9a-fA-F]{8}")


@dataclass(frozen=True)
class VerifierKey:
    """A note verifier key: its name, its 4-byte key id and its 32-byte Ed25519 public key."""

    name: str
    key_id: bytes
    public_key: bytes


def _key_id(name: str, algorithm_and_key: bytes) -> bytes:
    return hashlib.sha256(name.encode("utf-8") + b"\n" + algorithm_and_key).digest()[:4]


def verifier_key(name: str, public_key: bytes) -> str:
    """The verifier key string `<name>+<key id>+<base64(0x01 || public key)>` of an Ed25519 public key."""
    if not _is_key_name(name):
        raise NoteError(f"key name {name!r} must be non-empty, without spaces or '+'")
    if len(public_key) != 32:
        raise NoteError(f"an Ed25519 public key is 32 bytes, not {len(public_key)}")
    algorithm_and_key = bytes([_ALG_ED25519]) + public_key
    encoded = base64.b64encode(algorithm_and_key).decode("ascii")
    return f"{name}+{_key_id(name, algorithm_and_key).hex()}+{encoded}"


def parse_verifier_key(text: str) -> VerifierKey:
    """The verifier key in `text`; NoteError says what is wrong with it."""
    parts = text.split("+", 2)
    if len(parts) != 3 or not _is_key_name(parts[0]) or not _KEY_ID_TEXT.fullmatch(parts[1]):
        raise NoteError("verifier key must read <name>+<8 hex digit key id>+<base64 key>")
    name, key_id_text, key_text = parts
    algorithm_and_key = _strict_b64decode(key_text, "verifier key")
    if not algorithm_and_key or bytes.fromhex(key_id_text) != _key_id(name, algorithm_and_key):
        raise NoteError("verifier key id does not match its name and key")
    if algorithm_and_key[0] != _ALG_ED25519:
        raise NoteError(f"verifier key algorithm {algorithm_and_key[0]} is not Ed25519 (1)")
    if len(algorithm_and_key) != 33:
        raise NoteError(f"verifier key holds {len(algorithm_and_key) - 1} key bytes, not 32")
    return VerifierKey(name, bytes.fromhex(key_id_text), algorithm_and_key[1:])


def _as_key(key: VerifierKey | str) -> VerifierKey:
    return key if isinstance(key, VerifierKey) else parse_verifier_key(key)


_SIGNATURE_PREFIX = "\u2014 "
_MAX_SIGNATURES = 100


def open_note(note: str, key: VerifierKey | str) -> str:
    """The body of a signed note that carries a valid signature by `key`.

    Signatures by other keys are ignored. NoteError says whether the note is malformed, has no
    signature by the key, or has one that does not verify.
    """
    key = _as_key(key)
    body, signature_lines = _split_note(note)
    key_signatures = []
    for line in signature_lines:
        name, key_id, signature = _parse_signature_line(line)
        if name == key.name and key_id == key.key_id:
            key_signatures.append(signature)
    if not key_signatures:
        raise NoteError(f"note has no signature by key {key.name}+{key.key_id.hex()}")
    try:
        public_key = Ed25519PublicKey.from_public_bytes(key.public_key)
    except ValueError as error:
        raise NoteError(f"key {key.name}+{key.key_id.hex()} is not a usable Ed25519 key") from error
    for signature in key_signatures:
        try:
            public_key.verify(signature, body.encode("utf-8"))
        except InvalidSignature:
            raise NoteError(f"signature by key {key.name}+{key.key_id.hex()} does not verify") from None
    return body


def _split_note(note: str) -> tuple[str, list[str]]:
    """The body (with its final newline) and the signature lines, split as the Go note package does."""
    try:
        note.encode("utf-8")
    except UnicodeEncodeError:
        raise NoteError("malformed note: not valid UTF-8") from None
    if any(ord(character) < 0x20 and character != "\n" for character in note):
        raise NoteError("malformed note: it contains control characters")
    split = note.rfind("\n\n")
    if split < 0:
        raise NoteError("malformed note: no blank line between the text and the signatures")
    body, signatures = note[: split + 1], note[split + 2 :]
    if not signatures.endswith("\n"):
        raise NoteError("malformed note: the signature block must be non-empty and end with a newline")
    lines = signatures[:-1].split("\n")
    if len(lines) > _MAX_SIGNATURES:
        raise NoteError(f"malformed note: more than {_MAX_SIGNATURES} signatures")
    return body, lines


def _parse_signature_line(line: str) -> tuple[str, bytes, bytes]:
    if not line.startswith(_SIGNATURE_PREFIX):
        raise NoteError(f"malformed note: line {line!r} is not a signature line '\u2014 <name> <signature>'")
    name, _, encoded = line[len(_SIGNATURE_PREFIX) :].partition(" ")
    if not _is_key_name(name) or not encoded:
        raise NoteError(f"malformed note: signature line {line!r} has no valid name and signature")
    try:
        decoded = base64.b64decode(encoded.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error):
        raise NoteError(f"malformed note: signature by {name} is not valid base64") from None
    if len(decoded) < 5:
        raise NoteError(f"malformed note: signature by {name} is too short")
    return name, decoded[:4], decoded[4:]


def open_checkpoint(note: str, key: VerifierKey | str) -> Checkpoint:
    """The checkpoint in a note signed by `key`, whose origin must be the key's name."""
    key = _as_key(key)
    checkpoint = parse_checkpoint(open_note(note, key))
    if checkpoint.origin != key.name:
        raise NoteError(f"checkpoint origin {checkpoint.origin!r} is not the key's name {key.name!r}")
    return checkpoint


# --- Key history (keys/keys.json of an evidence bundle): which key signs which checkpoints -----------------

_ROTATION_HEADER = "aftersales-key-rotation/v1"


def rotation_statement(origin: str, old_key: str, new_key: str, first_tree_size: int) -> str:
    """The body of the note by which `old_key` hands the log over to `new_key` from `first_tree_size` on."""
    return f"{_ROTATION_HEADER}\n{origin}\nold {old_key}\nnew {new_key}\nfirst-tree-size {first_tree_size}\n"


@dataclass(frozen=True)
class KeyPeriod:
    """A key of the history and the checkpoint sizes it signs: first_tree_size <= size < end (or no end)."""

    verifier_key: str
    key: VerifierKey
    first_tree_size: int
    end: int | None

    def covers(self, size: int) -> bool:
        return self.first_tree_size <= size and (self.end is None or size < self.end)


def key_periods(history: object, first_key: VerifierKey | str | None = None) -> list[KeyPeriod]:
    """The keys of a key history, each checked to be introduced by the one before it, in order of validity.

    Given `first_key` (the key obtained from the log's owner), the history must start with it, and trust
    flows from it through the rotation statements. NoteError says what is wrong.
    """
    if not isinstance(history, dict) or not isinstance(history.get("origin"), str):
        raise NoteError("key history must be an object with an origin")
    entries = history.get("keys")
    if not isinstance(entries, list) or not entries:
        raise NoteError("key history must list at least one key")
    origin = history["origin"]
    keys = [_history_key(entry, number, origin) for number, entry in enumerate(entries, start=1)]
    if keys[0].first_tree_size != 0 or entries[0].get("introduced_by") is not None:
        raise NoteError("key history's first key must have first_tree_size 0 and no introduced_by")
    if first_key is not None and _as_key(first_key) != keys[0].key:
        raise NoteError("key history's first key is not the given key")
    for number, (old, new, entry) in enumerate(zip(keys, keys[1:], entries[1:], strict=False), start=2):
        _check_rotation(entry, number, origin, old, new)
    ends = [period.first_tree_size for period in keys[1:]] + [None]
    return [
        KeyPeriod(period.verifier_key, period.key, period.first_tree_size, end)
        for period, end in zip(keys, ends, strict=True)
    ]


def key_period_for(periods: Sequence[KeyPeriod], size: int) -> KeyPeriod | None:
    """The key valid for checkpoints of `size`, if any."""
    return next((period for period in periods if period.covers(size)), None)


def open_checkpoint_of_history(note: str, periods: Sequence[KeyPeriod]) -> Checkpoint:
    """The checkpoint in a note signed by the key of `periods` valid for its size.

    NoteError says whether no key of the history signed it, or one signed it that was not valid for
    its size (a retired key, or one not valid yet).
    """
    failure: NoteError | None = None
    for period in periods:
        try:
            checkpoint = open_checkpoint(note, period.key)
        except NoteError as error:
            failure = failure or error
            continue
        if not period.covers(checkpoint.size):
            last = "and up" if period.end is None else f"to {period.end - 1}"
            raise NoteError(
                f"signed by key {period.verifier_key}, valid only for tree sizes {period.first_tree_size} "
                f"{last}, not {checkpoint.size} (a retired key, or one not valid yet)"
            )
        return checkpoint
    raise failure or NoteError("the key history holds no key")


def _history_key(entry: object, number: int, origin: str) -> KeyPeriod:
    if not isinstance(entry, dict) or not isinstance(entry.get("verifier_key"), str):
        raise NoteError(f"key {number} of the history has no verifier_key")
    key = parse_verifier_key(entry["verifier_key"])
    if key.name != origin:
        raise NoteError(f"key {number} of the history is named {key.name!r}, not the origin {origin!r}")
    if entry.get("fingerprint") != hashlib.sha256(key.public_key).hexdigest():
        raise NoteError(f"key {number} of the history has a fingerprint that is not its key's")
    if not _is_size(entry.get("first_tree_size")):
        raise NoteError(f"key {number} of the history has no valid first_tree_size")
    if not isinstance(entry.get("valid_from"), str) or not _TIME_TEXT.fullmatch(entry["valid_from"]):
        raise NoteError(f"key {number} of the history has no valid_from like 2026-11-23T14:20:00Z")
    return KeyPeriod(entry["verifier_key"], key, entry["first_tree_size"], None)


def _check_rotation(entry: dict[str, Any], number: int, origin: str, old: KeyPeriod, new: KeyPeriod) -> None:
    statement = entry.get("introduced_by")
    if not isinstance(statement, str):
        raise NoteError(f"key {number} of the history has no rotation statement (introduced_by)")
    if new.first_tree_size < old.first_tree_size:
        raise NoteError(f"key {number} of the history starts before the key it replaces")
    try:
        bodies = {open_note(statement, old.key), open_note(statement, new.key)}
    except NoteError as error:
        raise NoteError(
            f"key {number}'s rotation statement must be signed by the old and the new key: {error}"
        ) from None
    expected = rotation_statement(origin, old.verifier_key, new.verifier_key, new.first_tree_size)
    if bodies != {expected}:
        raise NoteError(
            f"key {number}'s rotation statement does not name the old key, this key and its first tree size"
        )


# --- Proof documents ---------------------------------------------------------------------------------------


# One key, or a key history: each checkpoint is then opened with the key valid for its size.
_Keys = VerifierKey | tuple[KeyPeriod, ...]


class _Problems(list[str]):
    """Problems found in one document, with readers that note a missing or mistyped field."""

    def field(self, doc: dict[str, Any], name: str, kind: type, described: str) -> Any:
        value = doc.get(name)
        if type(value) is not kind:
            shown = "missing" if name not in doc else f"{value!r}"
            self.append(f"{name} must be {described}, found {shown}")
            return None
        return value

    def size(self, doc: dict[str, Any], name: str) -> int | None:
        value = self.field(doc, name, int, "a non-negative integer")
        if value is not None and not _is_size(value):
            self.append(f"{name} must be a non-negative integer below 2^64, found {value}")
            return None
        return value  # type: ignore[no-any-return]

    def hash(self, text: object, name: str) -> bytes | None:
        try:
            value = bytes.fromhex(text) if isinstance(text, str) else None
        except ValueError:
            value = None
        if value is None or len(value) != _HASH_SIZE:
            self.append(f"{name} must be 64 hex digits (a SHA-256 hash), found {text!r}")
            return None
        return value

    def hashes(self, doc: dict[str, Any], name: str) -> list[bytes] | None:
        texts = self.field(doc, name, list, "a list of hex hashes")
        if texts is None:
            return None
        hashes = [self.hash(text, f"{name}[{number}]") for number, text in enumerate(texts)]
        return None if None in hashes else hashes  # type: ignore[return-value]

    def checkpoint(self, doc: dict[str, Any], name: str, key: _Keys) -> Checkpoint | None:
        note = self.field(doc, name, str, "a signed checkpoint note")
        if note is None:
            return None
        try:
            if isinstance(key, VerifierKey):
                return open_checkpoint(note, key)
            return open_checkpoint_of_history(note, key)
        except NoteError as error:
            self.append(f"{name}: {error}")
            return None


def check_document(doc: dict[str, Any], key: VerifierKey | str) -> list[str]:
    """The problems found in a proof document; an empty list means it is valid.

    A malformed `key` is the caller's error, not the document's: it raises NoteError.
    """
    problems, _ = _check(doc, _as_key(key))
    return problems


def check_document_of_history(doc: dict[str, Any], periods: Sequence[KeyPeriod]) -> list[str]:
    """check_document, each checkpoint opened with the key of `periods` (see key_periods) valid for its
    size: a consistency proof across a key rotation has checkpoints signed by two keys."""
    problems, _ = _check(doc, tuple(periods))
    return problems


def _check(doc: object, key: _Keys) -> tuple[list[str], str]:
    """The problems found, and a one-line account of what a valid document proves."""
    if not isinstance(doc, dict):
        return ["the proof document is not a JSON object"], ""
    if doc.get("type") == "inclusion":
        return _check_inclusion(doc, key)
    if doc.get("type") == "consistency":
        return _check_consistency(doc, key)
    return [f"type must be 'inclusion' or 'consistency', found {doc.get('type')!r}"], ""


def _check_inclusion(doc: dict[str, Any], key: _Keys) -> tuple[list[str], str]:
    problems = _Problems()
    checkpoint = problems.checkpoint(doc, "checkpoint", key)
    leaf_index = problems.size(doc, "leaf_index")
    tree_size = problems.size(doc, "tree_size")
    leaf = problems.hash(doc.get("leaf_hash"), "leaf_hash")
    audit_path = problems.hashes(doc, "audit_path")
    if "event" in doc and leaf is not None:
        _check_event(doc["event"], leaf, problems)
    if checkpoint is not None and tree_size is not None and tree_size != checkpoint.size:
        problems.append(f"tree_size {tree_size} is not the checkpoint's size {checkpoint.size}")
    if checkpoint is None or leaf_index is None or leaf is None or audit_path is None:
        return problems, ""
    if not verify_inclusion(leaf, leaf_index, checkpoint.size, audit_path, checkpoint.root_hash):
        problems.append(
            f"audit_path does not prove leaf {leaf_index} is in the checkpoint's tree of size "
            f"{checkpoint.size} with root {checkpoint.root_hash.hex()}"
        )
    tree = f"{checkpoint.origin} at size {checkpoint.size}"
    if "event" in doc and not problems:
        # The position is not derived from the leaf index: notification ids may have gaps.
        return problems, f"the event at position {doc['event']['position']} is leaf {leaf_index} of {tree}"
    return problems, f"leaf {leaf_index} is in {tree}"


def _check_event(event: object, leaf: bytes, problems: _Problems) -> None:
    if not isinstance(event, dict):
        problems.append("event must be an object with position, stream_id, version, topic and state")
        return
    fields = _Problems()
    position = fields.size(event, "position")
    version = fields.size(event, "version")
    topic = fields.field(event, "topic", str, "a string")
    stream_id = _event_stream_id(event.get("stream_id"), fields)
    state = _event_state(event.get("state"), fields)
    problems.extend(f"event.{problem}" for problem in fields)
    if fields:
        return
    assert position is not None and version is not None and stream_id is not None and state is not None
    try:
        computed = event_leaf_hash(position, stream_id, version, topic, state)
    except (ValueError, UnicodeEncodeError) as error:
        problems.append(f"event cannot be encoded as a leaf: {error}")
        return
    if computed != leaf:
        problems.append(f"event hashes to leaf {computed.hex()}, not to leaf_hash {leaf.hex()}")


def _event_stream_id(text: object, problems: _Problems) -> uuid.UUID | None:
    if isinstance(text, str):
        try:
            return uuid.UUID(text)
        except ValueError:
            pass
    problems.append(f"stream_id must be a UUID string, found {text!r}")
    return None


def _event_state(text: object, problems: _Problems) -> bytes | None:
    if isinstance(text, str):
        try:
            return _strict_b64decode(text, "state")
        except NoteError:
            pass
    problems.append(f"state must be the base64 of the stored state bytes, found {text!r}")
    return None


def _check_consistency(doc: dict[str, Any], key: _Keys) -> tuple[list[str], str]:
    problems = _Problems()
    old = problems.checkpoint(doc, "old_checkpoint", key)
    new = problems.checkpoint(doc, "new_checkpoint", key)
    old_size = problems.size(doc, "old_size")
    new_size = problems.size(doc, "new_size")
    proof = problems.hashes(doc, "proof")
    for name, size, checkpoint in (("old", old_size, old), ("new", new_size, new)):
        if checkpoint is not None and size is not None and size != checkpoint.size:
            problems.append(f"{name}_size {size} is not the {name} checkpoint's size {checkpoint.size}")
    if old is None or new is None or proof is None:
        return problems, ""
    if old.size > new.size:
        problems.append(f"the old checkpoint's size {old.size} is larger than the new one's {new.size}")
    elif not verify_consistency(old.size, new.size, old.root_hash, new.root_hash, proof):
        problems.append(
            f"proof does not show the tree of size {new.size} (root {new.root_hash.hex()}) extends "
            f"the tree of size {old.size} (root {old.root_hash.hex()})"
        )
    return problems, f"{old.origin} at size {new.size} extends its tree at size {old.size}"


# --- Command line ------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Check each proof file against the verifier key; 0 if all are valid, 1 if not, 2 on a usage error."""
    parser = argparse.ArgumentParser(description="Verify the ledger's inclusion and consistency proofs.")
    parser.add_argument("proofs", nargs="+", type=Path, metavar="PROOF.json")
    parser.add_argument("--key", required=True, help="the verifier key string, or @FILE to read it from FILE")
    parser.add_argument(
        "--keys",
        type=Path,
        metavar="KEYS.json",
        help="the published key history: each checkpoint is checked with the key valid for its size, "
        "trusted through the rotation statements from --key (which must be one of its keys)",
    )
    arguments = parser.parse_args(argv)
    try:
        given = parse_verifier_key(_key_text(arguments.key))
        key: _Keys = given if arguments.keys is None else _trusted_history(arguments.keys, given)
    except (OSError, ValueError) as error:
        print(f"error: cannot use the key: {error}", file=sys.stderr)
        return 2
    all_valid = True
    for path in arguments.proofs:
        problems, proven = _check_file(path, key)
        if problems:
            all_valid = False
            print(f"FAIL {path}:")
            print("\n".join(f"  - {problem}" for problem in problems))
        else:
            print(f"OK {path}: {proven}")
    return 0 if all_valid else 1


def _trusted_history(path: Path, key: VerifierKey) -> tuple[KeyPeriod, ...]:
    periods = key_periods(json.loads(path.read_text(encoding="utf-8")))
    if key not in {period.key for period in periods}:
        raise NoteError(f"the key history {path} does not hold the --key key")
    return tuple(periods)


def _key_text(argument: str) -> str:
    if argument.startswith("@"):
        return Path(argument[1:]).read_text(encoding="utf-8").strip()
    return argument


def _check_file(path: Path, key: _Keys) -> tuple[list[str], str]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        return [f"cannot read the file: {error.strerror}"], ""
    except ValueError as error:
        return [f"the file is not JSON: {error}"], ""
    return _check(doc, key)


if __name__ == "__main__":
    sys.exit(main())
