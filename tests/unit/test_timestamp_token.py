"""The standalone RFC 3161 token check, on tokens a local OpenSSL time-stamping authority issues."""

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from infra.timestamp_token import TimestampTokenError, parse_der, verify_token
from tests.tsa import POLICY, TestAuthority

NOTE = (
    "aftersales-ledger.local/events\n6\nq1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6j7k8l9z0x1c=\n"
    "\n— aftersales-ledger.local/events ABC=\n"
)


@pytest.fixture(scope="module", params=["rsa", "ec"])
def authority(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> TestAuthority:
    return TestAuthority(tmp_path_factory.mktemp(f"tsa-{request.param}"), key_type=request.param)


@pytest.fixture(scope="module")
def token(authority: TestAuthority) -> bytes:
    return authority.token(NOTE.encode())


def fingerprint(pem: Path) -> str:
    return hashlib.sha256(
        x509.load_pem_x509_certificate(pem.read_bytes()).public_bytes(Encoding.DER)
    ).hexdigest()


def test_a_token_shows_when_and_by_whom_the_note_was_stamped(authority, token):
    facts = verify_token(token, NOTE.encode())
    assert abs(facts.gen_time - datetime.now(UTC)) < timedelta(minutes=5)
    assert facts.gen_time.tzinfo is not None
    assert facts.tsa_subject == "CN=Aftersales Test TSA"
    assert facts.tsa_cert_sha256 == fingerprint(authority.files.tsa_cert)
    assert facts.policy == POLICY
    assert facts.serial_number > 0


def test_the_pinned_certificate_is_accepted_in_any_hex_spelling(authority, token):
    pinned = fingerprint(authority.files.tsa_cert).upper()
    assert verify_token(token, NOTE.encode(), tsa_cert_sha256=pinned).tsa_cert_sha256 == pinned.lower()


def test_another_pinned_certificate_is_refused(token):
    with pytest.raises(TimestampTokenError, match="not the pinned one"):
        verify_token(token, NOTE.encode(), tsa_cert_sha256=hashlib.sha256(b"another TSA").hexdigest())


def test_a_token_over_other_bytes_is_refused(token):
    with pytest.raises(TimestampTokenError, match="message imprint"):
        verify_token(token, NOTE.replace("\n6\n", "\n7\n").encode())


def test_a_changed_signature_byte_is_refused(token):
    # The token ends with the signature: no unsigned attributes follow it.
    tampered = token[:-1] + bytes([token[-1] ^ 0x01])
    with pytest.raises(TimestampTokenError, match="signature does not verify"):
        verify_token(tampered, NOTE.encode())


def test_a_changed_gen_time_is_refused(token):
    gen_time = _gen_time_text(token)
    later = gen_time[:-2] + str((int(gen_time[-2:-1]) + 1) % 10).encode() + b"Z"
    with pytest.raises(TimestampTokenError, match="message digest does not match"):
        verify_token(token.replace(gen_time, later, 1), NOTE.encode())


def test_a_changed_signed_attribute_is_refused(token):
    # The signingTime attribute (the last UTCTime, tag 0x17, after the certificate's) is covered by the
    # signature, not by the digest.
    start = token.rindex(b"\x17\x0d") + 2
    tampered = token[:start] + b"00" + token[start + 2 :]
    with pytest.raises(TimestampTokenError, match="signature does not verify"):
        verify_token(tampered, NOTE.encode())


@pytest.mark.parametrize(
    ("garbage", "problem"),
    [
        (b"", "truncated"),
        (b"\x30\x80\x00\x00", "indefinite length"),
        (b"\x30\x81\x03\x02\x01\x01", "shortest form"),
        (b"\x30\x03\x02\x01\x01\x00", "trailing bytes"),
        (b"\x30\x05\x02\x01\x01", "truncated"),
        (b"\x30\x03\x02\x01\x01", "not a CMS ContentInfo"),
    ],
)
def test_malformed_der_is_refused_with_a_reason(garbage, problem):
    with pytest.raises(TimestampTokenError, match=problem):
        verify_token(garbage, NOTE.encode())


def test_every_changed_byte_is_refused_with_a_token_error(token):
    # Unsigned parts too (versions, digestAlgorithms, NULL parameters): strict parsing leaves no slack.
    for position in range(len(token)):
        tampered = token[:position] + bytes([token[position] ^ 0x41]) + token[position + 1 :]
        with pytest.raises(TimestampTokenError):
            verify_token(tampered, NOTE.encode())


def test_the_der_reader_gives_whole_elements():
    element = parse_der(b"\x30\x06\x02\x01\x05\x04\x01\xff")
    assert [(child.tag, child.content) for child in element.children()] == [(0x02, b"\x05"), (0x04, b"\xff")]


def _gen_time_text(token: bytes) -> bytes:
    start = token.index(b"\x18\x0f") + 2  # GeneralizedTime of whole seconds: YYYYMMDDHHMMSSZ
    return token[start : start + 15]
