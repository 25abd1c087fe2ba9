"""Evidence through HTTP: upload, the event that names the bytes, download, and every way it is refused."""

import hashlib
import os
from typing import Any
from uuid import UUID

import psycopg
import pytest
from structlog.testing import capture_logs

from domain.actor import Role
from infra.blobs import DirectoryBlobStore
from infra.settings import Settings
from tests.conftest import auth
from tests.e2e.test_access import granted, log_of, read, register, settled

LIMIT = 256 * 1024
PHOTO = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + os.urandom(100_000)
REPORT = b"%PDF-1.7\n" + b"CCIC report 0815: Qnet,ar 5,120 kcal/kg\n" * 50
ATTACHMENTS_QUERY = """
query($id: ID!) { case(id: $id) { attachments {
  id kind contentType size sha256 attachedBy current supersededBy fileName description } } }
"""


@pytest.fixture
def settings(tmp_path, request) -> Settings:
    store = getattr(request, "param", "postgres")
    return Settings(
        data_dir=tmp_path,
        run_projections=True,
        max_body_bytes=64 * 1024,
        max_upload_bytes=LIMIT,
        blob_store=store,
    )


def upload(
    client: Any,
    token: str,
    case_id: str,
    content: bytes = PHOTO,
    content_type: str = "image/jpeg",
    kind: str = "photo",
    name: str = "IMG_0815.jpg",
    **headers: str,
) -> Any:
    return client.post(
        f"/api/v1/cases/{case_id}/attachments",
        files={"file": (name, content, content_type)},
        data={"kind": kind, "description": "Wet coal at the unloading point"},
        headers=auth(token, **headers),
    )


def attached(client: Any, token: str, case_id: str, **kwargs: Any) -> dict[str, Any]:
    response = upload(client, token, case_id, **kwargs)
    assert response.status_code == 201, response.text
    return dict(response.json())


def download(client: Any, token: str, case_id: str, attachment_id: str) -> Any:
    return client.get(f"/api/v1/cases/{case_id}/attachments/{attachment_id}", headers=auth(token))


def stored_blobs(services: Any) -> int:
    with services.pool.connection() as conn:
        return int(conn.execute("SELECT count(*) FROM blobs").fetchone()[0])


def case_version(services: Any, case_id: str) -> int:
    return int(services.ledger.get_case(UUID(case_id)).version)


@pytest.mark.parametrize("settings", ["postgres", "directory"], indirect=True)
def test_an_upload_is_named_by_its_hash_in_the_event_and_downloads_byte_for_byte(client, services, tokens):
    case_id = register(client, tokens["service_agent"])

    answer = attached(client, tokens["engineer"], case_id)
    fetched = download(client, tokens["qc_inspector"], case_id, answer["attachment_id"])

    sha256 = hashlib.sha256(PHOTO).hexdigest()
    assert (answer["sha256"], answer["size"], answer["version"]) == (sha256, len(PHOTO), 2)
    [event] = [e for e in services.ledger.events.get(UUID(case_id)) if type(e).__name__ == "EvidenceAttached"]
    assert (str(event.attachment_id), event.sha256, event.kind.value) == (
        answer["attachment_id"],
        sha256,
        "photo",
    )
    assert fetched.status_code == 200, fetched.text
    assert fetched.content == PHOTO
    assert fetched.headers["content-type"] == "image/jpeg"
    assert fetched.headers["etag"] == f'"{sha256}"'
    assert fetched.headers["repr-digest"].startswith("sha-256=:")
    assert "IMG_0815.jpg" in fetched.headers["content-disposition"]
    assert services.blobs.exists(sha256)


def test_the_same_bytes_are_stored_once_and_attached_to_a_case_once(client, services, tokens):
    coal, cement = register(client, tokens["manager"]), register(client, tokens["manager"])

    first = attached(client, tokens["manager"], coal)
    second = attached(client, tokens["manager"], cement)
    again = upload(client, tokens["manager"], coal)

    assert first["sha256"] == second["sha256"]
    assert stored_blobs(services) == 1
    assert again.status_code == 409
    assert again.json()["field"] == "file"
    assert first["attachment_id"] in again.json()["detail"]


def test_a_retried_upload_returns_the_first_answer_and_another_file_under_its_key_is_refused(
    client, services, tokens
):
    case_id = register(client, tokens["service_agent"])
    token = tokens["service_agent"]

    first = upload(client, token, case_id, idempotency_key="photo-0815")
    retried = upload(client, token, case_id, idempotency_key="photo-0815")
    other_file = upload(client, token, case_id, REPORT, "application/pdf", idempotency_key="photo-0815")

    assert (first.status_code, retried.status_code) == (201, 201)
    assert retried.json() == first.json()
    assert case_version(services, case_id) == 2
    assert other_file.status_code == 422
    assert other_file.json()["field"] == "Idempotency-Key"


@pytest.mark.parametrize(
    ("size", "field"),
    [(LIMIT + 1, "file"), (LIMIT + 200 * 1024, None)],
    ids=["file over the upload limit", "body over the limit of uploads"],
)
def test_a_file_over_the_limit_gets_413_and_nothing_is_recorded(client, services, tokens, size, field):
    case_id = register(client, tokens["service_agent"])

    response = upload(client, tokens["service_agent"], case_id, PHOTO[:12] + b"\x00" * (size - 12))

    assert response.status_code == 413, response.text
    assert response.json().get("field") == field
    assert case_version(services, case_id) == 1
    assert stored_blobs(services) == 0


def test_json_commands_keep_their_small_limit(client, tokens):
    case_id = register(client, tokens["service_agent"])

    response = client.post(
        f"/api/v1/cases/{case_id}/notes", json={"text": "x" * 100_000}, headers=auth(tokens["service_agent"])
    )

    assert response.status_code == 413


@pytest.mark.parametrize(
    ("content", "content_type", "says"),
    [
        (b"MZ\x90\x00" + b"\x00" * 100, "application/x-msdownload", "is not accepted"),
        (REPORT, "image/jpeg", "not image/jpeg"),
        (PHOTO, "text/plain", "not text/plain"),
    ],
    ids=["type not accepted", "a PDF declared as a photo", "a photo declared as text"],
)
def test_a_file_of_another_type_than_accepted_or_declared_gets_415_naming_it(
    client, services, tokens, content, content_type, says
):
    case_id = register(client, tokens["service_agent"])

    response = upload(client, tokens["service_agent"], case_id, content, content_type)

    assert response.status_code == 415, response.text
    assert response.json()["field"] == "file"
    assert says in response.json()["detail"]
    assert case_version(services, case_id) == 1
    assert stored_blobs(services) == 0


def test_an_upload_to_an_unknown_case_gets_404_and_stores_nothing(client, services, tokens):
    response = upload(client, tokens["service_agent"], "00000000-0000-4000-8000-000000000000")

    assert response.status_code == 404
    assert stored_blobs(services) == 0


def test_a_missing_file_or_kind_is_named(client, tokens):
    case_id = register(client, tokens["service_agent"])

    response = client.post(
        f"/api/v1/cases/{case_id}/attachments",
        data={"kind": "selfie"},
        headers=auth(tokens["service_agent"]),
    )

    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"file", "kind"}


def test_staff_download_evidence_only_under_a_grant_and_every_download_is_logged(client, services, tokens):
    case_id = register(client, tokens["service_agent"])
    attachment = attached(client, tokens["service_agent"], case_id)["attachment_id"]

    refused = download(client, tokens["staff"], case_id, attachment)
    granted(client, services, tokens, case_id)
    allowed = download(client, tokens["staff"], case_id, attachment)

    assert refused.status_code == 403
    assert allowed.status_code == 200
    assert allowed.content == PHOTO
    reads = [e for e in log_of(client, services, tokens, case_id) if e["what"] == "attachment"]
    assert [(e["userId"], e["refused"], e["why"]) for e in reads] == [
        ("staff-1", False, None),
        ("staff-1", True, "no_grant"),
    ]


def test_a_superseded_attachment_stays_readable_and_graphql_shows_both(client, services, tokens):
    case_id = register(client, tokens["service_agent"])
    photo = attached(client, tokens["engineer"], case_id)["attachment_id"]
    report = attached(
        client,
        tokens["qc_inspector"],
        case_id,
        content=REPORT,
        content_type="application/pdf",
        kind="lab_report",
    )["attachment_id"]

    superseded = client.post(
        f"/api/v1/cases/{case_id}/attachments/{photo}/supersede",
        json={"reason": "Photo of another wagon", "superseded_by": report},
        headers=auth(tokens["engineer"], if_match="3"),
    )
    again = client.post(
        f"/api/v1/cases/{case_id}/attachments/{photo}/supersede",
        json={"reason": "Again"},
        headers=auth(tokens["engineer"]),
    )
    settled(services)
    shown = read(client, tokens["auditor"], ATTACHMENTS_QUERY, id=case_id)["case"]["attachments"]

    assert superseded.status_code == 200, superseded.text
    assert superseded.json()["version"] == 4
    assert again.status_code == 409
    assert download(client, tokens["manager"], case_id, photo).content == PHOTO
    assert [(a["id"], a["kind"], a["current"], a["supersededBy"]) for a in shown] == [
        (photo, "PHOTO", False, report),
        (report, "LAB_REPORT", True, None),
    ]
    assert shown[1]["contentType"] == "application/pdf"
    assert shown[1]["sha256"] == hashlib.sha256(REPORT).hexdigest()
    assert (shown[0]["fileName"], shown[0]["attachedBy"]) == ("IMG_0815.jpg", "engineer-1")
    timeline = read(
        client, tokens["auditor"], "query($id: ID!) { case(id: $id) { timeline { summary } } }", id=case_id
    )
    summaries = [entry["summary"] for entry in timeline["case"]["timeline"]]
    assert f"Evidence attached: lab report (sha256 {hashlib.sha256(REPORT).hexdigest()[:12]}…)" in summaries
    assert not any("IMG_0815" in summary for summary in summaries)


def test_supersede_refused_by_role_and_unknown_attachment(client, tokens):
    case_id = register(client, tokens["service_agent"])
    attachment = attached(client, tokens["service_agent"], case_id)["attachment_id"]

    by_auditor = client.post(
        f"/api/v1/cases/{case_id}/attachments/{attachment}/supersede",
        json={"reason": "x"},
        headers=auth(tokens["auditor"]),
    )
    unknown = client.post(
        f"/api/v1/cases/{case_id}/attachments/00000000-0000-4000-8000-000000000000/supersede",
        json={"reason": "x"},
        headers=auth(tokens["manager"]),
    )

    assert by_auditor.status_code == 403
    assert unknown.status_code == 404
    assert unknown.json()["field"] == "attachment_id"


@pytest.mark.parametrize("settings", ["directory"], indirect=True)
def test_swapped_bytes_are_never_delivered_as_evidence(client, services, tokens):
    case_id = register(client, tokens["service_agent"])
    answer = attached(client, tokens["service_agent"], case_id)
    assert isinstance(services.blobs, DirectoryBlobStore)
    path = services.blobs.path(answer["sha256"])
    path.chmod(0o644)
    path.write_bytes(PHOTO[:-1] + b"\x00")

    with capture_logs() as logs:
        response = download(client, tokens["manager"], case_id, answer["attachment_id"])

    assert response.status_code == 500
    assert response.json()["type"].endswith("/evidence-unreadable")
    assert PHOTO[:1000] not in response.content
    assert any(e["event"] == "evidence.unreadable" and e["log_level"] == "error" for e in logs)


def test_roles_that_never_write_cannot_attach(client, services, tokens):
    case_id = register(client, tokens["service_agent"])

    refused = {role.value: upload(client, tokens[role.value], case_id).status_code for role in Role}

    assert {r for r, status in refused.items() if status == 403} == {
        "auditor",
        "compliance",
        "staff",
        "supervisor",
    }
    assert stored_blobs(services) == 1


def _tamper(services: Any, sha256: str, how: str) -> None:
    """What an attacker with the file system or a superuser's database access would do."""
    if isinstance(services.blobs, DirectoryBlobStore):
        path = services.blobs.path(sha256)
        path.chmod(0o644)
        path.write_bytes(PHOTO[:-1] + b"\x00")
        return
    statements = {
        "rewrite": "UPDATE blob_chunks SET content = set_byte(content, 20, 0) WHERE sha256 = %s",
        "delete": "DELETE FROM blob_chunks WHERE sha256 = %s; DELETE FROM blobs WHERE sha256 = %s",
    }
    with psycopg.connect(services.database_url, autocommit=True) as conn:
        for table in ("blobs", "blob_chunks"):
            conn.execute(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only")  # type: ignore[arg-type]
        for statement in statements[how].split("; "):
            conn.execute(statement, (sha256,))  # type: ignore[arg-type]
        for table in ("blobs", "blob_chunks"):
            conn.execute(f"ALTER TABLE {table} ENABLE TRIGGER {table}_append_only")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("settings", "how", "says"),
    [
        ("directory", "rewrite", "no longer hash to"),
        ("postgres", "rewrite", "no longer hash to"),
        ("postgres", "delete", "missing from the store"),
    ],
    ids=["directory file rewritten", "postgres chunk rewritten", "postgres blob deleted"],
    indirect=["settings"],
)
def test_verify_fails_naming_the_attachment_whose_bytes_were_swapped(
    client, services, tokens, aftersales, monkeypatch, settings, how, says
):
    monkeypatch.setenv("AFTERSALES_BLOB_STORE", settings.blob_store)
    case_id = register(client, tokens["service_agent"])
    answer = attached(client, tokens["service_agent"], case_id)
    attached(client, tokens["service_agent"], case_id, content=REPORT, content_type="application/pdf")
    # A checkpoint signed meanwhile would be in the log file a moment before the database: not what is tested.
    services.stop_followers()
    before = aftersales("verify")

    _tamper(services, answer["sha256"], how)
    after = aftersales("verify")

    assert before.exit_code == 0, before.output
    assert "the bytes of all 2 attachments" in before.stdout
    assert after.exit_code == 1, after.output
    assert "TAMPERING DETECTED: first bad position" in after.stderr
    assert f"attachment {answer['attachment_id']} of case {case_id}" in after.stderr
    assert says in after.stderr
