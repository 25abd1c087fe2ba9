"""Where a projection has got to in the notification log, and whether anyone is running it."""

from typing import Any

from psycopg import Connection
from psycopg_pool import ConnectionPool


class Tracking:
    """The tracking row and heartbeat of one projection."""

    def __init__(self, pool: ConnectionPool, name: str) -> None:
        self.pool = pool
        self.name = name
        # Once, here: position() is polled (wait_until) and must stay a plain read.
        with self.pool.connection() as conn:
            conn.execute(
                "INSERT INTO projection_tracking (name) VALUES (%s) ON CONFLICT DO NOTHING", (self.name,)
            )

    def position(self) -> int:
        """The last notification id whose effects are committed in the read models (0: none)."""
        with self.pool.connection() as conn:
            row = conn.execute("SELECT position FROM projection_tracking WHERE name = %s", (self.name,))
            return int(row.fetchone()[0])  # type: ignore[index]

    def lock_at(self, conn: Connection[Any], expected: int) -> bool:
        """Lock the row for this transaction; False if another runner has moved it on meanwhile."""
        row = conn.execute(
            "SELECT position FROM projection_tracking WHERE name = %s FOR UPDATE", (self.name,)
        ).fetchone()
        return row is not None and row[0] == expected

    def advance(self, conn: Connection[Any], position: int) -> None:
        conn.execute(
            "UPDATE projection_tracking SET position = %s, updated_at = now() WHERE name = %s",
            (position, self.name),
        )

    def beat(self, process: str) -> None:
        with self.pool.connection() as conn:
            conn.execute(
                "INSERT INTO projection_heartbeats (name, beat_at, process) VALUES (%s, now(), %s)"
                " ON CONFLICT (name) DO UPDATE SET beat_at = now(), process = EXCLUDED.process",
                (self.name, process),
            )

    def has_beaten_within(self, seconds: float) -> bool:
        # The database's clock judges, so that the API and a worker on another host agree.
        with self.pool.connection() as conn:
            row = conn.execute(
                "SELECT beat_at > now() - make_interval(secs => %s) FROM projection_heartbeats"
                " WHERE name = %s",
                (seconds, self.name),
            ).fetchone()
        return bool(row and row[0])
