"""A case's liability determination (责任认定): proposals by QC, each approved or rejected by a manager.

One stream per case, its id derived from the case id, so "the case's determination" needs no lookup and
two streams for one case cannot exist. The stream opens with `Opened` (which case) and holds numbered
proposals (`LiabilityProposed`), each carrying the `Liability` value: shares, root cause, basis. A manager
other than the proposer approves one (`LiabilityApproved`) or rejects it with a reason
(`LiabilityRejected`). A new proposal while one is pending supersedes the pending one. Once a proposal is
approved, a change is a new proposal that names why; when that one is approved it supersedes the
approved one, and its approval event says which it replaced. Nothing is ever overwritten.

Public methods are commands that check the rule; private `@event` methods only record.
"""

from dataclasses import dataclass, replace
from datetime import datetime
from enum import Enum
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.actor import Actor
from domain.errors import DomainError, InvalidValue, require_text
from domain.liability import Liability

DETERMINATION_NAMESPACE = uuid5(NAMESPACE_URL, "https://aftersales-ledger.dev/liability-determinations")


def determination_id(case_id: UUID) -> UUID:
    """The id of the stream that holds the liability determination of case `case_id`."""
    return uuid5(DETERMINATION_NAMESPACE, str(case_id))


class LiabilityRuleViolation(DomainError):
    """A command conflicts with what the determination has recorded so far."""


class ProposalNotFound(DomainError):
    """The determination has no proposal with this number."""


class ProposalStatus(Enum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    # Replaced: a pending one by a newer proposal, an approved one by the approval of its change.
    SUPERSEDED = "superseded"


@dataclass(frozen=True)
class Proposal:
    """One proposed liability, and what became of it."""

    number: int
    liability: Liability
    rationale: str
    proposed_by: Actor
    proposed_at: datetime
    # Set when the proposal changes an approved determination: why the approved one is wrong.
    change_reason: str | None = None
    status: ProposalStatus = ProposalStatus.PENDING
    decided_by: Actor | None = None
    decided_at: datetime | None = None
    rejection_reason: str | None = None
    supersedes: int | None = None  # the approved proposal this one replaced, once approved
    superseded_by: int | None = None


class LiabilityDetermination(Aggregate):
    """Who bears the liability of one case, as proposed, approved, rejected and corrected."""

    @staticmethod
    def create_id(case_id: UUID) -> UUID:  # type: ignore[override]
        return determination_id(case_id)

    @classmethod
    def open(cls, *, case_id: UUID, by: Actor, now: datetime) -> "LiabilityDetermination":
        return cls(case_id=case_id, actor=by, occurred_at=now)

    @event("Opened")
    def __init__(self, case_id: UUID, actor: Actor, occurred_at: datetime) -> None:
        self.case_id = case_id
        self.opened_by = actor
        self.opened_at = occurred_at
        self.proposals: dict[int, Proposal] = {}

    # -- commands ---------------------------------------------------------------------------------

    def propose(
        self, liability: Liability, rationale: str, by: Actor, now: datetime, change_reason: str | None = None
    ) -> int:
        """Propose a liability; returns its number. A pending proposal is superseded by it. Once one is
        approved, a new proposal changes it and must say why (`change_reason`)."""
        require_text(rationale, "rationale", "say why the parties bear these shares")
        approved = self.approved()
        if approved is not None:
            if change_reason is None or not change_reason.strip():
                raise InvalidValue(
                    f"proposal {approved.number} is approved: say why it is changed (change_reason)",
                    "change_reason",
                )
        elif change_reason is not None:
            raise InvalidValue(
                "nothing is approved yet: a change_reason has nothing to change", "change_reason"
            )
        number = len(self.proposals) + 1
        pending = self.pending()
        self._proposed(
            number=number,
            liability=liability,
            rationale=rationale,
            change_reason=change_reason,
            supersedes_pending=pending.number if pending is not None else None,
            actor=by,
            occurred_at=now,
        )
        return number

    def approve(self, number: int, by: Actor, now: datetime) -> None:
        """A manager other than the proposer approves a pending proposal; it replaces any approved one."""
        proposal = self._pending(number)
        if by.user_id == proposal.proposed_by.user_id:
            raise LiabilityRuleViolation(
                "the proposer does not approve their own proposal: another manager does", "proposal"
            )
        approved = self.approved()
        self._approved(
            number=number,
            supersedes=approved.number if approved is not None else None,
            actor=by,
            occurred_at=now,
        )

    def reject(self, number: int, reason: str, by: Actor, now: datetime) -> None:
        """Turn a pending proposal down with a reason; a new proposal follows."""
        self._pending(number)
        require_text(reason, "reason", "say why the proposal is rejected")
        self._rejected(number=number, reason=reason, actor=by, occurred_at=now)

    # -- events -----------------------------------------------------------------------------------

    @event("LiabilityProposed")
    def _proposed(
        self,
        number: int,
        liability: Liability,
        rationale: str,
        change_reason: str | None,
        supersedes_pending: int | None,
        actor: Actor,
        occurred_at: datetime,
    ) -> None:
        if supersedes_pending is not None:
            self.proposals[supersedes_pending] = replace(
                self.proposals[supersedes_pending], status=ProposalStatus.SUPERSEDED, superseded_by=number
            )
        self.proposals[number] = Proposal(number, liability, rationale, actor, occurred_at, change_reason)

    @event("LiabilityApproved")
    def _approved(self, number: int, supersedes: int | None, actor: Actor, occurred_at: datetime) -> None:
        if supersedes is not None:
            self.proposals[supersedes] = replace(
                self.proposals[supersedes], status=ProposalStatus.SUPERSEDED, superseded_by=number
            )
        self.proposals[number] = replace(
            self.proposals[number],
            status=ProposalStatus.APPROVED,
            decided_by=actor,
            decided_at=occurred_at,
            supersedes=supersedes,
        )

    @event("LiabilityRejected")
    def _rejected(self, number: int, reason: str, actor: Actor, occurred_at: datetime) -> None:
        self.proposals[number] = replace(
            self.proposals[number],
            status=ProposalStatus.REJECTED,
            decided_by=actor,
            decided_at=occurred_at,
            rejection_reason=reason,
        )

    # -- what the determination holds ---------------------------------------------------------------

    def approved(self) -> Proposal | None:
        """The determination in force: the approved proposal no later approval superseded."""
        return next((p for p in self.proposals.values() if p.status is ProposalStatus.APPROVED), None)

    def pending(self) -> Proposal | None:
        """The proposal awaiting a manager's decision, if any (at most one)."""
        return next((p for p in self.proposals.values() if p.status is ProposalStatus.PENDING), None)

    def proposal(self, number: int) -> Proposal:
        found = self.proposals.get(number)
        if found is None:
            raise ProposalNotFound(f"the liability determination has no proposal {number}", "proposal")
        return found

    def _pending(self, number: int) -> Proposal:
        proposal = self.proposal(number)
        if proposal.status is not ProposalStatus.PENDING:
            raise LiabilityRuleViolation(
                f"proposal {number} is {proposal.status.value}: only a pending proposal is decided",
                "proposal",
            )
        return proposal
