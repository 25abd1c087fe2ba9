"""A valid synthetic evidence bundle (docs/evidence-bundle.md), built with the ledger's own integrity pieces.

The log holds a case's stream, one inspection stream and unrelated events of other cases, interleaved
in the global order; signed checkpoints were taken at sizes 5, 9 and 12 (the final one). The bundle
includes the case stream up to its export event (version 4), the inspection up to its stated head
(version 2: its version 3 was recorded after the export), the checkpoints that first covered each
included event, consistency proofs to the final one, both attachments the events name, the key history,
custody and the tag-manifest signature. `reseal` re-hashes and re-signs after a test has tampered.
"""

import hashlib
import json
import shutil
import tarfile
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import bagit
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from infra.merkle import MerkleTree
from infra.signing import SigningKey, cosigned_note
from infra.verifier import Checkpoint, event_leaf_bytes, leaf_hash, rotation_statement

ORIGIN = "aftersales.test/log"
EXPORT_TOPIC = "domain.case:Case.EvidenceBundleExported"
CHECKPOINT_SIZES = (5, 9, 12)
FINAL_SIZE = CHECKPOINT_SIZES[-1]
LAB_REPORT = b"%PDF-1.7 CCIC report 0815: Qnet,ar 5120 kcal/kg"
INSPECTION_REPORT = b"%PDF-1.7 joint inspection minutes, sample B-0815-01"
EXPORTED_AT = "2026-11-23T10:13:00+00:00"
INFRA = Path(__file__).resolve().parents[1] / "infra"


@dataclass(frozen=True)
class LoggedEvent:
    stream_id: uuid.UUID
    version: int
    topic: str
    state: dict[str, Any]


@dataclass
class BuiltBundle:
    """Where the bag is and what a test needs to tamper with it realistically."""

    path: Path
    keys: list[SigningKey]
    case_id: uuid.UUID
    inspection_id: uuid.UUID
    bundle_id: str
    leaves: list[bytes]

    @property
    def first_key(self) -> str:
        """The verifier key the supplier published, which the expert passes as --key."""
        return self.keys[0].verifier_key(ORIGIN)

    @property
    def export_key(self) -> SigningKey:
        return self.keys[-1]

    def event_file(self, stream_id: uuid.UUID, version: int, suffix: str = ".event") -> Path:
        return self.path / f"data/events/{stream_id}/{version:06d}{suffix}"

    def key_for(self, size: int, rotate_at: int | None) -> SigningKey:
        return self.keys[1] if rotate_at is not None and size >= rotate_at else self.keys[0]


def build_bundle(
    directory: Path, *, rotate_at: int | None = None, stamp: Callable[[bytes], bytes] | None = None
) -> BuiltBundle:
    """A valid bag under `directory`; `rotate_at` hands the log to a second key from that tree size on,
    `stamp` (note bytes -> DER TimeStampToken) adds a timestamp per included checkpoint."""
    case_id, inspection_id, bundle_id = uuid.uuid4(), uuid.uuid4(), str(uuid.uuid4())
    log = _log(case_id, inspection_id, bundle_id)
    leaves = [leaf_hash(_leaf_bytes(position, event)) for position, event in enumerate(log, start=1)]
    keys = [_new_key()] + ([_new_key()] if rotate_at is not None else [])
    bag = directory / f"aftersales-bundle-AS-2026-000042-{bundle_id[:8]}"
    bundle = BuiltBundle(bag, keys, case_id, inspection_id, bundle_id, leaves)
    tree = MerkleTree(leaves)
    included = [(position, event) for position, event in enumerate(log, start=1) if _is_included(event, log)]
    notes = {size: _checkpoint_note(tree, size, bundle.key_for(size, rotate_at)) for size in CHECKPOINT_SIZES}
    sizes = sorted({next(s for s in CHECKPOINT_SIZES if s >= position) for position, _ in included})
    for position, event in included:
        _write_event(bag, tree, position, event)
    for size in sizes:
        _write(bag / f"checkpoints/{size}.note", notes[size].encode())
        if stamp is not None:
            _write(bag / f"timestamps/{size}.tsr", stamp(notes[size].encode()))
        if size < FINAL_SIZE:
            proof = [node.hex() for node in tree.consistency_proof(size, FINAL_SIZE)]
            document = {"old_size": size, "new_size": FINAL_SIZE, "proof": proof}
            _write_json(bag / f"consistency/{size}-{FINAL_SIZE}.json", document)
    for attachment in (LAB_REPORT, INSPECTION_REPORT):
        _write(bag / f"attachments/{hashlib.sha256(attachment).hexdigest()}", attachment)
    _write_json(bag / "keys/keys.json", _key_history(keys, rotate_at))
    _write_json(bag / "custody.json", _custody(bundle, included[-1][0]))
    _write_extras(bag)
    bagit.make_bag(str(bag), _bag_info(bundle), checksums=["sha256"])
    # bagit.py writes BagIt-Version 0.97; the contract (and RFC 8493) says 1.0.
    (bag / "bagit.txt").write_text("BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
    reseal(bundle)
    return bundle


def reseal(bundle: BuiltBundle, key: SigningKey | None = None) -> None:
    """Re-hash the manifests and the tag manifest after a change, and sign again (by default as the
    supplier does, with the export key): what an insider who holds the key could do."""
    bagit.Bag(str(bundle.path)).save(manifests=True)
    sign_tag_manifest(bundle.path, key or bundle.export_key)


def sign_tag_manifest(bag: Path, key: SigningKey) -> None:
    info = bagit.Bag(str(bag)).info
    digest = hashlib.sha256((bag / "tagmanifest-sha256.txt").read_bytes()).hexdigest()
    body = (
        f"aftersales-evidence-bundle/v1\n{ORIGIN}\nbundle {info['Aftersales-Bundle-Id']}\n"
        f"case {info['Aftersales-Case-Id']}\nhead {info['Aftersales-Head-Version']}\n"
        f"tagmanifest-sha256 {digest}\n"
    )
    (bag / "tagmanifest-sha256.txt.sig").write_text(key.sign_note(body, ORIGIN), encoding="utf-8")


def archive(bag: Path, kind: str) -> Path:
    """The bag packed as the exporter delivers it: a .zip or .tar.gz whose single top folder is the bag."""
    if kind == "zip":
        target = bag.with_name(f"{bag.name}.zip")
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as packed:
            for path in sorted(bag.rglob("*")):
                packed.write(path, path.relative_to(bag.parent).as_posix())
        return target
    target = bag.with_name(f"{bag.name}.tar.gz")
    with tarfile.open(target, "w:gz") as packed:
        packed.add(bag, arcname=bag.name)
    return target


def checkpoint_note(leaves: list[bytes], size: int, key: SigningKey) -> str:
    """A checkpoint of the tree of `leaves` at `size` signed by `key`; other leaves make a forked history."""
    return _checkpoint_note(MerkleTree(leaves), size, key)


def event_bytes(
    position: int, stream_id: uuid.UUID, version: int, topic: str, state: dict[str, Any]
) -> bytes:
    return _leaf_bytes(position, LoggedEvent(stream_id, version, topic, state))


# --- the log --------------------------------------------------------------------------------------------


def _log(case_id: uuid.UUID, inspection_id: uuid.UUID, bundle_id: str) -> list[LoggedEvent]:
    other_a, other_b = uuid.uuid4(), uuid.uuid4()
    lab, minutes = (hashlib.sha256(content).hexdigest() for content in (LAB_REPORT, INSPECTION_REPORT))
    actor = {"user_id": "agent-1", "role": "service_agent"}
    case, inspection = "domain.case:Case.{}", "domain.inspection:Inspection.{}"
    export = {
        "bundle_id": bundle_id,
        "head_version": 3,
        "stream_heads": {str(inspection_id): 2},
        "purpose": "arbitration",
        "legal_matter": "CIETAC 2026-0815",
        "format": "zip",
        # As the eventsourcing JSON transcoder stores typed values.
        "actor": {
            "_type_": "Actor",
            "_data_": {"user_id": "compliance-1", "role": {"_type_": "Role", "_data_": "compliance_officer"}},
        },
        "occurred_at": {"_type_": "datetime_iso", "_data_": EXPORTED_AT},
    }
    return [
        LoggedEvent(other_a, 1, case.format("Registered"), {"number": "AS-2026-000041", "actor": actor}),
        LoggedEvent(case_id, 1, case.format("Registered"), {"number": "AS-2026-000042", "actor": actor}),
        LoggedEvent(other_b, 1, case.format("Registered"), {"number": "AS-2026-000043", "actor": actor}),
        LoggedEvent(
            case_id, 2, case.format("EvidenceAttached"), {"file": {"sha256": lab, "size": len(LAB_REPORT)}}
        ),
        LoggedEvent(inspection_id, 1, inspection.format("Scheduled"), {"case_id": str(case_id)}),
        LoggedEvent(other_a, 2, case.format("Acknowledged"), {"actor": actor}),
        LoggedEvent(
            inspection_id, 2, inspection.format("ResultRecorded"), {"report": {"document_sha256": minutes}}
        ),
        LoggedEvent(case_id, 3, case.format("InspectionLinked"), {"inspection_id": str(inspection_id)}),
        LoggedEvent(other_b, 2, case.format("Acknowledged"), {"actor": actor}),
        LoggedEvent(case_id, 4, EXPORT_TOPIC, export),
        # Recorded after the export: above the inspection's stated head, so not in the bundle.
        LoggedEvent(inspection_id, 3, inspection.format("Closed"), {"actor": actor}),
        LoggedEvent(other_a, 3, case.format("Closed"), {"actor": actor}),
    ]


def _is_included(event: LoggedEvent, log: list[LoggedEvent]) -> bool:
    export = next(e for e in log if e.topic == EXPORT_TOPIC)
    heads = {export.stream_id: export.version} | {
        uuid.UUID(s): v for s, v in export.state["stream_heads"].items()
    }
    return event.version <= heads.get(event.stream_id, 0)


def _leaf_bytes(position: int, event: LoggedEvent) -> bytes:
    state = json.dumps(event.state, separators=(",", ":")).encode()
    return event_leaf_bytes(position, event.stream_id, event.version, event.topic, state)


# --- files ----------------------------------------------------------------------------------------------


def _write(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)


def _write_json(path: Path, document: object) -> None:
    _write(path, (json.dumps(document, indent=2) + "\n").encode())


def _write_event(bag: Path, tree: MerkleTree, position: int, event: LoggedEvent) -> None:
    stem = bag / f"events/{event.stream_id}/{event.version:06d}"
    leaf = _leaf_bytes(position, event)
    _write(stem.with_name(f"{stem.name}.event"), leaf)
    proof = {
        "leaf_index": position - 1,
        "tree_size": FINAL_SIZE,
        "leaf_hash": leaf_hash(leaf).hex(),
        "audit_path": [node.hex() for node in tree.inclusion_proof(position - 1, FINAL_SIZE)],
    }
    _write_json(stem.with_name(f"{stem.name}.proof.json"), proof)


def _checkpoint_note(tree: MerkleTree, size: int, key: SigningKey) -> str:
    checkpoint = Checkpoint(ORIGIN, size, tree.root(size), datetime(2026, 11, 23, 10, size, tzinfo=UTC))
    return key.sign_checkpoint(checkpoint)


def _new_key() -> SigningKey:
    return SigningKey(Ed25519PrivateKey.generate())


def _key_history(keys: list[SigningKey], rotate_at: int | None) -> dict[str, Any]:
    entries = [_key_entry(keys[0], 0, None)]
    if rotate_at is not None:
        old, new = (key.verifier_key(ORIGIN) for key in keys)
        statement = cosigned_note(rotation_statement(ORIGIN, old, new, rotate_at), ORIGIN, keys)
        entries.append(_key_entry(keys[1], rotate_at, statement))
    return {"origin": ORIGIN, "keys": entries}


def _key_entry(key: SigningKey, first_tree_size: int, introduced_by: str | None) -> dict[str, Any]:
    return {
        "verifier_key": key.verifier_key(ORIGIN),
        "fingerprint": hashlib.sha256(key.public_key_bytes()).hexdigest(),
        "first_tree_size": first_tree_size,
        "valid_from": f"2026-11-23T10:{first_tree_size:02d}:00Z",
        "introduced_by": introduced_by,
    }


def _custody(bundle: BuiltBundle, export_position: int) -> dict[str, Any]:
    return {
        "bundle_id": bundle.bundle_id,
        "case_id": str(bundle.case_id),
        "case_number": "AS-2026-000042",
        "exported_by": {"user_id": "compliance-1", "role": "compliance_officer"},
        "exported_at": EXPORTED_AT,
        "purpose": "arbitration",
        "legal_matter": "CIETAC 2026-0815",
        "export_event": {"stream_id": str(bundle.case_id), "version": 4, "position": export_position},
        "format": "zip",
        "software": "aftersales-ledger 0.1.0",
    }


def _write_extras(bag: Path) -> None:
    """The report, the guide and the tools: not checked by the verifier, but part of a real bundle."""
    for language in ("en", "zh-CN"):
        _write(bag / f"report/case-report.{language}.html", b"<!doctype html><title>AS-2026-000042</title>")
        guide = INFRA / f"bundle_guide/verifying.{language}.md"
        if guide.exists():
            _write(bag / f"guide/verifying.{language}.md", guide.read_bytes())
    for tool in ("verify_bundle.py", "verifier.py", "timestamp_token.py"):
        if (INFRA / tool).exists():
            (bag / "tools").mkdir(parents=True, exist_ok=True)
            shutil.copyfile(INFRA / tool, bag / "tools" / tool)


def _bag_info(bundle: BuiltBundle) -> dict[str, str]:
    return {
        "Source-Organization": "Aftersales Test Supplier",
        "Bagging-Date": "2026-11-23",
        "External-Identifier": bundle.bundle_id,
        "External-Description": "Evidence bundle of case AS-2026-000042 for arbitration",
        "Bag-Software-Agent": "aftersales-ledger 0.1.0",
        "Aftersales-Bundle-Id": bundle.bundle_id,
        "Aftersales-Case-Id": str(bundle.case_id),
        "Aftersales-Case-Number": "AS-2026-000042",
        "Aftersales-Head-Version": "3",
        "Aftersales-Purpose": "arbitration",
        "Aftersales-Legal-Matter": "CIETAC 2026-0815",
        "Aftersales-Origin": ORIGIN,
    }
