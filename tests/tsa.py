"""A local RFC 3161 time-stamping authority for tests: no network beyond 127.0.0.1.

`TestAuthority` makes a CA and a TSA certificate (extended key usage timeStamping, critical) with
`cryptography`, and answers time-stamp queries by running `openssl ts -reply` (OpenSSL 3 signs the
TSTInfo; the rfc3161-client library only asks and checks). `serve()` puts it behind a plain HTTP
server on 127.0.0.1, as a real TSA is reached. The `local_tsa` fixture is one such server per session.
"""

import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

POLICY = "1.3.6.1.4.1.55555.1.1"  # a private-arc policy id, stamped into every token

_CONFIG = """\
[tsa]
default_tsa = test_tsa

[test_tsa]
serial = {serial}
crypto_device = builtin
signer_digest = sha256
default_policy = {policy}
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = no
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


@dataclass(frozen=True)
class TsaFiles:
    """Where a test authority keeps its certificates; `chain` is the TSA certificate then the CA's."""

    directory: Path
    ca_cert: Path
    tsa_cert: Path
    tsa_key: Path
    chain: Path
    config: Path


class TestAuthority:
    """Signs time-stamp queries with a fresh CA-issued TSA certificate (RSA or ECDSA P-256)."""

    __test__ = False  # not a test class, despite its name

    def __init__(self, directory: Path, key_type: str = "rsa") -> None:
        self.files = _make_files(directory, key_type)
        self._lock = threading.Lock()  # openssl updates the serial file: one reply at a time

    def reply(self, query: bytes) -> bytes:
        """The DER TimeStampResp `openssl ts -reply` gives for a DER TimeStampReq."""
        with self._lock, tempfile.TemporaryDirectory(dir=self.files.directory) as work:
            query_file, reply_file = Path(work, "query.tsq"), Path(work, "reply.tsr")
            query_file.write_bytes(query)
            # Only the TSA certificate goes into the token: openssl writes `-chain` certificates in
            # chain order, which breaks DER's sorted SET OF and rfc3161-client refuses the reply.
            subprocess.run(
                ["openssl", "ts", "-reply", "-config", str(self.files.config),
                 "-queryfile", str(query_file), "-signer", str(self.files.tsa_cert),
                 "-inkey", str(self.files.tsa_key), "-out", str(reply_file)],
                check=True,
                capture_output=True,
            )  # fmt: skip
            return reply_file.read_bytes()

    def token(self, data: bytes) -> bytes:
        """A DER TimeStampToken over SHA-256 of `data`, asked for as a client would."""
        from rfc3161_client import HashAlgorithm, TimestampRequestBuilder, decode_timestamp_response

        query = TimestampRequestBuilder(data=data, hash_algorithm=HashAlgorithm.SHA256).build()
        return decode_timestamp_response(self.reply(query.as_bytes())).time_stamp_token()


@dataclass(frozen=True)
class LocalTsa:
    """A running test authority: its URL, and the PEM files a client may pin or trust."""

    url: str
    authority: TestAuthority

    @property
    def tsa_cert(self) -> Path:
        return self.authority.files.tsa_cert

    @property
    def chain(self) -> Path:
        return self.authority.files.chain


@pytest.fixture(scope="session")
def local_tsa(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalTsa]:
    """An RFC 3161 authority served over HTTP on 127.0.0.1 for the whole session."""
    authority = TestAuthority(tmp_path_factory.mktemp("tsa"))
    with serve(authority) as url:
        yield LocalTsa(url, authority)


class _Handler(BaseHTTPRequestHandler):
    authority: TestAuthority

    def do_POST(self) -> None:
        query = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        try:
            body, status = self.authority.reply(query), 200
        except subprocess.CalledProcessError:
            body, status = b"bad time-stamp query", 400
        self.send_response(status)
        self.send_header("Content-Type", "application/timestamp-reply" if status == 200 else "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep test output quiet


@contextmanager
def serve(authority: TestAuthority) -> Iterator[str]:
    """Serve `authority` at http://127.0.0.1:<free port>/ in a thread until the block ends."""
    handler = type("TsaHandler", (_Handler,), {"authority": authority})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


# -- certificates ---------------------------------------------------------------------------------


def _make_files(directory: Path, key_type: str) -> TsaFiles:
    directory.mkdir(parents=True, exist_ok=True)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = _certificate("Aftersales Test TSA Root", ca_key, ca_key, None, is_ca=True)
    tsa_key = (
        rsa.generate_private_key(65537, 2048)
        if key_type == "rsa"
        else ec.generate_private_key(ec.SECP256R1())
    )
    tsa_cert = _certificate("Aftersales Test TSA", tsa_key, ca_key, ca_cert, is_ca=False)
    files = TsaFiles(
        directory,
        ca_cert=directory / "ca.pem",
        tsa_cert=directory / "tsa.pem",
        tsa_key=directory / "tsa.key",
        chain=directory / "chain.pem",
        config=directory / "tsa.cnf",
    )
    files.ca_cert.write_bytes(_pem(ca_cert))
    files.tsa_cert.write_bytes(_pem(tsa_cert))
    files.chain.write_bytes(_pem(tsa_cert) + _pem(ca_cert))
    files.tsa_key.write_bytes(
        tsa_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    serial = directory / "serial"
    serial.write_text("01\n")
    files.config.write_text(_CONFIG.format(serial=serial, policy=POLICY))
    return files


def _certificate(
    common_name: str,
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
    issuer_key: ec.EllipticCurvePrivateKey,
    issuer: x509.Certificate | None,
    *,
    is_ca: bool,
) -> x509.Certificate:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False
        )
    if is_ca:
        usage = x509.KeyUsage(False, False, False, False, False, True, True, False, False)
    else:
        usage = x509.KeyUsage(True, False, False, False, False, False, False, False, False)
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
        )
    return builder.add_extension(usage, critical=True).sign(issuer_key, hashes.SHA256())


def _pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)
