"""Rebuilding every read model from event 1 (target >= 20,000 events/s), on 100,000 events.

The store: 100 cases of 10 events through the use cases, copied 99 more times by SQL under new ids
and case numbers (see `seed_copied_cases`). `rebuild` then empties the read models and applies every
event again in batches, each with its tracking position, as `aftersales rebuild` does.

Prints figures only; no timed assertions. Run with `make bench`.
"""

import time

import pytest

from tests.benchmarks.harness import seed_copied_cases

pytestmark = pytest.mark.benchmark

TARGET_PER_SECOND = 20_000


def test_rebuild_rate_on_100000_events(services):
    events = seed_copied_cases(services, cases=100, events_per_case=10, copies=100)
    services.projection_runner.catch_up()

    started = time.perf_counter()
    rebuilt = services.projection_runner.rebuild()
    seconds = time.perf_counter() - started

    assert rebuilt == events
    with services.pool.connection() as conn:
        assert conn.execute("SELECT count(*) FROM case_summaries").fetchone()[0] == 10_000
    print(
        f"\nrebuild of the read models from {events} events: {events / seconds:,.0f} events/s "
        f"({seconds:.2f} s); target >= {TARGET_PER_SECOND:,}/s"
    )
