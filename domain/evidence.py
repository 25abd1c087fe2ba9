"""Evidence attached to a case: what kinds there are, which files are accepted, and what one attachment is.

The bytes themselves live in a content-addressed blob store; a case knows an attachment by the
SHA-256 of its bytes, which its `EvidenceAttached` event carries, so the Merkle tree over the events
binds the bytes too. Nothing here reads a file: `accepted_content_type` judges the first bytes it is
given.
"""

import re
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from uuid import UUID

from domain.actor import Actor
from domain.errors import DomainError, InvalidValue

SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
# Enough of a file's start to tell its format, and to judge whether a text file is text.
SNIFF_BYTES = 8192


class EvidenceKind(Enum):
    PHOTO = "photo"
    VIDEO = "video"
    WEIGHBRIDGE_TICKET = "weighbridge_ticket"
    LAB_REPORT = "lab_report"
    QUALITY_CERTIFICATE = "quality_certificate"
    OTHER = "other"


class UnsupportedContent(DomainError):
    """The file is of a type the ledger does not keep, or its bytes are not what its type says."""


class AttachmentNotFound(DomainError):
    """The case has no attachment with this id."""


@dataclass(frozen=True)
class StoredFile:
    """Bytes already in the blob store, and what the uploader said about them."""

    sha256: str
    size: int
    content_type: str
    file_name: str  # may name a person ("Wang Lei.jpg"): never logged, never in a summary

    def check(self) -> None:
        if not SHA256_HEX.match(self.sha256):
            raise InvalidValue("sha256 must be 64 lower-case hex digits", "sha256")
        if self.size <= 0:
            raise InvalidValue("the file is empty", "file")
        if self.content_type not in ACCEPTED_TYPES:
            raise UnsupportedContent(f"{self.content_type} is not accepted as evidence", "file")
        if not self.file_name.strip():
            raise InvalidValue("the file needs a name", "file")


@dataclass(frozen=True)
class Attachment:
    """One piece of evidence of a case; superseded ones stay, marked, never removed."""

    id: UUID
    file: StoredFile
    kind: EvidenceKind
    description: str
    attached_by: Actor
    attached_at: datetime
    superseded_by: UUID | None = None
    superseded_at: datetime | None = None

    @property
    def is_current(self) -> bool:
        return self.superseded_at is None


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # The sniffed head may end inside a multi-byte character; anything earlier is not UTF-8.
        return error.start >= len(head) - 3 and error.reason == "unexpected end of data"
    return True


# ISO base media files (MP4, QuickTime, HEIC...) start with a box whose type sits at bytes 4..8.
_IMAGE_BRANDS = (b"heic", b"heix", b"mif1", b"msf1", b"avif")
_OLD_QUICKTIME_ATOMS = (b"moov", b"mdat", b"wide", b"free", b"skip")


def _is_mp4(head: bytes) -> bool:
    return head[4:8] == b"ftyp" and head[8:12] not in _IMAGE_BRANDS


def _is_quicktime(head: bytes) -> bool:
    return _is_mp4(head) or head[4:8] in _OLD_QUICKTIME_ATOMS


# The formats kept as evidence, each with the test its first bytes must pass.
ACCEPTED_TYPES = {
    "image/jpeg": lambda head: head.startswith(b"\xff\xd8\xff"),
    "image/png": lambda head: head.startswith(b"\x89PNG\r\n\x1a\n"),
    "image/webp": lambda head: head[:4] == b"RIFF" and head[8:12] == b"WEBP",
    "video/mp4": _is_mp4,
    "video/quicktime": _is_quicktime,
    "application/pdf": lambda head: head.startswith(b"%PDF-"),
    "text/csv": _is_text,
    "text/plain": _is_text,
}


def accepted_content_type(declared: str, head: bytes) -> str:
    """The declared media type without parameters, if it is accepted and the bytes are of that type.

    Raises UnsupportedContent naming the field `file` otherwise: a type the ledger does not keep, or
    bytes that are something else than declared (a renamed executable, a mislabelled photo).
    """
    media_type = declared.split(";")[0].strip().lower()
    matches = ACCEPTED_TYPES.get(media_type)
    if matches is None:
        accepted = ", ".join(sorted(ACCEPTED_TYPES))
        raise UnsupportedContent(f"{media_type or 'no type'} is not accepted; send one of {accepted}", "file")
    if not matches(head[:SNIFF_BYTES]):
        raise UnsupportedContent(f"the file's bytes are not {media_type}, as its type says", "file")
    return media_type
