"""The ledger's Ed25519 checkpoint key, kept in a file outside the database, and note signing.

Notes come out in the C2SP signed-note format that `infra.verifier.open_note` (and the Go note package)
opens; every note is opened with the public key before it is handed out, so a body that could not be
verified is never signed.
"""

import base64
import hashlib
import json
import os
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from infra.key_files import create_secret_file, sync_folder
from infra.verifier import (
    Checkpoint,
    KeyPeriod,
    NoteError,
    key_periods,
    open_note,
    parse_verifier_key,
    rotation_statement,
    verifier_key,
)


class KeyFileError(Exception):
    """The key file cannot be used as it is; it is never replaced, a person must look at it."""


class SigningKey:
    """An Ed25519 private key that signs notes and checkpoints."""

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._private_key = private_key

    @classmethod
    def load_or_create(cls, path: Path) -> "SigningKey":
        """The key in the PEM PKCS#8 file at `path`, created (mode 0600, folder 0700) if there is none."""
        if not path.exists():
            _create_key_file(path)
        return cls(_read_key_file(path))

    @classmethod
    def load(cls, path: Path) -> "SigningKey":
        """The key in the PEM PKCS#8 file at `path`; KeyFileError if there is none."""
        if not path.exists():
            raise KeyFileError(f"no signing key at {path}")
        return cls(_read_key_file(path))

    def public_key_bytes(self) -> bytes:
        """The 32 raw bytes of the public key."""
        return self._private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )

    def verifier_key(self, name: str) -> str:
        """The verifier key string `<name>+<key id>+<key>` an arbitrator passes to the verifier."""
        return verifier_key(name, self.public_key_bytes())

    def sign_note(self, body: str, name: str) -> str:
        """The signed note: `body`, a blank line and one signature line by this key under `name`."""
        return cosigned_note(body, name, [self])

    def signature_line(self, body: str, name: str) -> str:
        """The note signature line `— <name> <base64(key id || signature)>` of `body` by this key."""
        key_id = parse_verifier_key(self.verifier_key(name)).key_id
        signature = self._private_key.sign(body.encode("utf-8"))
        return f"\u2014 {name} {base64.b64encode(key_id + signature).decode('ascii')}"

    def sign_checkpoint(self, checkpoint: Checkpoint) -> str:
        """The checkpoint as a note signed under its origin, the name an arbitrator's key carries."""
        return self.sign_note(checkpoint.body(), checkpoint.origin)


def cosigned_note(body: str, name: str, keys: Sequence[SigningKey]) -> str:
    """The note of `body` signed by each of `keys` under `name`: one signature line each."""
    lines = "".join(f"{key.signature_line(body, name)}\n" for key in keys)
    note = f"{body}\n{lines}"
    try:
        for key in keys:
            open_note(note, key.verifier_key(name))
    except NoteError as error:
        raise ValueError(f"cannot sign this body as a note: {error}") from error
    return note


def _create_key_file(path: Path) -> None:
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    create_secret_file(path, pem)


def _read_key_file(path: Path) -> Ed25519PrivateKey:
    if not path.is_file():
        raise KeyFileError(f"signing key {path} is not a regular file")
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise KeyFileError(
            f"signing key {path} has mode {mode:04o}; it must be readable by its owner only (0600)"
        )
    try:
        private_key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError) as error:
        raise KeyFileError(f"signing key {path} is not an unencrypted PEM PKCS#8 private key") from error
    if not isinstance(private_key, Ed25519PrivateKey):
        raise KeyFileError(f"signing key {path} holds a {type(private_key).__name__}, not an Ed25519 key")
    return private_key


# -- the key ring: the current key and the published history of every key ----------------------------

HISTORY_FILE = "key-history.json"


class KeyRing:
    """The checkpoint signing keys of one log: the current one signs, the history says which was valid when.

    The history (`key-history.json` beside the keys) holds the `keys/keys.json` document of
    docs/evidence-bundle.md. The first key keeps its file (`checkpoint-signing.key`), the n-th later one is
    `checkpoint-signing-<n>.key`. Until the first rotation there is no history file: the single key's
    history is derived from its file. Other processes see a rotation by the history file's change
    (`refresh`), so every process signs with the newest key.
    """

    def __init__(self, first_key_path: Path, origin: str) -> None:
        self.first_key_path = first_key_path
        self.origin = origin
        self.history_path = first_key_path.with_name(HISTORY_FILE)
        self._lock = threading.Lock()
        self._seen: tuple[int, int] | None = None
        self._document: dict[str, Any] = {}
        self._current = self._load()

    @classmethod
    def load_or_create(cls, first_key_path: Path, origin: str) -> "KeyRing":
        """The ring of the keys beside `first_key_path`; a first key is created if there is no key yet."""
        if not first_key_path.with_name(HISTORY_FILE).exists():
            SigningKey.load_or_create(first_key_path)
        return cls(first_key_path, origin)

    @property
    def current(self) -> SigningKey:
        """The key that signs new checkpoints (the last in the history), after `refresh`."""
        self.refresh()
        return self._current

    def history_document(self) -> dict[str, Any]:
        """The `keys/keys.json` document: every key in order of validity, each introduced by the last."""
        self.refresh()
        return json.loads(json.dumps(self._document))  # a copy the caller may change

    def periods(self) -> list[KeyPeriod]:
        """The keys of the history, each with the checkpoint sizes it is valid for."""
        return key_periods(self.history_document())

    def refresh(self) -> None:
        """Re-read the history if another process rotated the key since it was last read."""
        if self._history_stamp() != self._seen:
            with self._lock:
                if self._history_stamp() != self._seen:
                    self._current = self._load()

    def rotate(self, first_tree_size: int, now: datetime) -> SigningKey:
        """A new current key, valid from checkpoints of `first_tree_size` on, introduced by the old one.

        The caller makes sure no checkpoint of that size or more is signed by the old key meanwhile.
        """
        with self._lock:
            old = self._current = self._load()
            keys = self._document["keys"]
            if first_tree_size < keys[-1]["first_tree_size"]:
                raise ValueError(
                    f"a new key's first tree size {first_tree_size} is below the current key's "
                    f"{keys[-1]['first_tree_size']}"
                )
            # A key file left by a rotation that stopped before the history was written was never
            # published: it is taken as the new key.
            new = SigningKey.load_or_create(self._key_path(len(keys)))
            statement = rotation_statement(
                self.origin, old.verifier_key(self.origin), new.verifier_key(self.origin), first_tree_size
            )
            introduced_by = cosigned_note(statement, self.origin, [old, new])
            entry = _key_entry(new, self.origin, first_tree_size, now, introduced_by)
            history = {**self._document, "keys": [*keys, entry]}
            _write_atomically(self.history_path, json.dumps(history, indent=2) + "\n")
            self._current = self._load()
            return self._current

    def _key_path(self, index: int) -> Path:
        if index == 0:
            return self.first_key_path
        path = self.first_key_path
        return path.with_name(f"{path.stem}-{index + 1}{path.suffix}")

    def _history_stamp(self) -> tuple[int, int] | None:
        try:
            stat = self.history_path.stat()
        except FileNotFoundError:
            return None
        return stat.st_mtime_ns, stat.st_size

    def _load(self) -> SigningKey:
        """Read the history (or derive the single key's) and load the current key, checking they agree."""
        stamp = self._history_stamp()
        if stamp is None:
            first = SigningKey.load(self.first_key_path)
            created = datetime.fromtimestamp(self.first_key_path.stat().st_mtime, UTC)
            document: dict[str, Any] = {
                "origin": self.origin,
                "keys": [_key_entry(first, self.origin, 0, created, None)],
            }
        else:
            document = self._read_history()
        index = len(document["keys"]) - 1
        current = SigningKey.load(self._key_path(index))
        if current.verifier_key(self.origin) != document["keys"][index]["verifier_key"]:
            raise KeyFileError(
                f"signing key {self._key_path(index)} is not the last key of {self.history_path}"
            )
        self._document, self._seen = document, stamp
        return current

    def _read_history(self) -> dict[str, Any]:
        document = published_key_history(self.first_key_path)
        if document is None:
            raise KeyFileError(f"key history {self.history_path} disappeared")
        if document.get("origin") != self.origin:
            raise KeyFileError(
                f"key history {self.history_path} is of log {document.get('origin')!r}, not {self.origin!r}"
            )
        try:
            key_periods(document)
        except NoteError as error:
            raise KeyFileError(f"key history {self.history_path} does not verify: {error}") from error
        return document


def _key_entry(
    key: SigningKey, origin: str, first_tree_size: int, valid_from: datetime, introduced_by: str | None
) -> dict[str, Any]:
    return {
        "verifier_key": key.verifier_key(origin),
        "fingerprint": hashlib.sha256(key.public_key_bytes()).hexdigest(),
        "first_tree_size": first_tree_size,
        "valid_from": valid_from.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "introduced_by": introduced_by,
    }


def _write_atomically(path: Path, text: str) -> None:
    """Replace the file at `path` so that a reader sees the old text or the new, never a part."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        with open(temporary, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    sync_folder(path.parent)


def published_key_history(first_key_path: Path) -> dict[str, Any] | None:
    """The key history beside `first_key_path` as written, unchecked (None before the first rotation).

    For verification, which checks it itself; no key file is read.
    """
    path = first_key_path.with_name(HISTORY_FILE)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except ValueError as error:
        raise KeyFileError(f"key history {path} is not JSON: {error}") from error
    if not isinstance(document, dict):
        raise KeyFileError(f"key history {path} is not a JSON object")
    return document
