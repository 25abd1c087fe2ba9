"""Connections and versioned schema migrations for PostgreSQL."""

from collections.abc import Iterable
from pathlib import Path

import psycopg
import structlog
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import ConnectionPool

log = structlog.get_logger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"

# Any constant works; it only has to be the same for every process that migrates this database.
_MIGRATION_LOCK = 7_301_2026


def open_pool(url: str, size: int, name: str) -> ConnectionPool:
    pool = ConnectionPool(url, min_size=1, max_size=size, name=name, open=False, kwargs={"autocommit": True})
    pool.open(wait=True, timeout=30)
    return pool


def eventsourcing_env(url: str, pool_size: int) -> dict[str, str]:
    """The environment the eventsourcing library's PostgreSQL module reads its connection from."""
    parts = conninfo_to_dict(url)
    return {
        "PERSISTENCE_MODULE": "infra.eventstore:LedgerFactory",
        "POSTGRES_DBNAME": str(parts.get("dbname", "postgres")),
        "POSTGRES_HOST": str(parts.get("host", "localhost")),
        "POSTGRES_PORT": str(parts.get("port", "5432")),
        "POSTGRES_USER": str(parts.get("user", "postgres")),
        "POSTGRES_PASSWORD": str(parts.get("password", "")),
        "POSTGRES_POOL_SIZE": str(pool_size),
        "POSTGRES_MAX_OVERFLOW": "0",
        # Tables come from our numbered migrations, not from the library at start-up.
        "CREATE_TABLE": "no",
        # Keep recently used cases in memory; each load then reads only the events recorded since
        # (fast-forward), so a command on a long case does not replay its whole history. Another
        # replica's writes are still seen: fast-forwarding reads the store every time.
        "AGGREGATE_CACHE_MAXSIZE": "5000",
    }


def migration_files(folders: Iterable[Path]) -> list[Path]:
    """Every migration of the given folders, in the order they apply: by file name, across folders."""
    return sorted((f for folder in folders for f in folder.glob("*.sql")), key=lambda f: f.name)


def migrate(url: str, folders: Iterable[Path]) -> list[str]:
    """Apply every migration not yet applied, in name order; safe to run twice and from two processes."""
    files = migration_files(folders)
    applied_now: list[str] = []
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (_MIGRATION_LOCK,))
        try:
            # Checked first: the production role may read the schema but not create in it.
            if conn.execute("SELECT to_regclass('schema_migrations')").fetchone() == (None,):
                conn.execute(
                    "CREATE TABLE schema_migrations ("
                    " name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
                )
            done = {row[0] for row in conn.execute("SELECT name FROM schema_migrations")}
            for file in files:
                if file.name in done:
                    continue
                with conn.transaction():
                    conn.execute(file.read_text())  # type: ignore[arg-type]  # our own files
                    conn.execute("INSERT INTO schema_migrations (name) VALUES (%s)", (file.name,))
                applied_now.append(file.name)
                log.info("schema.migrated", migration=file.name)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_MIGRATION_LOCK,))
    return applied_now


def pending_migrations(pool: ConnectionPool, names: Iterable[str]) -> list[str]:
    """Which of the named migrations the database has not applied yet."""
    with pool.connection() as conn:
        done = {row[0] for row in conn.execute("SELECT name FROM schema_migrations")}
    return [n for n in names if n not in done]
