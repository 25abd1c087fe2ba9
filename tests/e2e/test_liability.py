"""Liability through HTTP: the coal story of DOMAIN.md from CCIC's 5,210 kcal/kg to the manager's approval
of 70 % supplier / 30 % carrier, and a cement objection that was the customer's own practice."""

import uuid
from collections.abc import Sequence
from typing import Any

import pytest

from domain.actor import Role
from tests.conftest import auth, registration
from tests.e2e.test_access import log_of
from tests.e2e.test_inspections import RAISED_AT, Story, coal_story

CASES = "/api/v1/cases"


@pytest.fixture
def story(client: Any, tokens: dict[str, str]) -> Story:
    return coal_story(client, tokens)


def share(party: str, percent: str) -> dict[str, str]:
    return {"party": party, "percent": percent}


def proposal(
    inspection_ids: Sequence[str] = (), attachment_ids: Sequence[str] = (), **overrides: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "shares": [share("supplier", "70"), share("carrier", "30")],
        # CCIC's certificate at dispatch said 5,520 kcal/kg and CCIC found 5,210 at the plant: the coal
        # lost its calorific value on the way (wet wagons, self-heating), not at the mine.
        "root_cause": "transport_storage",
        "basis": {"inspection_ids": list(inspection_ids), "attachment_ids": list(attachment_ids)},
        "rationale": "Qnet,ar 5,520 at dispatch (CCIC certificate), 5,210 at arrival (CCIC re-inspection): "
        "sold delivered at the plant, we loaded uncovered wagons; the railway held them in rain",
    }
    body.update(overrides)
    return body


def post(story: Story, path: str, body: Any, token: str) -> Any:
    return story.client.post(f"{CASES}/{story.case_id}/liability{path}", json=body, headers=auth(token))


def read(story: Story, token: str, **query: str) -> Any:
    return story.client.get(f"{CASES}/{story.case_id}/liability", params=query, headers=auth(token))


def basis_inspection(story: Story) -> str:
    """The disputed inspection with the third party's 5,210 kcal/kg recorded: the basis of liability."""
    inspection_id = story.disputed_and_appointed()
    third = story.result(inspection_id, "third_party_agency", "5210", agency="CCIC")
    assert third.status_code == 201, third.text
    return inspection_id


def test_qc_proposes_seventy_thirty_and_a_manager_other_than_the_proposer_approves(
    story: Story, services: Any
):
    qc_lead = services.users.add("qc-lead-1", "QC lead", frozenset({Role.QC_INSPECTOR, Role.MANAGER}))
    inspection_id = basis_inspection(story)

    proposed = post(story, "", proposal([inspection_id]), qc_lead)
    by_qc = post(story, "/1/approve", {}, story.tokens["qc_inspector"])
    by_proposer = post(story, "/1/approve", {}, qc_lead)
    approved = post(story, "/1/approve", {}, story.tokens["manager"])

    assert proposed.status_code == 201, proposed.text
    assert proposed.json()["proposal"] == 1 and proposed.headers["ETag"] == '"2"'
    assert by_qc.status_code == 403
    assert by_proposer.status_code == 409 and by_proposer.json()["field"] == "proposal"
    assert approved.status_code == 200, approved.text
    determination = read(story, story.tokens["auditor"], amount="160500.00", currency="CNY").json()
    in_force = determination["approved"]
    assert (in_force["number"], in_force["status"], in_force["decided_by"]) == (1, "approved", "manager-1")
    assert in_force["shares"] == [
        {"party": "supplier", "percent": "70", "part": {"amount": "112350.00", "currency": "CNY"}},
        {"party": "carrier", "percent": "30", "part": {"amount": "48150.00", "currency": "CNY"}},
    ]
    assert in_force["root_cause"] == "transport_storage" and in_force["proposed_by"] == "qc-lead-1"
    assert in_force["basis"] == {"inspection_ids": [inspection_id], "attachment_ids": []}
    assert determination["pending"] is None and determination["total"]["amount"] == "160500.00"


def test_a_changed_determination_is_a_new_proposal_that_says_why_and_supersedes_on_approval(story: Story):
    inspection_id = basis_inspection(story)
    post(story, "", proposal([inspection_id]), story.tokens["qc_inspector"])
    post(story, "/1/approve", {}, story.tokens["manager"])
    carrier_alone = proposal([inspection_id], shares=[share("carrier", "100")])

    without_reason = post(story, "", carrier_alone, story.tokens["qc_inspector"])
    changed = post(
        story,
        "",
        carrier_alone | {"change_reason": "railway admitted the wagons stood 6 days in rain"},
        story.tokens["qc_inspector"],
    )
    before_approval = read(story, story.tokens["engineer"]).json()
    post(story, "/2/approve", {}, story.tokens["manager"])
    after = read(story, story.tokens["engineer"]).json()

    assert without_reason.status_code == 422 and without_reason.json()["field"] == "change_reason"
    assert changed.status_code == 201 and changed.json()["proposal"] == 2
    assert (before_approval["approved"]["number"], before_approval["pending"]["number"]) == (1, 2)
    assert after["approved"]["number"] == 2 and after["approved"]["supersedes"] == 1
    assert [(p["number"], p["status"], p["superseded_by"]) for p in after["proposals"]] == [
        (1, "superseded", 2),
        (2, "approved", None),
    ]


def test_a_rejected_proposal_is_followed_by_a_new_one(story: Story):
    inspection_id = basis_inspection(story)
    post(story, "", proposal([inspection_id]), story.tokens["qc_inspector"])

    rejected = post(story, "/1/reject", {"reason": "seals intact"}, story.tokens["manager"])
    again = post(story, "/1/approve", {}, story.tokens["manager"])
    second = post(story, "", proposal([inspection_id]), story.tokens["qc_inspector"])

    assert rejected.status_code == 200, rejected.text
    assert again.status_code == 409 and again.json()["field"] == "proposal"
    assert second.json()["proposal"] == 2
    proposals = read(story, story.tokens["manager"]).json()["proposals"]
    assert proposals[0]["rejection_reason"] == "seals intact" and proposals[1]["status"] == "pending"


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"shares": [share("supplier", "70"), share("carrier", "29")]}, 422, "shares"),
        ({"shares": [share("supplier", "50"), share("supplier", "50")]}, 422, "shares"),
        ({"shares": [share("supplier", "0"), share("carrier", "100")]}, 422, "shares.0.percent"),
        ({"basis": {"inspection_ids": [], "attachment_ids": []}}, 422, "basis"),
        ({"basis": {"inspection_ids": ["unknown"]}}, 404, "basis.inspection_ids.0"),
        ({"basis": {"attachment_ids": ["unknown"]}}, 404, "basis.attachment_ids.0"),
        ({"root_cause": "weather"}, 422, "root_cause"),
        ({"change_reason": "nothing approved yet"}, 422, "change_reason"),
        ({"extra": 1}, 422, "extra"),
    ],
    ids=[
        "99 %",
        "party twice",
        "zero share",
        "no basis",
        "unknown inspection",
        "unknown evidence",
        "unknown root cause",
        "change of nothing",
        "unknown field",
    ],
)
def test_a_refused_proposal_names_the_field(story: Story, change: dict[str, Any], status: int, field: str):
    body = proposal([story.opened()]) | change
    for kind in ("inspection_ids", "attachment_ids"):
        if body["basis"].get(kind) == ["unknown"]:
            body["basis"][kind] = [str(uuid.uuid4())]

    refused = post(story, "", body, story.tokens["qc_inspector"])

    assert refused.status_code == status, refused.text
    assert refused.json()["field"] == field
    assert read(story, story.tokens["manager"]).status_code == 404  # nothing recorded


def test_the_basis_must_be_this_cases_inspection_and_current_evidence(story: Story):
    in_time = registration(occurred_at=RAISED_AT)
    other_case = story.client.post(CASES, json=in_time, headers=auth(story.tokens["service_agent"]))
    other = Story(story.client, story.tokens, other_case.json()["id"], story.shipment_id, "")
    superseded = story.client.post(
        f"{CASES}/{story.case_id}/attachments/{story.report_id}/supersede",
        json={"reason": "report of another sample"},
        headers=auth(story.tokens["qc_inspector"]),
    )
    assert superseded.status_code == 200, superseded.text
    inspection_id = story.opened()

    foreign = post(other, "", proposal([inspection_id]), story.tokens["qc_inspector"])
    stale = post(story, "", proposal(attachment_ids=[story.report_id]), story.tokens["qc_inspector"])

    assert foreign.status_code == 422 and foreign.json()["field"] == "basis.inspection_ids.0"
    assert stale.status_code == 409 and stale.json()["field"] == "basis.attachment_ids.0"


def test_a_late_objection_awaits_the_override_and_other_cases_have_no_liability(story: Story):
    late = story.client.post(CASES, json=registration(), headers=auth(story.tokens["service_agent"]))
    complaint = story.client.post(
        CASES, json=registration(type="service_complaint"), headers=auth(story.tokens["service_agent"])
    )
    inspection_id = story.opened()

    for case in (late, complaint):
        refused = story.client.post(
            f"{CASES}/{case.json()['id']}/liability",
            json=proposal([inspection_id]),
            headers=auth(story.tokens["qc_inspector"]),
        )
        assert refused.status_code == 409 and refused.json()["field"] == "case_id", refused.text


def test_a_cement_objection_that_was_the_customers_own_practice(client: Any, tokens: dict[str, str]):
    cement = registration(
        customer={"id": "CUST-0107", "name": "Hubei Yangtze Ready-Mix"},
        product="Cement P.O 42.5",
        shipment_refs=["SHP-2026-1107"],
        description="28-day strength 38 MPa on site against 42.5 guaranteed",
    )
    case_id = client.post(CASES, json=cement, headers=auth(tokens["service_agent"])).json()["id"]
    report = client.post(
        f"{CASES}/{case_id}/attachments",
        files={
            "file": ("site-visit.pdf", b"%PDF-1.7\nsite visit: bags stored in open air\n", "application/pdf")
        },
        data={"kind": "other", "description": "Site visit report: bags stored unroofed, cubes cured dry"},
        headers=auth(tokens["engineer"]),
    ).json()["attachment_id"]
    body = proposal(
        attachment_ids=[report],
        shares=[share("customer", "100")],
        root_cause="customer_usage",
        rationale="retained samples conform (45.1 MPa); cement stored unroofed for 5 weeks, cubes cured dry",
    )

    proposed = client.post(f"{CASES}/{case_id}/liability", json=body, headers=auth(tokens["engineer"]))
    approved = client.post(f"{CASES}/{case_id}/liability/1/approve", headers=auth(tokens["manager"]))

    assert proposed.status_code == 201, proposed.text
    assert approved.status_code == 200, approved.text
    in_force = client.get(f"{CASES}/{case_id}/liability", headers=auth(tokens["qc_inspector"])).json()[
        "approved"
    ]
    assert in_force["shares"] == [{"party": "customer", "percent": "100", "part": None}]
    assert in_force["root_cause"] == "customer_usage"
    assert in_force["basis"] == {"inspection_ids": [], "attachment_ids": [report]}


def test_reading_is_recorded_under_the_case_and_staff_need_a_grant(story: Story, services: Any):
    nothing_yet = read(story, story.tokens["engineer"])
    post(story, "", proposal([story.opened()]), story.tokens["qc_inspector"])
    refused = read(story, story.tokens["staff"])
    half = read(story, story.tokens["engineer"], amount="100")
    cents = read(story, story.tokens["engineer"], amount="100.005", currency="CNY")
    unknown = story.client.get(f"{CASES}/{uuid.uuid4()}/liability", headers=auth(story.tokens["engineer"]))

    assert nothing_yet.status_code == 404
    assert refused.status_code == 403
    assert half.status_code == 422 and half.json()["field"] == "currency"
    assert cents.status_code == 422 and cents.json()["field"] == "amount"
    assert unknown.status_code == 404 and unknown.json()["field"] == "case_id"
    reads = [
        e for e in log_of(story.client, services, story.tokens, story.case_id) if e["what"] == "liability"
    ]
    assert [(e["userId"], e["refused"]) for e in reads] == [
        ("engineer-1", False),
        ("staff-1", True),
        ("engineer-1", False),
    ]


def test_openapi_documents_the_liability_routes_and_their_errors(client: Any):
    paths = client.get("/openapi.json").json()["paths"]

    commands = [p for p in paths if p.endswith(("/liability", "/approve", "/reject")) and "liability" in p]
    assert len(commands) == 3
    for path in commands:
        assert {"401", "403", "404", "409", "422"} <= set(paths[path]["post"]["responses"]), path
    read_responses = paths[f"{CASES}/{{case_id}}/liability"]["get"]["responses"]
    assert {"403", "404", "422"} <= set(read_responses) and "LiabilityPublic" in str(read_responses["200"])
