"""Corrective and preventive actions through HTTP: raised by a manager, completed by the owner, verified
by someone else; the refusals name the field; the Pareto counts cases per root cause."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.conftest import auth, registration
from tests.e2e.test_access import settled

ACTIONS = "/api/v1/corrective-actions"


def _due(days: int = 30) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


def action(case_id: str, root_cause: str = "transport_storage", **overrides: Any) -> dict[str, Any]:
    body = {
        "case_id": case_id,
        "root_cause": root_cause,
        "kind": "corrective",
        "description": "Cover open rail wagons with tarpaulins on the Datong line",
        "owner": "engineer-1",
        "due": _due(),
    }
    return body | overrides


def _case(client: Any, token: str, **overrides: Any) -> str:
    registered = client.post("/api/v1/cases", json=registration(**overrides), headers=auth(token))
    assert registered.status_code == 201, registered.text
    return str(registered.json()["id"])


def _raised(client: Any, tokens: dict[str, str], body: dict[str, Any]) -> str:
    raised = client.post(ACTIONS, json=body, headers=auth(tokens["manager"]))
    assert raised.status_code == 201, raised.text
    return str(raised.json()["id"])


def test_an_action_is_raised_completed_by_its_owner_and_verified_effective(client, tokens):
    case_id = _case(client, tokens["service_agent"])
    action_id = _raised(client, tokens, action(case_id))

    completed = client.post(
        f"{ACTIONS}/{action_id}/complete",
        json={"what_was_done": "Tarpaulins on every wagon since 10 April"},
        headers=auth(tokens["engineer"], If_Match="1"),
    )
    verified = client.post(
        f"{ACTIONS}/{action_id}/verify",
        json={"effective": True, "evidence": "Three shipments arrived at 5,480+ kcal/kg"},
        headers=auth(tokens["qc_inspector"]),
    )
    read = client.get(f"{ACTIONS}/{action_id}", headers=auth(tokens["auditor"]))

    assert (completed.status_code, verified.status_code, verified.headers["ETag"]) == (200, 200, '"3"')
    assert read.status_code == 200, read.text
    shown = read.json()
    assert (shown["status"], shown["is_overdue"], shown["verifications"]) == ("effective", False, 1)
    assert shown["completed_by"] == {"user_id": "engineer-1", "role": "engineer"}
    assert shown["verified_by"] == {"user_id": "qc_inspector-1", "role": "qc_inspector"}


def test_an_ineffective_action_reopens_and_who_completed_it_does_not_verify_it(client, tokens):
    action_id = _raised(client, tokens, action(_case(client, tokens["service_agent"])))
    client.post(
        f"{ACTIONS}/{action_id}/complete", json={"what_was_done": "x"}, headers=auth(tokens["manager"])
    )

    own = client.post(
        f"{ACTIONS}/{action_id}/verify",
        json={"effective": True, "evidence": "fine"},
        headers=auth(tokens["manager"]),
    )
    failed = client.post(
        f"{ACTIONS}/{action_id}/verify",
        json={"effective": False, "evidence": "Lost 300 kcal/kg again"},
        headers=auth(tokens["qc_inspector"]),
    )

    assert (own.status_code, own.json()["field"]) == (409, "verified_by")
    assert failed.status_code == 200
    assert client.get(f"{ACTIONS}/{action_id}", headers=auth(tokens["manager"])).json()["status"] == "open"


@pytest.mark.parametrize(
    ("role", "path", "body"),
    [
        ("service_agent", "", None),
        ("qc_inspector", "/complete", {"what_was_done": "done"}),
        ("auditor", "/verify", {"effective": True, "evidence": "fine"}),
        ("engineer", "/reassign", {"owner": "qc_inspector-1", "reason": "QC's job"}),
        ("engineer", "/cancel", {"reason": "not needed"}),
    ],
    ids=["agent-raises", "non-owner-completes", "auditor-verifies", "engineer-reassigns", "engineer-cancels"],
)
def test_a_role_the_matrix_does_not_allow_gets_403(client, tokens, role: str, path: str, body: Any):
    case_id = _case(client, tokens["service_agent"])
    action_id = _raised(client, tokens, action(case_id))
    url, sent = (ACTIONS, action(case_id)) if body is None else (f"{ACTIONS}/{action_id}{path}", body)

    refused = client.post(url, json=sent, headers=auth(tokens[role]))

    assert refused.status_code == 403, refused.text
    assert client.get(f"{ACTIONS}/{action_id}", headers=auth(tokens["manager"])).json()["version"] == 1


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        (lambda case_id: action(case_id, due=_due(-1)), 422, "due"),
        (lambda case_id: action(case_id, due="2030-01-01T00:00:00"), 422, "due"),
        (lambda case_id: action("7c1f6a3e-0000-4000-8000-000000000000"), 404, "case_id"),
        (lambda case_id: action(case_id, root_cause="bad_luck"), 422, "root_cause"),
        (lambda case_id: action(case_id) | {"priority": "high"}, 422, "priority"),
    ],
    ids=["due-in-the-past", "due-without-zone", "unknown-case", "unknown-root-cause", "unknown-field"],
)
def test_a_refused_action_names_the_field(client, tokens, body: Any, status: int, field: str):
    case_id = _case(client, tokens["service_agent"])

    refused = client.post(ACTIONS, json=body(case_id), headers=auth(tokens["manager"]))

    assert refused.status_code == status, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["field"] == field


def test_a_case_that_is_no_objection_has_no_root_cause_of_the_goods(client, tokens):
    case_id = _case(client, tokens["service_agent"], type="service_complaint", shipment_refs=[])

    refused = client.post(ACTIONS, json=action(case_id), headers=auth(tokens["manager"]))

    assert (refused.status_code, refused.json()["field"]) == (409, "case_id")


def test_the_due_date_moves_and_the_owner_changes_with_a_reason(client, tokens):
    action_id = _raised(client, tokens, action(_case(client, tokens["service_agent"])))
    manager = auth(tokens["manager"])

    moved = client.post(
        f"{ACTIONS}/{action_id}/due-date", json={"due": _due(60), "reason": "Back order"}, headers=manager
    )
    past = client.post(
        f"{ACTIONS}/{action_id}/due-date", json={"due": _due(-2), "reason": "x"}, headers=manager
    )
    handed = client.post(
        f"{ACTIONS}/{action_id}/reassign", json={"owner": "qc_inspector-1", "reason": "Lab"}, headers=manager
    )
    cancelled = client.post(f"{ACTIONS}/{action_id}/cancel", json={"reason": "Wrong case"}, headers=manager)
    again = client.post(f"{ACTIONS}/{action_id}/cancel", json={"reason": "Twice"}, headers=manager)

    assert [r.status_code for r in (moved, handed, cancelled)] == [200, 200, 200]
    assert (past.status_code, past.json()["field"]) == (422, "due")
    assert (again.status_code, again.json()["type"].rsplit("/", 1)[1]) == (409, "capa-rule")
    shown = client.get(f"{ACTIONS}/{action_id}", headers=manager).json()
    assert (shown["owner"], shown["status"]) == ("qc_inspector-1", "cancelled")


# -- the Pareto ------------------------------------------------------------------------------------

COAL, CEMENT = "Thermal coal Q5500", "Cement P.O 42.5"
JANUARY, FEBRUARY = "2026-01-15T09:00:00+08:00", "2026-02-15T09:00:00+08:00"


def _pareto(client: Any, token: str, **query: str) -> dict[str, Any]:
    answer = client.get(f"{ACTIONS}/pareto", params=query, headers=auth(token))
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def _bars(pareto: dict[str, Any]) -> list[tuple[str, int, str, str]]:
    return [
        (bar["root_cause"], bar["cases"], bar["percent"], bar["cumulative_percent"])
        for bar in pareto["root_causes"]
    ]


@pytest.fixture
def findings(client, services, tokens) -> None:
    """Coal: transport x2 (one case with two actions), sampling x1 (February); cement: customer usage;
    and a cancelled action that counts for nothing."""
    agent = tokens["service_agent"]
    coal = [_case(client, agent, product=COAL, occurred_at=at) for at in (JANUARY, JANUARY, FEBRUARY)]
    cement = _case(client, agent, product=CEMENT, occurred_at=JANUARY)
    _raised(client, tokens, action(coal[0]))
    _raised(client, tokens, action(coal[0], kind="preventive"))
    _raised(client, tokens, action(coal[1]))
    _raised(client, tokens, action(coal[2], "sampling_testing"))
    _raised(client, tokens, action(cement, "customer_usage"))
    mistaken = _raised(client, tokens, action(cement, "washing_processing"))
    cancelled = client.post(
        f"{ACTIONS}/{mistaken}/cancel", json={"reason": "x"}, headers=auth(tokens["manager"])
    )
    assert cancelled.status_code == 200
    settled(services)


def test_the_pareto_of_a_product_counts_cases_per_root_cause_most_first(client, tokens, findings):
    pareto = _pareto(client, tokens["manager"], product=COAL)

    assert _bars(pareto) == [
        ("transport_storage", 2, "66.7", "66.7"),
        ("sampling_testing", 1, "33.3", "100.0"),
    ]
    assert (pareto["total"], pareto["product"], pareto["from"]) == (3, COAL, None)


def test_the_pareto_of_every_product(client, tokens, findings):
    assert _bars(_pareto(client, tokens["auditor"])) == [
        ("transport_storage", 2, "50.0", "50.0"),
        ("customer_usage", 1, "25.0", "75.0"),
        ("sampling_testing", 1, "25.0", "100.0"),
    ]


def test_the_pareto_of_a_period_takes_the_cases_raised_in_it(client, tokens, findings):
    january = {"from": "2026-01-01T00:00:00+08:00", "to": "2026-02-01T00:00:00+08:00"}

    assert _bars(_pareto(client, tokens["engineer"], product=COAL, **january)) == [
        ("transport_storage", 2, "100.0", "100.0")
    ]
    assert _pareto(client, tokens["engineer"], product="Soda ash")["root_causes"] == []


def test_the_pareto_is_refused_to_staff_and_for_a_period_that_ends_before_it_starts(client, tokens):
    staff = client.get(f"{ACTIONS}/pareto", headers=auth(tokens["staff"]))
    backwards = client.get(
        f"{ACTIONS}/pareto",
        params={"from": "2026-02-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"},
        headers=auth(tokens["manager"]),
    )

    assert staff.status_code == 403
    assert (backwards.status_code, backwards.json()["field"]) == (422, "to")
