"""The composition root: the one place that reads settings and builds the objects that do the work."""

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any
from uuid import UUID

from psycopg_pool import ConnectionPool

import projections
from api.bundle_report import case_reports
from application.access import ReadAccess
from application.erasure import ErasureWatch
from application.evidence import EvidenceFiles
from application.evidence_bundles import CaseStreams, EvidenceBundles
from application.ledger import CaseLedger
from application.ports import BlobStore, CaseInspections, CaseReturns
from application.service_clocks import ClockWatch
from infra import database
from infra.blobs import open_blob_store
from infra.embedded import EmbeddedPostgres
from infra.evidence_bundle import EvidenceBundleWriter
from infra.integrity import CheckpointFile, IntegrityLog
from infra.settings import Settings
from infra.signing import KeyRing
from infra.stores import PostgresCaseNumbers, PostgresIdempotencyRecords, SystemClock
from infra.subject_keys import PostgresSubjectKeys, SubjectSealer, load_or_create_kek
from infra.timestamping import TimestampAuthority, Timestamps
from infra.users import UserStore
from projections.capa_queries import ActionFilter, list_actions
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
    subject_keys: PostgresSubjectKeys
    timestamps: Timestamps
    embedded: EmbeddedPostgres | None = None
    clock_watch: ClockWatch | None = None
    erasure_watch: ErasureWatch | None = None

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
        if self.erasure_watch is not None:
            self.erasure_watch.stop()
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
        subject_keys = PostgresSubjectKeys(pool, load_or_create_kek(settings.subject_kek_path))
        ledger = CaseLedger(
            database.eventsourcing_env(url, settings.pool_size),
            clock=SystemClock(),
            case_numbers=case_numbers,
            idempotency_records=PostgresIdempotencyRecords(pool),
            subject_keys=subject_keys,
            sealer=SubjectSealer(subject_keys),
        )
    except BaseException:
        if embedded is not None:
            embedded.stop()
        raise
    runner = ProjectionRunner(
        pool,
        events=ledger.recorder,
        decode=ledger.mapper_keeping_personal_data_sealed().to_domain_event,
        projection=ReadModels(),
    )
    integrity = _integrity_log(settings, pool)
    timestamps = _timestamps(settings, pool)
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
            on_caught_up=partial(_checkpoint_and_stamp, integrity, timestamps),
        ),
        blobs=blobs,
        evidence=EvidenceFiles(ledger, blobs, settings.max_upload_bytes),
        case_inspections=InspectionsFromReadModel(pool),
        case_returns=ReturnsFromReadModel(pool),
        subject_keys=subject_keys,
        timestamps=timestamps,
        embedded=embedded,
        clock_watch=ClockWatch(ledger, partial(alert_candidates, pool)),
        erasure_watch=ErasureWatch(ledger, subject_keys),
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


@dataclass(frozen=True)
class ActionsFromReadModel:
    """`CaseCorrectiveActions` answered by the CAPA read model (`corrective_actions`), page by page."""

    pool: ConnectionPool

    def of_case(self, case_id: UUID) -> list[UUID]:
        where = ActionFilter(at=datetime.now(UTC), case_id=case_id)
        found: list[UUID] = []
        page = list_actions(self.pool, where, 100, None)
        found += [a.id for a in page.actions]
        while page.has_next_page:
            page = list_actions(self.pool, where, 100, page.actions[-1].page_key())
            found += [a.id for a in page.actions]
        return found


def evidence_bundles(services: Services) -> EvidenceBundles:
    """The evidence bundle export (docs/evidence-bundle.md), over the services as they are wired."""
    streams = CaseStreams(
        services.projection_runner.catch_up,
        services.case_inspections,
        services.case_returns,
        ActionsFromReadModel(services.pool),
    )
    writer = EvidenceBundleWriter(
        services.pool,
        services.integrity,
        services.integrity_runner.catch_up,
        services.blobs,
        services.timestamps,
    )
    return EvidenceBundles(services.ledger, services.read_access, streams, writer, case_reports)


def _integrity_log(settings: Settings, pool: ConnectionPool) -> IntegrityLog:
    return IntegrityLog(
        pool,
        KeyRing.load_or_create(settings.signing_key_path, settings.log_origin),
        settings.log_origin,
        CheckpointFile(settings.checkpoint_log_path),
        every_events=settings.checkpoint_every_events,
        every_seconds=settings.checkpoint_every_seconds,
    )


def _timestamps(settings: Settings, pool: ConnectionPool) -> Timestamps:
    if settings.tsa_url is None:
        return Timestamps(pool)  # stamps nothing; still gives the tokens stored earlier
    authority = TimestampAuthority.configured(
        settings.tsa_url, settings.tsa_cert_file, settings.tsa_timeout_seconds
    )
    return Timestamps(pool, authority)


def _checkpoint_and_stamp(integrity: IntegrityLog, timestamps: Timestamps) -> None:
    # The TSA is asked in a thread of its own: a slow one must not hold up the Merkle leaves.
    if integrity.checkpoint_if_due() is not None:
        timestamps.stamp_in_background()


def _raw(notification: Any) -> Any:
    # The Merkle leaves are hashed from the stored bytes, not from decoded events.
    return notification
