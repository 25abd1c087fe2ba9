"""Corrective actions and the root-cause Pareto read through GraphQL: the list, its filters and pages, the
Pareto as REST gives it, and who may read them."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from tests.conftest import auth
from tests.e2e.test_access import Later, granted, log_of, query, read, refused, settled
from tests.e2e.test_capa import (
    ACTIONS,
    COAL,
    JANUARY,
    _bars,
    _case,
    _pareto,
    _raised,
    action,
    findings,  # noqa: F401  (the Pareto's cases, a fixture)
)

LIST = """query ($first: Int!, $after: String, $filter: CorrectiveActionFilter) {
  correctiveActions(first: $first, after: $after, filter: $filter) {
    edges { cursor node { id caseId caseNumber customerId product rootCause kind status owner due isOverdue
                          raisedAt completedAt verifiedAt cancelledAt version } }
    pageInfo { hasNextPage endCursor }
  }
}"""
PARETO = """query ($product: String, $from: DateTime, $to: DateTime) {
  rootCausePareto(product: $product, from: $from, to: $to) {
    product from to total bars { rootCause cases percent cumulativePercent }
  }
}"""
CEMENT_BUYER = {"id": "CUST-0077", "name": "Anhui Conch Cement"}


@dataclass
class Actions:
    """Four actions on two cases, raised in this order: names by id, and each case's id."""

    names: dict[str, str]
    coal_case: str
    cement_case: str

    def listed(self, page: dict[str, Any]) -> list[str]:
        return [self.names[edge["node"]["id"]] for edge in page["correctiveActions"]["edges"]]


@pytest.fixture
def actions(client, services, tokens) -> Actions:
    """Coal (CUST-0042): transport (engineer-1, completed), sampling (qc_inspector-1, preventive, open).
    Cement (CUST-0077): customer usage (engineer-1, open), washing (cancelled)."""
    agent, manager = tokens["service_agent"], tokens["manager"]
    coal = _case(client, agent, product=COAL, occurred_at=JANUARY)
    cement = _case(client, agent, product="Cement P.O 42.5", customer=CEMENT_BUYER)
    raised = {
        "transport": _raised(client, tokens, action(coal)),
        "sampling": _raised(
            client, tokens, action(coal, "sampling_testing", kind="preventive", owner="qc_inspector-1")
        ),
        "usage": _raised(client, tokens, action(cement, "customer_usage")),
        "washing": _raised(client, tokens, action(cement, "washing_processing")),
    }
    done = {"what_was_done": "Tarpaulins on every wagon"}
    for path, body, token in (
        (f"{raised['transport']}/complete", done, tokens["engineer"]),
        (f"{raised['washing']}/cancel", {"reason": "Raised on the wrong case"}, manager),
    ):
        answered = client.post(f"{ACTIONS}/{path}", json=body, headers=auth(token))
        assert answered.status_code == 200, answered.text
    settled(services)
    return Actions({action_id: name for name, action_id in raised.items()}, coal, cement)


def corrective_actions(client: Any, token: str, **variables: Any) -> dict[str, Any]:
    return read(client, token, LIST, **{"first": 20, **variables})


def test_actions_are_listed_latest_raised_first_with_their_case(client, tokens, actions):
    page = corrective_actions(client, tokens["auditor"])

    assert actions.listed(page) == ["washing", "usage", "sampling", "transport"]
    node = page["correctiveActions"]["edges"][-1]["node"]
    assert (node["caseId"], node["caseNumber"][:3], node["customerId"], node["product"]) == (
        actions.coal_case,
        "AS-",
        "CUST-0042",
        COAL,
    )
    assert (node["rootCause"], node["kind"], node["status"], node["owner"]) == (
        "TRANSPORT_STORAGE",
        "CORRECTIVE",
        "COMPLETED",
        "engineer-1",
    )
    assert (node["isOverdue"], node["completedAt"] is not None, node["cancelledAt"], node["version"]) == (
        False,
        True,
        None,
        2,
    )


FILTERS: dict[str, tuple[Callable[[Actions], dict[str, Any]], list[str]]] = {
    "root-cause": (lambda a: {"rootCause": "TRANSPORT_STORAGE"}, ["transport"]),
    "status": (lambda a: {"status": "OPEN"}, ["usage", "sampling"]),
    "owner": (lambda a: {"owner": "engineer-1"}, ["washing", "usage", "transport"]),
    "customer": (lambda a: {"customer": "CUST-0077"}, ["washing", "usage"]),
    "product": (lambda a: {"product": COAL}, ["sampling", "transport"]),
    "case": (lambda a: {"caseId": a.coal_case}, ["sampling", "transport"]),
    "not-overdue-now": (lambda a: {"overdue": False}, ["washing", "usage", "sampling", "transport"]),
    "overdue-now": (lambda a: {"overdue": True}, []),
    "all-together": (
        lambda a: {"caseId": a.cement_case, "status": "OPEN", "owner": "engineer-1", "customer": "CUST-0077"},
        ["usage"],
    ),
}


@pytest.mark.parametrize(("condition", "expected"), FILTERS.values(), ids=FILTERS.keys())
def test_each_filter_narrows_the_list(client, tokens, actions, condition, expected):
    page = corrective_actions(client, tokens["manager"], filter=condition(actions))

    assert actions.listed(page) == expected


def test_the_raising_period_includes_its_start_and_excludes_its_end(client, tokens, actions):
    every = corrective_actions(client, tokens["manager"])["correctiveActions"]["edges"]
    usage_raised = next(e["node"]["raisedAt"] for e in every if actions.names[e["node"]["id"]] == "usage")

    since = corrective_actions(client, tokens["manager"], filter={"raisedFrom": usage_raised})
    before = corrective_actions(client, tokens["manager"], filter={"raisedTo": usage_raised})

    assert actions.listed(since) == ["washing", "usage"]
    assert actions.listed(before) == ["sampling", "transport"]


def test_an_open_action_past_its_due_date_is_overdue_a_completed_one_is_not(
    client, services, tokens, actions
):
    services.ledger.clock = Later(timedelta(days=31))  # every action was due in 30 days

    page = corrective_actions(client, tokens["qc_inspector"], filter={"overdue": True})
    others = corrective_actions(client, tokens["qc_inspector"], filter={"overdue": False})

    assert actions.listed(page) == ["usage", "sampling"]
    assert {edge["node"]["isOverdue"] for edge in page["correctiveActions"]["edges"]} == {True}
    assert actions.listed(others) == ["washing", "transport"]


def test_actions_page_through_with_after(client, tokens, actions):
    first = corrective_actions(client, tokens["engineer"], first=3)
    rest = corrective_actions(
        client, tokens["engineer"], first=3, after=first["correctiveActions"]["pageInfo"]["endCursor"]
    )

    assert actions.listed(first) == ["washing", "usage", "sampling"]
    assert first["correctiveActions"]["pageInfo"]["hasNextPage"] is True
    assert actions.listed(rest) == ["transport"]
    assert rest["correctiveActions"]["pageInfo"] == {
        "hasNextPage": False,
        "endCursor": rest["correctiveActions"]["edges"][0]["cursor"],
    }


@pytest.mark.parametrize(
    "variables",
    [{"first": 101}, {"filter": {"raisedFrom": "2026-03-11T00:00:00"}}, {"filter": {"caseId": "AS-1"}}],
    ids=["page-too-long", "period-without-zone", "case-not-a-uuid"],
)
def test_arguments_the_client_can_correct_are_refused_with_why(client, tokens, variables):
    response = query(client, tokens["manager"], LIST, **{"first": 20, **variables})

    [error] = response.json()["errors"]
    assert error["message"].startswith(("first must be", "filter.raisedFrom needs", "filter.caseId must"))


def test_a_list_read_is_recorded_with_the_cases_of_its_page(client, services, tokens, actions):
    corrective_actions(client, tokens["compliance"], filter={"product": COAL})

    entry = log_of(client, services, tokens, actions.coal_case)[0]

    assert (entry["what"], entry["caseIds"], entry["role"]) == (
        "corrective_action",
        [actions.coal_case],
        "compliance",
    )


def test_staff_read_one_case_s_actions_under_a_grant_and_list_nothing_else(client, services, tokens, actions):
    granted(client, services, tokens, actions.coal_case)

    mine = corrective_actions(client, tokens["staff"], filter={"caseId": actions.coal_case})
    other_case = refused(client, tokens["staff"], LIST, first=20, filter={"caseId": actions.cement_case})
    every_case = refused(client, tokens["staff"], LIST, first=20)

    assert actions.listed(mine) == ["sampling", "transport"]
    assert other_case.startswith("you have no access grant for case ")
    assert "one case at a time" in every_case


# -- the Pareto ------------------------------------------------------------------------------------

PERIODS = [
    {},
    {"product": COAL},
    {"product": COAL, "from": "2026-01-01T00:00:00+08:00", "to": "2026-02-01T00:00:00+08:00"},
    {"product": "Soda ash"},
]


@pytest.mark.usefixtures("findings")
@pytest.mark.parametrize(
    "arguments", PERIODS, ids=["every-product", "coal", "coal-in-january", "no-findings"]
)
def test_the_pareto_answers_as_rest_does(client, tokens, arguments):
    expected = _pareto(client, tokens["manager"], **arguments)

    pareto = read(client, tokens["engineer"], PARETO, **arguments)["rootCausePareto"]

    bars = [
        (b["rootCause"].lower(), b["cases"], b["percent"], b["cumulativePercent"]) for b in pareto["bars"]
    ]
    assert bars == _bars(expected)
    assert (pareto["total"], pareto["product"]) == (expected["total"], expected["product"])


@pytest.mark.usefixtures("findings")
def test_the_pareto_of_coal_counts_cases_per_root_cause_most_first(client, tokens):
    pareto = read(client, tokens["qc_inspector"], PARETO, product=COAL)["rootCausePareto"]

    assert pareto["bars"] == [
        {"rootCause": "TRANSPORT_STORAGE", "cases": 2, "percent": "66.7", "cumulativePercent": "66.7"},
        {"rootCause": "SAMPLING_TESTING", "cases": 1, "percent": "33.3", "cumulativePercent": "100.0"},
    ]
    assert (pareto["total"], pareto["from"], pareto["to"]) == (3, None, None)


@pytest.mark.parametrize(
    ("period", "message"),
    [
        ({"from": "2026-02-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"}, "the period ends after it starts"),
        ({"from": "2026-02-01T00:00:00"}, "from needs a time zone"),
    ],
    ids=["ends-before-it-starts", "without-zone"],
)
def test_a_pareto_period_the_client_can_correct_is_refused(client, tokens, period, message):
    [error] = query(client, tokens["manager"], PARETO, **period).json()["errors"]

    assert error["message"].startswith(message)


@pytest.mark.parametrize("text", [LIST, PARETO], ids=["correctiveActions", "rootCausePareto"])
def test_staff_without_a_grant_are_refused_with_forbidden(client, tokens, actions, text):
    variables = {"first": 20} if text is LIST else {}

    message = refused(client, tokens["staff"], text, **variables)

    assert message.startswith(("under an access grant", "reading root_cause_pareto needs one of the roles"))
