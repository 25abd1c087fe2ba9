"""Runs projections: follows the event store's notification log and keeps the read models current.

Each batch of events is applied and the tracking position advanced in ONE transaction, so a crash
at any point leaves the read models exactly at their tracked position: no event is applied twice
or skipped. The event store inserts under an exclusive table lock, so notification ids become
visible in commit order and reading `notification_id > position` in order never passes a gap.
"""

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol

import psycopg
import structlog
from eventsourcing.utils import TopicError
from psycopg import Connection, sql
from psycopg_pool import ConnectionPool

from projections.read_models import ReadModels
from projections.tracking import Tracking

log = structlog.get_logger(__name__)

BATCH_SIZE = 500
# Replaying history has no latency to keep; bigger transactions spread each commit over more events.
REBUILD_BATCH_SIZE = 2000
# LISTEN wakes the follower at once; the poll is only a fallback for a lost notification.
# Well under the one second in which a write must be visible to GraphQL.
COALESCE_SECONDS = 0.05
POLL_SECONDS = 0.25
HEARTBEAT_SECONDS = 2.0
RETRY_SECONDS = 1.0
# The library NOTIFYs on a channel named after the events table.
DEFAULT_CHANNEL = "ledger_events"


@dataclass(frozen=True)
class _Batch:
    start: int  # the tracked position the batch follows
    end: int  # its last notification id
    count: int  # notifications read, including any skipped
    events: list[tuple[int, Any]]


class EventSource(Protocol):
    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
    ) -> Sequence[Any]: ...

    def max_notification_id(self) -> int | None: ...


class Projection(Protocol):
    name: str

    def apply(self, conn: Connection[Any], events: Sequence[tuple[int, Any]]) -> None: ...

    def clear(self, conn: Connection[Any]) -> None: ...


class ProjectionRunner:
    """Keeps the read models current, in a background thread or in a blocking loop."""

    def __init__(
        self,
        pool: ConnectionPool,
        events: EventSource,
        decode: Callable[[Any], Any],
        *,
        projection: Projection | None = None,
        batch_size: int = BATCH_SIZE,
        rebuild_batch_size: int = REBUILD_BATCH_SIZE,
        on_caught_up: Callable[[], Any] | None = None,
    ) -> None:
        self.pool = pool
        self.events = events
        self.decode = decode
        self.projection: Projection = projection or ReadModels()
        self.batch_size = batch_size
        self.rebuild_batch_size = rebuild_batch_size
        # Work that follows the projection: e.g. signing a checkpoint once the leaves are in.
        self.on_caught_up = on_caught_up
        self.tracking = Tracking(pool, self.projection.name)
        self.channel = getattr(events, "channel_name", DEFAULT_CHANNEL)
        self.process = f"{socket.gethostname()}:{os.getpid()}"
        # A cache of the tracked position; every batch checks it under the row lock.
        self._position: int | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._lifecycle = threading.Lock()

    # -- running --------------------------------------------------------------------------------

    def start(self) -> None:
        """Follow new events in a background thread until `stop()`."""
        with self._lifecycle:
            if self._thread is not None:
                return
            self._stop = threading.Event()
            self._thread = threading.Thread(
                target=self.run_forever, args=(self._stop,), name=f"projection-{self.projection.name}"
            )
            self._thread.daemon = True
            self._thread.start()

    def stop(self) -> None:
        """Stop following and wait for the thread to finish its current batch; safe to call twice."""
        with self._lifecycle:
            thread, self._thread = self._thread, None
            self._stop.set()
        if thread is not None:
            thread.join()

    def run_forever(self, stop_event: threading.Event) -> None:
        """Follow new events until `stop_event` is set; failures are logged and retried."""
        log.info("projection.following", projection=self.projection.name, process=self.process)
        while not stop_event.is_set():
            try:
                self._follow(stop_event)
            except Exception:
                log.exception("projection.failed", projection=self.projection.name)
                stop_event.wait(RETRY_SECONDS)
        log.info("projection.stopped", projection=self.projection.name, position=self._position)

    def _follow(self, stop_event: threading.Event) -> None:
        with psycopg.connect(self.pool.conninfo, autocommit=True) as listener:
            # Listening before catching up means a NOTIFY sent in between still wakes us.
            listener.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self.channel)))
            next_beat = 0.0
            while not stop_event.is_set():
                self.catch_up()
                if self.on_caught_up is not None:
                    self.on_caught_up()
                # A projection that keeps failing stops beating, so readiness checks see it.
                if time.monotonic() >= next_beat:
                    self.tracking.beat(self.process)
                    next_beat = time.monotonic() + HEARTBEAT_SECONDS
                woken = any(True for _ in listener.notifies(timeout=POLL_SECONDS, stop_after=1))
                if woken:
                    # Let the events of concurrent commands gather into one batch: one transaction
                    # for many events costs the writers far less CPU than one for each.
                    stop_event.wait(COALESCE_SECONDS)

    # -- applying -------------------------------------------------------------------------------

    def catch_up(self) -> int:
        """Apply every event recorded so far; returns how many were processed."""
        return sum(self._apply_batches(self.batch_size))

    def rebuild(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Empty the read models and replay every event from the first; returns how many."""
        total = self.events.max_notification_id() or 0
        with self.pool.connection() as conn, conn.transaction():
            self.tracking.lock_at(conn, 0)
            self.projection.clear(conn)
            self.tracking.advance(conn, 0)
        self._position = 0
        log.info("projection.rebuilding", projection=self.projection.name, events=total)
        done = 0
        if progress:
            progress(done, total)
        for count in self._apply_batches(self.rebuild_batch_size):
            done += count
            if progress:
                progress(done, max(total, done))
        log.info("projection.rebuilt", projection=self.projection.name, events=done)
        return done

    def _apply_batches(self, limit: int) -> Iterator[int]:
        """Apply batch after batch until none is left, yielding each one's size.

        The next batch is read and decoded in a second thread while this one is written, so that
        decoding (CPU) overlaps the database's work (I/O).
        """
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="projection-reader") as reader:
            ahead = reader.submit(self._read, self._tracked_position(), limit)
            while (batch := ahead.result()) is not None:
                ahead = reader.submit(self._read, batch.end, limit)
                if self._write(batch):
                    yield batch.count
                else:
                    # Another runner moved the position on: the batch read ahead starts at the wrong place.
                    ahead.result()
                    ahead = reader.submit(self._read, self._tracked_position(), limit)

    def _tracked_position(self) -> int:
        if self._position is None:
            self._position = self.tracking.position()
        return self._position

    def _read(self, start: int, limit: int) -> _Batch | None:
        notifications = self.events.select_notifications(start, limit, inclusive_of_start=False)
        if not notifications:
            return None
        return _Batch(start, notifications[-1].id, len(notifications), self._decoded(notifications))

    def _write(self, batch: _Batch) -> bool:
        """Apply a batch and advance the position in one transaction; False if it was not ours to apply."""
        with self.pool.connection() as conn, conn.transaction():
            if not self.tracking.lock_at(conn, batch.start):
                self._position = None
                return False
            self.projection.apply(conn, batch.events)
            self.tracking.advance(conn, batch.end)
        self._position = batch.end
        return True

    def _decoded(self, notifications: Sequence[Any]) -> list[tuple[int, Any]]:
        decoded = []
        for notification in notifications:
            try:
                decoded.append((notification.id, self.decode(notification)))
            except TopicError:
                # An event type this code does not know (a newer release wrote it): skip, keep going.
                log.warning(
                    "projection.unknown_event_skipped",
                    projection=self.projection.name,
                    notification_id=notification.id,
                    topic=notification.topic,
                )
        return decoded

    # -- observing ------------------------------------------------------------------------------

    def position(self) -> int:
        """The last notification id applied to the read models."""
        return self.tracking.position()

    def wait_until(self, notification_id: int, timeout: float) -> bool:
        """Wait until the read models include `notification_id`; False if `timeout` seconds pass first."""
        deadline = time.monotonic() + timeout
        while self.position() < notification_id:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.01)
        return True

    def is_alive(self, max_silence_seconds: float) -> bool:
        """Whether some process (this one or a worker) has followed the events recently."""
        return self.tracking.has_beaten_within(max_silence_seconds)
