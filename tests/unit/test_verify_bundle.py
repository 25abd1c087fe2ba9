"""The offline bundle verifier: a valid bundle passes it and `bagit`; each kind of tampering is caught and
named by the check docs/evidence-bundle.md assigns to it."""

import ast
import hashlib
import importlib.util
import json
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import bagit
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import infra.verify_bundle
from infra.signing import SigningKey
from infra.verify_bundle import decode_event, main
from tests.bundle_builder import (
    INSPECTION_REPORT,
    LAB_REPORT,
    BuiltBundle,
    archive,
    build_bundle,
    checkpoint_note,
    event_bytes,
    reseal,
    sign_tag_manifest,
)
from tests.tsa import TestAuthority

INFRA = Path(infra.verify_bundle.__file__).parent
HAS_TIMESTAMP_MODULE = importlib.util.find_spec("infra.timestamp_token") is not None


@pytest.fixture
def bundle(tmp_path: Path) -> BuiltBundle:
    return build_bundle(tmp_path)


def verify(path: Path, capsys: pytest.CaptureFixture[str], *options: str) -> tuple[int, str]:
    code = main([str(path), *options])
    return code, capsys.readouterr().out


def assert_fails(code: int, output: str, check: str, place: str) -> None:
    assert code == 1, output
    failure = next(line for line in output.splitlines() if line.startswith("FAIL"))
    assert failure.startswith(f"FAIL {check}: "), output
    assert place in failure, output
    assert f"NOT VERIFIED: the {check} check failed" in output


# --- a valid bundle -------------------------------------------------------------------------------------


def test_a_valid_bundle_passes_every_check_and_bagit(bundle: BuiltBundle, capsys) -> None:
    code, output = verify(bundle.path, capsys, "--key", bundle.first_key)

    assert code == 0, output
    checks = [line.split(":")[0] for line in output.splitlines() if line.startswith("ok")]
    assert checks == [f"ok   {name}" for name, _ in infra.verify_bundle.CHECKS]
    assert output.rstrip().endswith("VERIFIED: every check passed")
    assert bagit.Bag(str(bundle.path)).validate()


@pytest.mark.parametrize("kind", ["zip", "tar.gz"])
def test_a_valid_archive_passes(bundle: BuiltBundle, kind: str, capsys) -> None:
    code, output = verify(archive(bundle.path, kind), capsys, "--key", bundle.first_key)

    assert code == 0, output


def test_without_a_key_the_first_keys_fingerprint_is_shown_to_compare(bundle: BuiltBundle, capsys) -> None:
    code, output = verify(bundle.path, capsys)

    fingerprint = hashlib.sha256(bundle.keys[0].public_key_bytes()).hexdigest()
    assert code == 0, output
    assert "WARN keys: no --key given" in output and fingerprint in output


def test_a_key_rotation_verifies(tmp_path: Path, capsys) -> None:
    rotated = build_bundle(tmp_path, rotate_at=9)

    code, output = verify(rotated.path, capsys, "--key", rotated.first_key)

    assert code == 0, output
    assert "rotations: at size 9" in output


def test_a_checkpoint_signed_by_a_retired_key_for_a_later_size_fails(tmp_path: Path, capsys) -> None:
    rotated = build_bundle(tmp_path, rotate_at=9)
    retired = rotated.keys[0]
    (rotated.path / "data/checkpoints/12.note").write_text(checkpoint_note(rotated.leaves, 12, retired))
    reseal(rotated)

    code, output = verify(rotated.path, capsys, "--key", rotated.first_key)

    assert_fails(code, output, "checkpoints", "checkpoints/12.note: note has no signature by key")
    assert "key 2 is the one valid for size 12" in output


# --- tampering, each caught by its check ---------------------------------------------------------------
# The kinds of tampering the issue lists. Most are resealed as an insider holding the supplier's key could
# (`reseal` re-hashes and re-signs the bag), which shows the deeper checks catch them on their own; an
# outsider's changes are caught earlier, by `bag` or `signature` (the tests after the table).


def change_a_byte(bundle: BuiltBundle) -> str:
    path = bundle.event_file(bundle.case_id, 2)
    path.write_bytes(path.read_bytes().replace(b'"size":', b'"SIZE":'))
    return f"{bundle.case_id}/000002: leaf hash does not match its bytes"


def drop_an_event(bundle: BuiltBundle) -> str:
    for suffix in (".event", ".proof.json"):
        bundle.event_file(bundle.case_id, 2, suffix).unlink()
    return f"{bundle.case_id}: version 2 is missing"


def insert_an_event(bundle: BuiltBundle) -> str:
    forged = event_bytes(13, bundle.inspection_id, 3, "domain.inspection:Inspection.Passed", {"passed": True})
    bundle.event_file(bundle.inspection_id, 3).write_bytes(forged)
    proof = json.loads(bundle.event_file(bundle.inspection_id, 2, ".proof.json").read_text())
    proof["leaf_hash"] = hashlib.sha256(b"\x00" + forged).hexdigest()
    bundle.event_file(bundle.inspection_id, 3, ".proof.json").write_text(json.dumps(proof))
    return f"{bundle.inspection_id}/000003: the inclusion proof does not verify"


def swap_an_attachment(bundle: BuiltBundle) -> str:
    name = hashlib.sha256(LAB_REPORT).hexdigest()
    (bundle.path / f"data/attachments/{name}").write_bytes(INSPECTION_REPORT)
    return f"attachments/{name}: its bytes hash to {hashlib.sha256(INSPECTION_REPORT).hexdigest()}"


def corrupt_a_proof_element(bundle: BuiltBundle) -> str:
    path = bundle.event_file(bundle.case_id, 1, ".proof.json")
    proof = json.loads(path.read_text())
    element = proof["audit_path"][1]
    proof["audit_path"][1] = ("0" if element[0] != "0" else "1") + element[1:]
    path.write_text(json.dumps(proof))
    return f"{bundle.case_id}/000001: the inclusion proof does not verify against the final checkpoint"


def fork_a_checkpoint(bundle: BuiltBundle) -> str:
    # The supplier signed a checkpoint of size 5 over a history in which the first event was different.
    forked = [hashlib.sha256(b"another first event").digest(), *bundle.leaves[1:]]
    (bundle.path / "data/checkpoints/5.note").write_text(checkpoint_note(forked, 5, bundle.keys[0]))
    return "consistency/5-12: the checkpoint of size 5 is not an earlier state of the final tree"


def drop_the_head_statement(bundle: BuiltBundle) -> str:
    for suffix in (".event", ".proof.json"):
        bundle.event_file(bundle.case_id, 4, suffix).unlink()
    return f"{bundle.case_id}/000003: the case stream ends with domain.case:Case.InspectionLinked, not the"


def edit_the_tag_manifest(bundle: BuiltBundle) -> str:
    edited = bagit.Bag(str(bundle.path))
    edited.info["Aftersales-Legal-Matter"] = "another matter"
    edited.save()  # bag-info.txt and its line in tagmanifest-sha256.txt change together
    return "tagmanifest-sha256.txt.sig: the signed statement says 'tagmanifest-sha256"


def re_sign_with_another_key(bundle: BuiltBundle) -> str:
    sign_tag_manifest(bundle.path, new_key())
    return "tagmanifest-sha256.txt.sig: note has no signature by key"


RESEALED, AS_LEFT = True, False


@pytest.mark.parametrize(
    ("tamper", "is_resealed", "check"),
    [
        (change_a_byte, RESEALED, "events"),
        (drop_an_event, RESEALED, "completeness"),
        (insert_an_event, RESEALED, "events"),
        (swap_an_attachment, RESEALED, "attachments"),
        (edit_the_tag_manifest, AS_LEFT, "signature"),
        (re_sign_with_another_key, AS_LEFT, "signature"),
        (corrupt_a_proof_element, RESEALED, "events"),
        (fork_a_checkpoint, RESEALED, "consistency"),
        (drop_the_head_statement, RESEALED, "completeness"),
    ],
)
def test_each_kind_of_tampering_is_caught_and_named_by_its_check(
    bundle: BuiltBundle, tamper: Callable[[BuiltBundle], str], is_resealed: bool, check: str, capsys
) -> None:
    place = tamper(bundle)
    if is_resealed:
        reseal(bundle)

    code, output = verify(bundle.path, capsys, "--key", bundle.first_key)

    assert_fails(code, output, check, place)


def test_a_changed_byte_without_new_manifests_fails_the_bag_check(bundle: BuiltBundle, capsys) -> None:
    change_a_byte(bundle)

    code, output = verify(bundle.path, capsys, "--key", bundle.first_key)

    place = (
        f"data/events/{bundle.case_id}/000002.event: its bytes do not match its hash in manifest-sha256.txt"
    )
    assert_fails(code, output, "bag", place)
    assert not bagit.Bag(str(bundle.path)).is_valid()


def test_an_inserted_file_without_new_manifests_fails_the_bag_check(bundle: BuiltBundle, capsys) -> None:
    insert_an_event(bundle)

    code, output = verify(bundle.path, capsys, "--key", bundle.first_key)

    assert_fails(
        code, output, "bag", f"data/events/{bundle.inspection_id}/000003.event: payload file not listed"
    )


def test_new_manifests_without_the_suppliers_signature_fail_the_signature_check(
    bundle: BuiltBundle, capsys
) -> None:
    change_a_byte(bundle)
    bagit.Bag(str(bundle.path)).save(manifests=True)  # manifests and tag manifest updated, not re-signed

    code, output = verify(bundle.path, capsys, "--key", bundle.first_key)

    assert_fails(
        code, output, "signature", "tagmanifest-sha256.txt.sig: the signed statement says 'tagmanifest-sha256"
    )
    assert bagit.Bag(str(bundle.path)).is_valid()  # a BagIt validator alone cannot tell


def test_an_edited_tag_manifest_line_fails_the_bag_check(bundle: BuiltBundle, capsys) -> None:
    path = bundle.path / "tagmanifest-sha256.txt"
    lines = path.read_text().splitlines(keepends=True)
    line = next(line for line in lines if line.rstrip().endswith(" bag-info.txt"))
    path.write_text("".join(("f" * 64 + line[64:]) if entry is line else entry for entry in lines))

    code, output = verify(bundle.path, capsys, "--key", bundle.first_key)

    assert_fails(
        code, output, "bag", "bag-info.txt: its bytes do not match its hash in tagmanifest-sha256.txt"
    )


def test_a_bag_re_signed_with_the_attackers_own_key_history_fails_the_keys_check(
    bundle: BuiltBundle, capsys
) -> None:
    attacker = new_key()
    history_path = bundle.path / "data/keys/keys.json"
    history = json.loads(history_path.read_text())
    history["keys"][0] |= {
        "verifier_key": attacker.verifier_key(history["origin"]),
        "fingerprint": hashlib.sha256(attacker.public_key_bytes()).hexdigest(),
    }
    history_path.write_text(json.dumps(history))
    reseal(bundle, attacker)

    code, output = verify(bundle.path, capsys, "--key", bundle.first_key)

    assert_fails(code, output, "keys", "data/keys/keys.json: key history's first key is not the given key")


def test_a_different_key_fails_the_keys_check(bundle: BuiltBundle, capsys) -> None:
    code, output = verify(bundle.path, capsys, "--key", new_key().verifier_key("aftersales.test/log"))

    assert_fails(code, output, "keys", "data/keys/keys.json: key history's first key is not the given key")


def new_key() -> SigningKey:
    return SigningKey(Ed25519PrivateKey.generate())


# --- archives, timestamps, usage ------------------------------------------------------------------------


def test_a_zip_entry_outside_the_bag_is_refused(bundle: BuiltBundle, capsys) -> None:
    packed = archive(bundle.path, "zip")
    with zipfile.ZipFile(packed, "a") as appended:
        appended.writestr(f"{bundle.path.name}/../escaped.txt", b"outside")

    code, output = verify(packed, capsys)

    assert_fails(code, output, "bag", "escaped.txt': it would be written outside the bag")
    assert not (packed.parent / "escaped.txt").exists()


def test_a_link_in_a_tar_is_refused(bundle: BuiltBundle, capsys) -> None:
    (bundle.path / "data/link").symlink_to("/etc/passwd")
    packed = archive(bundle.path, "tar.gz")

    code, output = verify(packed, capsys)

    assert_fails(code, output, "bag", "refused entry")


def test_tokens_without_the_timestamp_module_fail_the_timestamps_check(
    bundle: BuiltBundle, capsys, monkeypatch
) -> None:
    (bundle.path / "data/timestamps").mkdir()
    (bundle.path / "data/timestamps/12.tsr").write_bytes(b"0\x00")
    reseal(bundle)
    monkeypatch.setattr(infra.verify_bundle, "timestamp_token", None)

    code, output = verify(bundle.path, capsys, "--key", bundle.first_key)

    assert_fails(code, output, "timestamps", "cannot check 1 token(s): timestamp_token.py is missing")


@pytest.fixture(scope="module")
def authority(tmp_path_factory: pytest.TempPathFactory) -> TestAuthority:
    return TestAuthority(tmp_path_factory.mktemp("tsa"))


needs_timestamp_module = pytest.mark.skipif(
    not HAS_TIMESTAMP_MODULE, reason="infra/timestamp_token.py is not written yet"
)


@needs_timestamp_module
def test_timestamped_checkpoints_verify_with_the_pinned_authority(
    tmp_path: Path, authority: TestAuthority, capsys
) -> None:
    stamped = build_bundle(tmp_path, stamp=authority.token)
    pin = hashlib.sha256(
        x509.load_pem_x509_certificate(authority.files.tsa_cert.read_bytes()).public_bytes(
            serialization.Encoding.DER
        )
    ).hexdigest()

    code, output = verify(stamped.path, capsys, "--key", stamped.first_key, "--tsa-cert-sha256", pin)

    assert code == 0, output
    assert "ok   timestamps: 3 token(s)" in output


@needs_timestamp_module
@pytest.mark.parametrize("tamper", ["swap tokens", "pin another certificate"])
def test_a_token_that_does_not_stamp_its_checkpoint_fails_the_timestamps_check(
    tmp_path: Path, authority: TestAuthority, tamper: str, capsys
) -> None:
    stamped = build_bundle(tmp_path, stamp=authority.token)
    options = ["--key", stamped.first_key]
    if tamper == "swap tokens":
        shutil.copyfile(stamped.path / "data/timestamps/9.tsr", stamped.path / "data/timestamps/5.tsr")
        reseal(stamped)
    else:
        options += ["--tsa-cert-sha256", "ab" * 32]

    code, output = verify(stamped.path, capsys, *options)

    assert_fails(code, output, "timestamps", "timestamps/5.tsr: ")


@pytest.mark.parametrize("arguments", [["--key", "not a key"], ["--tsa-cert-sha256", "abc"], []])
def test_usage_errors_exit_2(bundle: BuiltBundle, arguments: list[str], capsys) -> None:
    path = bundle.path if arguments else bundle.path / "nowhere"

    assert main([str(path), *arguments]) == 2


def test_decoding_an_events_leaf_bytes_gives_back_what_was_encoded(bundle: BuiltBundle) -> None:
    leaf = bundle.event_file(bundle.case_id, 4).read_bytes()

    event = decode_event(leaf)

    assert (event.stream_id, event.version, event.topic) == (
        bundle.case_id,
        4,
        "domain.case:Case.EvidenceBundleExported",
    )
    assert json.loads(event.state)["bundle_id"] == bundle.bundle_id
    with pytest.raises(ValueError, match="the state is"):
        decode_event(leaf[:-1])
    with pytest.raises(ValueError, match="layout 2"):
        decode_event(b"\x02" + leaf[1:])


# --- standalone -------------------------------------------------------------------------------------------

SIBLINGS = {"infra.verifier", "verifier", "infra.timestamp_token", "timestamp_token"}


def test_the_verifier_imports_only_the_standard_library_cryptography_and_its_siblings() -> None:
    tree = ast.parse((INFRA / "verify_bundle.py").read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module == "infra":
            imported |= {f"infra.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            imported.add(node.module)

    foreign = {
        name
        for name in imported - SIBLINGS
        if name.split(".")[0] not in sys.stdlib_module_names and name.split(".")[0] != "cryptography"
    }
    assert not foreign
    assert {"infra.verifier", "verifier"} <= imported


@pytest.mark.skipif(not HAS_TIMESTAMP_MODULE, reason="infra/timestamp_token.py is not written yet")
def test_the_three_files_copied_out_verify_a_bundle_on_their_own(bundle: BuiltBundle, tmp_path: Path) -> None:
    tools = tmp_path / "tools"
    tools.mkdir()
    for name in ("verify_bundle.py", "verifier.py", "timestamp_token.py"):
        shutil.copyfile(INFRA / name, tools / name)

    # The project is installed in this interpreter: hiding the `infra` package makes the copies import
    # each other as the expert's plain `python verify_bundle.py BAG` would.
    run_alone = (
        "import runpy, sys; sys.modules['infra'] = None; sys.path.insert(0, '.'); "
        "runpy.run_path('verify_bundle.py', run_name='__main__')"
    )
    finished = subprocess.run(
        [sys.executable, "-c", run_alone, str(bundle.path), "--key", bundle.first_key],
        cwd=tools,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert "VERIFIED: every check passed" in finished.stdout


def test_custody_that_disagrees_with_the_export_event_fails_the_custody_check(
    bundle: BuiltBundle, capsys
) -> None:
    path = bundle.path / "data/custody.json"
    custody = json.loads(path.read_text())
    custody["exported_by"]["user_id"] = "someone-else"
    path.write_text(json.dumps(custody))
    reseal(bundle)

    code, output = verify(bundle.path, capsys, "--key", bundle.first_key)

    assert_fails(code, output, "custody", "data/custody.json: exported_by is")


def test_a_file_beside_the_tag_files_fails_the_bag_check(bundle: BuiltBundle, capsys) -> None:
    (bundle.path / "notes.txt").write_text("unsigned")

    code, output = verify(bundle.path, capsys, "--key", bundle.first_key)

    assert_fails(code, output, "bag", "notes.txt: not a file of this bundle format")


@pytest.mark.parametrize("language", ["en", "zh-CN"])
def test_the_experts_guide_explains_every_check(language: str) -> None:
    guide = (INFRA / f"bundle_guide/verifying.{language}.md").read_text(encoding="utf-8")

    for name, _ in infra.verify_bundle.CHECKS:
        assert f"**{name}**" in guide
    assert "--key" in guide and "--tsa-cert-sha256" in guide
