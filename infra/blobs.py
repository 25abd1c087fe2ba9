"""Content-addressed blob stores behind the application's `BlobStore` port: PostgreSQL, or a directory.

A blob's name is the SHA-256 (lower-case hex) of its bytes. Both stores read the bytes once while
hashing, never hold a whole file in memory, store the same bytes only once, never overwrite a blob,
and can say which stored blobs no longer hash to their names (`corrupted`), for `aftersales verify`.
"""

import hashlib
import io
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from psycopg_pool import ConnectionPool

from application.ports import BlobStore, StoredBlob
from domain.evidence import SHA256_HEX

CHUNK_BYTES = 1024 * 1024


def _chunks(content: BinaryIO) -> Iterator[bytes]:
    return iter(lambda: content.read(CHUNK_BYTES), b"")


def _copy_hashing(content: BinaryIO, out: BinaryIO | None = None) -> StoredBlob:
    """Read `content` to its end (writing it to `out`, if given); its name and size."""
    digest = hashlib.sha256()
    size = 0
    for chunk in _chunks(content):
        digest.update(chunk)
        size += len(chunk)
        if out is not None:
            out.write(chunk)
    return StoredBlob(digest.hexdigest(), size)


def _checked_name(sha256: str) -> str:
    # Names come from events and URLs: anything but a SHA-256 names no blob (and no path).
    if not SHA256_HEX.match(sha256):
        raise KeyError(sha256)
    return sha256


# -- PostgreSQL ------------------------------------------------------------------------------------


class PostgresBlobStore:
    """Blobs in the `blobs` and `blob_chunks` tables (migration 0006), in chunks of 1 MiB."""

    def __init__(self, pool: ConnectionPool) -> None:
        self.pool = pool

    def put(self, content: BinaryIO) -> StoredBlob:
        with _seekable(content) as (readable, blob):
            if not self.exists(blob.sha256):
                self._insert(blob, readable)
        return blob

    def _insert(self, blob: StoredBlob, content: BinaryIO) -> None:
        chunks = -(-blob.size // CHUNK_BYTES)
        with self.pool.connection() as conn, conn.transaction():
            inserted = conn.execute(
                "INSERT INTO blobs (sha256, size, chunks) VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
                (blob.sha256, blob.size, chunks),
            ).rowcount
            if not inserted:
                return  # the same bytes, stored by another request that committed first
            for index, chunk in enumerate(_chunks(content)):
                conn.execute(
                    "INSERT INTO blob_chunks (sha256, chunk_index, content) VALUES (%s, %s, %s)",
                    (blob.sha256, index, chunk),
                )

    def open(self, sha256: str) -> BinaryIO:
        with self.pool.connection() as conn:
            found = conn.execute("SELECT chunks FROM blobs WHERE sha256 = %s", (_checked_name(sha256),))
            row = found.fetchone()
        if row is None:
            raise KeyError(sha256)
        reader = _ChunkReader(self.pool, sha256, row[0])
        return io.BufferedReader(reader, CHUNK_BYTES)  # type: ignore[return-value]

    def exists(self, sha256: str) -> bool:
        with self.pool.connection() as conn:
            found = conn.execute("SELECT 1 FROM blobs WHERE sha256 = %s", (sha256,))
            return found.fetchone() is not None

    def corrupted(self) -> Iterator[str]:
        with self.pool.connection() as conn:
            stored = conn.execute("SELECT sha256, size FROM blobs ORDER BY sha256").fetchall()
        for sha256, size in stored:
            with self.open(sha256) as content:
                if _copy_hashing(content) != StoredBlob(sha256, size):
                    yield sha256


class _ChunkReader(io.RawIOBase):
    """A blob's chunks in order, one query each: a slow client never holds a pooled connection."""

    def __init__(self, pool: ConnectionPool, sha256: str, chunks: int) -> None:
        self.pool = pool
        self.sha256 = sha256
        self.chunks = chunks
        self.next_index = 0
        self.pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if not self.pending and self.next_index < self.chunks:
            self.pending = self._chunk(self.next_index)
            self.next_index += 1
        count = min(len(buffer), len(self.pending))
        buffer[:count] = self.pending[:count]
        self.pending = self.pending[count:]
        return count

    def _chunk(self, index: int) -> bytes:
        with self.pool.connection() as conn:
            row = conn.execute(
                "SELECT content FROM blob_chunks WHERE sha256 = %s AND chunk_index = %s", (self.sha256, index)
            ).fetchone()
        # A missing chunk reads as nothing: the bytes then fail their hash, which is what callers check.
        return bytes(row[0]) if row else b""


@contextmanager
def _seekable(content: BinaryIO) -> Iterator[tuple[BinaryIO, StoredBlob]]:
    """The content, hashed, rewound to where it started; spooled to a temporary file if it cannot seek."""
    if content.seekable():
        start = content.tell()
        blob = _copy_hashing(content)
        content.seek(start)
        yield content, blob
        return
    with tempfile.TemporaryFile() as spool:
        blob = _copy_hashing(content, spool)  # type: ignore[arg-type]
        spool.seek(0)
        yield spool, blob  # type: ignore[misc]


# -- a directory -----------------------------------------------------------------------------------


class DirectoryBlobStore:
    """Blobs as read-only files `<root>/ab/cd/<sha256>`, written whole or not at all."""

    def __init__(self, root: Path) -> None:
        self.root = root
        # Beside the blobs, on the same file system: linking a finished file into place is atomic.
        self.incoming = root / ".incoming"
        self.incoming.mkdir(parents=True, exist_ok=True)

    def path(self, sha256: str) -> Path:
        name = _checked_name(sha256)
        return self.root / name[:2] / name[2:4] / name

    def put(self, content: BinaryIO) -> StoredBlob:
        descriptor, temporary = tempfile.mkstemp(dir=self.incoming)
        try:
            with os.fdopen(descriptor, "wb") as out:
                blob = _copy_hashing(content, out)  # type: ignore[arg-type]
                out.flush()
                os.fsync(out.fileno())
            self._link(Path(temporary), self.path(blob.sha256))
        finally:
            os.unlink(temporary)
        return blob

    def _link(self, finished: Path, target: Path) -> None:
        if target.exists():
            return  # the same bytes are stored already
        target.parent.mkdir(parents=True, exist_ok=True)
        finished.chmod(0o444)
        try:
            # Unlike a rename, a link never replaces an existing file: a blob is never overwritten.
            os.link(finished, target)
        except FileExistsError:
            return  # another request stored the same bytes a moment ago
        _fsync_directory(target.parent)

    def open(self, sha256: str) -> BinaryIO:
        try:
            return self.path(sha256).open("rb")
        except FileNotFoundError:
            raise KeyError(sha256) from None

    def exists(self, sha256: str) -> bool:
        try:
            return self.path(sha256).is_file()
        except KeyError:
            return False

    def corrupted(self) -> Iterator[str]:
        for file in sorted(self.root.glob("??/??/*")):
            if not SHA256_HEX.match(file.name):
                continue
            with file.open("rb") as content:
                if _copy_hashing(content).sha256 != file.name:
                    yield file.name


def _fsync_directory(directory: Path) -> None:
    # The new name is durable only once its directory is: a crash must not lose a blob an event names.
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def open_blob_store(kind: str, directory: Path, pool: ConnectionPool) -> BlobStore:
    """The configured store: `postgres` (beside the events) or `directory` (files under `directory`)."""
    if kind == "directory":
        return DirectoryBlobStore(directory)
    return PostgresBlobStore(pool)
