"""A case's settlement (处理方案, 处理协议, 执行): what the supplier offers, the customer's answer, execution.

One stream per case, its id derived from the case id, like the liability determination. The stream opens
with `Opened` and holds numbered proposals (`SettlementProposed`): a price adjustment computed from the
contract's rule and the basis inspection (its total and every calculation line), a replacement, a
compensation (an amount) or a return with refund. A proposal whose amount exceeds the approval threshold
(an argument: the service configures it) waits for a manager other than the proposer
(`SettlementApproved`); then it is offered to the customer. The customer signs it (`AgreementSigned`:
who signed for them, when, and the signed document by attachment id and SHA-256) or rejects it
(`SettlementRejected`, naming what comes next: negotiation, i.e. a new proposal, or arbitration).
`EscalatedToArbitration` follows a rejection and puts the case under legal hold. `SettlementExecuted`
(a credit note issued, a replacement shipped, ...) closes the signed settlement.

Public methods are commands that check the rule; private `@event` methods only record.
"""

from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from enum import Enum
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from eventsourcing.domain import Aggregate, event

from domain.actor import Actor
from domain.errors import DomainError, InvalidValue, require_text
from domain.evidence import SHA256_HEX
from domain.money import Money
from domain.pricing import Adjustment

SETTLEMENT_NAMESPACE = uuid5(NAMESPACE_URL, "https://aftersales-ledger.dev/settlements")


def settlement_id(case_id: UUID) -> UUID:
    """The id of the stream that holds the settlement of case `case_id`."""
    return uuid5(SETTLEMENT_NAMESPACE, str(case_id))


class SettlementRuleViolation(DomainError):
    """A command conflicts with what the settlement has recorded so far."""


class SettlementProposalNotFound(DomainError):
    """The settlement has no proposal with this number."""


class SettlementKind(Enum):
    PRICE_ADJUSTMENT = "price_adjustment"  # 协商降价
    REPLACEMENT = "replacement"  # 换货
    COMPENSATION = "compensation"  # 赔偿
    RETURN_REFUND = "return_refund"  # 退货退款


class NextStep(Enum):
    """What follows the customer's rejection."""

    NEGOTIATION = "negotiation"
    ARBITRATION = "arbitration"


class ExecutionKind(Enum):
    CREDIT_NOTE = "credit_note"
    REPLACEMENT_SHIPMENT = "replacement_shipment"
    PAYMENT = "payment"
    REFUND = "refund"


class SettlementStatus(Enum):
    AWAITING_APPROVAL = "awaiting_approval"
    OFFERED = "offered"  # approved, or needing no approval: the customer's turn
    SIGNED = "signed"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"
    EXECUTED = "executed"


@dataclass(frozen=True)
class Offer:
    """What a proposal offers: for a price adjustment the computed adjustment with the inspection and the
    shipment it was computed from; for a compensation the amount."""

    kind: SettlementKind
    description: str
    adjustment: Adjustment | None = None
    basis_inspection_id: UUID | None = None
    shipment_id: UUID | None = None
    compensation: Money | None = None

    def __post_init__(self) -> None:
        require_text(self.description, "description", "describe what is offered")
        is_adjustment = self.kind is SettlementKind.PRICE_ADJUSTMENT
        if is_adjustment != (self.adjustment is not None):
            raise InvalidValue("a price adjustment, and only one, carries its computed adjustment", "kind")
        if is_adjustment and (self.basis_inspection_id is None or self.shipment_id is None):
            raise InvalidValue("a price adjustment names its basis inspection and shipment", "inspection_id")
        is_compensation = self.kind is SettlementKind.COMPENSATION
        if is_compensation != (self.compensation is not None):
            raise InvalidValue("a compensation, and only a compensation, has an amount", "amount")
        if self.compensation is not None and self.compensation.amount <= 0:
            raise InvalidValue("a compensation is above zero", "amount")

    @property
    def amount(self) -> Money | None:
        """The money the offer moves: the adjustment's total (negative: a credit) or the compensation."""
        return self.adjustment.total if self.adjustment is not None else self.compensation

    def needs_approval(self, threshold: Decimal) -> bool:
        """True when the amount's magnitude exceeds `threshold` (in the amount's currency)."""
        return self.amount is not None and abs(self.amount.amount) > threshold


@dataclass(frozen=True)
class SignedAgreement:
    """The customer's signature of the handling agreement (处理协议)."""

    signer_name: str
    signer_role: str  # role and organisation, e.g. "purchasing manager, Jiangsu Huadian"
    signed_at: datetime
    document_attachment_id: UUID
    document_sha256: str
    subject_id: UUID = field(default_factory=uuid4)  # the data subject whose key seals `signer_name`

    def __post_init__(self) -> None:
        require_text(self.signer_name, "signer_name", "name who signed for the customer")
        require_text(self.signer_role, "signer_role", "say in which role and for which organisation")
        if not SHA256_HEX.match(self.document_sha256):
            raise InvalidValue("sha256 must be 64 lower-case hex digits", "document_sha256")


@dataclass(frozen=True)
class SettlementProposal:
    number: int
    offer: Offer
    needs_approval: bool
    proposed_by: Actor
    proposed_at: datetime
    status: SettlementStatus
    approved_by: Actor | None = None
    agreement: SignedAgreement | None = None
    rejection_reason: str | None = None
    next_step: NextStep | None = None
    superseded_by: int | None = None


@dataclass(frozen=True)
class Execution:
    kind: ExecutionKind
    reference: str  # the credit note number, the replacement shipment's reference, ...
    executed_by: Actor
    executed_at: datetime


_OPEN = (SettlementStatus.AWAITING_APPROVAL, SettlementStatus.OFFERED)


class Settlement(Aggregate):
    """How one case is settled with the customer: proposals, approval, agreement or rejection, execution."""

    @staticmethod
    def create_id(case_id: UUID) -> UUID:  # type: ignore[override]
        return settlement_id(case_id)

    @classmethod
    def open(cls, *, case_id: UUID, by: Actor, now: datetime) -> "Settlement":
        return cls(case_id=case_id, actor=by, occurred_at=now)

    @event("Opened")
    def __init__(self, case_id: UUID, actor: Actor, occurred_at: datetime) -> None:
        self.case_id = case_id
        self.proposals: dict[int, SettlementProposal] = {}
        self.legal_hold = False
        self.arbitration_reason: str | None = None
        self.execution: Execution | None = None

    # -- commands ---------------------------------------------------------------------------------

    def propose(self, offer: Offer, approval_threshold: Decimal, by: Actor, now: datetime) -> int:
        """Propose a settlement; returns its number. It supersedes an open proposal; after a rejection it
        is the negotiation's next offer. Nothing is proposed once signed or in arbitration."""
        if self.legal_hold:
            raise SettlementRuleViolation("the settlement is in arbitration: no new proposal", "kind")
        if self.is_closed:
            raise SettlementRuleViolation("the settlement is executed: it is closed", "kind")
        if self.signed() is not None:
            raise SettlementRuleViolation("an agreement is signed: execute it, propose nothing new", "kind")
        number = len(self.proposals) + 1
        current = self.open_proposal()
        self._proposed(
            number=number,
            offer=offer,
            needs_approval=offer.needs_approval(approval_threshold),
            supersedes_open=current.number if current is not None else None,
            actor=by,
            occurred_at=now,
        )
        return number

    def approve(self, number: int, by: Actor, now: datetime) -> None:
        """A manager other than the proposer approves a proposal above the threshold."""
        proposal = self._in(number, SettlementStatus.AWAITING_APPROVAL)
        if by.user_id == proposal.proposed_by.user_id:
            raise SettlementRuleViolation("the proposer does not approve their own proposal", "proposal")
        self._approved(number=number, actor=by, occurred_at=now)

    def sign(self, number: int, agreement: SignedAgreement, by: Actor, now: datetime) -> None:
        """Record the customer's signed agreement to an offered proposal (approved, or not needing it)."""
        self._in(number, SettlementStatus.OFFERED)
        if agreement.signed_at > now:
            raise InvalidValue("the agreement is signed in the past, not in the future", "signed_at")
        self._signed(number=number, agreement=agreement, actor=by, occurred_at=now)

    def reject(self, number: int, reason: str, next_step: NextStep, by: Actor, now: datetime) -> None:
        """The customer turns an offered proposal down; negotiation (a new proposal) or arbitration next."""
        self._in(number, SettlementStatus.OFFERED)
        require_text(reason, "reason", "say why the customer rejects it")
        self._rejected(number=number, reason=reason, next_step=next_step, actor=by, occurred_at=now)

    def escalate(self, reason: str, by: Actor, now: datetime) -> None:
        """Take a rejected settlement to arbitration: the case goes under legal hold."""
        if self.legal_hold:
            raise SettlementRuleViolation("the settlement is in arbitration already", "reason")
        latest = self.latest()
        if latest is None or latest.status is not SettlementStatus.REJECTED:
            raise SettlementRuleViolation(
                "arbitration follows the customer's rejection of a proposal", "reason"
            )
        require_text(reason, "reason", "say why the dispute goes to arbitration")
        self._escalated(reason=reason, actor=by, occurred_at=now)

    def execute(self, kind: ExecutionKind, reference: str, by: Actor, now: datetime) -> None:
        """Record that the signed settlement is carried out; this closes it."""
        signed = self.signed()
        if signed is None:
            raise SettlementRuleViolation("only a signed agreement is executed", "proposal")
        require_text(reference, "reference", "name the credit note, the shipment or the payment")
        self._executed(number=signed.number, kind=kind, reference=reference, actor=by, occurred_at=now)

    # -- events -----------------------------------------------------------------------------------

    @event("SettlementProposed")
    def _proposed(
        self,
        number: int,
        offer: Offer,
        needs_approval: bool,
        supersedes_open: int | None,
        actor: Actor,
        occurred_at: datetime,
    ) -> None:
        if supersedes_open is not None:
            self._set(supersedes_open, status=SettlementStatus.SUPERSEDED, superseded_by=number)
        status = SettlementStatus.AWAITING_APPROVAL if needs_approval else SettlementStatus.OFFERED
        self.proposals[number] = SettlementProposal(number, offer, needs_approval, actor, occurred_at, status)

    @event("SettlementApproved")
    def _approved(self, number: int, actor: Actor, occurred_at: datetime) -> None:
        self._set(number, status=SettlementStatus.OFFERED, approved_by=actor)

    @event("AgreementSigned")
    def _signed(self, number: int, agreement: SignedAgreement, actor: Actor, occurred_at: datetime) -> None:
        self._set(number, status=SettlementStatus.SIGNED, agreement=agreement)

    @event("SettlementRejected")
    def _rejected(
        self, number: int, reason: str, next_step: NextStep, actor: Actor, occurred_at: datetime
    ) -> None:
        self._set(number, status=SettlementStatus.REJECTED, rejection_reason=reason, next_step=next_step)

    @event("EscalatedToArbitration")
    def _escalated(self, reason: str, actor: Actor, occurred_at: datetime) -> None:
        self.legal_hold = True
        self.arbitration_reason = reason

    @event("SettlementExecuted")
    def _executed(
        self, number: int, kind: ExecutionKind, reference: str, actor: Actor, occurred_at: datetime
    ) -> None:
        self._set(number, status=SettlementStatus.EXECUTED)
        self.execution = Execution(kind, reference, actor, occurred_at)

    # -- what the settlement holds -------------------------------------------------------------------

    @property
    def is_closed(self) -> bool:
        return self.execution is not None

    def latest(self) -> SettlementProposal | None:
        return self.proposals[len(self.proposals)] if self.proposals else None

    def open_proposal(self) -> SettlementProposal | None:
        """The proposal awaiting approval or the customer's answer, if any (at most one)."""
        return next((p for p in self.proposals.values() if p.status in _OPEN), None)

    def signed(self) -> SettlementProposal | None:
        return next((p for p in self.proposals.values() if p.status is SettlementStatus.SIGNED), None)

    def proposal(self, number: int) -> SettlementProposal:
        found = self.proposals.get(number)
        if found is None:
            raise SettlementProposalNotFound(f"the settlement has no proposal {number}", "proposal")
        return found

    def _in(self, number: int, status: SettlementStatus) -> SettlementProposal:
        proposal = self.proposal(number)
        if proposal.status is not status:
            raise SettlementRuleViolation(
                f"proposal {number} is {proposal.status.value}, not {status.value}", "proposal"
            )
        return proposal

    def _set(self, number: int, **changes: object) -> None:
        self.proposals[number] = replace(self.proposals[number], **changes)  # type: ignore[arg-type]
