"""The access projection: every read into `access_log`, every access grant into `access_grants`.

Writes are idempotent: log rows are keyed by notification id and case, grant rows guarded by version.
"""

from collections.abc import Callable, Sequence
from typing import Any

from psycopg import Connection

from domain.access import AccessGrant, AccessRecord, GrantStatus

NAME = "access"

_READS = (AccessRecord.ReadRecorded, AccessRecord.ReadRefused)


class AccessProjection:
    name = NAME

    def apply(self, conn: Connection[Any], events: Sequence[tuple[int, Any]]) -> None:
        """Apply (notification id, domain event) pairs inside the caller's transaction."""
        log_rows = [row for nid, e in events if isinstance(e, _READS) for row in _log_rows(nid, e)]
        with conn.cursor() as cur:
            if log_rows:
                cur.executemany(_INSERT_LOG, log_rows)
            for _, event in events:
                write = _GRANT_WRITES.get(type(event))
                if write is not None:
                    statement, params = write(event)
                    cur.execute(statement, params)

    def clear(self, conn: Connection[Any]) -> None:
        conn.execute("TRUNCATE access_log, access_grants")


def _log_rows(notification_id: int, e: Any) -> list[tuple[Any, ...]]:
    refusal = getattr(e, "refusal", None)
    common = (
        notification_id,
        e.originator_id,
        e.timestamp,
        e.actor.user_id,
        e.actor.role.value,
        e.what.value,
    )
    tail = (e.grant_id, e.request_id, refusal is not None, refusal.value if refusal else None)
    # One row per case named, so a case's log is one index range; a read of no case still leaves a row.
    return [(*common, case_id, *tail) for case_id in (e.case_ids or [None])]


_INSERT_LOG = (
    "INSERT INTO access_log (notification_id, record_id, recorded_at, user_id, role, what, case_id,"
    " grant_id, request_id, refused, why) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
    " ON CONFLICT DO NOTHING"
)

GrantWrite = tuple[str, tuple[Any, ...]]


def _requested(e: Any) -> GrantWrite:
    return (
        "INSERT INTO access_grants (id, case_id, requester, status, valid_from, valid_until, requested_at,"
        " version) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO NOTHING",
        (
            e.originator_id,
            e.case_id,
            e.actor.user_id,
            GrantStatus.REQUESTED.value,
            e.valid_from,
            e.valid_until,
            e.occurred_at,
            e.originator_version,
        ),
    )


def _decided(status: GrantStatus) -> Callable[[Any], GrantWrite]:
    def write(e: Any) -> GrantWrite:
        return (
            "UPDATE access_grants SET status = %s, decided_by = %s, decided_at = %s, version = %s"
            " WHERE id = %s AND version < %s",
            (
                status.value,
                e.actor.user_id,
                e.occurred_at,
                e.originator_version,
                e.originator_id,
                e.originator_version,
            ),
        )

    return write


def _revoked(e: Any) -> GrantWrite:
    return (
        "UPDATE access_grants SET status = %s, revoked_by = %s, revoked_at = %s, version = %s"
        " WHERE id = %s AND version < %s",
        (
            GrantStatus.REVOKED.value,
            e.actor.user_id,
            e.occurred_at,
            e.originator_version,
            e.originator_id,
            e.originator_version,
        ),
    )


_GRANT_WRITES: dict[type, Callable[[Any], GrantWrite]] = {
    AccessGrant.Requested: _requested,
    AccessGrant.Approved: _decided(GrantStatus.APPROVED),
    AccessGrant.Rejected: _decided(GrantStatus.REJECTED),
    AccessGrant.Revoked: _revoked,
}
