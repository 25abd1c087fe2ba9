"""Inspections through HTTP: the coal story of DOMAIN.md from joint sampling to the third party's basis."""

import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from tests.conftest import auth, registration
from tests.e2e.test_access import log_of
from tests.e2e.test_shipments import register_contract, shipment

RAISED_AT = "2026-03-20T09:00:00+08:00"
SAMPLED_AT = "2026-03-14T10:00:00+08:00"
TESTED_AT = "2026-03-16T15:00:00+08:00"
AGREED_AT = "2026-03-18T09:30:00+08:00"
INSPECTIONS = "/api/v1/inspections"


@dataclass
class Story:
    client: Any
    tokens: dict[str, str]
    case_id: str
    shipment_id: str
    report_id: str  # the customer's lab report, an attachment of the case

    def post(self, path: str, body: Any, role: str = "qc_inspector", **headers: str) -> Any:
        return self.client.post(f"{INSPECTIONS}{path}", json=body, headers=auth(self.tokens[role], **headers))

    def read(self, inspection_id: str, role: str = "engineer") -> dict[str, Any]:
        response = self.client.get(f"{INSPECTIONS}/{inspection_id}", headers=auth(self.tokens[role]))
        assert response.status_code == 200, response.text
        return dict(response.json())

    def opened(self) -> str:
        response = self.post(
            "", {"case_id": self.case_id, "shipment_id": self.shipment_id, "sampling": sampling()}
        )
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    def result(self, inspection_id: str, kind: str, qnet: str, **overrides: Any) -> Any:
        return self.post(f"/{inspection_id}/results", lab_result(kind, qnet, **overrides))

    def disputed_and_appointed(self, agency: str = "CCIC") -> str:
        inspection_id = self.opened()
        for kind, qnet in (("customer_lab", "5120"), ("supplier_qc", "5480")):
            assert self.result(inspection_id, kind, qnet).status_code == 201
        assert self.post(f"/{inspection_id}/reinspection", {"reason": "380 kcal/kg apart"}).status_code == 200
        appointed = self.post(f"/{inspection_id}/agency", appointment(agency), role="manager")
        assert appointed.status_code == 200, appointed.text
        return inspection_id


def sampling(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "sampled_by": "Li Ming and Zhao Hui",
        "place": "Huadian Jiangsu power plant, unloading track 3",
        "sampled_at": SAMPLED_AT,
        "method_standard": "GB/T 475",
        "sample_ids": ["S-0815-A", "S-0815-B", "S-0815-C"],
        "seal_numbers": ["SEAL-5501", "SEAL-5502", "SEAL-5503"],
        "witnesses": [
            {"party": "supplier", "name": "Li Ming", "organisation": "Shanxi Coal Sales Co."},
            {"party": "customer", "name": "Zhao Hui", "organisation": "Jiangsu Huadian Power"},
        ],
        "joint": True,
    }
    body.update(overrides)
    return body


def lab_result(kind: str, qnet: str, **overrides: Any) -> dict[str, Any]:
    lab = {"supplier_qc": "Shanxi Coal QC lab", "customer_lab": "Huadian lab"}.get(kind, "CCIC Jiangsu lab")
    body: dict[str, Any] = {
        "lab": lab,
        "lab_kind": kind,
        "values": {
            "Qnet,ar": {"value": qnet},
            "Mt": {"value": "10.4"},
            "Ad": {"value": "18.6"},
            "St,d": {"value": "0.85"},
            "Vdaf": {"value": "31.2"},
            "Had": {"value": "3.0", "unit": "%"},
        },
        "tested_at": TESTED_AT,
    }
    body.update(overrides)
    return body


def appointment(agency: str = "CCIC") -> dict[str, Any]:
    return {
        "agency": agency,
        "supplier_agreement": {"agreed_by": "Chen Jun", "agreed_at": AGREED_AT},
        "customer_agreement": {"agreed_by": "Zhou Lan", "agreed_at": AGREED_AT},
    }


@pytest.fixture
def story(client: Any, tokens: dict[str, str]) -> Story:
    return coal_story(client, tokens)


def coal_story(client: Any, tokens: dict[str, str]) -> Story:
    """A coal contract, its 3,000 t rail shipment, and the quality objection that names it."""
    contract_id = register_contract(client, tokens)
    recorded = client.post(
        "/api/v1/shipments", json=shipment(contract_id), headers=auth(tokens["service_agent"])
    )
    assert recorded.status_code == 201, recorded.text
    raised = registration(occurred_at=RAISED_AT)  # 8 days after arrival: within the 15-day window
    case = client.post("/api/v1/cases", json=raised, headers=auth(tokens["service_agent"]))
    assert case.status_code == 201, case.text
    case_id = case.json()["id"]
    report = client.post(
        f"/api/v1/cases/{case_id}/attachments",
        files={"file": ("huadian-report.pdf", b"%PDF-1.7\nQnet,ar 5120 kcal/kg\n", "application/pdf")},
        data={"kind": "lab_report"},
        headers=auth(tokens["qc_inspector"]),
    )
    assert report.status_code == 201, report.text
    return Story(client, tokens, case_id, recorded.json()["id"], report.json()["attachment_id"])


def test_the_third_partys_result_becomes_the_basis_where_the_labs_disagree(story: Story):
    inspection_id = story.opened()
    customer = story.result(inspection_id, "customer_lab", "5120", report_attachment_id=story.report_id)
    supplier = story.result(inspection_id, "supplier_qc", "5480")
    assert (customer.status_code, supplier.status_code) == (201, 201), customer.text + supplier.text

    before = story.read(inspection_id)

    [customer_comparison] = [c for c in before["comparison"] if c["lab_kind"] == "customer_lab"]
    qnet = next(p for p in customer_comparison["parameters"] if p["name"] == "Qnet,ar")
    assert customer_comparison["within_spec"] is False
    assert qnet["conformity"] == "off_spec" and qnet["violated_limit"] == "lower"
    assert qnet["deviation_from_limit"] == {"value": "-380", "unit": "kcal/kg"}
    assert before["agreement"]["labs_agree"] is False and before["agreement"]["disputed"] == ["Qnet,ar"]
    assert before["agreement"]["needs_reinspection"] is True
    assert before["basis"]["parameters"] is None and "third-party" in before["basis"]["pending"]
    assert before["sampling"]["joint"] is True and len(before["sampling"]["witnesses"]) == 2
    assert before["results"][0]["report_attachment_id"] == story.report_id

    requested = story.post(f"/{inspection_id}/reinspection", {"reason": "beyond GB/T 213"}, role="engineer")
    assert requested.status_code == 200, requested.text
    assert requested.json()["disputed"] == ["Qnet,ar"]
    assert story.post(f"/{inspection_id}/agency", appointment(), role="qc_inspector").status_code == 403
    appointed = story.post(f"/{inspection_id}/agency", appointment("CCIC"), role="manager")
    assert appointed.status_code == 200, appointed.text
    other_agency = story.result(inspection_id, "third_party_agency", "5210", agency="SGS")
    assert other_agency.status_code == 409 and other_agency.json()["field"] == "agency"
    third = story.result(inspection_id, "third_party_agency", "5210", agency="CCIC")
    assert third.status_code == 201, third.text

    after = story.read(inspection_id)

    basis = after["basis"]["parameters"]
    assert basis["Qnet,ar"] == {
        "value": "5210",
        "unit": "kcal/kg",
        "source": "third_party",
        "result_ids": [third.json()["result_id"]],
    }
    assert basis["Mt"]["source"] == "mean_of_agreeing_labs" and after["basis"]["pending"] is None
    assert after["reinspection"]["agency"] == "CCIC"
    assert [a["party"] for a in after["reinspection"]["agreements"]] == ["supplier", "customer"]


def test_a_third_party_result_before_the_agency_is_appointed_is_refused(story: Story):
    inspection_id = story.opened()
    story.result(inspection_id, "customer_lab", "5120")
    story.result(inspection_id, "supplier_qc", "5480")
    story.post(f"/{inspection_id}/reinspection", {"reason": "apart"})

    refused = story.result(inspection_id, "third_party_agency", "5210", agency="CCIC")

    assert refused.status_code == 409 and refused.json()["field"] == "lab_kind"


def test_a_mistyped_result_is_corrected_by_a_new_result_that_references_it(story: Story):
    inspection_id = story.opened()
    story.result(inspection_id, "customer_lab", "5120")
    mistyped = story.result(inspection_id, "supplier_qc", "5840").json()["result_id"]

    corrected = story.post(
        f"/{inspection_id}/results/{mistyped}/corrections",
        {"values": {"Qnet,ar": {"value": "5150"}}, "reason": "digits swapped when typing the report"},
    )
    again = story.post(
        f"/{inspection_id}/results/{mistyped}/corrections",
        {"values": {"Qnet,ar": {"value": "5160"}}, "reason": "x"},
    )

    assert corrected.status_code == 201, corrected.text
    assert again.status_code == 409 and again.json()["field"] == "result_id"
    read = story.read(inspection_id)
    by_id = {result["id"]: result for result in read["results"]}
    assert by_id[mistyped]["superseded_by"] == corrected.json()["result_id"]
    assert by_id[corrected.json()["result_id"]]["corrects"] == mistyped
    assert by_id[corrected.json()["result_id"]]["values"]["Mt"] == {"value": "10.4", "unit": "%"}
    assert read["agreement"]["labs_agree"] is True  # 5,120 and 5,150: within 72 kcal/kg
    assert read["basis"]["parameters"]["Qnet,ar"]["value"] == "5135"


def test_a_result_tested_before_the_sampling_is_refused(story: Story):
    inspection_id = story.opened()

    refused = story.result(inspection_id, "customer_lab", "5120", tested_at="2026-03-14T09:00:00+08:00")

    assert refused.status_code == 409 and refused.json()["field"] == "tested_at"


def test_no_reinspection_when_the_labs_agree(story: Story):
    inspection_id = story.opened()
    story.result(inspection_id, "customer_lab", "5120")
    story.result(inspection_id, "supplier_qc", "5170")

    refused = story.post(f"/{inspection_id}/reinspection", {"reason": "manager wants it"}, role="manager")

    assert refused.status_code == 409 and refused.json()["field"] == "reinspection"


@pytest.mark.parametrize(
    ("role", "path", "body"),
    [
        ("service_agent", "", None),
        ("auditor", "/{id}/results", lab_result("customer_lab", "5120")),
        ("engineer", "/{id}/agency", appointment()),
        ("staff", "/{id}/reinspection", {"reason": "x"}),
    ],
)
def test_a_role_the_matrix_does_not_allow_gets_403(story: Story, role: str, path: str, body: Any):
    inspection_id = story.disputed_and_appointed() if "agency" in path else story.opened()
    sent = body or {"case_id": story.case_id, "shipment_id": story.shipment_id, "sampling": sampling()}

    refused = story.post(path.format(id=inspection_id), sent, role=role)

    assert refused.status_code == 403, refused.text


@pytest.mark.parametrize("field", ["case_id", "shipment_id"])
def test_an_unknown_case_or_shipment_is_404_naming_the_field(story: Story, field: str):
    body = {"case_id": story.case_id, "shipment_id": story.shipment_id, "sampling": sampling()}
    body[field] = str(uuid.uuid4())

    refused = story.post("", body)

    assert refused.status_code == 404 and refused.json()["field"] == field


def test_an_inspection_needs_the_shipment_its_case_names_and_sampling_that_broke_no_rule(
    story: Story, client: Any
):
    other = client.post(
        "/api/v1/shipments",
        json=shipment(shipment_contract(story), "SHP-OTHER-1"),
        headers=auth(story.tokens["service_agent"]),
    ).json()["id"]
    not_named = story.post("", {"case_id": story.case_id, "shipment_id": other, "sampling": sampling()})
    one_witness = sampling(witnesses=sampling()["witnesses"][:1])
    joint_alone = story.post(
        "", {"case_id": story.case_id, "shipment_id": story.shipment_id, "sampling": one_witness}
    )
    extra = story.post(
        "", {"case_id": story.case_id, "shipment_id": story.shipment_id, "sampling": sampling(x=1)}
    )

    assert not_named.status_code == 409 and not_named.json()["field"] == "shipment_id"
    assert joint_alone.status_code == 422 and joint_alone.json()["field"] == "sampling.witnesses"
    assert extra.status_code == 422 and extra.json()["field"] == "sampling.x"


def test_reading_an_inspection_is_recorded_under_its_case_and_staff_need_a_grant(story: Story, services: Any):
    inspection_id = story.opened()
    story.read(inspection_id, role="engineer")

    refused = story.client.get(f"{INSPECTIONS}/{inspection_id}", headers=auth(story.tokens["staff"]))
    unknown = story.client.get(f"{INSPECTIONS}/{uuid.uuid4()}", headers=auth(story.tokens["engineer"]))

    assert refused.status_code == 403
    assert unknown.status_code == 404 and unknown.json()["field"] == "id"
    reads = [
        e for e in log_of(story.client, services, story.tokens, story.case_id) if e["what"] == "inspection"
    ]
    assert [(e["userId"], e["refused"]) for e in reads] == [("staff-1", True), ("engineer-1", False)]


def shipment_contract(story: Story) -> str:
    read = story.client.get(f"/api/v1/shipments/{story.shipment_id}", headers=auth(story.tokens["manager"]))
    return str(read.json()["contract_id"])


def test_a_late_objection_is_inspected_only_after_a_managers_override(story: Story):
    late = story.client.post(
        "/api/v1/cases", json=registration(), headers=auth(story.tokens["service_agent"])
    )
    body = {"case_id": late.json()["id"], "shipment_id": story.shipment_id, "sampling": sampling()}

    refused = story.post("", body)
    story.client.post(
        f"/api/v1/cases/{late.json()['id']}/late-objection-override",
        json={"reason": "customer's plant was shut for the holiday"},
        headers=auth(story.tokens["manager"]),
    )
    allowed = story.post("", body)

    assert refused.status_code == 409 and refused.json()["field"] == "case_id"
    assert allowed.status_code == 201, allowed.text


def test_openapi_documents_the_inspection_routes_and_their_errors(client: Any):
    paths = client.get("/openapi.json").json()["paths"]

    commands = [p for p in paths if p.startswith(INSPECTIONS) and "post" in paths[p]]
    assert len(commands) == 5
    for path in commands:
        assert {"401", "403", "404", "409", "422"} <= set(paths[path]["post"]["responses"]), path
    read = paths[f"{INSPECTIONS}/{{inspection_id}}"]["get"]["responses"]
    assert {"403", "404"} <= set(read) and "InspectionPublic" in str(read["200"])
