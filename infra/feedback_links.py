"""Single-use feedback links: a random token per link, only its SHA-256 stored, like users' tokens.

`redeem` burns a link with a conditional UPDATE inside a transaction that stays open while the caller
records the rating: a second, concurrent redeem waits on the row lock and then finds the link used; if
recording fails, the transaction rolls back and the link stays usable.
"""

import hashlib
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from uuid import UUID, uuid4

from psycopg_pool import ConnectionPool

from application.followups import FeedbackLink

LINK_PREFIX = "fbk_"  # a prefix that makes leaked links easy to grep for


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class PostgresFeedbackLinks:
    def __init__(self, pool: ConnectionPool) -> None:
        self.pool = pool

    def issue(self, case_id: UUID, issued_by: str, now: datetime, expires_at: datetime) -> str:
        """A new link's token (256 random bits); shown once, never stored."""
        token = LINK_PREFIX + secrets.token_urlsafe(32)
        with self.pool.connection() as conn:
            conn.execute(
                "INSERT INTO feedback_links (id, case_id, token_hash, issued_by, issued_at, expires_at)"
                " VALUES (%s, %s, %s, %s, %s, %s)",
                (uuid4(), case_id, _hash(token), issued_by, now, expires_at),
            )
        return token

    def find(self, token: str) -> FeedbackLink | None:
        with self.pool.connection() as conn:
            row = conn.execute(
                "SELECT id, case_id, expires_at, used_at FROM feedback_links WHERE token_hash = %s",
                (_hash(token),),
            ).fetchone()
        return FeedbackLink(*row) if row else None

    @contextmanager
    def redeem(self, token: str, now: datetime) -> Iterator[FeedbackLink | None]:
        """The link, burnt, if it was unused and unexpired; None otherwise. Burnt for good only if the
        block completes: an exception rolls the burning back."""
        with self.pool.connection() as conn, conn.transaction():
            row = conn.execute(
                "UPDATE feedback_links SET used_at = %s"
                " WHERE token_hash = %s AND used_at IS NULL AND expires_at > %s"
                " RETURNING id, case_id, expires_at, used_at",
                (now, _hash(token), now),
            ).fetchone()
            yield FeedbackLink(*row) if row else None
