"""Contracts and shipments through HTTP: register, record, import all or nothing, read back."""

import copy
import uuid
from typing import Any

import pytest

from tests.conftest import auth

# The thermal coal contract of DOMAIN.md: reproducibility 72 kcal/kg is GB/T 213's 300 J/g in kcal/kg.
COAL_CONTRACT: dict[str, Any] = {
    "number": "HT-2026-0815",
    "customer_id": "CUST-0042",
    "product": "Thermal coal",
    "grade": "Q5500",
    "unit_price": {"amount": "600.00", "currency": "CNY", "per": "t"},
    "specification": [
        {
            "name": "Qnet,ar",
            "unit": "kcal/kg",
            "test_standard": "GB/T 213",
            "target": "5500",
            "lower_limit": "5500",
            "reproducibility": [{"reproducibility": "72"}],
        },
        {
            "name": "Mt",
            "unit": "%",
            "test_standard": "GB/T 211",
            "upper_limit": "12",
            "reproducibility": [{"reproducibility": "0.5"}],
        },
        {
            "name": "Ad",
            "unit": "%",
            "test_standard": "GB/T 212",
            "upper_limit": "20",
            "reproducibility": [
                {"reproducibility": "0.30", "up_to": "15", "includes_up_to": False},
                {"reproducibility": "0.50", "up_to": "30"},
                {"reproducibility": "0.70"},
            ],
        },
        {
            "name": "St,d",
            "unit": "%",
            "test_standard": "GB/T 214",
            "upper_limit": "1.0",
            "reproducibility": [
                {"reproducibility": "0.10", "up_to": "1.5"},
                {"reproducibility": "0.20", "up_to": "4"},
                {"reproducibility": "0.30"},
            ],
        },
        {
            "name": "Vdaf",
            "unit": "%",
            "test_standard": "GB/T 212",
            "lower_limit": "28",
            "upper_limit": "37",
            "reproducibility": [{"reproducibility": "1.0"}],
        },
    ],
    "objection_windows": {"quality_days": 15, "quantity_days": 7},
    "price_rule": {
        "adjustments": [
            {
                "kind": "step",
                "parameter": "Qnet,ar",
                "reference": "5500",
                "direction": "below",
                "step": "100",
                "reduction_per_step": "15.00",
                "partial_step": "pro_rata",
            },
            {
                "kind": "step",
                "parameter": "St,d",
                "reference": "1.0",
                "direction": "above",
                "step": "0.1",
                "reduction_per_step": "10.00",
                "partial_step": "ignored",
            },
        ],
        "rejections": [{"parameter": "St,d", "limit": "2.0", "direction": "above"}],
    },
    "transit_loss": [{"mode": "rail", "percent": "1.2"}, {"mode": "road", "percent": "0.8"}],
}

CSV_HEADER = (
    "reference,contract_id,quantity,unit,weighbridge_ticket,dispatch_weight,certificate_issuer,"
    'certificate_number,transport_mode,carrier,dispatched_at,arrived_at,"cert:Qnet,ar",cert:Mt,cert:Ad,'
    '"cert:St,d",cert:Vdaf,cert:Had [%]\n'
)


def shipment(contract_id: str, reference: str = "SHP-2026-0815", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "reference": reference,
        "contract_id": contract_id,
        "quantity": "3000",
        "unit": "t",
        "weighbridge_ticket": "WB-0815-001",
        "dispatch_weight": "3012.40",
        "certificate": {
            "issuer": "CCIC",
            "number": "CCIC-2026-0815",
            "values": {
                "Qnet,ar": {"value": "5520"},
                "Mt": {"value": "10.2"},
                "Ad": {"value": "18.40", "unit": "%"},
                "St,d": {"value": "0.82"},
                "Vdaf": {"value": "31.5"},
                "Had": {"value": "3.1", "unit": "%"},
            },
        },
        "transport_mode": "rail",
        "carrier": "China Railway Taiyuan Group",
        "dispatched_at": "2026-03-10T06:30:00+08:00",
        "arrived_at": "2026-03-12T14:00:00+08:00",
    }
    body.update(overrides)
    return body


def csv_row(contract_id: str, reference: str, arrived_at: str = "2026-03-12T14:00:00+08:00") -> str:
    return (
        f"{reference},{contract_id},1500.5,t,WB-{reference},1510,CCIC,C-{reference},road,Jinan Haulage,"
        f"2026-03-10T06:30:00+08:00,{arrived_at},5480,10.1,17.9,0.95,30.2,3.0\n"
    )


def register_contract(client: Any, tokens: dict[str, str]) -> str:
    response = client.post("/api/v1/contracts", json=COAL_CONTRACT, headers=auth(tokens["manager"]))
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def events_so_far(services: Any) -> int:
    return int(services.ledger.recorder.max_notification_id() or 0)


def import_csv(client: Any, token: str, text: str, **headers: str) -> Any:
    return client.post(
        "/api/v1/shipments/import",
        content=text.encode(),
        headers=auth(token, Content_Type="text/csv; charset=utf-8", **headers),
    )


def import_json(client: Any, token: str, items: Any) -> Any:
    return client.post("/api/v1/shipments/import", json=items, headers=auth(token))


@pytest.fixture
def contract_id(client, tokens) -> str:
    return register_contract(client, tokens)


def test_a_coal_contract_is_registered_and_read_back_with_its_terms(client, tokens):
    response = client.post("/api/v1/contracts", json=COAL_CONTRACT, headers=auth(tokens["manager"]))

    assert response.status_code == 201, response.text
    contract_id = response.json()["id"]
    assert response.headers["Location"] == f"/api/v1/contracts/{contract_id}"
    read = client.get(f"/api/v1/contracts/{contract_id}", headers=auth(tokens["qc_inspector"]))
    assert read.status_code == 200, read.text
    body = read.json()
    assert (body["version"], body["registered_by"], body["number"]) == (1, "manager-1", "HT-2026-0815")
    assert body["unit_price"] == {"amount": "600.00", "currency": "CNY", "per": "t"}
    ash = body["specification"][2]
    assert [b["reproducibility"] for b in ash["reproducibility"]] == ["0.30", "0.50", "0.70"]
    assert ash["reproducibility"][0]["includes_up_to"] is False
    assert body["price_rule"]["adjustments"][1]["step"] == "0.1"
    assert body["objection_windows"] == {"quality_days": 15, "quantity_days": 7}


def test_a_contract_number_is_registered_once(client, tokens, contract_id):
    again = client.post("/api/v1/contracts", json=COAL_CONTRACT, headers=auth(tokens["admin"]))

    assert again.status_code == 409, again.text
    assert again.json()["field"] == "number"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (
            lambda c: c["specification"][3].update(upper_limit="-1", lower_limit="0"),
            "specification.3.upper_limit",
        ),
        (
            lambda c: c["price_rule"]["adjustments"][0].update(parameter="Qgr,d"),
            "price_rule.adjustments.0.parameter",
        ),
        (lambda c: c["unit_price"].update(currency="yuan"), "unit_price.currency"),
        (lambda c: c.update(colour="black"), "colour"),
    ],
)
def test_a_bad_contract_term_is_refused_naming_its_place(client, tokens, change, field):
    body = copy.deepcopy(COAL_CONTRACT)
    change(body)

    response = client.post("/api/v1/contracts", json=body, headers=auth(tokens["manager"]))

    assert response.status_code == 422, response.text
    assert response.json()["field"] == field


def test_a_rail_shipment_of_3000_t_is_recorded_and_read_back(client, tokens, contract_id):
    response = client.post(
        "/api/v1/shipments", json=shipment(contract_id), headers=auth(tokens["service_agent"])
    )

    assert response.status_code == 201, response.text
    read = client.get(f"/api/v1/shipments/{response.json()['id']}", headers=auth(tokens["engineer"]))
    assert read.status_code == 200, read.text
    body = read.json()
    assert (body["quantity"], body["unit"], body["transport_mode"]) == ("3000", "t", "rail")
    assert body["certificate"]["values"]["Qnet,ar"] == {"value": "5520", "unit": "kcal/kg"}
    assert body["arrived_at"].startswith("2026-03-12T14:00:00")


def test_a_duplicate_shipment_reference_is_refused(client, tokens, contract_id):
    first = client.post("/api/v1/shipments", json=shipment(contract_id), headers=auth(tokens["manager"]))
    again = client.post(
        "/api/v1/shipments", json=shipment(contract_id, "shp-2026-0815"), headers=auth(tokens["manager"])
    )

    assert first.status_code == 201
    assert again.status_code == 409, again.text
    assert again.json()["field"] == "reference"


def test_a_shipment_under_an_unknown_contract_is_404_naming_contract_id(client, tokens):
    response = client.post(
        "/api/v1/shipments", json=shipment(str(uuid.uuid4())), headers=auth(tokens["service_agent"])
    )

    assert response.status_code == 404, response.text
    assert response.json()["field"] == "contract_id"


@pytest.mark.parametrize(
    ("path", "role"),
    [
        ("/api/v1/contracts", "service_agent"),
        ("/api/v1/shipments", "qc_inspector"),
        ("/api/v1/shipments", "auditor"),
    ],
)
def test_a_role_the_matrix_does_not_allow_gets_403(client, tokens, contract_id, path, role):
    body = COAL_CONTRACT if path.endswith("contracts") else shipment(contract_id)

    assert client.post(path, json=body, headers=auth(tokens[role])).status_code == 403


def test_staff_do_not_read_contracts(client, tokens, contract_id):
    assert client.get(f"/api/v1/contracts/{contract_id}", headers=auth(tokens["staff"])).status_code == 403


def test_an_arrival_is_recorded_later_and_only_once(client, tokens, contract_id):
    created = client.post(
        "/api/v1/shipments",
        json=shipment(contract_id, arrived_at=None),
        headers=auth(tokens["service_agent"]),
    )
    url = f"/api/v1/shipments/{created.json()['id']}/arrival"

    arrived = client.post(
        url,
        json={"arrived_at": "2026-03-12T14:00:00+08:00"},
        headers=auth(tokens["service_agent"], If_Match="1"),
    )
    again = client.post(
        url, json={"arrived_at": "2026-03-13T14:00:00+08:00"}, headers=auth(tokens["manager"])
    )

    assert (arrived.status_code, arrived.json()["version"]) == (200, 2), arrived.text
    assert again.status_code == 409 and again.json()["field"] == "arrived_at"


def test_three_shipments_are_imported_from_csv(client, tokens, contract_id):
    text = CSV_HEADER + "".join(csv_row(contract_id, f"SHP-CSV-{n}") for n in range(1, 4))

    response = import_csv(client, tokens["service_agent"], text)

    assert response.status_code == 201, response.text
    assert response.json()["imported"] == 3
    third = client.get(f"/api/v1/shipments/{response.json()['ids'][2]}", headers=auth(tokens["manager"]))
    assert third.json()["reference"] == "SHP-CSV-3"
    assert third.json()["certificate"]["values"]["Had"] == {"value": "3.0", "unit": "%"}
    assert third.json()["quantity"] == "1500.5"


def test_three_shipments_are_imported_from_json(client, tokens, contract_id):
    items = [shipment(contract_id, f"SHP-JSON-{n}") for n in range(1, 4)]

    response = import_json(client, tokens["manager"], items)

    assert response.status_code == 201, response.text
    assert response.json()["imported"] == 3 and len(response.json()["ids"]) == 3


def test_a_bad_csv_row_among_good_ones_imports_nothing_and_names_row_and_column(
    client, services, tokens, contract_id
):
    rows = [
        csv_row(contract_id, "SHP-A"),
        csv_row(contract_id, "SHP-B", arrived_at="2026-03-09T06:30:00+08:00"),  # before dispatch
        csv_row(contract_id, "SHP-C").replace(",5480,", ",5480 kcal,"),
    ]
    before = events_so_far(services)

    response = import_csv(client, tokens["service_agent"], CSV_HEADER + "".join(rows))

    assert response.status_code == 422, response.text
    body = response.json()
    assert body["imported"] == 0
    assert [(r["row"], r["field"]) for r in body["rejected"]] == [(2, "arrived_at"), (3, "cert:Qnet,ar")]
    assert events_so_far(services) == before


def test_a_bad_json_row_imports_nothing_and_names_row_and_field(client, services, tokens, contract_id):
    items = [
        shipment(contract_id, "SHP-J1"),
        shipment(contract_id, "SHP-J2", unit="kg"),
        shipment(contract_id, "SHP-J1"),  # twice in one import
        shipment(str(uuid.uuid4()), "SHP-J4"),
    ]
    before = events_so_far(services)

    response = import_json(client, tokens["service_agent"], items)

    assert response.status_code == 422, response.text
    assert [(r["row"], r["field"]) for r in response.json()["rejected"]] == [
        (2, "unit"),
        (3, "reference"),
        (4, "contract_id"),
    ]
    assert events_so_far(services) == before


def test_a_reference_recorded_before_refuses_the_whole_import(client, services, tokens, contract_id):
    client.post("/api/v1/shipments", json=shipment(contract_id, "SHP-OLD"), headers=auth(tokens["manager"]))
    before = events_so_far(services)

    response = import_json(
        client, tokens["manager"], [shipment(contract_id, "SHP-NEW"), shipment(contract_id, "SHP-OLD")]
    )

    assert response.status_code == 422
    assert response.json()["rejected"][0] | {"message": ""} == {"row": 2, "field": "reference", "message": ""}
    assert events_so_far(services) == before


def test_a_retried_import_returns_the_first_answer_and_records_nothing_more(
    client, services, tokens, contract_id
):
    text = CSV_HEADER + csv_row(contract_id, "SHP-RETRY")
    first = import_csv(client, tokens["service_agent"], text, Idempotency_Key="import-0815")
    after_first = events_so_far(services)

    retry = import_csv(client, tokens["service_agent"], text, Idempotency_Key="import-0815")

    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json() == first.json()
    assert events_so_far(services) == after_first


@pytest.mark.parametrize(
    ("content_type", "payload", "status", "field"),
    [
        ("application/json", b'[{"reference": ', 422, "body"),
        ("application/json", b'{"reference": "SHP-1"}', 422, "body"),
        ("application/json", b"[]", 422, "body"),
        ("text/csv", b"reference,contract_id,colour\nA,B,black\n", 422, "colour"),
        ("text/csv", b"reference,contract_id\nA,B\n", 422, "quantity"),
        ("text/csv", b"\xff\xfe\x00r", 422, "body"),
        ("text/csv", b"", 422, "body"),
        ("text/plain", b"reference\n", 415, "Content-Type"),
    ],
)
def test_a_malformed_import_is_refused_naming_what_is_wrong(
    client, services, tokens, content_type, payload, status, field
):
    before = events_so_far(services)

    response = client.post(
        "/api/v1/shipments/import",
        content=payload,
        headers=auth(tokens["manager"], Content_Type=content_type),
    )

    assert response.status_code == status, response.text
    assert response.json()["field"] == field
    assert events_so_far(services) == before


def test_a_csv_row_with_too_many_cells_is_named(client, tokens, contract_id):
    text = CSV_HEADER + csv_row(contract_id, "SHP-X").rstrip("\n") + ",extra\n"

    response = import_csv(client, tokens["manager"], text)

    assert response.status_code == 422
    assert response.json()["rejected"][0]["field"] == "row"
