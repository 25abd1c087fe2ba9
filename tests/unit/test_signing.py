"""The checkpoint key file and the notes it signs, which the standalone verifier must open."""

import base64
import os
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from infra.signing import KeyFileError, SigningKey
from infra.verifier import Checkpoint, NoteError, open_checkpoint, open_note, root_hash

ORIGIN = "ledger.example/audit"

# golang.org/x/mod/sumdb/note note_test.go: the signer key is "PRIVATE+KEY+PeterNeumann+c74f20a3+" and
# base64(0x01 || Ed25519 seed).
GO_SEED = base64.b64decode("AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz")[1:]
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
)
GO_NOTE = (
    GO_TEXT
    + "\n\u2014 PeterNeumann "
    + "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_key_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "keys/checkpoint.pem"

    SigningKey.load_or_create(path)

    assert mode_of(path) == 0o600
    assert mode_of(path.parent) == 0o700
    assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert os.listdir(path.parent) == ["checkpoint.pem"]


def test_a_key_file_is_reloaded_as_the_same_key(tmp_path: Path) -> None:
    path = tmp_path / "checkpoint.pem"
    created = SigningKey.load_or_create(path)
    written = path.read_bytes()

    reloaded = SigningKey.load_or_create(path)

    assert reloaded.public_key_bytes() == created.public_key_bytes()
    assert len(reloaded.public_key_bytes()) == 32
    assert path.read_bytes() == written


@pytest.mark.parametrize(
    ("contents", "complaint"),
    [
        (b"not a key", "is not an unencrypted PEM PKCS#8 private key"),
        (b"", "is not an unencrypted PEM PKCS#8 private key"),
        (
            ec.generate_private_key(ec.SECP256R1()).private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            ),
            "holds a .*PrivateKey, not an Ed25519 key",
        ),
    ],
    ids=["garbage", "empty", "ecdsa"],
)
def test_a_key_file_that_is_not_an_ed25519_key_is_refused_and_left_alone(
    tmp_path: Path, contents: bytes, complaint: str
) -> None:
    path = tmp_path / "checkpoint.pem"
    path.write_bytes(contents)
    path.chmod(0o600)

    with pytest.raises(KeyFileError, match=f"signing key {path} {complaint}"):
        SigningKey.load_or_create(path)
    assert path.read_bytes() == contents


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_a_key_file_others_can_read_is_refused(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "checkpoint.pem"
    SigningKey.load_or_create(path)
    path.chmod(mode)

    with pytest.raises(KeyFileError, match=f"signing key {path} has mode {mode:04o}"):
        SigningKey.load_or_create(path)


def test_a_folder_in_place_of_the_key_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "checkpoint.pem").mkdir()

    with pytest.raises(KeyFileError, match="is not a regular file"):
        SigningKey.load_or_create(tmp_path / "checkpoint.pem")


def test_a_signed_checkpoint_opens_with_the_verifier_key_string(tmp_path: Path) -> None:
    key = SigningKey.load_or_create(tmp_path / "checkpoint.pem")
    checkpoint = Checkpoint(ORIGIN, 3, root_hash([bytes(32)] * 3), datetime(2026, 11, 23, 14, 20, tzinfo=UTC))

    note = key.sign_checkpoint(checkpoint)

    assert open_checkpoint(note, key.verifier_key(ORIGIN)) == checkpoint
    assert note.startswith(checkpoint.body() + "\n\u2014 ledger.example/audit ")


def test_signing_reproduces_the_go_note_byte_for_byte() -> None:
    key = SigningKey(Ed25519PrivateKey.from_private_bytes(GO_SEED))

    assert (
        key.verifier_key("PeterNeumann")
        == "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
    )
    assert key.sign_note(GO_TEXT, "PeterNeumann") == GO_NOTE
    assert open_note(GO_NOTE, key.verifier_key("PeterNeumann")) == GO_TEXT


@pytest.mark.parametrize(
    ("body", "name"),
    [
        ("no final newline", ORIGIN),
        ("", ORIGIN),
        ("a control \x07 character\n", ORIGIN),
        ("a good body\n", "a name with spaces"),
        ("a good body\n", "plus+sign"),
    ],
)
def test_a_body_or_name_the_verifier_could_not_open_is_not_signed(body: str, name: str) -> None:
    with pytest.raises(ValueError):
        SigningKey(Ed25519PrivateKey.generate()).sign_note(body, name)


def test_a_note_error_is_a_value_error() -> None:
    assert issubclass(NoteError, ValueError)
