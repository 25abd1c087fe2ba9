"""Follow-ups through HTTP: a closed case is due until its follow-up is done; an agent records a contact,
a rating and the outcome; the customer rates once through a link that needs no login."""

from concurrent.futures import ThreadPoolExecutor
from typing import Any
from uuid import UUID

import pytest

from domain.followup import follow_up_id
from tests.conftest import auth, registration
from tests.e2e.test_access import settled

DUE = "/api/v1/follow-ups/due"


def closed_case(client: Any, token: str, **overrides: Any) -> str:
    registered = client.post("/api/v1/cases", json=registration(**overrides), headers=auth(token))
    assert registered.status_code == 201, registered.text
    case_id = str(registered.json()["id"])
    closed = client.post(
        f"/api/v1/cases/{case_id}/close", json={"outcome": "duplicate", "reason": "dup"}, headers=auth(token)
    )
    assert closed.status_code == 200, closed.text
    return case_id


def follow_up(case_id: str, step: str = "") -> str:
    return f"/api/v1/cases/{case_id}/follow-up{step}"


def due_cases(client: Any, services: Any, token: str) -> dict[str, dict[str, Any]]:
    settled(services)
    listed = client.get(DUE, headers=auth(token))
    assert listed.status_code == 200, listed.text
    return {line["case_id"]: line for line in listed.json()}


def link_path(client: Any, case_id: str, token: str) -> str:
    issued = client.post(follow_up(case_id, "/link"), headers=auth(token))
    assert issued.status_code == 201, issued.text
    return str(issued.json()["path"])


def test_a_closed_case_is_due_until_the_agent_records_its_outcome(client, services, tokens):
    agent = tokens["service_agent"]
    case_id = closed_case(client, agent, customer={"id": "CUST-NEW-1", "name": "Datang Power"})
    open_case = client.post("/api/v1/cases", json=registration(), headers=auth(agent)).json()["id"]

    due = due_cases(client, services, agent)
    assert open_case not in due
    assert (due[case_id]["reason"], due[case_id]["is_due"], due[case_id]["is_started"]) == (
        "new_customer",
        True,
        False,
    )

    contact = {"channel": "phone", "reached": True, "note": "Called the plant"}
    contacted = client.post(follow_up(case_id, "/contacts"), json=contact, headers=auth(agent))
    rated = client.post(
        follow_up(case_id, "/rating"),
        json={"rating": 4, "comment": "Quick"},
        headers=auth(agent, If_Match="2"),
    )
    outcome = {"outcome": "Burning the replacement coal fine", "usage_normal": True}
    done = client.post(follow_up(case_id, "/outcome"), json=outcome, headers=auth(agent))

    assert (contacted.status_code, rated.status_code, done.status_code) == (200, 200, 200), done.text
    assert contacted.json()["id"] == str(follow_up_id(UUID(case_id)))
    assert case_id not in due_cases(client, services, agent)
    read = client.get(follow_up(case_id), headers=auth(tokens["auditor"])).json()
    assert (read["status"], read["rating"], read["rated_by"], read["reason"]) == (
        "done",
        4,
        "service_agent-1",
        "new_customer",
    )


def test_a_new_customer_whose_usage_is_not_normal_stays_due_for_a_next_round(client, services, tokens):
    agent = tokens["service_agent"]
    case_id = closed_case(client, agent, customer={"id": "CUST-NEW-2", "name": "Huaneng Power"})
    client.post(
        follow_up(case_id, "/contacts"), json={"channel": "visit", "reached": True}, headers=auth(agent)
    )

    missing = client.post(
        follow_up(case_id, "/outcome"), json={"outcome": "Still tuning"}, headers=auth(agent)
    )
    later = client.post(
        follow_up(case_id, "/outcome"),
        json={"outcome": "Still tuning the mills", "usage_normal": False},
        headers=auth(agent),
    )

    assert (missing.status_code, missing.json()["field"]) == (422, "usage_normal")
    assert later.status_code == 200, later.text
    line = due_cases(client, services, agent)[case_id]
    assert (line["round"], line["is_due"], line["is_started"]) == (2, False, True)


def test_the_customer_rates_once_through_a_link_without_a_login(client, services, tokens):
    case_id = closed_case(client, tokens["service_agent"])
    path = link_path(client, case_id, tokens["service_agent"])

    shown = client.get(path)
    first = client.post(path, json={"rating": 5, "comment": "Very helpful engineer"})
    again = client.post(path, json={"rating": 1, "comment": "changed my mind"})
    shown_again = client.get(path)

    assert shown.status_code == 200, shown.text
    assert set(shown.json()) == {"case_number", "product"}
    assert shown.json()["product"] == "Thermal coal Q5500"
    assert first.status_code == 200, first.text
    assert (again.status_code, shown_again.status_code) == (410, 410)
    read = client.get(follow_up(case_id), headers=auth(tokens["manager"])).json()
    assert (read["rating"], read["rated_by"]) == (5, "customer:CUST-0042")
    assert client.get("/api/v1/feedback/fbk_nonsense").status_code == 404


@pytest.mark.parametrize("rating", [0, 6])
def test_a_rating_out_of_1_to_5_is_refused_naming_the_field_and_leaves_the_link_usable(
    client, tokens, rating
):
    path = link_path(client, closed_case(client, tokens["service_agent"]), tokens["service_agent"])

    refused = client.post(path, json={"rating": rating, "comment": ""})

    assert refused.status_code == 422
    assert refused.json()["field"] == "rating"
    assert client.post(path, json={"rating": 3}).status_code == 200


def test_two_concurrent_posts_through_one_link_record_one_rating(client, services, tokens):
    case_id = closed_case(client, tokens["service_agent"])
    path = link_path(client, case_id, tokens["service_agent"])

    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda n: client.post(path, json={"rating": n}).status_code, [1, 2, 3, 4]))

    assert sorted(answers) == [200, 410, 410, 410]
    events = list(services.ledger.events.get(follow_up_id(UUID(case_id))))
    assert [type(e).__name__ for e in events] == ["Opened", "SatisfactionRated"]


def test_an_open_case_gets_no_link_and_no_follow_up(client, tokens):
    agent = tokens["service_agent"]
    case_id = client.post("/api/v1/cases", json=registration(), headers=auth(agent)).json()["id"]

    linked = client.post(follow_up(case_id, "/link"), headers=auth(agent))
    contacted = client.post(
        follow_up(case_id, "/contacts"), json={"channel": "phone", "reached": False}, headers=auth(agent)
    )

    assert (linked.status_code, contacted.status_code) == (409, 409)
    assert contacted.json()["field"] == "case_id"
