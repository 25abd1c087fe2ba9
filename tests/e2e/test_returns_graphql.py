"""Returns through GraphQL, and the customer's user file: the coal that went back and was exchanged to the
customer's satisfaction, a cement return cancelled, another customer's return just applied for; read back
as a filtered, paged list and as one return with every step; then CUST-0042's user file with its unit, the
repair of it, its shipments, cases and returns."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.conftest import auth, registration
from tests.e2e.test_access import granted, log_of, read, refused, settled
from tests.e2e.test_repairs import FAULT, Desk
from tests.e2e.test_returns import CONFIRMED, FREE, IN_WAREHOUSE, RECEIVED_IN_FULL, Returns, by_order
from tests.e2e.test_returns import returns as returns  # the fixture

RETURNS = """query ($first: Int!, $after: String, $filter: ReturnFilter) {
  returns(first: $first, after: $after, filter: $filter) {
    edges { cursor node { id caseId customerId product reason eligibility status shipmentReference
                           orderReference appliedAt closedAt } }
    pageInfo { hasNextPage endCursor }
  }
}"""
RETURN = """query ($id: ID!) {
  returnRequest(id: $id) {
    id caseId status reason eligibility freightPaidBy qcResult warehouseEntry exchangeShipmentReference
    customerSatisfied quantity { value unit } receivedQuantity { value unit }
    differences { shortfall { value } excess { value } specMismatch }
    steps { step by role at }
  }
}"""
USER_FILE = """query ($customerId: String!) {
  userFile(customerId: $customerId) {
    customerId
    units { serialNumber }
    shipments { reference }
    cases { id type }
    visits { caseId serialNumber status firstVisitFix }
    returns { id status }
    followUps { caseId rating }
  }
}"""
EXCHANGED = [
    ("eligibility", FREE, "qc_inspector"),
    ("qc-inspection", CONFIRMED, "qc_inspector"),
    ("receipt", RECEIVED_IN_FULL, "service_agent"),
    ("reinspection", CONFIRMED, "qc_inspector"),
    ("warehouse-entry", IN_WAREHOUSE, "service_agent"),
    ("exchange-shipment", {"shipment_reference": "SHP-2026-0901"}, "service_agent"),
    ("feedback", {"satisfied": True}, "service_agent"),
]


@dataclass
class Returned:
    returns: Returns
    before: datetime  # a moment before any return was applied for
    exchanged: str  # the coal, closed with the customer satisfied
    cancelled: str  # CUST-0042's cement, cancelled
    other: str  # CUST-0077's cement, applied for
    cement_case: str


@pytest.fixture
def returned(client: Any, services: Any, tokens: dict[str, str], returns: Returns) -> Returned:
    before = datetime.now(UTC) - timedelta(seconds=1)
    exchanged = returns.applied()
    for step, body, role in EXCHANGED:
        returns.step(exchanged, step, body, role=role)
    cement_case = returns.return_request_case()
    cancelled = _applied(returns, by_order(cement_case))
    returns.step(cancelled, "cancel", {"reason": "The customer keeps the bags"})
    other_case = client.post(
        "/api/v1/cases",
        json=registration(type="return_request", customer={"id": "CUST-0077", "name": "Datong Cement Works"}),
        headers=auth(tokens["service_agent"]),
    )
    assert other_case.status_code == 201, other_case.text
    other = _applied(returns, by_order(other_case.json()["id"]))
    settled(services)
    return Returned(returns, before, exchanged, cancelled, other, cement_case)


def _applied(returns: Returns, body: dict[str, Any]) -> str:
    response = returns.post("", body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def listed(client: Any, token: str, **variables: Any) -> list[str]:
    page = read(client, token, RETURNS, **{"first": 20, **variables})["returns"]
    return [edge["node"]["id"] for edge in page["edges"]]


def test_the_list_shows_returns_latest_first_with_their_case_customer_and_status(client, tokens, returned):
    page = read(client, tokens["engineer"], RETURNS, first=20)["returns"]

    nodes = [edge["node"] for edge in page["edges"]]
    assert [n["id"] for n in nodes] == [returned.other, returned.cancelled, returned.exchanged]
    other, cancelled, exchanged = nodes
    assert (other["customerId"], other["status"], other["closedAt"]) == ("CUST-0077", "APPLIED", None)
    assert (cancelled["status"], cancelled["orderReference"]) == ("CANCELLED", "PO-2026-0420")
    assert cancelled["closedAt"] is not None
    assert {k: exchanged[k] for k in ("caseId", "customerId", "reason", "eligibility", "status")} == {
        "caseId": returned.returns.story.case_id,
        "customerId": "CUST-0042",
        "reason": "QUALITY_PROBLEM",
        "eligibility": "free",
        "status": "CLOSED",
    }
    assert exchanged["shipmentReference"] == "SHP-2026-0815"


def test_each_filter_narrows_the_list(client, tokens, returned):
    later = (datetime.now(UTC) + timedelta(minutes=10)).isoformat()
    conditions = [
        ({"customer": "CUST-0077"}, [returned.other]),
        ({"product": "Cement P·O 42.5"}, [returned.other, returned.cancelled]),
        ({"status": "CLOSED"}, [returned.exchanged]),
        ({"status": "CANCELLED"}, [returned.cancelled]),
        ({"reason": "WRONG_SELECTION"}, [returned.other, returned.cancelled]),
        ({"customer": "CUST-0042", "reason": "QUALITY_PROBLEM"}, [returned.exchanged]),
        (
            {"appliedFrom": returned.before.isoformat(), "appliedTo": later},
            [returned.other, returned.cancelled, returned.exchanged],
        ),
        ({"appliedTo": returned.before.isoformat()}, []),
    ]
    for condition, expected in conditions:
        assert listed(client, tokens["engineer"], filter=condition) == expected, condition


def test_returns_page_through_with_after(client, tokens, returned):
    first = read(client, tokens["engineer"], RETURNS, first=2)["returns"]
    rest = read(client, tokens["engineer"], RETURNS, first=2, after=first["pageInfo"]["endCursor"])["returns"]

    assert (first["pageInfo"]["hasNextPage"], rest["pageInfo"]["hasNextPage"]) == (True, False)
    assert [e["node"]["id"] for e in first["edges"] + rest["edges"]] == [
        returned.other,
        returned.cancelled,
        returned.exchanged,
    ]


def test_a_period_without_a_time_zone_is_refused(client, tokens, returned):
    response = client.post(
        "/graphql",
        json={"query": RETURNS, "variables": {"first": 5, "filter": {"appliedFrom": "2026-04-01T00:00:00"}}},
        headers=auth(tokens["engineer"]),
    )

    assert "filter.appliedFrom needs a time zone" in response.json()["errors"][0]["message"]


def test_a_return_reads_every_step_from_the_store(client, tokens, returned):
    seen = read(client, tokens["engineer"], RETURN, id=returned.exchanged)["returnRequest"]

    assert [s["step"] for s in seen["steps"]] == [
        "ReturnApplied",
        "EligibilityDecided",
        "QcInspectionRecorded",
        "ReceiptChecked",
        "Reinspected",
        "EnteredWarehouse",
        "ExchangeShipped",
        "FeedbackRecorded",
    ]
    assert [(s["by"], s["role"]) for s in seen["steps"][:2]] == [
        ("service_agent-1", "service_agent"),
        ("qc_inspector-1", "qc_inspector"),
    ]
    assert {
        k: seen[k] for k in ("status", "freightPaidBy", "qcResult", "warehouseEntry", "customerSatisfied")
    } == {
        "status": "CLOSED",
        "freightPaidBy": "supplier",
        "qcResult": "confirmed",
        "warehouseEntry": "RK-0815",
        "customerSatisfied": True,
    }
    assert seen["receivedQuantity"] == seen["quantity"] == {"value": "200", "unit": "t"}
    assert seen["differences"] == {"shortfall": None, "excess": None, "specMismatch": False}
    assert seen["exchangeShipmentReference"] == "SHP-2026-0901"


def test_an_unknown_return_is_null_and_a_bad_id_refused(client, tokens, returned):
    unknown = "00000000-0000-4000-8000-000000000000"

    assert read(client, tokens["engineer"], RETURN, id=unknown)["returnRequest"] is None
    response = client.post(
        "/graphql", json={"query": RETURN, "variables": {"id": "nope"}}, headers=auth(tokens["engineer"])
    )
    assert response.json()["errors"][0]["message"] == "id must be a return's UUID"


def test_staff_never_list_returns_nor_read_a_user_file_and_read_a_return_under_a_grant(
    client, services, tokens, returned
):
    listing = refused(client, tokens["staff"], RETURNS, first=5)
    user_file = refused(client, tokens["staff"], USER_FILE, customerId="CUST-0042")
    case_id = returned.returns.story.case_id
    before = refused(client, tokens["staff"], RETURN, id=returned.exchanged)
    granted(client, services, tokens, case_id)
    settled(services)

    seen = read(client, tokens["staff"], RETURN, id=returned.exchanged)["returnRequest"]

    assert listing.startswith("reading return_list needs one of the roles")
    assert user_file.startswith("reading user_file needs one of the roles")
    assert before.startswith(f"you have no access grant for case {case_id}")
    assert seen["caseId"] == case_id


def test_the_user_file_shows_the_customers_unit_visit_shipments_cases_and_returns(
    client, services, tokens, returned
):
    desk = Desk(client, tokens)
    fault_case = desk.fault_case()
    assert desk.post(fault_case, "", FAULT, "service_agent").status_code == 201
    decision = {"in_warranty": True, "reason": "Electrical, 18 months"}
    assert desk.post(fault_case, "/warranty-decision", decision, "engineer").status_code == 200
    desk.visit_fixes_and_is_signed(fault_case)
    settled(services)

    seen = read(client, tokens["manager"], USER_FILE, customerId="CUST-0042")["userFile"]
    other = read(client, tokens["manager"], USER_FILE, customerId="CUST-0077")["userFile"]

    coal_case = returned.returns.story.case_id
    assert seen["units"] == [{"serialNumber": "KJ-2025-0042"}]
    assert seen["visits"] == [
        {"caseId": fault_case, "serialNumber": "KJ-2025-0042", "status": "signed", "firstVisitFix": True}
    ]
    assert sorted(s["reference"] for s in seen["shipments"]) == ["SHP-2026-0815", "SHP-2026-0901"]
    assert {(c["id"], c["type"]) for c in seen["cases"]} == {
        (coal_case, "QUALITY_OBJECTION"),
        (returned.cement_case, "RETURN_REQUEST"),
        (fault_case, "EQUIPMENT_FAULT"),
    }
    assert seen["returns"] == [
        {"id": returned.cancelled, "status": "CANCELLED"},
        {"id": returned.exchanged, "status": "CLOSED"},
    ]
    assert seen["followUps"] == []  # no case of theirs is closed: nothing to follow up yet
    assert (other["units"], other["shipments"], [r["id"] for r in other["returns"]]) == (
        [],
        [],
        [returned.other],
    )


def test_a_user_file_read_is_recorded_naming_every_case_it_shows(client, services, tokens, returned):
    read(client, tokens["manager"], USER_FILE, customerId="CUST-0077")

    [entry] = [
        entry
        for entry in log_of(client, services, tokens, None)
        if entry["what"] == "user_file" and entry["userId"] == "manager-1"
    ]
    other_case = read(client, tokens["manager"], RETURN, id=returned.other)["returnRequest"]["caseId"]
    assert entry["caseIds"] == [other_case]
