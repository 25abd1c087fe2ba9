"""The eventsourcing PostgreSQL recorder, extended to commit a command's side records with its events.

The library's default insert path is kept as it is: it takes the EXCLUSIVE table lock that makes
notification ids visible in commit order, so followers never skip an event.
"""

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import IntegrityError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresFactory
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.types.json import Jsonb

from application.ports import CaseNumberClaim, CaseNumberTaken, IdempotencyRecord


class LedgerRecorder(PostgresApplicationRecorder):
    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        try:
            return super().insert_events(stored_events, **kwargs)
        except IntegrityError as error:
            if _violated_constraint(error) == "case_numbers_pkey":
                raise CaseNumberTaken(str(error)) from error
            raise

    def _insert_events(
        self,
        curs: Cursor[DictRow],
        stored_events: Sequence[StoredEvent],
        *,
        idempotency: IdempotencyRecord | None = None,
        case_number: CaseNumberClaim | None = None,
        **kwargs: Any,
    ) -> None:
        if idempotency is not None:
            curs.execute(
                "INSERT INTO idempotency_records (key, request_hash, response) VALUES (%s, %s, %s)",
                (idempotency.key, idempotency.request_hash, Jsonb(idempotency.response)),
            )
        if case_number is not None:
            curs.execute(
                "INSERT INTO case_numbers (year, sequence, case_id) VALUES (%s, %s, %s)",
                (case_number.year, case_number.sequence, case_number.case_id),
            )


class LedgerFactory(PostgresFactory):
    application_recorder_class = LedgerRecorder


def _violated_constraint(error: Exception) -> str | None:
    cause = error.__cause__
    diag = getattr(cause, "diag", None)
    return getattr(diag, "constraint_name", None)
