"""The service clocks read model holds, for every case of the demo, exactly what a fresh recomputation from
the event store gives: the same clocks, read with `run_clock` at the same moment (the latest one recorded)."""

from typing import Any
from uuid import UUID

from psycopg.types.json import Jsonb

from api.demo import load_demo
from application.service_clocks import CaseClocks, case_clocks_from_events
from domain.clock_marks import clock_marks
from domain.commitments import Clock, clock_policies
from domain.service_clock import run_clock
from projections.service_clocks import clock_row

COLUMNS = (
    "state, started_at, due_at, at_risk_at, stopped_at, met, breached_by_seconds, working_seconds,"
    " paused_seconds, is_at_risk, pauses"
)


def stored_rows(services: Any, case_id: UUID) -> tuple[Any, dict[str, tuple[Any, ...]]]:
    with services.pool.connection() as conn:
        rows = conn.execute(
            f"SELECT clock, as_of, {COLUMNS} FROM service_clocks WHERE case_id = %s", (case_id,)
        ).fetchall()
    as_of = {row[1] for row in rows}
    assert len(as_of) <= 1
    return (as_of.pop() if as_of else None), {row[0]: tuple(row[2:]) for row in rows}


def recomputed(clocks: CaseClocks) -> dict[str, tuple[Any, ...]]:
    """Every clock read afresh with `run_clock`, from the marks of the events and the policy."""
    policies = clock_policies(clocks.policy, clocks.unit_region)
    marks = clock_marks(clocks.case, clocks.repair)
    readings = {clock: run_clock(policies[clock], marks[clock], clocks.as_of) for clock in Clock}
    return {clock.value: _plain(clock_row(reading, clocks.as_of)) for clock, reading in readings.items()}


def _plain(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(value.obj if isinstance(value, Jsonb) else value for value in row)


def test_every_demo_case_stores_what_a_fresh_recomputation_gives(services):
    cases = load_demo(services.ledger)
    assert services.projection_runner.catch_up() > 0

    equipment_faults = 0
    for case_id in cases:
        clocks = case_clocks_from_events(services.ledger, case_id)
        as_of, stored = stored_rows(services, case_id)
        if clocks is None:
            assert stored == {}  # no service clocks for other kinds of case
            continue
        equipment_faults += 1
        assert as_of == clocks.as_of
        assert stored == recomputed(clocks)
    assert equipment_faults >= 1


def test_the_demo_repair_has_met_the_response_and_the_on_site_commitment(services):
    substation = load_demo(services.ledger)[-1]
    services.projection_runner.catch_up()

    _, stored = stored_rows(services, substation)
    state, met, pauses = 0, 5, 10
    assert (stored["respond"][state], stored["respond"][met]) == ("stopped", True)
    assert (stored["on_site"][state], stored["on_site"][met]) == ("stopped", True)
    assert [p["reason"] for p in stored["on_site"][pauses]] == [
        "Waiting for the customer's site access: underground permit for working face 2105"
    ]
    assert stored["fix"][state] == "not_started"
    assert stored["signed_record"][state] == "running"


def test_a_rebuild_gives_the_same_clocks(services):
    cases = load_demo(services.ledger)
    services.projection_runner.catch_up()
    before = [stored_rows(services, case_id) for case_id in cases]

    services.projection_runner.rebuild()

    assert [stored_rows(services, case_id) for case_id in cases] == before
