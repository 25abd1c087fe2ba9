"""The case projection: what each case event means for `case_summaries` and `case_timeline`.

One handler per event type says which summary columns the event sets and how the timeline
describes it. Descriptions are English and carry no personal data: the contact person and free
text (notes, reasons, details), where people write names and phone numbers, never reach them.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from functools import cache
from typing import Any, TypeVar
from uuid import UUID

from psycopg import Connection, sql

from domain.case import Case, Outcome, Status

NAME = "cases"

# Every summary column an event may set; `Registered` sets them all, so a new row is complete.
SUMMARY_COLUMNS = (
    "number",
    "status",
    "case_type",
    "severity",
    "channel",
    "customer_id",
    "customer_name",
    "product",
    "registered_by",
    "department",
    "assignee",
    "latest_proposal",
    "accepted_proposal",
    "outcome",
    "opened_at",
    "acknowledged_at",
    "closed_at",
    "legal_hold",
)


@dataclass(frozen=True)
class Effect:
    """What one event changes: summary columns to set, and its line in the timeline."""

    columns: dict[str, Any]
    summary: str


_Event = TypeVar("_Event")
_HANDLERS: dict[type, Callable[[Any], Effect]] = {}


def _handles(event_class: type[_Event]) -> Callable[[Callable[[_Event], Effect]], Callable[[_Event], Effect]]:
    def register(handler: Callable[[_Event], Effect]) -> Callable[[_Event], Effect]:
        _HANDLERS[event_class] = handler
        return handler

    return register


def effect_of(event: object) -> Effect | None:
    """The event's effect, or None for an event this projection does not know (it is skipped)."""
    handler = _HANDLERS.get(type(event))
    return handler(event) if handler else None


def _words(value: Enum) -> str:
    return str(value.value).replace("_", " ")


@_handles(Case.Registered)
def _registered(e: Any) -> Effect:
    columns = dict.fromkeys(SUMMARY_COLUMNS)
    columns.update(
        number=e.number,
        status=Status.REGISTERED.value,
        case_type=e.case_type.value,
        severity=e.severity.value,
        channel=e.channel.value,
        customer_id=e.customer.id,
        customer_name=e.customer.name,
        product=e.product,
        registered_by=e.actor.user_id,
        opened_at=e.occurred_at,
        legal_hold=False,
    )
    summary = (
        f"Registered a {_words(e.severity)}-severity {_words(e.case_type)} "
        f"from customer {e.customer.id} via {_words(e.channel)}"
    )
    return Effect(columns, summary)


@_handles(Case.Acknowledged)
def _acknowledged(e: Any) -> Effect:
    columns = {"status": Status.IN_PROGRESS.value, "acknowledged_at": e.occurred_at}
    return Effect(columns, "Acknowledged the case to the customer")


@_handles(Case.Assigned)
def _assigned(e: Any) -> Effect:
    columns = {"department": e.department, "assignee": e.assignee}
    return Effect(columns, f"Assigned to {e.assignee} in {e.department}")


@_handles(Case.Reassigned)
def _reassigned(e: Any) -> Effect:
    columns = {"department": e.department, "assignee": e.assignee}
    return Effect(columns, f"Reassigned from {e.previous_assignee} to {e.assignee} in {e.department}")


@_handles(Case.NoteAdded)
def _note_added(e: Any) -> Effect:
    return Effect({}, "Added a note")


@_handles(Case.ResolutionProposed)
def _resolution_proposed(e: Any) -> Effect:
    columns = {"status": Status.RESOLUTION_PROPOSED.value, "latest_proposal": e.proposal}
    amount = f" of {e.amount.amount} {e.amount.currency}" if e.amount is not None else ""
    return Effect(columns, f"Proposed resolution {e.proposal}: {_words(e.kind)}{amount}")


@_handles(Case.ResolutionAccepted)
def _resolution_accepted(e: Any) -> Effect:
    columns = {"status": Status.RESOLUTION_ACCEPTED.value, "accepted_proposal": e.proposal}
    return Effect(columns, f"Customer accepted proposal {e.proposal}")


@_handles(Case.ResolutionRejected)
def _resolution_rejected(e: Any) -> Effect:
    return Effect({"status": Status.IN_PROGRESS.value}, f"Customer rejected proposal {e.proposal}")


@_handles(Case.ResolutionExecuted)
def _resolution_executed(e: Any) -> Effect:
    columns = {"status": Status.RESOLUTION_EXECUTED.value}
    return Effect(columns, f"Carried out the accepted resolution (proposal {e.proposal})")


@_handles(Case.Closed)
def _closed(e: Any) -> Effect:
    columns = {"status": Status.CLOSED.value, "outcome": e.outcome.value, "closed_at": e.occurred_at}
    return Effect(columns, f"Closed as {_words(e.outcome)}")


@_handles(Case.Reopened)
def _reopened(e: Any) -> Effect:
    columns = {
        "status": Status.IN_PROGRESS.value,
        "outcome": None,
        "closed_at": None,
        "accepted_proposal": None,
    }
    return Effect(columns, "Reopened the case")


@_handles(Case.Withdrawn)
def _withdrawn(e: Any) -> Effect:
    columns = {"status": Status.WITHDRAWN.value, "closed_at": e.occurred_at}
    return Effect(columns, "The customer withdrew the case")


@_handles(Case.EvidenceAttached)
def _evidence_attached(e: Any) -> Effect:
    # The file name may name a person: the kind and the hash say which evidence it is.
    return Effect({}, f"Evidence attached: {_words(e.kind)} (sha256 {e.sha256[:12]}…)")


@_handles(Case.EvidenceSuperseded)
def _evidence_superseded(e: Any) -> Effect:
    replaced = f", replaced by {e.superseded_by}" if e.superseded_by else ""
    return Effect({}, f"Evidence superseded: attachment {e.attachment_id}{replaced}")


@_handles(Case.ObjectionFlaggedLate)
def _flagged_late(e: Any) -> Effect:
    closed = e.window_closed_at.astimezone(UTC).strftime("%Y-%m-%d %H:%MZ")
    return Effect({}, f"Objection flagged late: the window for shipment {e.shipment_ref} closed {closed}")


@_handles(Case.LateObjectionOverridden)
def _late_objection_overridden(e: Any) -> Effect:
    return Effect({}, "Late objection overridden by a manager; the case may go on")


@_handles(Case.SettlementAgreed)
def _settlement_agreed(e: Any) -> Effect:
    columns = {"status": Status.RESOLUTION_ACCEPTED.value}
    return Effect(columns, f"Customer signed settlement proposal {e.proposal}")


@_handles(Case.SettlementExecuted)
def _settlement_executed(e: Any) -> Effect:
    columns = {"status": Status.RESOLUTION_EXECUTED.value}
    return Effect(columns, f"Carried out settlement proposal {e.proposal}: {e.execution.replace('_', ' ')}")


@_handles(Case.SatisfactionDeclared)
def _satisfaction_declared(e: Any) -> Effect:
    if not e.satisfied:
        return Effect({}, "The customer declared not being satisfied; follow-up goes on")
    columns = {"status": Status.CLOSED.value, "outcome": Outcome.RESOLVED.value, "closed_at": e.occurred_at}
    return Effect(columns, "The customer declared satisfaction; closed as resolved")


@_handles(Case.PlacedUnderLegalHold)
def _placed_under_legal_hold(e: Any) -> Effect:
    return Effect({"legal_hold": True}, "Placed under legal hold: nothing about the case may be erased")


@_handles(Case.EvidenceBundleExported)
def _evidence_bundle_exported(e: Any) -> Effect:
    return Effect({}, f"Evidence bundle {e.bundle_id} exported ({e.format}) up to version {e.head_version}")


# -- writing a batch ------------------------------------------------------------------------------


@dataclass
class _SummaryWrite:
    """All of one case's changes within a batch, folded in event order."""

    case_id: UUID
    is_new: bool
    version: int = 0
    last_event_at: datetime | None = None
    columns: dict[str, Any] = field(default_factory=dict)


class CaseProjection:
    """Writes case events into the read models; every write is idempotent (guarded by version)."""

    name = NAME

    def apply(self, conn: Connection[Any], events: Sequence[tuple[int, Any]]) -> None:
        """Apply (notification id, domain event) pairs inside the caller's transaction."""
        effects = [(nid, event, effect) for nid, event in events if (effect := effect_of(event))]
        if not effects:
            return
        with conn.cursor() as cur:
            rows = [_timeline_row(nid, e, eff) for nid, e, eff in effects]
            # One statement over column arrays: far fewer round trips than a row at a time.
            cur.execute(_INSERT_TIMELINE, [list(column) for column in zip(*rows, strict=True)])
            writes = _fold(effects)
            new_cases = [w for w in writes if w.is_new]
            if new_cases:
                cur.executemany(_INSERT_SUMMARY, [_summary_row(w) for w in new_cases])
            for names, rows in _updates(w for w in writes if not w.is_new).items():
                cur.executemany(_update_statement(names), rows)

    def clear(self, conn: Connection[Any]) -> None:
        conn.execute("TRUNCATE case_summaries, case_timeline")


def _timeline_row(notification_id: int, event: Any, effect: Effect) -> tuple[Any, ...]:
    return (
        event.originator_id,
        event.originator_version,
        notification_id,
        type(event).__name__,
        event.actor.user_id,
        event.actor.role.value,
        event.occurred_at,
        event.timestamp,
        effect.summary,
    )


def _fold(effects: Sequence[tuple[int, Any, Effect]]) -> list[_SummaryWrite]:
    # A batch often holds several events of one case; folding them first turns many statements
    # into one per case, which is what makes a rebuild fast.
    writes: dict[UUID, _SummaryWrite] = {}
    for _, event, effect in effects:
        write = writes.get(event.originator_id)
        if write is None:
            is_new = isinstance(event, Case.Registered)
            write = writes[event.originator_id] = _SummaryWrite(event.originator_id, is_new)
        write.columns.update(effect.columns)
        write.version = event.originator_version
        write.last_event_at = event.timestamp
    return list(writes.values())


def _summary_row(write: _SummaryWrite) -> tuple[Any, ...]:
    values = tuple(write.columns[c] for c in SUMMARY_COLUMNS)
    return (write.case_id, *values, write.version, write.last_event_at)


def _updates(writes: Iterable[_SummaryWrite]) -> dict[tuple[str, ...], list[tuple[Any, ...]]]:
    """The rows to update, grouped by the columns they change: one statement per group."""
    grouped: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
    for write in writes:
        names = tuple(sorted(write.columns))
        values = (*(write.columns[n] for n in names), write.version, write.last_event_at)
        grouped.setdefault(names, []).append((*values, write.case_id, write.version))
    return grouped


@cache
def _update_statement(names: tuple[str, ...]) -> sql.Composed:
    assignments = [sql.SQL("{} = %s").format(sql.Identifier(n)) for n in (*names, "version", "last_event_at")]
    return sql.SQL("UPDATE case_summaries SET {} WHERE id = %s AND version < %s").format(
        sql.SQL(", ").join(assignments)
    )


_INSERT_TIMELINE = (
    "INSERT INTO case_timeline (case_id, version, notification_id, event_type, actor_id, actor_role,"
    " occurred_at, recorded_at, summary)"
    # Binary parameters (%b): arrays in text form would be quoted element by element.
    " SELECT * FROM unnest(%b::uuid[], %b::int[], %b::bigint[], %b::text[], %b::text[], %b::text[],"
    " %b::timestamptz[], %b::timestamptz[], %b::text[])"
    " ON CONFLICT DO NOTHING"
)

_ALL_COLUMNS = ("id", *SUMMARY_COLUMNS, "version", "last_event_at")
_INSERT_SUMMARY = sql.SQL(
    "INSERT INTO case_summaries ({columns}) VALUES ({values}) ON CONFLICT (id) DO UPDATE SET {updates}"
    " WHERE case_summaries.version < EXCLUDED.version"
).format(
    columns=sql.SQL(", ").join(map(sql.Identifier, _ALL_COLUMNS)),
    values=sql.SQL(", ").join(sql.Placeholder() * len(_ALL_COLUMNS)),
    updates=sql.SQL(", ").join(
        sql.SQL("{0} = EXCLUDED.{0}").format(sql.Identifier(c)) for c in _ALL_COLUMNS[1:]
    ),
)
