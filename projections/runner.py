"""STUB — to be replaced by the real projection runner (same public interface)."""

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from psycopg_pool import ConnectionPool


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


class ProjectionRunner:
    def __init__(self, pool: ConnectionPool, events: EventSource, decode: Callable[[Any], Any]) -> None:
        self.pool = pool
        self.events = events
        self.decode = decode

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def is_alive(self, max_silence_seconds: float) -> bool:
        return True
