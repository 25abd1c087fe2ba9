"""The eventsourcing PostgreSQL recorder, appending through one stored function per command.

`ledger_append` (migration 0003) takes the same EXCLUSIVE table lock as the library's default insert,
so notification ids become visible in commit order and followers never skip an event; it also writes
the command's idempotency record and case-number claim in the same transaction as its events.
"""

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import IntegrityError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresFactory
from psycopg.types.json import Jsonb

from application.ports import CaseNumberClaim, CaseNumberTaken, IdempotencyRecord

_APPEND = "SELECT ledger_append(%s, %s, %s, %s, %s, %s, %s) AS notification_id"


class LedgerRecorder(PostgresApplicationRecorder):
    def insert_events(
        self,
        stored_events: Sequence[StoredEvent],
        *,
        idempotency: IdempotencyRecord | None = None,
        case_number: CaseNumberClaim | None = None,
        **kwargs: Any,
    ) -> Sequence[int] | None:
        if not stored_events:
            return []
        rows = [
            self.construct_pg_stored_event(e.originator_id, e.originator_version, e.topic, e.state)
            for e in stored_events
        ]
        params = (
            rows,
            case_number.year if case_number else None,
            case_number.sequence if case_number else None,
            case_number.case_id if case_number else None,
            idempotency.key if idempotency else None,
            idempotency.request_hash if idempotency else None,
            Jsonb(idempotency.response) if idempotency else None,
        )
        try:
            with self.datastore.get_connection() as conn:
                return [row["notification_id"] for row in conn.execute(_APPEND, params).fetchall()]
        except IntegrityError as error:
            if _violated_constraint(error) == "case_numbers_pkey":
                raise CaseNumberTaken(str(error)) from error
            raise


class LedgerFactory(PostgresFactory):
    application_recorder_class = LedgerRecorder


def _violated_constraint(error: Exception) -> str | None:
    cause = error.__cause__
    diag = getattr(cause, "diag", None)
    return getattr(diag, "constraint_name", None)
