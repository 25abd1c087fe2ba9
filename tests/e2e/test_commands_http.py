"""The REST command side as a client sees it: the lifecycle, and every way a request can be refused."""

import threading
from collections.abc import Callable
from typing import TypeVar
from uuid import UUID

import pytest
from structlog.testing import capture_logs

from tests.conftest import auth, registration
from tests.e2e.test_permissions import PUBLIC_ROUTES

T = TypeVar("T")


def _register(client, token: str, **overrides: object) -> dict:
    response = client.post("/api/v1/cases", json=registration(**overrides), headers=auth(token))
    assert response.status_code == 201, response.text
    return response.json()


def _events(services, case_id: str) -> list:
    return list(services.ledger.events.get(UUID(case_id)))


def _total_events(services) -> int:
    return services.ledger.recorder.max_notification_id() or 0


def _at_once(count: int, action: Callable[[int], T]) -> list[T]:
    """Run action(0..count-1) in threads released together, so that the requests really race."""
    barrier = threading.Barrier(count)
    results: list[T] = []

    def run(index: int) -> None:
        barrier.wait()
        results.append(action(index))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_a_case_goes_from_registration_to_closure(client, services, tokens):
    agent, manager = tokens["service_agent"], tokens["manager"]
    created = _register(client, agent)
    assert created["number"].startswith("AS-") and created["version"] == 1
    case = f"/api/v1/cases/{created['id']}"
    steps = [
        ("acknowledge", {}, agent),
        ("assign", {"department": "QC", "assignee": "qc_inspector-1"}, agent),
        ("notes", {"text": "Joint sampling agreed for Friday."}, agent),
        (
            "resolution-proposals",
            {
                "kind": "price_reduction",
                "amount": {"amount": "18.50", "currency": "CNY"},
                "description": "CNY 18.50/t off for the calorific shortfall",
            },
            manager,
        ),
        ("reject-resolution", {"proposal": 1, "reason": "Too little for 380 kcal/kg"}, agent),
        (
            "resolution-proposals",
            {
                "kind": "price_reduction",
                "amount": {"amount": "24.00", "currency": "CNY"},
                "description": "CNY 24.00/t",
            },
            manager,
        ),
        ("accept-resolution", {"proposal": 2}, agent),
        ("execute-resolution", {"details": "Credit note CN-2026-0815 issued"}, agent),
        ("close", {"outcome": "resolved"}, agent),
    ]
    for version, (command, body, token) in enumerate(steps, start=2):
        response = client.post(f"{case}/{command}", json=body, headers=auth(token, If_Match=str(version - 1)))
        assert response.status_code in (200, 201), (command, response.text)
        assert response.json()["version"] == version
        assert response.headers["ETag"] == f'"{version}"'

    names = [type(e).__name__ for e in _events(services, created["id"])]
    assert names == [
        "Registered", "Acknowledged", "Assigned", "NoteAdded", "ResolutionProposed", "ResolutionRejected",
        "ResolutionProposed", "ResolutionAccepted", "ResolutionExecuted", "Closed",
    ]  # fmt: skip
    closed = _events(services, created["id"])[-1]
    assert closed.actor.user_id == "service_agent-1" and closed.actor.role.value == "service_agent"


def test_case_numbers_are_consecutive(client, tokens):
    numbers = [_register(client, tokens["service_agent"])["number"] for _ in range(3)]
    sequences = [int(n.rsplit("-", 1)[1]) for n in numbers]
    assert sequences == [sequences[0], sequences[0] + 1, sequences[0] + 2]


@pytest.mark.parametrize(
    ("headers", "detail"),
    [
        ({}, "Authorization: Bearer"),
        ({"Authorization": "Bearer asl_not-a-real-token"}, "unknown or revoked"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, "Authorization: Bearer"),
    ],
)
def test_requests_without_a_valid_token_get_401(client, services, headers, detail):
    response = client.post("/api/v1/cases", json=registration(), headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert detail in response.json()["detail"]
    assert _total_events(services) == 0


def test_a_revoked_token_gets_401(client, services, tokens):
    services.users.revoke("engineer-1")
    response = client.post("/api/v1/cases", json=registration(), headers=auth(tokens["engineer"]))
    assert response.status_code == 401


@pytest.mark.parametrize("role", ["auditor", "compliance", "qc_inspector"])
def test_roles_that_may_not_register_get_403(client, services, tokens, role):
    response = client.post("/api/v1/cases", json=registration(), headers=auth(tokens[role]))
    assert response.status_code == 403
    assert "register needs one of the roles" in response.json()["detail"]
    assert _total_events(services) == 0


@pytest.mark.parametrize(
    ("command", "body"),
    [
        ("acknowledge", {}),
        ("notes", {"text": "an auditor's remark"}),
        ("close", {"outcome": "duplicate", "reason": "same as AS-1"}),
        ("withdraw", {"reason": "customer said so"}),
    ],
)
def test_an_auditor_can_never_write(client, services, tokens, command, body):
    created = _register(client, tokens["service_agent"])
    response = client.post(
        f"/api/v1/cases/{created['id']}/{command}", json=body, headers=auth(tokens["auditor"])
    )
    assert response.status_code == 403
    assert len(_events(services, created["id"])) == 1


def test_reopening_is_for_managers(client, tokens):
    created = _register(client, tokens["service_agent"])
    case = f"/api/v1/cases/{created['id']}"
    client.post(
        f"{case}/close", json={"outcome": "duplicate", "reason": "dup"}, headers=auth(tokens["service_agent"])
    )
    refused = client.post(f"{case}/reopen", json={"reason": "again"}, headers=auth(tokens["service_agent"]))
    allowed = client.post(f"{case}/reopen", json={"reason": "again"}, headers=auth(tokens["manager"]))
    assert (refused.status_code, allowed.status_code) == (403, 200)


def test_an_unknown_case_gets_404(client, tokens):
    response = client.post(
        "/api/v1/cases/7b0c8a1e-0000-4000-8000-000000000000/acknowledge", headers=auth(tokens["manager"])
    )
    assert response.status_code == 404
    assert response.json()["field"] == "id"


def test_a_stale_if_match_gets_409_and_writes_nothing(client, services, tokens):
    created = _register(client, tokens["service_agent"])
    case = f"/api/v1/cases/{created['id']}"
    client.post(f"{case}/acknowledge", headers=auth(tokens["service_agent"], If_Match="1"))
    stale = client.post(
        f"{case}/notes", json={"text": "late"}, headers=auth(tokens["service_agent"], If_Match="1")
    )
    assert stale.status_code == 409
    assert stale.json()["field"] == "If-Match"
    assert len(_events(services, created["id"])) == 2


def test_a_malformed_if_match_gets_400(client, tokens):
    created = _register(client, tokens["service_agent"])
    response = client.post(
        f"/api/v1/cases/{created['id']}/acknowledge",
        headers=auth(tokens["service_agent"], If_Match="yesterday"),
    )
    assert response.status_code == 400
    assert response.json()["field"] == "If-Match"


def test_a_rule_of_the_case_refuses_with_409_and_says_which(client, services, tokens):
    created = _register(client, tokens["service_agent"])
    response = client.post(
        f"/api/v1/cases/{created['id']}/close",
        json={"outcome": "resolved"},
        headers=auth(tokens["service_agent"]),
    )
    assert response.status_code == 409
    assert "only after its resolution is executed" in response.json()["detail"]
    assert len(_events(services, created["id"])) == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"channel": "carrier pigeon"}, "channel"),
        ({"type": None}, "type"),
        ({"description": ""}, "description"),
        ({"contact": {"phone": "123"}}, "contact.name"),
        ({"occurred_at": "2026-05-01T08:00:00"}, "occurred_at"),
        ({"occurred_at": "2999-01-01T00:00:00Z"}, "occurred_at"),
        ({"priority": "urgent"}, "priority"),
        ({"shipment_refs": "SHP-1"}, "shipment_refs"),
    ],
)
def test_bad_registrations_get_422_naming_the_field(client, services, tokens, overrides, field):
    response = client.post(
        "/api/v1/cases", json=registration(**overrides), headers=auth(tokens["service_agent"])
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["field"] == field
    assert _total_events(services) == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "compensation", "description": "pay"}, "amount"),
        (
            {"kind": "compensation", "amount": {"amount": "-5", "currency": "CNY"}, "description": "x"},
            "amount",
        ),
        (
            {"kind": "compensation", "amount": {"amount": "5", "currency": "yuan"}, "description": "x"},
            "amount.currency",
        ),
        (
            {"kind": "compensation", "amount": {"amount": "NaN", "currency": "CNY"}, "description": "x"},
            "amount.amount",
        ),
        ({"kind": "advice_only", "amount": {"amount": "5", "currency": "CNY"}, "description": "x"}, "amount"),
    ],
)
def test_bad_amounts_get_422(client, services, tokens, body, field):
    created = _register(client, tokens["service_agent"])
    case = f"/api/v1/cases/{created['id']}"
    client.post(f"{case}/acknowledge", headers=auth(tokens["service_agent"]))
    # A manager: an amount of money is a manager's proposal, and the role is checked before the body.
    response = client.post(f"{case}/resolution-proposals", json=body, headers=auth(tokens["manager"]))
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field
    assert len(_events(services, created["id"])) == 2


def test_malformed_json_gets_422(client, tokens):
    response = client.post(
        "/api/v1/cases",
        content=b'{"customer": ',
        headers=auth(tokens["service_agent"], Content_Type="application/json"),
    )
    assert response.status_code == 422
    assert response.json()["field"] == "body"


def test_a_malformed_case_id_gets_422(client, tokens):
    response = client.post("/api/v1/cases/not-a-uuid/acknowledge", headers=auth(tokens["service_agent"]))
    assert response.status_code == 422
    assert response.json()["field"] == "path.case_id"


@pytest.mark.parametrize("declared", [True, False])
def test_an_oversize_body_gets_413(client, services, tokens, declared):
    body = registration(description="x" * 100_000)
    import json

    raw = json.dumps(body).encode()
    headers = auth(tokens["service_agent"], Content_Type="application/json")
    content = raw if declared else iter([raw[:50_000], raw[50_000:]])  # a generator is sent chunked
    response = client.post("/api/v1/cases", content=content, headers=headers)
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert _total_events(services) == 0


def test_a_retried_command_returns_the_first_result_and_appends_nothing(client, services, tokens):
    headers = auth(tokens["service_agent"], Idempotency_Key="reg-7f3a")
    first = client.post("/api/v1/cases", json=registration(), headers=headers)
    again = client.post("/api/v1/cases", json=registration(), headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert _total_events(services) == 1

    case = f"/api/v1/cases/{first.json()['id']}"
    note = auth(tokens["service_agent"], Idempotency_Key="note-1")
    responses = [
        client.post(f"{case}/notes", json={"text": "called the customer"}, headers=note) for _ in range(3)
    ]
    assert {r.json()["version"] for r in responses} == {2}
    assert len(_events(services, first.json()["id"])) == 2


def test_an_idempotency_key_reused_with_another_body_gets_422(client, services, tokens):
    headers = auth(tokens["service_agent"], Idempotency_Key="reg-1")
    client.post("/api/v1/cases", json=registration(), headers=headers)
    response = client.post("/api/v1/cases", json=registration(product="Cement P.O 42.5"), headers=headers)
    assert response.status_code == 422
    assert response.json()["field"] == "Idempotency-Key"
    assert _total_events(services) == 1


def test_idempotency_keys_belong_to_their_user(client, services, tokens):
    first = client.post(
        "/api/v1/cases", json=registration(), headers=auth(tokens["service_agent"], Idempotency_Key="k")
    )
    other = client.post(
        "/api/v1/cases", json=registration(), headers=auth(tokens["manager"], Idempotency_Key="k")
    )
    assert first.json()["id"] != other.json()["id"]
    assert _total_events(services) == 2


def test_two_concurrent_commands_with_the_same_if_match_end_with_one_success(client, services, tokens):
    created = _register(client, tokens["service_agent"])
    case = f"/api/v1/cases/{created['id']}"

    def note(index: int) -> int:
        headers = auth(tokens["service_agent"], If_Match="1")
        return client.post(f"{case}/notes", json={"text": f"note {index}"}, headers=headers).status_code

    statuses = _at_once(2, note)
    assert sorted(statuses) == [201, 409]
    assert len(_events(services, created["id"])) == 2


def test_concurrent_commands_without_if_match_both_land(client, services, tokens):
    created = _register(client, tokens["service_agent"])
    case = f"/api/v1/cases/{created['id']}"

    def note(index: int) -> int:
        headers = auth(tokens["service_agent"])
        return client.post(f"{case}/notes", json={"text": f"note {index}"}, headers=headers).json()["version"]

    versions = _at_once(4, note)
    assert sorted(versions) == [2, 3, 4, 5]
    assert len(_events(services, created["id"])) == 5


def test_concurrent_registrations_get_distinct_consecutive_numbers(client, tokens):
    numbers = _at_once(8, lambda _: _register(client, tokens["service_agent"])["number"])
    sequences = sorted(int(n.rsplit("-", 1)[1]) for n in numbers)
    assert sequences == list(range(sequences[0], sequences[0] + 8))


def test_an_unexpected_error_is_a_500_problem_with_a_logged_request_id(client, services, tokens, monkeypatch):
    created = _register(client, tokens["service_agent"])

    def explode(*args, **kwargs):
        raise RuntimeError("disk on fire: secret internals")

    monkeypatch.setattr(services.ledger, "add_note", explode)
    with capture_logs() as logs:
        response = client.post(
            f"/api/v1/cases/{created['id']}/notes", json={"text": "x"}, headers=auth(tokens["service_agent"])
        )
    assert response.status_code == 500
    problem = response.json()
    assert "secret internals" not in response.text and "Traceback" not in response.text
    assert problem["request_id"] == response.headers["x-request-id"]
    assert any(e.get("request_id") == problem["request_id"] and e["log_level"] == "error" for e in logs)


def test_the_request_log_names_actor_and_case_but_no_personal_data(client, tokens):
    with capture_logs() as logs:
        created = _register(client, tokens["service_agent"])
    line = next(e for e in logs if e["event"] == "request")
    assert line["actor"] == "service_agent-1" and line["case_id"] == created["id"] and line["status"] == 201
    assert "Wang Lei" not in repr(logs) and "138 0000" not in repr(logs)


def test_openapi_documents_every_command_and_its_errors(client):
    spec = client.get("/openapi.json").json()
    # Every command but the public ones (a customer's feedback link needs no login).
    public = {path for method, path in PUBLIC_ROUTES if method == "POST"}
    commands = [
        p
        for p in spec["paths"]
        if p.startswith("/api/v1/") and "post" in spec["paths"][p] and p not in public
    ]
    case_commands = {p for p in commands if p.startswith("/api/v1/cases/{case_id}/") and p.count("/") == 5}
    assert {c.rsplit("/", 1)[1] for c in case_commands} >= {
        "acknowledge",
        "close",
        "satisfaction",
        "withdraw",
    }
    for path in commands:
        responses = spec["paths"][path]["post"]["responses"]
        assert {"401", "403", "422"} <= set(responses), path
    assert {"404", "409"} <= set(spec["paths"]["/api/v1/cases/{case_id}/close"]["post"]["responses"])
    upload = spec["paths"]["/api/v1/cases/{case_id}/attachments"]["post"]
    assert {"404", "409", "413", "415"} <= set(upload["responses"])
    assert "multipart/form-data" in upload["requestBody"]["content"]
