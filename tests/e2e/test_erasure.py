"""The erasure of a data subject through HTTP and the CLI: compliance requests, a manager other than the
requester approves, compliance carries it out; the key is gone, the contact reads as erased, and the
history still verifies. A case under legal hold refuses every step, naming the case."""

import zipfile
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.actor import Actor, Role
from domain.case_values import ERASED
from domain.erasure import erasure_id
from infra.verification import verify
from infra.verify_bundle import main as verify_bundle
from tests.conftest import auth, registration
from tests.e2e.test_inspections import sampling
from tests.e2e.test_shipments import COAL_CONTRACT, shipment

ERASURE = "/api/v1/data-subjects/{subject}/erasure"
REASON = {"reason": "The subject asked to be erased (request DSR-2026-0007)"}


def subject_of(services: Any, case_id: str) -> UUID:
    """The data subject of the case's contact, as the case recorded it."""
    return services.ledger.get_case(UUID(case_id)).contact.subject_id


def number_of(services: Any, case_id: str) -> str:
    return str(services.ledger.get_case(UUID(case_id)).number)


def registered(client: Any, tokens: dict[str, str]) -> str:
    response = client.post("/api/v1/cases", json=registration(), headers=auth(tokens["service_agent"]))
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def inspected(client: Any, token: str, case_id: str, witness: UUID) -> str:
    """An inspection of the case's shipment, the customer's witness being data subject `witness`."""
    contract_id = client.post("/api/v1/contracts", json=COAL_CONTRACT, headers=auth(token)).json()["id"]
    recorded = client.post(
        "/api/v1/shipments", json=shipment(contract_id, "SHP-2026-0815"), headers=auth(token)
    )
    customer_witness = {
        "party": "customer",
        "name": "Zhao Hui",
        "organisation": "Huadian",
        "subject_id": str(witness),
    }
    supplier_witness = {"party": "supplier", "name": "Li Ming", "organisation": "Shanxi Coal Sales Co."}
    opened = {
        "case_id": case_id,
        "shipment_id": recorded.json()["id"],
        "sampling": sampling(witnesses=[supplier_witness, customer_witness]),
    }
    response = client.post("/api/v1/inspections", json=opened, headers=auth(token))
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def step(client: Any, token: str, subject: UUID, suffix: str = "", body: Any = None) -> Any:
    return client.post(ERASURE.format(subject=subject) + suffix, json=body, headers=auth(token))


def requested(client: Any, tokens: dict[str, str], subject: UUID, by: str = "compliance") -> Any:
    response = step(client, tokens[by], subject, body=REASON)
    assert response.status_code == 201, response.text
    return response


def approved(client: Any, tokens: dict[str, str], subject: UUID) -> None:
    requested(client, tokens, subject)
    response = step(client, tokens["manager"], subject, "/approval")
    assert response.status_code == 200, response.text


def held(services: Any, case_id: str) -> str:
    """Put the case under legal hold as an arbitration does; its number."""
    case = services.ledger.get_case(UUID(case_id))
    case.place_under_legal_hold(
        "customer filed with CIETAC", Actor("manager-1", Role.MANAGER), datetime.now(UTC)
    )
    services.ledger.save(case)
    return str(case.number)


def verified(services: Any) -> Any:
    services.integrity_runner.catch_up()
    services.integrity.checkpoint()
    return verify(services.database_url, services.integrity.verifier_key, services.integrity.checkpoint_file)


def test_an_approved_erasure_destroys_the_key_and_the_contact_reads_as_erased(client, services, tokens):
    answer = client.post("/api/v1/cases", json=registration(), headers=auth(tokens["service_agent"])).json()
    case_id, subject = answer["id"], UUID(answer["contact_subject_id"])
    assert subject_of(services, case_id) == subject
    assert services.ledger.get_case(UUID(case_id)).contact.phone == "+86 138 0000 0042"
    assert verified(services).ok

    asked = requested(client, tokens, subject)
    approval = step(client, tokens["manager"], subject, "/approval")
    execution = step(client, tokens["compliance"], subject, "/execution")

    assert (asked.json()["status"], asked.headers["Location"]) == (
        "requested",
        ERASURE.format(subject=subject),
    )
    assert (approval.status_code, approval.json()["status"]) == (200, "approved")
    assert (execution.status_code, execution.json()) == (
        200,
        {"id": str(erasure_id(subject)), "version": 3, "status": "erased"},
    )
    assert services.subject_keys.key_for(subject) is None
    contact = services.ledger.get_case(UUID(case_id)).contact
    assert (contact.name, contact.phone, contact.subject_id) == (ERASED, ERASED, subject)
    report = verified(services)
    assert report.ok, report.ordered()


def test_a_read_after_the_erasure_shows_the_witness_erased_and_the_others_as_they_were(
    client, services, tokens
):
    witness = uuid4()
    inspection_id = inspected(client, tokens["admin"], registered(client, tokens), witness)
    before = client.get(f"/api/v1/inspections/{inspection_id}", headers=auth(tokens["auditor"]))

    approved(client, tokens, witness)
    step(client, tokens["compliance"], witness, "/execution")
    after = client.get(f"/api/v1/inspections/{inspection_id}", headers=auth(tokens["auditor"]))

    def names(read: Any) -> dict[str, str]:
        assert read.status_code == 200, read.text
        return {w["organisation"]: w["name"] for w in read.json()["sampling"]["witnesses"]}

    assert names(before) == {"Huadian": "Zhao Hui", "Shanxi Coal Sales Co.": "Li Ming"}
    assert names(after) == {"Huadian": ERASED, "Shanxi Coal Sales Co.": "Li Ming"}


def test_a_bundle_exported_before_the_erasure_holds_no_contact_in_clear_and_still_verifies(
    client, services, tokens, tmp_path, capsys
):
    case_id = registered(client, tokens)
    subject = subject_of(services, case_id)
    matter = {"purpose": "Arbitration of the calorific value dispute", "legal_matter": "CIETAC 2026-0815"}
    exported = client.post(
        f"/api/v1/cases/{case_id}/evidence-bundles", json=matter, headers=auth(tokens["compliance"])
    )
    assert exported.status_code == 200, exported.text
    bundle = tmp_path / "bundle.zip"
    bundle.write_bytes(exported.content)

    approved(client, tokens, subject)
    step(client, tokens["compliance"], subject, "/execution")
    verified_offline = verify_bundle(["--key", services.integrity.verifier_key, str(bundle)])

    assert verified_offline == 0, capsys.readouterr().out
    with zipfile.ZipFile(bundle) as archive:
        stored = b"".join(archive.read(name) for name in archive.namelist())
    for clear_text in ("Wang Lei", "+86 138 0000 0042"):
        assert clear_text.encode() not in stored


def test_the_erasure_records_who_asked_who_approved_and_who_carried_it_out(client, services, tokens):
    case_id = registered(client, tokens)
    subject = subject_of(services, case_id)
    approved(client, tokens, subject)
    step(client, tokens["compliance"], subject, "/execution")

    events = list(services.ledger.events.get(erasure_id(subject)))
    standing = client.get(ERASURE.format(subject=subject), headers=auth(tokens["auditor"]))

    assert [(type(e).__name__, e.actor.user_id) for e in events] == [
        ("Requested", "compliance-1"),
        ("Approved", "manager-1"),
        ("KeyDestroyed", "compliance-1"),
    ]
    assert standing.status_code == 200, standing.text
    body = standing.json()
    assert (body["status"], body["requested_by"], body["approved_by"], body["erased_by"]) == (
        "erased",
        "compliance-1",
        "manager-1",
        "compliance-1",
    )
    assert (body["cases"], body["cases_under_legal_hold"]) == ([number_of(services, case_id)], [])


def test_nobody_approves_their_own_erasure_request(client, services, tokens):
    subject = subject_of(services, registered(client, tokens))
    requested(client, tokens, subject, by="admin")

    own = step(client, tokens["admin"], subject, "/approval")

    assert own.status_code == 409, own.text
    assert own.json()["field"] == "approver"


@pytest.mark.parametrize("role", ["compliance", "auditor", "service_agent", "staff"])
def test_only_a_manager_approves(client, services, tokens, role):
    subject = subject_of(services, registered(client, tokens))
    requested(client, tokens, subject)

    refused = step(client, tokens[role], subject, "/approval")

    assert refused.status_code == 403, refused.text


def test_an_erasure_is_carried_out_only_once_approved(client, services, tokens):
    subject = subject_of(services, registered(client, tokens))
    requested(client, tokens, subject)

    early = step(client, tokens["compliance"], subject, "/execution")

    assert early.status_code == 409, early.text
    assert early.json()["field"] == "status"
    assert services.subject_keys.key_for(subject) is not None


def test_carrying_it_out_again_records_nothing_more(client, services, tokens):
    subject = subject_of(services, registered(client, tokens))
    approved(client, tokens, subject)
    first = step(client, tokens["compliance"], subject, "/execution")

    again = step(client, tokens["compliance"], subject, "/execution")

    assert (again.status_code, again.json()) == (200, first.json())
    assert len(list(services.ledger.events.get(erasure_id(subject)))) == 3


def test_a_second_request_for_the_same_subject_finds_the_first(client, services, tokens):
    subject = subject_of(services, registered(client, tokens))
    requested(client, tokens, subject)

    again = step(client, tokens["compliance"], subject, body=REASON)

    assert again.status_code == 409, again.text
    assert "requested already" in again.json()["detail"]


def test_a_retried_request_with_its_idempotency_key_gets_the_first_answer(client, services, tokens):
    subject = subject_of(services, registered(client, tokens))
    headers = auth(tokens["compliance"], Idempotency_Key="dsr-2026-0007")

    first = client.post(ERASURE.format(subject=subject), json=REASON, headers=headers)
    retried = client.post(ERASURE.format(subject=subject), json=REASON, headers=headers)

    assert (first.status_code, retried.status_code) == (201, 201)
    assert retried.json() == first.json()
    assert len(list(services.ledger.events.get(erasure_id(subject)))) == 1


def test_an_unknown_subject_is_404(client, tokens):
    unknown = uuid4()

    assert step(client, tokens["compliance"], unknown, body=REASON).status_code == 404
    assert step(client, tokens["manager"], unknown, "/approval").status_code == 404
    assert step(client, tokens["compliance"], unknown, "/execution").status_code == 404


# The three steps in order: who takes each, and what they send.
STEPS = [("compliance", "", REASON), ("manager", "/approval", None), ("compliance", "/execution", None)]


@pytest.mark.parametrize("held_at", [0, 1, 2], ids=["request", "approval", "execution"])
def test_a_case_under_legal_hold_refuses_erasure_naming_the_case(client, services, tokens, held_at):
    case_id = registered(client, tokens)
    subject = subject_of(services, case_id)
    for role, suffix, body in STEPS[:held_at]:
        assert step(client, tokens[role], subject, suffix, body).status_code in (200, 201)
    number = held(services, case_id)

    role, suffix, body = STEPS[held_at]
    refused = step(client, tokens[role], subject, suffix, body)

    assert refused.status_code == 409, refused.text
    assert number in refused.json()["detail"]
    assert refused.json()["type"].endswith("/legal-hold")
    assert services.subject_keys.key_for(subject) is not None
    assert services.ledger.get_case(UUID(case_id)).contact.phone == "+86 138 0000 0042"


def test_the_cli_requests_and_after_a_managers_approval_erases(aftersales, services, tokens, client):
    case_id = registered(client, tokens)
    subject = str(subject_of(services, case_id))

    not_requested = aftersales("erase-subject", subject, "--as", "compliance-1")
    asked = aftersales("erase-subject", subject, "--as", "compliance-1", "--reason", "The subject asked")
    too_early = aftersales("erase-subject", subject, "--as", "compliance-1")
    by_compliance = aftersales("approve-erasure", subject, "--as", "compliance-1")
    by_nobody = aftersales("approve-erasure", subject, "--as", "nobody")
    approval = aftersales("approve-erasure", subject, "--as", "manager-1")
    erased = aftersales("erase-subject", subject, "--as", "compliance-1")

    assert not_requested.exit_code == 1 and "--reason" in not_requested.output
    assert asked.exit_code == 0, asked.output
    assert "approve-erasure" in asked.output
    assert too_early.exit_code == 1 and "approve" in too_early.output
    assert by_compliance.exit_code == 1 and "manager" in by_compliance.output
    assert by_nobody.exit_code == 1 and "no active user nobody" in by_nobody.output
    assert approval.exit_code == 0, approval.output
    assert erased.exit_code == 0, erased.output
    events = services.ledger.events.get(erasure_id(UUID(subject)))
    assert [type(e).__name__ for e in events] == ["Requested", "Approved", "KeyDestroyed"]


def test_a_server_forgets_the_contact_the_cli_erased(aftersales, services, tokens, client):
    case_id = registered(client, tokens)
    subject = str(subject_of(services, case_id))  # the server now holds the case, decoded, in its cache
    aftersales("erase-subject", subject, "--as", "compliance-1", "--reason", "The subject asked")
    aftersales("approve-erasure", subject, "--as", "manager-1")
    assert aftersales("erase-subject", subject, "--as", "compliance-1").exit_code == 0

    assert services.erasure_watch is not None
    services.erasure_watch.run_once()  # what its thread does every few seconds

    assert services.subject_keys.key_for(UUID(subject)) is None
    assert services.ledger.get_case(UUID(case_id)).contact.name == ERASED


def test_the_cli_refuses_a_case_under_legal_hold(aftersales, services, tokens, client):
    case_id = registered(client, tokens)
    subject = str(subject_of(services, case_id))
    number = held(services, case_id)

    refused = aftersales("erase-subject", subject, "--as", "compliance-1", "--reason", "The subject asked")

    assert refused.exit_code == 1
    assert number in refused.output and "legal hold" in refused.output
