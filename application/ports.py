"""What the use cases need from the outside world, as Protocols that infra implements."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, BinaryIO, Protocol
from uuid import UUID


class Clock(Protocol):
    def now(self) -> datetime: ...


class CaseNumbers(Protocol):
    def next_number(self, year: int) -> int:
        """The year's next unused case number, as far as committed registrations show.

        A guess: the claim saved with the registration decides, and a clash means asking again.
        """
        ...


@dataclass(frozen=True)
class IdempotentRequest:
    """A client's promise that a retried request is the same request."""

    key: str
    request_hash: str


@dataclass(frozen=True)
class RecordedResponse:
    request_hash: str
    response: dict[str, Any]


class IdempotencyRecords(Protocol):
    def find(self, key: str) -> RecordedResponse | None: ...


@dataclass(frozen=True)
class IdempotencyRecord:
    """Saved in the same transaction as the command's events, so a retry finds both or neither."""

    key: str
    request_hash: str
    response: dict[str, Any]


@dataclass(frozen=True)
class CaseNumberClaim:
    """Saved in the same transaction as the registration: a number exists only if its case does."""

    year: int
    sequence: int
    case_id: Any


class CaseNumberTaken(Exception):
    """Another registration committed the same number first; register again with the next one."""


class GrantCandidates(Protocol):
    def __call__(self, user_id: str, case_id: UUID, at: datetime) -> list[UUID]:
        """Ids of the user's access grants for the case, the likeliest to allow a read at `at` first.

        A read model's answer, so it may lag: the grant loaded from the event store decides.
        """
        ...


class CaseInspections(Protocol):
    def of_case(self, case_id: UUID) -> list[UUID]:
        """Ids of the case's inspections, oldest first.

        A read model's answer, so it may lag a moment behind the event store.
        """
        ...


class CaseReturns(Protocol):
    def of_case(self, case_id: UUID) -> list[UUID]:
        """Ids of the case's returns, in the order they were applied for.

        A read model's answer, so it may lag a moment behind the event store.
        """
        ...


@dataclass(frozen=True)
class StoredBlob:
    sha256: str  # lower-case hex: the blob's name
    size: int


class BlobStore(Protocol):
    """Content-addressed bytes: a blob's name is the SHA-256 of its bytes; nothing is ever overwritten."""

    def put(self, content: BinaryIO) -> StoredBlob:
        """Store the stream's bytes (read to its end) and name them; the same bytes again store nothing."""
        ...

    def open(self, sha256: str) -> BinaryIO:
        """The stored bytes as a stream, as they are now: the caller checks them against the name.

        Raises KeyError if no blob has that name.
        """
        ...

    def exists(self, sha256: str) -> bool: ...

    def corrupted(self) -> Iterator[str]:
        """The name of every stored blob whose bytes no longer hash to it."""
        ...


class SubjectKeys(Protocol):
    """The key store of personal data: one AES-256-GCM key per data subject, kept apart from the events.

    Destroying a subject's key erases their personal data everywhere it was sealed (crypto-shredding),
    while the stored events, and so every hash and proof over them, stay as they were.
    """

    def key_for(self, subject_id: UUID) -> bytes | None:
        """The subject's 32-byte key; None once the subject is erased or was never known."""
        ...

    def ensure(self, subject_id: UUID, case_id: UUID) -> bytes:
        """The subject's key, created if new, and a note that the case holds the subject's data.

        Raises SubjectErased (application.errors) for a subject whose key was destroyed.
        """
        ...

    def cases_of(self, subject_id: UUID) -> list[UUID]:
        """The cases that hold the subject's sealed data."""
        ...

    def destroy(self, subject_id: UUID) -> bool:
        """Destroy the subject's key for good; False if it was destroyed already."""
        ...


class PersonalDataSealer(Protocol):
    """Seals personal data under its data subject's key, so that destroying the key erases it."""

    def seal(self, subject_id: UUID, plaintext: bytes) -> bytes:
        """The plaintext encrypted and authenticated under the subject's key.

        Raises SubjectErased (application.errors) if the subject has no key: erased, or never ensured.
        """
        ...

    def open(self, subject_id: UUID, sealed: bytes) -> bytes | None:
        """The plaintext `seal` sealed; None once the subject's key was destroyed."""
        ...
