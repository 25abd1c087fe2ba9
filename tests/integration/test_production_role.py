"""The documented production role (docker/app-role.sql) runs the service but cannot alter history.

The triggers refuse UPDATE, DELETE and TRUNCATE on the event tables to anyone; this role does not
even hold those privileges, and appends events only through the ledger_append function.
"""

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import errors
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from api.bootstrap import Services, bootstrap
from application.ledger import Caller
from domain.actor import Role
from tests.conftest import coal_objection

ROLE_SCRIPT = Path(__file__).resolve().parents[2] / "docker" / "app-role.sql"
PASSWORD = "app-role-test"  # a throwaway role on the test server
AGENT = Caller("agent-1", frozenset({Role.SERVICE_AGENT}))


@pytest.fixture
def role_url(database_url: str) -> str:
    with psycopg.connect(database_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = 'aftersales_app'").fetchone()
        if not exists:
            conn.execute(f"CREATE ROLE aftersales_app LOGIN PASSWORD '{PASSWORD}'")
        conn.execute(ROLE_SCRIPT.read_text())  # type: ignore[arg-type]  # our own file
    params = conninfo_to_dict(database_url)
    params.update(user="aftersales_app", password=PASSWORD)
    return make_conninfo(**params)


@pytest.fixture
def app_services(settings, role_url: str) -> Iterator[Services]:
    built = bootstrap(settings, url=role_url)
    try:
        yield built
    finally:
        built.close()


def test_the_service_runs_its_commands_projections_and_checkpoints_as_the_role(app_services):
    registered = app_services.ledger.register_case(AGENT, coal_objection())
    app_services.ledger.acknowledge(AGENT, registered.id, None)
    assert app_services.projection_runner.catch_up() == 2
    app_services.integrity_runner.catch_up()
    assert app_services.integrity.checkpoint().tree_size == 2


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_events SET topic = 'x'",
        "DELETE FROM ledger_events",
        "TRUNCATE ledger_events",
        "INSERT INTO ledger_events (originator_id, originator_version, topic, state) "
        "VALUES (gen_random_uuid(), 1, 'x', '')",
        "UPDATE integrity_leaves SET position = 0",
        "DELETE FROM integrity_checkpoints",
        "TRUNCATE integrity_leaves",
        "DELETE FROM schema_migrations",
        "UPDATE blob_chunks SET content = ''",
        "DELETE FROM blobs",
        "TRUNCATE blob_chunks",
    ],
)
def test_the_role_has_no_privilege_to_alter_history(app_services, role_url, statement):
    with psycopg.connect(role_url) as conn, pytest.raises(errors.InsufficientPrivilege, match="permission"):
        conn.execute(statement)
