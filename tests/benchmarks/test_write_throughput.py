"""The write path as a ratio to the raw ceiling: single-row PostgreSQL commits vs HTTP commands.

Both are measured in this one run, on this one server (DESIGN.md, "Storage"): first the pgbench-like
ceiling (one INSERT per autocommit transaction, one psycopg connection per client thread), then the
product through `aftersales serve` over loopback HTTP with keep-alive, at 1 and 16 clients.

Each HTTP client works on cases of its own, so that no two clients contend for one case: nine notes
out of ten go to the client's current case, and every tenth command registers a new case that becomes
the current one. Cases therefore stay short (about ten events), as most real cases are.

Prints figures only; no timed assertions. Run with `make bench`.
"""

import json
import os
from collections import Counter
from collections.abc import Callable
from uuid import UUID

import httpx
import psycopg
import pytest

from api.bootstrap import Services
from domain.actor import Role
from tests.benchmarks.harness import BENCH_SECONDS, Measure, Operation, RunningServer, drive, server_facts
from tests.conftest import auth, registration

pytestmark = pytest.mark.benchmark

CLIENTS = (1, 16)
REGISTER_EVERY = 10  # every tenth command of a client registers a new case
RAW_PAYLOAD = os.urandom(300)  # about the size of a stored NoteAdded event
NOTE = {"text": "Called the customer; retained sample B-0815-01 sent to the independent lab."}
TARGET = 0.50  # http@16 / raw@16, the goal of later work


def _raw_client(url: str) -> Callable[[int], tuple[Operation, Callable[[], None]]]:
    def factory(_index: int) -> tuple[Operation, Callable[[], None]]:
        conn = psycopg.connect(url, autocommit=True)

        def insert(_n: int) -> tuple[str, str] | None:
            conn.execute("INSERT INTO bench_raw (payload) VALUES (%s)", (RAW_PAYLOAD,))
            return None

        return insert, conn.close

    return factory


def _http_client(server: RunningServer, token: str) -> Callable[[int], tuple[Operation, Callable[[], None]]]:
    def factory(index: int) -> tuple[Operation, Callable[[], None]]:
        client = httpx.Client(base_url=server.base_url, headers=auth(token), timeout=30.0)
        # The client's first case is registered before the clock starts.
        first = client.post("/api/v1/cases", json=registration(description=f"bench client {index}"))
        first.raise_for_status()
        current: list[UUID] = [UUID(first.json()["id"])]

        def command(n: int) -> tuple[str, str] | None:
            if n % REGISTER_EVERY == REGISTER_EVERY - 1:
                response = client.post("/api/v1/cases", json=registration())
                if response.is_success:
                    current[0] = UUID(response.json()["id"])
            else:
                response = client.post(f"/api/v1/cases/{current[0]}/notes", json=NOTE)
            if response.is_success:
                return None
            return str(response.status_code), response.text

        return command, client.close

    return factory


def _noop_client(server: RunningServer) -> Callable[[int], tuple[Operation, Callable[[], None]]]:
    """GET /healthz: what the HTTP stack alone allows, the ceiling for any endpoint on this machine."""

    def factory(index: int) -> tuple[Operation, Callable[[], None]]:
        client = httpx.Client(base_url=server.base_url, timeout=30.0)

        def command(n: int) -> tuple[str, str] | None:
            response = client.get("/healthz")
            return None if response.is_success else (str(response.status_code), response.text)

        return command, client.close

    return factory


def _server_errors(server: RunningServer) -> Counter[str]:
    errors: Counter[str] = Counter()
    for line in server.log_path.read_text(errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and entry.get("exception"):
            errors[entry["exception"].strip().splitlines()[-1][:200]] += 1
    return errors


def _row(m: Measure) -> str:
    return (
        f"  {m.label:<9}{m.clients:>8}{m.ok:>9}{m.per_second:>11.1f}{m.failed:>8}"
        f"{m.latency_ms(0.50):>9.2f}{m.latency_ms(0.99):>9.2f}"
    )


def _print_report(facts: dict[str, str], measures: dict[str, Measure]) -> None:
    print()
    print(f"== write throughput: {BENCH_SECONDS:g} s per measure, {os.cpu_count()} CPUs, one server")
    print("   " + ", ".join(f"{k}={v}" for k, v in facts.items()))
    print(f"   http mix: {REGISTER_EVERY - 1} notes : 1 registration, each client on cases of its own")
    print(f"  {'measure':<9}{'clients':>8}{'ok':>9}{'ok/s':>11}{'non-2xx':>8}{'p50 ms':>9}{'p99 ms':>9}")
    for m in measures.values():
        print(_row(m))
    for clients in CLIENTS:
        raw, http = measures[f"raw@{clients}"], measures[f"http@{clients}"]
        ratio = http.per_second / raw.per_second if raw.per_second else float("nan")
        goal = f"   (target >= {TARGET:.0%})" if clients == max(CLIENTS) else ""
        print(f"  http@{clients} / raw@{clients} = {ratio:.1%}{goal}")
    for clients in CLIENTS:
        noop, raw = measures[f"noop@{clients}"], measures[f"raw@{clients}"]
        share = noop.per_second / raw.per_second
        print(f"  noop@{clients} / raw@{clients} = {share:.1%}  (HTTP stack alone)")
    for m in measures.values():
        if m.failed:
            print(f"  {m.label} failures by status: {dict(m.statuses)}")
            for sample in m.samples:
                print(f"    {sample}")


def test_write_throughput_against_raw_commits(
    services: Services, database_url: str, aftersales_server: RunningServer
) -> None:
    facts = server_facts(database_url)
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE bench_raw (id bigserial PRIMARY KEY, payload bytea)")
    token = services.users.add("bench-agent", "Benchmark agent", frozenset({Role.SERVICE_AGENT}))

    measures: dict[str, Measure] = {}
    for clients in CLIENTS:
        measures[f"raw@{clients}"] = drive("raw", clients, _raw_client(database_url))
    # A short warm-up, so that imports, prepared statements and pools are not in the first figure.
    drive("warmup", 2, _http_client(aftersales_server, token), seconds=1.0)
    for clients in CLIENTS:
        measures[f"http@{clients}"] = drive("http", clients, _http_client(aftersales_server, token))
    for clients in CLIENTS:
        measures[f"noop@{clients}"] = drive("noop", clients, _noop_client(aftersales_server))

    _print_report(facts, measures)
    if any(m.failed for m in measures.values()):
        print("  server-side errors (last line of each logged exception):")
        for line, count in _server_errors(aftersales_server).most_common(5):
            print(f"    {count} x {line}")
    if aftersales_server.process.poll() is not None:
        print(aftersales_server.log_tail())
    assert aftersales_server.process.poll() is None, "the server died during the benchmark"
    # Correctness, not speed: every command must have succeeded.
    assert {m.label: m.failed for m in measures.values()} == {m.label: 0 for m in measures.values()}
