"""An objection raised after the contract's window: recorded, flagged late, held for a manager's override."""

from typing import Any

import pytest

from domain.shipment import shipment_id
from tests.conftest import auth, registration
from tests.e2e.test_shipments import register_contract, shipment

# The shipment arrived 2026-03-12 14:00 +08:00: the quality window (15 days) closes 2026-03-28 00:00 +08:00,
# the quantity window (7 days) 2026-03-20 00:00 +08:00.
QUALITY_WINDOW_CLOSED = "2026-03-28T00:00:00+08:00"


@pytest.fixture
def shipped(client, tokens) -> str:
    contract_id = register_contract(client, tokens)
    response = client.post("/api/v1/shipments", json=shipment(contract_id), headers=auth(tokens["manager"]))
    assert response.status_code == 201, response.text
    return "SHP-2026-0815"


def objection(client: Any, token: str, **overrides: Any) -> Any:
    body = registration(shipment_refs=["SHP-2026-0815"], **overrides)
    return client.post("/api/v1/cases", json=body, headers=auth(token))


def post(client: Any, token: str, case_id: str, path: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(f"/api/v1/cases/{case_id}/{path}", json=body or {}, headers=auth(token))


def test_a_late_quality_objection_is_recorded_and_flagged(client, tokens, shipped):
    response = objection(client, tokens["service_agent"])
    assert response.status_code == 201, response.text
    assert response.json()["late_objection"] == {
        "shipment_ref": "SHP-2026-0815",
        "window_closed_at": QUALITY_WINDOW_CLOSED,
    }
    assert response.json()["version"] == 2  # Registered, then ObjectionFlaggedLate


def test_a_late_objection_goes_no_further_until_a_manager_overrides_it(client, tokens, shipped):
    case_id = objection(client, tokens["service_agent"]).json()["id"]

    held = post(client, tokens["service_agent"], case_id, "acknowledge")
    assert held.status_code == 409
    assert "proceeds only after a manager's override" in held.json()["detail"]
    assert (
        post(client, tokens["service_agent"], case_id, "notes", {"text": "Customer called"}).status_code
        == 201
    )

    assert (
        post(client, tokens["service_agent"], case_id, "late-objection-override", {"reason": "x"}).status_code
        == 403
    )
    no_reason = post(client, tokens["manager"], case_id, "late-objection-override", {"reason": ""})
    assert no_reason.status_code == 422
    assert no_reason.json()["field"] == "reason"

    overridden = post(client, tokens["manager"], case_id, "late-objection-override", {"reason": "Rail delay"})
    assert overridden.status_code == 200, overridden.text
    assert post(client, tokens["service_agent"], case_id, "acknowledge").status_code == 200


def test_an_objection_within_the_window_is_not_flagged(client, tokens, shipped):
    response = objection(client, tokens["service_agent"], occurred_at="2026-03-27T23:59:00+08:00")
    assert response.status_code == 201, response.text
    assert response.json()["late_objection"] is None
    assert post(client, tokens["service_agent"], response.json()["id"], "acknowledge").status_code == 200


def test_a_quantity_objection_has_the_shorter_window(client, tokens, shipped):
    response = objection(
        client, tokens["service_agent"], type="quantity_objection", occurred_at="2026-03-20T09:00:00+08:00"
    )
    assert response.json()["late_objection"]["window_closed_at"] == "2026-03-20T00:00:00+08:00"


def test_a_complaint_that_is_no_objection_is_not_judged_by_the_window(client, tokens, shipped):
    response = objection(client, tokens["service_agent"], type="service_complaint")
    assert response.json()["late_objection"] is None


def test_a_shipment_not_recorded_here_is_not_judged(client, tokens):
    response = objection(client, tokens["service_agent"])
    assert response.status_code == 201
    assert response.json()["late_objection"] is None


def test_the_history_shows_the_flag_and_the_override(client, tokens, shipped):
    case_id = objection(client, tokens["service_agent"]).json()["id"]
    post(client, tokens["manager"], case_id, "late-objection-override", {"reason": "Rail delay"})
    query = (
        "query ($id: ID!) { caseHistory(id: $id) { event { eventType summary } state { objectionLate } } }"
    )
    body = client.post(
        "/graphql", json={"query": query, "variables": {"id": case_id}}, headers=auth(tokens["auditor"])
    )
    history = body.json()["data"]["caseHistory"]
    assert [e["event"]["eventType"] for e in history] == [
        "Registered",
        "ObjectionFlaggedLate",
        "LateObjectionOverridden",
    ]
    assert "window for shipment SHP-2026-0815 closed 2026-03-27 16:00Z" in history[1]["event"]["summary"]
    assert history[1]["state"]["objectionLate"] is True


def test_the_id_of_a_shipment_is_no_case(client, tokens, shipped):
    response = post(client, tokens["service_agent"], str(shipment_id(shipped)), "acknowledge")
    assert response.status_code == 404
    assert response.json()["field"] == "id"
