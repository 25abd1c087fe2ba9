"""GraphQL as a client sees it: commands through REST, reads back through /graphql."""

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.conftest import auth, registration

CASE_FIELDS = """
    id number status type severity channel customerId customerName product registeredBy
    department assignee latestProposal acceptedProposal outcome openedAt acknowledgedAt closedAt
    version lastEventAt
    timeline { version eventType actorId actorRole occurredAt recordedAt summary }
"""


def gql(client: Any, token: str | None, query: str, **variables: Any) -> dict[str, Any]:
    headers = auth(token) if token else {}
    response = client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def data(client: Any, token: str, query: str, **variables: Any) -> dict[str, Any]:
    body = gql(client, token, query, **variables)
    assert "errors" not in body, body["errors"]
    return body["data"]


def errors(client: Any, token: str, query: str, **variables: Any) -> list[str]:
    return [e["message"] for e in gql(client, token, query, **variables)["errors"]]


def register(client: Any, token: str, **overrides: Any) -> dict[str, Any]:
    response = client.post("/api/v1/cases", json=registration(**overrides), headers=auth(token))
    assert response.status_code == 201, response.text
    return response.json()


def command(client: Any, token: str, case_id: str, path: str, body: dict[str, Any] | None = None) -> None:
    response = client.post(f"/api/v1/cases/{case_id}/{path}", json=body or {}, headers=auth(token))
    assert response.status_code in (200, 201), response.text


def settled(services: Any) -> None:
    """Wait until the read models hold every event recorded so far."""
    assert services.projection_runner.wait_until(services.ledger.recorder.max_notification_id() or 0, 5)


@pytest.mark.parametrize("headers", [{}, auth("asl_not-a-token"), {"Authorization": "Basic YTpi"}])
def test_reading_needs_a_known_bearer_token(client, headers):
    response = client.post("/graphql", json={"query": "{ cases { totalCount } }"}, headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")


def test_graphiql_is_served_to_a_browser(client):
    response = client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200 and "graphiql" in response.text.lower()


def test_a_case_reads_back_with_its_timeline_and_no_personal_data(client, services, tokens):
    agent = tokens["service_agent"]
    created = register(client, agent)
    command(client, agent, created["id"], "acknowledge")
    command(client, agent, created["id"], "assign", {"department": "QC", "assignee": "qc-1"})
    command(client, agent, created["id"], "notes", {"text": "Wang Lei asked for a call back"})
    settled(services)

    query = f"query($id: ID!) {{ case(id: $id) {{ {CASE_FIELDS} }} }}"
    case = data(client, tokens["auditor"], query, id=created["id"])["case"]

    assert case["number"] == created["number"] and case["version"] == 4
    assert (case["status"], case["type"], case["severity"]) == ("IN_PROGRESS", "QUALITY_OBJECTION", "HIGH")
    assert (case["customerId"], case["department"], case["assignee"]) == ("CUST-0042", "QC", "qc-1")
    assert [e["eventType"] for e in case["timeline"]] == [
        "Registered",
        "Acknowledged",
        "Assigned",
        "NoteAdded",
    ]
    assert case["timeline"][2] | {"occurredAt": None, "recordedAt": None} == {
        "version": 3,
        "eventType": "Assigned",
        "actorId": "service_agent-1",
        "actorRole": "service_agent",
        "occurredAt": None,
        "recordedAt": None,
        "summary": "Assigned to qc-1 in QC",
    }
    assert "Wang Lei" not in json.dumps(case) and "138 0000" not in json.dumps(case)
    by_number = data(
        client, agent, "query($n: String!) { caseByNumber(number: $n) { id } }", n=created["number"]
    )
    assert by_number["caseByNumber"]["id"] == created["id"]


def test_unknown_cases_read_as_null(client, tokens):
    reader = tokens["auditor"]
    missing = "00000000-0000-4000-8000-000000000000"
    assert data(client, reader, "query($id: ID!) { case(id: $id) { id } }", id=missing) == {"case": None}
    assert data(client, reader, '{ caseByNumber(number: "AS-1999-000001") { id } }') == {"caseByNumber": None}
    assert data(
        client, reader, "query($id: ID!) { caseHistory(id: $id) { event { version } } }", id=missing
    ) == {"caseHistory": None}
    assert errors(client, reader, '{ case(id: "not-a-uuid") { id } }') == ["id must be a case's UUID"]


ALL_PAGES = """
query($first: Int!, $after: String, $filter: CaseFilter) {
  cases(first: $first, after: $after, filter: $filter) {
    totalCount
    edges { cursor node { number openedAt } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


def _numbers_page_by_page(client: Any, token: str, first: int, **filter_: Any) -> list[str]:
    numbers: list[str] = []
    after = None
    while True:
        page = data(client, token, ALL_PAGES, first=first, after=after, filter=filter_ or None)["cases"]
        numbers += [edge["node"]["number"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return numbers
        after = page["pageInfo"]["endCursor"]


def test_cases_list_newest_first_in_stable_pages_with_filters(client, services, tokens):
    agent = tokens["service_agent"]
    start = datetime.now(UTC) - timedelta(days=10)
    # Two cases share an opening time: the id must break the tie the same way on every page.
    days = [0, 3, 3, 5, 7, 9]
    created = [
        register(
            client,
            agent,
            occurred_at=(start + timedelta(days=day)).isoformat(),
            customer={"id": f"CUST-{i % 2}", "name": "Shandong Steel"},
            type="delivery_problem" if i < 2 else "quality_objection",
        )
        for i, day in enumerate(days)
    ]
    command(client, agent, created[4]["id"], "assign", {"department": "Sales", "assignee": "li-9"})
    command(client, agent, created[5]["id"], "withdraw", {"reason": "Resolved between the parties"})
    settled(services)

    newest_first = [c["number"] for c in reversed(created)]
    tied = sorted(created[1:3], key=lambda c: c["id"], reverse=True)
    newest_first[3:5] = [c["number"] for c in tied]
    for first in (1, 2, 4, 100):
        assert _numbers_page_by_page(client, agent, first) == newest_first

    def numbers(**filter_: Any) -> list[str]:
        return sorted(_numbers_page_by_page(client, agent, 2, **filter_))

    assert numbers(status="WITHDRAWN") == [created[5]["number"]]
    assert numbers(type="DELIVERY_PROBLEM") == sorted(c["number"] for c in created[:2])
    assert numbers(customer="CUST-1") == sorted(created[i]["number"] for i in (1, 3, 5))
    assert numbers(assignee="li-9") == [created[4]["number"]]
    window = {
        "openedFrom": (start + timedelta(days=3)).isoformat(),
        "openedTo": (start + timedelta(days=7)).isoformat(),
    }
    assert numbers(**window) == sorted(created[i]["number"] for i in (1, 2, 3))
    total = data(client, agent, ALL_PAGES, first=1, filter={"customer": "CUST-1"})["cases"]["totalCount"]
    assert total == 3


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ("first: 101", "first must be between 0 and 100; page through with after"),
        ("first: -1", "first must be between 0 and 100; page through with after"),
        ('after: "bm90IGEgY3Vyc29y"', "after must be an endCursor or cursor this API returned"),
        (
            'filter: {openedFrom: "2026-01-01T00:00:00"}',
            "filter.openedFrom needs a time zone, e.g. 2026-03-02T09:00:00+08:00",
        ),
    ],
)
def test_a_page_request_the_api_cannot_serve_is_refused_clearly(client, tokens, arguments, message):
    assert errors(client, tokens["manager"], f"{{ cases({arguments}) {{ totalCount }} }}") == [message]


HISTORY = """
query($id: ID!) {
  caseHistory(id: $id) {
    event { version eventType recordedAt summary }
    state { status assignee notes proposals outcome description }
  }
}
"""


def test_history_and_past_states_come_from_replaying_the_events(client, services, tokens):
    agent = tokens["service_agent"]
    created = register(client, agent)
    command(client, agent, created["id"], "acknowledge")
    command(client, agent, created["id"], "assign", {"department": "QC", "assignee": "qc-1"})
    command(client, agent, created["id"], "close", {"outcome": "unfounded", "reason": "Sampling was wrong"})

    history = data(client, tokens["auditor"], HISTORY, id=created["id"])["caseHistory"]

    assert [(h["event"]["eventType"], h["state"]["status"]) for h in history] == [
        ("Registered", "REGISTERED"),
        ("Acknowledged", "IN_PROGRESS"),
        ("Assigned", "IN_PROGRESS"),
        ("Closed", "CLOSED"),
    ]
    assert history[2]["state"]["assignee"] == "qc-1" and history[3]["state"]["outcome"] == "UNFOUNDED"

    as_of = """query($id: ID!, $at: DateTime) {
        case(id: $id, asOf: $at) { status version assignee timeline { eventType } }
    }"""
    recorded = [datetime.fromisoformat(h["event"]["recordedAt"]) for h in history]
    then = data(client, agent, as_of, id=created["id"], at=recorded[1].isoformat())["case"]
    assert then == {
        "status": "IN_PROGRESS",
        "version": 2,
        "assignee": None,
        "timeline": [{"eventType": "Registered"}, {"eventType": "Acknowledged"}],
    }
    before = (recorded[0] - timedelta(microseconds=1)).isoformat()
    assert data(client, agent, as_of, id=created["id"], at=before) == {"case": None}
    naive = recorded[1].replace(tzinfo=None).isoformat()
    assert errors(client, agent, as_of, id=created["id"], at=naive) == [
        "asOf needs a time zone, e.g. 2026-03-02T09:00:00+08:00"
    ]


CHANGES = """
query($id: ID!) {
  caseHistory(id: $id) {
    event { eventType actorId actorRole occurredAt recordedAt changes { field before after } }
    changes { field before after }
  }
}
"""
REGISTRATION_FIELDS = [
    "number", "status", "type", "severity", "channel", "customerId", "customerName", "product",
    "shipmentRefs", "batchRefs", "description", "openedAt", "proposals", "notes", "reopened", "attachments",
    "objectionLate", "lateObjectionOverridden", "legalHold",
]  # fmt: skip


def test_history_says_who_did_each_event_and_what_it_changed(client, services, tokens):
    created = register(client, tokens["service_agent"])
    command(client, tokens["manager"], created["id"], "acknowledge")

    history = data(client, tokens["auditor"], CHANGES, id=created["id"])["caseHistory"]

    registered, acknowledged = history
    assert [c["field"] for c in registered["changes"]] == REGISTRATION_FIELDS
    assert all(c["before"] is None for c in registered["changes"])
    after = {c["field"]: json.loads(c["after"]) for c in registered["changes"]}
    assert (after["status"], after["shipmentRefs"], after["notes"]) == ("registered", ["SHP-2026-0815"], 0)
    event = acknowledged["event"]
    assert (event["actorId"], event["actorRole"]) == ("manager-1", "manager")
    (status, acknowledged_at) = acknowledged["changes"]
    assert status == {"field": "status", "before": '"registered"', "after": '"in_progress"'}
    assert (acknowledged_at["field"], acknowledged_at["before"]) == ("acknowledgedAt", None)
    at = datetime.fromisoformat(json.loads(acknowledged_at["after"]))
    assert at == datetime.fromisoformat(event["occurredAt"]) and at.utcoffset() == timedelta(0)
    assert all(entry["event"]["changes"] == entry["changes"] for entry in history)
    assert "Wang Lei" not in json.dumps(history) and "138 0000" not in json.dumps(history)


def test_a_past_state_shows_what_each_event_changed_and_the_read_model_does_not(client, services, tokens):
    agent = tokens["service_agent"]
    created = register(client, agent)
    command(client, agent, created["id"], "acknowledge")
    command(client, agent, created["id"], "assign", {"department": "QC", "assignee": "qc-1"})
    settled(services)
    history = data(client, tokens["auditor"], CHANGES, id=created["id"])["caseHistory"]
    at = history[1]["event"]["recordedAt"]

    query = """query($id: ID!, $at: DateTime) {
        case(id: $id, asOf: $at) { timeline { eventType changes { field before after } } }
        now: case(id: $id) { timeline { changes { field } } }
    }"""
    found = data(client, tokens["auditor"], query, id=created["id"], at=at)

    assert found["case"]["timeline"] == [
        {"eventType": h["event"]["eventType"], "changes": h["changes"]} for h in history[:2]
    ]
    assert [entry["changes"] for entry in found["now"]["timeline"]] == [None, None, None]


def test_a_write_is_readable_through_graphql_within_a_second(client, tokens):
    created = register(client, tokens["service_agent"])
    query = "query($n: String!) { caseByNumber(number: $n) { version } }"
    deadline = time.monotonic() + 1.0
    while (found := data(client, tokens["auditor"], query, n=created["number"])["caseByNumber"]) is None:
        assert time.monotonic() < deadline, "the case did not reach the read model within 1 s"
        time.sleep(0.01)
    assert found == {"version": 1}
