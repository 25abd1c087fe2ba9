"""Small PostgreSQL stores behind the application's ports."""

from datetime import UTC, datetime

from psycopg_pool import ConnectionPool

from application.ports import RecordedResponse


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class PostgresCaseNumbers:
    def __init__(self, pool: ConnectionPool) -> None:
        self.pool = pool

    def next_number(self, year: int) -> int:
        with self.pool.connection() as conn:
            row = conn.execute(
                "SELECT coalesce(max(sequence), 0) + 1 FROM case_numbers WHERE year = %s", (year,)
            )
            return int(row.fetchone()[0])  # type: ignore[index]

    def case_id(self, number: str) -> str | None:
        year, sequence = _parse_number(number)
        if year is None:
            return None
        with self.pool.connection() as conn:
            row = conn.execute(
                "SELECT case_id FROM case_numbers WHERE year = %s AND sequence = %s", (year, sequence)
            ).fetchone()
        return str(row[0]) if row else None


def _parse_number(number: str) -> tuple[int | None, int]:
    parts = number.split("-")
    if len(parts) != 3 or parts[0] != "AS" or not parts[1].isdigit() or not parts[2].isdigit():
        return None, 0
    return int(parts[1]), int(parts[2])


class PostgresIdempotencyRecords:
    def __init__(self, pool: ConnectionPool) -> None:
        self.pool = pool

    def find(self, key: str) -> RecordedResponse | None:
        with self.pool.connection() as conn:
            row = conn.execute(
                "SELECT request_hash, response FROM idempotency_records WHERE key = %s", (key,)
            )
            found = row.fetchone()
        return RecordedResponse(found[0], found[1]) if found else None
