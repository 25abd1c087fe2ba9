"""Evidence files: the bytes go into the blob store first, then the event that attaches them to a case.

Bytes stored but never attached are harmless (nobody reaches a blob except through a case's
attachment), while an event naming bytes that were never stored would be a broken promise; so the
order is store, then record. Everything that could refuse the command is checked before a byte is
stored, so a refused upload leaves nothing behind.
"""

import hashlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import BinaryIO
from uuid import UUID

from application.authorization import Command, authorise
from application.errors import EvidenceTooLarge, EvidenceUnreadable, VersionConflict
from application.ledger import Caller, CaseLedger, CommandResult
from application.ports import BlobStore
from domain.evidence import SNIFF_BYTES, Attachment, EvidenceKind, StoredFile, accepted_content_type

CHUNK_BYTES = 1024 * 1024
# A verified download is copied here first: small files stay in memory, large ones go to a temporary file.
SPOOL_IN_MEMORY_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Upload:
    """A file as the client sent it. `content` must be seekable: it is read twice (hashed, then stored)."""

    content: BinaryIO
    content_type: str  # as declared by the client
    file_name: str
    kind: EvidenceKind
    description: str
    occurred_at: datetime | None = None


@dataclass(frozen=True)
class OpenedEvidence:
    """An attachment, and its bytes already checked against the SHA-256 its event recorded."""

    attachment: Attachment
    content: BinaryIO  # the caller reads it to the end and closes it


class EvidenceFiles:
    def __init__(self, ledger: CaseLedger, blobs: BlobStore, max_bytes: int) -> None:
        self.ledger = ledger
        self.blobs = blobs
        self.max_bytes = max_bytes

    def attach(self, caller: Caller, case_id: UUID, upload: Upload) -> CommandResult:
        """Store the upload's bytes and attach them to the case; with If-Match and Idempotency-Key."""
        authorise(Command.ATTACH_EVIDENCE, caller.user_id, caller.roles)
        file = self._examined(upload)
        caller = _bound_to_bytes(caller, file.sha256)
        if (answer := self.ledger.recorded_answer(caller)) is not None:
            return answer
        self._try_attach(caller, case_id, file, upload)
        stored = self.blobs.put(_rewound(upload.content))
        if stored.sha256 != file.sha256:
            raise AssertionError("the upload changed while it was stored")
        return self.ledger.attach_evidence(
            caller, case_id, file, upload.kind, upload.description, upload.occurred_at
        )

    def open(self, case_id: UUID, attachment_id: UUID) -> OpenedEvidence:
        """The attachment and its verified bytes; EvidenceUnreadable if they are missing or changed."""
        attachment = self.ledger.get_case(case_id).attachment(attachment_id)
        return OpenedEvidence(attachment, self._verified_copy(attachment.file))

    def _examined(self, upload: Upload) -> StoredFile:
        """The upload's type checked against its bytes, its size against the limit, and its hash."""
        size = upload.content.seek(0, os.SEEK_END)
        if size > self.max_bytes:
            raise EvidenceTooLarge(f"the file is {size} bytes; the limit is {self.max_bytes}", "file")
        content = _rewound(upload.content)
        content_type = accepted_content_type(upload.content_type, content.read(SNIFF_BYTES))
        digest = hashlib.sha256()
        for chunk in _chunks(_rewound(upload.content)):
            digest.update(chunk)
        return StoredFile(digest.hexdigest(), size, content_type, upload.file_name)

    def _try_attach(self, caller: Caller, case_id: UUID, file: StoredFile, upload: Upload) -> None:
        """The command's own checks, on a copy of the case that is never saved: refusals come first."""
        case = self.ledger.get_case(case_id)
        if caller.expected_version is not None and caller.expected_version != case.version:
            raise VersionConflict(
                f"the case is at version {case.version}, not {caller.expected_version}", field="If-Match"
            )
        actor = authorise(Command.ATTACH_EVIDENCE, caller.user_id, caller.roles)
        now = self.ledger.clock.now()
        case.attach_evidence(file, upload.kind, upload.description, actor, upload.occurred_at or now, now)

    def _verified_copy(self, file: StoredFile) -> BinaryIO:
        # Hashing while sending would deliver changed bytes before noticing; so the whole file is
        # checked first, from a private copy that nobody can change between the check and the send.
        try:
            source = self.blobs.open(file.sha256)
        except KeyError:
            raise EvidenceUnreadable(f"the bytes of {file.sha256} are missing from the blob store") from None
        copy = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY_BYTES)  # noqa: SIM115  # returned open
        digest = hashlib.sha256()
        with source:
            for chunk in _chunks(source):
                digest.update(chunk)
                copy.write(chunk)
        if digest.hexdigest() != file.sha256:
            copy.close()
            raise EvidenceUnreadable(f"the stored bytes of {file.sha256} no longer hash to it")
        copy.seek(0)
        return copy  # type: ignore[return-value]  # a SpooledTemporaryFile is a binary file


def _bound_to_bytes(caller: Caller, sha256: str) -> Caller:
    """The request's fingerprint covers the file's bytes too: a key reused with another file is refused."""
    request = caller.idempotency
    if request is None:
        return caller
    fingerprint = hashlib.sha256(f"{request.request_hash}\n{sha256}".encode()).hexdigest()
    return replace(caller, idempotency=replace(request, request_hash=fingerprint))


def _rewound(content: BinaryIO) -> BinaryIO:
    content.seek(0)
    return content


def _chunks(content: BinaryIO) -> Iterator[bytes]:
    return iter(lambda: content.read(CHUNK_BYTES), b"")
