"""Fixtures for the end-to-end tests, on top of tests/conftest.py."""

import pytest
from typer.testing import CliRunner

from api import command_line
from api.cli import cli


@pytest.fixture
def aftersales(database_url, tmp_path, monkeypatch):
    """Run one `aftersales ...` command line; AFTERSALES_DATABASE_URL keeps it off the embedded server."""
    # The command would point structlog at the runner's captured stderr, which closes after the call.
    monkeypatch.setattr(command_line, "configure_logging", lambda level: None)
    runner = CliRunner()
    env = {
        "AFTERSALES_DATABASE_URL": database_url,
        "AFTERSALES_DATA_DIR": str(tmp_path),
        "AFTERSALES_RUN_PROJECTIONS": "false",
        "COLUMNS": "200",  # rich tables wrap to the terminal width; keep rows on one line
    }

    def run(*args: str, typed: str | None = None):
        return runner.invoke(cli, list(args), env=env, input=typed)

    return run
