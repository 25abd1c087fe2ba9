"""One row per stream: the shape of the small read models (corrective actions, follow-ups, complaint
reviews). Each event maps to one statement; the first event inserts the row once (ON CONFLICT DO NOTHING)
and every later one updates it only if the row is at an older version, so replaying a batch changes
nothing."""

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from psycopg import Connection

Write = tuple[str, tuple[Any, ...]]
WriteOf = Callable[[Any], Write]


class RowProjection:
    """Applies `writes` (by event class) in the caller's transaction; `clear` empties `tables`."""

    def __init__(self, name: str, tables: Sequence[str], writes: Mapping[type, WriteOf]) -> None:
        self.name = name
        self.tables = tuple(tables)
        self.writes = dict(writes)

    def apply(self, conn: Connection[Any], events: Sequence[tuple[int, Any]]) -> None:
        """Apply (notification id, domain event) pairs inside the caller's transaction, in order."""
        with conn.cursor() as cur:
            for _, event in events:
                write = self.writes.get(type(event))
                if write is not None:
                    cur.execute(*write(event))

    def clear(self, conn: Connection[Any]) -> None:
        conn.execute("TRUNCATE " + ", ".join(self.tables))


def newer_update(table: str) -> Callable[[str, Callable[[Any], tuple[Any, ...]]], WriteOf]:
    """A maker of UPDATEs of `table`'s row of the event's stream (`id`) that only a newer event applies:
    `update("owner = %s", lambda e: (e.owner,))`."""
    # The table's name is a constant of the projection that calls this, never input.
    template = f"UPDATE {table} SET {{assignments}}, version = %s WHERE id = %s AND version < %s"  # noqa: S608

    def update(assignments: str, values: Callable[[Any], tuple[Any, ...]]) -> WriteOf:
        statement = template.replace("{assignments}", assignments)

        def write(e: Any) -> Write:
            return statement, (*values(e), e.originator_version, e.originator_id, e.originator_version)

        return write

    return update
