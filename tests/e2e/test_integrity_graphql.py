"""The tamper evidence through GraphQL: checkpoints, proofs, and a proof for each event of a history."""

import json
from typing import Any

import pytest

from infra.verifier import check_document, event_leaf_hash, verify_inclusion
from tests.conftest import auth, registration


def post(client: Any, token: str, query: str, **variables: Any) -> Any:
    return client.post("/graphql", json={"query": query, "variables": variables}, headers=auth(token))


def data(client: Any, token: str, query: str, **variables: Any) -> dict[str, Any]:
    body = post(client, token, query, **variables).json()
    assert "errors" not in body, body["errors"]
    return body["data"]


@pytest.fixture
def case_id(client, services, tokens) -> str:
    """A registered and acknowledged case, and another event after the checkpoint."""
    response = client.post("/api/v1/cases", json=registration(), headers=auth(tokens["service_agent"]))
    assert response.status_code == 201, response.text
    found = response.json()["id"]
    client.post(f"/api/v1/cases/{found}/acknowledge", json={}, headers=auth(tokens["service_agent"]))
    services.integrity_runner.catch_up()
    services.integrity.checkpoint()
    client.post(
        f"/api/v1/cases/{found}/notes", json={"text": "Sample sent to lab"}, headers=auth(tokens["engineer"])
    )
    services.integrity_runner.catch_up()
    return found


HISTORY = """query ($id: ID!) { caseHistory(id: $id) {
    event { version eventType actorId actorRole }
    proof { position leafIndex leafHash auditPath checkpoint { treeSize rootHash note } }
} }"""


def test_every_checkpointed_event_of_a_history_carries_its_inclusion_proof(client, services, tokens, case_id):
    history = data(client, tokens["auditor"], HISTORY, id=case_id)["caseHistory"]
    assert [e["event"]["version"] for e in history] == [1, 2, 3]
    assert [e["event"]["actorRole"] for e in history] == ["service_agent", "service_agent", "engineer"]
    first, second, after_checkpoint = (e["proof"] for e in history)
    assert after_checkpoint is None  # recorded after the latest checkpoint: no proof yet
    for proof in (first, second):
        checkpoint = proof["checkpoint"]
        assert checkpoint["treeSize"] == 2
        assert verify_inclusion(
            bytes.fromhex(proof["leafHash"]),
            proof["leafIndex"],
            checkpoint["treeSize"],
            [bytes.fromhex(h) for h in proof["auditPath"]],
            bytes.fromhex(checkpoint["rootHash"]),
        )


def test_a_proofs_leaf_hash_is_the_hash_of_the_stored_event(client, services, tokens, case_id):
    proof = data(client, tokens["auditor"], HISTORY, id=case_id)["caseHistory"][0]["proof"]
    with services.pool.connection() as conn:
        row = conn.execute(
            "SELECT notification_id, originator_id, originator_version, topic, state FROM ledger_events "
            "WHERE notification_id = %s",
            (proof["position"],),
        ).fetchone()
    assert bytes.fromhex(proof["leafHash"]) == event_leaf_hash(*row[:4], bytes(row[4]))


def test_the_latest_checkpoint_and_the_verifier_key(client, services, tokens, case_id):
    found = data(client, tokens["engineer"], "{ verifierKey latestCheckpoint { treeSize note } }")
    assert found["verifierKey"] == services.integrity.verifier_key
    assert found["latestCheckpoint"]["treeSize"] == 2


def test_proof_documents_convince_the_standalone_verifier(client, services, tokens, case_id):
    services.integrity.checkpoint()
    found = data(
        client,
        tokens["compliance"],
        "{ inclusionProof(position: 1) { treeSize document }"
        " consistencyProof(oldSize: 2) { treeSize document } }",
    )
    assert found["inclusionProof"]["treeSize"] == found["consistencyProof"]["treeSize"] == 3
    for name in ("inclusionProof", "consistencyProof"):
        assert check_document(json.loads(found[name]["document"]), services.integrity.verifier_key) == []


def test_a_proof_not_available_is_refused_with_its_reason(client, tokens, case_id):
    body = post(client, tokens["auditor"], "{ inclusionProof(position: 3) { treeSize } }").json()
    assert "not in the checkpoint of size 2" in body["errors"][0]["message"]


def test_an_engineer_may_not_ask_for_a_proof(client, tokens, case_id):
    response = post(client, tokens["engineer"], "{ inclusionProof(position: 1) { treeSize } }")
    assert response.status_code == 403
    assert "reading proofs needs one of the roles" in response.json()["errors"][0]["message"]


def test_a_past_state_carries_the_proof_of_each_event_of_its_timeline(client, tokens, case_id):
    query = """query ($id: ID!, $asOf: DateTime!) { case(id: $id, asOf: $asOf) {
        timeline { version proof { leafIndex checkpoint { treeSize } } } } }"""
    timeline = data(client, tokens["auditor"], query, id=case_id, asOf="2100-01-01T00:00:00Z")["case"][
        "timeline"
    ]
    assert [(e["version"], e["proof"] and e["proof"]["leafIndex"]) for e in timeline] == [
        (1, 0),
        (2, 1),
        (3, None),
    ]


def test_a_read_model_timeline_has_no_proofs(client, services, tokens, case_id):
    assert services.projection_runner.wait_until(services.ledger.recorder.max_notification_id(), 5)
    query = "query ($id: ID!) { case(id: $id) { timeline { version proof { leafIndex } } } }"
    timeline = data(client, tokens["auditor"], query, id=case_id)["case"]["timeline"]
    assert [e["proof"] for e in timeline] == [None, None, None]
