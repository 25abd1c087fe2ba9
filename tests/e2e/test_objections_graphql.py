"""Objections through GraphQL: the coal story of DOMAIN.md read back — the inspection against the contract,
the labs 360 kcal/kg apart, CCIC's 5,210 as the basis, 70/30 liability, the computed price cut — and a
second customer's objection, so that each filter, paging and the read gate can be seen to narrow."""

import hashlib
from dataclasses import dataclass
from typing import Any

import pytest

from tests.conftest import auth, registration
from tests.e2e import test_settlement as settlement
from tests.e2e.test_access import granted, log_of, query, read, refused, settled
from tests.e2e.test_inspections import Story, coal_story
from tests.e2e.test_liability import proposal, share
from tests.e2e.test_shipments import COAL_CONTRACT, shipment

OBJECTIONS = """query ($first: Int!, $after: String, $filter: ObjectionFilter) {
  objections(first: $first, after: $after, filter: $filter) {
    edges { cursor node { caseId caseNumber customerId product shipmentReference rootCause
                          liabilityStatus settlementStatus legalHold } }
    pageInfo { hasNextPage endCursor }
  }
}"""
INSPECTION_FIELDS = """id caseId
  sampling { joint methodStandard sealNumbers witnesses { party organisation } }
  results { id labKind lab current corrects supersededBy values { parameter value { value unit } } }
  comparison { labKind withinSpec
               parameters { name conformity violatedLimit deviationFromLimit { value unit } } }
  agreement { labsAgree needsReinspection disputed
              parameters { name difference { value } reproducibility { value } agrees } }
  reinspection { requested disputed agency agreements { party } }
  basis { pending parameters { parameter value { value unit } source resultIds } }"""
INSPECTION = f"query ($id: ID!) {{ inspection(id: $id) {{ {INSPECTION_FIELDS} }} }}"
OBJECTION_PARTS = f"""query ($filter: ObjectionFilter) {{
  objections(filter: $filter) {{ edges {{ node {{
    inspections {{ {INSPECTION_FIELDS} }}
    liability {{ version approved {{ number status rootCause basisInspectionIds decidedBy
                                     shares {{ party percent }} }} pending {{ number }}
                 proposals {{ number status }} }}
    settlement {{ legalHold closed proposals {{ number status kind needsApproval approvedBy
                   amount {{ amount currency }} calculation {{ text amount {{ amount currency }} }}
                   basisInspectionId agreement {{ signerName }} }} }}
  }} }} }}
}}"""
SETTLEMENT_DONE = """query ($filter: ObjectionFilter) {
  objections(filter: $filter) { edges { node { settlementStatus settlement {
    closed execution { kind reference }
    proposals { agreement { signerName documentAttachmentId documentSha256 } } } } } }
}"""
OTHER_RAISED_AT = "2026-03-22T09:00:00+08:00"


@dataclass
class Objections:
    """Two objections: the coal story's (CUST-0042) and another customer's, raised two days later."""

    coal: Story
    coal_inspection: str
    other: Story
    other_inspection: str


@pytest.fixture
def objections(client: Any, services: Any, tokens: dict[str, str]) -> Objections:
    coal = coal_story(client, tokens)
    coal_inspection = settlement.basis_inspection(coal)
    _decide_liability(coal, coal_inspection, "transport_storage")
    assert settlement.post(coal, "", settlement.price_cut(coal_inspection)).status_code == 201
    assert settlement.post(coal, "/1/approve", {}, role="manager").status_code == 200
    other = _other_customers_story(client, tokens)
    other_inspection = other.opened()
    recorded = other.result(other_inspection, "supplier_qc", "5480", lab="Datong QC lab")
    assert recorded.status_code == 201, recorded.text
    _decide_liability(other, other_inspection, "customer_usage", shares=[share("customer", "100")])
    settled(services)
    return Objections(coal, coal_inspection, other, other_inspection)


def _decide_liability(story: Story, inspection_id: str, root_cause: str, **overrides: Any) -> None:
    body = proposal([inspection_id], root_cause=root_cause, **overrides)
    for path, sent, role in (("", body, "qc_inspector"), ("/1/approve", {}, "manager")):
        response = story.client.post(
            f"/api/v1/cases/{story.case_id}/liability{path}", json=sent, headers=auth(story.tokens[role])
        )
        assert response.status_code in (200, 201), response.text


def _other_customers_story(client: Any, tokens: dict[str, str]) -> Story:
    """CUST-0077's contract, its shipment SHP-2026-0901 and a quality objection that names it."""
    contract = COAL_CONTRACT | {"number": "HT-2026-0901", "customer_id": "CUST-0077"}
    contract_id = _created(client.post("/api/v1/contracts", json=contract, headers=auth(tokens["manager"])))
    shipment_id = _created(
        client.post(
            "/api/v1/shipments",
            json=shipment(contract_id, "SHP-2026-0901"),
            headers=auth(tokens["service_agent"]),
        )
    )
    raised = registration(
        customer={"id": "CUST-0077", "name": "Zhejiang Energy"},
        product="Thermal coal Q5000",
        shipment_refs=["SHP-2026-0901"],
        occurred_at=OTHER_RAISED_AT,
    )
    case_id = _created(client.post("/api/v1/cases", json=raised, headers=auth(tokens["service_agent"])))
    return Story(client, tokens, case_id, shipment_id, report_id="")


def _created(response: Any) -> str:
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def listed(client: Any, token: str, **variables: Any) -> dict[str, Any]:
    return read(client, token, OBJECTIONS, **{"first": 20, **variables})["objections"]


def numbers(page: dict[str, Any]) -> list[str]:
    return [edge["node"]["caseId"] for edge in page["edges"]]


def parts_of(client: Any, token: str, reference: str) -> dict[str, Any]:
    found = read(client, token, OBJECTION_PARTS, filter={"shipment": reference})["objections"]["edges"]
    [edge] = found
    return dict(edge["node"])


def test_the_inspection_compares_each_lab_with_the_spec_and_the_third_party_is_the_basis(
    client, tokens, objections
):
    by_id = inspection_of(client, tokens["engineer"], objections.coal_inspection)
    [nested] = parts_of(client, tokens["engineer"], "SHP-2026-0815")["inspections"]

    assert nested == by_id
    assert by_id["sampling"]["joint"] is True and by_id["sampling"]["methodStandard"] == "GB/T 475"
    customer = next(c for c in by_id["comparison"] if c["labKind"] == "customer_lab")
    qnet = next(p for p in customer["parameters"] if p["name"] == "Qnet,ar")
    assert customer["withinSpec"] is False
    assert (qnet["conformity"], qnet["violatedLimit"]) == ("off_spec", "lower")
    assert qnet["deviationFromLimit"] == {"value": "-380", "unit": "kcal/kg"}
    agreement = by_id["agreement"]
    assert (agreement["labsAgree"], agreement["needsReinspection"], agreement["disputed"]) == (
        False,
        True,
        ["Qnet,ar"],
    )
    qnet_agreement = next(p for p in agreement["parameters"] if p["name"] == "Qnet,ar")
    assert qnet_agreement == {
        "name": "Qnet,ar",
        "difference": {"value": "360"},
        "reproducibility": {"value": "72"},
        "agrees": False,
    }
    assert by_id["reinspection"]["requested"] is True and by_id["reinspection"]["agency"] == "CCIC"
    third = next(r for r in by_id["results"] if r["labKind"] == "third_party_agency")
    basis = {p["parameter"]: p for p in by_id["basis"]["parameters"]}
    assert by_id["basis"]["pending"] is None
    assert basis["Qnet,ar"] == {
        "parameter": "Qnet,ar",
        "value": {"value": "5210", "unit": "kcal/kg"},
        "source": "third_party",
        "resultIds": [third["id"]],
    }
    assert basis["Mt"]["source"] == "mean_of_agreeing_labs"


def inspection_of(client: Any, token: str, inspection_id: str) -> dict[str, Any]:
    return dict(read(client, token, INSPECTION, id=inspection_id)["inspection"])


def test_a_correction_names_the_result_it_corrects_and_no_basis_without_both_labs(client, tokens, objections):
    [mistyped] = inspection_of(client, tokens["qc_inspector"], objections.other_inspection)["results"]
    corrected = objections.other.post(
        f"/{objections.other_inspection}/results/{mistyped['id']}/corrections",
        {"values": {"Qnet,ar": {"value": "5450"}}, "reason": "digits mistyped"},
    )
    assert corrected.status_code == 201, corrected.text

    inspection = inspection_of(client, tokens["qc_inspector"], objections.other_inspection)

    first, correction = inspection["results"]
    assert (first["current"], first["supersededBy"]) == (False, correction["id"])
    assert (correction["id"], correction["corrects"]) == (corrected.json()["result_id"], first["id"])
    qnet = next(v for v in correction["values"] if v["parameter"] == "Qnet,ar")
    assert qnet["value"] == {"value": "5450", "unit": "kcal/kg"}
    assert inspection["agreement"]["labsAgree"] is None
    assert inspection["basis"]["parameters"] is None and "customer's lab" in inspection["basis"]["pending"]


def test_the_objection_reads_its_liability_shares_and_the_computed_price_cut(client, tokens, objections):
    parts = parts_of(client, tokens["auditor"], "SHP-2026-0815")

    approved = parts["liability"]["approved"]
    assert approved["shares"] == [
        {"party": "supplier", "percent": "70"},
        {"party": "carrier", "percent": "30"},
    ]
    assert (approved["rootCause"], approved["decidedBy"]) == ("TRANSPORT_STORAGE", "manager-1")
    assert approved["basisInspectionIds"] == [objections.coal_inspection]
    assert parts["liability"]["pending"] is None
    [offer] = parts["settlement"]["proposals"]
    assert offer["amount"] == {"amount": "-160500.00", "currency": "CNY"}
    assert [line["amount"]["amount"] for line in offer["calculation"]] == ["-130500.00", "-30000.00"]
    assert offer["calculation"][0]["text"].startswith("Qnet,ar 5,210 kcal/kg is 290 kcal/kg below")
    assert (offer["status"], offer["needsApproval"], offer["approvedBy"]) == ("offered", True, "manager-1")
    assert offer["basisInspectionId"] == objections.coal_inspection and offer["agreement"] is None


def test_a_signed_and_executed_settlement_reads_its_agreement_and_execution(
    client, services, tokens, objections
):
    coal = objections.coal
    document = settlement.attach_agreement(coal)
    assert settlement.post(coal, "/1/sign", settlement.signature(document)).status_code == 200
    executed = settlement.post(coal, "/execution", {"kind": "credit_note", "reference": "CN-2026-0042"})
    assert executed.status_code == 200, executed.text
    settled(services)

    page = read(client, tokens["auditor"], SETTLEMENT_DONE, filter={"shipment": "SHP-2026-0815"})

    [edge] = page["objections"]["edges"]
    done = edge["node"]
    assert done["settlementStatus"] == "executed" and done["settlement"]["closed"] is True
    assert done["settlement"]["execution"] == {"kind": "credit_note", "reference": "CN-2026-0042"}
    [offer] = done["settlement"]["proposals"]
    assert offer["agreement"] == {
        "signerName": "Zhou Min",
        "documentAttachmentId": document,
        "documentSha256": hashlib.sha256(settlement.AGREEMENT_PDF).hexdigest(),
    }


def test_an_objection_without_a_settlement_reads_null(client, tokens, objections):
    parts = parts_of(client, tokens["manager"], "SHP-2026-0901")

    assert parts["settlement"] is None
    assert parts["liability"]["approved"]["shares"] == [{"party": "customer", "percent": "100"}]


def test_the_list_shows_each_objection_newest_first_with_its_statuses(client, tokens, objections):
    page = listed(client, tokens["service_agent"])

    assert numbers(page) == [objections.other.case_id, objections.coal.case_id]
    coal = page["edges"][1]["node"]
    assert {k: coal[k] for k in ("customerId", "product", "shipmentReference", "rootCause")} == {
        "customerId": "CUST-0042",
        "product": "Thermal coal Q5500",
        "shipmentReference": "SHP-2026-0815",
        "rootCause": "TRANSPORT_STORAGE",
    }
    assert (coal["liabilityStatus"], coal["settlementStatus"], coal["legalHold"]) == (
        "approved",
        "offered",
        False,
    )


def test_each_filter_narrows_the_list(client, tokens, objections):
    coal, other = objections.coal.case_id, objections.other.case_id
    conditions: list[tuple[dict[str, Any], list[str]]] = [
        ({"customer": "CUST-0042"}, [coal]),
        ({"customer": "CUST-0077"}, [other]),
        ({"product": "Thermal coal Q5000"}, [other]),
        ({"shipment": "shp-2026-0901"}, [other]),  # references ignore case, as shipments do
        ({"shipment": "SHP-2026-9999"}, []),
        ({"lab": "ccic jiangsu lab"}, [coal]),
        ({"lab": "Datong QC lab"}, [other]),
        ({"rootCause": "TRANSPORT_STORAGE"}, [coal]),
        ({"rootCause": "CUSTOMER_USAGE"}, [other]),
        ({"openedFrom": "2026-03-21T00:00:00+08:00"}, [other]),
        ({"openedTo": "2026-03-21T00:00:00+08:00"}, [coal]),
        ({"customer": "CUST-0042", "rootCause": "CUSTOMER_USAGE"}, []),
    ]
    for condition, expected in conditions:
        assert numbers(listed(client, tokens["manager"], filter=condition)) == expected, condition


def test_objections_page_through_with_after(client, tokens, objections):
    first = listed(client, tokens["engineer"], first=1)
    rest = listed(client, tokens["engineer"], first=1, after=first["pageInfo"]["endCursor"])

    assert numbers(first) == [objections.other.case_id] and first["pageInfo"]["hasNextPage"] is True
    assert numbers(rest) == [objections.coal.case_id] and rest["pageInfo"]["hasNextPage"] is False


def test_a_period_without_a_time_zone_is_refused(client, tokens, objections):
    response = query(
        client, tokens["manager"], OBJECTIONS, first=5, filter={"openedFrom": "2026-03-21T00:00"}
    )

    assert "needs a time zone" in response.json()["errors"][0]["message"]


def test_staff_never_list_and_read_only_the_objection_their_grant_names(client, services, tokens, objections):
    granted(client, services, tokens, objections.coal.case_id)
    settled(services)

    listing = refused(client, tokens["staff"], OBJECTIONS, first=5)
    own = read(client, tokens["staff"], INSPECTION, id=objections.coal_inspection)["inspection"]
    others = refused(client, tokens["staff"], INSPECTION, id=objections.other_inspection)

    assert listing.startswith("reading objection_list needs one of the roles")
    assert own["caseId"] == objections.coal.case_id
    assert (
        others == f"you have no access grant for case {objections.other.case_id}; request one from a manager"
    )


def test_every_part_read_is_recorded_under_its_case(client, services, tokens, objections):
    parts_of(client, tokens["engineer"], "SHP-2026-0901")

    reads = [
        (entry["what"], entry["caseIds"])
        for entry in log_of(client, services, tokens, objections.other.case_id)
        if entry["userId"] == "engineer-1"
    ]
    case = [objections.other.case_id]
    assert sorted(reads) == [
        ("inspection", case),
        ("liability", case),
        ("objection_list", case),
        ("settlement", case),
    ]


def test_an_unknown_inspection_is_null(client, tokens, objections):
    unknown = "00000000-0000-4000-8000-000000000000"
    assert read(client, tokens["manager"], INSPECTION, id=unknown)["inspection"] is None
    assert (
        "inspection's UUID"
        in query(client, tokens["manager"], INSPECTION, id="x").json()["errors"][0]["message"]
    )
