"""Reading the equipment read models: the unit list with its filters, and the repairs of a unit or of a
customer's units (the visits of the user file)."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from psycopg import sql
from psycopg.rows import class_row
from psycopg_pool import ConnectionPool

from projections.queries import PageKey, filter_conditions, where_clause


@dataclass(frozen=True)
class UnitSummary:
    """An installed unit as the projection last wrote it."""

    id: UUID
    serial_number: str
    model: str
    customer_id: str
    site: str
    region: str
    accepted_at: datetime
    inspection_interval_months: int | None
    inspection_due: date | None
    inspection_overdue_from: datetime | None
    repairs: int

    def page_key(self) -> PageKey:
        return PageKey(self.accepted_at, self.id)

    def is_inspection_overdue(self, at: datetime) -> bool:
        """Whether, at `at`, a periodic inspection is past its due date with no visit that met it."""
        return self.inspection_overdue_from is not None and self.inspection_overdue_from <= at


@dataclass(frozen=True)
class UnitFilter:
    """Conditions a listed unit must meet; None means any. `inspection_overdue` is judged at `at`."""

    customer_id: str | None = None
    region: str | None = None
    model: str | None = None
    inspection_overdue: bool | None = None
    at: datetime | None = None


@dataclass(frozen=True)
class UnitPage:
    units: list[UnitSummary]
    has_next_page: bool


def list_units(pool: ConnectionPool, where: UnitFilter, first: int, after: PageKey | None) -> UnitPage:
    """Up to `first` units meeting `where`, after `after`, the latest accepted first (ties by id)."""
    conditions, params = filter_conditions(where, _UNIT_FILTERS)
    if where.inspection_overdue is not None:
        if where.at is None:
            raise ValueError("an overdue filter needs the time of reading")
        overdue = "inspection_overdue_from <= %s"
        conditions.append(sql.SQL(overdue if where.inspection_overdue else f"NOT COALESCE({overdue}, false)"))
        params.append(where.at)
    if after is not None:
        conditions.append(sql.SQL("(accepted_at, id) < (%s, %s)"))
        params.extend((after.at, after.id))
    query = _UNIT + where_clause(conditions) + sql.SQL(" ORDER BY accepted_at DESC, id DESC LIMIT %s")
    with pool.connection() as conn, conn.cursor(row_factory=class_row(UnitSummary)) as cur:
        rows = cur.execute(query, [*params, first + 1]).fetchall()
    return UnitPage(rows[:first], has_next_page=len(rows) > first)


_UNIT = sql.SQL(
    "SELECT id, serial_number, model, customer_id, site, region, accepted_at, inspection_interval_months,"
    " inspection_due, inspection_overdue_from, repairs FROM unit_summaries"
)
# Constants only: a filter's value is always a parameter.
_UNIT_FILTERS = (
    ("customer_id", "customer_id = %s"),
    ("region", "region = %s"),
    ("model", "model = %s"),
)


@dataclass(frozen=True)
class RepairSummary:
    """A repair as the projection last wrote it, with its unit's serial number and customer."""

    case_id: UUID
    id: UUID
    unit_id: UUID
    serial_number: str
    customer_id: str
    component_class: str
    fault_code: str
    reported_at: datetime
    opened_at: datetime
    in_warranty: bool | None
    status: str
    visits: int
    fixed_visit: int | None
    dispatched_at: datetime | None
    arrived_at: datetime | None
    fixed_at: datetime | None
    signed_at: datetime | None

    @property
    def is_first_visit_fix(self) -> bool | None:
        """Fixed on the first visit; None while not fixed."""
        return None if self.fixed_visit is None else self.fixed_visit == 1


def repairs_of_unit(pool: ConnectionPool, unit_id: UUID) -> list[RepairSummary]:
    """The unit's repairs, oldest opened first."""
    return _repairs(pool, sql.SQL("r.unit_id = %s ORDER BY r.opened_at, r.case_id"), (unit_id,))


def repairs_of_customer(pool: ConnectionPool, customer_id: str, limit: int) -> list[RepairSummary]:
    """Up to `limit` repairs of the customer's units, the latest opened first."""
    condition = sql.SQL("u.customer_id = %s ORDER BY r.opened_at DESC, r.case_id DESC LIMIT %s")
    return _repairs(pool, condition, (customer_id, limit))


def _repairs(pool: ConnectionPool, condition: sql.Composable, params: tuple[Any, ...]) -> list[RepairSummary]:
    query = _REPAIR + condition
    with pool.connection() as conn, conn.cursor(row_factory=class_row(RepairSummary)) as cur:
        return cur.execute(query, params).fetchall()


_REPAIR = sql.SQL(
    "SELECT r.case_id, r.id, r.unit_id, u.serial_number, u.customer_id, r.component_class, r.fault_code,"
    " r.reported_at, r.opened_at, r.in_warranty, r.status, r.visits, r.fixed_visit, r.dispatched_at,"
    " r.arrived_at, r.fixed_at, r.signed_at"
    " FROM repair_summaries r JOIN unit_summaries u ON u.id = r.unit_id WHERE "
)
