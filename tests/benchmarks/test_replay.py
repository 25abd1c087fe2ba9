"""Replay of one case with 1,000 events (target <= 10 ms).

An auditor's replay, and a command on a case not in the in-memory cache, read and apply every event
of the case. A cold replay (`ledger.get_case` at a version, which bypasses the cache) is split into
its stages to show where the time goes:

- fetch:  `recorder.select_events`, the SQL round trip and building the stored-event rows;
- decode: `mapper.to_domain_event`, JSON and transcodings into event objects;
- mutate: applying the events to the aggregate.
"""

import time
from collections.abc import Callable
from typing import Any
from uuid import UUID

import pytest

from api.bootstrap import Services
from application.ledger import Caller
from domain.actor import Role
from tests.benchmarks.harness import median_ms, percentile_ms
from tests.conftest import coal_objection

pytestmark = pytest.mark.benchmark

EVENTS = 1_000
RUNS = 20
TARGET_MS = 10.0
CALLER = Caller(user_id="bench-agent", roles=frozenset({Role.SERVICE_AGENT}))


def _build_case(services: Services) -> tuple[UUID, float]:
    """Register, acknowledge, then add notes until the case has EVENTS events; return id and seconds."""
    ledger = services.ledger
    started = time.perf_counter()
    case_id = ledger.register_case(CALLER, coal_objection()).id
    ledger.acknowledge(CALLER, case_id, None)
    for n in range(EVENTS - 2):
        ledger.add_note(CALLER, case_id, f"Note {n}: called the customer about the lab result.", None)
    return case_id, time.perf_counter() - started


def _timed(runs: int, action: Callable[[], Any]) -> list[float]:
    action()  # one untimed run, to warm caches and prepared statements
    times = []
    for _ in range(runs):
        before = time.perf_counter()
        action()
        times.append(time.perf_counter() - before)
    return times


def _mutate_all(events: list) -> object:
    case = None
    for event in events:
        case = event.mutate(case)
    return case


def test_replay_of_a_case_with_1000_events(services: Services) -> None:
    ledger = services.ledger
    case_id, build_seconds = _build_case(services)
    case = ledger.get_case(case_id)
    assert case.version == EVENTS, f"expected {EVENTS} events, the case is at version {case.version}"

    stored = ledger.recorder.select_events(case_id)
    decoded = [ledger.mapper.to_domain_event(s) for s in stored]
    stages: dict[str, list[float]] = {
        # A version bypasses the in-memory cache: this is a cold replay from the store.
        "replay from the store": _timed(RUNS, lambda: ledger.get_case(case_id, version=EVENTS)),
        "auditor replay (+ state)": _timed(RUNS, lambda: [c.state() for _, c in ledger.replay(case_id)]),
        "get_case (cached, warm)": _timed(RUNS, lambda: ledger.get_case(case_id)),
        "fetch (select_events)": _timed(RUNS, lambda: ledger.recorder.select_events(case_id)),
        "decode (to_domain_event)": _timed(RUNS, lambda: [ledger.mapper.to_domain_event(s) for s in stored]),
        "mutate (plain loop)": _timed(RUNS, lambda: _mutate_all(decoded)),
    }
    state_bytes = sum(len(s.state) for s in stored)
    # One more command on the long case: what a write costs once its case has EVENTS events.
    command = _timed(5, lambda: ledger.add_note(CALLER, case_id, "One more note.", None))

    print()
    print(f"== replay of one case with {EVENTS} events, {RUNS} runs each (target <= {TARGET_MS:g} ms)")
    print(f"   built in {build_seconds:.1f} s via the ledger; {state_bytes / EVENTS:.0f} B state/event")
    print(f"  {'stage':<28}{'median ms':>11}{'p95 ms':>9}{'us/event':>10}")
    for name, times in stages.items():
        median = median_ms(times)
        print(f"  {name:<28}{median:>11.2f}{percentile_ms(times, 0.95):>9.2f}{median * 1000 / EVENTS:>10.1f}")
    print(
        f"  {'add_note on this case':<28}{median_ms(command):>11.2f}{percentile_ms(command, 0.95):>9.2f}"
        f"{'':>10}"
    )
