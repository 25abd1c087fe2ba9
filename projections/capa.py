"""The corrective-action projection: each action's latest state into `corrective_actions`.

Writes are idempotent: the raising inserts once by id, every later event updates only a row at an
older version.
"""

from collections.abc import Callable, Sequence
from typing import Any

from psycopg import Connection

from domain.capa import ActionStatus, CorrectiveAction

NAME = "corrective_actions"

ActionWrite = tuple[str, tuple[Any, ...]]


class CorrectiveActionProjection:
    name = NAME

    def apply(self, conn: Connection[Any], events: Sequence[tuple[int, Any]]) -> None:
        """Apply (notification id, domain event) pairs inside the caller's transaction."""
        with conn.cursor() as cur:
            for _, event in events:
                write = _WRITES.get(type(event))
                if write is not None:
                    cur.execute(*write(event))

    def clear(self, conn: Connection[Any]) -> None:
        conn.execute("TRUNCATE corrective_actions")


def _raised(e: Any) -> ActionWrite:
    return (
        "INSERT INTO corrective_actions (id, case_id, root_cause, kind, status, owner, due, raised_at,"
        " version) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO NOTHING",
        (
            e.originator_id,
            e.case_id,
            e.root_cause.value,
            e.kind.value,
            ActionStatus.OPEN.value,
            e.owner,
            e.due,
            e.occurred_at,
            e.originator_version,
        ),
    )


def _update(assignments: str, values: Callable[[Any], tuple[Any, ...]]) -> Callable[[Any], ActionWrite]:
    """An UPDATE of one action's row that only a newer event applies; `assignments` take `values`."""
    statement = _UPDATE.replace("{assignments}", assignments)

    def write(e: Any) -> ActionWrite:
        return statement, (*values(e), e.originator_version, e.originator_id, e.originator_version)

    return write


_UPDATE = "UPDATE corrective_actions SET {assignments}, version = %s WHERE id = %s AND version < %s"


def _verified_status(e: Any) -> str:
    # Not effective: the action reopens for its owner (see domain/capa.py).
    return (ActionStatus.EFFECTIVE if e.effective else ActionStatus.OPEN).value


_WRITES: dict[type, Callable[[Any], ActionWrite]] = {
    CorrectiveAction.ActionRaised: _raised,
    CorrectiveAction.ActionReassigned: _update("owner = %s", lambda e: (e.owner,)),
    CorrectiveAction.ActionDueDateChanged: _update("due = %s", lambda e: (e.due,)),
    CorrectiveAction.ActionCompleted: _update(
        "status = %s, completed_at = %s", lambda e: (ActionStatus.COMPLETED.value, e.occurred_at)
    ),
    CorrectiveAction.EffectivenessVerified: _update(
        "status = %s, verified_at = %s, completed_at = CASE WHEN %s THEN completed_at END",
        lambda e: (_verified_status(e), e.occurred_at, e.effective),
    ),
    CorrectiveAction.ActionCancelled: _update(
        "status = %s, cancelled_at = %s", lambda e: (ActionStatus.CANCELLED.value, e.occurred_at)
    ),
}
