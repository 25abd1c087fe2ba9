"""Fixtures for benchmarks, on top of tests/conftest.py (`server_url`, `database_url`, `services`)."""

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.benchmarks.harness import (
    RunningServer,
    aftersales_executable,
    free_loopback_port,
    stop_server,
    wait_until_healthy,
)


@pytest.fixture
def aftersales_server(database_url: str, tmp_path: Path) -> Iterator[RunningServer]:
    """`aftersales serve` on a free loopback port, on this test's database; terminated at the end."""
    port = free_loopback_port()
    data_dir = tmp_path / "server"
    data_dir.mkdir()
    env = {
        **os.environ,
        "AFTERSALES_DATABASE_URL": database_url,
        "AFTERSALES_HOST": "127.0.0.1",
        "AFTERSALES_PORT": str(port),
        "AFTERSALES_DATA_DIR": str(data_dir),
        "AFTERSALES_LOG_LEVEL": "warning",
    }
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [aftersales_executable(), "serve"], env=env, stdout=log, stderr=subprocess.STDOUT
        )
    server = RunningServer(f"http://127.0.0.1:{port}", log_path, process)
    try:
        wait_until_healthy(server)
        yield server
    finally:
        stop_server(process)
