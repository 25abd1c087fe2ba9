"""The follow-up projection (`follow_ups`), and the list of closed cases whose follow-up is not done.

A closed case is due from its closure on whether or not anything was recorded about its follow-up yet:
the list joins `case_summaries` (every closed case) with `follow_ups` (what was recorded), so a case
closed, even before this release, stays listed until its follow-up is done. A reopened case is not
closed, and leaves the list until it closes again; a withdrawn case is never listed.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg_pool import ConnectionPool

from domain.case import Case, CaseType
from domain.followup import FollowUp, FollowUpReason, FollowUpStatus, follow_up_reason
from projections.rows import RowProjection, Write, WriteOf, newer_update

NAME = "follow_ups"


def _opened(e: Any) -> Write:
    return (
        "INSERT INTO follow_ups (case_id, id, reason, status, round, opened_at, version)"
        " VALUES (%s, %s, %s, %s, 1, %s, %s) ON CONFLICT (case_id) DO NOTHING",
        (
            e.case_id,
            e.originator_id,
            e.reason.value,
            FollowUpStatus.OPEN.value,
            e.occurred_at,
            e.originator_version,
        ),
    )


_update = newer_update("follow_ups")


_WRITES: dict[type, WriteOf] = {
    FollowUp.Opened: _opened,
    FollowUp.ContactAttempted: _update("attempts = attempts + 1", lambda e: ()),
    FollowUp.SatisfactionRated: _update(
        "rating = %s, rated_by_customer = %s", lambda e: (e.rating, e.link_id is not None)
    ),
    FollowUp.OutcomeRecorded: _update(
        "status = %s, next_due = %s, done_at = %s, round = round + (%s::boolean)::int",
        lambda e: (
            (FollowUpStatus.OPEN if e.next_due else FollowUpStatus.DONE).value,
            e.next_due,
            None if e.next_due else e.occurred_at,
            e.next_due is not None,
        ),
    ),
}


# -- reading ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DueFollowUp:
    """A closed case whose follow-up is not done: why it is followed up, since when it is due."""

    case_id: UUID
    case_number: str
    case_type: str
    customer_id: str
    product: str
    closed_at: datetime
    reason: FollowUpReason
    due_at: datetime
    is_due: bool  # due at the time of reading; a new customer's next round may lie ahead
    is_started: bool  # something was recorded about it already
    round: int
    attempts: int
    rating: int | None


# A new customer: no earlier case of theirs is known (the test `CustomerHistoryFromReadModel` makes).
_DUE = """
SELECT c.id, c.number, c.case_type, c.customer_id, c.product, c.closed_at,
       NOT EXISTS (SELECT 1 FROM case_summaries e
                   WHERE e.customer_id = c.customer_id AND e.id <> c.id AND e.opened_at < c.opened_at),
       f.reason, COALESCE(f.next_due, c.closed_at) AS due_at, f.case_id IS NOT NULL,
       COALESCE(f.round, 1), COALESCE(f.attempts, 0), f.rating
FROM case_summaries c LEFT JOIN follow_ups f ON f.case_id = c.id
WHERE c.status = 'closed' AND (f.status IS NULL OR f.status <> 'done')
ORDER BY due_at, c.id
LIMIT %s
"""


def due_follow_ups(pool: ConnectionPool, at: datetime, limit: int) -> list[DueFollowUp]:
    """Closed cases whose follow-up is not done, the longest due first."""
    with pool.connection() as conn:
        rows = conn.execute(_DUE, (limit,)).fetchall()
    return [_due(row, at) for row in rows]


def _due(row: tuple[Any, ...], at: datetime) -> DueFollowUp:
    case_id, number, case_type, customer_id, product, closed_at, is_new, reason, due_at, started = row[:10]
    round_, attempts, rating = row[10:]
    # Once opened, the follow-up's recorded reason holds; before, the same rule says what it will be.
    why = FollowUpReason(reason) if reason else follow_up_reason(CaseType(case_type), is_new)
    return DueFollowUp(
        case_id,
        number,
        case_type,
        customer_id,
        product,
        closed_at,
        why,
        due_at,
        due_at <= at,
        started,
        round_,
        attempts,
        rating,
    )


@dataclass(frozen=True)
class CustomerHistoryFromReadModel:
    """Whether a case's customer is new, from the case read model."""

    pool: ConnectionPool

    def is_new_customer(self, case: Case) -> bool:
        with self.pool.connection() as conn:
            row = conn.execute(
                "SELECT NOT EXISTS (SELECT 1 FROM case_summaries"
                " WHERE customer_id = %s AND id <> %s AND opened_at < %s)",
                (case.customer.id, case.id, case.opened_at),
            ).fetchone()
        return bool(row and row[0])


class FollowUpProjection(RowProjection):
    def __init__(self) -> None:
        super().__init__(NAME, ("follow_ups",), _WRITES)
