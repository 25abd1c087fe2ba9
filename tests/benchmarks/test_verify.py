"""`aftersales verify` on 100,000 events (target >= 50,000 events/s), and the integrity follower's rate.

The store is built fast: 100 cases of 10 events each through the use cases, then their rows copied
99 more times under new stream ids by SQL (the same bytes a command would have stored). The
follower then hashes every event into the Merkle leaves and signs one checkpoint, and `verify`
recomputes all of it from the raw rows.
"""

import os
import subprocess
import time

import pytest

from infra.verification import verify
from tests.benchmarks.harness import aftersales_executable, seed_copied_cases

pytestmark = pytest.mark.benchmark

CASES = 100
EVENTS_PER_CASE = 10
COPIES = 100
TARGET_PER_SECOND = 50_000


def test_verify_rate_on_100000_events(services, tmp_path):
    seed_copied_cases(services, CASES, EVENTS_PER_CASE, COPIES)
    events = CASES * EVENTS_PER_CASE * COPIES

    started = time.perf_counter()
    services.integrity_runner.catch_up()
    followed = time.perf_counter() - started
    services.integrity.checkpoint()

    started = time.perf_counter()
    integrity = services.integrity
    report = verify(services.database_url, integrity.verifier_key, integrity.checkpoint_file)
    in_process = time.perf_counter() - started
    assert report.ok and report.events == events, report.ordered()[:3]
    print(
        f"\nverify {events} events: {events / in_process:,.0f} events/s in process ({in_process:.2f} s); "
        f"target >= {TARGET_PER_SECOND:,}/s"
        f"\nintegrity follower: {events / followed:,.0f} events/s into the Merkle leaves ({followed:.2f} s)"
    )

    env = {
        **os.environ,
        "AFTERSALES_DATABASE_URL": services.database_url,
        "AFTERSALES_DATA_DIR": str(services.settings.data_dir),
        "AFTERSALES_LOG_LEVEL": "warning",
    }
    started = time.perf_counter()
    command = subprocess.run(
        [aftersales_executable(), "verify"], env=env, capture_output=True, text=True, check=False
    )
    whole_command = time.perf_counter() - started
    assert command.returncode == 0, command.stdout + command.stderr

    print(
        f"`aftersales verify` as a command: {events / whole_command:,.0f} events/s ({whole_command:.2f} s, "
        "start-up and the progress bar included)"
    )
