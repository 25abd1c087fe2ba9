"""RFC 3161 trusted time-stamps on signed checkpoints, from a configured time-stamping authority.

A signed checkpoint says "these events existed" with our own clock; a token from an independent TSA
says when, with theirs. `Timestamps.stamp_pending` asks the TSA (`TimestampAuthority`) for a token over
SHA-256 of each checkpoint's note that has none yet and stores it in `checkpoint_timestamps`; the
evidence bundle carries the tokens as `timestamps/<tree size>.tsr`. A TSA that is down or answers
badly never blocks signing: the failure is logged and the checkpoint is stamped on a later try.
"""

import hashlib
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import structlog
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from psycopg_pool import ConnectionPool
from rfc3161_client import (
    HashAlgorithm,
    PKIStatus,
    TimestampRequestBuilder,
    VerificationError,
    VerifierBuilder,
    decode_timestamp_response,
)
from rfc3161_client.tsp import TimeStampRequest, TimeStampResponse

from infra.timestamp_token import TimestampFacts, TimestampTokenError, verify_token

log = structlog.get_logger(__name__)

# Checkpoints stamped per call: a TSA back after a long outage catches up over a few calls.
STAMP_BATCH = 50
MAX_REPLY_BYTES = 1_048_576


class TimestampUnavailable(Exception):
    """The TSA gave no valid token (unreachable, refused, or an answer that does not verify)."""


@dataclass(frozen=True)
class IssuedToken:
    token: bytes  # DER TimeStampToken (CMS ContentInfo with SignedData)
    facts: TimestampFacts


@dataclass(frozen=True)
class TimestampAuthority:
    """One TSA, reached over HTTP (RFC 3161 §3.4), optionally pinned and chained to trusted roots.

    `certificates` are the TSA's own certificate first, then its chain: when given, the token must be
    signed by exactly that certificate, and if the chain holds a self-signed root, rfc3161-client also
    checks the signature chains up to it.
    """

    url: str
    certificates: tuple[x509.Certificate, ...] = ()
    timeout_seconds: float = 10.0

    @classmethod
    def configured(cls, url: str, cert_file: Path | None, timeout_seconds: float) -> "TimestampAuthority":
        certificates = x509.load_pem_x509_certificates(cert_file.read_bytes()) if cert_file else []
        return cls(url, tuple(certificates), timeout_seconds)

    def stamp(self, data: bytes) -> IssuedToken:
        """A verified token over SHA-256 of `data`."""
        request = TimestampRequestBuilder(
            data=data, hash_algorithm=HashAlgorithm.SHA256, nonce=True, cert_req=True
        ).build()
        response = self._ask(request)
        if response.status not in (PKIStatus.GRANTED, PKIStatus.GRANTED_WITH_MODS):
            raise TimestampUnavailable(f"the TSA refused: status {response.status} {response.status_string}")
        if response.tst_info.nonce != request.nonce:
            raise TimestampUnavailable("the TSA's answer is not for our request (nonce differs)")
        token = response.time_stamp_token()
        try:
            self._verify_chain(request, response, data)
            # The same check an expert runs on the bundle: never store a token that would fail it.
            facts = verify_token(token, data, tsa_cert_sha256=self._pinned_sha256())
        except (VerificationError, TimestampTokenError) as error:
            raise TimestampUnavailable(f"the TSA's token does not verify: {error}") from None
        return IssuedToken(token, facts)

    def _ask(self, request: TimeStampRequest) -> TimeStampResponse:
        # The URL is the operator's setting, checked there to be http(s).
        post = urllib.request.Request(  # noqa: S310
            self.url,
            data=request.as_bytes(),
            headers={"Content-Type": "application/timestamp-query", "Accept": "application/timestamp-reply"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(post, timeout=self.timeout_seconds) as reply:  # noqa: S310
                body = reply.read(MAX_REPLY_BYTES)
        except (urllib.error.URLError, OSError) as error:
            raise TimestampUnavailable(f"the TSA at {self.url} did not answer: {error}") from None
        try:
            return decode_timestamp_response(body)
        except ValueError as error:
            raise TimestampUnavailable(f"the TSA's answer is not a time-stamp response: {error}") from None

    def _verify_chain(self, request: TimeStampRequest, response: TimeStampResponse, data: bytes) -> None:
        roots = [c for c in self.certificates[1:] if c.issuer == c.subject]
        if not roots:
            return  # nothing to chain to: the pinned certificate (if any) is the trust
        builder = VerifierBuilder.from_request(request).tsa_certificate(self.certificates[0])
        for certificate in self.certificates[1:]:
            if certificate in roots:
                builder = builder.add_root_certificate(certificate)
            else:
                builder = builder.add_intermediate_certificate(certificate)
        builder.build().verify_message(response, data)

    def _pinned_sha256(self) -> str | None:
        if not self.certificates:
            return None
        return hashlib.sha256(self.certificates[0].public_bytes(Encoding.DER)).hexdigest()


@dataclass
class Timestamps:
    """Tokens of the signed checkpoints: asked for after signing, kept beside the checkpoints.

    Without an authority (no TSA configured) nothing is stamped, and `tokens` gives what was stored
    before, if anything.
    """

    pool: ConnectionPool
    authority: TimestampAuthority | None = None
    _worker: threading.Thread | None = field(default=None, init=False, repr=False)
    _worker_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def stamp_pending(self) -> int:
        """Stamp the signed checkpoints that have no token yet, oldest first; how many were stamped.

        Stops at the first failure, which is logged, not raised: the rest wait for the next call.
        """
        if self.authority is None:
            return 0
        stamped = 0
        for tree_size, note in self._unstamped():
            try:
                issued = self.authority.stamp(note.encode("utf-8"))
            except TimestampUnavailable as error:
                log.warning(
                    "timestamp.unavailable", tree_size=tree_size, tsa_url=self.authority.url, error=str(error)
                )
                break
            self._store(tree_size, issued)
            stamped += 1
            log.info("timestamp.stored", tree_size=tree_size, gen_time=issued.facts.gen_time.isoformat())
        return stamped

    def stamp_in_background(self) -> threading.Thread | None:
        """Run `stamp_pending` in a thread of its own, unless one is running: a slow TSA must not hold
        up the follower that signs checkpoints. Gives the thread, so that a caller may wait for it."""
        if self.authority is None:
            return None
        with self._worker_lock:
            if self._worker is not None and self._worker.is_alive():
                return self._worker
            self._worker = threading.Thread(target=self._stamp_logging_errors, name="timestamps", daemon=True)
            self._worker.start()
            return self._worker

    def tokens(self, tree_sizes: list[int]) -> dict[int, bytes]:
        """The stored token of each of these checkpoints that has one, by tree size."""
        with self.pool.connection() as conn:
            rows = conn.execute(
                "SELECT tree_size, token FROM checkpoint_timestamps WHERE tree_size = ANY(%s)",
                (list(tree_sizes),),
            ).fetchall()
        return {int(tree_size): bytes(token) for tree_size, token in rows}

    def _stamp_logging_errors(self) -> None:
        try:
            self.stamp_pending()
        except Exception:  # the database went away under us, e.g. at shutdown: retried next time
            log.exception("timestamp.failed")

    def _unstamped(self) -> list[tuple[int, str]]:
        with self.pool.connection() as conn:
            rows = conn.execute(
                "SELECT c.tree_size, c.note FROM integrity_checkpoints c "
                "LEFT JOIN checkpoint_timestamps t ON t.tree_size = c.tree_size "
                "WHERE t.tree_size IS NULL ORDER BY c.tree_size LIMIT %s",
                (STAMP_BATCH,),
            ).fetchall()
        return [(int(tree_size), note) for tree_size, note in rows]

    def _store(self, tree_size: int, issued: IssuedToken) -> None:
        assert self.authority is not None
        with self.pool.connection() as conn:
            # Another process may have stamped it meanwhile; the first token stays.
            conn.execute(
                "INSERT INTO checkpoint_timestamps (tree_size, token, gen_time, tsa_url) "
                "VALUES (%s, %s, %s, %s) ON CONFLICT (tree_size) DO NOTHING",
                (tree_size, issued.token, issued.facts.gen_time, self.authority.url),
            )


@dataclass(frozen=True)
class StoredTokenCheck:
    """One stored token checked against the note of the checkpoint it stamps."""

    tree_size: int
    facts: TimestampFacts | None
    problem: str | None = None


def check_stored_tokens(conninfo: str) -> list[StoredTokenCheck]:
    """Check every stored token against its checkpoint's note, as the bundle's expert would; reads only.

    No certificate is pinned here: the TSA may have renewed its certificate between tokens. Each
    check's facts name the certificate that signed it.
    """
    with psycopg.connect(conninfo, autocommit=True) as conn:
        if conn.execute("SELECT to_regclass('checkpoint_timestamps')").fetchone() == (None,):
            return []  # not migrated yet: nothing was ever stamped
        rows = conn.execute(
            "SELECT t.tree_size, t.token, c.note FROM checkpoint_timestamps t "
            "JOIN integrity_checkpoints c ON c.tree_size = t.tree_size ORDER BY t.tree_size"
        ).fetchall()
    checks = []
    for tree_size, token, note in rows:
        try:
            checks.append(StoredTokenCheck(tree_size, verify_token(bytes(token), note.encode("utf-8"))))
        except TimestampTokenError as error:
            checks.append(StoredTokenCheck(tree_size, None, str(error)))
    return checks
