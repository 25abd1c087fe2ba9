"""Evidence bundles through HTTP and the command line: a BagIt bag per docs/evidence-bundle.md.

Each bundle is opened as the other side's expert would: BagIt validation, then the contract's files
checked with nothing but `infra.verifier`'s primitives and the supplier's verifier key.
"""

import hashlib
import io
import json
import struct
import subprocess
import sys
import tarfile
import uuid
import zipfile
from pathlib import Path
from typing import Any

import bagit
import pytest

from domain.actor import Role
from domain.liability_determination import determination_id
from infra.settings import Settings
from infra.verifier import open_checkpoint, open_note, verify_consistency, verify_inclusion
from tests.conftest import auth
from tests.e2e.test_inspections import Story, coal_story
from tests.e2e.test_liability import basis_inspection, proposal
from tests.e2e.test_liability import post as liability

PURPOSE = "Arbitration of the Q5500 calorific value dispute"
MATTER = "CIETAC 2026-0815"
EXPORT_TOPIC = "domain.case:Case.EvidenceBundleExported"
HISTORY = "query($id: ID!) { caseHistory(id: $id) { event { version eventType } } }"
_EVENT_HEAD = struct.Struct(">BQ16sQI")
REPOSITORY = Path(__file__).resolve().parents[2]


@pytest.fixture
def settings(tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    """The usual test settings; with the parameter "tsa", checkpoints are stamped by the local TSA."""
    stamped: dict[str, Any] = {}
    if getattr(request, "param", None) == "tsa":
        tsa = request.getfixturevalue("local_tsa")
        stamped = {"tsa_url": tsa.url, "tsa_cert_file": tsa.chain, "tsa_timeout_seconds": 5}
    return Settings(data_dir=tmp_path, run_projections=True, max_body_bytes=64 * 1024, **stamped)


@pytest.fixture
def story(client: Any, tokens: dict[str, str]) -> Story:
    """A quality objection with evidence and an inspection (another stream of the case) with a result."""
    told = coal_story(client, tokens)
    inspection_id = told.opened()
    result = told.result(inspection_id, "customer_lab", "5120", report_attachment_id=told.report_id)
    assert result.status_code == 201, result.text
    return told


def export(story: Story, role: str = "compliance", **body: Any) -> Any:
    sent = {"purpose": PURPOSE, "legal_matter": MATTER} | body
    return story.client.post(
        f"/api/v1/cases/{story.case_id}/evidence-bundles", json=sent, headers=auth(story.tokens[role])
    )


def unpacked(archive: bytes, bundle_format: str, into: Path) -> Path:
    """The archive's single top folder: the bag."""
    if bundle_format == "zip":
        zipfile.ZipFile(io.BytesIO(archive)).extractall(into)  # noqa: S202 - the server under test made it
    else:
        with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as opened:
            opened.extractall(into, filter="data")
    [bag] = list(into.iterdir())
    return bag


def decoded(event_bytes: bytes) -> dict[str, Any]:
    """The fields of an event's canonical leaf bytes (layout version 1, infra/verifier.py)."""
    layout, position, stream_id, version, topic_length = _EVENT_HEAD.unpack_from(event_bytes)
    topic_end = _EVENT_HEAD.size + topic_length
    (state_length,) = struct.unpack_from(">I", event_bytes, topic_end)
    state = event_bytes[topic_end + 4 : topic_end + 4 + state_length]
    return {
        "layout": layout,
        "position": position,
        "stream_id": str(uuid.UUID(bytes=stream_id)),
        "version": version,
        "topic": event_bytes[_EVENT_HEAD.size : topic_end].decode(),
        "state": json.loads(state),
    }


def checked_bag(bag: Path, verifier_key: str) -> dict[str, Any]:
    """Every check of the contract this test can make; returns the export event's state."""
    bagit.Bag(str(bag)).validate()
    info = bagit.Bag(str(bag)).info
    data = bag / "data"
    notes = {int(p.stem): p.read_text() for p in (data / "checkpoints").glob("*.note")}
    final_size = max(notes)
    final = open_checkpoint(notes[final_size], verifier_key)
    for size, note in notes.items():
        old = open_checkpoint(note, verifier_key)
        if size < final_size:
            proof = json.loads((data / "consistency" / f"{size}-{final_size}.json").read_text())
            path = [bytes.fromhex(h) for h in proof["proof"]]
            assert verify_consistency(size, final_size, old.root_hash, final.root_hash, path)

    streams: dict[str, list[int]] = {}
    for event_file in sorted((data / "events").glob("*/*.event")):
        content = event_file.read_bytes()
        proof = json.loads(event_file.with_name(event_file.stem + ".proof.json").read_text())
        leaf = hashlib.sha256(b"\x00" + content).digest()
        assert proof["leaf_hash"] == leaf.hex() and proof["tree_size"] == final_size
        path = [bytes.fromhex(h) for h in proof["audit_path"]]
        assert verify_inclusion(leaf, proof["leaf_index"], final_size, path, final.root_hash)
        event = decoded(content)
        assert (event["stream_id"], f"{event['version']:06d}") == (event_file.parent.name, event_file.stem)
        streams.setdefault(event["stream_id"], []).append(event["version"])
        for sha256 in _attachment_hashes(event["state"]):
            attachment = data / "attachments" / sha256
            assert hashlib.sha256(attachment.read_bytes()).hexdigest() == sha256

    case_id = info["Aftersales-Case-Id"]
    last = decoded((data / "events" / case_id / f"{len(streams[case_id]):06d}.event").read_bytes())
    statement = last["state"]
    assert last["topic"] == EXPORT_TOPIC
    assert streams[case_id] == list(range(1, statement["head_version"] + 2))
    others = {s: versions for s, versions in streams.items() if s != case_id}
    assert {s: list(range(1, head + 1)) for s, head in statement["stream_heads"].items()} == others
    assert statement["bundle_id"] == info["Aftersales-Bundle-Id"] == info["External-Identifier"]
    assert int(info["Aftersales-Head-Version"]) == statement["head_version"]

    tag_manifest = (bag / "tagmanifest-sha256.txt").read_bytes()
    body = open_note((bag / "tagmanifest-sha256.txt.sig").read_text(), verifier_key)
    assert body.splitlines() == [
        "aftersales-evidence-bundle/v1",
        info["Aftersales-Origin"],
        f"bundle {statement['bundle_id']}",
        f"case {case_id}",
        f"head {statement['head_version']}",
        f"tagmanifest-sha256 {hashlib.sha256(tag_manifest).hexdigest()}",
    ]
    assert sorted(line.split()[1] for line in tag_manifest.decode().splitlines()) == [
        "bag-info.txt",
        "bagit.txt",
        "manifest-sha256.txt",
    ]

    custody = json.loads((data / "custody.json").read_text())
    assert custody["export_event"] == {
        "stream_id": case_id,
        "version": last["version"],
        "position": last["position"],
    }
    assert (custody["bundle_id"], custody["purpose"], custody["legal_matter"]) == (
        statement["bundle_id"],
        statement["purpose"],
        statement["legal_matter"],
    )
    assert custody["exported_at"] == statement["occurred_at"]["_data_"]
    keys = json.loads((data / "keys" / "keys.json").read_text())
    assert keys["keys"][0]["verifier_key"] == verifier_key
    return statement


def _attachment_hashes(value: Any) -> list[str]:
    if isinstance(value, dict):
        found = []
        for key, item in value.items():
            if key.endswith("sha256") and isinstance(item, str) and len(item) == 64:
                found.append(item)
            else:
                found += _attachment_hashes(item)
        return found
    if isinstance(value, list):
        return [h for item in value for h in _attachment_hashes(item)]
    return []


@pytest.mark.parametrize("bundle_format", ["zip", "tar.gz"])
def test_compliance_exports_a_bundle_that_validates_and_holds_the_whole_case(
    story: Story, services: Any, tmp_path: Path, bundle_format: str
):
    before = services.ledger.get_case(uuid.UUID(story.case_id)).version

    response = export(story, format=bundle_format)

    assert response.status_code == 200, response.text
    media_type = {"zip": "application/zip", "tar.gz": "application/gzip"}[bundle_format]
    assert response.headers["content-type"] == media_type
    bundle_id = response.headers["X-Bundle-Id"]
    assert f".{bundle_format}" in response.headers["content-disposition"]
    bag = unpacked(response.content, bundle_format, tmp_path / "unpacked")
    number = services.ledger.get_case(uuid.UUID(story.case_id)).number
    assert bag.name == f"aftersales-bundle-{number}-{uuid.UUID(bundle_id).hex[:8]}"
    statement = checked_bag(bag, services.integrity.verifier_key)
    assert statement["head_version"] == before and statement["bundle_id"] == bundle_id
    assert len(statement["stream_heads"]) == 1  # the inspection
    assert statement["format"] == bundle_format
    attachments = list((bag / "data" / "attachments").iterdir())
    assert attachments
    for name in ("case-report.en.html", "case-report.zh-CN.html"):
        report = (bag / "data" / "report" / name).read_text()
        assert number in report and "Wang Lei" not in report and "+86 138" not in report
        assert all(f"data/attachments/{a.name}" in report for a in attachments)
        assert "Li Ming" not in report  # a sampling witness
    assert "检验" in (bag / "data" / "report" / "case-report.zh-CN.html").read_text()


@pytest.mark.parametrize("settings", ["tsa"], indirect=True)
def test_with_a_time_stamping_authority_every_included_checkpoint_comes_with_its_token(
    story: Story, services: Any, tmp_path: Path
):
    response = export(story)

    assert response.status_code == 200, response.text
    bag = unpacked(response.content, "zip", tmp_path / "unpacked")
    checked_bag(bag, services.integrity.verifier_key)
    notes = {p.stem for p in (bag / "data" / "checkpoints").glob("*.note")}
    assert {p.stem for p in (bag / "data" / "timestamps").glob("*.tsr")} == notes


def test_the_liability_determination_is_in_the_bundle_and_its_shares_in_the_report(
    story: Story, services: Any, tmp_path: Path
):
    inspection_id = basis_inspection(story)
    proposed = liability(story, "", proposal([inspection_id]), story.tokens["qc_inspector"])
    approved = liability(story, "/1/approve", {}, story.tokens["manager"])
    assert (proposed.status_code, approved.status_code) == (201, 200), proposed.text + approved.text

    response = export(story)

    assert response.status_code == 200, response.text
    bag = unpacked(response.content, "zip", tmp_path / "unpacked")
    statement = checked_bag(bag, services.integrity.verifier_key)
    assert str(determination_id(uuid.UUID(story.case_id))) in statement["stream_heads"]
    for name in ("case-report.en.html", "case-report.zh-CN.html"):
        report = (bag / "data" / "report" / name).read_text()
        assert "supplier 70%, carrier 30%" in report and "transport_storage" in report


def test_the_export_is_the_cases_last_event_and_states_the_head(story: Story, services: Any):
    case_id = uuid.UUID(story.case_id)
    before = services.ledger.get_case(case_id).version

    response = export(story)

    assert response.status_code == 200, response.text
    last = list(services.ledger.events.get(case_id))[-1]
    assert type(last).__name__ == "EvidenceBundleExported"
    assert (last.originator_version, last.head_version) == (before + 1, before)
    assert (last.purpose, last.legal_matter, last.actor.role) == (PURPOSE, MATTER, Role.COMPLIANCE)
    assert last.bundle_id == response.headers["X-Bundle-Id"]
    history = story.client.post(
        "/graphql",
        json={"query": HISTORY, "variables": {"id": str(case_id)}},
        headers=auth(story.tokens["auditor"]),
    )
    events = history.json()["data"]["caseHistory"]
    assert events[-1]["event"] == {"version": before + 1, "eventType": "EvidenceBundleExported"}


@pytest.mark.parametrize("role", [r.value for r in Role if r is not Role.COMPLIANCE])
def test_only_compliance_exports(story: Story, services: Any, role: str):
    before = services.ledger.get_case(uuid.UUID(story.case_id)).version

    response = export(story, role=role)

    assert response.status_code == 403, response.text
    assert services.ledger.get_case(uuid.UUID(story.case_id)).version == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"purpose": None}, "purpose"),
        ({"legal_matter": None}, "legal_matter"),
        ({"legal_matter": "   "}, "legal_matter"),
        ({"purpose": "two\nlines"}, "purpose"),
        ({"format": "rar"}, "format"),
    ],
)
def test_a_missing_purpose_or_matter_is_refused_naming_the_field(
    story: Story, services: Any, body: dict[str, Any], field: str
):
    before = services.ledger.get_case(uuid.UUID(story.case_id)).version
    sent = {k: v for k, v in ({"purpose": PURPOSE, "legal_matter": MATTER} | body).items() if v is not None}

    response = story.client.post(
        f"/api/v1/cases/{story.case_id}/evidence-bundles", json=sent, headers=auth(story.tokens["compliance"])
    )

    assert response.status_code == 422, response.text
    assert response.json()["field"] == field
    assert services.ledger.get_case(uuid.UUID(story.case_id)).version == before


def test_an_unknown_case_is_404(client: Any, tokens: dict[str, str]):
    response = client.post(
        f"/api/v1/cases/{uuid.uuid4()}/evidence-bundles",
        json={"purpose": PURPOSE, "legal_matter": MATTER},
        headers=auth(tokens["compliance"]),
    )

    assert response.status_code == 404, response.text


@pytest.mark.parametrize("bundle_format", ["zip", "tar.gz"])
def test_the_command_line_exports_a_valid_bundle_by_case_number(
    story: Story, services: Any, aftersales: Any, tmp_path: Path, bundle_format: str
):
    number = services.ledger.get_case(uuid.UUID(story.case_id)).number
    out = tmp_path / f"bundle.{bundle_format}"

    result = aftersales(
        "export", number, "--purpose", PURPOSE, "--matter", MATTER, "--as", "compliance-1",
        "--out", str(out), "--format", bundle_format,
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert "written to" in result.stdout
    bag = unpacked(out.read_bytes(), bundle_format, tmp_path / "unpacked")
    statement = checked_bag(bag, services.integrity.verifier_key)
    assert statement["bundle_id"] in result.stdout
    published = subprocess.run(
        [sys.executable, "-m", "infra.verify_bundle", str(out), "--key", services.integrity.verifier_key],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        check=False,
    )
    assert published.returncode == 0, published.stdout + published.stderr


def test_the_command_line_refuses_a_user_without_the_compliance_role(
    story: Story, aftersales: Any, tmp_path: Path
):
    out = tmp_path / "bundle.zip"

    result = aftersales(
        "export", story.case_id, "--purpose", PURPOSE, "--matter", MATTER, "--as", "auditor-1",
        "--out", str(out),
    )  # fmt: skip

    assert result.exit_code == 1
    assert "export_evidence_bundle" in result.output
    assert not out.exists() and not list(tmp_path.glob("*.partial"))
