"""Who saw what, as a client sees it: access grants for staff of other departments, and the access log."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from domain.actor import Role
from tests.conftest import auth, registration

CASE_QUERY = "query($id: ID!) { case(id: $id) { number } }"
HISTORY_QUERY = "query($id: ID!) { caseHistory(id: $id) { event { version } } }"
LOG_QUERY = """
query($caseId: ID, $first: Int!, $after: String) {
  accessLog(caseId: $caseId, first: $first, after: $after) {
    edges { cursor node { position userId role what caseIds grantId requestId refused why } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
GRANTS_QUERY = "query($caseId: ID) { accessGrants(caseId: $caseId) { id requester status purpose version } }"


class Later:
    """The system clock moved on: what the read gate sees once a grant's period has run out."""

    def __init__(self, delta: timedelta) -> None:
        self.delta = delta

    def now(self) -> datetime:
        return datetime.now(UTC) + self.delta


def query(client: Any, token: str, text: str, **variables: Any) -> Any:
    """The raw HTTP response: refused reads answer 403."""
    return client.post("/graphql", json={"query": text, "variables": variables}, headers=auth(token))


def read(client: Any, token: str, text: str, **variables: Any) -> dict[str, Any]:
    response = query(client, token, text, **variables)
    assert response.status_code == 200, response.text
    assert "errors" not in response.json(), response.json()
    return response.json()["data"]


def refused(client: Any, token: str, text: str, **variables: Any) -> str:
    """The refusal's message, after checking it came as 403 with code FORBIDDEN."""
    response = query(client, token, text, **variables)
    assert response.status_code == 403, response.text
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "FORBIDDEN"
    return str(error["message"])


def register(client: Any, token: str) -> str:
    response = client.post("/api/v1/cases", json=registration(), headers=auth(token))
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def request_grant(client: Any, token: str, case: str, days: int = 7, **extra: Any) -> Any:
    until = datetime.now(UTC) + timedelta(days=days)
    body = {
        "case_id": case,
        "purpose": "Warranty claim against our coal supplier",
        "valid_until": until.isoformat(),
    }
    return client.post("/api/v1/access-grants", json=body | extra, headers=auth(token))


def granted(client: Any, services: Any, tokens: dict[str, str], case_id: str) -> str:
    """An approved grant for staff-1 to read the case for a week."""
    created = request_grant(client, tokens["staff"], case_id)
    assert created.status_code == 201, created.text
    grant_id = str(created.json()["id"])
    settled(services)  # the gate finds a user's grants through the read model
    approved = client.post(f"/api/v1/access-grants/{grant_id}/approve", headers=auth(tokens["manager"]))
    assert approved.status_code == 200, approved.text
    return grant_id


def settled(services: Any) -> None:
    """Wait until the read models hold every event recorded so far."""
    assert services.projection_runner.wait_until(services.ledger.recorder.max_notification_id() or 0, 5)


def log_of(client: Any, services: Any, tokens: dict[str, str], case_id: str | None) -> list[dict[str, Any]]:
    """The access log (of the case, or all of it) as an auditor reads it once every read so far is in.

    The auditor's own read is recorded too, but after the log was read: it shows up in the next one.
    """
    settled(services)
    page = read(client, tokens["auditor"], LOG_QUERY, caseId=case_id, first=100)["accessLog"]
    return [edge["node"] for edge in page["edges"]]


def test_staff_without_a_grant_are_refused_and_the_refusal_is_logged(client, services, tokens):
    case_id = register(client, tokens["service_agent"])

    message = refused(client, tokens["staff"], CASE_QUERY, id=case_id)

    assert message == f"you have no access grant for case {case_id}; request one from a manager"
    [entry] = log_of(client, services, tokens, case_id)
    assert entry | {"position": None} == {
        "position": None,
        "userId": "staff-1",
        "role": "staff",
        "what": "case",
        "caseIds": [case_id],
        "grantId": None,
        "requestId": entry["requestId"],
        "refused": True,
        "why": "no_grant",
    }
    assert entry["requestId"]


def test_a_grant_asked_for_and_approved_lets_staff_read_and_the_log_names_it(client, services, tokens):
    case_id = register(client, tokens["service_agent"])
    created = request_grant(client, tokens["staff"], case_id)
    assert created.status_code == 201 and created.json()["version"] == 1
    assert created.headers["Location"] == f"/api/v1/access-grants/{created.json()['id']}"
    grant_id = created.json()["id"]
    settled(services)
    assert "awaits a manager's approval" in refused(client, tokens["staff"], CASE_QUERY, id=case_id)

    approved = client.post(
        f"/api/v1/access-grants/{grant_id}/approve", headers=auth(tokens["manager"], If_Match="1")
    )
    assert (approved.status_code, approved.json()) == (200, {"id": grant_id, "version": 2})

    assert read(client, tokens["staff"], CASE_QUERY, id=case_id)["case"]["number"].startswith("AS-")
    assert read(client, tokens["staff"], HISTORY_QUERY, id=case_id)["caseHistory"][0]["event"]["version"] == 1
    assert "reading case_list needs" in refused(client, tokens["staff"], "{ cases { totalCount } }")
    reads = log_of(client, services, tokens, case_id)
    allowed = [(e["what"], e["grantId"]) for e in reads if e["userId"] == "staff-1" and not e["refused"]]
    assert allowed == [("case_history", grant_id), ("case", grant_id)]  # newest first
    assert [e["why"] for e in reads if e["refused"]] == [
        "role_not_allowed",
        "not_approved",
    ]  # the list, then the case


def test_an_expired_grant_is_refused_and_the_refusal_names_the_grant(client, services, tokens):
    case_id = register(client, tokens["service_agent"])
    grant_id = granted(client, services, tokens, case_id)
    services.read_access.clock = Later(timedelta(days=8))

    message = refused(client, tokens["staff"], HISTORY_QUERY, id=case_id)

    assert message.startswith(f"your access grant {grant_id} for case {case_id} expired at ")
    entry = log_of(client, services, tokens, case_id)[0]
    assert (entry["what"], entry["grantId"], entry["why"]) == ("case_history", grant_id, "expired")


def test_a_revocation_takes_effect_at_once_and_the_refusal_is_logged(client, services, tokens):
    case_id = register(client, tokens["service_agent"])
    grant_id = granted(client, services, tokens, case_id)
    read(client, tokens["staff"], CASE_QUERY, id=case_id)

    revoked = client.post(
        f"/api/v1/access-grants/{grant_id}/revoke",
        json={"reason": "Dispute settled"},
        headers=auth(tokens["manager"]),
    )
    assert revoked.status_code == 200, revoked.text
    # No waiting for the read models: the gate reads the grant from the event store.
    message = refused(client, tokens["staff"], CASE_QUERY, id=case_id)

    assert message.startswith(f"your access grant {grant_id} for case {case_id} was revoked at ")
    staff_reads = [e for e in log_of(client, services, tokens, case_id) if e["userId"] == "staff-1"]
    assert [(e["refused"], e["why"], e["grantId"]) for e in staff_reads] == [
        (True, "revoked", grant_id),
        (False, None, grant_id),
    ]


def test_staff_withdraw_their_own_grant_but_not_someone_elses(client, services, tokens):
    case_id = register(client, tokens["service_agent"])
    grant_id = granted(client, services, tokens, case_id)
    other_staff = services.users.add("staff-2", "Other Staff", frozenset({Role.STAFF}))
    revoke = f"/api/v1/access-grants/{grant_id}/revoke"

    theirs = client.post(revoke, json={"reason": "Not mine to withdraw"}, headers=auth(other_staff))
    own = client.post(revoke, json={"reason": "Done with it"}, headers=auth(tokens["staff"]))

    assert theirs.status_code == 403 and "only on your own" in theirs.json()["detail"]
    assert own.status_code == 200


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("auditor", True),
        ("admin", True),
        ("compliance", False),
        ("manager", False),
        ("service_agent", False),
        ("staff", False),
    ],
)
def test_the_access_log_is_read_by_auditors_and_admins_only_and_each_reading_is_logged(
    client, services, tokens, role, allowed
):
    response = query(client, tokens[role], LOG_QUERY, first=5)

    assert response.status_code == (200 if allowed else 403), response.text
    newest = log_of(client, services, tokens, None)[0]
    assert (newest["userId"], newest["what"], newest["refused"]) == (f"{role}-1", "access_log", not allowed)


def test_the_access_log_pages_newest_first(client, services, tokens):
    case_id = register(client, tokens["service_agent"])
    for _ in range(3):
        read(client, tokens["engineer"], CASE_QUERY, id=case_id)
    settled(services)

    nodes, after = [], None
    while True:
        page = read(client, tokens["admin"], LOG_QUERY, caseId=case_id, first=2, after=after)["accessLog"]
        nodes += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    positions = [node["position"] for node in nodes]
    assert positions == sorted(set(positions), reverse=True)
    # The admin's own reads of the first pages may have reached the log by the last page.
    assert [n["userId"] for n in nodes if n["userId"] != "admin-1"] == ["engineer-1"] * 3


def test_every_read_is_logged_with_the_request_id(client, services, tokens):
    case_id = register(client, tokens["service_agent"])
    client.post(
        "/graphql",
        json={"query": CASE_QUERY, "variables": {"id": case_id}},
        headers=auth(tokens["qc_inspector"], X_Request_ID="trace-0815-abc"),
    )

    [entry] = log_of(client, services, tokens, case_id)

    assert (entry["userId"], entry["role"], entry["requestId"]) == (
        "qc_inspector-1",
        "qc_inspector",
        "trace-0815-abc",
    )


def test_grants_are_listed_for_managers_and_staff_see_their_own(client, services, tokens):
    case_id = register(client, tokens["service_agent"])
    granted(client, services, tokens, case_id)
    admin_asked = request_grant(client, tokens["admin"], case_id)
    assert admin_asked.status_code == 201
    settled(services)

    by_manager = read(client, tokens["manager"], GRANTS_QUERY, caseId=case_id)["accessGrants"]
    by_staff = read(client, tokens["staff"], GRANTS_QUERY)["accessGrants"]

    assert [(g["requester"], g["status"]) for g in by_manager] == [
        ("admin-1", "REQUESTED"),
        ("staff-1", "APPROVED"),
    ]
    assert by_manager[1]["purpose"] == "Warranty claim against our coal supplier"
    assert [g["requester"] for g in by_staff] == ["staff-1"]
    assert refused(client, tokens["service_agent"], GRANTS_QUERY).startswith("reading access_grants needs")


@pytest.mark.parametrize(
    ("extra", "status", "field"),
    [
        ({"valid_until": "2026-01-01T00:00:00"}, 422, "valid_until"),
        ({"valid_until": (datetime.now(UTC) + timedelta(days=91)).isoformat()}, 422, "valid_until"),
        ({"valid_from": (datetime.now(UTC) - timedelta(days=1)).isoformat()}, 422, "valid_from"),
        ({"purpose": ""}, 422, "purpose"),
        ({"case_id": "00000000-0000-4000-8000-000000000000"}, 404, "id"),
    ],
    ids=["naive until", "over 90 days", "past start", "no purpose", "unknown case"],
)
def test_a_bad_request_for_a_grant_names_the_field_and_records_nothing(
    client, services, tokens, extra, status, field
):
    case_id = register(client, tokens["service_agent"])
    before = services.ledger.recorder.max_notification_id()

    response = request_grant(client, tokens["staff"], case_id, **extra)

    assert (response.status_code, response.json()["field"]) == (status, field), response.text
    assert services.ledger.recorder.max_notification_id() == before


def test_grant_commands_honour_if_match_idempotency_and_the_grants_rules(client, services, tokens):
    case_id = register(client, tokens["service_agent"])
    headers = auth(tokens["staff"], Idempotency_Key="grant-req-1")
    until = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    body = {"case_id": case_id, "purpose": "Audit", "valid_until": until}
    first = client.post("/api/v1/access-grants", json=body, headers=headers)
    retry = client.post("/api/v1/access-grants", json=body, headers=headers)
    assert first.status_code == 201 and retry.json() == first.json()
    grant = f"/api/v1/access-grants/{first.json()['id']}"

    stale = client.post(f"{grant}/approve", headers=auth(tokens["manager"], If_Match="2"))
    unknown = client.post(f"/api/v1/access-grants/{case_id}/approve", headers=auth(tokens["manager"]))
    by_agent = client.post(f"{grant}/approve", headers=auth(tokens["service_agent"]))
    rejected = client.post(f"{grant}/reject", json={"reason": "Not needed"}, headers=auth(tokens["manager"]))
    approved_late = client.post(f"{grant}/approve", headers=auth(tokens["admin"]))

    assert (stale.status_code, stale.json()["field"]) == (409, "If-Match")
    assert "the access grant is at version 1" in stale.json()["detail"]
    assert (unknown.status_code, unknown.json()["title"]) == (404, "No such access grant")
    assert by_agent.status_code == 403
    assert rejected.status_code == 200
    assert (approved_late.status_code, approved_late.json()["detail"]) == (
        409,
        "the access grant is rejected; only a request is decided",
    )
