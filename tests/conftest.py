"""Real PostgreSQL for every test that touches persistence.

One server per test session: the embedded one in a temporary directory, or the server named by
AFTERSALES_TEST_DATABASE_URL (its user needs CREATEDB). Each test gets its own database, copied
from a migrated template, so tests never see each other's events.
"""

import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from api.bootstrap import MIGRATION_FOLDERS, Services, bootstrap
from application.ledger import Registration
from domain.actor import Role
from domain.case import CaseType, Channel, Contact, Customer, Severity
from infra import database
from infra.logging import configure_logging
from infra.settings import Settings
from tests.tsa import local_tsa  # noqa: F401  (the local RFC 3161 authority fixture)

TEMPLATE = "aftersales_test_template"


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    """An admin URL of the session's PostgreSQL server."""
    configure_logging("info", cache_loggers=False)
    external = os.environ.get("AFTERSALES_TEST_DATABASE_URL")
    if external:
        yield external
        return
    from infra.embedded import EmbeddedPostgres

    with tempfile.TemporaryDirectory(prefix="aftersales-test-") as data_dir:
        embedded = EmbeddedPostgres(Path(data_dir))
        url = embedded.start()
        try:
            yield url
        finally:
            embedded.stop()


def _with_dbname(url: str, dbname: str) -> str:
    params = conninfo_to_dict(url)
    params["dbname"] = dbname
    return make_conninfo(**params)


@pytest.fixture(scope="session")
def template_url(server_url: str) -> str:
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{TEMPLATE}"')
        conn.execute(f'CREATE DATABASE "{TEMPLATE}"')
    url = _with_dbname(server_url, TEMPLATE)
    database.migrate(url, MIGRATION_FOLDERS)
    return url


@pytest.fixture
def database_url(server_url: str, template_url: str) -> Iterator[str]:
    """A fresh, migrated database of its own for one test."""
    name = f"aftersales_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"')
    yield _with_dbname(server_url, name)
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, run_projections=True, max_body_bytes=64 * 1024)


@pytest.fixture
def services(settings: Settings, database_url: str) -> Iterator[Services]:
    built = bootstrap(settings, url=database_url)
    try:
        yield built
    finally:
        built.close()


@pytest.fixture
def tokens(services: Services) -> dict[str, str]:
    """One user per role, by role name (e.g. tokens['manager']), plus 'multi' with agent+engineer."""
    issued = {
        role.value: services.users.add(f"{role.value}-1", role.value.title(), frozenset({role}))
        for role in Role
    }
    issued["multi"] = services.users.add("multi-1", "Multi", frozenset({Role.SERVICE_AGENT, Role.ENGINEER}))
    return issued


@pytest.fixture
def client(services: Services):
    from fastapi.testclient import TestClient

    from api.app import create_app

    with TestClient(create_app(services), raise_server_exceptions=False) as test_client:
        yield test_client


def auth(token: str, **headers: str) -> dict[str, str]:
    """Headers for a request by the holder of `token`; extra headers use underscores for dashes."""
    return {"Authorization": f"Bearer {token}", **{k.replace("_", "-"): v for k, v in headers.items()}}


def coal_objection(customer_id: str = "CUST-0042", contact: Contact | None = None) -> Registration:
    """The use-case form of `registration()`: a coal calorific-value objection."""
    return Registration(
        customer=Customer(customer_id, "Jiangsu Huadian Power"),
        contact=contact or Contact("Wang Lei", "+86 138 0000 0042"),
        channel=Channel.HOTLINE,
        case_type=CaseType.QUALITY_OBJECTION,
        severity=Severity.HIGH,
        product="Thermal coal Q5500",
        shipment_refs=["SHP-2026-0815"],
        batch_refs=["B-0815-01"],
        description="Net calorific value as received measured 5,120 kcal/kg against 5,500 contracted.",
    )


def registration(**overrides: object) -> dict[str, object]:
    """A valid registration body: a coal calorific-value objection."""
    body: dict[str, object] = {
        "customer": {"id": "CUST-0042", "name": "Jiangsu Huadian Power"},
        "contact": {"name": "Wang Lei", "phone": "+86 138 0000 0042"},
        "channel": "hotline",
        "type": "quality_objection",
        "severity": "high",
        "product": "Thermal coal Q5500",
        "shipment_refs": ["SHP-2026-0815"],
        "batch_refs": ["B-0815-01"],
        "description": "Net calorific value as received measured 5,120 kcal/kg against 5,500 contracted.",
    }
    body.update(overrides)
    return body
