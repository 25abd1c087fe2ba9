"""The supervision through HTTP: a complaint about staff is verified, someone is held accountable, the
customer gets an apology; the report lists every service complaint, reviewed or not, with its age."""

from datetime import UTC, datetime
from typing import Any

from tests.conftest import auth, registration
from tests.e2e.test_access import settled

REPORT = "/api/v1/supervision/complaints"


def complaint(client: Any, token: str) -> str:
    body = registration(type="service_complaint", description="The driver was rude to our gate staff")
    registered = client.post("/api/v1/cases", json=body, headers=auth(token))
    assert registered.status_code == 201, registered.text
    return str(registered.json()["id"])


def review(case_id: str, step: str = "") -> str:
    return f"/api/v1/cases/{case_id}/complaint-review{step}"


def report(client: Any, services: Any, token: str) -> dict[str, dict[str, Any]]:
    settled(services)
    listed = client.get(REPORT, headers=auth(token))
    assert listed.status_code == 200, listed.text
    return {line["case_id"]: line for line in listed.json()}


def test_a_complaint_about_staff_is_verified_held_to_account_apologised_for_and_closed(
    client, services, tokens
):
    supervisor = auth(tokens["supervisor"])
    case_id = complaint(client, tokens["service_agent"])

    verified = client.post(
        review(case_id, "/verification"),
        json={"outcome": "substantiated", "findings": "Two witnesses confirm it"},
        headers=supervisor,
    )
    early = client.post(review(case_id, "/close"), json={"summary": "Dealt with"}, headers=supervisor)
    held = client.post(
        review(case_id, "/accountability"),
        json={"staff_member": "driver-7", "measure": "Written warning and customer-care training"},
        headers=supervisor,
    )
    apology = {
        "channel": "visit",
        "apologised_at": datetime.now(UTC).isoformat(),
        "apologised_by": "manager-1",
        "to_whom": "The customer's contact person",
    }
    apologised = client.post(review(case_id, "/apology"), json=apology, headers=supervisor)
    closed = client.post(review(case_id, "/close"), json={"summary": "Driver warned"}, headers=supervisor)

    assert verified.status_code == 201, verified.text
    assert (early.status_code, early.json()["field"]) == (409, "status")
    assert (held.status_code, apologised.status_code, closed.status_code) == (200, 200, 200), closed.text
    read = client.get(review(case_id), headers=auth(tokens["auditor"])).json()
    assert (read["outcome"], read["status"], read["accountable"]) == ("substantiated", "closed", ["driver-7"])
    line = report(client, services, tokens["supervisor"])[case_id]
    assert (line["outcome"], line["review_status"], line["accountability_records"]) == (
        "substantiated",
        "closed",
        1,
    )


def test_the_report_lists_an_unreviewed_complaint_with_its_age(client, services, tokens):
    case_id = complaint(client, tokens["service_agent"])
    objection = client.post("/api/v1/cases", json=registration(), headers=auth(tokens["service_agent"]))

    listed = report(client, services, tokens["manager"])
    graphql = client.post(
        "/graphql",
        json={"query": "{ serviceComplaints { caseId outcome reviewStatus ageDays } }"},
        headers=auth(tokens["supervisor"]),
    )

    assert objection.json()["id"] not in listed
    assert (listed[case_id]["outcome"], listed[case_id]["review_status"], listed[case_id]["age_days"]) == (
        None,
        None,
        0,
    )
    assert graphql.status_code == 200, graphql.text
    assert {"caseId": case_id, "outcome": None, "reviewStatus": None, "ageDays": 0} in graphql.json()["data"][
        "serviceComplaints"
    ]


def test_only_the_supervision_reviews_and_only_service_complaints(client, tokens):
    case_id = complaint(client, tokens["service_agent"])
    objection = client.post(
        "/api/v1/cases", json=registration(), headers=auth(tokens["service_agent"])
    ).json()
    body = {"outcome": "not_substantiated", "findings": "The gate log shows otherwise"}

    by_manager = client.post(review(case_id, "/verification"), json=body, headers=auth(tokens["manager"]))
    wrong_case = client.post(
        review(objection["id"], "/verification"), json=body, headers=auth(tokens["supervisor"])
    )
    unfounded = client.post(review(case_id, "/verification"), json=body, headers=auth(tokens["supervisor"]))
    nobody_to_blame = client.post(
        review(case_id, "/accountability"),
        json={"staff_member": "driver-7", "measure": "none"},
        headers=auth(tokens["supervisor"]),
    )

    assert (by_manager.status_code, wrong_case.status_code, unfounded.status_code) == (403, 409, 201)
    assert (nobody_to_blame.status_code, nobody_to_blame.json()["field"]) == (409, "outcome")
