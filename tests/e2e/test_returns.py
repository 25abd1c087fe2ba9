"""Returns and exchanges through HTTP: a confirmed quality problem that ends in an exchange shipment and
the customer's word; a negotiated return (the customer pays freight) that arrives short; a refusal; each
step out of order; bad input that writes nothing; and the link to the case and the shipment on read."""

from dataclasses import dataclass
from typing import Any

import pytest

from domain.shipment import contract_id
from tests.conftest import auth, registration
from tests.e2e.test_access import settled
from tests.e2e.test_inspections import Story, coal_story
from tests.e2e.test_settlement import basis_inspection
from tests.e2e.test_shipments import COAL_CONTRACT, shipment

RETURNS = "/api/v1/returns"
PURCHASED_AT = "2026-04-20T09:00:00+08:00"


@dataclass
class Returns:
    story: Story

    @property
    def client(self) -> Any:
        return self.story.client

    def post(self, path: str, body: Any, role: str = "service_agent", **headers: str) -> Any:
        return self.client.post(
            f"{RETURNS}{path}", json=body, headers=auth(self.story.tokens[role], **headers)
        )

    def step(self, return_id: str, step: str, body: Any, role: str = "service_agent", **headers: str) -> Any:
        response = self.post(f"/{return_id}/{step}", body, role, **headers)
        assert response.status_code == 200, response.text
        return response

    def applied(self, **overrides: Any) -> str:
        response = self.post("", application(self.story.case_id, **overrides))
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    def read(self, return_id: str, role: str = "engineer") -> dict[str, Any]:
        response = self.client.get(f"{RETURNS}/{return_id}", headers=auth(self.story.tokens[role]))
        assert response.status_code == 200, response.text
        return dict(response.json())

    def of_case(self, case_id: str) -> list[dict[str, Any]]:
        settled(self.client.app.state.services)  # a case's returns are listed by a read model
        response = self.client.get(
            f"/api/v1/cases/{case_id}/returns", headers=auth(self.story.tokens["engineer"])
        )
        assert response.status_code == 200, response.text
        return list(response.json())

    def return_request_case(self) -> str:
        """A return request case, of the customer's own goods bought on an order."""
        raised = registration(type="return_request", description="Ordered the wrong bag size")
        case = self.client.post(
            "/api/v1/cases", json=raised, headers=auth(self.story.tokens["service_agent"])
        )
        assert case.status_code == 201, case.text
        return str(case.json()["id"])


def application(case_id: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "case_id": case_id,
        "reason": "quality_problem",
        "description": "Coal caked and wet: 200 t refused at the boiler feed",
        "product": "Thermal coal Q5500",
        "spec": "Q5500, 0-50 mm",
        "quantity": {"value": "200", "unit": "t"},
        "shipment_reference": "SHP-2026-0815",
    }
    body.update(overrides)
    return body


def by_order(case_id: str) -> dict[str, Any]:
    """A return of 40 bags of cement ordered in the wrong grade: the customer's own fault."""
    return application(
        case_id,
        reason="wrong_selection",
        description="Ordered P·O 42.5 instead of P·O 52.5",
        product="Cement P·O 42.5",
        spec="P·O 42.5, 50 kg bags",
        quantity={"value": "40", "unit": "bag"},
        shipment_reference=None,
        order_reference="PO-2026-0420",
        purchased_at=PURCHASED_AT,
    )


FREE = {"eligibility": "free", "qc_confirmation": {"finding": "Total moisture 16 % against 12 % contracted"}}
NEGOTIATED = {"eligibility": "negotiated", "goods_condition": {"is_unused": True, "is_resalable": True}}
CONFIRMED = {"result": "confirmed", "findings": "As the application says"}
RECEIVED_IN_FULL = {
    "received_quantity": {"value": "200", "unit": "t"},
    "spec_matches": True,
    "appearance": "Wet",
}
IN_WAREHOUSE = {
    "warehouse": "Lianyungang yard 2",
    "entry_reference": "RK-0815",
    "quantity": {"value": "200", "unit": "t"},
}


@pytest.fixture
def returns(client: Any, tokens: dict[str, str]) -> Returns:
    story = coal_story(client, tokens)
    exchange = shipment(str(contract_id(COAL_CONTRACT["number"])), "SHP-2026-0901")
    recorded = client.post("/api/v1/shipments", json=exchange, headers=auth(tokens["service_agent"]))
    assert recorded.status_code == 201, recorded.text
    return Returns(story)


def test_a_confirmed_quality_problem_ends_in_an_exchange_shipment_and_the_customers_word(returns: Returns):
    return_id = returns.applied()

    decided = returns.step(return_id, "eligibility", FREE, role="qc_inspector")
    returns.step(return_id, "qc-inspection", CONFIRMED, role="qc_inspector", If_Match=decided.headers["ETag"])
    received = returns.step(return_id, "receipt", RECEIVED_IN_FULL)
    returns.step(return_id, "reinspection", CONFIRMED, role="qc_inspector")
    returns.step(return_id, "warehouse-entry", IN_WAREHOUSE)
    returns.step(return_id, "exchange-shipment", {"shipment_reference": "SHP-2026-0901"})
    unhappy = {"satisfied": False, "comment": "The exchange coal came two days late"}
    returns.step(return_id, "feedback", unhappy)
    closed = returns.step(return_id, "feedback", {"satisfied": True})

    assert (decided.json()["status"], received.json()["has_receipt_differences"]) == ("eligible", False)
    assert (closed.json()["status"], closed.headers["ETag"]) == ("closed", '"9"')
    seen = returns.read(return_id)
    assert {k: seen[k] for k in ("status", "eligibility", "freight_paid_by", "customer_satisfied")} == {
        "status": "closed",
        "eligibility": "free",
        "freight_paid_by": "supplier",
        "customer_satisfied": True,
    }
    assert (seen["exchange_shipment_reference"], seen["warehouse_entry"]) == ("SHP-2026-0901", "RK-0815")


def test_a_return_shows_its_case_and_original_shipment_and_is_listed_under_its_case(returns: Returns):
    return_id = returns.applied()
    returns.step(return_id, "cancel", {"reason": "The customer blended the coal after all"})
    other_case = returns.return_request_case()
    other = returns.post("", by_order(other_case))

    seen = returns.read(return_id)

    assert (seen["case_id"], seen["shipment_reference"], seen["order_reference"]) == (
        returns.story.case_id,
        "SHP-2026-0815",
        None,
    )
    assert (seen["status"], seen["applied_by"]) == ("cancelled", "service_agent-1")
    assert [r["id"] for r in returns.of_case(returns.story.case_id)] == [return_id]
    assert [r["order_reference"] for r in returns.of_case(other_case)] == ["PO-2026-0420"]
    assert other.headers["Location"] == f"{RETURNS}/{other.json()['id']}"
    assert (other.json()["status"], other.headers["ETag"]) == ("applied", '"1"')


def test_a_negotiated_return_is_at_the_customers_freight_and_its_short_receipt_is_recorded(returns: Returns):
    return_id = returns.post("", by_order(returns.return_request_case())).json()["id"]

    returns.step(return_id, "eligibility", NEGOTIATED)
    returns.step(return_id, "qc-inspection", CONFIRMED, role="qc_inspector")
    short = {
        "received_quantity": {"value": "37", "unit": "bag"},
        "spec_matches": True,
        "appearance": "Sealed",
    }
    received = returns.step(return_id, "receipt", short)
    returns.step(return_id, "reinspection", CONFIRMED, role="qc_inspector")
    too_many = returns.post(
        f"/{return_id}/warehouse-entry", IN_WAREHOUSE | {"quantity": {"value": "40", "unit": "bag"}}
    )
    returns.step(return_id, "warehouse-entry", IN_WAREHOUSE | {"quantity": {"value": "37", "unit": "bag"}})
    refund = {"amount": {"amount": "14800.00", "currency": "CNY"}, "reference": "CN-2026-0511"}
    by_agent = returns.post(f"/{return_id}/refund", refund)
    returns.step(return_id, "refund", refund, role="manager")

    assert received.json()["has_receipt_differences"] is True
    assert (too_many.status_code, too_many.json()["field"]) == (409, "quantity")
    assert by_agent.status_code == 403
    seen = returns.read(return_id)
    assert (seen["eligibility"], seen["freight_paid_by"], seen["status"]) == (
        "negotiated",
        "customer",
        "refunded",
    )
    assert seen["differences"] == {
        "shortfall": {"value": "3", "unit": "bag"},
        "excess": None,
        "is_spec_mismatch": False,
    }
    assert seen["refund"] == {"amount": "14800.00", "currency": "CNY"}


def test_used_goods_are_not_returned_for_the_customers_fault_and_a_refusal_ends_the_return(returns: Returns):
    return_id = returns.applied(reason="misuse", description="Stored in the rain for a month")
    used = {"eligibility": "negotiated", "goods_condition": {"is_unused": False, "is_resalable": True}}
    lawful = {
        "eligibility": "lawful_ground",
        "lawful_ground": "Consumer law, art. 24",
        "freight_paid_by": "supplier",
    }

    refused_used = returns.post(f"/{return_id}/eligibility", used)
    agent_on_lawful_ground = returns.post(f"/{return_id}/eligibility", lawful)
    refused = returns.step(
        return_id, "eligibility", {"eligibility": "not_eligible", "reason": "Misused goods"}
    )
    after = [returns.post(f"/{return_id}/{step}", body, role) for step, body, role in _AFTER_REFUSAL]

    assert (refused_used.status_code, refused_used.json()["field"]) == (409, "goods_condition")
    assert agent_on_lawful_ground.status_code == 403
    assert refused.json()["status"] == "not_eligible"
    assert [(a.status_code, a.json()["field"]) for a in after] == [(409, "status")] * len(_AFTER_REFUSAL)
    assert returns.read(return_id)["status"] == "not_eligible"


_AFTER_REFUSAL = [
    ("qc-inspection", CONFIRMED, "qc_inspector"),
    ("cancel", {"reason": "Changed their mind"}, "service_agent"),
    ("eligibility", NEGOTIATED, "manager"),
]

OUT_OF_ORDER = [
    ("qc-inspection", CONFIRMED, "qc_inspector"),
    ("receipt", RECEIVED_IN_FULL, "service_agent"),
    ("reinspection", CONFIRMED, "qc_inspector"),
    ("warehouse-entry", IN_WAREHOUSE, "service_agent"),
    ("refund", {"amount": {"amount": "1.00", "currency": "CNY"}, "reference": "CN-1"}, "manager"),
    ("exchange-shipment", {"shipment_reference": "SHP-2026-0901"}, "service_agent"),
    ("feedback", {"satisfied": True}, "service_agent"),
]


@pytest.mark.parametrize(("step", "body", "role"), OUT_OF_ORDER, ids=[s for s, _, _ in OUT_OF_ORDER])
def test_a_step_before_its_turn_is_refused_naming_the_status(
    returns: Returns, step: str, body: Any, role: str
):
    return_id = returns.applied()

    refused = returns.post(f"/{return_id}/{step}", body, role)

    assert (refused.status_code, refused.json()["field"]) == (409, "status"), refused.text
    assert returns.read(return_id)["version"] == 1


def test_a_return_is_not_cancelled_once_the_goods_are_received_nor_decided_on_a_stale_version(
    returns: Returns,
):
    return_id = returns.applied()
    stale = returns.post(f"/{return_id}/eligibility", FREE, "qc_inspector", If_Match='"7"')
    returns.step(return_id, "eligibility", FREE, role="qc_inspector")
    returns.step(return_id, "qc-inspection", CONFIRMED, role="qc_inspector")
    returns.step(return_id, "receipt", RECEIVED_IN_FULL)

    cancelled = returns.post(f"/{return_id}/cancel", {"reason": "Too late"})

    assert (stale.status_code, stale.json()["field"]) == (409, "If-Match")
    assert (cancelled.status_code, cancelled.json()["field"]) == (409, "status")


def test_qc_not_confirming_sends_the_return_back_to_its_review(returns: Returns):
    return_id = returns.applied()
    returns.step(return_id, "eligibility", FREE, role="qc_inspector")

    back = returns.step(
        return_id,
        "qc-inspection",
        {"result": "not_confirmed", "findings": "Moisture 11 %"},
        role="qc_inspector",
    )

    assert back.json()["status"] == "applied"
    assert returns.read(return_id)["decisions"] == 1


BAD_APPLICATIONS = [
    ({"shipment_reference": None}, "shipment_reference"),
    ({"quantity": {"value": "0", "unit": "t"}}, "quantity"),
    ({"shipment_reference": None, "order_reference": "PO-1"}, "purchased_at"),
    ({"purchased_at": "2026-04-20T09:00:00"}, "purchased_at"),
    ({"reason": "changed_mind"}, "reason"),
    ({"description": " "}, "description"),
    ({"quantity": {"value": "2", "unit": ""}}, "quantity.unit"),
]


@pytest.mark.parametrize(("overrides", "field"), BAD_APPLICATIONS, ids=[f for _, f in BAD_APPLICATIONS])
def test_a_bad_application_is_refused_naming_the_field_and_records_nothing(
    returns: Returns, overrides: dict[str, Any], field: str
):
    refused = returns.post("", application(returns.story.case_id, **overrides))

    assert (refused.status_code, refused.json()["field"]) == (422, field), refused.text
    assert returns.of_case(returns.story.case_id) == []


BAD_STEPS = [
    ("eligibility", {"eligibility": "free"}, "qc_inspector", "qc_confirmation"),
    (
        "eligibility",
        {"eligibility": "free", "qc_confirmation": {"finding": "Wet"}},
        "service_agent",
        "qc_confirmation.confirmed_by",
    ),
    ("eligibility", FREE | {"freight_paid_by": "customer"}, "qc_inspector", "freight_paid_by"),
    ("eligibility", {"eligibility": "not_eligible"}, "service_agent", "reason"),
    ("eligibility", FREE | {"reason": "Both"}, "qc_inspector", "reason"),
    ("cancel", {"reason": ""}, "service_agent", "reason"),
    ("cancel", {"reason": "x", "why": "y"}, "service_agent", "why"),
]


@pytest.mark.parametrize(("step", "body", "role", "field"), BAD_STEPS, ids=[f for *_, f in BAD_STEPS])
def test_a_bad_step_is_refused_naming_the_field_and_records_nothing(
    returns: Returns, step: str, body: Any, role: str, field: str
):
    return_id = returns.applied()

    refused = returns.post(f"/{return_id}/{step}", body, role)

    assert (refused.status_code, refused.json()["field"]) == (422, field), refused.text
    assert returns.read(return_id)["version"] == 1


def test_a_bad_receipt_check_is_refused_naming_the_field_and_records_nothing(returns: Returns):
    return_id = returns.applied()
    returns.step(return_id, "eligibility", FREE, role="qc_inspector")
    returns.step(return_id, "qc-inspection", CONFIRMED, role="qc_inspector")
    in_bags = RECEIVED_IN_FULL | {"received_quantity": {"value": "200", "unit": "bag"}}
    unnamed_spec = RECEIVED_IN_FULL | {"spec_matches": False}

    refusals = [returns.post(f"/{return_id}/receipt", body) for body in (in_bags, unnamed_spec)]

    assert [(r.status_code, r.json()["field"]) for r in refusals] == [
        (422, "received_quantity"),
        (422, "received_spec"),
    ]
    assert returns.read(return_id)["version"] == 3


def test_a_return_comes_from_a_return_or_quality_case_and_a_recorded_shipment(returns: Returns):
    raised = registration(type="delivery_problem", description="Truck two days late")
    late_truck = returns.client.post(
        "/api/v1/cases", json=raised, headers=auth(returns.story.tokens["manager"])
    )
    unknown_shipment = returns.post("", application(returns.story.case_id, shipment_reference="SHP-NOWHERE"))
    of_late_truck = returns.post("", application(late_truck.json()["id"]))
    return_id = returns.applied()
    unknown_inspection = {"finding": "Wet", "inspection_id": "00000000-0000-4000-8000-000000000000"}
    no_inspection = returns.post(
        f"/{return_id}/eligibility", FREE | {"qc_confirmation": unknown_inspection}, "qc_inspector"
    )
    no_exchange_shipment = returns.post(
        f"/{return_id}/exchange-shipment", {"shipment_reference": "SHP-NOWHERE"}
    )

    assert (unknown_shipment.status_code, unknown_shipment.json()["field"]) == (404, "shipment_reference")
    assert (of_late_truck.status_code, of_late_truck.json()["field"]) == (409, "case_id")
    assert (no_inspection.status_code, no_inspection.json()["field"]) == (
        404,
        "qc_confirmation.inspection_id",
    )
    assert (no_exchange_shipment.status_code, no_exchange_shipment.json()["field"]) == (
        404,
        "shipment_reference",
    )
    assert [r["id"] for r in returns.of_case(returns.story.case_id)] == [return_id]


def test_an_inspection_confirms_a_free_return_only_with_an_off_spec_basis(returns: Returns):
    story = returns.story
    conforming = story.opened()
    for kind, qnet in (("customer_lab", "5560"), ("supplier_qc", "5580")):  # agree, both within spec
        assert story.result(conforming, kind, qnet).status_code == 201
    off_spec = basis_inspection(story)  # CCIC's 5,210 kcal/kg against 5,500: the basis is off spec
    undecided = story.opened()  # sampled, no result yet
    return_id = returns.applied()

    def free(inspection_id: str) -> Any:
        confirmation = {"finding": "Qnet,ar below contract", "inspection_id": inspection_id}
        return returns.post(
            f"/{return_id}/eligibility", FREE | {"qc_confirmation": confirmation}, "qc_inspector"
        )

    within = free(conforming)
    pending = free(undecided)
    confirmed = free(off_spec)

    assert (within.status_code, within.json()["field"]) == (409, "qc_confirmation.inspection_id")
    assert "within the contract's spec" in within.json()["detail"]
    assert (pending.status_code, pending.json()["field"]) == (409, "qc_confirmation.inspection_id")
    assert confirmed.status_code == 200, confirmed.text
