"""Listing corrective actions from `corrective_actions`, with their case's number, customer and product.

The case's fields come from `case_summaries` by a join: both tables are written in one transaction at one
position, and a case's customer and product never change (see migration 0103).
"""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from psycopg import sql
from psycopg.rows import class_row
from psycopg_pool import ConnectionPool

from projections.queries import PageKey, filter_conditions, where_clause


@dataclass(frozen=True)
class ActionSummary:
    """One action's latest state, as the projection last wrote it, with its case's keys."""

    id: UUID
    case_id: UUID
    case_number: str
    customer_id: str
    product: str
    root_cause: str
    kind: str
    status: str
    owner: str
    due: datetime
    is_overdue: bool
    raised_at: datetime
    completed_at: datetime | None
    verified_at: datetime | None
    cancelled_at: datetime | None
    version: int

    def page_key(self) -> PageKey:
        return PageKey(self.raised_at, self.id)


@dataclass(frozen=True)
class ActionFilter:
    """Conditions a listed action must meet; None means any. `raised_to` is exclusive.

    `overdue` True keeps the actions open after their due date at `at`, False the others, as
    `CorrectiveAction.is_overdue` judges them.
    """

    at: datetime
    case_id: UUID | None = None
    root_cause: str | None = None
    status: str | None = None
    owner: str | None = None
    customer_id: str | None = None
    product: str | None = None
    raised_from: datetime | None = None
    raised_to: datetime | None = None
    overdue: bool | None = None


@dataclass(frozen=True)
class ActionPage:
    actions: list[ActionSummary]
    has_next_page: bool


# `CorrectiveAction.is_overdue` in SQL: open, and its due date passed at the time asked.
_OVERDUE = sql.SQL("(a.status = 'open' AND a.due < %s)")

_FILTERS = (
    ("case_id", "a.case_id = %s"),
    ("root_cause", "a.root_cause = %s"),
    ("status", "a.status = %s"),
    ("owner", "a.owner = %s"),
    ("customer_id", "c.customer_id = %s"),
    ("product", "c.product = %s"),
    ("raised_from", "a.raised_at >= %s"),
    ("raised_to", "a.raised_at < %s"),
)

_SELECT = sql.SQL(
    "SELECT a.id, a.case_id, c.number AS case_number, c.customer_id, c.product, a.root_cause, a.kind,"
    " a.status, a.owner, a.due, {overdue} AS is_overdue, a.raised_at, a.completed_at, a.verified_at,"
    " a.cancelled_at, a.version FROM corrective_actions a JOIN case_summaries c ON c.id = a.case_id"
).format(overdue=_OVERDUE)


def list_actions(pool: ConnectionPool, where: ActionFilter, first: int, after: PageKey | None) -> ActionPage:
    """Up to `first` actions meeting `where`, after `after`, the latest raised first (ties by id)."""
    conditions, params = filter_conditions(where, _FILTERS)
    if where.overdue is not None:
        conditions.append(_OVERDUE if where.overdue else sql.SQL("NOT ") + _OVERDUE)
        params.append(where.at)
    if after is not None:
        conditions.append(sql.SQL("(a.raised_at, a.id) < (%s, %s)"))
        params.extend((after.at, after.id))
    query = _SELECT + where_clause(conditions) + sql.SQL(" ORDER BY a.raised_at DESC, a.id DESC LIMIT %s")
    # One row more than asked tells whether another page follows.
    with pool.connection() as conn, conn.cursor(row_factory=class_row(ActionSummary)) as cur:
        rows = cur.execute(query, [where.at, *params, first + 1]).fetchall()
    return ActionPage(rows[:first], has_next_page=len(rows) > first)
