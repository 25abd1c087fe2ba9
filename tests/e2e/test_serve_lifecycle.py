"""`aftersales serve` and `aftersales project` as real processes: start, stop, restart, crash.

The serve tests share one data directory with its embedded PostgreSQL, in file order: the first
run creates the installation, the later ones restart it normally and after a kill -9.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil
import pytest

from projections import queries
from tests.conftest import auth, registration

START_TIMEOUT = 60.0  # initdb on a slow disk
STOP_TIMEOUT = 30.0
AFTERSALES = shutil.which("aftersales", path=str(Path(sys.executable).parent)) or "aftersales"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(condition: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.1)


def _running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _wait_until_gone(pid: int) -> None:
    # `pg_ctl stop` returns once the pid file is gone; the postmaster itself exits a moment later.
    _wait_for(lambda: not _running(pid), STOP_TIMEOUT, f"PostgreSQL (pid {pid}) to exit")


class Aftersales:
    """One `aftersales` process, its output kept in files (a full pipe would block it)."""

    def __init__(self, command: str, env: dict[str, str], logs: Path, port: int = 0) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.stdout, self.stderr = logs.with_suffix(".out"), logs.with_suffix(".err")
        with self.stdout.open("wb") as out, self.stderr.open("wb") as err:
            self.process = subprocess.Popen([AFTERSALES, command], env=env, stdout=out, stderr=err)

    @property
    def output(self) -> str:
        return self.stdout.read_text() + self.stderr.read_text()

    def wait_healthy(self) -> None:
        def healthy() -> bool:
            assert self.process.poll() is None, f"exited with {self.process.returncode}:\n{self.output}"
            try:
                return httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200
            except httpx.TransportError:
                return False

        _wait_for(healthy, START_TIMEOUT, "/healthz")

    def stop(self, sig: int = signal.SIGTERM) -> int:
        self.process.send_signal(sig)
        return self.process.wait(timeout=STOP_TIMEOUT)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=STOP_TIMEOUT)

    def post(self, path: str, token: str, body: dict) -> dict:
        response = httpx.post(f"{self.url}{path}", json=body, headers=auth(token), timeout=10)
        assert response.is_success, response.text
        return response.json()


@dataclass
class Installation:
    data_dir: Path
    runs: list[Aftersales]

    @property
    def pgdata(self) -> Path:
        return self.data_dir / "pgdata"

    def serve(self, **settings: str) -> Aftersales:
        port = _free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("AFTERSALES_")}
        env |= {"AFTERSALES_DATA_DIR": str(self.data_dir), "AFTERSALES_PORT": str(port)}
        env |= {f"AFTERSALES_{name.upper()}": value for name, value in settings.items()}
        run = Aftersales("serve", env, self.data_dir.parent / f"serve-{len(self.runs)}", port)
        self.runs.append(run)
        run.wait_healthy()
        return run

    def postmaster(self) -> int | None:
        """The running postmaster of this data directory, if any."""
        pid_file = self.pgdata / "postmaster.pid"
        if not pid_file.exists():
            return None
        pid = int(pid_file.read_text().split()[0])
        return pid if _running(pid) else None

    def postmasters(self) -> list[int]:
        """Every postmaster started on this data directory (children carry another command line)."""
        return [
            p.pid
            for p in psutil.process_iter(["name", "cmdline"])
            if p.info["name"] == "postgres" and str(self.pgdata) in (p.info["cmdline"] or [])
        ]


@pytest.fixture(scope="module")
def installation() -> Iterator[Installation]:
    # Not under pytest's tmp_path: run as root, the server drops to its own user, and pytest keeps
    # its base directory closed to other users.
    with tempfile.TemporaryDirectory(prefix="aftersales-serve-", ignore_cleanup_errors=True) as base:
        found = Installation(Path(base) / "data", [])
        try:
            yield found
        finally:
            for run in found.runs:
                run.kill()
            for pid in found.postmasters():
                psutil.Process(pid).send_signal(signal.SIGINT)  # fast shutdown of a server a failure left


@dataclass
class FirstRun:
    admin_token: str
    case: dict


@pytest.fixture(scope="module")
def first_run(installation) -> FirstRun:
    run = installation.serve()
    token = re.search(r"ADMIN TOKEN: (asl_\S+)", run.stdout.read_text())
    assert token, run.output
    case = run.post("/api/v1/cases", token.group(1), registration())
    postmaster = installation.postmaster()
    assert postmaster is not None
    assert run.stop() == 0, run.output
    _wait_until_gone(postmaster)
    return FirstRun(token.group(1), case)


def test_first_start_prints_an_admin_token_and_sigterm_stops_postgres(installation, first_run):
    tokens_file = installation.data_dir / "tokens.json"
    assert oct(tokens_file.stat().st_mode & 0o777) == "0o600"
    assert first_run.admin_token not in tokens_file.read_text()
    assert first_run.case["version"] == 1
    assert installation.postmasters() == []
    assert "Traceback" not in installation.runs[0].output
    assert first_run.admin_token not in installation.runs[0].stderr.read_text()  # never logged


def test_a_restart_finds_the_data_of_the_first_run(installation, first_run):
    run = installation.serve()
    try:
        case_id = first_run.case["id"]
        acknowledged = run.post(f"/api/v1/cases/{case_id}/acknowledge", first_run.admin_token, {})
        assert (acknowledged["number"], acknowledged["version"]) == (first_run.case["number"], 2)
        assert "ADMIN TOKEN" not in run.stdout.read_text()  # users exist: no new tokens
    finally:
        assert run.stop() == 0, run.output
    _wait_for(lambda: not installation.postmasters(), STOP_TIMEOUT, "PostgreSQL to exit")


def test_after_kill_9_a_restart_reuses_postgres_and_sigterm_still_stops_it(installation, first_run):
    crashed = installation.serve()
    orphan = installation.postmaster()
    crashed.kill()
    assert orphan is not None and _running(orphan), "kill -9 of serve should leave PostgreSQL up"

    run = installation.serve()
    try:
        assert installation.postmasters() == [orphan]  # attached to the server left running
        assert '"reused_after_crash": true' in run.stderr.read_text()
        note = {"text": "Checked after the crash."}
        noted = run.post(f"/api/v1/cases/{first_run.case['id']}/notes", first_run.admin_token, note)
        assert noted["number"] == first_run.case["number"]
        assert "Traceback" not in run.output
    finally:
        assert run.stop() == 0, run.output
    _wait_until_gone(orphan)
    assert installation.postmasters() == []


def test_two_http_workers_serve_one_database_and_sigterm_stops_them_all(installation, first_run):
    run = installation.serve(workers="2")
    postmaster = installation.postmaster()
    try:
        workers = psutil.Process(run.process.pid).children(recursive=True)
        assert len([w for w in workers if "python" in w.name().lower() or "aftersales" in w.name()]) >= 2
        case = run.post("/api/v1/cases", first_run.admin_token, registration())
        graphql = {"query": f'{{ caseByNumber(number: "{case["number"]}") {{ version }} }}'}

        def projected() -> bool:
            answer = httpx.post(f"{run.url}/graphql", json=graphql, headers=auth(first_run.admin_token))
            return answer.json()["data"]["caseByNumber"] is not None

        _wait_for(projected, 10, "the new case in the read model, projected by the parent process")
        assert httpx.get(f"{run.url}/readyz").status_code == 200
    finally:
        assert run.stop() == 0, run.output
    assert postmaster is not None
    _wait_until_gone(postmaster)
    assert "Traceback" not in run.output


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_the_projection_worker_projects_until_told_to_stop(services, database_url, tmp_path, stop_signal):
    from api.demo import load_demo

    case_ids = load_demo(services.ledger)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AFTERSALES_")}
    env |= {"AFTERSALES_DATABASE_URL": database_url, "AFTERSALES_DATA_DIR": str(tmp_path)}
    worker = Aftersales("project", env, tmp_path / "project")
    try:
        projected = lambda: all(queries.case_by_id(services.pool, c) for c in case_ids)  # noqa: E731
        _wait_for(projected, START_TIMEOUT, "the demo cases in the read model")
        assert worker.stop(stop_signal) == 0, worker.output
        assert "projection worker stopped" in worker.stdout.read_text()
        assert "Traceback" not in worker.output
    finally:
        worker.kill()
