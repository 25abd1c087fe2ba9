"""Settlement use cases: propose a price adjustment computed from the contract's rule and the basis
inspection, or a replacement, compensation or return; approve one above the threshold; record the
customer's signed agreement or rejection; take a rejection to arbitration; record the execution; read.

A case's settlement is a stream of its own (`Settlement`, its id derived from the case id), created with
`CaseLedger.create` by the first proposal and changed with `run_command` afterwards, so If-Match (on the
settlement's version) and Idempotency-Key work as for cases. A price adjustment is computed here, on the
command, from the stored inspection, shipment and contract: the client sends which inspection, never a
figure. The approval threshold is configured (`AFTERSALES_SETTLEMENT_APPROVAL_THRESHOLD`) and passed in.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from application.access import ReadAccess, Reader, ReadKind
from application.authorization import Command, authorise
from application.errors import InspectionNotFound, SettlementNotProposed, VersionConflict
from application.inspections import require_objection_in_progress
from application.ledger import Caller, CaseLedger, CommandResult
from application.shipments import Shipments
from domain.actor import Actor
from domain.case import Case
from domain.errors import CaseRuleViolation
from domain.evidence import AttachmentNotFound
from domain.inspection import Inspection
from domain.inspection_assessment import assess
from domain.money import Money
from domain.pricing import Rejection, price_adjustment
from domain.settlement import (
    ExecutionKind,
    NextStep,
    Offer,
    Settlement,
    SettlementKind,
    SettlementRuleViolation,
    SignedAgreement,
    settlement_id,
)

STEP = "settlement"


@dataclass(frozen=True)
class AgreementEntry:
    """The customer's signature as sent: the signed document is an attachment of the case."""

    signer_name: str
    signer_role: str
    signed_at: datetime
    document_attachment_id: UUID
    subject_id: UUID = field(default_factory=uuid4)  # the signer as a data subject


Decide = Callable[[Settlement, datetime], dict[str, Any] | None]


class Settlements:
    def __init__(self, ledger: CaseLedger, read_access: ReadAccess, approval_threshold: Decimal) -> None:
        self.ledger = ledger
        self.read_access = read_access
        self.approval_threshold = approval_threshold
        self.shipments = Shipments(ledger)

    # -- commands ---------------------------------------------------------------------------------

    def propose_price_adjustment(
        self, caller: Caller, case_id: UUID, inspection_id: UUID, description: str
    ) -> CommandResult:
        """Propose the price adjustment the contract's rule gives on the inspection's basis result."""
        actor = authorise(Command.PROPOSE_SETTLEMENT, caller.user_id, caller.roles)
        return self._propose(
            caller, case_id, actor, lambda case: self._adjustment(case, inspection_id, description)
        )

    def propose(
        self, caller: Caller, case_id: UUID, kind: SettlementKind, description: str, amount: Money | None
    ) -> CommandResult:
        """Propose a replacement, a compensation (with its amount) or a return with refund."""
        actor = authorise(Command.PROPOSE_SETTLEMENT, caller.user_id, caller.roles)
        if kind is SettlementKind.PRICE_ADJUSTMENT:
            raise CaseRuleViolation(
                "a price adjustment is computed: name its basis inspection", "inspection_id"
            )
        return self._propose(
            caller, case_id, actor, lambda case: Offer(kind, description, compensation=amount)
        )

    def approve(self, caller: Caller, case_id: UUID, number: int) -> CommandResult:
        actor = authorise(Command.APPROVE_SETTLEMENT, caller.user_id, caller.roles)
        return self._numbered(caller, case_id, number, lambda s, now: s.approve(number, actor, now))

    def sign(self, caller: Caller, case_id: UUID, number: int, entry: AgreementEntry) -> CommandResult:
        """Record the customer's signed agreement; its document must be a current attachment of the case."""
        actor = authorise(Command.RECORD_SETTLEMENT_ANSWER, caller.user_id, caller.roles)

        def sign(settlement: Settlement, now: datetime) -> Case:
            case = self._case(case_id)
            document = case.attachments.get(entry.document_attachment_id)
            field = "document_attachment_id"
            if document is None:
                raise AttachmentNotFound(
                    f"case {case.number} has no attachment {entry.document_attachment_id}", field
                )
            if not document.is_current:
                raise CaseRuleViolation(
                    f"attachment {document.id} is superseded: attach the signed one", field
                )
            agreement = SignedAgreement(
                entry.signer_name,
                entry.signer_role,
                entry.signed_at,
                document.id,
                document.file.sha256,
                subject_id=entry.subject_id,
            )
            self.ledger.hold_personal_data(case.id, entry.subject_id)
            settlement.sign(number, agreement, actor, now)
            case.record_settlement_agreed(number, actor, now)
            return case

        return self._with_case(caller, case_id, sign, {"proposal": number})

    def reject(
        self, caller: Caller, case_id: UUID, number: int, reason: str, next_step: NextStep
    ) -> CommandResult:
        actor = authorise(Command.RECORD_SETTLEMENT_ANSWER, caller.user_id, caller.roles)
        return self._numbered(
            caller, case_id, number, lambda s, now: s.reject(number, reason, next_step, actor, now)
        )

    def escalate(self, caller: Caller, case_id: UUID, reason: str) -> CommandResult:
        actor = authorise(Command.ESCALATE_SETTLEMENT, caller.user_id, caller.roles)

        def escalate(settlement: Settlement, now: datetime) -> Case:
            settlement.escalate(reason, actor, now)
            case = self._case(case_id)
            case.place_under_legal_hold(f"settlement taken to arbitration: {reason}", actor, now)
            return case

        return self._with_case(caller, case_id, escalate)

    def execute(self, caller: Caller, case_id: UUID, kind: ExecutionKind, reference: str) -> CommandResult:
        actor = authorise(Command.EXECUTE_SETTLEMENT, caller.user_id, caller.roles)

        def execute(settlement: Settlement, now: datetime) -> Case:
            settlement.execute(kind, reference, actor, now)
            case = self._case(case_id)
            case.record_settlement_executed(kind.value, reference, actor, now)
            return case

        return self._with_case(caller, case_id, execute)

    # -- reading ----------------------------------------------------------------------------------

    def read(self, reader: Reader, case_id: UUID) -> Settlement:
        """The case's settlement; the read is recorded under the case, also when nothing is proposed."""
        self._case(case_id)  # an unknown case is 404 before the gate: nothing was read
        self.read_access.open(reader, ReadKind.SETTLEMENT, [case_id])
        return self.settlement(case_id)

    def settlement(self, case_id: UUID, field: str | None = None) -> Settlement:
        found = self.ledger.find(settlement_id(case_id))
        if not isinstance(found, Settlement):
            self._case(case_id)
            raise SettlementNotProposed(f"nothing is proposed yet to settle case {case_id}", field)
        return found

    # -- the parts ----------------------------------------------------------------------------------

    def _adjustment(self, case: Case, inspection_id: UUID, description: str) -> Offer:
        inspection = self._inspection(inspection_id)
        if inspection.case_id != case.id:
            raise CaseRuleViolation(f"inspection {inspection_id} is of another case", "inspection_id")
        shipment = self.shipments.shipment(inspection.shipment_id)
        contract = self.shipments.contract(shipment.contract_id)
        assessment = assess(inspection, contract.specification)
        if assessment.basis is None:
            raise SettlementRuleViolation(f"no basis result yet: {assessment.basis_pending}", "inspection_id")
        outcome = price_adjustment(
            contract.price_rule, contract.unit_price, shipment.quantity, assessment.basis.values
        )
        if isinstance(outcome, Rejection):
            raise SettlementRuleViolation(
                "the contract's rule says reject, not a price: "
                + "; ".join(outcome.reasons)
                + ". Propose return_refund instead",
                "kind",
            )
        return Offer(
            SettlementKind.PRICE_ADJUSTMENT,
            description,
            adjustment=outcome,
            basis_inspection_id=inspection.id,
            shipment_id=shipment.id,
        )

    def _propose(
        self, caller: Caller, case_id: UUID, actor: Actor, offer_of: Callable[[Case], Offer]
    ) -> CommandResult:
        def propose(settlement: Settlement, now: datetime) -> dict[str, Any] | None:
            offer = offer_of(self._open_case(case_id))
            return {"proposal": settlement.propose(offer, self.approval_threshold, actor, now)}

        if not isinstance(self.ledger.find(settlement_id(case_id)), Settlement):
            try:
                return self._first(caller, case_id, actor, propose)
            except VersionConflict:
                # Another first proposal won the race: with If-Match that is the answer, without it this
                # proposal follows (and supersedes) that one.
                if caller.expected_version is not None:
                    raise
        return self._change(caller, case_id, propose)

    def _first(self, caller: Caller, case_id: UUID, actor: Actor, propose: Decide) -> CommandResult:
        if caller.expected_version is not None:
            raise VersionConflict(
                "the case has no settlement yet: send the first proposal without If-Match", field="If-Match"
            )

        def make(now: datetime) -> Settlement:
            settlement = Settlement.open(case_id=case_id, by=actor, now=now)
            propose(settlement, now)
            return settlement

        return self.ledger.create(caller, make, {"proposal": 1})

    def _numbered(
        self, caller: Caller, case_id: UUID, number: int, decide: Callable[[Settlement, datetime], None]
    ) -> CommandResult:
        def numbered(settlement: Settlement, now: datetime) -> dict[str, Any]:
            decide(settlement, now)
            return {"proposal": number}

        return self._change(caller, case_id, numbered)

    def _with_case(
        self,
        caller: Caller,
        case_id: UUID,
        decide: Callable[[Settlement, datetime], Case],
        extra: dict[str, Any] | None = None,
    ) -> CommandResult:
        """A step that moves the case along too (signed, executed, to arbitration): the settlement's
        event and the case's are saved in one transaction."""
        changed: list[Case] = []

        def both(settlement: Settlement, now: datetime) -> dict[str, Any] | None:
            changed[:] = [decide(settlement, now)]
            return extra

        return self.ledger.run_command(
            caller, lambda: self.settlement(case_id, "proposal"), both, STEP, also=lambda: changed
        )

    def _change(self, caller: Caller, case_id: UUID, decide: Decide) -> CommandResult:
        def checked(settlement: Settlement, now: datetime) -> dict[str, Any] | None:
            self._case(case_id)
            return decide(settlement, now)

        return self.ledger.run_command(caller, lambda: self.settlement(case_id, "proposal"), checked, STEP)

    def _case(self, case_id: UUID) -> Case:
        return self.ledger.get_case(case_id, field="case_id")

    def _open_case(self, case_id: UUID) -> Case:
        case = self._case(case_id)
        require_objection_in_progress(case, STEP)
        return case

    def _inspection(self, inspection_id: UUID) -> Inspection:
        found = self.ledger.find(inspection_id)
        if not isinstance(found, Inspection):
            raise InspectionNotFound(f"no inspection with id {inspection_id}", "inspection_id")
        return found
