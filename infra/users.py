"""Users and their bearer tokens; only a SHA-256 of each token is stored.

Tokens are 256 random bits, so a fast hash is as safe as a slow one and keeps every request cheap.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from psycopg_pool import ConnectionPool

from domain.actor import Role

TOKEN_PREFIX = "asl_"  # noqa: S105 - a prefix that makes leaked tokens easy to grep for


@dataclass(frozen=True)
class User:
    id: str
    display_name: str
    roles: frozenset[Role]
    created_at: datetime
    revoked_at: datetime | None


class UserExists(Exception):
    pass


class UnknownUser(Exception):
    pass


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class UserStore:
    def __init__(self, pool: ConnectionPool) -> None:
        self.pool = pool

    def add(self, user_id: str, display_name: str, roles: frozenset[Role]) -> str:
        """Create the user and return their token; the token is shown once and never stored."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self.pool.connection() as conn:
            inserted = conn.execute(
                "INSERT INTO users (id, display_name, roles, token_hash) VALUES (%s, %s, %s, %s)"
                " ON CONFLICT (id) DO NOTHING",
                (user_id, display_name, sorted(r.value for r in roles), _hash(token)),
            )
            if inserted.rowcount == 0:
                raise UserExists(f"user {user_id} already exists")
        return token

    def authenticate(self, token: str) -> User | None:
        with self.pool.connection() as conn:
            row = conn.execute(
                "SELECT id, display_name, roles, created_at, revoked_at FROM users"
                " WHERE token_hash = %s AND revoked_at IS NULL",
                (_hash(token),),
            ).fetchone()
        return _user(row) if row else None

    def list(self) -> list[User]:
        with self.pool.connection() as conn:
            rows = conn.execute(
                "SELECT id, display_name, roles, created_at, revoked_at FROM users ORDER BY id"
            ).fetchall()
        return [_user(row) for row in rows]

    def revoke(self, user_id: str) -> None:
        with self.pool.connection() as conn:
            updated = conn.execute(
                "UPDATE users SET revoked_at = now() WHERE id = %s AND revoked_at IS NULL", (user_id,)
            )
            if updated.rowcount == 0:
                raise UnknownUser(f"no active user {user_id}")

    def is_empty(self) -> bool:
        with self.pool.connection() as conn:
            return conn.execute("SELECT NOT EXISTS (SELECT 1 FROM users)").fetchone()[0]  # type: ignore[index]


def _user(row: tuple) -> User:  # type: ignore[type-arg]
    return User(row[0], row[1], frozenset(Role(r) for r in row[2]), row[3], row[4])
