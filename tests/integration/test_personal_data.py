"""Personal data on real PostgreSQL: sealed in the stored events under a key kept wrapped in its own
table, readable while the key exists, erased everywhere by destroying it, the proofs untouched."""

import stat
from uuid import UUID, uuid4

import pytest

from application.errors import SubjectErased
from application.ledger import Caller
from domain.actor import Role
from domain.case import Contact
from domain.case_values import ERASED
from infra.subject_keys import KEY_BYTES, NONCE_BYTES, PostgresSubjectKeys, load_or_create_kek
from infra.verification import verify
from tests.conftest import auth, coal_objection, registration

AGENT = Caller("agent-1", frozenset({Role.SERVICE_AGENT}))
NAME, PHONE, EMAIL = "Wang Lei", "+86 138 0013 8000", "wang.lei@huadian.example.cn"
TAG_BYTES = 16


@pytest.fixture
def registered(services):
    """A case whose contact person is a new data subject, followed into the Merkle leaves."""
    contact = Contact(NAME, PHONE, EMAIL, subject_id=uuid4())
    result = services.ledger.register_case(AGENT, coal_objection(contact=contact))
    services.ledger.acknowledge(AGENT, result.id, None)
    services.integrity_runner.catch_up()
    return result, contact


def replayed(services, case_id):
    """The case as its stored events build it now (the ledger's cache of aggregates left aside)."""
    *_, (_, case) = services.ledger.replay(case_id)
    return case


def stored_states(services) -> bytes:
    with services.pool.connection() as conn:
        rows = conn.execute("SELECT state FROM ledger_events ORDER BY notification_id").fetchall()
    return b"".join(bytes(row[0]) for row in rows)


def test_the_stored_events_hold_the_contact_sealed_and_the_case_reads_it_back(services, registered):
    result, contact = registered

    states = stored_states(services)
    for personal in (NAME, PHONE, EMAIL):
        assert personal.encode() not in states
    assert str(contact.subject_id).encode() in states
    assert result.extra["contact_subject_id"] == str(contact.subject_id)
    assert replayed(services, result.id).contact == contact
    assert services.subject_keys.cases_of(contact.subject_id) == [result.id]


def test_the_key_store_holds_each_key_wrapped_and_its_wrapping_key_in_an_owner_only_file(
    services, registered, settings
):
    _, contact = registered
    with services.pool.connection() as conn:
        [wrapped] = conn.execute(
            "SELECT wrapped_key FROM subject_keys WHERE subject_id = %s", (contact.subject_id,)
        ).fetchone()
    key = services.subject_keys.key_for(contact.subject_id)

    assert len(key) == KEY_BYTES
    assert key not in bytes(wrapped) and len(wrapped) == NONCE_BYTES + KEY_BYTES + TAG_BYTES
    kek_file = settings.subject_kek_path
    assert stat.S_IMODE(kek_file.stat().st_mode) == 0o600
    assert load_or_create_kek(kek_file) == kek_file.read_bytes()
    assert bytes(wrapped) != kek_file.read_bytes() and kek_file.read_bytes() not in states_and_keys(services)


def states_and_keys(services) -> bytes:
    with services.pool.connection() as conn:
        keys = conn.execute("SELECT coalesce(wrapped_key, '') FROM subject_keys").fetchall()
    return stored_states(services) + b"".join(bytes(row[0]) for row in keys)


def test_destroying_the_key_erases_the_contact_in_every_read_and_the_proofs_still_verify(
    services, registered
):
    result, contact = registered
    services.integrity.checkpoint()
    before = stored_states(services)

    assert services.subject_keys.destroy(contact.subject_id) is True
    assert services.subject_keys.destroy(contact.subject_id) is False

    erased = replayed(services, result.id).contact
    assert (erased.name, erased.phone, erased.email, erased.subject_id) == (
        ERASED,
        ERASED,
        ERASED,
        contact.subject_id,
    )
    assert stored_states(services) == before  # no event was touched
    with services.pool.connection() as conn:
        row = conn.execute(
            "SELECT wrapped_key, erased_at FROM subject_keys WHERE subject_id = %s", (contact.subject_id,)
        ).fetchone()
    assert row[0] is None and row[1] is not None
    report = verify(
        services.database_url, services.integrity.verifier_key, services.integrity.checkpoint_file
    )
    assert report.ok, report.ordered()


def test_an_erased_person_cannot_be_recorded_again(services, registered):
    _, contact = registered
    services.subject_keys.destroy(contact.subject_id)

    with pytest.raises(SubjectErased) as refused:
        services.ledger.register_case(AGENT, coal_objection(contact=contact))
    assert refused.value.field == "subject_id"


def test_the_same_person_in_two_cases_has_one_key(services, registered):
    first, contact = registered
    second = services.ledger.register_case(AGENT, coal_objection("CUST-0043", contact=contact))

    assert set(services.subject_keys.cases_of(contact.subject_id)) == {first.id, second.id}
    services.subject_keys.destroy(contact.subject_id)
    assert replayed(services, second.id).contact.name == ERASED


def test_over_http_the_contact_names_its_subject_and_an_erased_one_is_refused_with_409(
    services, client, tokens
):
    subject_id = str(uuid4())
    body = registration(contact={"name": NAME, "phone": PHONE, "subject_id": subject_id})

    first = client.post("/api/v1/cases", json=body, headers=auth(tokens["service_agent"]))
    services.subject_keys.destroy(UUID(subject_id))
    again = client.post("/api/v1/cases", json=body, headers=auth(tokens["service_agent"]))

    assert first.status_code == 201 and first.json()["contact_subject_id"] == subject_id
    assert services.subject_keys.subjects_of_case(UUID(first.json()["id"])) == [UUID(subject_id)]
    assert again.status_code == 409, again.text
    assert again.json()["type"].endswith("/subject-erased") and again.json()["field"] == "subject_id"


def test_another_process_sees_a_destruction_once_its_cached_key_expires(services, settings):
    subject_id, now = uuid4(), [0.0]
    kek = load_or_create_kek(settings.subject_kek_path)
    elsewhere = PostgresSubjectKeys(services.pool, kek, ttl_seconds=30.0, monotonic=lambda: now[0])
    key = elsewhere.ensure(subject_id, uuid4())

    assert services.subject_keys.key_for(subject_id) == key  # one key, unwrapped alike everywhere
    services.subject_keys.destroy(subject_id)
    assert services.subject_keys.key_for(subject_id) is None  # at once in the destroying process
    assert elsewhere.key_for(subject_id) == key  # still cached elsewhere...
    now[0] += 30.0
    assert elsewhere.key_for(subject_id) is None  # ...until it expires
