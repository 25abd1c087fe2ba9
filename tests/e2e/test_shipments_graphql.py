"""Shipments listed through GraphQL from the read model: filters, paging, and who may list them."""

from typing import Any

import pytest

from tests.conftest import auth
from tests.e2e.test_shipments import register_contract, shipment

LIST = """query ($first: Int!, $after: String, $filter: ShipmentFilter) {
  shipments(first: $first, after: $after, filter: $filter) {
    edges { cursor node { reference contractNumber customerId product quantity unit transportMode
                          dispatchedAt arrivedAt } }
    pageInfo { hasNextPage endCursor }
  }
}"""


@pytest.fixture
def three_shipments(client, services, tokens) -> None:
    contract_id = register_contract(client, tokens)
    for day, reference in ((10, "SHP-A"), (11, "SHP-B"), (12, "SHP-C")):
        body = shipment(
            contract_id,
            reference,
            dispatched_at=f"2026-03-{day}T06:30:00+08:00",
            arrived_at=f"2026-03-{day + 2}T14:00:00+08:00",
        )
        response = client.post("/api/v1/shipments", json=body, headers=auth(tokens["manager"]))
        assert response.status_code == 201, response.text
    assert services.projection_runner.wait_until(services.ledger.recorder.max_notification_id(), 5)


def shipments(client: Any, token: str, **variables: Any) -> Any:
    body = {"query": LIST, "variables": {"first": 20, **variables}}
    return client.post("/graphql", json=body, headers=auth(token))


def references(response: Any) -> list[str]:
    assert "errors" not in response.json(), response.json()
    return [e["node"]["reference"] for e in response.json()["data"]["shipments"]["edges"]]


def test_shipments_are_listed_newest_dispatch_first_with_their_contract(client, tokens, three_shipments):
    response = shipments(client, tokens["service_agent"])
    assert references(response) == ["SHP-C", "SHP-B", "SHP-A"]
    node = response.json()["data"]["shipments"]["edges"][0]["node"]
    assert (node["contractNumber"], node["customerId"], node["product"]) == (
        "HT-2026-0815",
        "CUST-0042",
        "Thermal coal",
    )
    assert (node["quantity"], node["unit"], node["transportMode"]) == ("3000", "t", "rail")
    assert node["arrivedAt"].startswith("2026-03-14T06:00:00")


def test_shipments_page_through_with_after(client, tokens, three_shipments):
    first = shipments(client, tokens["manager"], first=2).json()["data"]["shipments"]
    assert [e["node"]["reference"] for e in first["edges"]] == ["SHP-C", "SHP-B"]
    assert first["pageInfo"]["hasNextPage"] is True
    rest = shipments(client, tokens["manager"], first=2, after=first["pageInfo"]["endCursor"])
    assert references(rest) == ["SHP-A"]
    assert rest.json()["data"]["shipments"]["pageInfo"]["hasNextPage"] is False


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"customer": "CUST-0042"}, ["SHP-C", "SHP-B", "SHP-A"]),
        ({"customer": "CUST-9999"}, []),
        ({"product": "Thermal coal", "contractNumber": "HT-2026-0815"}, ["SHP-C", "SHP-B", "SHP-A"]),
        (
            {"dispatchedFrom": "2026-03-11T00:00:00+08:00", "dispatchedTo": "2026-03-12T00:00:00+08:00"},
            ["SHP-B"],
        ),
    ],
)
def test_shipments_are_filtered(client, tokens, three_shipments, condition, expected):
    assert references(shipments(client, tokens["auditor"], filter=condition)) == expected


def test_a_period_without_a_time_zone_is_refused(client, tokens, three_shipments):
    response = shipments(client, tokens["manager"], filter={"dispatchedFrom": "2026-03-11T00:00:00"})
    assert "needs a time zone" in response.json()["errors"][0]["message"]


def test_staff_may_not_list_shipments(client, tokens, three_shipments):
    assert shipments(client, tokens["staff"]).status_code == 403


def test_a_rebuild_lists_the_same_shipments(client, services, tokens, three_shipments):
    before = references(shipments(client, tokens["manager"]))
    services.projection_runner.rebuild()
    assert references(shipments(client, tokens["manager"])) == before
