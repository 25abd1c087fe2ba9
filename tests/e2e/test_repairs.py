"""Repairs through HTTP: an equipment fault in warranty fixed on the first visit and signed off; one
excluded for misuse and repaired at cost once the customer accepts the quote; a second failure of the
same fault that proposes a replacement unit; and bad input refused naming the field, recording nothing.

The visit's business times (dispatch, arrival, work, signature) are typed in after the fact, as a field
engineer's record is: a dispatch three hours ago, on site an hour later, the record signed an hour ago."""

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.conftest import auth, registration
from tests.e2e.test_access import log_of
from tests.e2e.test_shipments import events_so_far
from tests.e2e.test_units import register, unit

CASES = "/api/v1/cases"
SERVICE_RECORD_PDF = b"%PDF-1.7\nservice record: E-217 power board replaced, signed Li Qiang\n"
FAULT = {"serial_number": "KJ-2025-0042", "component_class": "electrical", "fault_code": "E-217"}


class Desk:
    """The client with a token per role, and the unit the faults are about (accepted 60 days ago)."""

    def __init__(self, client: Any, tokens: dict[str, str]) -> None:
        self.client = client
        self.tokens = tokens
        accepted = (datetime.now(UTC) - timedelta(days=60)).isoformat()
        assert register(client, tokens["manager"], unit(accepted_at=accepted)).status_code == 201

    def fault_case(self, case_type: str = "equipment_fault") -> str:
        body = registration(
            type=case_type,
            product="KJ95X monitoring station",
            shipment_refs=[],
            batch_refs=[],
            description="Station KJ-2025-0042 reports E-217 and no longer transmits methane readings.",
        )
        created = self.client.post(CASES, json=body, headers=auth(self.tokens["service_agent"]))
        assert created.status_code == 201, created.text
        return str(created.json()["id"])

    def post(self, case_id: str, path: str, body: Any, role: str, **headers: str) -> Any:
        return self.client.post(
            f"{CASES}/{case_id}/repair{path}", json=body, headers=auth(self.tokens[role], **headers)
        )

    def read(self, case_id: str, role: str = "engineer") -> Any:
        return self.client.get(f"{CASES}/{case_id}/repair", headers=auth(self.tokens[role]))

    def attach(self, case_id: str, name: str, content: bytes, media_type: str, kind: str) -> str:
        attached = self.client.post(
            f"{CASES}/{case_id}/attachments",
            files={"file": (name, content, media_type)},
            data={"kind": kind},
            headers=auth(self.tokens["engineer"]),
        )
        assert attached.status_code == 201, attached.text
        return str(attached.json()["attachment_id"])

    def visit_fixes_and_is_signed(self, case_id: str) -> dict[str, Any]:
        """Dispatch, arrive, fix, and the customer signs the service record; returns the signature."""
        base = datetime.now(UTC) - timedelta(hours=3)
        dispatch = {**_dispatch(), "dispatched_at": base.isoformat()}
        dispatched = self.post(case_id, "/visits", dispatch, "service_agent")
        assert (dispatched.status_code, dispatched.json()["visit"]) == (200, 1), dispatched.text
        arrived = {"arrived_at": _at(base, 3600), "where": "Huainan No. 2 mine, shaft 3"}
        assert self.post(case_id, "/visits/1/arrival", arrived, "engineer").status_code == 200
        work = {
            "started_at": _at(base, 4200),
            "finished_at": _at(base, 6000),
            "work_done": "Power board replaced, station transmits again",
            "parts_used": [{"part_number": "PB-95X", "quantity": "1"}],
            "result": "fixed",
        }
        worked = self.post(case_id, "/visits/1/work", work, "engineer")
        assert worked.status_code == 200, worked.text
        document = self.attach(case_id, "service-record.pdf", SERVICE_RECORD_PDF, "application/pdf", "other")
        signed_at = _at(base, 7200)
        record = {"signer_name": "Li Qiang", "signed_at": signed_at, "document_attachment_id": document}
        signed = self.post(case_id, "/visits/1/service-record", record, "engineer")
        assert signed.status_code == 200, signed.text
        return {"signer_name": "Li Qiang", "document_attachment_id": document}


@pytest.fixture
def desk(client: Any, tokens: dict[str, str]) -> Desk:
    return Desk(client, tokens)


def _at(base: datetime, seconds: int) -> str:
    return (base + timedelta(seconds=seconds)).isoformat()


def _dispatch() -> dict[str, str]:
    return {"engineer": "engineer-1", "planned_at": (datetime.now(UTC) + timedelta(hours=4)).isoformat()}


def test_a_fault_in_warranty_is_fixed_on_the_first_visit_and_the_service_record_signed(desk: Desk):
    case_id = desk.fault_case()

    opened = desk.post(case_id, "", FAULT, "service_agent")
    decided = desk.post(
        case_id, "/warranty-decision", {"in_warranty": True, "reason": "Electrical, 18 months"}, "engineer"
    )
    signature = desk.visit_fixes_and_is_signed(case_id)

    assert opened.status_code == 201, opened.text
    assert opened.json()["replacement"]["proposed"] is False
    assert (decided.status_code, decided.headers["ETag"]) == (200, '"2"'), decided.text
    repair = desk.read(case_id).json()
    assert (repair["in_warranty"], repair["fixed"], repair["serial_number"]) == (True, True, "KJ-2025-0042")
    visit = repair["visits"][0]
    assert visit["result"] == "fixed" and visit["parts_used"] == [{"part_number": "PB-95X", "quantity": "1"}]
    assert visit["signature"] | signature == visit["signature"]
    assert visit["signature"]["document_sha256"] == hashlib.sha256(SERVICE_RECORD_PDF).hexdigest()
    assert repair["quotes"] == []


def test_misuse_is_repaired_at_cost_only_after_the_customer_accepts_the_quote(desk: Desk):
    case_id = desk.fault_case()
    desk.post(case_id, "", FAULT, "engineer")
    photo = desk.attach(
        case_id, "flooded-cabinet.png", b"\x89PNG\r\n\x1a\n" + bytes(64), "image/png", "photo"
    )
    decision = {
        "in_warranty": False,
        "exclusion": "misuse",
        "evidence_attachment_ids": [photo],
        "reason": "Cabinet left open during hosing down of the roadway",
    }
    assert desk.post(case_id, "/warranty-decision", decision, "engineer").status_code == 200

    too_early = desk.post(case_id, "/visits", _dispatch(), "service_agent")
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
    issued = desk.post(case_id, "/quotes", quote, "engineer")
    accepted = desk.post(case_id, "/quotes/1/accept", {}, "service_agent")
    desk.visit_fixes_and_is_signed(case_id)

    assert (too_early.status_code, too_early.json()["field"]) == (409, "quote"), too_early.text
    assert (issued.status_code, issued.json()["quote"]) == (200, 1), issued.text
    assert accepted.status_code == 200, accepted.text
    repair = desk.read(case_id).json()
    assert repair["decision"]["exclusion"] == "misuse"
    assert repair["decision"]["evidence_attachment_ids"] == [photo]
    assert repair["quotes"][0]["status"] == "accepted"
    assert repair["quotes"][0]["total"] == {"amount": "3000.00", "currency": "CNY"}
    assert repair["fixed"] is True


def test_a_second_failure_of_the_same_fault_proposes_a_replacement_unit(desk: Desk):
    first, second = desk.fault_case(), desk.fault_case()
    desk.post(first, "", FAULT, "service_agent")
    desk.post(first, "/warranty-decision", {"in_warranty": True, "reason": "In warranty"}, "engineer")
    desk.visit_fixes_and_is_signed(first)

    opened = desk.post(second, "", FAULT | {"fault_code": " e-217"}, "service_agent")

    assert opened.status_code == 201, opened.text
    replacement = opened.json()["replacement"]
    assert (replacement["proposed"], replacement["fault_code"]) == (True, "E-217")
    assert "failed 2 time(s) with fault E-217" in replacement["reason"]
    assert desk.read(second).json()["replacement"]["proposed"] is True
    assert desk.read(first).json()["replacement"]["proposed"] is False  # as it stood at the first failure
    unit_id = desk.read(second).json()["unit_id"]
    repairs_of_unit = desk.client.get(f"/api/v1/units/{unit_id}", headers=auth(desk.tokens["manager"]))
    assert repairs_of_unit.json()["repair_ids"] == [desk.read(first).json()["id"], opened.json()["id"]]


def test_a_second_opening_of_the_same_case_is_refused(desk: Desk):
    case_id = desk.fault_case()
    desk.post(case_id, "", FAULT, "service_agent")

    again = desk.post(case_id, "", FAULT, "service_agent")

    assert (again.status_code, again.json()["field"]) == (409, "case_id")


def test_bad_input_is_refused_naming_the_field_and_records_nothing(desk: Desk):
    objection, case_id, unopened = desk.fault_case("quality_objection"), desk.fault_case(), desk.fault_case()
    assert desk.post(case_id, "", FAULT, "service_agent").status_code == 201
    unknown_evidence = {
        "in_warranty": False,
        "exclusion": "misuse",
        "evidence_attachment_ids": ["00000000-0000-4000-8000-000000000217"],
        "reason": "x",
    }
    refusals = [
        (objection, "", FAULT, 409, "case_id"),
        (unopened, "", FAULT | {"serial_number": "NO-SUCH-UNIT"}, 404, "serial_number"),
        (unopened, "", FAULT | {"fault_code": "  "}, 422, "fault_code"),
        (unopened, "", FAULT | {"component_class": ""}, 422, "component_class"),
        (unopened, "/visits", _dispatch(), 404, "repair"),
        (case_id, "/quotes", {"travel": {"amount": "1", "currency": "CNY"}}, 409, "quote"),
        (case_id, "/quotes", {"travel": {"amount": "-1", "currency": "CNY"}}, 422, "travel"),
        (case_id, "/visits", _dispatch(), 409, "visit"),
        (case_id, "/visits/1/arrival", {"arrived_at": _at(datetime.now(UTC), 0), "where": "x"}, 404, "visit"),
        (
            case_id,
            "/warranty-decision",
            {"in_warranty": True, "exclusion": "misuse", "reason": "x"},
            422,
            "exclusion",
        ),
        (case_id, "/warranty-decision", unknown_evidence, 404, "evidence_attachment_ids.0"),
        (case_id, "/warranty-decision", {"in_warranty": False, "reason": "x"}, 409, "exclusion"),
    ]
    before = events_so_far(desk.client.app.state.services)

    for target, path, body, status, field in refusals:
        refused = desk.post(target, path, body, "manager")
        assert (refused.status_code, refused.json().get("field")) == (status, field), (path, refused.text)
    stale = desk.post(
        case_id, "/warranty-decision", {"in_warranty": True, "reason": "x"}, "engineer", If_Match='"7"'
    )

    assert (stale.status_code, stale.json()["field"]) == (409, "If-Match")
    assert events_so_far(desk.client.app.state.services) == before


def test_reading_is_recorded_under_the_case_and_staff_need_a_grant(desk: Desk, services: Any):
    case_id = desk.fault_case()
    nothing_yet = desk.read(case_id)
    desk.post(case_id, "", FAULT, "service_agent")

    refused = desk.read(case_id, "staff")
    allowed = desk.read(case_id, "auditor")

    assert (nothing_yet.status_code, refused.status_code, allowed.status_code) == (404, 403, 200)
    reads = [e for e in log_of(desk.client, services, desk.tokens, case_id) if e["what"] == "repair"]
    assert [(e["userId"], e["refused"]) for e in reads] == [  # newest first
        ("auditor-1", False),
        ("staff-1", True),
        ("engineer-1", False),
    ]
