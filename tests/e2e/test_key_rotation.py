"""`aftersales rotate-key` as an operator runs it, and the key history as a third party reads it."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from infra.verifier import open_checkpoint
from tests.integration.test_integrity import record_cases

VERIFIER = Path(__file__).resolve().parents[2] / "infra" / "verifier.py"


@pytest.fixture
def rotated(services, aftersales):
    """4 events checkpointed by the first key, a rotation by the CLI, 4 more checkpointed by the new key.

    The `services` (the API's process) keep their key ring throughout: they must notice the rotation.
    """
    record_cases(services, 2)
    first = aftersales("checkpoint")
    assert first.exit_code == 0, first.output
    services.first_key = aftersales("public-key").stdout.strip()
    services.rotation = aftersales("rotate-key")
    assert services.rotation.exit_code == 0, services.rotation.output
    record_cases(services, 2)
    services.second_note = services.integrity.checkpoint().note
    return services


def test_rotate_key_prints_the_new_key_its_fingerprint_and_first_tree_size(rotated, aftersales):
    new_key, fingerprint, first_tree_size = rotated.rotation.stdout.splitlines()
    assert new_key != rotated.first_key
    assert aftersales("public-key").stdout.strip() == new_key == rotated.integrity.verifier_key
    assert fingerprint.startswith("fingerprint ") and len(fingerprint.split()[1]) == 64
    assert first_tree_size == "first-tree-size 5"
    assert open_checkpoint(rotated.second_note, new_key).size == 8


def test_the_key_history_is_printed_and_published_without_a_token(rotated, aftersales, client):
    printed = aftersales("public-key", "--history")
    assert printed.exit_code == 0, printed.output
    history = json.loads(printed.stdout)
    assert [k["verifier_key"] for k in history["keys"]] == [
        rotated.first_key,
        rotated.rotation.stdout.splitlines()[0],
    ]
    response = client.get("/api/v1/integrity/keys")
    assert response.status_code == 200
    assert response.json() == history
    assert (
        client.get("/api/v1/integrity/public-key").json()["verifier_key"]
        == history["keys"][1]["verifier_key"]
    )


def test_verify_passes_after_the_rotation_with_the_first_published_key(rotated, aftersales):
    for arguments in ((), ("--key", rotated.first_key)):
        result = aftersales("verify", *arguments)
        assert result.exit_code == 0, result.output
        assert "2 signed checkpoints verify" in result.stdout


def test_the_standalone_verifier_checks_a_proof_across_the_rotation_with_the_key_history(
    rotated, aftersales, tmp_path
):
    (tmp_path / "keys.json").write_text(aftersales("public-key", "--history").stdout)
    (tmp_path / "consistency.json").write_text(aftersales("proof", "consistency", "4", "8").stdout)
    checked = subprocess.run(
        [
            sys.executable,
            "-I",
            str(VERIFIER),
            "consistency.json",
            "--key",
            rotated.first_key,
            "--keys",
            "keys.json",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_rotate_key_refuses_when_there_is_no_key_yet(aftersales, tmp_path):
    result = aftersales("rotate-key")
    assert result.exit_code == 1
    assert "no signing key at" in result.output
    assert not (tmp_path / "integrity").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write to any folder")
def test_rotate_key_refuses_when_the_key_folder_is_not_writable(services, aftersales):
    folder = services.settings.signing_key_path.parent
    folder.chmod(0o500)
    try:
        result = aftersales("rotate-key")
    finally:
        folder.chmod(0o700)
    assert result.exit_code == 1
    assert "not writable" in result.output
