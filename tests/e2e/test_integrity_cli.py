"""`aftersales checkpoint`, `verify`, `proof` and `public-key` as an operator and an arbitrator use them."""

import base64
import json
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from infra.signing import SigningKey

VERIFIER = Path(__file__).resolve().parents[2] / "infra" / "verifier.py"


@pytest.fixture
def demo_checkpointed(aftersales):
    assert aftersales("demo").exit_code == 0
    signed = aftersales("checkpoint")
    assert signed.exit_code == 0, signed.output
    return signed.stdout


def test_checkpoint_prints_the_signed_note(demo_checkpointed, aftersales):
    origin, size, root, *_ = demo_checkpointed.splitlines()
    assert len(base64.b64decode(root)) == 32
    assert origin == "aftersales-ledger.local/events"
    assert int(size) > 10
    assert "\n\n— aftersales-ledger.local/events " in demo_checkpointed


def test_checkpoint_on_an_empty_store_says_there_is_nothing_to_sign(aftersales):
    result = aftersales("checkpoint")
    assert result.exit_code == 1
    assert "nothing to sign" in result.output


def test_verify_passes_on_an_untouched_store(demo_checkpointed, aftersales):
    result = aftersales("verify")
    assert result.exit_code == 0, result.output
    assert "OK:" in result.stdout and "1 signed checkpoints verify" in result.stdout


def test_verify_fails_naming_the_first_bad_position(demo_checkpointed, aftersales, database_url):
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("ALTER TABLE ledger_events DISABLE TRIGGER ledger_events_no_update_or_delete")
        conn.execute("UPDATE ledger_events SET state = state || '\\x20'::bytea WHERE notification_id = 7")
    result = aftersales("verify")
    assert result.exit_code == 1
    assert "TAMPERING DETECTED: first bad position 7:" in result.stderr
    assert "bytes were changed" in result.stderr


def test_an_arbitrator_checks_a_proof_with_the_verifier_file_alone(demo_checkpointed, aftersales, tmp_path):
    """The verifier is copied out of the project and run by a bare Python: it needs nothing else."""
    key = aftersales("public-key").stdout.strip()
    proof = aftersales("proof", "inclusion", "3")
    assert proof.exit_code == 0, proof.output
    (tmp_path / "proof.json").write_text(proof.stdout)
    size = demo_checkpointed.splitlines()[1]
    consistency = aftersales("proof", "consistency", size, size)
    assert consistency.exit_code == 0, consistency.output
    (tmp_path / "consistency.json").write_text(consistency.stdout)
    alone = tmp_path / "arbitrator"
    alone.mkdir()
    (alone / "verifier.py").write_text(VERIFIER.read_text())
    checked = subprocess.run(
        [sys.executable, "-I", "verifier.py", "../proof.json", "../consistency.json", "--key", key],
        cwd=alone,
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert json.loads(proof.stdout)["event"]["position"] == 3


def test_a_proof_of_an_unknown_position_fails_plainly(demo_checkpointed, aftersales):
    result = aftersales("proof", "inclusion", "100000")
    assert result.exit_code == 1
    assert "not in the checkpoint" in result.output


def test_verify_without_a_key_file_asks_for_the_published_key(aftersales, tmp_path):
    result = aftersales("verify")
    assert result.exit_code == 1
    assert "no signing key at" in result.output and "--key" in result.output


def test_verify_takes_the_published_key_from_a_file(demo_checkpointed, aftersales, tmp_path):
    key_file = tmp_path / "published.key"
    key_file.write_text(aftersales("public-key").stdout)
    result = aftersales("verify", "--key", f"@{key_file}")
    assert result.exit_code == 0, result.output


def test_verify_with_another_key_finds_every_signature_bad(demo_checkpointed, aftersales):
    other = SigningKey(Ed25519PrivateKey.generate()).verifier_key("aftersales-ledger.local/events")
    result = aftersales("verify", "--key", other)
    assert result.exit_code == 1
    assert "bad signature" in result.stderr


def test_verify_refuses_a_malformed_key(aftersales):
    result = aftersales("verify", "--key", "not-a-key")
    assert result.exit_code == 2
    assert "not a verifier key" in result.output
