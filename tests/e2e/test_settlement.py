"""Settlement through HTTP: the coal story of DOMAIN.md from CCIC's 5,210 kcal/kg and 1.15 % sulphur to
the price reduction the contract's rule computes, the manager's approval, the customer's signed
agreement and the credit note; and a rejected offer taken to arbitration (legal hold)."""

import hashlib
import uuid
from typing import Any

import pytest

from tests.conftest import auth
from tests.e2e.test_access import log_of
from tests.e2e.test_inspections import Story, appointment, coal_story, lab_result

CASES = "/api/v1/cases"
AGREEMENT_PDF = b"%PDF-1.7\nhandling agreement: price reduced by 160,500.00 CNY, signed Zhou Min\n"
SIGNED_AT = "2026-04-02T15:00:00+08:00"
SIGNER_SUBJECT_ID = "5b1ec7d0-0000-4000-8000-00000000a001"  # the signer as a data subject


@pytest.fixture
def story(client: Any, tokens: dict[str, str]) -> Story:
    return coal_story(client, tokens)


def post(story: Story, path: str, body: Any, role: str = "service_agent") -> Any:
    return story.client.post(
        f"{CASES}/{story.case_id}/settlement{path}", json=body, headers=auth(story.tokens[role])
    )


def read(story: Story, role: str = "engineer") -> Any:
    return story.client.get(f"{CASES}/{story.case_id}/settlement", headers=auth(story.tokens[role]))


def basis_inspection(story: Story, sulphur: str = "1.15") -> str:
    """The labs disagree on Qnet,ar, CCIC re-inspects: 5,210 kcal/kg; every lab finds `sulphur` % St,d."""
    inspection_id = story.opened()
    sulphur_value = {"value": sulphur}
    for kind, qnet in (("customer_lab", "5120"), ("supplier_qc", "5480")):
        body = lab_result(kind, qnet)
        body["values"]["St,d"] = sulphur_value
        assert story.post(f"/{inspection_id}/results", body).status_code == 201
    assert story.post(f"/{inspection_id}/reinspection", {"reason": "360 kcal/kg apart"}).status_code == 200
    assert story.post(f"/{inspection_id}/agency", appointment(), role="manager").status_code == 200
    third = lab_result("third_party_agency", "5210", agency="CCIC")
    third["values"]["St,d"] = sulphur_value
    recorded = story.post(f"/{inspection_id}/results", third)
    assert recorded.status_code == 201, recorded.text
    return inspection_id


def price_cut(inspection_id: str) -> dict[str, Any]:
    return {
        "kind": "price_adjustment",
        "inspection_id": inspection_id,
        "description": "Price reduced per clause 7 of the contract on CCIC's re-inspection",
    }


def attach_agreement(story: Story) -> str:
    attached = story.client.post(
        f"{CASES}/{story.case_id}/attachments",
        files={"file": ("handling-agreement.pdf", AGREEMENT_PDF, "application/pdf")},
        data={"kind": "other", "description": "Handling agreement signed by the customer"},
        headers=auth(story.tokens["service_agent"]),
    )
    assert attached.status_code == 201, attached.text
    return str(attached.json()["attachment_id"])


def signature(attachment_id: str) -> dict[str, str]:
    return {
        "signer_name": "Zhou Min",
        "signer_role": "purchasing manager, Huadian Jiangsu power plant",
        "signed_at": SIGNED_AT,
        "document_attachment_id": attachment_id,
        "subject_id": SIGNER_SUBJECT_ID,
    }


def test_the_price_cut_is_computed_approved_signed_and_executed_by_a_credit_note(story: Story):
    proposed = post(story, "", price_cut(basis_inspection(story)))
    document = attach_agreement(story)

    before_approval = post(story, "/1/sign", signature(document))
    by_agent = post(story, "/1/approve", {})
    approved = post(story, "/1/approve", {}, role="manager")
    signed = post(story, "/1/sign", signature(document))
    executed = post(story, "/execution", {"kind": "credit_note", "reference": "CN-2026-0042"})

    assert proposed.status_code == 201, proposed.text
    assert proposed.json()["proposal"] == 1 and proposed.headers["ETag"] == '"2"'
    assert before_approval.status_code == 409 and before_approval.json()["field"] == "proposal"
    assert by_agent.status_code == 403
    assert (approved.status_code, signed.status_code, executed.status_code) == (200, 200, 200), executed.text
    settlement = read(story, "auditor").json()
    [offer] = settlement["proposals"]
    assert offer["amount"] == {"amount": "-160500.00", "currency": "CNY"}
    assert [line["amount"]["amount"] for line in offer["calculation"]] == ["-130500.00", "-30000.00"]
    assert offer["calculation"][0]["text"] == (
        "Qnet,ar 5,210 kcal/kg is 290 kcal/kg below 5,500 kcal/kg: "
        "290 ÷ 100 kcal/kg = 2.9 steps (partial steps pro rata) x 15.00 CNY/t x 3,000 t"
    )
    assert (offer["needs_approval"], offer["approved_by"], offer["status"]) == (True, "manager-1", "executed")
    assert offer["agreement"] == {
        "signer_name": "Zhou Min",
        "signer_role": "purchasing manager, Huadian Jiangsu power plant",
        "signed_at": "2026-04-02T15:00:00+08:00",
        "document_attachment_id": document,
        "document_sha256": hashlib.sha256(AGREEMENT_PDF).hexdigest(),
        "subject_id": SIGNER_SUBJECT_ID,
    }
    assert settlement["closed"] and settlement["execution"]["reference"] == "CN-2026-0042"
    assert settlement["legal_hold"] is False


def test_a_rejected_offer_goes_to_arbitration_and_the_case_under_legal_hold(story: Story):
    compensation = {
        "kind": "compensation",
        "description": "Demurrage at the plant",
        "amount": {"amount": "12000.00", "currency": "CNY"},
    }
    proposed = post(story, "", compensation)
    too_early = post(story, "/arbitration", {"reason": "no answer"}, role="manager")
    rejected = post(story, "/1/reject", {"reason": "wants 5 % off", "next_step": "arbitration"})
    by_agent = post(story, "/arbitration", {"reason": "CIETAC"})
    escalated = post(story, "/arbitration", {"reason": "customer filed with CIETAC"}, role="manager")
    after = post(story, "", compensation)

    assert proposed.status_code == 201, proposed.text
    assert too_early.status_code == 409 and too_early.json()["field"] == "reason"
    assert rejected.status_code == 200, rejected.text
    assert by_agent.status_code == 403
    assert escalated.status_code == 200, escalated.text
    assert after.status_code == 409
    settlement = read(story).json()
    assert settlement["legal_hold"] is True
    assert settlement["proposals"][0]["needs_approval"] is False
    assert (settlement["proposals"][0]["status"], settlement["proposals"][0]["next_step"]) == (
        "rejected",
        "arbitration",
    )


def test_no_price_cut_without_a_basis_and_a_return_where_the_rule_says_reject(story: Story):
    pending = story.opened()
    assert story.result(pending, "customer_lab", "5120").status_code == 201
    too_sulphurous = basis_inspection(story, sulphur="2.30")

    not_ready = post(story, "", price_cut(pending))
    rejecting = post(story, "", price_cut(too_sulphurous))
    unknown = post(story, "", price_cut(str(uuid.uuid4())))

    assert not_ready.status_code == 409 and not_ready.json()["field"] == "inspection_id"
    assert rejecting.status_code == 409 and rejecting.json()["field"] == "kind"
    assert "rejection threshold" in rejecting.json()["detail"]
    assert unknown.status_code == 404 and unknown.json()["field"] == "inspection_id"
    assert read(story).status_code == 404  # nothing recorded


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"kind": "compensation", "description": "x"}, 422, "amount"),
        ({"kind": "price_adjustment", "description": "x"}, 422, "inspection_id"),
        ({"kind": "replacement", "description": "x", "colour": "black"}, 422, "colour"),
        ({"kind": "barter", "description": "x"}, 422, "kind"),
    ],
    ids=["compensation without amount", "adjustment without inspection", "unknown field", "unknown kind"],
)
def test_a_refused_proposal_names_the_field(story: Story, body: dict[str, Any], status: int, field: str):
    refused = post(story, "", body)

    assert refused.status_code == status, refused.text
    assert refused.json()["field"] == field


def test_the_signed_document_must_be_a_current_attachment_of_the_case(story: Story):
    post(story, "", {"kind": "replacement", "description": "3,000 t of 5,500 kcal/kg coal in April"})

    missing = post(story, "/1/sign", signature(str(uuid.uuid4())))
    refused = post(story, "/1/sign", signature(story.report_id), role="qc_inspector")

    assert missing.status_code == 404 and missing.json()["field"] == "document_attachment_id"
    assert refused.status_code == 403


def test_reading_is_recorded_under_the_case_and_staff_need_a_grant(story: Story, services: Any):
    nothing_yet = read(story)
    post(story, "", {"kind": "replacement", "description": "3,000 t in April"})
    refused = read(story, "staff")

    assert nothing_yet.status_code == 404
    assert refused.status_code == 403
    reads = [
        e for e in log_of(story.client, services, story.tokens, story.case_id) if e["what"] == "settlement"
    ]
    assert [(e["userId"], e["refused"]) for e in reads] == [("staff-1", True), ("engineer-1", False)]


CASE = """query ($id: ID!) { case(id: $id) { status outcome legalHold timeline { eventType summary } } }"""


def case_read(story: Story, services: Any) -> dict[str, Any]:
    """The case as GraphQL shows it once the read models have caught up with every write."""
    assert services.projection_runner.wait_until(services.ledger.recorder.max_notification_id(), 5)
    body = {"query": CASE, "variables": {"id": story.case_id}}
    answer = story.client.post("/graphql", json=body, headers=auth(story.tokens["manager"])).json()
    assert "errors" not in answer, answer
    return dict(answer["data"]["case"])


def test_the_case_follows_its_settlement_until_the_customer_is_satisfied(story: Story, services: Any):
    assert post(story, "", price_cut(basis_inspection(story))).status_code == 201
    assert post(story, "/1/approve", {}, role="manager").status_code == 200
    assert post(story, "/1/sign", signature(attach_agreement(story))).status_code == 200
    signed = case_read(story, services)
    early = story.client.post(
        f"{CASES}/{story.case_id}/satisfaction",
        json={"satisfied": True},
        headers=auth(story.tokens["service_agent"]),
    )
    assert post(story, "/execution", {"kind": "credit_note", "reference": "CN-2026-0042"}).status_code == 200
    executed = case_read(story, services)

    def satisfaction(body: dict[str, Any]) -> Any:
        headers = auth(story.tokens["service_agent"])
        return story.client.post(f"{CASES}/{story.case_id}/satisfaction", json=body, headers=headers)

    no_reason = satisfaction({"satisfied": False})
    not_yet = satisfaction({"satisfied": False, "comment": "The credit note has not reached our finance"})
    satisfied = satisfaction({"satisfied": True, "comment": "Credit received"})
    closed = case_read(story, services)

    assert signed["status"] == "RESOLUTION_ACCEPTED"
    assert early.status_code == 409
    assert executed["status"] == "RESOLUTION_EXECUTED"
    assert (no_reason.status_code, no_reason.json()["field"]) == (422, "comment")
    assert (not_yet.status_code, satisfied.status_code) == (200, 200)
    assert (closed["status"], closed["outcome"], closed["legalHold"]) == ("CLOSED", "RESOLVED", False)
    assert [e["eventType"] for e in closed["timeline"]][-4:] == [
        "SettlementAgreed",
        "SettlementExecuted",
        "SatisfactionDeclared",
        "SatisfactionDeclared",
    ]


def test_arbitration_puts_the_case_itself_under_legal_hold(story: Story, services: Any):
    compensation = {
        "kind": "compensation",
        "description": "Demurrage",
        "amount": {"amount": "800", "currency": "CNY"},
    }
    assert post(story, "", compensation).status_code == 201
    assert post(story, "/1/reject", {"reason": "too little", "next_step": "arbitration"}).status_code == 200
    assert (
        post(story, "/arbitration", {"reason": "customer filed with CIETAC"}, role="manager").status_code
        == 200
    )

    held = case_read(story, services)

    assert held["legalHold"] is True
    assert held["timeline"][-1]["summary"] == "Placed under legal hold: nothing about the case may be erased"
