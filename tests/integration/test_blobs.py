"""Both blob stores, on real PostgreSQL and a real directory: one contract, the same tests."""

import hashlib
import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest
from psycopg import errors

from infra.blobs import CHUNK_BYTES, DirectoryBlobStore, PostgresBlobStore

# Three chunks and a bit: the chunk boundaries are crossed on the way in and out.
VIDEO = os.urandom(3 * CHUNK_BYTES + 12_345)
REPORT = b"%PDF-1.7\nCCIC report 0815: Qnet,ar 5,120 kcal/kg\n"


class OneWay(io.RawIOBase):
    """A stream that cannot seek, as a socket is."""

    def __init__(self, content: bytes) -> None:
        self.source = io.BytesIO(content)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        chunk = self.source.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


@pytest.fixture(params=["postgres", "directory"])
def store(request, services, tmp_path) -> Iterator[Any]:
    if request.param == "postgres":
        yield PostgresBlobStore(services.pool)
    else:
        yield DirectoryBlobStore(tmp_path / "blobs")


def read(store: Any, sha256: str) -> bytes:
    with store.open(sha256) as content:
        return bytes(content.read())


@pytest.mark.parametrize("content", [VIDEO, REPORT, b""], ids=["video", "report", "empty"])
def test_bytes_come_back_under_the_name_of_their_sha256(store, content: bytes):
    blob = store.put(io.BytesIO(content))

    assert blob.sha256 == hashlib.sha256(content).hexdigest()
    assert blob.size == len(content)
    assert store.exists(blob.sha256)
    assert read(store, blob.sha256) == content


def test_a_stream_that_cannot_seek_is_stored_too(store):
    blob = store.put(io.BufferedReader(OneWay(VIDEO)))  # type: ignore[arg-type]

    assert read(store, blob.sha256) == VIDEO


def test_the_same_bytes_are_stored_once(store, services, tmp_path):
    first = store.put(io.BytesIO(REPORT))
    second = store.put(io.BytesIO(REPORT))

    assert first == second
    if isinstance(store, PostgresBlobStore):
        with services.pool.connection() as conn:
            assert conn.execute("SELECT count(*) FROM blobs").fetchone() == (1,)
    else:
        assert [p.name for p in store.root.rglob("*") if p.is_file()] == [first.sha256]


def test_an_unknown_or_malformed_name_is_no_blob(store):
    for name in ("0" * 64, "../../etc/passwd", "AB" * 32):
        assert not store.exists(name)
        with pytest.raises(KeyError):
            store.open(name)


def test_intact_blobs_are_not_corrupted(store):
    store.put(io.BytesIO(VIDEO))
    store.put(io.BytesIO(REPORT))

    assert list(store.corrupted()) == []


def test_the_directory_store_writes_whole_read_only_files_and_leaves_no_temporary_one(tmp_path):
    store = DirectoryBlobStore(tmp_path / "blobs")

    blob = store.put(io.BytesIO(REPORT))

    path = store.path(blob.sha256)
    assert path == tmp_path / "blobs" / blob.sha256[:2] / blob.sha256[2:4] / blob.sha256
    assert path.stat().st_mode & 0o777 == 0o444
    assert list(store.incoming.iterdir()) == []


def test_the_directory_store_never_overwrites_a_blob(tmp_path):
    store = DirectoryBlobStore(tmp_path / "blobs")
    blob = store.put(io.BytesIO(REPORT))
    path = store.path(blob.sha256)
    path.chmod(0o644)
    path.write_bytes(b"swapped")  # what an attacker left behind

    store.put(io.BytesIO(REPORT))

    assert path.read_bytes() == b"swapped", "put must not silently repair (and so hide) a swap"
    assert list(store.corrupted()) == [blob.sha256]


def test_a_swapped_file_in_the_directory_store_is_corrupted(tmp_path):
    store = DirectoryBlobStore(tmp_path / "blobs")
    report, video = store.put(io.BytesIO(REPORT)), store.put(io.BytesIO(VIDEO))
    path = store.path(video.sha256)
    path.chmod(0o644)
    path.write_bytes(VIDEO[:-1] + b"\x00")

    assert list(store.corrupted()) == [video.sha256]
    assert report.sha256 not in list(store.corrupted())


def test_postgres_blobs_are_append_only(services):
    store = PostgresBlobStore(services.pool)
    blob = store.put(io.BytesIO(REPORT))

    for statement in (
        "UPDATE blob_chunks SET content = 'x'",
        "DELETE FROM blob_chunks",
        "UPDATE blobs SET size = 1",
        "DELETE FROM blobs",
        "TRUNCATE blob_chunks, blobs",
    ):
        with (
            psycopg.connect(services.database_url) as conn,
            pytest.raises(errors.InsufficientPrivilege, match="append-only"),
        ):
            conn.execute(statement)  # type: ignore[arg-type]
    assert read(store, blob.sha256) == REPORT


@pytest.mark.parametrize(
    "tampering",
    [
        "UPDATE blob_chunks SET content = set_byte(content, 0, 0) WHERE chunk_index = 1",
        "DELETE FROM blob_chunks WHERE chunk_index = 3",
        "UPDATE blobs SET size = size - 1 WHERE true",
    ],
    ids=["changed chunk", "deleted chunk", "changed size"],
)
def test_tampered_postgres_blobs_are_corrupted(services, tampering: str):
    store = PostgresBlobStore(services.pool)
    report, video = store.put(io.BytesIO(REPORT)), store.put(io.BytesIO(VIDEO))

    with superuser_without_triggers(services) as conn:
        conn.execute(tampering.replace("WHERE", f"WHERE sha256 = '{video.sha256}' AND"))  # type: ignore[arg-type]

    assert list(store.corrupted()) == [video.sha256]
    assert report.sha256 not in list(store.corrupted())


BLOB_TRIGGERS = (("blobs", "blobs_append_only"), ("blob_chunks", "blob_chunks_append_only"))


@contextmanager
def superuser_without_triggers(services: Any) -> Iterator[psycopg.Connection[Any]]:
    """An attacker with full database access: the append-only triggers switched off meanwhile."""
    with psycopg.connect(services.database_url, autocommit=True) as conn:
        for table, trigger in BLOB_TRIGGERS:
            conn.execute(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")  # type: ignore[arg-type]
        try:
            yield conn
        finally:
            for table, trigger in BLOB_TRIGGERS:
                conn.execute(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}")  # type: ignore[arg-type]
