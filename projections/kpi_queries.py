"""The KPIs' rows from the existing read models: ratings (follow_ups), stopped service clocks
(service_clocks), fixed repairs (repair_summaries), complaints and open cases (case_summaries), shipments
(shipment_summaries) and returns (return_summaries), each with its case's product, department, region (its
repair's unit) and root cause (its objection's approved liability). The definitions are domain/kpi.py's;
no table of its own: a month's figures are a few hundred rows, read when asked for.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from psycopg import sql
from psycopg_pool import ConnectionPool

from domain.kpi import (
    NOT_COMPLAINTS,
    Complaint,
    Dimension,
    Facets,
    FixedRepair,
    KpiFacts,
    KpiRow,
    OpenCase,
    Period,
    Rating,
    ReturnApplied,
    Shipped,
    StoppedClock,
    kpi_report,
)

# A case's place in each dimension but the month, which is the month of whatever the row counts.
_FACETS = sql.SQL("""
WITH facets AS (
    SELECT c.id AS case_id, c.product, u.region, c.department, o.root_cause
    FROM case_summaries c
    LEFT JOIN repair_summaries r ON r.case_id = c.id
    LEFT JOIN unit_summaries u ON u.id = r.unit_id
    LEFT JOIN objection_summaries o ON o.case_id = c.id
)
""")
_RATINGS = _FACETS + sql.SQL(
    "SELECT f.rating, f.done_at, x.product, x.region, x.department, x.root_cause"
    " FROM follow_ups f JOIN facets x ON x.case_id = f.case_id"
    " WHERE f.rating IS NOT NULL AND f.done_at >= %(start)s AND f.done_at < %(end)s"
)
_CLOCKS = _FACETS + sql.SQL(
    "SELECT s.clock, s.met, s.stopped_at, x.product, x.region, x.department, x.root_cause"
    " FROM service_clocks s JOIN facets x ON x.case_id = s.case_id"
    " WHERE s.state = 'stopped' AND s.met IS NOT NULL"
    " AND s.stopped_at >= %(start)s AND s.stopped_at < %(end)s"
)
_REPAIRS = _FACETS + sql.SQL(
    "SELECT r.fixed_visit, r.fixed_at, x.product, x.region, x.department, x.root_cause"
    " FROM repair_summaries r JOIN facets x ON x.case_id = r.case_id"
    " WHERE r.fixed_visit IS NOT NULL AND r.fixed_at >= %(start)s AND r.fixed_at < %(end)s"
)
_COMPLAINTS = _FACETS + sql.SQL(
    "SELECT c.customer_id, c.product, c.opened_at, x.product, x.region, x.department, x.root_cause"
    " FROM case_summaries c JOIN facets x ON x.case_id = c.id"
    " WHERE c.case_type <> ALL(%(not_complaints)s) AND c.opened_at >= %(start)s AND c.opened_at < %(end)s"
)
_SHIPMENTS = sql.SQL(
    "SELECT customer_id, product, quantity, unit, dispatched_at FROM shipment_summaries"
    " WHERE dispatched_at >= %(start)s AND dispatched_at < %(end)s"
)
# A return's product is the return's own (the case may be about several).
_RETURNS = _FACETS + sql.SQL(
    "SELECT r.applied_at, r.product, x.region, x.department, x.root_cause"
    " FROM return_summaries r JOIN facets x ON x.case_id = r.case_id"
    " WHERE r.applied_at >= %(start)s AND r.applied_at < %(end)s"
)
# Open then: opened before and not closed or withdrawn by then; counted in the month they are aged in.
# A case reopened later shows only its latest closing (case_summaries keeps no earlier one).
_OPEN_CASES = _FACETS + sql.SQL(
    "SELECT c.opened_at, %(aged_at)s::timestamptz, x.product, x.region, x.department, x.root_cause"
    " FROM case_summaries c JOIN facets x ON x.case_id = c.id"
    " WHERE c.opened_at < %(aged_at)s AND (c.closed_at IS NULL OR c.closed_at >= %(aged_at)s)"
)


def kpi_facts(pool: ConnectionPool, period: Period, now: datetime) -> KpiFacts:
    """The rows of every KPI of `period`; open cases aged at its end, or at `now` while it runs."""
    aged_at = min(period.end, now)
    params = {
        "start": period.start,
        "end": period.end,
        "aged_at": aged_at,
        "not_complaints": list(NOT_COMPLAINTS),
    }
    with pool.connection() as conn:

        def rows(query: sql.SQL | sql.Composed, make: Callable[..., Any]) -> list[Any]:
            return [make(*row) for row in conn.execute(query, params).fetchall()]

        def facets(at: datetime, product: str, region: Any, department: Any, root_cause: Any) -> Facets:
            return Facets(product, region, department, root_cause, period.month_of(at))

        return KpiFacts(
            period=period,
            aged_at=aged_at,
            ratings=rows(_RATINGS, lambda rating, at, *where: Rating(rating, facets(at, *where))),
            clocks=rows(_CLOCKS, lambda clock, met, at, *where: StoppedClock(clock, met, facets(at, *where))),
            repairs=rows(_REPAIRS, lambda visit, at, *where: FixedRepair(visit, facets(at, *where))),
            complaints=rows(
                _COMPLAINTS,
                lambda customer, product, at, *where: Complaint(customer, product, facets(at, *where)),
            ),
            shipments=rows(
                _SHIPMENTS,
                lambda customer, product, quantity, unit, at: Shipped(
                    customer, product, quantity, unit, Facets(product=product, month=period.month_of(at))
                ),
            ),
            returns=rows(_RETURNS, lambda at, *where: ReturnApplied(facets(at, *where))),
            open_cases=rows(_OPEN_CASES, lambda opened, at, *where: OpenCase(opened, facets(at, *where))),
        )


def kpis(pool: ConnectionPool, period: Period, by: Dimension | None, now: datetime) -> list[KpiRow]:
    """Every KPI of `period` from the read models, whole or broken down by `by`."""
    return kpi_report(kpi_facts(pool, period, now), by)
