"""A contract's step limits through HTTP: given in hours, the defaults for steps left out, and a test step
long enough for a result that exists only days after sampling."""

import copy
from typing import Any

import pytest

from tests.conftest import auth
from tests.e2e.test_shipments import COAL_CONTRACT

DEFAULT_HOURS = {
    "acknowledge_hours": 24,
    "sample_hours": 72,
    "test_hours": 240,
    "determine_hours": 120,
    "settle_hours": 240,
}


def post(client: Any, tokens: dict[str, str], body: dict[str, Any]) -> Any:
    return client.post("/api/v1/contracts", json=body, headers=auth(tokens["manager"]))


def read(client: Any, tokens: dict[str, str], contract_id: str) -> dict[str, Any]:
    response = client.get(f"/api/v1/contracts/{contract_id}", headers=auth(tokens["qc_inspector"]))
    assert response.status_code == 200, response.text
    return dict(response.json())


def waiting_28_days(**step_limits: int) -> dict[str, Any]:
    """The coal contract with a parameter whose result exists only 28 days after sampling."""
    body = copy.deepcopy(COAL_CONTRACT) | {"step_limits": step_limits}
    body["specification"][0]["result_after_days"] = 28
    return body


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        (None, DEFAULT_HOURS),
        (
            {"acknowledge_hours": 8, "settle_hours": 480},
            DEFAULT_HOURS | {"acknowledge_hours": 8, "settle_hours": 480},
        ),
    ],
    ids=["none given", "two given"],
)
def test_a_contract_shows_every_steps_limit_the_defaults_where_none_was_given(client, tokens, given, shown):
    body = COAL_CONTRACT if given is None else COAL_CONTRACT | {"step_limits": given}

    registered = post(client, tokens, body)

    assert registered.status_code == 201, registered.text
    assert read(client, tokens, registered.json()["id"])["step_limits"] == shown


def test_a_test_limit_shorter_than_a_results_wait_after_sampling_is_refused_naming_it(client, tokens):
    refused = post(client, tokens, waiting_28_days(test_hours=240))

    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == "step_limits.test"


def test_a_test_limit_that_allows_for_the_wait_is_registered_and_read_back(client, tokens):
    registered = post(client, tokens, waiting_28_days(test_hours=28 * 24))

    assert registered.status_code == 201, registered.text
    contract = read(client, tokens, registered.json()["id"])
    assert contract["specification"][0]["result_after_days"] == 28
    assert contract["specification"][1]["result_after_days"] is None
    assert contract["step_limits"]["test_hours"] == 672


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda c: c.update(step_limits={"sample_hours": 0}), "step_limits.sample_hours"),
        (lambda c: c.update(step_limits={"sample_days": 3}), "step_limits.sample_days"),
        (lambda c: c["specification"][0].update(result_after_days=0), "specification.0.result_after_days"),
    ],
    ids=["zero hours", "unknown field", "zero days"],
)
def test_a_malformed_limit_is_refused_naming_it(client, tokens, change, field):
    body = copy.deepcopy(COAL_CONTRACT)
    change(body)

    refused = post(client, tokens, body)

    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == field
