"""GraphQL case reads at a steady 200 requests/s (target p99 <= 15 ms), each one recorded in the access log.

Every read of a case appends one access record (an event, under the event table's lock) before it
answers, so a read costs a write. Requests are sent open-loop: request i is due at start + i/rate,
whether or not earlier ones have answered, and its latency counts from when it was due, so a slow
server is not hidden by a client that waits for it (coordinated omission). A second run measures a
write's visibility: how long after a command's answer the read model shows it.

Prints figures only; no timed assertions. Run with `make bench`.
"""

import threading
import time

import httpx
import pytest

from api.bootstrap import Services
from domain.actor import Role
from tests.benchmarks.harness import RunningServer, percentile_ms
from tests.conftest import auth, registration

pytestmark = pytest.mark.benchmark

RATE = 200  # requests per second
SECONDS = 10
CLIENT_THREADS = 16
TARGET_P99_MS = 15.0
CASES = 50
QUERY = """query ($id: ID!) { case(id: $id) { number status version
    timeline { version eventType actorId occurredAt summary } } }"""


def _cases(server: RunningServer, token: str) -> list[str]:
    with httpx.Client(base_url=server.base_url, headers=auth(token), timeout=30.0) as client:
        ids = []
        for n in range(CASES):
            body = registration(customer={"id": f"CUST-{n:04d}", "name": "Tangshan Steel"})
            created = client.post("/api/v1/cases", json=body).raise_for_status().json()["id"]
            client.post(f"/api/v1/cases/{created}/acknowledge").raise_for_status()
            ids.append(created)
    return ids


def _open_loop(server: RunningServer, token: str, case_ids: list[str]) -> tuple[list[float], int]:
    """Latency of each request from the moment it was due; and how many failed."""
    total = RATE * SECONDS
    next_request = iter(range(total))
    taken = threading.Lock()
    latencies: list[float] = []
    failures = [0]
    start = time.perf_counter() + 0.5

    def worker() -> None:
        with httpx.Client(base_url=server.base_url, headers=auth(token), timeout=30.0) as client:
            while True:
                with taken:
                    n = next(next_request, None)
                if n is None:
                    return
                due = start + n / RATE
                time.sleep(max(0.0, due - time.perf_counter()))
                variables = {"id": case_ids[n % len(case_ids)]}
                response = client.post("/graphql", json={"query": QUERY, "variables": variables})
                finished = time.perf_counter()
                if response.status_code != 200 or "errors" in response.json():
                    failures[0] += 1
                latencies.append(finished - due)

    threads = [threading.Thread(target=worker) for _ in range(CLIENT_THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, failures[0]


def _visibility(server: RunningServer, token: str, case_id: str, samples: int = 20) -> list[float]:
    """Seconds from a command's answer until GraphQL shows its new version."""
    seen = []
    with httpx.Client(base_url=server.base_url, headers=auth(token), timeout=30.0) as client:
        for n in range(samples):
            answer = client.post(f"/api/v1/cases/{case_id}/notes", json={"text": f"Visibility probe {n}"})
            version = answer.raise_for_status().json()["version"]
            answered = time.perf_counter()
            while True:
                body = client.post("/graphql", json={"query": QUERY, "variables": {"id": case_id}}).json()
                if body["data"]["case"]["version"] >= version:
                    seen.append(time.perf_counter() - answered)
                    break
                time.sleep(0.005)
    return seen


def test_graphql_case_reads_at_200_per_second(services: Services, aftersales_server: RunningServer):
    token = services.users.add("bench-agent", "Benchmark agent", frozenset({Role.SERVICE_AGENT}))
    case_ids = _cases(aftersales_server, token)
    time.sleep(1.0)  # the read models catch up with the registrations

    latencies, failures = _open_loop(aftersales_server, token, case_ids)
    visible = _visibility(aftersales_server, token, case_ids[0])

    print(
        f"\nGraphQL case reads, open loop at {RATE}/s for {SECONDS} s ({len(latencies)} requests, "
        f"{failures} failed), each recording one access-log event:"
        f"\n  p50 {percentile_ms(latencies, 0.50):.1f} ms, p90 {percentile_ms(latencies, 0.90):.1f} ms, "
        f"p99 {percentile_ms(latencies, 0.99):.1f} ms, max {max(latencies) * 1000:.1f} ms "
        f"(target p99 <= {TARGET_P99_MS} ms)"
        f"\n  a write visible to GraphQL after: median {percentile_ms(visible, 0.5):.0f} ms, "
        f"max {max(visible) * 1000:.0f} ms (target <= 1000 ms)"
    )
