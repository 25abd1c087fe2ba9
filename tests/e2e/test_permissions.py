"""The permission matrix, route by route and field by field, for every role, through HTTP.

Each surface (a REST route or a GraphQL field) names the permission it needs; every role sends one
valid request to it, and gets 403 exactly when `PERMISSIONS` gives that role nothing there. The
README's table is rendered from the same two lists, so it cannot drift from what the API does.
"""

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from api.app import create_app
from api.bootstrap import Services, bootstrap
from api.graphql import schema
from application.authorization import PERMISSIONS, Allowance, Command, Subject, allowance
from domain.access import ReadKind
from domain.actor import Role
from infra.settings import Settings
from tests.conftest import _with_dbname, auth, registration
from tests.e2e.test_access import settled
from tests.e2e.test_capa import ACTIONS, action
from tests.e2e.test_inspections import appointment, lab_result, sampling
from tests.e2e.test_liability import proposal
from tests.e2e.test_returns import CONFIRMED, FREE, IN_WAREHOUSE, RECEIVED_IN_FULL, application
from tests.e2e.test_shipments import COAL_CONTRACT, shipment
from tests.e2e.test_units import unit

README = Path(__file__).parents[2] / "README.md"


@dataclass
class World:
    """One database for the whole module: a case, and grants in the states the surfaces need."""

    services: Services
    client: TestClient
    tokens: dict[Role, str]
    case_id: str = ""
    pending_grant: str = ""  # requested by staff, for approve/reject
    staff_grant: str = ""  # requested by staff, for revoke
    read_grant: str = ""  # approved: staff read the case under it
    attachment_id: str = ""  # evidence of the case, to download and supersede
    contract_id: str = ""  # a registered contract, to read and record shipments under
    shipment_id: str = ""  # a shipment recorded without its arrival, to read and record the arrival
    inspection_id: str = ""  # an inspection of the case's shipment, with the customer lab's result
    result_id: str = ""  # that result, to correct
    inspected_shipment: str = ""  # the shipment the case names (SHP-2026-0815), which the inspection samples
    proposal: int = 1  # QC's liability proposal on the case, resting on the inspection, to approve or reject
    action_id: str = ""  # an open corrective action of the case, to reassign, reschedule and cancel
    completed_action: str = ""  # a corrective action the admin completed, to verify
    owned_actions: dict[str, str] = field(default_factory=dict)  # by token: an action its user owns
    return_id: str = ""  # a return of the case's shipment: each step is authorised, then taken or refused
    unit_id: str = ""  # a registered installed unit, to read and record an inspection visit of


Send = Callable[[World, str], Any]


@dataclass(frozen=True)
class Surface:
    label: str  # as the README's table shows it
    subject: Subject
    send: Send
    route: tuple[str, str] | None = None  # (method, FastAPI path) of a REST route
    field: str | None = None  # the GraphQL Query field


def rest(method: str, path: str, subject: Subject, body: Any = None, label: str = "") -> Surface:
    def send(world: World, token: str) -> Any:
        url = path.format(
            case_id=world.case_id,
            grant_id=world.pending_grant,
            staff_grant=world.staff_grant,
            attachment_id=world.attachment_id,
            contract_id=world.contract_id,
            shipment_id=world.shipment_id,
            inspection_id=world.inspection_id,
            result_id=world.result_id,
            proposal=world.proposal,
            action_id=world.action_id,
            completed_action=world.completed_action,
            return_id=world.return_id,
            unit_id=world.unit_id,
            quote=1,  # the repair routes' numbers: the module's case has no repair, so any will do
            visit=1,
        )
        sent = body(world) if callable(body) else body  # a body that needs the world's ids, or a new key
        return world.client.request(method, url, json=sent, headers=auth(token))

    route_path = path.replace("{staff_grant}", "{grant_id}").replace("{completed_action}", "{action_id}")
    shown = route_path.split("?")[0].replace("{case_id}", "{id}").replace("{grant_id}", "{id}")
    return Surface(label or f"`{method} {shown}`", subject, send, route=(method, route_path))


def graphql(field: str, query: str, subject: Subject, label: str = "") -> Surface:
    def send(world: World, token: str) -> Any:
        variables = {
            "id": world.case_id,
            "number": "AS-1999-000001",
            "inspection": world.inspection_id,
            "unit": world.unit_id,
            "return": world.return_id,
        }
        used = {k: v for k, v in variables.items() if f"${k}" in query}
        return world.client.post("/graphql", json={"query": query, "variables": used}, headers=auth(token))

    return Surface(label or f"GraphQL `{field}`", subject, send, field=field)


def upload(label: str) -> Surface:
    """The multipart evidence upload: a new file each time, so no upload is refused as a duplicate."""

    def send(world: World, token: str) -> Any:
        files = {"file": ("ticket.pdf", b"%PDF-1.7\n" + uuid.uuid4().bytes, "application/pdf")}
        data = {"kind": "weighbridge_ticket"}
        return world.client.post(
            f"/api/v1/cases/{world.case_id}/attachments", files=files, data=data, headers=auth(token)
        )

    return Surface(
        label, Command.ATTACH_EVIDENCE, send, route=("POST", "/api/v1/cases/{case_id}/attachments")
    )


def completion(label: str) -> Surface:
    """Completing a corrective action: each user sends it for an action they own, so an owner's role
    that may complete only its own is seen allowed; the others send it for the case's open action."""

    def send(world: World, token: str) -> Any:
        action_id = world.owned_actions.get(token, world.action_id)
        return world.client.post(
            f"{ACTIONS}/{action_id}/complete", json={"what_was_done": "Done"}, headers=auth(token)
        )

    route = ("POST", "/api/v1/corrective-actions/{action_id}/complete")
    return Surface(label, Command.COMPLETE_CORRECTIVE_ACTION, send, route=route)


def _until() -> str:
    return (datetime.now(UTC) + timedelta(days=7)).isoformat()


CASES = "/api/v1/cases/{case_id}"
GRANTS = "/api/v1/access-grants"
INTEGRITY = "/api/v1/integrity"
INSPECTIONS = "/api/v1/inspections"
INSPECTION = INSPECTIONS + "/{inspection_id}"
ACTION = ACTIONS + "/{action_id}"
PAYMENT = {"kind": "compensation", "amount": {"amount": "120.00", "currency": "CNY"}, "description": "x"}
RETURN = "/api/v1/returns/{return_id}"


def return_step(step: str, subject: Subject, body: Any, label: str = "") -> Surface:
    return rest("POST", f"{RETURN}/{step}", subject, body, label or f"`POST /api/v1/returns/{{id}}/{step}`")


SURFACES: list[Surface] = [
    rest("POST", "/api/v1/cases", Command.REGISTER, registration()),
    rest("POST", f"{CASES}/acknowledge", Command.ACKNOWLEDGE, {}),
    rest("POST", f"{CASES}/assign", Command.ASSIGN, {"department": "QC", "assignee": "qc-1"}),
    rest("POST", f"{CASES}/notes", Command.ADD_NOTE, {"text": "Sample taken"}),
    rest(
        "POST",
        f"{CASES}/resolution-proposals",
        Command.PROPOSE_RESOLUTION,
        {"kind": "advice_only", "description": "Store it dry"},
        label="`POST /api/v1/cases/{id}/resolution-proposals` without money (advice, repair, replacement)",
    ),
    rest(
        "POST",
        f"{CASES}/resolution-proposals",
        Command.PROPOSE_PAYMENT,
        PAYMENT,
        label="`POST /api/v1/cases/{id}/resolution-proposals` with money (compensation, price reduction, "
        "refund, any amount)",
    ),
    rest("POST", f"{CASES}/accept-resolution", Command.RECORD_CUSTOMER_ANSWER, {"proposal": 1}),
    rest(
        "POST", f"{CASES}/reject-resolution", Command.RECORD_CUSTOMER_ANSWER, {"proposal": 1, "reason": "No"}
    ),
    rest("POST", f"{CASES}/execute-resolution", Command.MARK_RESOLUTION_EXECUTED, {"details": "Done"}),
    rest("POST", f"{CASES}/close", Command.CLOSE, {"outcome": "duplicate", "reason": "Same as AS-1"}),
    rest("POST", f"{CASES}/reopen", Command.REOPEN, {"reason": "Customer came back"}),
    rest("POST", f"{CASES}/withdraw", Command.WITHDRAW, {"reason": "Customer withdrew"}),
    rest("POST", f"{CASES}/satisfaction", Command.DECLARE_SATISFACTION, {"satisfied": True}),
    rest("POST", f"{CASES}/late-objection-override", Command.OVERRIDE_LATE_OBJECTION, {"reason": "Goodwill"}),
    upload("`POST /api/v1/cases/{id}/attachments` (multipart upload of evidence)"),
    rest(
        "POST",
        f"{CASES}/attachments/{{attachment_id}}/supersede",
        Command.SUPERSEDE_EVIDENCE,
        {"reason": "Ticket of another truck"},
    ),
    rest("GET", f"{CASES}/attachments/{{attachment_id}}", ReadKind.ATTACHMENT),
    rest("POST", GRANTS, Command.REQUEST_ACCESS_GRANT, None),  # body made per request: see _request_body
    rest("POST", f"{GRANTS}/{{grant_id}}/approve", Command.DECIDE_ACCESS_GRANT, {}),
    rest("POST", f"{GRANTS}/{{grant_id}}/reject", Command.DECIDE_ACCESS_GRANT, {"reason": "Not needed"}),
    rest("POST", f"{GRANTS}/{{staff_grant}}/revoke", Command.REVOKE_ACCESS_GRANT, {"reason": "Done"}),
    graphql("case", "query($id: ID!) { case(id: $id) { number } }", ReadKind.CASE, "GraphQL `case(id)`"),
    graphql(
        "case",
        'query($id: ID!) { case(id: $id, asOf: "2030-01-01T00:00:00Z") { number } }',
        ReadKind.CASE_AS_OF,
        "GraphQL `case(id, asOf)`",
    ),
    graphql(
        "caseByNumber", "query($number: String!) { caseByNumber(number: $number) { id } }", ReadKind.CASE
    ),
    graphql("cases", "{ cases { totalCount } }", ReadKind.CASE_LIST),
    graphql(
        "caseHistory", "query($id: ID!) { caseHistory(id: $id) { event { version } } }", ReadKind.CASE_HISTORY
    ),
    graphql("shipments", "{ shipments { edges { cursor } } }", ReadKind.SHIPMENT),
    graphql("objections", "{ objections { edges { cursor } } }", ReadKind.OBJECTION_LIST),
    graphql(
        "objection",
        "query($id: ID!) { objection(caseId: $id) { caseNumber } }",
        ReadKind.CASE,
        "GraphQL `objection(caseId)`",
    ),
    graphql(
        "inspection",
        "query($inspection: ID!) { inspection(id: $inspection) { id } }",
        ReadKind.INSPECTION,
        "GraphQL `inspection(id)`",
    ),
    graphql(
        "correctiveActions",
        "query($id: ID!) { correctiveActions(filter: {caseId: $id}) { edges { cursor } } }",
        ReadKind.CORRECTIVE_ACTION,
        "GraphQL `correctiveActions` (staff name a case they hold a grant for: `filter.caseId`)",
    ),
    graphql("rootCausePareto", "{ rootCausePareto { total } }", ReadKind.ROOT_CAUSE_PARETO),
    graphql("accessLog", "{ accessLog { edges { cursor } } }", ReadKind.ACCESS_LOG),
    graphql("accessGrants", "{ accessGrants { id } }", ReadKind.ACCESS_GRANTS),
    graphql("verifierKey", "{ verifierKey }", ReadKind.CHECKPOINTS),
    graphql("latestCheckpoint", "{ latestCheckpoint { treeSize } }", ReadKind.CHECKPOINTS),
    graphql("inclusionProof", "{ inclusionProof(position: 1) { treeSize } }", ReadKind.PROOFS),
    graphql("consistencyProof", "{ consistencyProof(oldSize: 1) { treeSize } }", ReadKind.PROOFS),
    rest("GET", f"{INTEGRITY}/checkpoints/latest", ReadKind.CHECKPOINTS),
    rest("GET", f"{INTEGRITY}/checkpoints", ReadKind.CHECKPOINTS),
    rest("GET", f"{INTEGRITY}/proofs/inclusion?position=1", ReadKind.PROOFS),
    rest("GET", f"{INTEGRITY}/proofs/consistency?old_size=1", ReadKind.PROOFS),
    rest(
        "POST",
        "/api/v1/contracts",
        Command.REGISTER_CONTRACT,
        lambda world: COAL_CONTRACT | {"number": f"HT-{uuid.uuid4().hex[:8]}"},
    ),
    rest("GET", "/api/v1/contracts/{contract_id}", ReadKind.CONTRACT, label="`GET /api/v1/contracts/{id}`"),
    rest(
        "POST",
        "/api/v1/shipments",
        Command.RECORD_SHIPMENT,
        lambda world: shipment(world.contract_id, f"SHP-{uuid.uuid4().hex[:8]}"),
    ),
    rest(
        "POST",
        "/api/v1/shipments/import",
        Command.RECORD_SHIPMENT,
        lambda world: [shipment(world.contract_id, f"SHP-{uuid.uuid4().hex[:8]}")],
        label="`POST /api/v1/shipments/import` (CSV or JSON, all rows or none)",
    ),
    rest(
        "POST",
        "/api/v1/shipments/{shipment_id}/arrival",
        Command.RECORD_SHIPMENT,
        {"arrived_at": "2026-03-12T14:00:00+08:00"},
        label="`POST /api/v1/shipments/{id}/arrival`",
    ),
    rest("GET", "/api/v1/shipments/{shipment_id}", ReadKind.SHIPMENT, label="`GET /api/v1/shipments/{id}`"),
    rest(
        "POST",
        INSPECTIONS,
        Command.RECORD_SAMPLING,
        lambda world: {
            "case_id": world.case_id,
            "shipment_id": world.inspected_shipment,
            "sampling": sampling(),
        },
    ),
    rest(
        "POST",
        f"{INSPECTION}/results",
        Command.RECORD_LAB_RESULT,
        lab_result("supplier_qc", "5480"),
        label="`POST /api/v1/inspections/{id}/results`",
    ),
    rest(
        "POST",
        f"{INSPECTION}/results/{{result_id}}/corrections",
        Command.RECORD_LAB_RESULT,
        lambda world: {"values": {"Qnet,ar": {"value": str(5100 + uuid.uuid4().int % 99)}}, "reason": "typo"},
        label="`POST /api/v1/inspections/{id}/results/{result_id}/corrections`",
    ),
    rest(
        "POST",
        f"{INSPECTION}/reinspection",
        Command.REQUEST_REINSPECTION,
        {"reason": "380 kcal/kg apart"},
        label="`POST /api/v1/inspections/{id}/reinspection`",
    ),
    rest(
        "POST",
        f"{INSPECTION}/agency",
        Command.APPOINT_AGENCY,
        appointment(),
        label="`POST /api/v1/inspections/{id}/agency`",
    ),
    rest("GET", INSPECTION, ReadKind.INSPECTION, label="`GET /api/v1/inspections/{id}`"),
    rest(
        "POST",
        f"{CASES}/liability",
        Command.PROPOSE_LIABILITY,
        lambda world: proposal([world.inspection_id]),
        label="`POST /api/v1/cases/{id}/liability` (propose shares, root cause, basis)",
    ),
    rest("POST", f"{CASES}/liability/{{proposal}}/approve", Command.DECIDE_LIABILITY, {}),
    rest(
        "POST", f"{CASES}/liability/{{proposal}}/reject", Command.DECIDE_LIABILITY, {"reason": "Seals intact"}
    ),
    rest("GET", f"{CASES}/liability", ReadKind.LIABILITY),
    rest(
        "POST",
        f"{CASES}/settlement",
        Command.PROPOSE_SETTLEMENT,
        {"kind": "replacement", "description": "3,000 t of 5,500 kcal/kg coal in April"},
        label="`POST /api/v1/cases/{id}/settlement` (price adjustment computed, replacement, compensation, "
        "return)",
    ),
    rest("POST", f"{CASES}/settlement/{{proposal}}/approve", Command.APPROVE_SETTLEMENT, {}),
    rest(
        "POST",
        f"{CASES}/settlement/{{proposal}}/sign",
        Command.RECORD_SETTLEMENT_ANSWER,
        lambda world: {
            "signer_name": "Zhou Min",
            "signer_role": "purchasing manager",
            "signed_at": "2026-04-02T15:00:00+08:00",
            "document_attachment_id": world.attachment_id,
        },
    ),
    rest(
        "POST",
        f"{CASES}/settlement/{{proposal}}/reject",
        Command.RECORD_SETTLEMENT_ANSWER,
        {"reason": "Wants more", "next_step": "negotiation"},
    ),
    rest("POST", f"{CASES}/settlement/arbitration", Command.ESCALATE_SETTLEMENT, {"reason": "CIETAC"}),
    rest(
        "POST",
        f"{CASES}/settlement/execution",
        Command.EXECUTE_SETTLEMENT,
        {"kind": "replacement_shipment", "reference": "SHP-2026-0901"},
    ),
    rest("GET", f"{CASES}/settlement", ReadKind.SETTLEMENT),
    rest("GET", f"{CASES}/deadlines", ReadKind.DEADLINES),
    rest("POST", ACTIONS, Command.PLAN_CORRECTIVE_ACTION, lambda world: action(world.case_id)),
    rest(
        "POST",
        f"{ACTION}/reassign",
        Command.PLAN_CORRECTIVE_ACTION,
        lambda world: {"owner": f"owner-{uuid.uuid4().hex[:6]}", "reason": "Storage yard"},
        label="`POST /api/v1/corrective-actions/{id}/reassign`",
    ),
    rest(
        "POST",
        f"{ACTION}/due-date",
        Command.PLAN_CORRECTIVE_ACTION,
        lambda world: {
            "due": (datetime.now(UTC) + timedelta(days=40 + uuid.uuid4().int % 9)).isoformat(),
            "reason": "Back order",
        },
        label="`POST /api/v1/corrective-actions/{id}/due-date`",
    ),
    completion("`POST /api/v1/corrective-actions/{id}/complete` (its owner, or a manager)"),
    rest(
        "POST",
        f"{ACTIONS}/{{completed_action}}/verify",
        Command.VERIFY_CORRECTIVE_ACTION,
        {"effective": True, "evidence": "Three shipments in spec"},
        label="`POST /api/v1/corrective-actions/{id}/verify`",
    ),
    rest(
        "POST",
        f"{ACTION}/cancel",
        Command.PLAN_CORRECTIVE_ACTION,
        {"reason": "Raised on the wrong case"},
        label="`POST /api/v1/corrective-actions/{id}/cancel`",
    ),
    rest("GET", f"{ACTIONS}/pareto", ReadKind.ROOT_CAUSE_PARETO),
    rest("GET", ACTION, ReadKind.CORRECTIVE_ACTION, label="`GET /api/v1/corrective-actions/{id}`"),
    rest("POST", "/api/v1/units", Command.REGISTER_UNIT, lambda world: unit(f"SN-{uuid.uuid4().hex[:8]}")),
    rest(
        "POST",
        "/api/v1/units/import",
        Command.REGISTER_UNIT,
        lambda world: [unit(f"SN-{uuid.uuid4().hex[:8]}")],
        label="`POST /api/v1/units/import` (CSV or JSON, all rows or none)",
    ),
    rest(
        "POST",
        "/api/v1/units/{unit_id}/inspections",
        Command.RECORD_UNIT_INSPECTION,
        lambda world: {"visited_at": datetime.now(UTC).isoformat(), "findings": "Sensors calibrated"},
        label="`POST /api/v1/units/{id}/inspections`",
    ),
    rest("GET", "/api/v1/units/{unit_id}", ReadKind.INSTALLED_UNIT, label="`GET /api/v1/units/{id}`"),
    # The module's case is a quality objection: every repair command is authorised, then refused (409).
    rest(
        "POST",
        f"{CASES}/repair",
        Command.OPEN_REPAIR,
        {"serial_number": "SN-PERM-0", "component_class": "electrical", "fault_code": "E-217"},
    ),
    rest(
        "POST",
        f"{CASES}/repair/warranty-decision",
        Command.DECIDE_WARRANTY,
        {"in_warranty": True, "reason": "Electrical, 18 months"},
    ),
    rest(
        "POST",
        f"{CASES}/repair/quotes",
        Command.ISSUE_REPAIR_QUOTE,
        {"travel": {"amount": "600.00", "currency": "CNY"}},
    ),
    rest("POST", f"{CASES}/repair/quotes/{{quote}}/accept", Command.RECORD_QUOTE_ANSWER, {}),
    rest(
        "POST", f"{CASES}/repair/quotes/{{quote}}/reject", Command.RECORD_QUOTE_ANSWER, {"reason": "Too dear"}
    ),
    rest(
        "POST",
        f"{CASES}/repair/visits",
        Command.DISPATCH_ENGINEER,
        {"engineer": "engineer-1", "planned_at": "2026-04-02T09:00:00+08:00"},
    ),
    rest(
        "POST",
        f"{CASES}/repair/visits/{{visit}}/arrival",
        Command.RECORD_REPAIR_VISIT,
        {"arrived_at": "2026-04-02T10:00:00+08:00", "where": "Shaft 3"},
    ),
    rest(
        "POST",
        f"{CASES}/repair/visits/{{visit}}/work",
        Command.RECORD_REPAIR_VISIT,
        {
            "started_at": "2026-04-02T10:10:00+08:00",
            "finished_at": "2026-04-02T11:00:00+08:00",
            "work_done": "Power board replaced",
            "result": "fixed",
        },
    ),
    rest(
        "POST",
        f"{CASES}/repair/visits/{{visit}}/service-record",
        Command.RECORD_REPAIR_VISIT,
        lambda world: {
            "signer_name": "Li Qiang",
            "signed_at": "2026-04-02T11:30:00+08:00",
            "document_attachment_id": world.attachment_id,
        },
    ),
    rest("GET", f"{CASES}/repair", ReadKind.REPAIR),
]
# Returns and exchanges: the module's return is applied for by the admin and left to each role's step.
SURFACES += [
    rest("POST", "/api/v1/returns", Command.APPLY_RETURN, lambda world: application(world.case_id)),
    return_step(
        "eligibility",
        Command.DECIDE_RETURN_ELIGIBILITY,
        FREE,
        "`POST /api/v1/returns/{id}/eligibility` free, negotiated or not eligible",
    ),
    return_step(
        "eligibility",
        Command.ALLOW_RETURN_ON_LAWFUL_GROUND,
        {"eligibility": "lawful_ground", "lawful_ground": "Consumer law", "freight_paid_by": "supplier"},
        "`POST /api/v1/returns/{id}/eligibility` on another lawful ground",
    ),
    return_step("qc-inspection", Command.RECORD_RETURN_INSPECTION, CONFIRMED),
    return_step("receipt", Command.RECORD_RETURN_RECEIPT, RECEIVED_IN_FULL),
    return_step("reinspection", Command.RECORD_RETURN_INSPECTION, CONFIRMED),
    return_step("warehouse-entry", Command.RECORD_RETURN_RECEIPT, IN_WAREHOUSE),
    return_step(
        "refund",
        Command.REFUND_RETURN,
        {"amount": {"amount": "1.00", "currency": "CNY"}, "reference": "CN-1"},
    ),
    return_step("exchange-shipment", Command.SHIP_RETURN_EXCHANGE, {"shipment_reference": "SHP-2026-0815"}),
    return_step("feedback", Command.RECORD_RETURN_FEEDBACK, {"satisfied": True}),
    return_step("cancel", Command.CANCEL_RETURN, {"reason": "The customer keeps the goods"}),
    rest("GET", RETURN, ReadKind.RETURN, label="`GET /api/v1/returns/{id}`"),
    rest("GET", f"{CASES}/returns", ReadKind.RETURN),
]
# Follow-ups and the supervision: the module's case is an open quality objection, so every follow-up
# command and the complaint's verification are authorised, then refused (409, or 404 with no review yet).
SURFACES += [
    rest("GET", "/api/v1/follow-ups/due", ReadKind.FOLLOW_UPS_DUE),
    rest(
        "POST", f"{CASES}/follow-up/contacts", Command.RECORD_FOLLOW_UP, {"channel": "phone", "reached": True}
    ),
    rest("POST", f"{CASES}/follow-up/rating", Command.RECORD_FOLLOW_UP, {"rating": 5, "comment": "Fine"}),
    rest("POST", f"{CASES}/follow-up/outcome", Command.RECORD_FOLLOW_UP, {"outcome": "Usage normal"}),
    rest("POST", f"{CASES}/follow-up/link", Command.ISSUE_FEEDBACK_LINK),
    rest("GET", f"{CASES}/follow-up", ReadKind.FOLLOW_UP),
    rest(
        "POST",
        f"{CASES}/complaint-review/verification",
        Command.REVIEW_COMPLAINT,
        {"outcome": "substantiated", "findings": "Witnesses confirm it"},
    ),
    rest(
        "POST",
        f"{CASES}/complaint-review/accountability",
        Command.REVIEW_COMPLAINT,
        {"staff_member": "driver-7", "measure": "Written warning"},
    ),
    rest(
        "POST",
        f"{CASES}/complaint-review/apology",
        Command.REVIEW_COMPLAINT,
        {
            "channel": "visit",
            "apologised_at": "2026-04-02T09:00:00+08:00",
            "apologised_by": "manager-1",
            "to_whom": "The contact person",
        },
    ),
    rest("POST", f"{CASES}/complaint-review/close", Command.REVIEW_COMPLAINT, {"summary": "Dealt with"}),
    rest("GET", f"{CASES}/complaint-review", ReadKind.COMPLAINT_REVIEW),
    rest("GET", "/api/v1/supervision/complaints", ReadKind.COMPLAINT_REPORT),
    graphql("serviceComplaints", "{ serviceComplaints { caseId ageDays } }", ReadKind.COMPLAINT_REPORT),
]
# Units, repairs, returns and the user file through GraphQL: the module's case has no repair (null).
SURFACES += [
    graphql("units", "{ units { edges { cursor } } }", ReadKind.UNIT_LIST),
    graphql(
        "unit",
        "query($unit: ID!) { unit(id: $unit) { serialNumber } }",
        ReadKind.INSTALLED_UNIT,
        "GraphQL `unit(id)`",
    ),
    graphql(
        "repair",
        "query($id: ID!) { repair(caseId: $id) { caseId } }",
        ReadKind.REPAIR,
        "GraphQL `repair(caseId)`",
    ),
    graphql("returns", "{ returns { edges { cursor } } }", ReadKind.RETURN_LIST),
    graphql(
        "returnRequest",
        "query($return: ID!) { returnRequest(id: $return) { status } }",
        ReadKind.RETURN,
        "GraphQL `returnRequest(id)`",
    ),
    graphql(
        "userFile",
        '{ userFile(customerId: "CUST-0042") { customerId } }',
        ReadKind.USER_FILE,
        "GraphQL `userFile(customerId)`",
    ),
]


def _policy_read() -> Surface:
    """A contract's service policy, read by its number (none is registered for it: 404 when allowed)."""

    def send(world: World, token: str) -> Any:
        return world.client.get("/api/v1/service-policies/SC-PERM-0", headers=auth(token))

    path = "/api/v1/service-policies/{contract_number}"
    return Surface(f"`GET {path}`", ReadKind.SERVICE_POLICY, send, route=("GET", path))


# Service commitments: the module's case is a quality objection, so the clock pauses are authorised, then
# refused (409), and its service clocks are empty.
SURFACES += [
    rest(
        "POST",
        "/api/v1/service-policies",
        Command.REGISTER_SERVICE_POLICY,
        {"contract_number": "SC-PERM-1", "home_regions": ["Anhui"]},
        label="`POST /api/v1/service-policies` (register or revise)",
    ),
    _policy_read(),
    rest(
        "POST",
        f"{CASES}/repair/clock-pauses",
        Command.PAUSE_SERVICE_CLOCKS,
        {"reason": "Waiting for the customer's site access"},
    ),
    rest("POST", f"{CASES}/repair/clock-resumption", Command.PAUSE_SERVICE_CLOCKS, {}),
    graphql(
        "case",
        "query($id: ID!) { case(id: $id) { serviceClocks { name } } }",
        ReadKind.SERVICE_CLOCKS,
        "GraphQL `case(id) { serviceClocks }`",
    ),
    rest("GET", "/api/v1/service-clocks/alerts", ReadKind.SERVICE_CLOCK_ALERTS),
]
SURFACES += [
    rest("GET", "/api/v1/kpis.csv?period=2026-10&by=product&lang=zh-CN", ReadKind.KPI),
    graphql("kpis", '{ kpis(period: "2026-10", by: DEPARTMENT) { figures { rate } } }', ReadKind.KPI),
]
# The erasure of a data subject: the module's subject is unknown (no case holds their data), so every
# step is authorised, then refused with 404; nothing is erased.
UNKNOWN_SUBJECT = "0e7a5e00-0000-4000-8000-000000000000"
# Compliance's one change: a data subject's erasure, which changes no case.
COMPLIANCE_CHANGES = {Command.REQUEST_ERASURE, Command.ERASE_SUBJECT}


def _erasure(method: str, suffix: str, subject: Subject, body: Any = None) -> Surface:
    path = "/api/v1/data-subjects/{subject_id}/erasure" + suffix

    def send(world: World, token: str) -> Any:
        url = path.format(subject_id=UNKNOWN_SUBJECT)
        return world.client.request(method, url, json=body, headers=auth(token))

    return Surface(f"`{method} {path}`", subject, send, route=(method, path))


SURFACES += [
    _erasure("POST", "", Command.REQUEST_ERASURE, {"reason": "The subject asked to be erased"}),
    _erasure("POST", "/approval", Command.APPROVE_ERASURE),
    _erasure("POST", "/execution", Command.ERASE_SUBJECT),
    _erasure("GET", "", ReadKind.ERASURE),
]
# Compliance's other act: exporting a case's evidence bundle, recorded as an event of the case.
BUNDLE = {"purpose": "Arbitration of the coal dispute", "legal_matter": "CIETAC 2026-0001"}
SURFACES += [rest("POST", f"{CASES}/evidence-bundles", Command.EXPORT_EVIDENCE_BUNDLE, BUNDLE)]
COMPLIANCE_CHANGES |= {Command.EXPORT_EVIDENCE_BUNDLE}
# Served to anyone, without a token: what a third party needs to check a proof; the customer's feedback
# link (the link's token is the permission).
PUBLIC_ROUTES = {
    ("GET", f"{INTEGRITY}/public-key"),
    ("GET", f"{INTEGRITY}/keys"),
    ("GET", "/api/v1/feedback/{token}"),
    ("POST", "/api/v1/feedback/{token}"),
}


def _route_path(surface: Surface) -> tuple[str, str] | None:
    return (surface.route[0], surface.route[1].split("?")[0]) if surface.route else None


# -- the module's world ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(server_url: str, template_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    name = f"aftersales_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "aftersales_test_template"')
    settings = Settings(data_dir=tmp_path_factory.mktemp("permissions"), run_projections=True)
    services = bootstrap(settings, url=_with_dbname(server_url, name))
    try:
        tokens = {role: services.users.add(f"{role.value}-1", role.value, frozenset({role})) for role in Role}
        with TestClient(create_app(services), raise_server_exceptions=False) as client:
            yield _furnished(World(services, client, tokens))
    finally:
        services.close()
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _furnished(world: World) -> World:
    admin, staff, manager = world.tokens[Role.ADMIN], world.tokens[Role.STAFF], world.tokens[Role.MANAGER]
    world.case_id = _ok(world.client.post("/api/v1/cases", json=registration(), headers=auth(admin)))["id"]
    _ok(world.client.post(f"/api/v1/cases/{world.case_id}/acknowledge", headers=auth(admin)))
    evidence = {"file": ("photo.png", b"\x89PNG\r\n\x1a\n" + bytes(64), "image/png")}
    attached = world.client.post(
        f"/api/v1/cases/{world.case_id}/attachments",
        files=evidence,
        data={"kind": "photo"},
        headers=auth(admin),
    )
    world.attachment_id = _ok(attached)["attachment_id"]
    world.contract_id = _ok(world.client.post("/api/v1/contracts", json=COAL_CONTRACT, headers=auth(admin)))[
        "id"
    ]
    recorded = world.client.post(
        "/api/v1/shipments",
        json=shipment(world.contract_id, "SHP-PERM-0", arrived_at=None),
        headers=auth(admin),
    )
    world.shipment_id = _ok(recorded)["id"]
    _inspect(world, admin)
    proposed = world.client.post(
        f"/api/v1/cases/{world.case_id}/liability",
        json=proposal([world.inspection_id]),
        headers=auth(world.tokens[Role.QC_INSPECTOR]),
    )
    world.proposal = _ok(proposed)["proposal"]
    _raise_actions(world, admin)
    applied = world.client.post("/api/v1/returns", json=application(world.case_id), headers=auth(admin))
    world.return_id = _ok(applied)["id"]
    world.unit_id = _ok(world.client.post("/api/v1/units", json=unit("SN-PERM-0"), headers=auth(admin)))["id"]
    world.pending_grant, world.staff_grant, world.read_grant = (
        _ok(world.client.post(GRANTS, json=_request_body(world), headers=auth(staff)))["id"] for _ in range(3)
    )
    _ok(world.client.post(f"{GRANTS}/{world.read_grant}/approve", headers=auth(manager)))
    settled(world.services)
    return world


def _inspect(world: World, token: str) -> None:
    """The shipment the case names, and an inspection of it with the customer lab's result."""
    named = shipment(world.contract_id, "SHP-2026-0815")  # the reference registration() names
    world.inspected_shipment = _ok(world.client.post("/api/v1/shipments", json=named, headers=auth(token)))[
        "id"
    ]
    opened = {"case_id": world.case_id, "shipment_id": world.inspected_shipment, "sampling": sampling()}
    world.inspection_id = _ok(world.client.post(INSPECTIONS, json=opened, headers=auth(token)))["id"]
    recorded = world.client.post(
        f"{INSPECTIONS}/{world.inspection_id}/results",
        json=lab_result("customer_lab", "5120"),
        headers=auth(token),
    )
    world.result_id = _ok(recorded)["result_id"]


def _raise_actions(world: World, token: str) -> None:
    """An open action of the case, one the admin completed, and one owned by each role that may complete
    only its own (their users are `<role>-1`)."""
    raised = [
        _ok(world.client.post(ACTIONS, json=action(world.case_id), headers=auth(token)))["id"]
        for _ in range(2)
    ]
    world.action_id, world.completed_action = raised
    done = {"what_was_done": "Tarpaulins on every wagon"}
    _ok(world.client.post(f"{ACTIONS}/{world.completed_action}/complete", json=done, headers=auth(token)))
    for role in (Role.SERVICE_AGENT, Role.ENGINEER, Role.QC_INSPECTOR, Role.STAFF):
        owned = action(world.case_id, owner=f"{role.value}-1")
        world.owned_actions[world.tokens[role]] = _ok(
            world.client.post(ACTIONS, json=owned, headers=auth(token))
        )["id"]


def _ok(response: Any) -> dict[str, Any]:
    assert response.status_code in (200, 201), response.text
    return dict(response.json())


def _request_body(world: World) -> dict[str, Any]:
    return {"case_id": world.case_id, "purpose": "Audit of the coal contract", "valid_until": _until()}


def _send(surface: Surface, world: World, role: Role) -> Any:
    token = world.tokens[role]
    if surface.subject is Command.REQUEST_ACCESS_GRANT:
        return world.client.post(GRANTS, json=_request_body(world), headers=auth(token))
    return surface.send(world, token)


# -- route by route, field by field ---------------------------------------------------------------

EVERY_PAIR = [(surface, role) for surface in SURFACES for role in Role]


@pytest.mark.parametrize(("surface", "role"), EVERY_PAIR, ids=[f"{s.label}-{r.value}" for s, r in EVERY_PAIR])
def test_a_role_gets_403_exactly_where_the_matrix_gives_it_nothing(
    world: World, surface: Surface, role: Role
):
    may = allowance(surface.subject, frozenset({role})) is not None

    response = _send(surface, world, role)

    assert response.status_code not in (401, 500), response.text
    assert (response.status_code == 403) is (not may), f"{surface.label} as {role.value}: {response.text}"


def test_every_route_and_field_is_in_the_matrix(world: World):
    routes = {
        (method, route.path)
        for route in world.client.app.routes  # type: ignore[attr-defined]
        if isinstance(route, APIRoute) and route.path.startswith("/api/")
        for method in route.methods
    }
    covered = {_route_path(s) for s in SURFACES} | PUBLIC_ROUTES
    fields = set(schema._schema.query_type.fields)  # type: ignore[union-attr]

    assert routes - covered == set(), "add these routes to SURFACES, with the permission they need"
    assert fields - {s.field for s in SURFACES} == set(), "add these GraphQL fields to SURFACES"
    assert {s.subject for s in SURFACES} == set(PERMISSIONS)


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.COMPLIANCE], ids=["auditor", "compliance"])
def test_auditors_and_compliance_officers_read_everything_and_change_nothing(world: World, role: Role):
    history = [(world.case_id, "case"), (world.pending_grant, "grant"), (world.staff_grant, "grant")]
    versions = {i: len(list(world.services.ledger.events.get(uuid.UUID(i)))) for i, _ in history}

    changes = COMPLIANCE_CHANGES if role is Role.COMPLIANCE else set()
    commands = [s for s in SURFACES if isinstance(s.subject, Command) and s.subject not in changes]
    reads = [s for s in SURFACES if isinstance(s.subject, ReadKind) and s.subject is not ReadKind.ACCESS_LOG]

    assert all(_send(s, world, role).status_code == 403 for s in commands)
    assert all(_send(s, world, role).status_code != 403 for s in reads)
    assert {i: len(list(world.services.ledger.events.get(uuid.UUID(i)))) for i, _ in history} == versions


def test_a_service_agent_cannot_offer_money_but_a_manager_can(world: World):
    assert PERMISSIONS[Command.PROPOSE_PAYMENT] == {
        Role.MANAGER: Allowance.ALWAYS,
        Role.ADMIN: Allowance.ALWAYS,
    }


def test_nobody_can_alter_history(world: World):
    writes = {
        method
        for route in world.client.app.routes  # type: ignore[attr-defined]
        if isinstance(route, APIRoute)
        for method in route.methods
    }
    assert writes <= {"GET", "POST", "HEAD"}, "events are appended, never edited or removed"
    for method in ("PUT", "PATCH", "DELETE"):
        response = world.client.request(
            method, f"/api/v1/cases/{world.case_id}", headers=auth(world.tokens[Role.ADMIN])
        )
        assert response.status_code in (404, 405)


# -- the README's table ----------------------------------------------------------------------------

_CELL = {Allowance.ALWAYS: "✓", Allowance.OWN: "own", Allowance.GRANT: "grant", None: "—"}


def permissions_table() -> str:
    """The README's table: a row per route or field, a column per role."""
    header = "| route or field | " + " | ".join(r.value for r in Role) + " |"
    rule = "|---|" + "---|" * len(Role)
    rows = [
        f"| {s.label} | " + " | ".join(_CELL[PERMISSIONS[s.subject].get(r)] for r in Role) + " |"
        for s in SURFACES
    ]
    return "\n".join([header, rule, *rows])


def test_the_readme_shows_the_matrix():
    readme = README.read_text(encoding="utf-8")
    section = re.search(r"## Permissions\n(.*?)\n## ", readme, re.S)

    assert section is not None, "README needs a '## Permissions' section"
    assert permissions_table() in section.group(1), "paste permissions_table() into the README"
