"""The objection projection on real PostgreSQL: what the coal story writes; replaying changes nothing."""

from typing import Any

import pytest

from projections.objection_queries import inspection_ids_of_case
from projections.objections import ObjectionProjection
from tests.conftest import auth
from tests.e2e import test_settlement as settlement
from tests.e2e.test_inspections import Story, coal_story
from tests.e2e.test_liability import proposal

TABLES = ("inspection_summaries", "inspection_labs", "objection_summaries")


@pytest.fixture
def story(client: Any, tokens: dict[str, str], services: Any) -> Story:
    """The coal story to a signed, executed price cut on the basis of CCIC's re-inspection, after a
    first liability proposal was rejected and a second approved."""
    told = coal_story(client, tokens)
    inspection_id = settlement.basis_inspection(told)
    for path, body, role in (
        ("", proposal([inspection_id]), "qc_inspector"),
        ("/1/reject", {"reason": "name the wagons"}, "manager"),
        ("", proposal([inspection_id]), "qc_inspector"),
        ("/2/approve", {}, "manager"),
    ):
        response = client.post(
            f"/api/v1/cases/{told.case_id}/liability{path}", json=body, headers=auth(tokens[role])
        )
        assert response.status_code in (200, 201), response.text
    assert settlement.post(told, "", settlement.price_cut(inspection_id)).status_code == 201
    assert settlement.post(told, "/1/approve", {}, role="manager").status_code == 200
    signed = settlement.post(told, "/1/sign", settlement.signature(settlement.attach_agreement(told)))
    assert signed.status_code == 200, signed.text
    assert services.projection_runner.wait_until(services.ledger.recorder.max_notification_id(), 5)
    return told


def tables(services: Any) -> dict[str, list[tuple[Any, ...]]]:
    with services.pool.connection() as conn:
        return {table: conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall() for table in TABLES}


def every_event(services: Any) -> list[tuple[int, Any]]:
    ledger = services.ledger
    notifications = ledger.recorder.select_notifications(1, 10_000)
    return [(n.id, ledger.mapper.to_domain_event(n)) for n in notifications]


def test_the_coal_story_is_summarised_without_names(story: Story, services: Any):
    with services.pool.connection() as conn:
        objection = conn.execute(
            "SELECT customer_id, product, shipment_reference, liability_status, root_cause,"
            " settlement_status, legal_hold FROM objection_summaries WHERE case_id = %s",
            (story.case_id,),
        ).fetchone()
        inspection = conn.execute("SELECT status, agency, is_joint FROM inspection_summaries").fetchone()
        labs = conn.execute("SELECT lab_kind, lab FROM inspection_labs ORDER BY lab_kind").fetchall()
    assert objection == (
        "CUST-0042",
        "Thermal coal Q5500",
        "SHP-2026-0815",
        "approved",
        "transport_storage",
        "signed",
        False,
    )
    assert inspection == ("reinspected", "CCIC", True)
    assert labs == [
        ("customer_lab", "Huadian lab"),
        ("supplier_qc", "Shanxi Coal QC lab"),
        ("third_party_agency", "CCIC Jiangsu lab"),
    ]
    assert len(inspection_ids_of_case(services.pool, story.case_id)) == 1
    everything = repr(tables(services))
    for personal in ("Li Ming", "Zhao Hui", "Zhou Min", "Chen Jun"):
        assert personal not in everything


def test_applying_every_batch_again_changes_nothing(story: Story, services: Any):
    followed = tables(services)
    events = every_event(services)

    with services.pool.connection() as conn, conn.transaction():
        ObjectionProjection().apply(conn, events)
        ObjectionProjection().apply(conn, events[len(events) // 2 :])

    assert tables(services) == followed


def test_a_rebuild_writes_the_same_rows(story: Story, services: Any):
    followed = tables(services)

    services.projection_runner.rebuild()

    assert tables(services) == followed
