"""Reading the objection read models: inspections, and the objection list with its filters."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg import sql
from psycopg.rows import class_row
from psycopg_pool import ConnectionPool

from domain.shipment import shipment_id
from projections.queries import PageKey, where_clause


def inspection_ids_of_case(pool: ConnectionPool, case_id: UUID) -> list[UUID]:
    """The ids of the case's inspections, oldest first (by when each was opened, then by id)."""
    with pool.connection() as conn:
        rows = conn.execute(
            "SELECT id FROM inspection_summaries WHERE case_id = %s ORDER BY opened_at, id", (case_id,)
        ).fetchall()
    return [row[0] for row in rows]


@dataclass(frozen=True)
class ObjectionSummary:
    """A case's objection activity as the projection last wrote it."""

    case_id: UUID
    case_number: str
    customer_id: str
    product: str
    opened_at: datetime
    shipment_id: UUID | None
    shipment_reference: str | None
    liability_status: str | None
    root_cause: str | None
    settlement_status: str | None
    legal_hold: bool

    def page_key(self) -> PageKey:
        return PageKey(self.opened_at, self.case_id)


@dataclass(frozen=True)
class ObjectionFilter:
    """Conditions a listed objection must meet; None means any. `opened_to` is exclusive.

    `shipment` is a shipment's reference (ignoring case, as shipments are named); it matches an objection
    any of whose inspections sampled that shipment. `lab` matches a lab that reported a result in any of
    the objection's inspections (ignoring case and spacing at the ends)."""

    customer_id: str | None = None
    product: str | None = None
    shipment: str | None = None
    lab: str | None = None
    root_cause: str | None = None
    opened_from: datetime | None = None
    opened_to: datetime | None = None


@dataclass(frozen=True)
class ObjectionPage:
    objections: list[ObjectionSummary]
    has_next_page: bool


def list_objections(
    pool: ConnectionPool, where: ObjectionFilter, first: int, after: PageKey | None
) -> ObjectionPage:
    """Up to `first` objections meeting `where`, after `after`, newest raised first (ties by case id)."""
    conditions, params = _conditions(where)
    if after is not None:
        conditions.append(sql.SQL("(o.opened_at, o.case_id) < (%s, %s)"))
        params.extend((after.at, after.id))
    query = (
        _SUMMARY + where_clause(conditions) + sql.SQL(" ORDER BY o.opened_at DESC, o.case_id DESC LIMIT %s")
    )
    with pool.connection() as conn, conn.cursor(row_factory=class_row(ObjectionSummary)) as cur:
        rows = cur.execute(query, [*params, first + 1]).fetchall()
    return ObjectionPage(rows[:first], has_next_page=len(rows) > first)


def objection_of_case(pool: ConnectionPool, case_id: UUID) -> ObjectionSummary | None:
    """The case's objection, or None while the case has no objection activity."""
    query = _SUMMARY + sql.SQL(" WHERE o.case_id = %s")
    with pool.connection() as conn, conn.cursor(row_factory=class_row(ObjectionSummary)) as cur:
        return cur.execute(query, (case_id,)).fetchone()


_SUMMARY = sql.SQL(
    "SELECT o.case_id, o.case_number, o.customer_id, o.product, o.opened_at, o.shipment_id,"
    " o.shipment_reference, o.liability_status, o.root_cause, o.settlement_status, o.legal_hold"
    " FROM objection_summaries o"
)
_INSPECTED = "EXISTS (SELECT 1 FROM inspection_summaries i{join} WHERE i.case_id = o.case_id AND {condition})"
# Constants only: a filter's value is always a parameter.
_FILTERS: tuple[tuple[str, str], ...] = (
    ("customer_id", "o.customer_id = %s"),
    ("product", "o.product = %s"),
    ("shipment", _INSPECTED.format(join="", condition="i.shipment_id = %s")),
    (
        "lab",
        _INSPECTED.format(
            join=" JOIN inspection_labs l ON l.inspection_id = i.id", condition="upper(l.lab) = upper(%s)"
        ),
    ),
    ("root_cause", "o.root_cause = %s"),
    ("opened_from", "o.opened_at >= %s"),
    ("opened_to", "o.opened_at < %s"),
)


def _conditions(where: ObjectionFilter) -> tuple[list[sql.Composable], list[Any]]:
    conditions: list[sql.Composable] = []
    params: list[Any] = []
    for attribute, condition in _FILTERS:
        value = getattr(where, attribute)
        if attribute == "shipment" and value is not None:
            value = shipment_id(value)
        elif attribute == "lab" and value is not None:
            value = value.strip()
        if value is not None:
            conditions.append(sql.SQL(condition))  # type: ignore[arg-type]
            params.append(value)
    return conditions, params
