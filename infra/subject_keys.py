"""The key store of personal data, on PostgreSQL, and the AES-256-GCM sealing under its keys.

Each data subject (a customer's person) has one random 256-bit key. It is stored wrapped (AES-GCM) by a
key-encryption key (KEK) that lives in a file outside the database, like the checkpoint signing key: a
copy of the database alone opens no personal data. Personal data is sealed as 12-byte nonce followed by
the AES-256-GCM ciphertext and tag, with the subject's id as associated data, so that sealed bytes moved
to another subject fail to open.

Destroying a subject's key (crypto-shredding) sets its wrapped key to NULL in one statement; the events
that hold the subject's sealed data are never touched, so every hash and proof over them still verifies.
"""

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from uuid import UUID

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from psycopg_pool import ConnectionPool

from application.errors import SubjectErased
from application.ports import SubjectKeys
from infra.key_files import create_secret_file

KEY_BYTES = 32  # AES-256
NONCE_BYTES = 12  # the GCM nonce; random per sealing
# Rebuilds open many events of the same people: keys are kept in memory this long. Another process's
# destruction is seen after at most this long; this process's at once.
KEY_TTL_SECONDS = 30.0
# Enough for the people of a long rebuild's recent events; past it, expired keys go first, then all.
MAX_CACHED_KEYS = 10_000

_ENSURE = """
INSERT INTO subject_keys (subject_id, wrapped_key) VALUES (%s, %s) ON CONFLICT (subject_id) DO NOTHING
"""
_WRAPPED_KEY = "SELECT wrapped_key FROM subject_keys WHERE subject_id = %s"
_NOTE_CASE = "INSERT INTO subject_cases (subject_id, case_id) VALUES (%s, %s) ON CONFLICT DO NOTHING"
# One statement: the key is gone the moment it commits. A subject never seen gets a tombstone, so that
# their id can never get a key later. Nothing returns if the key was destroyed already.
_DESTROY = """
INSERT INTO subject_keys (subject_id, wrapped_key, erased_at) VALUES (%s, NULL, now())
ON CONFLICT (subject_id) DO UPDATE SET wrapped_key = NULL, erased_at = now()
WHERE subject_keys.erased_at IS NULL
RETURNING subject_id
"""


def seal(key: bytes, subject_id: UUID, plaintext: bytes) -> bytes:
    """12-byte random nonce || AES-256-GCM ciphertext and tag, bound to the subject's id."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, subject_id.bytes)


def open_sealed(key: bytes, subject_id: UUID, sealed: bytes) -> bytes:
    """The plaintext of `seal`; cryptography's InvalidTag if the bytes were changed or are another's."""
    return AESGCM(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], subject_id.bytes)


class PostgresSubjectKeys:
    """`SubjectKeys` in the `subject_keys` and `subject_cases` tables (migration 0008)."""

    def __init__(
        self,
        pool: ConnectionPool,
        key_encryption_key: bytes,
        ttl_seconds: float = KEY_TTL_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.pool = pool
        self._kek = key_encryption_key
        self._ttl = ttl_seconds
        self._monotonic = monotonic
        self._keys: dict[UUID, tuple[bytes, float]] = {}  # subject -> (key, when it expires here)
        self._lock = threading.Lock()

    def key_for(self, subject_id: UUID) -> bytes | None:
        """The subject's key; None once it was destroyed, or if the subject was never noted."""
        cached = self._cached(subject_id)
        if cached is not None:
            return cached
        with self.pool.connection() as conn:
            row = conn.execute(_WRAPPED_KEY, (subject_id,)).fetchone()
        if row is None or row[0] is None:
            return None
        return self._remember(subject_id, self._unwrap(subject_id, row[0]))

    def ensure(self, subject_id: UUID, case_id: UUID) -> bytes:
        """The subject's key, created if new, with a note that the case holds their data.

        SubjectErased if the subject's key was destroyed: their data is never recorded again.
        """
        new_key = self._wrap(subject_id, AESGCM.generate_key(bit_length=8 * KEY_BYTES))
        with self.pool.connection() as conn:
            conn.execute(_ENSURE, (subject_id, new_key))
            # FOR SHARE: a destruction waits until this case's note is committed, and so finds it noted.
            row = conn.execute(_WRAPPED_KEY + " FOR SHARE", (subject_id,)).fetchone()
            if row is None or row[0] is None:
                raise SubjectErased(
                    f"data subject {subject_id} was erased: their personal data cannot be recorded again",
                    field="subject_id",
                )
            conn.execute(_NOTE_CASE, (subject_id, case_id))
        return self._remember(subject_id, self._unwrap(subject_id, row[0]))

    def cases_of(self, subject_id: UUID) -> list[UUID]:
        """The cases noted as holding the subject's data, in the order they were noted.

        A case whose recording failed after the note (e.g. a refused command) may be listed too.
        """
        with self.pool.connection() as conn:
            rows = conn.execute(
                "SELECT case_id FROM subject_cases WHERE subject_id = %s ORDER BY noted_at, case_id",
                (subject_id,),
            ).fetchall()
        return [row[0] for row in rows]

    def subjects_of_case(self, case_id: UUID) -> list[UUID]:
        """The data subjects whose sealed data the case holds (its contact, witnesses, signers...)."""
        with self.pool.connection() as conn:
            rows = conn.execute(
                "SELECT subject_id FROM subject_cases WHERE case_id = %s ORDER BY noted_at, subject_id",
                (case_id,),
            ).fetchall()
        return [row[0] for row in rows]

    def destroy(self, subject_id: UUID) -> bool:
        """Destroy the subject's key for good; False if it was destroyed already.

        The key's row keeps the subject's id and when it was erased. PostgreSQL keeps the old row
        version (with the wrapped key) until VACUUM, so the table is vacuumed at once; copies may still
        live in write-ahead log segments and backups until they expire, wrapped under the key-encryption
        key, which never enters the database. (The production role needs MAINTAIN on the table for the
        VACUUM: PostgreSQL skips it with a warning otherwise.) Other processes see the destruction when
        their cached copy of the key expires, after at most `KEY_TTL_SECONDS`.
        """
        with self.pool.connection() as conn:
            destroyed = conn.execute(_DESTROY, (subject_id,)).fetchone() is not None
        with self._lock:
            self._keys.pop(subject_id, None)
        if destroyed:
            self._vacuum()
        return destroyed

    def _vacuum(self) -> None:
        with self.pool.connection() as conn:
            conn.autocommit = True  # VACUUM cannot run inside a transaction
            try:
                conn.execute("VACUUM subject_keys")
            finally:
                conn.autocommit = False

    def _cached(self, subject_id: UUID) -> bytes | None:
        with self._lock:
            cached = self._keys.get(subject_id)
        if cached is None or cached[1] <= self._monotonic():
            return None
        return cached[0]

    def _remember(self, subject_id: UUID, key: bytes) -> bytes:
        now = self._monotonic()
        with self._lock:
            if len(self._keys) >= MAX_CACHED_KEYS:
                self._keys = {s: entry for s, entry in self._keys.items() if entry[1] > now}
                if len(self._keys) >= MAX_CACHED_KEYS:
                    self._keys.clear()
            self._keys[subject_id] = (key, now + self._ttl)
        return key

    def _wrap(self, subject_id: UUID, key: bytes) -> bytes:
        return seal(self._kek, subject_id, key)

    def _unwrap(self, subject_id: UUID, wrapped: bytes) -> bytes:
        return open_sealed(self._kek, subject_id, bytes(wrapped))


class SubjectSealer:
    """`PersonalDataSealer` with the keys of a `SubjectKeys`."""

    def __init__(self, keys: SubjectKeys) -> None:
        self.keys = keys

    def seal(self, subject_id: UUID, plaintext: bytes) -> bytes:
        key = self.keys.key_for(subject_id)
        if key is None:
            # Use cases `ensure` every subject before recording their data; an erased one is refused there.
            raise SubjectErased(
                f"data subject {subject_id} has no key: erased, or not noted before recording",
                field="subject_id",
            )
        return seal(key, subject_id, plaintext)

    def open(self, subject_id: UUID, sealed: bytes) -> bytes | None:
        key = self.keys.key_for(subject_id)
        return None if key is None else open_sealed(key, subject_id, sealed)


class KeyEncryptionKeyError(Exception):
    """The key-encryption key file cannot be used as it is; it is never replaced: a person must look."""


def load_or_create_kek(path: Path) -> bytes:
    """The 32-byte key-encryption key in the file at `path`, created (mode 0600, folder 0700) if none.

    Losing this file loses every subject's personal data, as if every key were destroyed: back it up
    apart from the database.
    """
    if not path.exists():
        _create_kek_file(path)
    if not path.is_file():
        raise KeyEncryptionKeyError(f"key-encryption key {path} is not a regular file")
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise KeyEncryptionKeyError(
            f"key-encryption key {path} has mode {mode:04o}; it must be readable by its owner only (0600)"
        )
    key = path.read_bytes()
    if len(key) != KEY_BYTES:
        raise KeyEncryptionKeyError(f"key-encryption key {path} holds {len(key)} bytes, not {KEY_BYTES}")
    return key


def _create_kek_file(path: Path) -> None:
    create_secret_file(path, AESGCM.generate_key(bit_length=8 * KEY_BYTES))
