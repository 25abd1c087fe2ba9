"""Checks an RFC 3161 time-stamp token over some bytes, standing alone.

This file imports only the Python standard library and `cryptography`, so it can be copied beside the
bundle verifier and run by an expert who trusts neither the product nor an ASN.1 library. It reads the
DER itself, strictly (definite, minimal lengths; one-byte tags; nothing trailing), and checks:

- ContentInfo (id-signedData) → SignedData → encapContentInfo (id-ct-TSTInfo) → TSTInfo, version 1;
- the TSTInfo's messageImprint is SHA-256 (or SHA-384/512) of the given bytes;
- the signer's certificate, found in `certificates` by the SignerInfo's sid (issuer and serial number,
  or subject key identifier), is bound by the signed ESS signingCertificate(V2) attribute, has the
  critical extended key usage timeStamping, and was valid at genTime;
- the signed attributes name id-ct-TSTInfo as content type and carry the TSTInfo's digest;
- the signature over the signed attributes (re-tagged as a SET, RFC 5652 §5.4) verifies with the
  certificate's key: RSA PKCS#1 v1.5, ECDSA or Ed25519;
- the certificate's SHA-256 equals a pinned one, when one is given.

It does not build a chain to a root: pinning the TSA certificate is how the expert says whom they trust.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID

ID_SIGNED_DATA = "1.2.840.113549.1.7.2"
ID_CT_TST_INFO = "1.2.840.113549.1.9.16.1.4"
ID_CONTENT_TYPE = "1.2.840.113549.1.9.3"
ID_MESSAGE_DIGEST = "1.2.840.113549.1.9.4"
ID_SIGNING_CERTIFICATE = "1.2.840.113549.1.9.16.2.12"
ID_SIGNING_CERTIFICATE_V2 = "1.2.840.113549.1.9.16.2.47"

DIGESTS: dict[str, str] = {
    "2.16.840.1.101.3.4.2.1": "sha256",
    "2.16.840.1.101.3.4.2.2": "sha384",
    "2.16.840.1.101.3.4.2.3": "sha512",
}
SHA1 = "1.3.14.3.2.26"  # only as ESS signingCertificate's certificate hash, never for the data
RSA_PKCS1 = {
    "1.2.840.113549.1.1.1": None,  # rsaEncryption: the hash is the SignerInfo's digestAlgorithm
    "1.2.840.113549.1.1.11": "sha256",
    "1.2.840.113549.1.1.12": "sha384",
    "1.2.840.113549.1.1.13": "sha512",
}
ECDSA = {
    "1.2.840.10045.2.1": None,  # id-ecPublicKey, as some signers write it
    "1.2.840.10045.4.3.2": "sha256",
    "1.2.840.10045.4.3.3": "sha384",
    "1.2.840.10045.4.3.4": "sha512",
}
ED25519 = "1.3.101.112"

_HASH_CLASSES: dict[str, type[hashes.SHA256 | hashes.SHA384 | hashes.SHA512]] = {
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}


class TimestampTokenError(ValueError):
    """The token is malformed, or does not show what it must."""


@dataclass(frozen=True)
class TimestampFacts:
    """What a verified token says: when, by whom, under which policy."""

    gen_time: datetime  # UTC, timezone-aware
    tsa_subject: str  # RFC 4514
    tsa_cert_sha256: str  # hex SHA-256 of the TSA certificate's DER
    serial_number: int
    policy: str  # dotted OID


def verify_token(token: bytes, data: bytes, *, tsa_cert_sha256: str | None = None) -> TimestampFacts:
    """Check that `token` (a DER TimeStampToken) is a valid time-stamp over `data`; say what it shows."""
    try:
        facts = _verify(token, data)
    except TimestampTokenError:
        raise
    except (IndexError, ValueError) as error:
        # A structure with fewer elements than its type requires fails its unpacking here.
        raise TimestampTokenError(f"the token is malformed: {error}") from None
    if tsa_cert_sha256 is not None and facts.tsa_cert_sha256 != _hex(tsa_cert_sha256):
        raise TimestampTokenError(
            f"the TSA certificate is not the pinned one (its SHA-256 is {facts.tsa_cert_sha256})"
        )
    return facts


def _verify(token: bytes, data: bytes) -> TimestampFacts:
    signed_data = _signed_data(token)
    tst_der, tst = _tst_info(signed_data)
    signer = _signer_info(signed_data)
    certificate = _signer_certificate(signed_data, signer.sid)
    _check_signed_attributes(signer, tst_der, certificate)
    _check_signature(signer, certificate)
    _check_certificate(certificate, tst.gen_time)
    # Last: a genuine token over other bytes is told apart from a forged or damaged one.
    if not _hash_equal(tst.imprint_algorithm, data, tst.imprint):
        raise TimestampTokenError("the token is over other data: its message imprint differs")
    return TimestampFacts(
        gen_time=tst.gen_time,
        tsa_subject=certificate.parsed.subject.rfc4514_string(),
        tsa_cert_sha256=hashlib.sha256(certificate.raw).hexdigest(),
        serial_number=tst.serial_number,
        policy=tst.policy,
    )


def _hex(fingerprint: str) -> str:
    return fingerprint.strip().lower().replace(":", "")


# -- DER --------------------------------------------------------------------------------------------

SEQUENCE, SET, INTEGER, OCTET_STRING, OID, NULL, GENERALIZED_TIME = 0x30, 0x31, 0x02, 0x04, 0x06, 0x05, 0x18


@dataclass(frozen=True)
class Tlv:
    """One DER element: its tag byte, its content bytes, and its whole encoding."""

    tag: int
    content: bytes
    encoded: bytes

    def children(self) -> list[Tlv]:
        if not self.tag & 0x20:
            raise TimestampTokenError(f"DER element with tag {self.tag:#04x} is not constructed")
        elements, offset = [], 0
        while offset < len(self.content):
            element, offset = _read_element(self.content, offset)
            elements.append(element)
        return elements

    def only_child(self) -> Tlv:
        elements = self.children()
        if len(elements) != 1:
            raise TimestampTokenError(f"DER element with tag {self.tag:#04x} must hold exactly one element")
        return elements[0]


def parse_der(encoded: bytes) -> Tlv:
    """The one DER element `encoded` holds, with nothing after it."""
    element, end = _read_element(encoded, 0)
    if end != len(encoded):
        raise TimestampTokenError("trailing bytes after the DER element")
    return element


def _read_element(buffer: bytes, offset: int) -> tuple[Tlv, int]:
    start = offset
    if offset + 2 > len(buffer):
        raise TimestampTokenError("truncated DER element")
    tag, first = buffer[offset], buffer[offset + 1]
    if tag & 0x1F == 0x1F:
        raise TimestampTokenError("multi-byte DER tags are not used in time-stamp tokens")
    offset += 2
    if first < 0x80:
        length = first
    elif first == 0x80:
        raise TimestampTokenError("indefinite length is BER, not DER")
    else:
        count = first & 0x7F
        if count > 4 or offset + count > len(buffer):
            raise TimestampTokenError("bad DER length")
        length = int.from_bytes(buffer[offset : offset + count], "big")
        if length < 0x80 or buffer[offset] == 0:
            raise TimestampTokenError("DER length is not in its shortest form")
        offset += count
    end = offset + length
    if end > len(buffer):
        raise TimestampTokenError("truncated DER element")
    return Tlv(tag, buffer[offset:end], buffer[start:end]), end


def _expect(element: Tlv, tag: int, what: str) -> Tlv:
    if element.tag != tag:
        raise TimestampTokenError(f"{what}: expected tag {tag:#04x}, found {element.tag:#04x}")
    return element


def _integer(element: Tlv, what: str) -> int:
    content = _expect(element, INTEGER, what).content
    if not content or (
        len(content) > 1 and content[0] in (0, 0xFF) and (content[0] ^ content[1]) & 0x80 == 0
    ):
        raise TimestampTokenError(f"{what}: not a minimal DER INTEGER")
    return int.from_bytes(content, "big", signed=True)


def _oid(element: Tlv, what: str) -> str:
    content = _expect(element, OID, what).content
    if not content or content[-1] & 0x80:
        raise TimestampTokenError(f"{what}: malformed OBJECT IDENTIFIER")
    arcs, value = [], 0
    for index, byte in enumerate(content):
        if value == 0 and byte == 0x80 and (index == 0 or not content[index - 1] & 0x80):
            raise TimestampTokenError(f"{what}: OBJECT IDENTIFIER arc not in its shortest form")
        value = value << 7 | byte & 0x7F
        if not byte & 0x80:
            arcs.append(value)
            value = 0
    first = min(arcs[0] // 40, 2)
    return ".".join(str(arc) for arc in [first, arcs[0] - 40 * first, *arcs[1:]])


def _algorithm(element: Tlv, what: str) -> str:
    """An AlgorithmIdentifier's OID; every algorithm accepted here has no parameters, or NULL."""
    parts = _expect(element, SEQUENCE, what).children()
    if not parts or len(parts) > 2 or parts[1:] not in ([], [Tlv(NULL, b"", b"\x05\x00")]):
        raise TimestampTokenError(f"{what}: malformed or unsupported AlgorithmIdentifier")
    return _oid(parts[0], what)


def _digest_name(element: Tlv, what: str) -> str:
    oid = _algorithm(element, what)
    if oid not in DIGESTS:
        raise TimestampTokenError(f"{what}: unsupported hash algorithm {oid} (SHA-256/384/512 only)")
    return DIGESTS[oid]


def _generalized_time(element: Tlv) -> datetime:
    text = _expect(element, GENERALIZED_TIME, "genTime").content.decode("ascii", "replace")
    match = re.fullmatch(r"(\d{14})(?:\.(\d*[1-9]))?Z", text)
    if match is None:
        raise TimestampTokenError(f"genTime {text!r} is not a DER GeneralizedTime in UTC")
    try:
        moment = datetime.strptime(match[1], "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        raise TimestampTokenError(f"genTime {text!r} is not a real moment") from None
    micros = int((match[2] or "0")[:6].ljust(6, "0"))
    return moment.replace(microsecond=micros)


def _hash_equal(name: str, data: bytes, expected: bytes) -> bool:
    return hashlib.new(name, data).digest() == expected


# -- the token's layers ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _TstInfo:
    policy: str
    imprint_algorithm: str
    imprint: bytes
    serial_number: int
    gen_time: datetime


@dataclass(frozen=True)
class _SignerInfo:
    sid: Tlv
    digest: str
    signed_attrs: Tlv
    signature_algorithm: str
    signature: bytes


@dataclass(frozen=True)
class _Certificate:
    raw: bytes
    parsed: x509.Certificate
    issuer_der: bytes
    serial_content: bytes


def _signed_data(token: bytes) -> list[Tlv]:
    content_info = _expect(parse_der(token), SEQUENCE, "ContentInfo").children()
    if len(content_info) != 2 or _oid(content_info[0], "contentType") != ID_SIGNED_DATA:
        raise TimestampTokenError("the token is not a CMS ContentInfo holding SignedData")
    signed_data = _expect(_expect(content_info[1], 0xA0, "content").only_child(), SEQUENCE, "SignedData")
    fields = signed_data.children()
    if len(fields) < 4 or _integer(fields[0], "SignedData version") != 3:
        raise TimestampTokenError("SignedData is not version 3 or is incomplete")
    return fields


def _tst_info(signed_data: list[Tlv]) -> tuple[bytes, _TstInfo]:
    encap = _expect(signed_data[2], SEQUENCE, "encapContentInfo").children()
    if len(encap) != 2 or _oid(encap[0], "eContentType") != ID_CT_TST_INFO:
        raise TimestampTokenError("the signed content is not a TSTInfo")
    tst_der = _expect(_expect(encap[1], 0xA0, "eContent").only_child(), OCTET_STRING, "eContent").content
    fields = _expect(parse_der(tst_der), SEQUENCE, "TSTInfo").children()
    if len(fields) < 5 or _integer(fields[0], "TSTInfo version") != 1:
        raise TimestampTokenError("TSTInfo is not version 1")
    imprint = _expect(fields[2], SEQUENCE, "messageImprint").children()
    if len(imprint) != 2:
        raise TimestampTokenError("messageImprint is malformed")
    tst = _TstInfo(
        policy=_oid(fields[1], "policy"),
        imprint_algorithm=_digest_name(imprint[0], "messageImprint"),
        imprint=_expect(imprint[1], OCTET_STRING, "hashedMessage").content,
        serial_number=_integer(fields[3], "serialNumber"),
        gen_time=_generalized_time(fields[4]),
    )
    return tst_der, tst


def _signer_info(signed_data: list[Tlv]) -> _SignerInfo:
    signer_infos = _expect(signed_data[-1], SET, "signerInfos").children()
    if len(signer_infos) != 1:
        raise TimestampTokenError(f"expected exactly one SignerInfo, found {len(signer_infos)}")
    fields = _expect(signer_infos[0], SEQUENCE, "SignerInfo").children()
    if len(fields) < 6 or fields[3].tag != 0xA0:
        raise TimestampTokenError("SignerInfo has no signed attributes")
    # RFC 5652 §5.3: version 1 names the certificate by issuer and serial number, 3 by key identifier.
    if _integer(fields[0], "SignerInfo version") != (1 if fields[1].tag == SEQUENCE else 3):
        raise TimestampTokenError("SignerInfo's version does not fit its sid")
    if fields[2].encoded not in [
        a.encoded for a in _expect(signed_data[1], SET, "digestAlgorithms").children()
    ]:
        raise TimestampTokenError("the signer's digest algorithm is not among SignedData's digestAlgorithms")
    return _SignerInfo(
        sid=fields[1],
        digest=_digest_name(fields[2], "digestAlgorithm"),
        signed_attrs=fields[3],
        signature_algorithm=_algorithm(fields[4], "signatureAlgorithm"),
        signature=_expect(fields[5], OCTET_STRING, "signature").content,
    )


def _signer_certificate(signed_data: list[Tlv], sid: Tlv) -> _Certificate:
    # Between encapContentInfo and signerInfos: certificates [0] and crls [1], both optional.
    for element in signed_data[3:-1]:
        if element.tag != 0xA0:
            continue
        for choice in element.children():
            if choice.tag == SEQUENCE and _identifies(sid, candidate := _certificate(choice)):
                return candidate
    raise TimestampTokenError("the token does not carry the signer's certificate")


def _certificate(element: Tlv) -> _Certificate:
    tbs = _expect(element.children()[0], SEQUENCE, "tbsCertificate").children()
    first = 1 if tbs[0].tag == 0xA0 else 0  # the explicit [0] version is absent in v1 certificates
    try:
        parsed = x509.load_der_x509_certificate(element.encoded)
    except Exception as error:  # cryptography raises several kinds for a bad certificate
        raise TimestampTokenError(f"a certificate in the token is malformed: {error}") from None
    return _Certificate(element.encoded, parsed, tbs[first + 2].encoded, tbs[first].content)


def _identifies(sid: Tlv, certificate: _Certificate) -> bool:
    if sid.tag == SEQUENCE:  # issuerAndSerialNumber
        issuer, serial = sid.children()
        serial_content = _expect(serial, INTEGER, "sid serialNumber").content
        return issuer.encoded == certificate.issuer_der and serial_content == certificate.serial_content
    if sid.tag == 0x80:  # [0] subjectKeyIdentifier
        try:
            ski = certificate.parsed.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
        except x509.ExtensionNotFound:
            return False
        return ski.value.digest == sid.content
    raise TimestampTokenError("SignerInfo's sid is malformed")


# -- signed attributes and signature ---------------------------------------------------------------


def _check_signed_attributes(signer: _SignerInfo, tst_der: bytes, certificate: _Certificate) -> None:
    attributes: dict[str, list[Tlv]] = {}
    for attribute in signer.signed_attrs.children():
        parts = _expect(attribute, SEQUENCE, "signed attribute").children()
        if len(parts) != 2:
            raise TimestampTokenError("a signed attribute is malformed")
        oid = _oid(parts[0], "attribute type")
        if oid in attributes:
            raise TimestampTokenError(f"signed attribute {oid} appears twice")
        attributes[oid] = _expect(parts[1], SET, "attribute values").children()
    if _single(attributes, ID_CONTENT_TYPE).content != _oid_content(ID_CT_TST_INFO):
        raise TimestampTokenError("the signed content type is not id-ct-TSTInfo")
    digest = _expect(_single(attributes, ID_MESSAGE_DIGEST), OCTET_STRING, "messageDigest").content
    if not _hash_equal(signer.digest, tst_der, digest):
        raise TimestampTokenError("the signed message digest does not match the TSTInfo")
    _check_signing_certificate(attributes, certificate)


def _single(attributes: dict[str, list[Tlv]], oid: str) -> Tlv:
    values = attributes.get(oid, [])
    if len(values) != 1:
        raise TimestampTokenError(f"signed attribute {oid} must be present with exactly one value")
    return values[0]


def _oid_content(dotted: str) -> bytes:
    arcs = [int(arc) for arc in dotted.split(".")]
    encoded = bytearray()
    for arc in [arcs[0] * 40 + arcs[1], *arcs[2:]]:
        chunk = [arc & 0x7F]
        while arc := arc >> 7:
            chunk.append(arc & 0x7F | 0x80)
        encoded.extend(reversed(chunk))
    return bytes(encoded)


def _check_signing_certificate(attributes: dict[str, list[Tlv]], certificate: _Certificate) -> None:
    """ESS (RFC 2634, RFC 5035): the signer names its certificate's hash, so it cannot be swapped."""
    if ID_SIGNING_CERTIFICATE_V2 in attributes:
        fields = _first_cert_id(_single(attributes, ID_SIGNING_CERTIFICATE_V2))
        has_algorithm = fields[0].tag == SEQUENCE  # DEFAULT sha256 is left out in DER
        algorithm = _digest_name(fields[0], "ESSCertIDv2") if has_algorithm else "sha256"
        cert_hash = fields[1 if has_algorithm else 0] if len(fields) > int(has_algorithm) else None
    elif ID_SIGNING_CERTIFICATE in attributes:
        algorithm, cert_hash = "sha1", _first_cert_id(_single(attributes, ID_SIGNING_CERTIFICATE))[0]
    else:
        raise TimestampTokenError("no signed ESS signingCertificate attribute names the TSA certificate")
    if cert_hash is None:
        raise TimestampTokenError("the ESS certificate identifier has no hash")
    expected = _expect(cert_hash, OCTET_STRING, "certHash").content
    if not _hash_equal(algorithm, certificate.raw, expected):
        raise TimestampTokenError("the signed ESS certificate hash does not match the TSA certificate")


def _first_cert_id(value: Tlv) -> list[Tlv]:
    """The fields of the first ESSCertID(v2): the one that names the signer's certificate."""
    certs = _expect(value, SEQUENCE, "signingCertificate").children()
    cert_ids = _expect(certs[0], SEQUENCE, "certs").children() if certs else []
    fields = _expect(cert_ids[0], SEQUENCE, "ESSCertID").children() if cert_ids else []
    if not fields:
        raise TimestampTokenError("the ESS signingCertificate attribute names no certificate")
    return fields


def _check_signature(signer: _SignerInfo, certificate: _Certificate) -> None:
    # RFC 5652 §5.4: the signature covers the attributes' DER with the EXPLICIT SET OF tag, not [0].
    signed_bytes = bytes([SET]) + signer.signed_attrs.encoded[1:]
    oid = signer.signature_algorithm
    key = certificate.parsed.public_key()
    digest = _HASH_CLASSES[signer.digest]()
    try:
        if oid in RSA_PKCS1 and isinstance(key, rsa.RSAPublicKey):
            _same_hash(RSA_PKCS1[oid], signer.digest)
            key.verify(signer.signature, signed_bytes, padding.PKCS1v15(), digest)
        elif oid in ECDSA and isinstance(key, ec.EllipticCurvePublicKey):
            _same_hash(ECDSA[oid], signer.digest)
            key.verify(signer.signature, signed_bytes, ec.ECDSA(digest))
        elif oid == ED25519 and isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signer.signature, signed_bytes)
        else:
            raise TimestampTokenError(f"unsupported signature algorithm {oid} for the certificate's key")
    except InvalidSignature:
        raise TimestampTokenError("the TSA's signature does not verify") from None


def _same_hash(named: str | None, digest: str) -> None:
    if named is not None and named != digest:
        raise TimestampTokenError(f"the signature algorithm's hash {named} differs from the digest {digest}")


def _check_certificate(certificate: _Certificate, gen_time: datetime) -> None:
    parsed = certificate.parsed
    try:
        usage = parsed.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    except x509.ExtensionNotFound:
        raise TimestampTokenError("the TSA certificate has no extended key usage") from None
    if not usage.critical or list(usage.value) != [ExtendedKeyUsageOID.TIME_STAMPING]:
        raise TimestampTokenError(
            "the TSA certificate's extended key usage is not (only, critical) timeStamping"
        )
    if not parsed.not_valid_before_utc <= gen_time <= parsed.not_valid_after_utc:
        raise TimestampTokenError("genTime lies outside the TSA certificate's validity")
