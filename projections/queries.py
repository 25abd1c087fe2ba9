"""Reading the case read models: what the GraphQL API asks of `case_summaries` and `case_timeline`."""

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from uuid import UUID

from psycopg import sql
from psycopg.rows import class_row
from psycopg_pool import ConnectionPool

from domain.case import Case


@dataclass(frozen=True)
class CaseSummary:
    """The latest state of one case, as the projection last wrote it."""

    id: UUID
    number: str
    status: str
    case_type: str
    severity: str
    channel: str
    customer_id: str
    customer_name: str
    product: str
    registered_by: str
    department: str | None
    assignee: str | None
    latest_proposal: int | None
    accepted_proposal: int | None
    outcome: str | None
    opened_at: datetime
    acknowledged_at: datetime | None
    closed_at: datetime | None
    legal_hold: bool
    version: int
    last_event_at: datetime

    @classmethod
    def of_case(cls, case: Case) -> "CaseSummary":
        """A replayed case in the read model's shape, so that both read paths answer alike."""
        state = case.state()
        return cls(
            id=case.id,
            number=case.number,
            status=state["status"],
            case_type=state["case_type"],
            severity=state["severity"],
            channel=state["channel"],
            customer_id=case.customer.id,
            customer_name=case.customer.name,
            product=case.product,
            registered_by=case.registered_by.user_id,
            department=case.department,
            assignee=case.assignee,
            latest_proposal=case.proposals[-1].number if case.proposals else None,
            accepted_proposal=case.accepted_proposal,
            outcome=state["outcome"],
            opened_at=case.opened_at,
            acknowledged_at=case.acknowledged_at,
            closed_at=case.closed_at,
            legal_hold=case.legal_hold,
            version=case.version,
            last_event_at=case.modified_on,
        )


@dataclass(frozen=True)
class TimelineEntry:
    case_id: UUID
    version: int
    event_type: str
    actor_id: str
    actor_role: str
    occurred_at: datetime
    recorded_at: datetime
    summary: str


@dataclass(frozen=True)
class CaseFilter:
    """Conditions a listed case must meet; None means any. `opened_to` is exclusive."""

    status: str | None = None
    case_type: str | None = None
    customer_id: str | None = None
    assignee: str | None = None
    opened_from: datetime | None = None
    opened_to: datetime | None = None


@dataclass(frozen=True)
class PageKey:
    """Where a page of a list ends. Lists are ordered by one time (cases: opened_at; shipments:
    dispatched_at), newest first, then by id."""

    at: datetime
    id: UUID

    @classmethod
    def after(cls, summary: "CaseSummary") -> "PageKey":
        return cls(summary.opened_at, summary.id)

    def to_cursor(self) -> str:
        """An opaque cursor; clients pass it back and never look inside."""
        return base64.urlsafe_b64encode(f"{self.at.isoformat()}|{self.id}".encode()).decode()

    @classmethod
    def from_cursor(cls, cursor: str) -> "PageKey":
        """The key a cursor stands for; ValueError if it is not one `to_cursor` made."""
        try:
            at, row_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
            return cls(datetime.fromisoformat(at), UUID(row_id))
        except (ValueError, binascii.Error, UnicodeDecodeError):
            raise ValueError("not a cursor of this list") from None


@dataclass(frozen=True)
class CasePage:
    cases: list[CaseSummary]
    has_next_page: bool


_SUMMARY = sql.SQL(
    "SELECT id, number, status, case_type, severity, channel, customer_id, customer_name, product,"
    " registered_by, department, assignee, latest_proposal, accepted_proposal, outcome, opened_at,"
    " acknowledged_at, closed_at, legal_hold, version, last_event_at FROM case_summaries"
)


def case_by_id(pool: ConnectionPool, case_id: UUID) -> CaseSummary | None:
    return _one(pool, _SUMMARY + sql.SQL(" WHERE id = %s"), case_id)


def case_by_number(pool: ConnectionPool, number: str) -> CaseSummary | None:
    return _one(pool, _SUMMARY + sql.SQL(" WHERE number = %s"), number)


def list_cases(pool: ConnectionPool, where: CaseFilter, first: int, after: PageKey | None) -> CasePage:
    """Up to `first` cases meeting `where`, after `after`, newest first."""
    conditions, params = filter_conditions(where)
    if after is not None:
        conditions.append(sql.SQL("(opened_at, id) < (%s, %s)"))
        params.extend((after.at, after.id))
    query = _SUMMARY + where_clause(conditions) + sql.SQL(" ORDER BY opened_at DESC, id DESC LIMIT %s")
    # One row more than asked tells whether another page follows.
    with pool.connection() as conn, conn.cursor(row_factory=class_row(CaseSummary)) as cur:
        rows = cur.execute(query, [*params, first + 1]).fetchall()
    return CasePage(rows[:first], has_next_page=len(rows) > first)


def count_cases(pool: ConnectionPool, where: CaseFilter) -> int:
    conditions, params = filter_conditions(where)
    with pool.connection() as conn:
        row = conn.execute(sql.SQL("SELECT count(*) FROM case_summaries") + where_clause(conditions), params)
        return int(row.fetchone()[0])  # type: ignore[index]


def timelines(pool: ConnectionPool, case_ids: Sequence[UUID]) -> dict[UUID, list[TimelineEntry]]:
    """Each case's timeline, oldest event first; a case without events maps to an empty list."""
    found: dict[UUID, list[TimelineEntry]] = {case_id: [] for case_id in case_ids}
    with pool.connection() as conn, conn.cursor(row_factory=class_row(TimelineEntry)) as cur:
        cur.execute(
            "SELECT case_id, version, event_type, actor_id, actor_role, occurred_at, recorded_at, summary"
            " FROM case_timeline WHERE case_id = ANY(%s) ORDER BY case_id, version",
            (list(case_ids),),
        )
        for entry in cur:
            found[entry.case_id].append(entry)
    return found


@dataclass(frozen=True)
class AttachmentSummary:
    """One piece of a case's evidence, without its file name and description (they stay in the events)."""

    id: UUID
    case_id: UUID
    sha256: str
    size: int
    content_type: str
    kind: str
    attached_by: str
    attached_role: str
    attached_at: datetime
    recorded_at: datetime
    superseded_by: UUID | None
    superseded_at: datetime | None


def attachments(pool: ConnectionPool, case_ids: Sequence[UUID]) -> dict[UUID, list[AttachmentSummary]]:
    """Each case's attachments, current and superseded, in the order they were attached."""
    found: dict[UUID, list[AttachmentSummary]] = {case_id: [] for case_id in case_ids}
    with pool.connection() as conn, conn.cursor(row_factory=class_row(AttachmentSummary)) as cur:
        cur.execute(
            "SELECT id, case_id, sha256, size, content_type, kind, attached_by, attached_role, attached_at,"
            " recorded_at, superseded_by, superseded_at FROM case_attachments WHERE case_id = ANY(%s)"
            " ORDER BY case_id, notification_id",
            (list(case_ids),),
        )
        for attachment in cur:
            found[attachment.case_id].append(attachment)
    return found


def _one(pool: ConnectionPool, query: sql.Composed, value: Any) -> CaseSummary | None:
    with pool.connection() as conn, conn.cursor(row_factory=class_row(CaseSummary)) as cur:
        return cur.execute(query, (value,)).fetchone()


# Each filter field and the condition it adds; the values always travel as parameters.
_FILTERS = (
    ("status", "status = %s"),
    ("case_type", "case_type = %s"),
    ("customer_id", "customer_id = %s"),
    ("assignee", "assignee = %s"),
    ("opened_from", "opened_at >= %s"),
    ("opened_to", "opened_at < %s"),
)


def filter_conditions(
    where: Any, filters: tuple[tuple[str, str], ...] = _FILTERS
) -> tuple[list[sql.Composable], list[Any]]:
    """The SQL conditions and parameters of a filter's given attributes (constants, never input)."""
    conditions: list[sql.Composable] = []
    params: list[Any] = []
    for attribute, condition in filters:
        value = getattr(where, attribute)
        if value is not None:
            conditions.append(sql.SQL(condition))  # type: ignore[arg-type]  # constants above
            params.append(value)
    return conditions, params


def where_clause(conditions: list[sql.Composable]) -> sql.Composable:
    if not conditions:
        return sql.SQL("")
    return sql.SQL(" WHERE ") + sql.SQL(" AND ").join(conditions)


# -- access: the log of reads, and access grants -----------------------------------------------------

# A user rarely holds more than a few grants for one case; the gate loads each from the event store.
GRANT_CANDIDATES = 5


def grant_candidates(pool: ConnectionPool, user_id: str, case_id: UUID, at: datetime) -> list[UUID]:
    """The user's grants for the case, those whose period covers `at` first, then the latest.

    Whatever their status here: the read model may lag an approval or a revocation, the store decides.
    """
    with pool.connection() as conn:
        rows = conn.execute(
            "SELECT id FROM access_grants WHERE requester = %s AND case_id = %s"
            " ORDER BY (valid_from <= %s AND %s < valid_until) DESC, requested_at DESC LIMIT %s",
            (user_id, case_id, at, at, GRANT_CANDIDATES),
        ).fetchall()
    return [row[0] for row in rows]


@dataclass(frozen=True)
class AccessLogEntry:
    """One read through the API, allowed or refused."""

    position: int
    recorded_at: datetime
    user_id: str
    role: str
    what: str
    case_ids: list[UUID]
    grant_id: UUID | None
    request_id: str | None
    refused: bool
    why: str | None


@dataclass(frozen=True)
class AccessLogPage:
    entries: list[AccessLogEntry]
    has_next_page: bool


def access_log(pool: ConnectionPool, case_id: UUID | None, first: int, before: int | None) -> AccessLogPage:
    """Up to `first` reads (of `case_id`, or of anything), newest first, older than position `before`."""
    conditions: list[sql.Composable] = []
    params: list[Any] = []
    if case_id is not None:
        conditions.append(sql.SQL("case_id = %s"))
        params.append(case_id)
    if before is not None:
        conditions.append(sql.SQL("notification_id < %s"))
        params.append(before)
    # The page's reads first, then all their rows: a read of many cases is one entry.
    query = sql.SQL(
        "WITH page AS (SELECT DISTINCT notification_id FROM access_log{where}"
        " ORDER BY notification_id DESC LIMIT %s)"
        " SELECT notification_id, recorded_at, user_id, role, what, case_id, grant_id, request_id,"
        " refused, why"
        " FROM access_log JOIN page USING (notification_id) ORDER BY notification_id DESC, case_id"
    ).format(where=where_clause(conditions))
    with pool.connection() as conn:
        rows = conn.execute(query, [*params, first + 1]).fetchall()
    entries = _log_entries(rows)
    return AccessLogPage(entries[:first], has_next_page=len(entries) > first)


def _log_entries(rows: Sequence[tuple[Any, ...]]) -> list[AccessLogEntry]:
    entries: dict[int, AccessLogEntry] = {}
    for position, recorded_at, user_id, role, what, case_id, grant_id, request_id, refused, why in rows:
        entry = entries.get(position)
        if entry is None:
            entry = entries[position] = AccessLogEntry(
                position, recorded_at, user_id, role, what, [], grant_id, request_id, refused, why
            )
        if case_id is not None:
            entry.case_ids.append(case_id)
    return list(entries.values())


@dataclass(frozen=True)
class GrantSummary:
    """An access grant's latest state, as the projection last wrote it (without its purpose)."""

    id: UUID
    case_id: UUID
    requester: str
    status: str
    valid_from: datetime
    valid_until: datetime
    requested_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    revoked_by: str | None
    revoked_at: datetime | None
    version: int


@dataclass(frozen=True)
class GrantFilter:
    """Conditions a listed grant must meet; None means any."""

    case_id: UUID | None = None
    status: str | None = None
    requester: str | None = None


def access_grants(pool: ConnectionPool, where: GrantFilter, first: int) -> list[GrantSummary]:
    """Up to `first` grants meeting `where`, the latest requested first."""
    conditions: list[sql.Composable] = []
    params: list[Any] = []
    for column in ("case_id", "status", "requester"):
        value = getattr(where, column)
        if value is not None:
            conditions.append(sql.SQL("{} = %s").format(sql.Identifier(column)))
            params.append(value)
    query = sql.SQL(
        "SELECT id, case_id, requester, status, valid_from, valid_until, requested_at, decided_by,"
        " decided_at, revoked_by, revoked_at, version FROM access_grants{where}"
        " ORDER BY requested_at DESC, id DESC LIMIT %s"
    ).format(where=where_clause(conditions))
    with pool.connection() as conn, conn.cursor(row_factory=class_row(GrantSummary)) as cur:
        return cur.execute(query, [*params, first]).fetchall()


# -- shipments ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShipmentSummary:
    id: UUID
    reference: str
    contract_id: UUID
    contract_number: str
    customer_id: str
    product: str
    quantity: Decimal
    unit: str
    transport_mode: str
    carrier: str
    dispatched_at: datetime
    arrived_at: datetime | None

    def page_key(self) -> PageKey:
        return PageKey(self.dispatched_at, self.id)


@dataclass(frozen=True)
class ShipmentFilter:
    customer_id: str | None = None
    product: str | None = None
    contract_number: str | None = None
    dispatched_from: datetime | None = None
    dispatched_to: datetime | None = None


@dataclass(frozen=True)
class ShipmentPage:
    shipments: list[ShipmentSummary]
    has_next_page: bool


def list_shipments(
    pool: ConnectionPool, where: ShipmentFilter, first: int, after: PageKey | None
) -> ShipmentPage:
    """Up to `first` shipments meeting `where`, after `after`, newest dispatch first."""
    conditions, params = filter_conditions(where, _SHIPMENT_FILTERS)
    if after is not None:
        conditions.append(sql.SQL("(dispatched_at, id) < (%s, %s)"))
        params.extend((after.at, after.id))
    query = (
        sql.SQL(
            "SELECT id, reference, contract_id, contract_number, customer_id, product, quantity, unit,"
            " transport_mode, carrier, dispatched_at, arrived_at FROM shipment_summaries"
        )
        + where_clause(conditions)
        + sql.SQL(" ORDER BY dispatched_at DESC, id DESC LIMIT %s")
    )
    with pool.connection() as conn, conn.cursor(row_factory=class_row(ShipmentSummary)) as cur:
        rows = cur.execute(query, [*params, first + 1]).fetchall()
    return ShipmentPage(rows[:first], has_next_page=len(rows) > first)


_SHIPMENT_FILTERS = (
    ("customer_id", "customer_id = %s"),
    ("product", "product = %s"),
    ("contract_number", "contract_number = %s"),
    ("dispatched_from", "dispatched_at >= %s"),
    ("dispatched_to", "dispatched_at < %s"),
)


# -- corrective actions: the root-cause Pareto -----------------------------------------------------


@dataclass(frozen=True)
class ParetoBar:
    """One root cause: in how many cases it was found, its share of all findings and the running total."""

    root_cause: str
    cases: int
    percent: Decimal
    cumulative_percent: Decimal


def root_cause_pareto(
    pool: ConnectionPool,
    product: str | None = None,
    period_from: datetime | None = None,
    period_to: datetime | None = None,
) -> list[ParetoBar]:
    """Root causes by the number of cases they were found in, most first, with cumulative percentages.

    A case counts once per root cause however many actions it raised for it; cancelled actions do not
    count. The product and the period (from inclusive, to exclusive) are the case's: its product and when
    the customer raised it, so a quarter's Pareto is about that quarter's objections.
    """
    conditions: list[sql.Composable] = [sql.SQL("a.status <> 'cancelled'")]
    params: list[Any] = []
    for value, condition in (
        (product, "c.product = %s"),
        (period_from, "c.opened_at >= %s"),
        (period_to, "c.opened_at < %s"),
    ):
        if value is not None:
            conditions.append(sql.SQL(condition))
            params.append(value)
    query = (
        sql.SQL(
            "SELECT a.root_cause, count(DISTINCT a.case_id) AS cases"
            " FROM corrective_actions a JOIN case_summaries c ON c.id = a.case_id"
        )
        + where_clause(conditions)
        + sql.SQL(" GROUP BY a.root_cause ORDER BY cases DESC, a.root_cause")
    )
    with pool.connection() as conn:
        rows = conn.execute(query, params).fetchall()
    return _bars([(root_cause, int(cases)) for root_cause, cases in rows])


_TENTH = Decimal("0.1")


def _bars(counts: Sequence[tuple[str, int]]) -> list[ParetoBar]:
    total = sum(cases for _, cases in counts)
    bars, running = [], 0
    for root_cause, cases in counts:
        running += cases
        bars.append(
            ParetoBar(
                root_cause,
                cases,
                (Decimal(100 * cases) / total).quantize(_TENTH, ROUND_HALF_UP),
                (Decimal(100 * running) / total).quantize(_TENTH, ROUND_HALF_UP),
            )
        )
    return bars
