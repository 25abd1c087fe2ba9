"""Reading the returns read model: the return list with its filters, a case's returns, and the follow-ups
of a customer's cases for the user file."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from psycopg import sql
from psycopg.rows import class_row
from psycopg_pool import ConnectionPool

from projections.queries import PageKey, filter_conditions, where_clause


@dataclass(frozen=True)
class ReturnSummary:
    """A return as the projection last wrote it, with its case's number and customer."""

    id: UUID
    case_id: UUID
    case_number: str
    customer_id: str
    shipment_reference: str | None
    order_reference: str | None
    product: str
    reason: str
    eligibility: str | None
    status: str
    applied_at: datetime
    closed_at: datetime | None

    def page_key(self) -> PageKey:
        return PageKey(self.applied_at, self.id)


@dataclass(frozen=True)
class ReturnFilter:
    """Conditions a listed return must meet; None means any. `applied_to` is exclusive."""

    customer_id: str | None = None
    product: str | None = None
    status: str | None = None
    reason: str | None = None
    applied_from: datetime | None = None
    applied_to: datetime | None = None


@dataclass(frozen=True)
class ReturnPage:
    returns: list[ReturnSummary]
    has_next_page: bool


def list_returns(pool: ConnectionPool, where: ReturnFilter, first: int, after: PageKey | None) -> ReturnPage:
    """Up to `first` returns meeting `where`, after `after`, the latest applied for first (ties by id)."""
    conditions, params = filter_conditions(where, _FILTERS)
    if after is not None:
        conditions.append(sql.SQL("(r.applied_at, r.id) < (%s, %s)"))
        params.extend((after.at, after.id))
    query = _RETURN + where_clause(conditions) + sql.SQL(" ORDER BY r.applied_at DESC, r.id DESC LIMIT %s")
    with pool.connection() as conn, conn.cursor(row_factory=class_row(ReturnSummary)) as cur:
        rows = cur.execute(query, [*params, first + 1]).fetchall()
    return ReturnPage(rows[:first], has_next_page=len(rows) > first)


def return_ids_of_case(pool: ConnectionPool, case_id: UUID) -> list[UUID]:
    """The ids of the case's returns, in the order they were applied for."""
    with pool.connection() as conn:
        rows = conn.execute(
            "SELECT id FROM return_summaries WHERE case_id = %s ORDER BY applied_at, id", (case_id,)
        ).fetchall()
    return [row[0] for row in rows]


_RETURN = sql.SQL(
    "SELECT r.id, r.case_id, c.number AS case_number, c.customer_id, r.shipment_reference,"
    " r.order_reference, r.product, r.reason, r.eligibility, r.status, r.applied_at, r.closed_at"
    " FROM return_summaries r JOIN case_summaries c ON c.id = r.case_id"
)
# Constants only: a filter's value is always a parameter.
_FILTERS = (
    ("customer_id", "c.customer_id = %s"),
    ("product", "r.product = %s"),
    ("status", "r.status = %s"),
    ("reason", "r.reason = %s"),
    ("applied_from", "r.applied_at >= %s"),
    ("applied_to", "r.applied_at < %s"),
)


# -- the user file: follow-ups and ratings of a customer's cases --------------------------------------


@dataclass(frozen=True)
class CustomerFollowUp:
    """A follow-up of one of the customer's closed cases, with the customer's rating if given."""

    case_id: UUID
    case_number: str
    reason: str
    status: str
    round: int
    attempts: int
    rating: int | None
    is_rated_by_customer: bool
    opened_at: datetime
    done_at: datetime | None


def follow_ups_of_customer(pool: ConnectionPool, customer_id: str, limit: int) -> list[CustomerFollowUp]:
    """Up to `limit` follow-ups of the customer's cases, the latest opened first (the table is the
    follow-up projection's, `follow_ups`)."""
    query = (
        "SELECT f.case_id, c.number, f.reason, f.status, f.round, f.attempts, f.rating, f.rated_by_customer,"
        " f.opened_at, f.done_at FROM follow_ups f JOIN case_summaries c ON c.id = f.case_id"
        " WHERE c.customer_id = %s ORDER BY f.opened_at DESC, f.case_id DESC LIMIT %s"
    )
    with pool.connection() as conn:
        rows = conn.execute(query, (customer_id, limit)).fetchall()
    return [CustomerFollowUp(*row) for row in rows]
