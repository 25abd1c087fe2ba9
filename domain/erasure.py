"""The erasure of a data subject's personal data by destroying their key (crypto-shredding).

Personal data is sealed per data subject (DESIGN.md "Events"): destroying the subject's key erases it
from every stored event, read model and evidence bundle at once, while the events themselves, and so
every hash, checkpoint and proof over them, stay as they were.

Destroying a key cannot be undone, so it takes two people: compliance requests the erasure with a
reason (`Requested`), a manager other than the requester approves it (`Approved`), and compliance
carries it out (`KeyDestroyed`), recorded before the key is destroyed. One erasure per data subject: its
id is derived from the subject's id, so a second request for the same subject finds the first.

Whether a case of the subject is under legal hold is not the erasure's state: the application checks the
subject's cases before every step. Public methods are commands that check the rule; private `@event`
methods only record.
"""

from datetime import datetime
from enum import Enum
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.actor import Actor
from domain.errors import DomainError, require_text

ERASURE_NAMESPACE = uuid5(NAMESPACE_URL, "https://aftersales-ledger.dev/erasures")


def erasure_id(subject_id: UUID) -> UUID:
    """The id of the stream that holds the erasure of data subject `subject_id`."""
    return uuid5(ERASURE_NAMESPACE, str(subject_id))


class ErasureRuleViolation(DomainError):
    """A command is not allowed in the erasure's current state."""


class ErasureStatus(Enum):
    REQUESTED = "requested"
    APPROVED = "approved"
    # The key was destroyed: the subject's personal data reads as erased everywhere.
    ERASED = "erased"


class Erasure(Aggregate):
    """The erasure of one data subject's personal data: requested, approved, carried out."""

    @classmethod
    def request(cls, *, subject_id: UUID, reason: str, by: Actor, now: datetime) -> "Erasure":
        """Compliance asks for the subject's personal data to be erased, saying why (no personal data)."""
        require_text(reason, "reason", "an erasure request needs a reason, e.g. the subject's request")
        return cls(subject_id=subject_id, reason=reason, actor=by, occurred_at=now)

    @staticmethod
    def create_id(subject_id: UUID) -> UUID:  # type: ignore[override]
        return erasure_id(subject_id)

    @event("Requested")
    def __init__(self, subject_id: UUID, reason: str, actor: Actor, occurred_at: datetime) -> None:
        self.subject_id = subject_id
        self.reason = reason
        self.requester = actor
        self.requested_at = occurred_at
        self.status = ErasureStatus.REQUESTED
        self.approver: Actor | None = None
        self.approved_at: datetime | None = None
        self.eraser: Actor | None = None
        self.erased_at: datetime | None = None

    # -- commands ---------------------------------------------------------------------------------

    def approve(self, by: Actor, now: datetime) -> None:
        """A manager other than the requester lets the erasure go ahead."""
        if self.status is not ErasureStatus.REQUESTED:
            raise ErasureRuleViolation(f"the erasure is {self.status.value} already", "status")
        if by.user_id == self.requester.user_id:
            raise ErasureRuleViolation("nobody approves their own erasure request", "approver")
        self._approved(actor=by, occurred_at=now)

    def record_key_destroyed(self, by: Actor, now: datetime) -> None:
        """The subject's key is to be destroyed now: recorded first, so that no key goes without its event."""
        if self.status is ErasureStatus.REQUESTED:
            raise ErasureRuleViolation("a manager must approve the erasure first", "status")
        if self.status is ErasureStatus.ERASED:
            raise ErasureRuleViolation("the subject's key was destroyed already", "status")
        self._key_destroyed(actor=by, occurred_at=now)

    @property
    def is_erased(self) -> bool:
        return self.status is ErasureStatus.ERASED

    # -- events: they record, they never refuse -------------------------------------------------

    @event("Approved")
    def _approved(self, actor: Actor, occurred_at: datetime) -> None:
        self.status = ErasureStatus.APPROVED
        self.approver = actor
        self.approved_at = occurred_at

    @event("KeyDestroyed")
    def _key_destroyed(self, actor: Actor, occurred_at: datetime) -> None:
        self.status = ErasureStatus.ERASED
        self.eraser = actor
        self.erased_at = occurred_at
