"""Service commitments through HTTP: a contract's service policy (home regions Jiangsu, Zhejiang, Shanghai,
Anhui), a unit in Anhui serviced under it, and its faults' clocks read back on the case in GraphQL.

An equipment fault in warranty fixed on the first visit meets all four commitments; an engineer who never
arrives breaches the 24-hour on-site commitment, which the clock watch (run with the services' clock moved
on) records as `ClockBreached`, escalated to the manager and listed to managers; a pause for the customer's
site access pushes the due time out by as long as it lasted."""

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from application.service_clocks import ServiceClocks
from domain.commitments import Clock, clock_alerts_id
from tests.conftest import auth, registration
from tests.e2e.test_access import Later, settled
from tests.e2e.test_repairs import SERVICE_RECORD_PDF
from tests.e2e.test_units import register, unit

CASES = "/api/v1/cases"
POLICIES = "/api/v1/service-policies"
ALERTS = "/api/v1/service-clocks/alerts"
CONTRACT = "SC-2026-0042"
SITE_ACCESS = "Waiting for the customer's site access: underground permit"
FAULT = {"serial_number": "KJ-2025-0042", "component_class": "electrical", "fault_code": "E-217"}
CLOCKS = """query($id: ID!) { case(id: $id) { serviceClocks {
  name state startedAt dueAt stoppedAt met breachedBy atRisk breachEscalated
  pauses { reason startedAt endedAt }
} } }"""


class Desk:
    """The service policy, a unit in Anhui serviced under it, and a token per role."""

    def __init__(self, client: Any, tokens: dict[str, str], services: Any) -> None:
        self.client, self.tokens, self.services = client, tokens, services
        policy = {"contract_number": CONTRACT, "home_regions": ["Jiangsu", "Zhejiang", "Shanghai", "Anhui"]}
        registered = client.post(POLICIES, json=policy, headers=auth(tokens["manager"]))
        assert registered.status_code == 201, registered.text
        accepted = (datetime.now(UTC) - timedelta(days=60)).isoformat()
        body = unit(accepted_at=accepted, service_contract=CONTRACT)
        assert register(client, tokens["manager"], body).status_code == 201

    def fault_case(self, registered_at: datetime) -> str:
        body = registration(
            type="equipment_fault",
            product="KJ95X monitoring station",
            shipment_refs=[],
            batch_refs=[],
            description="Station KJ-2025-0042 reports E-217 and no longer transmits methane readings.",
            occurred_at=registered_at.isoformat(),
        )
        created = self.client.post(CASES, json=body, headers=auth(self.tokens["service_agent"]))
        assert created.status_code == 201, created.text
        case_id = str(created.json()["id"])
        acknowledged = {"occurred_at": (registered_at + timedelta(minutes=10)).isoformat()}
        self.ok(
            self.client.post(f"{CASES}/{case_id}/acknowledge", json=acknowledged, headers=self.as_("agent"))
        )
        self.repair(case_id, "", FAULT, "service_agent")
        self.repair(case_id, "/warranty-decision", {"in_warranty": True, "reason": "Electrical"}, "engineer")
        return case_id

    def as_(self, role: str) -> dict[str, str]:
        return auth(self.tokens["service_agent" if role == "agent" else role])

    def repair(self, case_id: str, path: str, body: Any, role: str) -> Any:
        sent = self.client.post(f"{CASES}/{case_id}/repair{path}", json=body, headers=auth(self.tokens[role]))
        return self.ok(sent)

    def ok(self, response: Any) -> Any:
        assert response.status_code in (200, 201), response.text
        return response.json()

    def clocks(self, case_id: str, role: str = "manager") -> dict[str, dict[str, Any]]:
        settled(self.services)
        answer = self.client.post(
            "/graphql", json={"query": CLOCKS, "variables": {"id": case_id}}, headers=auth(self.tokens[role])
        )
        assert answer.status_code == 200 and "errors" not in answer.json(), answer.text
        return {clock["name"]: clock for clock in answer.json()["data"]["case"]["serviceClocks"]}


@pytest.fixture
def desk(client: Any, tokens: dict[str, str], services: Any) -> Desk:
    return Desk(client, tokens, services)


def _at(moment: datetime) -> str:
    return moment.isoformat()


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_the_policy_reads_back_with_its_defaults(desk: Desk):
    read = desk.client.get(f"{POLICIES}/{CONTRACT}", headers=auth(desk.tokens["engineer"]))
    assert read.status_code == 200, read.text
    policy = read.json()
    assert policy["home_regions"] == ["Jiangsu", "Zhejiang", "Shanghai", "Anhui"]
    assert (policy["on_site_home"]["target_minutes"], policy["on_site_elsewhere"]["target_minutes"]) == (
        1440,
        2880,
    )
    assert desk.client.get(f"{POLICIES}/SC-NONE", headers=auth(desk.tokens["engineer"])).status_code == 404
    refused = desk.client.post(
        POLICIES, json={"contract_number": "SC-1"}, headers=auth(desk.tokens["engineer"])
    )
    assert refused.status_code == 403


def test_a_fault_fixed_on_the_first_visit_meets_every_commitment(desk: Desk):
    registered = datetime.now(UTC) - timedelta(hours=4)
    case_id = desk.fault_case(registered)
    desk.repair(
        case_id,
        "/visits",
        {
            "engineer": "engineer-1",
            "planned_at": _at(registered + timedelta(hours=1)),
            "dispatched_at": _at(registered + timedelta(minutes=20)),
        },
        "service_agent",
    )
    desk.repair(
        case_id,
        "/visits/1/arrival",
        {"arrived_at": _at(registered + timedelta(hours=1)), "where": "Huainan No. 2 mine, shaft 3"},
        "engineer",
    )
    work = {
        "started_at": _at(registered + timedelta(hours=1, minutes=10)),
        "finished_at": _at(registered + timedelta(hours=1, minutes=40)),
        "work_done": "Power board replaced",
        "result": "fixed",
    }
    desk.repair(case_id, "/visits/1/work", work, "engineer")
    attached = desk.client.post(
        f"{CASES}/{case_id}/attachments",
        data={"kind": "other"},
        files={"file": ("record.pdf", SERVICE_RECORD_PDF, "application/pdf")},
        headers=auth(desk.tokens["engineer"]),
    )
    record = {
        "signer_name": "Li Qiang",
        "signed_at": _at(registered + timedelta(hours=2)),
        "document_attachment_id": desk.ok(attached)["attachment_id"],
    }
    desk.repair(case_id, "/visits/1/service-record", record, "engineer")  # fmt: skip

    clocks = desk.clocks(case_id)

    assert {name: (clock["state"], clock["met"]) for name, clock in clocks.items()} == {
        "respond": ("stopped", True),
        "on_site": ("stopped", True),
        "fix": ("stopped", True),
        "signed_record": ("stopped", True),
    }
    assert _moment(clocks["on_site"]["dueAt"]) == registered + timedelta(hours=24)  # home region: Anhui
    assert _moment(clocks["fix"]["dueAt"]) == registered + timedelta(hours=25, minutes=10)
    assert all(clock["breachedBy"] is None for clock in clocks.values())
    assert desk.services.clock_watch.run_once() == 0


def test_an_engineer_who_never_arrives_breaches_the_on_site_commitment(desk: Desk, services: Any):
    registered = datetime.now(UTC) - timedelta(hours=1)
    case_id = desk.fault_case(registered)
    settled(services)

    services.ledger.clock = Later(timedelta(hours=24))  # 25 hours after the registration
    raised = services.clock_watch.run_once()
    again = services.clock_watch.run_once()

    assert (raised, again) == (2, 0)  # on site and signed record, once each
    events = list(services.ledger.events.get(clock_alerts_id(case_id)))
    breached = {e.clock: e for e in events if type(e).__name__ == "ClockBreached"}
    assert set(breached) == {"on_site", "signed_record"}
    assert breached["on_site"].escalated_to == "manager"
    assert _moment(breached["on_site"].due_at.isoformat()) == registered + timedelta(hours=24)
    clocks = desk.clocks(case_id)
    assert clocks["on_site"]["state"] == "running" and clocks["on_site"]["breachEscalated"] is True
    assert clocks["on_site"]["breachedBy"] == pytest.approx(3600, abs=120)
    assert clocks["respond"]["met"] is True
    alerts = desk.client.get(ALERTS, headers=auth(desk.tokens["manager"]))
    assert alerts.status_code == 200, alerts.text
    listed = {(a["clock"], a["kind"]) for a in alerts.json() if a["case_id"] == case_id}
    assert listed == {("on_site", "breached"), ("signed_record", "breached")}
    assert desk.client.get(ALERTS, headers=auth(desk.tokens["service_agent"])).status_code == 403


def test_a_pause_for_site_access_pushes_the_due_time_out(desk: Desk):
    registered = datetime.now(UTC) - timedelta(hours=5)
    case_id = desk.fault_case(registered)
    paused = {"reason": SITE_ACCESS, "paused_at": _at(registered + timedelta(hours=1))}
    desk.repair(case_id, "/clock-pauses", paused, "service_agent")
    desk.repair(
        case_id, "/clock-resumption", {"resumed_at": _at(registered + timedelta(hours=3))}, "engineer"
    )

    on_site = desk.clocks(case_id)["on_site"]

    assert on_site["state"] == "running"
    assert _moment(on_site["dueAt"]) == registered + timedelta(hours=26)
    assert [(p["reason"], _moment(p["endedAt"])) for p in on_site["pauses"]] == [
        (SITE_ACCESS, registered + timedelta(hours=3))
    ]
    now = ServiceClocks(desk.services.ledger, desk.services.read_access).now_of(UUID(case_id))
    assert now[Clock.ON_SITE].due_at == registered + timedelta(hours=26)  # the same, computed afresh
    repair = desk.client.get(f"{CASES}/{case_id}/repair", headers=auth(desk.tokens["engineer"])).json()
    assert [(p["reason"], _moment(p["resumed_at"])) for p in repair["clock_pauses"]] == [
        (SITE_ACCESS, registered + timedelta(hours=3))
    ]
    twice = desk.client.post(f"{CASES}/{case_id}/repair/clock-resumption", json={},
                             headers=auth(desk.tokens["engineer"]))  # fmt: skip
    assert (twice.status_code, twice.json()["field"]) == (409, "resumed_at")
    staff = desk.client.post("/graphql", json={"query": CLOCKS, "variables": {"id": case_id}},
                             headers=auth(desk.tokens["staff"]))  # fmt: skip
    assert "errors" in staff.json()  # no grant of the case: not allowed
