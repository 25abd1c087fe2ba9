"""The tamper evidence through HTTP: public key, checkpoints, and proofs the standalone verifier accepts."""

import pytest

from infra.verifier import check_document, parse_verifier_key
from tests.conftest import auth, registration


@pytest.fixture
def checkpointed(client, services, tokens):
    """Three registered cases, followed into the leaves and checkpointed."""
    for n in range(3):
        response = client.post(
            "/api/v1/cases",
            json=registration(customer={"id": f"C-{n}", "name": "Anhui Conch"}),
            headers=auth(tokens["service_agent"]),
        )
        assert response.status_code == 201, response.text
    services.integrity_runner.catch_up()
    return services.integrity.checkpoint()


def test_the_public_key_is_published_without_a_token(client, services):
    response = client.get("/api/v1/integrity/public-key")
    assert response.status_code == 200
    body = response.json()
    assert body["verifier_key"] == services.integrity.verifier_key
    assert parse_verifier_key(body["verifier_key"]).name == body["origin"]
    assert body["algorithm"] == "Ed25519"


def test_the_latest_checkpoint_is_readable_by_any_user(client, tokens, checkpointed):
    response = client.get("/api/v1/integrity/checkpoints/latest", headers=auth(tokens["engineer"]))
    assert response.status_code == 200
    assert response.json()["note"] == checkpointed.note
    assert response.json()["tree_size"] == 3


def test_without_any_checkpoint_the_latest_is_404(client, tokens):
    response = client.get("/api/v1/integrity/checkpoints/latest", headers=auth(tokens["auditor"]))
    assert response.status_code == 404


def test_checkpoints_are_listed_after_a_size(client, services, tokens, checkpointed):
    client.post("/api/v1/cases", json=registration(), headers=auth(tokens["service_agent"]))
    services.integrity_runner.catch_up()
    services.integrity.checkpoint()
    response = client.get("/api/v1/integrity/checkpoints?after_size=3", headers=auth(tokens["auditor"]))
    assert [c["tree_size"] for c in response.json()] == [4]


def test_an_inclusion_proof_from_the_api_convinces_the_verifier(client, services, tokens, checkpointed):
    response = client.get("/api/v1/integrity/proofs/inclusion?position=2", headers=auth(tokens["auditor"]))
    assert response.status_code == 200, response.text
    assert check_document(response.json(), services.integrity.verifier_key) == []


def test_a_consistency_proof_from_the_api_convinces_the_verifier(client, services, tokens, checkpointed):
    client.post("/api/v1/cases", json=registration(), headers=auth(tokens["service_agent"]))
    services.integrity_runner.catch_up()
    services.integrity.checkpoint()
    response = client.get(
        "/api/v1/integrity/proofs/consistency?old_size=3&new_size=4", headers=auth(tokens["compliance"])
    )
    assert response.status_code == 200, response.text
    assert check_document(response.json(), services.integrity.verifier_key) == []


def test_an_event_not_yet_checkpointed_gets_404_naming_the_position(client, tokens, checkpointed):
    response = client.get("/api/v1/integrity/proofs/inclusion?position=99", headers=auth(tokens["auditor"]))
    assert response.status_code == 404
    assert response.json()["field"] == "position"


def test_a_missing_checkpoint_size_gets_404_naming_it(client, tokens, checkpointed):
    response = client.get("/api/v1/integrity/proofs/consistency?old_size=2", headers=auth(tokens["auditor"]))
    assert response.status_code == 404
    assert response.json()["field"] == "tree_size"


@pytest.mark.parametrize("role", ["service_agent", "engineer", "qc_inspector", "staff"])
def test_proofs_carry_event_bytes_so_only_some_roles_may_read_them(client, tokens, checkpointed, role):
    response = client.get("/api/v1/integrity/proofs/inclusion?position=1", headers=auth(tokens[role]))
    assert response.status_code == 403


def test_a_position_that_is_not_a_number_gets_422_naming_it(client, tokens):
    response = client.get("/api/v1/integrity/proofs/inclusion?position=x", headers=auth(tokens["auditor"]))
    assert response.status_code == 422
    assert response.json()["field"] == "query.position"


def test_a_proof_is_a_read_of_the_case_and_goes_to_the_access_log(client, services, tokens, checkpointed):
    case_id = services.integrity.inclusion_proof(1)["event"]["stream_id"]
    response = client.get("/api/v1/integrity/proofs/inclusion?position=1", headers=auth(tokens["auditor"]))
    assert response.status_code == 200
    request_id = response.headers["x-request-id"]
    assert services.projection_runner.wait_until(services.ledger.recorder.max_notification_id(), 5)
    log = client.post(
        "/graphql",
        json={
            "query": "query ($id: ID!) "
            "{ accessLog(caseId: $id) { edges { node { userId what requestId } } } }",
            "variables": {"id": case_id},
        },
        headers=auth(tokens["admin"]),
    ).json()["data"]["accessLog"]["edges"]
    assert {"userId": "auditor-1", "what": "proofs", "requestId": request_id} in [e["node"] for e in log]


def test_a_refused_proof_is_logged_too(client, services, tokens, checkpointed):
    response = client.get("/api/v1/integrity/proofs/inclusion?position=1", headers=auth(tokens["engineer"]))
    assert response.status_code == 403
    with services.pool.connection() as conn:
        topics = [r[0] for r in conn.execute("SELECT topic FROM ledger_events ORDER BY notification_id")]
    assert topics[-1].endswith("ReadRefused")


def test_a_consistency_proof_backwards_gets_422_naming_old_size(client, tokens, checkpointed):
    response = client.get(
        "/api/v1/integrity/proofs/consistency?old_size=3&new_size=2", headers=auth(tokens["auditor"])
    )
    assert response.status_code == 422
    assert response.json()["field"] == "query.old_size"


@pytest.mark.parametrize("query", ["position=0", "position=-4", "position=1&tree_size=0", "position=1.5"])
def test_out_of_range_proof_parameters_get_422(client, tokens, checkpointed, query):
    response = client.get(f"/api/v1/integrity/proofs/inclusion?{query}", headers=auth(tokens["auditor"]))
    assert response.status_code == 422
    assert response.json()["field"].startswith("query.")
