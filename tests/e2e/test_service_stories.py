"""The equipment and return stories of issue 6, driven through HTTP as the people involved would, and read
back through GraphQL as the after-sales manager sees them.

A KJ95X methane monitoring station in Anhui (a home region of its service contract) reports E-217: in
warranty, fixed on the first visit within every commitment, closed, followed up and rated by the customer.
The same station hosed down with its cabinet open: misuse, repaired at cost once the customer accepts the
quote. The same fault twice within warranty: a replacement unit is proposed. Wet coal returned for a
quality problem QC confirmed, exchanged to the customer's satisfaction. An engineer a day late: the
on-site commitment is breached and escalated to the manager.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

from domain.commitments import clock_alerts_id
from domain.equipment import installed_unit_id
from tests.conftest import auth
from tests.e2e.test_access import Later, read, settled
from tests.e2e.test_followups import due_cases, link_path
from tests.e2e.test_repairs import FAULT, SERVICE_RECORD_PDF
from tests.e2e.test_repairs import Desk as RepairDesk
from tests.e2e.test_returns import Returns
from tests.e2e.test_returns import returns as returns  # the fixture
from tests.e2e.test_returns_graphql import EXCHANGED
from tests.e2e.test_service_clocks import ALERTS
from tests.e2e.test_service_clocks import Desk as CommitmentDesk

CASES = "/api/v1/cases"
STATION = str(installed_unit_id("KJ-2025-0042"))
MISUSE_PHOTO = b"\x89PNG\r\n\x1a\n" + bytes(64)
CLOCKS = "serviceClocks { name state startedAt dueAt stoppedAt met breachedBy breachEscalated }"
UNIT_REPAIRS = "repairs { caseId faultCode inWarranty status visits firstVisitFix }"

FIRST_VISIT_FIX = f"""query ($caseId: ID!, $unitId: ID!, $customerId: String!) {{
  case(id: $caseId) {{ number status outcome {CLOCKS} }}
  repair(caseId: $caseId) {{
    serialNumber faultCode fixed
    decision {{ inWarranty exclusion }}
    visits {{ number engineer result signedBy signedAt }}
    replacement {{ proposed }}
  }}
  unit(id: $unitId) {{ serialNumber {UNIT_REPAIRS} }}
  userFile(customerId: $customerId) {{
    units {{ serialNumber }}
    cases {{ id type }}
    visits {{ caseId status firstVisitFix }}
    followUps {{ caseId reason rating ratedByCustomer }}
  }}
}}"""
FOLLOW_UPS = """query ($caseId: ID!, $customerId: String!) {
  case(id: $caseId) { status outcome }
  userFile(customerId: $customerId) { followUps { caseId reason status rating ratedByCustomer } }
}"""
AT_COST = f"""query ($caseId: ID!, $unitId: ID!) {{
  repair(caseId: $caseId) {{
    fixed
    decision {{ inWarranty exclusion evidenceAttachmentIds reason decidedBy }}
    quotes {{ number status total {{ amount currency }} travel {{ amount currency }} answeredAt }}
    visits {{ number result }}
  }}
  unit(id: $unitId) {{ {UNIT_REPAIRS} }}
}}"""
REPEAT_FAILURE = f"""query ($first: ID!, $second: ID!, $unitId: ID!) {{
  first: repair(caseId: $first) {{ replacement {{ proposed }} }}
  second: repair(caseId: $second) {{ replacement {{ proposed reason faultCode }} }}
  unit(id: $unitId) {{ {UNIT_REPAIRS} }}
}}"""
EXCHANGE = """query ($id: ID!, $caseId: ID!, $filter: ReturnFilter) {
  case(id: $caseId) { number }
  returnRequest(id: $id) {
    caseId shipmentReference status reason eligibility freightPaidBy qcResult reinspectionResult
    warehouseEntry exchangeShipmentReference customerSatisfied
    quantity { value unit } receivedQuantity { value unit }
    steps { step by role }
  }
  returns(first: 10, filter: $filter) {
    edges { node { id caseId caseNumber customerId shipmentReference eligibility status closedAt } }
  }
}"""
BREACH = f"""query ($caseId: ID!) {{ case(id: $caseId) {{ status {CLOCKS} }} }}"""


def manager_sees(client: Any, services: Any, tokens: dict[str, str], query: str, **variables: Any) -> Any:
    """What the manager reads once the read models hold everything recorded so far."""
    settled(services)
    return read(client, tokens["manager"], query, **variables)


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


def by_name(clocks: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {clock["name"]: clock for clock in clocks}


def case_step(client: Any, token: str, case_id: str, path: str, body: Any) -> None:
    response = client.post(f"{CASES}/{case_id}{path}", json=body, headers=auth(token))
    assert response.status_code in (200, 201), response.text


# -- 1. in warranty, fixed on the first visit, every commitment met --------------------------------------


def test_a_fault_in_warranty_is_fixed_on_the_first_visit_within_every_commitment_and_rated(
    client, services, tokens
):
    desk = CommitmentDesk(client, tokens, services)  # the contract's policy, the station serviced under it
    registered = datetime.now(UTC) - timedelta(hours=4)
    case_id = desk.fault_case(registered)  # acknowledged 10 min later, repair opened, in warranty

    def at(hours: int = 0, minutes: int = 0) -> str:
        return (registered + timedelta(hours=hours, minutes=minutes)).isoformat()

    dispatch = {"engineer": "engineer-1", "planned_at": at(1), "dispatched_at": at(minutes=20)}
    desk.repair(case_id, "/visits", dispatch, "service_agent")
    desk.repair(
        case_id, "/visits/1/arrival", {"arrived_at": at(1), "where": "Huainan No. 2, shaft 3"}, "engineer"
    )
    work = {
        "started_at": at(1, 10),
        "finished_at": at(1, 40),
        "work_done": "Power board replaced, station transmits methane readings again",
        "parts_used": [{"part_number": "PB-95X", "quantity": "1"}],
        "result": "fixed",
    }
    desk.repair(case_id, "/visits/1/work", work, "engineer")
    attached = client.post(
        f"{CASES}/{case_id}/attachments",
        data={"kind": "other", "description": "Service record signed by the customer"},
        files={"file": ("service-record.pdf", SERVICE_RECORD_PDF, "application/pdf")},
        headers=auth(tokens["engineer"]),
    )
    record = desk.ok(attached)["attachment_id"]
    signed = {"signer_name": "Li Qiang", "signed_at": at(2), "document_attachment_id": record}
    desk.repair(case_id, "/visits/1/service-record", signed, "engineer")

    seen = manager_sees(
        client, services, tokens, FIRST_VISIT_FIX, caseId=case_id, unitId=STATION, customerId="CUST-0042"
    )

    clocks = by_name(seen["case"]["serviceClocks"])
    assert {name: (c["state"], c["met"], c["breachedBy"]) for name, c in clocks.items()} == {
        "respond": ("stopped", True, None),
        "on_site": ("stopped", True, None),
        "fix": ("stopped", True, None),
        "signed_record": ("stopped", True, None),
    }
    assert {name: (moment(c["dueAt"]), moment(c["stoppedAt"])) for name, c in clocks.items()} == {
        "respond": (moment(at(minutes=30)), moment(at(minutes=10))),
        "on_site": (moment(at(24)), moment(at(1))),  # Anhui is a home region of SC-2026-0042: 24 h
        "fix": (moment(at(25, 10)), moment(at(1, 40))),  # 24 h from the start of work
        "signed_record": (moment(at(24)), moment(at(2))),
    }
    repair = seen["repair"]
    assert (repair["serialNumber"], repair["faultCode"], repair["fixed"]) == ("KJ-2025-0042", "E-217", True)
    assert repair["decision"] == {"inWarranty": True, "exclusion": None}
    [visit] = repair["visits"]
    assert (visit["number"], visit["engineer"], visit["result"], visit["signedBy"]) == (
        1,
        "engineer-1",
        "fixed",
        "Li Qiang",
    )
    assert moment(visit["signedAt"]) == moment(at(2))
    assert repair["replacement"] == {"proposed": False}
    assert seen["unit"]["repairs"] == [
        {
            "caseId": case_id,
            "faultCode": "E-217",
            "inWarranty": True,
            "status": "signed",
            "visits": 1,
            "firstVisitFix": True,
        }
    ]
    user_file = seen["userFile"]
    assert user_file["units"] == [{"serialNumber": "KJ-2025-0042"}]
    assert user_file["cases"] == [{"id": case_id, "type": "EQUIPMENT_FAULT"}]
    assert user_file["visits"] == [{"caseId": case_id, "status": "signed", "firstVisitFix": True}]
    assert user_file["followUps"] == []  # not closed yet

    # The repair is the resolution: proposed, accepted by the customer, carried out; then the case closes.
    agent = tokens["service_agent"]
    case_step(
        client, agent, case_id, "/resolution-proposals", {"kind": "repair", "description": "On-site repair"}
    )
    case_step(client, agent, case_id, "/accept-resolution", {"proposal": 1})
    case_step(client, agent, case_id, "/execute-resolution", {"details": "Board replaced; record signed"})
    case_step(client, agent, case_id, "/close", {"outcome": "resolved"})
    due = due_cases(client, services, agent)[case_id]
    path = link_path(client, case_id, agent)
    rated = client.post(path, json={"rating": 5, "comment": "Engineer on site within the hour"})  # no login

    assert (due["reason"], due["is_due"], due["is_started"], due["case_number"]) == (
        "warranty",
        True,
        False,
        seen["case"]["number"],
    )
    assert rated.status_code == 200, rated.text
    closed = manager_sees(client, services, tokens, FOLLOW_UPS, caseId=case_id, customerId="CUST-0042")
    assert closed["case"] == {"status": "CLOSED", "outcome": "RESOLVED"}
    assert closed["userFile"]["followUps"] == [
        {"caseId": case_id, "reason": "warranty", "status": "open", "rating": 5, "ratedByCustomer": True}
    ]
    assert due_cases(client, services, agent)[case_id]["rating"] == 5  # still due: the agent's outcome


# -- 2. excluded for misuse, repaired at cost ---------------------------------------------------------


def test_misuse_is_excluded_on_photo_evidence_and_repaired_at_cost_once_the_quote_is_accepted(
    client, services, tokens
):
    desk = RepairDesk(client, tokens)
    case_id = desk.fault_case()
    assert desk.post(case_id, "", FAULT, "engineer").status_code == 201
    photo = desk.attach(case_id, "flooded-cabinet.png", MISUSE_PHOTO, "image/png", "photo")
    misuse = {
        "in_warranty": False,
        "exclusion": "misuse",
        "evidence_attachment_ids": [photo],
        "reason": "Cabinet left open while the roadway was hosed down",
    }
    assert desk.post(case_id, "/warranty-decision", misuse, "engineer").status_code == 200
    before_any_quote = desk.post(case_id, "/visits", _dispatch(), "service_agent")
    quote = {
        "lines": [
            {
                "part_number": "PB-95X",
                "description": "Power board",
                "quantity": "1",
                "unit_price": {"amount": "2400.00", "currency": "CNY"},
            }
        ],
        "travel": {"amount": "600.00", "currency": "CNY"},
    }
    assert desk.post(case_id, "/quotes", quote, "engineer").status_code == 200
    before_acceptance = desk.post(case_id, "/visits", _dispatch(), "service_agent")
    assert desk.post(case_id, "/quotes/1/accept", {}, "service_agent").status_code == 200
    desk.visit_fixes_and_is_signed(case_id)

    seen = manager_sees(client, services, tokens, AT_COST, caseId=case_id, unitId=STATION)

    assert (before_any_quote.status_code, before_any_quote.json()["field"]) == (409, "quote")
    assert (before_acceptance.status_code, before_acceptance.json()["field"]) == (409, "quote")
    repair = seen["repair"]
    assert repair["decision"] == {
        "inWarranty": False,
        "exclusion": "misuse",
        "evidenceAttachmentIds": [photo],
        "reason": "Cabinet left open while the roadway was hosed down",
        "decidedBy": "engineer-1",
    }
    [accepted] = repair["quotes"]
    assert {k: accepted[k] for k in ("number", "status", "total", "travel")} == {
        "number": 1,
        "status": "accepted",
        "total": {"amount": "3000.00", "currency": "CNY"},
        "travel": {"amount": "600.00", "currency": "CNY"},
    }
    assert accepted["answeredAt"] is not None
    assert (repair["fixed"], repair["visits"]) == (True, [{"number": 1, "result": "fixed"}])
    [summary] = seen["unit"]["repairs"]
    assert (summary["inWarranty"], summary["status"], summary["firstVisitFix"]) == (False, "signed", True)


def _dispatch() -> dict[str, str]:
    return {"engineer": "engineer-1", "planned_at": (datetime.now(UTC) + timedelta(hours=4)).isoformat()}


# -- 3. the same fault twice within warranty ----------------------------------------------------------


def test_a_second_failure_of_the_same_fault_in_warranty_proposes_a_replacement_unit(client, services, tokens):
    desk = RepairDesk(client, tokens)
    first, second = desk.fault_case(), desk.fault_case()
    assert desk.post(first, "", FAULT, "service_agent").status_code == 201
    in_warranty = {"in_warranty": True, "reason": "Electrical, 18 months"}
    assert desk.post(first, "/warranty-decision", in_warranty, "engineer").status_code == 200
    desk.visit_fixes_and_is_signed(first)

    opened = desk.post(second, "", FAULT, "service_agent")
    read_back = desk.read(second, "manager")

    assert opened.status_code == 201, opened.text
    proposal = read_back.json()["replacement"]
    assert (proposal["proposed"], proposal["fault_code"]) == (True, "E-217")
    assert "failed 2 time(s) with fault E-217" in proposal["reason"]
    assert opened.json()["replacement"] == proposal
    seen = manager_sees(client, services, tokens, REPEAT_FAILURE, first=first, second=second, unitId=STATION)
    assert seen["first"]["replacement"] == {"proposed": False}  # as it stood at the first failure
    assert seen["second"]["replacement"] == {
        "proposed": True,
        "reason": proposal["reason"],
        "faultCode": "E-217",
    }
    repairs = {r["caseId"]: r for r in seen["unit"]["repairs"]}
    assert set(repairs) == {first, second}
    assert (repairs[first]["status"], repairs[first]["firstVisitFix"]) == ("signed", True)
    assert (repairs[second]["status"], repairs[second]["faultCode"], repairs[second]["visits"]) == (
        "opened",
        "E-217",
        0,
    )


# -- 4. a return for a confirmed quality problem, exchanged -------------------------------------------


def test_a_confirmed_quality_problem_is_returned_and_exchanged_to_the_customers_satisfaction(
    client, services, tokens, returns: Returns
):
    case_id = returns.story.case_id  # the wet coal of SHP-2026-0815, CUST-0042
    return_id = returns.applied()
    # QC's own word confirms the quality problem (a free return), through to the exchange shipment.
    *until_shipped, (feedback, satisfied, agent) = EXCHANGED
    for step, body, role in until_shipped:
        returns.step(return_id, step, body, role=role)
    late = {"satisfied": False, "comment": "The exchange coal came two days late"}
    kept_open = returns.step(return_id, "feedback", late)
    closed = returns.step(return_id, feedback, satisfied, role=agent)

    seen = manager_sees(
        client,
        services,
        tokens,
        EXCHANGE,
        id=return_id,
        caseId=case_id,
        filter={"customer": "CUST-0042", "reason": "QUALITY_PROBLEM", "status": "CLOSED"},
    )

    assert (kept_open.json()["status"], closed.json()["status"]) == ("exchange_shipped", "closed")
    exchange = seen["returnRequest"]
    assert {k: exchange[k] for k in ("caseId", "shipmentReference", "exchangeShipmentReference")} == {
        "caseId": case_id,
        "shipmentReference": "SHP-2026-0815",
        "exchangeShipmentReference": "SHP-2026-0901",
    }
    assert {
        k: exchange[k]
        for k in ("status", "reason", "eligibility", "freightPaidBy", "qcResult", "reinspectionResult")
    } == {
        "status": "CLOSED",
        "reason": "QUALITY_PROBLEM",
        "eligibility": "free",
        "freightPaidBy": "supplier",
        "qcResult": "confirmed",
        "reinspectionResult": "confirmed",
    }
    assert (exchange["warehouseEntry"], exchange["customerSatisfied"]) == ("RK-0815", True)
    assert exchange["receivedQuantity"] == exchange["quantity"] == {"value": "200", "unit": "t"}
    assert [(s["step"], s["by"]) for s in exchange["steps"]] == [
        ("ReturnApplied", "service_agent-1"),
        ("EligibilityDecided", "qc_inspector-1"),
        ("QcInspectionRecorded", "qc_inspector-1"),
        ("ReceiptChecked", "service_agent-1"),
        ("Reinspected", "qc_inspector-1"),
        ("EnteredWarehouse", "service_agent-1"),
        ("ExchangeShipped", "service_agent-1"),
        ("FeedbackRecorded", "service_agent-1"),
        ("FeedbackRecorded", "service_agent-1"),
    ]
    [listed] = [edge["node"] for edge in seen["returns"]["edges"]]
    assert {k: listed[k] for k in ("id", "caseId", "caseNumber", "customerId", "shipmentReference")} == {
        "id": return_id,
        "caseId": case_id,
        "caseNumber": seen["case"]["number"],
        "customerId": "CUST-0042",
        "shipmentReference": "SHP-2026-0815",
    }
    assert (listed["eligibility"], listed["status"]) == ("free", "CLOSED") and listed["closedAt"] is not None


# -- 5. the on-site commitment breached and escalated -------------------------------------------------


def test_an_engineer_a_day_late_breaches_the_on_site_commitment_and_the_manager_is_alerted(
    client, services, tokens
):
    desk = CommitmentDesk(client, tokens, services)  # Anhui, a home region: on site within 24 h
    registered = datetime.now(UTC) - timedelta(hours=1)
    case_id = desk.fault_case(registered)
    due = registered + timedelta(hours=24)
    settled(services)

    services.ledger.clock = Later(timedelta(hours=24))  # a day later: 25 h after the registration
    raised = services.clock_watch.run_once()
    breached = {
        e.clock: e
        for e in services.ledger.events.get(clock_alerts_id(case_id))
        if type(e).__name__ == "ClockBreached"
    }
    services.ledger.clock = Later(timedelta(hours=25))  # the engineer is sent, and arrives 90 min late
    arrives = registered + timedelta(hours=25, minutes=30)
    dispatch = {
        "engineer": "engineer-1",
        "planned_at": arrives.isoformat(),
        "dispatched_at": (registered + timedelta(hours=22)).isoformat(),
    }
    desk.repair(case_id, "/visits", dispatch, "service_agent")
    desk.repair(
        case_id, "/visits/1/arrival", {"arrived_at": arrives.isoformat(), "where": "Shaft 3"}, "engineer"
    )
    raised_again = services.clock_watch.run_once()

    seen = manager_sees(client, services, tokens, BREACH, caseId=case_id)  # the alerts' read model too
    alerts = client.get(ALERTS, headers=auth(tokens["manager"]))
    by_agent = client.get(ALERTS, headers=auth(tokens["service_agent"]))

    assert (raised, raised_again) == (2, 0)  # on site and signed record, each once
    on_site = breached["on_site"]
    assert set(breached) == {"on_site", "signed_record"}
    assert (on_site.escalated_to, on_site.due_at) == ("manager", due)
    assert on_site.breached_by == on_site.occurred_at - due  # as the watch saw it
    assert alerts.status_code == 200, alerts.text
    listed = {a["clock"]: a for a in alerts.json() if a["case_id"] == case_id}
    assert {clock: alert["kind"] for clock, alert in listed.items()} == {
        "on_site": "breached",
        "signed_record": "breached",
    }
    assert (listed["on_site"]["escalated_to"], moment(listed["on_site"]["due_at"])) == ("manager", due)
    assert listed["on_site"]["breached_by_seconds"] == on_site.breached_by.total_seconds()
    assert by_agent.status_code == 403
    clocks = by_name(seen["case"]["serviceClocks"])
    assert {k: clocks["on_site"][k] for k in ("state", "met", "breachedBy", "breachEscalated")} == {
        "state": "stopped",
        "met": False,
        "breachedBy": 5400.0,  # arrived 90 minutes after the due time
        "breachEscalated": True,
    }
    assert (moment(clocks["on_site"]["dueAt"]), moment(clocks["on_site"]["stoppedAt"])) == (due, arrives)
    assert {k: clocks["signed_record"][k] for k in ("state", "breachedBy", "breachEscalated")} == {
        "state": "running",  # as it stood at the arrival: no record signed yet
        "breachedBy": 5400.0,
        "breachEscalated": True,
    }
    assert (clocks["respond"]["met"], clocks["respond"]["breachEscalated"]) == (True, False)
    assert clocks["fix"]["state"] == "not_started"  # no work started yet
