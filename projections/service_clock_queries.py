"""Reading the service clocks' read model (projections/service_clocks.py): a case's clocks, the cases whose
clocks may need an alert, and the alerts raised for managers."""

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg_pool import ConnectionPool

from projections.service_clocks import moment


@dataclass(frozen=True)
class StoredPause:
    started_at: datetime
    ended_at: datetime | None
    reason: str


@dataclass(frozen=True)
class StoredClock:
    """One clock of a case as the read model keeps it, as of `as_of`."""

    clock: str
    state: str
    started_at: datetime | None
    due_at: datetime | None
    at_risk_at: datetime | None
    stopped_at: datetime | None
    met: bool | None
    breached_by_seconds: float | None
    working_seconds: float
    paused_seconds: float
    is_at_risk: bool
    pauses: tuple[StoredPause, ...]
    as_of: datetime
    at_risk_alerted: bool
    breach_alerted: bool


_CLOCKS_OF_CASE = """
SELECT c.clock, c.state, c.started_at, c.due_at, c.at_risk_at, c.stopped_at, c.met, c.breached_by_seconds,
       c.working_seconds, c.paused_seconds, c.is_at_risk, c.pauses, c.as_of,
       EXISTS (SELECT 1 FROM service_clock_alerts a
               WHERE a.case_id = c.case_id AND a.clock = c.clock AND a.kind = 'at_risk'),
       EXISTS (SELECT 1 FROM service_clock_alerts a
               WHERE a.case_id = c.case_id AND a.clock = c.clock AND a.kind = 'breached')
FROM service_clocks c WHERE c.case_id = %s
ORDER BY array_position(ARRAY['respond', 'on_site', 'fix', 'signed_record'], c.clock)
"""


def clocks_of_case(pool: ConnectionPool, case_id: UUID) -> list[StoredClock]:
    """The case's four clocks; none for a case that is no equipment fault."""
    with pool.connection() as conn:
        rows = conn.execute(_CLOCKS_OF_CASE, (case_id,)).fetchall()
    return [_stored_clock(row) for row in rows]


def _stored_clock(row: Any) -> StoredClock:
    clock, state, started_at, due_at, at_risk_at, stopped_at, met, breached_by = row[:8]
    working, paused, is_at_risk, pauses, as_of, at_risk_alerted, breach_alerted = row[8:]
    return StoredClock(
        clock,
        state,
        started_at,
        due_at,
        at_risk_at,
        stopped_at,
        met,
        breached_by,
        working,
        paused,
        is_at_risk,
        tuple(
            StoredPause(datetime.fromisoformat(p["started_at"]), moment(p["ended_at"]), p["reason"])
            for p in (pauses if isinstance(pauses, list) else json.loads(pauses))
        ),
        as_of,
        at_risk_alerted,
        breach_alerted,
    )


# A clock may call for an alert at `now`: running or paused past its warning or its due time, or stopped
# late; and not alerted so far. The watch computes each candidate afresh before raising anything.
_CANDIDATES = """
SELECT DISTINCT c.case_id FROM service_clocks c
WHERE NOT EXISTS (SELECT 1 FROM service_clock_alerts a
                  WHERE a.case_id = c.case_id AND a.clock = c.clock AND a.kind = 'breached')
  AND (c.breached_by_seconds > 0
       OR (c.state IN ('running', 'paused') AND c.due_at <= %(now)s)
       OR (c.state = 'running' AND c.at_risk_at <= %(now)s
           AND NOT EXISTS (SELECT 1 FROM service_clock_alerts a
                           WHERE a.case_id = c.case_id AND a.clock = c.clock AND a.kind = 'at_risk')))
LIMIT %(limit)s
"""


def alert_candidates(pool: ConnectionPool, now: datetime, limit: int = 500) -> list[UUID]:
    with pool.connection() as conn:
        return [row[0] for row in conn.execute(_CANDIDATES, {"now": now, "limit": limit}).fetchall()]


@dataclass(frozen=True)
class StoredAlert:
    case_id: UUID
    case_number: str | None
    clock: str
    kind: str
    due_at: datetime
    breached_by_seconds: float | None
    escalated_to: str
    raised_at: datetime


_ALERTS = """
SELECT a.case_id, s.number, a.clock, a.kind, a.due_at, a.breached_by_seconds, a.escalated_to, a.raised_at
FROM service_clock_alerts a LEFT JOIN case_summaries s ON s.id = a.case_id
ORDER BY a.raised_at DESC, a.case_id, a.clock, a.kind
LIMIT %s
"""


def clock_alerts(pool: ConnectionPool, limit: int = 200) -> list[StoredAlert]:
    """The escalations to the manager, newest first."""
    with pool.connection() as conn:
        return [StoredAlert(*row) for row in conn.execute(_ALERTS, (limit,)).fetchall()]
