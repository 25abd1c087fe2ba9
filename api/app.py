"""The FastAPI application: REST commands, GraphQL reads, health."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from api.bootstrap import MIGRATION_FOLDERS, Services
from api.graphql import graphql_router
from api.middleware import BodySizeLimit, RequestContext
from api.problems import install_problem_handlers
from api.routes import (
    access,
    attachments,
    capa,
    cases,
    contracts,
    data_subjects,
    deadlines,
    evidence_bundles,
    followups,
    inspections,
    integrity,
    kpi,
    liability,
    repairs,
    returns,
    service_clocks,
    settlement,
    shipments,
    supervision,
    units,
)
from infra.database import migration_files, pending_migrations

DESCRIPTION = """
Event-sourced after-sales service. Commands are REST (`/api/v1/...`) and append immutable events;
reads are GraphQL (`/graphql`) over read models, or replays of the events themselves.

Every error is an RFC 9457 `application/problem+json` document naming the field at fault.
Send `If-Match: <version>` to refuse a command if the case changed since you read it (409), and
`Idempotency-Key: <key>` to retry a command safely (the first response comes back, nothing is appended).

Every event is a leaf of a Merkle tree (RFC 9162) whose signed checkpoints (C2SP, Ed25519) and proofs
are under `/api/v1/integrity`; `infra/verifier.py` checks a proof without this server. Every read of a
case, and every download of its evidence, is recorded in an access log; staff of other departments read
a case under an access grant (`/api/v1/access-grants`). Which role may call what: the README's
permission table.

Evidence (photos, videos, weighbridge tickets, lab reports) is uploaded as multipart to
`/api/v1/cases/{id}/attachments`, stored by the SHA-256 of its bytes, named by that hash in the event
that attaches it, and checked against it on every download.
"""


def create_app(services: Services, *, manage_lifecycle: bool = False) -> FastAPI:
    """Build the app around already-built services; `manage_lifecycle` closes them at shutdown."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if services.settings.run_projections:
            services.start_followers()
        # Every process that serves reads forgets what another process erased, projections or not.
        if services.erasure_watch is not None:
            services.erasure_watch.start()
        try:
            yield
        finally:
            services.stop_followers()
            if manage_lifecycle:
                services.close()

    app = FastAPI(title="Aftersales Ledger", version="0.1.0", description=DESCRIPTION, lifespan=lifespan)
    app.state.services = services
    # The files a release ships do not change while it runs: list them once, not on every probe.
    expected_migrations = [f.name for f in migration_files(MIGRATION_FOLDERS)]
    install_problem_handlers(app)
    app.include_router(cases.router)
    app.include_router(attachments.router)
    app.include_router(evidence_bundles.router)
    app.include_router(integrity.router)
    app.include_router(access.router)
    app.include_router(contracts.router)
    app.include_router(shipments.router)
    app.include_router(inspections.router)
    app.include_router(liability.router)
    app.include_router(settlement.router)
    app.include_router(deadlines.router)
    app.include_router(capa.router)
    app.include_router(units.router)
    app.include_router(repairs.router)
    app.include_router(returns.router)
    app.include_router(service_clocks.router)
    app.include_router(followups.router)
    app.include_router(supervision.router)
    app.include_router(kpi.router)
    app.include_router(data_subjects.router)
    app.include_router(graphql_router(services), prefix="/graphql", include_in_schema=False)

    @app.get("/healthz", tags=["operations"], summary="The process is up")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get(
        "/readyz", tags=["operations"], summary="Database reachable, schema current, projections running"
    )
    def readyz(request: Request) -> Any:
        checks = _readiness(services, expected_migrations)
        ready = all(checks.values())
        return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)

    app.add_middleware(
        BodySizeLimit,
        max_bytes=services.settings.max_body_bytes,
        max_upload_bytes=services.settings.max_upload_bytes,
    )
    app.add_middleware(RequestContext)
    return app


def _readiness(services: Services, expected_migrations: list[str]) -> dict[str, bool]:
    try:
        schema_current = not pending_migrations(services.pool, expected_migrations)
        database = True
    except Exception:
        database = schema_current = False
    return {
        "database": database,
        "schema_current": schema_current,
        # The worker may run in another process (docker compose): judge it by its heartbeat.
        "projections_running": database and services.projection_runner.is_alive(max_silence_seconds=10),
    }


def app_from_environment() -> FastAPI:
    """The app for process managers (`uvicorn --factory --workers N`, gunicorn): built from AFTERSALES_*.

    Each worker process builds its own services; AFTERSALES_DATABASE_URL must name the shared server.
    """
    from api.bootstrap import bootstrap
    from infra.logging import configure_logging
    from infra.settings import Settings

    settings = Settings()
    configure_logging(settings.log_level)
    return create_app(bootstrap(settings), manage_lifecycle=True)
