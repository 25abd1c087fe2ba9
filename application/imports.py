"""Imports of many new aggregates (shipments, installed units): every row in one transaction, or none.

Each importer validates its rows into aggregates and refusals; `import_all` saves them with the caller's
idempotency record, answers a retried request with its first answer, and turns a race with another
writer of the same ids into a conflict that imported nothing.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from application.errors import ApplicationError, IdempotencyKeyReused, VersionConflict
from application.ledger import Caller, CaseLedger
from application.ports import IdempotencyRecord


@dataclass(frozen=True)
class RowRejection:
    """Why one row of an import was refused: its 1-based number among the rows, the field, the rule."""

    row: int
    field: str
    message: str


@dataclass(frozen=True)
class ImportResult:
    ids: tuple[UUID, ...]

    def as_response(self) -> dict[str, Any]:
        return {"imported": len(self.ids), "ids": [str(i) for i in self.ids]}


class ImportRejected(ApplicationError):
    """At least one row was refused, so nothing was imported."""

    def __init__(self, rejected: Sequence[RowRejection], rows: int) -> None:
        super().__init__(f"{len({r.row for r in rejected})} of {rows} rows refused; nothing was imported")
        self.rejected = list(rejected)


Validated = tuple[Sequence[Aggregate], Sequence[RowRejection]]


def import_all(
    ledger: CaseLedger,
    caller: Caller,
    rows: int,
    validate: Callable[[], Validated],
    conflict: VersionConflict,
) -> ImportResult:
    """Save what `validate` makes of the rows, all in one transaction; `conflict` if another writer raced."""
    if replayed := _replayed(ledger, caller):
        return replayed
    aggregates, rejected = validate()
    if rejected:
        raise ImportRejected(rejected, rows)
    result = ImportResult(tuple(aggregate.id for aggregate in aggregates))
    record = None
    if caller.idempotency is not None:
        request = caller.idempotency
        record = IdempotencyRecord(request.key, request.request_hash, result.as_response())
    try:
        ledger.save(*aggregates, idempotency=record)
    except IntegrityError:
        if replayed := _replayed(ledger, caller):
            return replayed
        raise conflict from None
    return result


def _replayed(ledger: CaseLedger, caller: Caller) -> ImportResult | None:
    request = caller.idempotency
    recorded = ledger.idempotency_records.find(request.key) if request else None
    if request is None or recorded is None:
        return None
    if recorded.request_hash != request.request_hash:
        raise IdempotencyKeyReused(
            "this Idempotency-Key was used with a different request", field="Idempotency-Key"
        )
    return ImportResult(tuple(UUID(i) for i in recorded.response["ids"]))
