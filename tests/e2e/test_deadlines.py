"""Step deadlines through HTTP: a contract's own limits, a coal objection acknowledged in time, its joint
sampling before the registration, a lab step that runs past its limit, the liability approval, the
customer's signature, and a case closed without a settlement."""

import uuid
from datetime import datetime, timedelta
from typing import Any

from domain.shipment import contract_id
from tests.conftest import auth, registration
from tests.e2e.test_access import log_of, settled
from tests.e2e.test_inspections import INSPECTIONS, RAISED_AT, SAMPLED_AT, coal_story, lab_result, sampling
from tests.e2e.test_liability import proposal
from tests.e2e.test_settlement import SIGNED_AT, attach_agreement, signature
from tests.e2e.test_shipments import COAL_CONTRACT, shipment

ACKNOWLEDGED_AT = "2026-03-21T15:00:00+08:00"  # 30 hours after the customer raised it
LIMITS = {"acknowledge_hours": 48, "test_hours": 120}


def register(client: Any, tokens: dict[str, str], **body: Any) -> str:
    response = client.post("/api/v1/contracts", json=COAL_CONTRACT | body, headers=auth(tokens["manager"]))
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def objection(client: Any, tokens: dict[str, str]) -> str:
    """The quality objection that names SHP-2026-0815, acknowledged 30 hours after it was raised."""
    case = client.post(
        "/api/v1/cases", json=registration(occurred_at=RAISED_AT), headers=auth(tokens["service_agent"])
    )
    assert case.status_code == 201, case.text
    case_id = str(case.json()["id"])
    acknowledged = client.post(
        f"/api/v1/cases/{case_id}/acknowledge",
        json={"occurred_at": ACKNOWLEDGED_AT},
        headers=auth(tokens["service_agent"]),
    )
    assert acknowledged.status_code == 200, acknowledged.text
    return case_id


def deadlines(client: Any, tokens: dict[str, str], case_id: str, role: str = "service_agent") -> Any:
    response = client.get(f"/api/v1/cases/{case_id}/deadlines", headers=auth(tokens[role]))
    assert response.status_code == 200, response.text
    body = response.json()
    return body, {step["step"]: step for step in body["steps"]}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def inspected(client: Any, tokens: dict[str, str], *results: tuple[str, str]) -> tuple[str, str, list[str]]:
    """A contract with its own limits, its shipment, the objection that names it and an inspection of it
    with the given (lab kind, Qnet,ar) results: the case's, the inspection's and the results' ids."""
    registered = register(client, tokens, step_limits=LIMITS)
    recorded = client.post("/api/v1/shipments", json=shipment(registered), headers=auth(tokens["manager"]))
    assert recorded.status_code == 201, recorded.text
    case_id = objection(client, tokens)
    opened = client.post(
        INSPECTIONS,
        json={"case_id": case_id, "shipment_id": recorded.json()["id"], "sampling": sampling()},
        headers=auth(tokens["qc_inspector"]),
    )
    assert opened.status_code == 201, opened.text
    inspection_id = str(opened.json()["id"])
    result_ids = []
    for kind, qnet in results:
        result = client.post(
            f"{INSPECTIONS}/{inspection_id}/results",
            json=lab_result(kind, qnet),
            headers=auth(tokens["qc_inspector"]),
        )
        assert result.status_code == 201, result.text
        result_ids.append(str(result.json()["result_id"]))
    return case_id, inspection_id, result_ids


# 20 kcal/kg apart, within GB/T 213's reproducibility: the labs agree, and their mean is the basis.
AGREEING = (("customer_lab", "5460"), ("supplier_qc", "5480"))


def test_a_coal_objection_meets_its_first_steps_and_the_lab_runs_past_its_limit(client, services, tokens):
    case_id, _, _ = inspected(client, tokens)
    settled(services)  # the case's inspections are listed by a read model

    body, steps = deadlines(client, tokens, case_id)

    assert body["contract_id"] == str(contract_id(COAL_CONTRACT["number"]))
    assert [s["step"] for s in body["steps"]] == ["acknowledge", "sample", "test", "determine", "settle"]
    assert [s["limit_hours"] for s in body["steps"]] == [48, 72, 120, 120, 240]
    acknowledge, sample, test = steps["acknowledge"], steps["sample"], steps["test"]
    assert at(acknowledge["due_at"]) == at(RAISED_AT) + timedelta(hours=48)
    assert (acknowledge["met"], acknowledge["overdue"]) == (True, False)
    # Joint sampling at unloading came before the objection: the sampling step is met at once.
    assert at(sample["starts_at"]) == at(ACKNOWLEDGED_AT) and at(sample["done_at"]) == at(SAMPLED_AT)
    assert sample["met"] is True
    # The lab's clock started at the sampling: five days later its results are overdue.
    assert at(test["due_at"]) == at(SAMPLED_AT) + timedelta(hours=120)
    assert (test["done_at"], test["met"], test["overdue"]) == (None, None, True)
    assert (steps["determine"]["due_at"], steps["determine"]["overdue"]) == (None, False)


def test_the_test_step_is_done_when_the_basis_result_is_recorded_and_a_correction_does_not_move_it(
    client, services, tokens
):
    case_id, inspection_id, [customer_result, _] = inspected(client, tokens, *AGREEING)
    settled(services)

    _, steps = deadlines(client, tokens, case_id)
    corrected = client.post(
        f"{INSPECTIONS}/{inspection_id}/results/{customer_result}/corrections",
        json={"values": {"Mt": {"value": "10.5"}}, "reason": "Transcription error"},
        headers=auth(tokens["qc_inspector"]),
    )
    assert corrected.status_code == 201, corrected.text
    _, after_correction = deadlines(client, tokens, case_id)

    test, determine = steps["test"], steps["determine"]
    assert (test["met"], test["overdue"]) == (False, False)  # recorded months after its due time
    assert at(determine["starts_at"]) == at(test["done_at"])
    assert at(determine["due_at"]) == at(test["done_at"]) + timedelta(hours=120)
    assert (determine["done_at"], determine["overdue"]) == (None, False)
    assert after_correction["test"]["done_at"] == test["done_at"]


def test_the_determination_is_done_when_a_manager_approves_the_liability(client, services, tokens):
    case_id, inspection_id, _ = inspected(client, tokens, *AGREEING)
    liability = f"/api/v1/cases/{case_id}/liability"
    proposed = client.post(liability, json=proposal([inspection_id]), headers=auth(tokens["qc_inspector"]))
    assert proposed.status_code == 201, proposed.text
    approved = client.post(f"{liability}/1/approve", json={}, headers=auth(tokens["manager"]))
    assert approved.status_code == 200, approved.text
    settled(services)

    _, steps = deadlines(client, tokens, case_id)

    determine, settle = steps["determine"], steps["settle"]
    assert (determine["done_at"] is not None, determine["met"], determine["overdue"]) == (True, True, False)
    assert at(settle["starts_at"]) == at(determine["done_at"])
    assert (settle["done_at"], settle["met"], settle["overdue"]) == (None, None, False)


def test_the_settlement_is_done_when_the_customer_signs_and_the_steps_it_passed_over_are_skipped(
    client, services, tokens
):
    story = coal_story(client, tokens)  # registered, never acknowledged, sampled nor tested
    compensation = {
        "kind": "compensation",
        "description": "Goodwill",
        "amount": {"amount": "1200.00", "currency": "CNY"},
    }
    proposed = client.post(
        f"/api/v1/cases/{story.case_id}/settlement", json=compensation, headers=auth(tokens["service_agent"])
    )
    assert proposed.status_code == 201, proposed.text
    signed = client.post(
        f"/api/v1/cases/{story.case_id}/settlement/1/sign",
        json=signature(attach_agreement(story)),
        headers=auth(tokens["service_agent"]),
    )
    assert signed.status_code == 200, signed.text

    _, steps = deadlines(client, tokens, story.case_id)

    settle = steps["settle"]
    assert at(settle["done_at"]) == at(SIGNED_AT)
    # Every step before was passed over: the settlement's clock started at the registration.
    assert [steps[s]["skipped"] for s in ("acknowledge", "sample", "test", "determine")] == [True] * 4
    assert at(settle["starts_at"]) == at(RAISED_AT) and settle["met"] is False
    assert not any(step["overdue"] for step in steps.values())


def test_a_case_closed_without_a_settlement_is_settled_when_closed_and_nothing_is_overdue(client, tokens):
    case_id = objection(client, tokens)
    closed_at = "2026-03-25T10:00:00+08:00"
    closed = client.post(
        f"/api/v1/cases/{case_id}/close",
        json={
            "outcome": "unfounded",
            "reason": "The customer's lab dried the sample",
            "occurred_at": closed_at,
        },
        headers=auth(tokens["manager"]),
    )
    assert closed.status_code == 200, closed.text

    _, steps = deadlines(client, tokens, case_id)

    settle = steps["settle"]
    assert (at(settle["done_at"]), at(settle["starts_at"]), settle["met"]) == (
        at(closed_at),
        at(ACKNOWLEDGED_AT),
        True,
    )
    assert not any(step["overdue"] for step in steps.values())


def test_a_case_whose_shipment_is_not_recorded_has_the_default_limits(client, services, tokens):
    case_id = objection(client, tokens)

    body, steps = deadlines(client, tokens, case_id, role="auditor")

    assert body["contract_id"] is None
    assert [s["limit_hours"] for s in body["steps"]] == [24, 72, 240, 120, 240]
    assert (steps["acknowledge"]["met"], steps["sample"]["overdue"]) == (False, True)
    assert [entry["what"] for entry in log_of(client, services, tokens, case_id)] == ["deadlines"]


def test_deadlines_of_an_unknown_case_are_404_and_staff_need_a_grant(client, tokens):
    case_id = objection(client, tokens)

    unknown = client.get(f"/api/v1/cases/{uuid.uuid4()}/deadlines", headers=auth(tokens["manager"]))
    staff = client.get(f"/api/v1/cases/{case_id}/deadlines", headers=auth(tokens["staff"]))

    assert (unknown.status_code, unknown.json()["field"]) == (404, "id")
    assert staff.status_code == 403, staff.text
