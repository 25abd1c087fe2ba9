"""The ledger's Ed25519 checkpoint key, kept in a file outside the database, and note signing.

Notes come out in the C2SP signed-note format that `infra.verifier.open_note` (and the Go note package)
opens; every note is opened with the public key before it is handed out, so a body that could not be
verified is never signed.
"""

import base64
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from infra.verifier import Checkpoint, NoteError, open_note, parse_verifier_key, verifier_key


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
        key = parse_verifier_key(self.verifier_key(name))
        signature = self._private_key.sign(body.encode("utf-8"))
        encoded = base64.b64encode(key.key_id + signature).decode("ascii")
        note = f"{body}\n\u2014 {name} {encoded}\n"
        try:
            open_note(note, key)
        except NoteError as error:
            raise ValueError(f"cannot sign this body as a note: {error}") from error
        return note

    def sign_checkpoint(self, checkpoint: Checkpoint) -> str:
        """The checkpoint as a note signed under its origin, the name an arbitrator's key carries."""
        return self.sign_note(checkpoint.body(), checkpoint.origin)


def _create_key_file(path: Path) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(pem)
            file.flush()
            os.fsync(file.fileno())
        # A hard link, unlike os.replace, refuses to overwrite: if another process created the key
        # meanwhile, its key stands and this one is dropped.
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        temporary.unlink(missing_ok=True)
    _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


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
