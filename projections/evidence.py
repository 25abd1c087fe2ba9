"""The evidence projection: every attachment of every case into `case_attachments`.

Writes are idempotent: an attachment's row is keyed by its id, and superseding sets the same values again.
"""

from collections.abc import Sequence
from typing import Any

from psycopg import Connection

from domain.case import Case

NAME = "evidence"


class EvidenceProjection:
    name = NAME

    def apply(self, conn: Connection[Any], events: Sequence[tuple[int, Any]]) -> None:
        """Apply (notification id, domain event) pairs inside the caller's transaction."""
        with conn.cursor() as cur:
            for notification_id, event in events:
                if isinstance(event, Case.EvidenceAttached):
                    cur.execute(_INSERT, _attached_row(notification_id, event))
                elif isinstance(event, Case.EvidenceSuperseded):
                    cur.execute(_SUPERSEDE, (event.superseded_by, event.occurred_at, event.attachment_id))

    def clear(self, conn: Connection[Any]) -> None:
        conn.execute("TRUNCATE case_attachments")


def _attached_row(notification_id: int, e: Any) -> tuple[Any, ...]:
    return (
        e.attachment_id,
        e.originator_id,
        notification_id,
        e.sha256,
        e.size,
        e.content_type,
        e.kind.value,
        e.actor.user_id,
        e.actor.role.value,
        e.occurred_at,
        e.timestamp,
    )


_INSERT = (
    "INSERT INTO case_attachments (id, case_id, notification_id, sha256, size, content_type, kind,"
    " attached_by, attached_role, attached_at, recorded_at)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
    " ON CONFLICT (id) DO NOTHING"
)
_SUPERSEDE = "UPDATE case_attachments SET superseded_by = %s, superseded_at = %s WHERE id = %s"
