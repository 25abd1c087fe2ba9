"""Benchmark helpers: a fixed-duration load driver, and the real server as a subprocess.

The PostgreSQL server and the per-test database come from tests/conftest.py (`server_url`,
`database_url`, `services`): the embedded server in a temporary directory, or the server named by
AFTERSALES_TEST_DATABASE_URL. Everything here talks to loopback only.
"""

import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from application.ledger import Caller
from domain.actor import Role
from tests.conftest import coal_objection

# Seconds each measurement runs; override with AFTERSALES_BENCH_SECONDS for a quicker or steadier figure.
BENCH_SECONDS = float(os.environ.get("AFTERSALES_BENCH_SECONDS", "5"))
# A hard ceiling on one client's operations, so that no loop is unbounded even if the clock misbehaves.
MAX_OPS_PER_CLIENT = 1_000_000
SERVER_START_TIMEOUT = 60.0
SERVER_STOP_TIMEOUT = 20.0


# -- the load driver ------------------------------------------------------------------------------


@dataclass
class ClientTally:
    ok: int = 0
    failed: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    samples: list[str] = field(default_factory=list)  # the first few failures, for the report
    latencies: list[float] = field(default_factory=list)

    def fail(self, status: str, detail: str) -> None:
        self.failed += 1
        self.statuses[status] += 1
        if len(self.samples) < 3:
            self.samples.append(f"{status}: {detail[:200]}")


@dataclass
class Measure:
    name: str
    clients: int
    seconds: float
    ok: int
    failed: int
    statuses: Counter[str]
    samples: list[str]
    latencies: list[float]

    @property
    def per_second(self) -> float:
        return self.ok / self.seconds if self.seconds > 0 else 0.0

    def latency_ms(self, quantile: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(quantile * len(ordered)))] * 1000

    @property
    def label(self) -> str:
        return f"{self.name}@{self.clients}"


# One client: set-up (connect) is done by the factory before the clock starts; the returned
# operation performs one unit of work, returns None on success or (status, detail) on failure.
Operation = Callable[[int], tuple[str, str] | None]
ClientFactory = Callable[[int], tuple[Operation, Callable[[], None]]]


def drive(name: str, clients: int, factory: ClientFactory, seconds: float = BENCH_SECONDS) -> Measure:
    """Run `clients` threads, each doing operations back to back for `seconds`, and tally them."""
    deadline: list[float] = [0.0]
    started: list[float] = [0.0]

    def set_clock() -> None:
        started[0] = time.perf_counter()
        deadline[0] = started[0] + seconds

    barrier = threading.Barrier(clients, action=set_clock, timeout=120)

    def run(index: int) -> tuple[ClientTally, float]:
        tally = ClientTally()
        try:
            operation, close = factory(index)
        except BaseException:
            barrier.abort()
            raise
        try:
            barrier.wait()
            for n in range(MAX_OPS_PER_CLIENT):
                before = time.perf_counter()
                if before >= deadline[0]:
                    break
                try:
                    failure = operation(n)
                except Exception as error:  # a dropped connection must show up in the report, not hang it
                    failure = (type(error).__name__, str(error))
                after = time.perf_counter()
                if failure is None:
                    tally.ok += 1
                    tally.latencies.append(after - before)
                else:
                    tally.fail(*failure)
            return tally, time.perf_counter()
        finally:
            close()

    with ThreadPoolExecutor(max_workers=clients, thread_name_prefix=f"bench-{name}") as pool:
        results = [f.result() for f in [pool.submit(run, i) for i in range(clients)]]
    ended = max(end for _, end in results)
    statuses: Counter[str] = Counter()
    samples: list[str] = []
    latencies: list[float] = []
    for tally, _ in results:
        statuses.update(tally.statuses)
        samples.extend(tally.samples)
        latencies.extend(tally.latencies)
    return Measure(
        name=name,
        clients=clients,
        seconds=ended - started[0],
        ok=sum(t.ok for t, _ in results),
        failed=sum(t.failed for t, _ in results),
        statuses=statuses,
        samples=samples[:5],
        latencies=latencies,
    )


def median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def percentile_ms(values: list[float], quantile: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(quantile * (len(ordered) - 1)))] * 1000


def server_facts(url: str) -> dict[str, str]:
    """The server settings that decide what a commit costs, printed with every result."""
    names = ("server_version", "fsync", "synchronous_commit", "wal_sync_method", "shared_buffers")
    with psycopg.connect(url, autocommit=True) as conn:
        return {name: str(conn.execute(f"SHOW {name}").fetchone()[0]) for name in names}  # type: ignore[index]


# -- the real server --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunningServer:
    base_url: str
    log_path: Path
    process: subprocess.Popen[bytes]

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"


def free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def aftersales_executable() -> str:
    candidate = Path(sys.executable).with_name("aftersales")
    return str(candidate) if candidate.exists() else "aftersales"


def wait_until_healthy(server: RunningServer) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    with httpx.Client(base_url=server.base_url, timeout=2.0) as client:
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                pytest.fail(f"aftersales serve exited with {server.process.returncode}:\n{server.log_tail()}")
            try:
                if client.get("/healthz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
    pytest.fail(f"aftersales serve not healthy after {SERVER_START_TIMEOUT} s:\n{server.log_tail()}")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()  # SIGTERM: the CLI turns it into a clean shutdown
    try:
        process.wait(timeout=SERVER_STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=SERVER_STOP_TIMEOUT)


def seed_copied_cases(services: Any, cases: int, events_per_case: int, copies: int) -> int:
    """`cases` cases of `events_per_case` events through the use cases, then their rows copied by SQL
    `copies - 1` more times under new stream ids and case numbers: a big store in seconds, of the bytes
    commands store. Returns the number of events."""
    caller = Caller(user_id="bench-agent", roles=frozenset({Role.SERVICE_AGENT}))
    for n in range(cases):
        case_id = services.ledger.register_case(caller, coal_objection(f"CUST-{n:04d}")).id
        services.ledger.acknowledge(caller, case_id, None)
        for k in range(events_per_case - 2):
            note = f"Note {k}: lab result discussed with the customer."
            services.ledger.add_note(caller, case_id, note, None)
    with psycopg.connect(services.database_url, autocommit=True) as conn:
        # Each copy's case numbers move to year 2026 + copy, so the read models see distinct numbers.
        conn.execute(
            "INSERT INTO ledger_events (originator_id, originator_version, topic, state) "
            "SELECT md5(e.originator_id::text || c)::uuid, e.originator_version, e.topic, "
            "convert_to(replace(convert_from(e.state, 'UTF8'), '\"AS-2026-', '\"AS-' || (2026 + c) || '-'), "
            "'UTF8') FROM ledger_events e, generate_series(1, %s) AS c ORDER BY c, e.notification_id",
            (copies - 1,),
        )
    return cases * events_per_case * copies
