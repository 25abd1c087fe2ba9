"""The equipment and returns projections on real PostgreSQL: what a repaired unit, an inspection visit and
two returns write; replaying every event again changes nothing, and a rebuild writes the same rows."""

from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest

from projections.equipment import EquipmentProjection
from projections.returns import ReturnProjection
from tests.conftest import auth
from tests.e2e.test_access import settled
from tests.e2e.test_repairs import FAULT, Desk
from tests.e2e.test_returns import Returns, by_order
from tests.e2e.test_returns import returns as returns  # the fixture
from tests.e2e.test_units import UNITS, register, unit
from tests.integration.test_objection_projection import every_event

TABLES = ("unit_summaries", "repair_summaries", "return_summaries")


@pytest.fixture
def recorded(client: Any, services: Any, tokens: dict[str, str], returns: Returns) -> dict[str, str]:
    """A unit repaired on the first visit and signed off; another inspected late; a return cancelled."""
    desk = Desk(client, tokens)
    case_id = desk.fault_case()
    assert desk.post(case_id, "", FAULT, "service_agent").status_code == 201
    decision = {"in_warranty": True, "reason": "Electrical, 18 months"}
    assert desk.post(case_id, "/warranty-decision", decision, "engineer").status_code == 200
    desk.visit_fixes_and_is_signed(case_id)
    inspected = register(client, tokens["manager"], unit("SX-2025-0007")).json()["id"]
    visit = {"visited_at": "2025-07-10T09:00:00+08:00", "findings": "Sensors calibrated by Zhang Wei"}
    visited = client.post(f"{UNITS}/{inspected}/inspections", json=visit, headers=auth(tokens["engineer"]))
    assert visited.status_code == 200, visited.text
    cancelled = returns.post("", by_order(returns.return_request_case())).json()["id"]
    returns.step(cancelled, "cancel", {"reason": "The customer keeps the bags"})
    settled(services)
    return {"case_id": case_id, "inspected": inspected, "cancelled": cancelled}


def tables(services: Any) -> dict[str, list[tuple[Any, ...]]]:
    with services.pool.connection() as conn:
        return {table: conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall() for table in TABLES}


def test_the_rows_hold_the_statuses_and_times_and_no_names(client, services, tokens, recorded):
    with services.pool.connection() as conn:
        repair = conn.execute(
            "SELECT status, visits, fixed_visit, in_warranty, signed_at IS NOT NULL FROM repair_summaries"
            " WHERE case_id = %s",
            (recorded["case_id"],),
        ).fetchone()
        inspected = conn.execute(
            "SELECT inspection_due, inspection_overdue_from FROM unit_summaries WHERE id = %s",
            (recorded["inspected"],),
        ).fetchone()
        ended = conn.execute(
            "SELECT status, closed_at IS NOT NULL FROM return_summaries WHERE id = %s",
            (recorded["cancelled"],),
        ).fetchone()
    schedule = client.get(f"{UNITS}/{recorded['inspected']}", headers=auth(tokens["engineer"])).json()[
        "inspection_schedule"
    ]

    assert repair == ("signed", 1, 1, True, True)
    # The late visit met the first due date (2025-07-15); the next one is the domain's first unmet date.
    assert (
        inspected[0]
        == date(2026, 1, 15)
        == date.fromisoformat((schedule["overdue"] or [schedule["next_due"]])[0])
    )
    assert inspected[1] == datetime(2026, 1, 16, tzinfo=timezone(timedelta(hours=8)))  # midnight after it
    assert ended == ("cancelled", True)
    everything = repr(tables(services))
    for personal in ("Li Qiang", "Zhang Wei", "engineer-1"):
        assert personal not in everything


def test_applying_every_event_again_changes_nothing(services, recorded):
    followed = tables(services)
    events = every_event(services)

    with services.pool.connection() as conn, conn.transaction():
        for projection in (EquipmentProjection(), ReturnProjection()):
            projection.apply(conn, events)
            projection.apply(conn, events[len(events) // 2 :])

    assert tables(services) == followed


def test_a_rebuild_writes_the_same_rows(services, recorded):
    followed = tables(services)

    services.projection_runner.rebuild()

    assert tables(services) == followed
