"""The equipment projection: installed units into `unit_summaries`, their repairs into `repair_summaries`.

A unit's row keeps what the lists filter on (customer, region, model) and its periodic inspections: the
visits recorded, and from them the earliest due date no visit met and the moment it is overdue, computed
with the domain's own schedule (`inspection_due_dates`) whenever the unit registers or is visited, so
that "overdue" is a comparison with the time of reading. A repair's row keeps its status, its visits and
the times the service clocks and the user file show. Writes are idempotent (ON CONFLICT, and updates only
of a row at an older version of its stream), so replaying a batch changes nothing. Names of people and
free text (findings, work done) never reach these tables.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from psycopg import Connection, Cursor

from domain.equipment import InstalledUnit, inspection_due_dates
from domain.repair import Repair, VisitResult
from projections.rows import Write, WriteOf, newer_update

NAME = "equipment"

Handler = Callable[[Cursor[Any], Any], None]


class EquipmentProjection:
    name = NAME

    def apply(self, conn: Connection[Any], events: Sequence[tuple[int, Any]]) -> None:
        """Apply (notification id, domain event) pairs inside the caller's transaction, in order."""
        with conn.cursor() as cur:
            for _, event in events:
                handler = _HANDLERS.get(type(event))
                if handler is not None:
                    handler(cur, event)

    def clear(self, conn: Connection[Any]) -> None:
        conn.execute("TRUNCATE unit_summaries, repair_summaries")


# -- units -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Acceptance:
    """What the inspection schedule reads of a unit: when it was accepted and how often it is inspected."""

    accepted_at: datetime
    inspection_interval_months: int | None


def inspection_due(
    accepted_at: datetime, interval_months: int | None, done: Sequence[datetime]
) -> tuple[date | None, datetime | None]:
    """The earliest due date the inspections `done` did not meet, and the first moment it is overdue (the
    midnight after it, in the acceptance's time zone); (None, None) without periodic inspections.

    The schedule is read at the latest known moment (the last visit, or the acceptance), where every
    recorded visit counts: its first overdue date, or else its next due date, is the one still unmet."""
    latest = max([accepted_at, *done])
    acceptance = _Acceptance(accepted_at, interval_months)
    schedule = inspection_due_dates(acceptance, done, latest)  # type: ignore[arg-type]  # what it reads
    due = (schedule.overdue or (schedule.next_due,))[0]
    if due is None:
        return None, None
    return due, datetime.combine(due + timedelta(days=1), time(0), tzinfo=accepted_at.tzinfo)


def _unit_registered(e: Any) -> Write:
    due, overdue_from = inspection_due(e.accepted_at, e.inspection_interval_months, ())
    offset = e.accepted_at.utcoffset()
    return (
        "INSERT INTO unit_summaries (id, serial_number, model, customer_id, site, region, accepted_at,"
        " accepted_utc_offset, inspection_interval_months, inspection_due, inspection_overdue_from, version)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO NOTHING",
        (
            e.originator_id,
            e.serial_number,
            e.model,
            e.customer_id,
            e.site,
            e.region,
            e.accepted_at,
            int(offset.total_seconds()) if offset is not None else 0,
            e.inspection_interval_months,
            due,
            overdue_from,
            e.originator_version,
        ),
    )


def _inspection_visited(cur: Cursor[Any], e: Any) -> None:
    visited = cur.execute(
        "UPDATE unit_summaries SET inspections_done = array_append(inspections_done, %s), version = %s"
        " WHERE id = %s AND version < %s"
        " RETURNING accepted_at, accepted_utc_offset, inspection_interval_months, inspections_done",
        (e.visited_at, e.originator_version, e.originator_id, e.originator_version),
    ).fetchone()
    if visited is None:  # applied before
        return
    accepted_at, offset, interval, done = visited
    zone = timezone(timedelta(seconds=offset))
    due, overdue_from = inspection_due(accepted_at.astimezone(zone), interval, done)
    cur.execute(
        "UPDATE unit_summaries SET inspection_due = %s, inspection_overdue_from = %s WHERE id = %s",
        (due, overdue_from, e.originator_id),
    )


# -- repairs -----------------------------------------------------------------------------------------


def _repair_opened(e: Any) -> Write:
    return (
        "INSERT INTO repair_summaries (case_id, id, unit_id, component_class, fault_code, reported_at,"
        " opened_at, status, version) VALUES (%s, %s, %s, %s, %s, %s, %s, 'opened', %s)"
        " ON CONFLICT (case_id) DO NOTHING",
        (
            e.case_id,
            e.originator_id,
            e.unit_id,
            e.component_class,
            e.fault_code,
            e.reported_at,
            e.occurred_at,
            e.originator_version,
        ),
    )


_repair_update = newer_update("repair_summaries")


def _status(status: str) -> WriteOf:
    return _repair_update("status = %s", lambda e: (status,))


_fixed = _repair_update(
    "status = 'fixed', fixed_visit = %s, fixed_at = %s", lambda e: (e.number, e.finished_at)
)
_not_fixed = _status("not_fixed")


def _work_recorded(e: Any) -> Write:
    return (_fixed if e.result is VisitResult.FIXED else _not_fixed)(e)


def _executed(write: WriteOf) -> Handler:
    def handle(cur: Cursor[Any], e: Any) -> None:
        cur.execute(*write(e))

    return handle


_WRITES: dict[type, WriteOf] = {
    InstalledUnit.Registered: _unit_registered,
    InstalledUnit.RepairOpened: newer_update("unit_summaries")("repairs = repairs + 1", lambda e: ()),
    Repair.Opened: _repair_opened,
    Repair.WarrantyDecided: _repair_update(
        "in_warranty = %s, status = 'warranty_decided'", lambda e: (e.in_warranty,)
    ),
    Repair.QuoteIssued: _status("quoted"),
    Repair.QuoteAccepted: _status("quote_accepted"),
    Repair.QuoteRejected: _status("quote_rejected"),
    # A dispatch's `occurred_at` is when the engineer was sent (a business time).
    Repair.EngineerDispatched: _repair_update(
        "status = 'dispatched', visits = %s, dispatched_at = COALESCE(dispatched_at, %s)",
        lambda e: (e.number, e.occurred_at),
    ),
    Repair.EngineerArrived: _repair_update(
        "status = 'on_site', arrived_at = COALESCE(arrived_at, %s)", lambda e: (e.arrived_at,)
    ),
    Repair.WorkRecorded: _work_recorded,
    # Only the fixing visit's signature signs the repair off; an earlier visit's record may come later.
    Repair.ServiceRecordSigned: _repair_update(
        "status = CASE WHEN fixed_visit = %s THEN 'signed' ELSE status END,"
        " signed_at = CASE WHEN fixed_visit = %s THEN %s ELSE signed_at END",
        lambda e: (e.number, e.number, e.signature.signed_at),
    ),
}
# A visit recomputes the unit's schedule from every visit recorded: it reads its own row back.
_HANDLERS: dict[type, Handler] = {
    InstalledUnit.InspectionVisited: _inspection_visited,
    **{event: _executed(write) for event, write in _WRITES.items()},
}
