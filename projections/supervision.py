"""The complaint-review projection (`complaint_reviews`), and the supervision's report of every service
complaint with its review's outcome or its age.

The report starts from `case_summaries`: every service-complaint case is listed from its registration
on, whether or not the supervision has verified it, so that none can be dropped or hidden by simply not
reviewing it.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg_pool import ConnectionPool

from domain.case import CaseType
from domain.supervision import ComplaintReview, ReviewStatus
from projections.rows import RowProjection, Write, WriteOf, newer_update

NAME = "complaint_reviews"


def _verified(e: Any) -> Write:
    return (
        "INSERT INTO complaint_reviews (case_id, id, outcome, status, verified_at, version)"
        " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (case_id) DO NOTHING",
        (
            e.case_id,
            e.originator_id,
            e.outcome.value,
            ReviewStatus.VERIFIED.value,
            e.occurred_at,
            e.originator_version,
        ),
    )


_update = newer_update("complaint_reviews")


_WRITES: dict[type, WriteOf] = {
    ComplaintReview.ComplaintVerified: _verified,
    ComplaintReview.AccountabilityRecorded: _update(
        "accountability_records = accountability_records + 1", lambda e: ()
    ),
    ComplaintReview.ApologyMade: _update("apologised_at = %s", lambda e: (e.apologised_at,)),
    ComplaintReview.ReviewClosed: _update(
        "status = %s, closed_at = %s", lambda e: (ReviewStatus.CLOSED.value, e.occurred_at)
    ),
}


# -- reading ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ComplaintLine:
    """One service complaint in the supervision's report."""

    case_id: UUID
    case_number: str
    case_status: str
    registered_at: datetime
    outcome: str | None  # the verification's; None while not verified
    review_status: str | None  # verified or closed; None while not verified
    accountability_records: int
    apologised_at: datetime | None
    verified_at: datetime | None
    review_closed_at: datetime | None
    # Whole days from registration until the review closed, or until the time of reading if it is open.
    age_days: int


_REPORT = """
SELECT c.id, c.number, c.status, c.opened_at, r.outcome, r.status, COALESCE(r.accountability_records, 0),
       r.apologised_at, r.verified_at, r.closed_at
FROM case_summaries c LEFT JOIN complaint_reviews r ON r.case_id = c.id
WHERE c.case_type = %s
ORDER BY c.opened_at, c.id
"""


def complaint_report(pool: ConnectionPool, at: datetime) -> list[ComplaintLine]:
    """Every service complaint, the oldest first, with its review's outcome or its age."""
    with pool.connection() as conn:
        rows = conn.execute(_REPORT, (CaseType.SERVICE_COMPLAINT.value,)).fetchall()
    return [_line(row, at) for row in rows]


def _line(row: tuple[Any, ...], at: datetime) -> ComplaintLine:
    case_id, number, case_status, registered_at, outcome, review_status, records, apologised, verified = row[
        :9
    ]
    closed = row[9]
    age = ((closed or at) - registered_at).days
    return ComplaintLine(
        case_id,
        number,
        case_status,
        registered_at,
        outcome,
        review_status,
        records,
        apologised,
        verified,
        closed,
        max(age, 0),
    )


class ComplaintReviewProjection(RowProjection):
    def __init__(self) -> None:
        super().__init__(NAME, ("complaint_reviews",), _WRITES)
