"""The composition root: the one place that reads settings and builds the objects that do the work."""

from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any
from uuid import UUID

from psycopg_pool import ConnectionPool

import projections
from application.access import ReadAccess
from application.evidence import EvidenceFiles
from application.ledger import CaseLedger
from application.ports import BlobStore, CaseInspections, CaseReturns
from application.service_clocks import ClockWatch
from infra import database
from infra.blobs import open_blob_store
from infra.embedded import EmbeddedPostgres
from infra.integrity import CheckpointFile, IntegrityLog
from infra.settings import Settings
from infra.signing import SigningKey
from infra.stores import PostgresCaseNumbers, PostgresIdempotencyRecords, SystemClock
from infra.users import UserStore
from projections.objection_queries import inspection_ids_of_case
from projections.queries import grant_candidates
from projections.read_models import ReadModels
from projections.returns_queries import return_ids_of_case
from projections.runner import ProjectionRunner
from projections.service_clock_queries import alert_candidates

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
    integrity: IntegrityLog
    integrity_runner: ProjectionRunner
    blobs: BlobStore
    evidence: EvidenceFiles
    case_inspections: CaseInspections
    case_returns: CaseReturns
    embedded: EmbeddedPostgres | None = None
    clock_watch: ClockWatch | None = None

    def start_followers(self) -> None:
        """Follow new events in background threads: the read models, and the Merkle leaves; and watch the
        service clocks for warnings and breaches."""
        self.projection_runner.start()
        self.integrity_runner.start()
        if self.clock_watch is not None:
            self.clock_watch.start()

    def stop_followers(self) -> None:
        if self.clock_watch is not None:
            self.clock_watch.stop()
        self.projection_runner.stop()
        self.integrity_runner.stop()

    def close(self) -> None:
        self.stop_followers()
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
    runner = ProjectionRunner(
        pool, events=ledger.recorder, decode=ledger.mapper.to_domain_event, projection=ReadModels()
    )
    integrity = _integrity_log(settings, pool)
    blobs = open_blob_store(settings.blob_store, settings.blob_path, pool)
    return Services(
        settings=settings,
        database_url=url,
        pool=pool,
        ledger=ledger,
        users=UserStore(pool),
        case_numbers=case_numbers,
        projection_runner=runner,
        read_access=ReadAccess(ledger, partial(grant_candidates, pool)),
        integrity=integrity,
        integrity_runner=ProjectionRunner(
            pool,
            events=ledger.recorder,
            decode=_raw,
            projection=integrity,
            on_caught_up=integrity.checkpoint_if_due,
        ),
        blobs=blobs,
        evidence=EvidenceFiles(ledger, blobs, settings.max_upload_bytes),
        case_inspections=InspectionsFromReadModel(pool),
        case_returns=ReturnsFromReadModel(pool),
        embedded=embedded,
        clock_watch=ClockWatch(ledger, partial(alert_candidates, pool)),
    )


@dataclass(frozen=True)
class InspectionsFromReadModel:
    """`CaseInspections` answered by the objection read model (`inspection_summaries`)."""

    pool: ConnectionPool

    def of_case(self, case_id: UUID) -> list[UUID]:
        return inspection_ids_of_case(self.pool, case_id)


@dataclass(frozen=True)
class ReturnsFromReadModel:
    """`CaseReturns` answered by the returns read model (`return_summaries`)."""

    pool: ConnectionPool

    def of_case(self, case_id: UUID) -> list[UUID]:
        return return_ids_of_case(self.pool, case_id)


def _integrity_log(settings: Settings, pool: ConnectionPool) -> IntegrityLog:
    return IntegrityLog(
        pool,
        SigningKey.load_or_create(settings.signing_key_path),
        settings.log_origin,
        CheckpointFile(settings.checkpoint_log_path),
        every_events=settings.checkpoint_every_events,
        every_seconds=settings.checkpoint_every_seconds,
    )


def _raw(notification: Any) -> Any:
    # The Merkle leaves are hashed from the stored bytes, not from decoded events.
    return notification
