"""The after-sales case: from registration to closure, for every case type.

Public methods are commands: they check the rule and refuse with a `CaseRuleViolation`.
Private `@event` methods only record, so that replaying an old history never fails on a rule
that changed later.
"""

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, event

from domain.actor import Actor
from domain.case_values import (
    FINISHED,
    KINDS_NEEDING_AMOUNT,
    CaseType,
    Channel,
    Contact,
    Customer,
    LateObjection,
    Outcome,
    Proposal,
    ResolutionKind,
    Severity,
    Status,
    check_amount,
)
from domain.errors import CaseRuleViolation, InvalidValue, require_text
from domain.evidence import Attachment, AttachmentNotFound, EvidenceKind, StoredFile
from domain.money import Money

# The values are defined in domain/case_values.py; the case's users import them from here too.
__all__ = [
    "CLOCK_SKEW_ALLOWANCE",
    "FINISHED",
    "KINDS_NEEDING_AMOUNT",
    "Case",
    "CaseType",
    "Channel",
    "Contact",
    "Customer",
    "LateObjection",
    "Outcome",
    "Proposal",
    "ResolutionKind",
    "Severity",
    "Status",
]

# A field report may be typed in later, but nobody reports what has not happened yet;
# the allowance covers clocks of phones and laptops that run a little fast.
CLOCK_SKEW_ALLOWANCE = timedelta(minutes=5)


class Case(Aggregate):
    """A customer's complaint, objection or request, and everything done about it."""

    @classmethod
    def register(
        cls,
        *,
        number: str,
        customer: Customer,
        contact: Contact,
        channel: Channel,
        case_type: CaseType,
        severity: Severity,
        product: str,
        shipment_refs: list[str],
        batch_refs: list[str],
        description: str,
        by: Actor,
        at: datetime,
        now: datetime,
    ) -> "Case":
        require_text(description, "description")
        require_text(product, "product")
        require_text(customer.id, "customer.id")
        require_text(contact.name, "contact.name")
        _require_past(at, now)
        return cls(
            number=number,
            customer=customer,
            contact=contact,
            channel=channel,
            case_type=case_type,
            severity=severity,
            product=product,
            shipment_refs=list(shipment_refs),
            batch_refs=list(batch_refs),
            description=description,
            actor=by,
            occurred_at=at,
        )

    @event("Registered")
    def __init__(
        self,
        number: str,
        customer: Customer,
        contact: Contact,
        channel: Channel,
        case_type: CaseType,
        severity: Severity,
        product: str,
        shipment_refs: list[str],
        batch_refs: list[str],
        description: str,
        actor: Actor,
        occurred_at: datetime,
    ) -> None:
        self.number = number
        self.customer = customer
        self.contact = contact
        self.channel = channel
        self.case_type = case_type
        self.severity = severity
        self.product = product
        self.shipment_refs = shipment_refs
        self.batch_refs = batch_refs
        self.description = description
        self.registered_by = actor
        self.opened_at = occurred_at
        self.status = Status.REGISTERED
        self.acknowledged_at: datetime | None = None
        self.department: str | None = None
        self.assignee: str | None = None
        self.proposals: list[Proposal] = []
        self.accepted_proposal: int | None = None
        self.outcome: Outcome | None = None
        self.closed_at: datetime | None = None
        self.notes_count = 0
        self.reopen_count = 0
        self.attachments: dict[UUID, Attachment] = {}
        self.late_objection: LateObjection | None = None
        self.late_objection_overridden = False
        self.agreed_settlement: int | None = None
        self.customer_satisfied: bool | None = None
        self.legal_hold = False

    # -- commands -------------------------------------------------------------------------------

    def acknowledge(self, by: Actor, at: datetime, now: datetime) -> None:
        self._require_open()
        self._require_not_held_late()
        if self.status is not Status.REGISTERED:
            raise CaseRuleViolation("the case has already been acknowledged")
        self._require_occurred(at, now)
        self._acknowledged(actor=by, occurred_at=at)

    def assign(
        self, department: str, assignee: str, reason: str, by: Actor, at: datetime, now: datetime
    ) -> None:
        self._require_open()
        self._require_not_held_late()
        require_text(department, "department")
        require_text(assignee, "assignee")
        self._require_occurred(at, now)
        if self.assignee is None:
            self._assigned(department=department, assignee=assignee, actor=by, occurred_at=at)
            return
        if (department, assignee) == (self.department, self.assignee):
            raise CaseRuleViolation(f"the case is already assigned to {assignee} in {department}")
        require_text(reason, "reason", "a reassignment needs a reason")
        self._reassigned(
            department=department,
            assignee=assignee,
            previous_department=self.department,
            previous_assignee=self.assignee,
            reason=reason,
            actor=by,
            occurred_at=at,
        )

    def add_note(self, text: str, by: Actor, at: datetime, now: datetime) -> None:
        self._require_open()
        require_text(text, "text")
        self._require_occurred(at, now)
        self._note_added(text=text, actor=by, occurred_at=at)

    def propose_resolution(
        self,
        kind: ResolutionKind,
        amount: Money | None,
        description: str,
        by: Actor,
        at: datetime,
        now: datetime,
    ) -> int:
        """Record a resolution offered to the customer; returns the proposal's number."""
        self._require_open()
        if self.status is Status.REGISTERED:
            raise CaseRuleViolation("acknowledge the case before proposing a resolution")
        if self.status is Status.RESOLUTION_PROPOSED:
            raise CaseRuleViolation(
                f"proposal {self.proposals[-1].number} still awaits the customer's answer"
            )
        if self.status in (Status.RESOLUTION_ACCEPTED, Status.RESOLUTION_EXECUTED):
            raise CaseRuleViolation("the customer has already accepted a resolution")
        check_amount(kind, amount)
        require_text(description, "description")
        self._require_occurred(at, now)
        number = len(self.proposals) + 1
        self._resolution_proposed(
            proposal=number, kind=kind, amount=amount, description=description, actor=by, occurred_at=at
        )
        return number

    def accept_resolution(self, proposal: int, by: Actor, at: datetime, now: datetime) -> None:
        self._require_pending(proposal)
        self._require_occurred(at, now)
        self._resolution_accepted(proposal=proposal, actor=by, occurred_at=at)

    def reject_resolution(self, proposal: int, reason: str, by: Actor, at: datetime, now: datetime) -> None:
        self._require_pending(proposal)
        require_text(reason, "reason", "a rejection needs the customer's reason")
        self._require_occurred(at, now)
        self._resolution_rejected(proposal=proposal, reason=reason, actor=by, occurred_at=at)

    def mark_resolution_executed(self, details: str, by: Actor, at: datetime, now: datetime) -> None:
        self._require_open()
        if self.status is not Status.RESOLUTION_ACCEPTED:
            raise CaseRuleViolation("only an accepted resolution can be executed")
        require_text(details, "details")
        self._require_occurred(at, now)
        self._resolution_executed(proposal=self.accepted_proposal, details=details, actor=by, occurred_at=at)

    def close(self, outcome: Outcome, reason: str, by: Actor, at: datetime, now: datetime) -> None:
        self._require_open()
        if self.status is Status.RESOLUTION_ACCEPTED:
            raise CaseRuleViolation("the accepted resolution has not been executed yet")
        if self.status is Status.RESOLUTION_PROPOSED:
            raise CaseRuleViolation("a resolution proposal still awaits the customer's answer")
        if outcome is Outcome.RESOLVED and self.status is not Status.RESOLUTION_EXECUTED:
            raise CaseRuleViolation("a case is closed as resolved only after its resolution is executed")
        if outcome is not Outcome.RESOLVED and self.status is Status.RESOLUTION_EXECUTED:
            raise CaseRuleViolation("a case whose resolution was executed closes as resolved")
        if outcome is not Outcome.RESOLVED:
            require_text(reason, "reason", f"closing a case as {outcome.value} needs a reason")
        self._require_occurred(at, now)
        self._closed(outcome=outcome, reason=reason, actor=by, occurred_at=at)

    def reopen(self, reason: str, by: Actor, at: datetime, now: datetime) -> None:
        if self.status not in FINISHED:
            raise CaseRuleViolation("only a closed or withdrawn case can be reopened")
        require_text(reason, "reason", "reopening a case needs a reason")
        self._require_occurred(at, now)
        self._reopened(reason=reason, actor=by, occurred_at=at)

    def withdraw(self, reason: str, by: Actor, at: datetime, now: datetime) -> None:
        self._require_open()
        if self.status is Status.RESOLUTION_EXECUTED:
            raise CaseRuleViolation("the resolution has been carried out; close the case instead")
        require_text(reason, "reason", "a withdrawal needs the customer's reason")
        self._require_occurred(at, now)
        self._withdrawn(reason=reason, actor=by, occurred_at=at)

    def flag_late_objection(
        self, shipment_ref: str, window_closed_at: datetime, raised_at: datetime, by: Actor, now: datetime
    ) -> None:
        """Record that the objection came after the contract's window for the shipment closed.

        The objection stays on record; it goes no further than registration until a manager overrides.
        """
        if self.late_objection is not None:
            raise CaseRuleViolation("the objection is already flagged late")
        self._flagged_late(
            shipment_ref=shipment_ref,
            window_closed_at=window_closed_at,
            raised_at=raised_at,
            actor=by,
            occurred_at=now,
        )

    def override_late_objection(self, reason: str, by: Actor, at: datetime, now: datetime) -> None:
        if self.late_objection is None:
            raise CaseRuleViolation("the objection is not flagged late: there is nothing to override")
        if self.late_objection_overridden:
            raise CaseRuleViolation("the late objection has already been overridden")
        require_text(reason, "reason", "an override of a late objection needs a reason")
        self._require_occurred(at, now)
        self._late_objection_overridden(reason=reason, actor=by, occurred_at=at)

    def record_settlement_agreed(self, proposal: int, by: Actor, now: datetime) -> None:
        """The customer signed settlement proposal `proposal` (domain/settlement.py): for the case, its
        resolution is agreed, as an accepted proposal of its own would be."""
        self._require_open()
        if self.status is Status.RESOLUTION_PROPOSED:
            raise CaseRuleViolation(
                f"the case's own proposal {self.proposals[-1].number} still awaits the customer's answer"
            )
        if self.status in (Status.RESOLUTION_ACCEPTED, Status.RESOLUTION_EXECUTED):
            raise CaseRuleViolation("the customer has already accepted a resolution")
        self._settlement_agreed(proposal=proposal, actor=by, occurred_at=now)

    def record_settlement_executed(self, execution: str, reference: str, by: Actor, now: datetime) -> None:
        """The agreed settlement was carried out (a credit note issued, a replacement shipped...)."""
        self._require_open()
        if self.status is not Status.RESOLUTION_ACCEPTED or self.agreed_settlement is None:
            raise CaseRuleViolation("only an agreed settlement can be executed")
        self._settlement_executed(
            proposal=self.agreed_settlement,
            execution=execution,
            reference=reference,
            actor=by,
            occurred_at=now,
        )

    def place_under_legal_hold(self, reason: str, by: Actor, now: datetime) -> None:
        """Nothing about the case may be erased from now on (a dispute went to arbitration)."""
        if self.legal_hold:
            raise CaseRuleViolation("the case is already under legal hold")
        require_text(reason, "reason", "a legal hold needs a reason")
        self._placed_under_legal_hold(reason=reason, actor=by, occurred_at=now)

    def declare_satisfaction(
        self, satisfied: bool, comment: str, by: Actor, at: datetime, now: datetime
    ) -> None:
        """The customer's word once the resolution was carried out. Satisfied closes the case as
        resolved; not satisfied keeps it open for follow-up, and needs the customer's reason."""
        self._require_open()
        if self.status is not Status.RESOLUTION_EXECUTED:
            raise CaseRuleViolation("the customer declares satisfaction once the resolution is carried out")
        if not satisfied:
            require_text(comment, "comment", "say what the customer is not satisfied with")
        self._require_occurred(at, now)
        self._satisfaction_declared(satisfied=satisfied, comment=comment, actor=by, occurred_at=at)

    def attach_evidence(
        self, file: StoredFile, kind: EvidenceKind, description: str, by: Actor, at: datetime, now: datetime
    ) -> UUID:
        """Record evidence whose bytes are already stored; returns the new attachment's id."""
        self._require_open()
        file.check()
        same = next((a for a in self.current_attachments() if a.file.sha256 == file.sha256), None)
        if same is not None:
            raise CaseRuleViolation(f"these bytes are already attached to the case as {same.id}", "file")
        self._require_occurred(at, now)
        attachment_id = uuid4()
        self._evidence_attached(
            attachment_id=attachment_id,
            sha256=file.sha256,
            size=file.size,
            content_type=file.content_type,
            file_name=file.file_name,
            kind=kind,
            description=description,
            actor=by,
            occurred_at=at,
        )
        return attachment_id

    def supersede_evidence(
        self,
        attachment_id: UUID,
        superseded_by: UUID | None,
        reason: str,
        by: Actor,
        at: datetime,
        now: datetime,
    ) -> None:
        """Mark a current attachment as no longer the one to rely on, optionally naming its replacement."""
        self._require_open()
        superseded = self.attachment(attachment_id)
        if not superseded.is_current:
            raise CaseRuleViolation(f"attachment {attachment_id} was already superseded")
        if superseded_by is not None:
            self._require_replacement(attachment_id, superseded_by)
        require_text(reason, "reason", "superseding evidence needs a reason")
        self._require_occurred(at, now)
        self._evidence_superseded(
            attachment_id=attachment_id, superseded_by=superseded_by, reason=reason, actor=by, occurred_at=at
        )

    def record_evidence_export(
        self,
        bundle_id: str,
        stream_heads: dict[str, int],
        purpose: str,
        legal_matter: str,
        bundle_format: str,
        by: Actor,
        now: datetime,
    ) -> None:
        """An evidence bundle of the case was exported (docs/evidence-bundle.md). The event states the
        case's version before it and the other streams' heads: what the bundle holds, and all of it."""
        require_text(purpose, "purpose", "an evidence bundle is exported for a stated purpose")
        require_text(legal_matter, "legal_matter", "an evidence bundle is exported under a legal matter")
        self._evidence_exported(
            bundle_id=bundle_id,
            head_version=self.version,
            stream_heads=dict(stream_heads),
            purpose=purpose,
            legal_matter=legal_matter,
            format=bundle_format,
            actor=by,
            occurred_at=now,
        )

    def attachment(self, attachment_id: UUID) -> Attachment:
        found = self.attachments.get(attachment_id)
        if found is None:
            raise AttachmentNotFound(f"the case has no attachment {attachment_id}", "attachment_id")
        return found

    def current_attachments(self) -> list[Attachment]:
        return [a for a in self.attachments.values() if a.is_current]

    # -- guards ---------------------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self.status not in FINISHED

    def _require_not_held_late(self) -> None:
        late = self.late_objection
        if late is not None and not self.late_objection_overridden:
            raise CaseRuleViolation(
                f"the objection was raised after the contract's window for shipment {late.shipment_ref} "
                f"closed at {late.window_closed_at.isoformat()}; it proceeds only after a manager's override"
            )

    def _require_open(self) -> None:
        if not self.is_open:
            raise CaseRuleViolation(f"the case is {self.status.value}; only reopening it is allowed")

    def _require_pending(self, proposal: int) -> None:
        self._require_open()
        if self.status is not Status.RESOLUTION_PROPOSED:
            raise CaseRuleViolation("no resolution proposal awaits the customer's answer")
        pending = self.proposals[-1].number
        if proposal != pending:
            raise CaseRuleViolation(
                f"proposal {proposal} is not the one awaiting an answer ({pending})", "proposal"
            )

    def _require_replacement(self, attachment_id: UUID, superseded_by: UUID) -> None:
        if superseded_by == attachment_id:
            raise InvalidValue("an attachment cannot supersede itself", "superseded_by")
        replacement = self.attachments.get(superseded_by)
        if replacement is None or not replacement.is_current:
            raise InvalidValue(
                f"the replacement {superseded_by} is not a current attachment of the case", "superseded_by"
            )

    def _require_occurred(self, at: datetime, now: datetime) -> None:
        _require_past(at, now)
        if at < self.opened_at:
            raise InvalidValue("occurred_at is earlier than the case's registration", field="occurred_at")

    # -- events: they record, they never refuse ------------------------------------------------

    @event("Acknowledged")
    def _acknowledged(self, actor: Actor, occurred_at: datetime) -> None:
        self.status = Status.IN_PROGRESS
        self.acknowledged_at = occurred_at

    @event("Assigned")
    def _assigned(self, department: str, assignee: str, actor: Actor, occurred_at: datetime) -> None:
        self.department = department
        self.assignee = assignee

    @event("Reassigned")
    def _reassigned(
        self,
        department: str,
        assignee: str,
        previous_department: str | None,
        previous_assignee: str | None,
        reason: str,
        actor: Actor,
        occurred_at: datetime,
    ) -> None:
        self.department = department
        self.assignee = assignee

    @event("NoteAdded")
    def _note_added(self, text: str, actor: Actor, occurred_at: datetime) -> None:
        self.notes_count += 1

    @event("ResolutionProposed")
    def _resolution_proposed(
        self,
        proposal: int,
        kind: ResolutionKind,
        amount: Money | None,
        description: str,
        actor: Actor,
        occurred_at: datetime,
    ) -> None:
        self.proposals.append(Proposal(proposal, kind, amount, description))
        self.status = Status.RESOLUTION_PROPOSED

    @event("ResolutionAccepted")
    def _resolution_accepted(self, proposal: int, actor: Actor, occurred_at: datetime) -> None:
        self.accepted_proposal = proposal
        self.status = Status.RESOLUTION_ACCEPTED

    @event("ResolutionRejected")
    def _resolution_rejected(self, proposal: int, reason: str, actor: Actor, occurred_at: datetime) -> None:
        self.status = Status.IN_PROGRESS

    @event("ResolutionExecuted")
    def _resolution_executed(
        self, proposal: int | None, details: str, actor: Actor, occurred_at: datetime
    ) -> None:
        self.status = Status.RESOLUTION_EXECUTED

    @event("Closed")
    def _closed(self, outcome: Outcome, reason: str, actor: Actor, occurred_at: datetime) -> None:
        self.status = Status.CLOSED
        self.outcome = outcome
        self.closed_at = occurred_at

    @event("Reopened")
    def _reopened(self, reason: str, actor: Actor, occurred_at: datetime) -> None:
        # A case withdrawn before anyone acknowledged it still awaits its acknowledgement.
        self.status = Status.IN_PROGRESS if self.acknowledged_at else Status.REGISTERED
        self.outcome = None
        self.closed_at = None
        self.accepted_proposal = None
        self.agreed_settlement = None
        self.customer_satisfied = None
        self.reopen_count += 1

    @event("Withdrawn")
    def _withdrawn(self, reason: str, actor: Actor, occurred_at: datetime) -> None:
        self.status = Status.WITHDRAWN
        self.closed_at = occurred_at

    @event("ObjectionFlaggedLate")
    def _flagged_late(
        self,
        shipment_ref: str,
        window_closed_at: datetime,
        raised_at: datetime,
        actor: Actor,
        occurred_at: datetime,
    ) -> None:
        self.late_objection = LateObjection(shipment_ref, window_closed_at, raised_at)

    @event("LateObjectionOverridden")
    def _late_objection_overridden(self, reason: str, actor: Actor, occurred_at: datetime) -> None:
        self.late_objection_overridden = True

    @event("SettlementAgreed")
    def _settlement_agreed(self, proposal: int, actor: Actor, occurred_at: datetime) -> None:
        self.agreed_settlement = proposal
        self.status = Status.RESOLUTION_ACCEPTED

    @event("SettlementExecuted")
    def _settlement_executed(
        self, proposal: int, execution: str, reference: str, actor: Actor, occurred_at: datetime
    ) -> None:
        self.status = Status.RESOLUTION_EXECUTED

    @event("PlacedUnderLegalHold")
    def _placed_under_legal_hold(self, reason: str, actor: Actor, occurred_at: datetime) -> None:
        self.legal_hold = True

    @event("SatisfactionDeclared")
    def _satisfaction_declared(
        self, satisfied: bool, comment: str, actor: Actor, occurred_at: datetime
    ) -> None:
        self.customer_satisfied = satisfied
        if satisfied:
            self.status = Status.CLOSED
            self.outcome = Outcome.RESOLVED
            self.closed_at = occurred_at

    @event("EvidenceAttached")
    def _evidence_attached(
        self,
        attachment_id: UUID,
        sha256: str,
        size: int,
        content_type: str,
        file_name: str,
        kind: EvidenceKind,
        description: str,
        actor: Actor,
        occurred_at: datetime,
    ) -> None:
        file = StoredFile(sha256, size, content_type, file_name)
        self.attachments[attachment_id] = Attachment(
            attachment_id, file, kind, description, attached_by=actor, attached_at=occurred_at
        )

    @event("EvidenceSuperseded")
    def _evidence_superseded(
        self,
        attachment_id: UUID,
        superseded_by: UUID | None,
        reason: str,
        actor: Actor,
        occurred_at: datetime,
    ) -> None:
        self.attachments[attachment_id] = replace(
            self.attachments[attachment_id], superseded_by=superseded_by, superseded_at=occurred_at
        )

    @event("EvidenceBundleExported")
    def _evidence_exported(
        self,
        bundle_id: str,
        head_version: int,
        stream_heads: dict[str, int],
        purpose: str,
        legal_matter: str,
        format: str,
        actor: Actor,
        occurred_at: datetime,
    ) -> None:
        """The export changes nothing of the case: the event is its record in the history."""

    # -- reading --------------------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        """The case as a plain mapping: what an auditor sees after each event of a replay."""
        return {
            "number": self.number,
            "status": self.status.value,
            "case_type": self.case_type.value,
            "severity": self.severity.value,
            "channel": self.channel.value,
            "customer_id": self.customer.id,
            "customer_name": self.customer.name,
            "product": self.product,
            "shipment_refs": list(self.shipment_refs),
            "batch_refs": list(self.batch_refs),
            "description": self.description,
            "opened_at": self.opened_at,
            "acknowledged_at": self.acknowledged_at,
            "department": self.department,
            "assignee": self.assignee,
            "proposals": len(self.proposals),
            "accepted_proposal": self.accepted_proposal,
            "outcome": self.outcome.value if self.outcome else None,
            "closed_at": self.closed_at,
            "notes": self.notes_count,
            "reopened": self.reopen_count,
            "attachments": len(self.current_attachments()),
            "objection_late": self.late_objection is not None,
            "late_objection_overridden": self.late_objection_overridden,
            "agreed_settlement": self.agreed_settlement,
            "customer_satisfied": self.customer_satisfied,
            "legal_hold": self.legal_hold,
        }


def _require_past(at: datetime, now: datetime) -> None:
    if at.tzinfo is None:
        raise InvalidValue("occurred_at must carry a time zone", field="occurred_at")
    if at > now + CLOCK_SKEW_ALLOWANCE:
        raise InvalidValue("occurred_at lies in the future", field="occurred_at")
