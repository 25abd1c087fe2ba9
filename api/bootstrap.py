"""The composition root: the one place that reads settings and builds the objects that do the work."""

from dataclasses import dataclass
from pathlib import Path

from psycopg_pool import ConnectionPool

import projections
from application.access import ReadAccess
from application.ledger import CaseLedger
from infra import database
from infra.embedded import EmbeddedPostgres
from infra.settings import Settings
from infra.stores import PostgresCaseNumbers, PostgresIdempotencyRecords, SystemClock
from infra.users import UserStore
from projections.runner import ProjectionRunner

MIGRATION_FOLDERS: tuple[Path, ...] = (database.MIGRATIONS, projections.MIGRATIONS)


@dataclass
class Services:
    settings: Settings
    database_url: str
    pool: ConnectionPool
    ledger: CaseLedger
    users: UserStore
    case_numbers: PostgresCaseNumbers
    projection_runner: ProjectionRunner
    read_access: ReadAccess
    embedded: EmbeddedPostgres | None = None

    def close(self) -> None:
        self.projection_runner.stop()
        self.ledger.close()
        self.pool.close()
        if self.embedded is not None:
            self.embedded.stop()


def database_url(settings: Settings) -> tuple[str, EmbeddedPostgres | None]:
    """The configured server, or an embedded one under the data directory when none is configured."""
    if settings.database_url:
        return settings.database_url, None
    embedded = EmbeddedPostgres(settings.data_dir)
    return embedded.start(), embedded


def bootstrap(settings: Settings, url: str | None = None) -> Services:
    """Connect (starting the embedded server if needed), migrate, and build the services."""
    embedded = None
    if url is None:
        url, embedded = database_url(settings)
    try:
        database.migrate(url, MIGRATION_FOLDERS)
        pool = database.open_pool(url, settings.pool_size, name="aftersales")
        case_numbers = PostgresCaseNumbers(pool)
        ledger = CaseLedger(
            database.eventsourcing_env(url, settings.pool_size),
            clock=SystemClock(),
            case_numbers=case_numbers,
            idempotency_records=PostgresIdempotencyRecords(pool),
        )
    except BaseException:
        if embedded is not None:
            embedded.stop()
        raise
    runner = ProjectionRunner(pool, events=ledger.recorder, decode=ledger.mapper.to_domain_event)
    return Services(
        settings, url, pool, ledger, UserStore(pool), case_numbers, runner, ReadAccess(), embedded
    )
