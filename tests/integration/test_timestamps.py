"""RFC 3161 tokens on signed checkpoints, from the local test TSA, stored on real PostgreSQL."""

import dataclasses
import socket
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from structlog.testing import capture_logs

from application.ledger import Caller
from domain.actor import Role
from infra.settings import Settings
from infra.timestamp_token import verify_token
from infra.timestamping import TimestampAuthority
from tests.conftest import coal_objection
from tests.tsa import LocalTsa, TestAuthority

ADMIN = Caller("admin-1", frozenset({Role.ADMIN}))


@pytest.fixture
def settings(tmp_path: Path, local_tsa: LocalTsa) -> Settings:
    return Settings(
        data_dir=tmp_path, tsa_url=local_tsa.url, tsa_cert_file=local_tsa.chain, tsa_timeout_seconds=5
    )


def signed_checkpoint(services: Any, cases: int = 1) -> Any:
    for n in range(cases):
        services.ledger.register_case(ADMIN, coal_objection(f"CUST-{n:04d}"))
    services.integrity_runner.catch_up()
    return services.integrity.checkpoint()


def unreachable_url() -> str:
    """A local port nothing listens on: the connection is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


def test_a_signed_checkpoint_gets_a_token_that_verifies_against_its_note(services, local_tsa):
    checkpoint = signed_checkpoint(services)
    assert services.timestamps.stamp_pending() == 1
    token = services.timestamps.tokens([checkpoint.tree_size])[checkpoint.tree_size]
    facts = verify_token(token, checkpoint.note.encode("utf-8"))
    assert abs(facts.gen_time - datetime.now(UTC)) < timedelta(minutes=2)
    assert facts.tsa_subject == "CN=Aftersales Test TSA"
    with services.pool.connection() as conn:
        stored = conn.execute("SELECT gen_time, tsa_url FROM checkpoint_timestamps").fetchall()
    assert stored == [(facts.gen_time, local_tsa.url)]


def test_each_checkpoint_is_stamped_once(services):
    first = signed_checkpoint(services)
    services.timestamps.stamp_pending()
    second = signed_checkpoint(services)
    assert services.timestamps.stamp_pending() == 1
    assert services.timestamps.stamp_pending() == 0
    tokens = services.timestamps.tokens([first.tree_size, second.tree_size, 999])
    assert sorted(tokens) == [first.tree_size, second.tree_size]


def test_the_integrity_follower_stamps_what_it_signs(services):
    services.ledger.register_case(ADMIN, coal_objection())
    services.integrity_runner.catch_up()
    services.integrity_runner.on_caught_up()  # what the follower runs after each catch-up: signs, stamps
    checkpoint = services.integrity.latest_checkpoint()
    deadline = time.monotonic() + 20
    while not services.timestamps.tokens([checkpoint.tree_size]) and time.monotonic() < deadline:
        time.sleep(0.05)
    token = services.timestamps.tokens([checkpoint.tree_size])[checkpoint.tree_size]
    verify_token(token, checkpoint.note.encode("utf-8"))


def test_a_tsa_that_is_down_never_blocks_signing_and_is_retried_later(services):
    live = services.timestamps.authority
    services.timestamps.authority = dataclasses.replace(live, url=unreachable_url())
    first = signed_checkpoint(services)
    with capture_logs() as logs:
        assert services.timestamps.stamp_pending() == 0
    assert [entry["event"] for entry in logs] == ["timestamp.unavailable"]
    second = signed_checkpoint(services)  # signing goes on regardless
    assert second.tree_size > first.tree_size
    assert services.timestamps.tokens([first.tree_size, second.tree_size]) == {}

    services.timestamps.authority = live  # the TSA is back
    assert services.timestamps.stamp_pending() == 2
    tokens = services.timestamps.tokens([first.tree_size, second.tree_size])
    for checkpoint in (first, second):
        verify_token(tokens[checkpoint.tree_size], checkpoint.note.encode("utf-8"))


def test_a_token_signed_by_another_than_the_pinned_tsa_is_not_stored(services, tmp_path):
    stranger = TestAuthority(tmp_path / "stranger")
    services.timestamps.authority = TimestampAuthority.configured(
        services.timestamps.authority.url, stranger.files.tsa_cert, timeout_seconds=5
    )
    checkpoint = signed_checkpoint(services)
    with capture_logs() as logs:
        assert services.timestamps.stamp_pending() == 0
    assert "does not verify" in logs[0]["error"]
    assert services.timestamps.tokens([checkpoint.tree_size]) == {}


def test_a_stored_token_cannot_be_changed(services):
    signed_checkpoint(services)
    services.timestamps.stamp_pending()
    with services.pool.connection() as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("UPDATE checkpoint_timestamps SET token = 'x'::bytea")


def test_without_a_tsa_nothing_is_stamped(tmp_path, database_url):
    from api.bootstrap import bootstrap

    services = bootstrap(Settings(data_dir=tmp_path), url=database_url)
    try:
        checkpoint = signed_checkpoint(services)
        assert services.timestamps.stamp_pending() == 0
        assert services.timestamps.tokens([checkpoint.tree_size]) == {}
    finally:
        services.close()


@pytest.fixture
def aftersales(database_url, tmp_path, local_tsa, monkeypatch):
    """Run one `aftersales ...` command line against the test's database and the local TSA."""
    from typer.testing import CliRunner

    from api import cli as cli_module
    from api import command_line

    monkeypatch.setattr(command_line, "configure_logging", lambda level: None)
    env = {
        "AFTERSALES_DATABASE_URL": database_url,
        "AFTERSALES_DATA_DIR": str(tmp_path),
        "AFTERSALES_RUN_PROJECTIONS": "false",
        "AFTERSALES_TSA_URL": local_tsa.url,
        "AFTERSALES_TSA_CERT_FILE": str(local_tsa.chain),
    }
    return lambda *args: CliRunner().invoke(cli_module.cli, list(args), env=env)


def test_the_checkpoint_command_stamps_and_verify_checks_the_tokens(services, aftersales, database_url):
    services.ledger.register_case(ADMIN, coal_objection())
    assert aftersales("checkpoint").exit_code == 0
    assert len(services.timestamps.tokens([1, 2])) == 1

    verified = aftersales("verify")
    assert verified.exit_code == 0, verified.output
    assert "timestamps: 1 checkpoint tokens verify" in verified.output

    with psycopg.connect(database_url, autocommit=True) as conn:  # an attacker with the owner's rights
        conn.execute("ALTER TABLE checkpoint_timestamps DISABLE TRIGGER checkpoint_timestamps_append_only")
        conn.execute("UPDATE checkpoint_timestamps SET token = overlay(token PLACING '\\x00' FROM 200)")
    tampered = aftersales("verify")
    assert tampered.exit_code == 1
    assert "TIMESTAMP INVALID: checkpoint" in tampered.output
