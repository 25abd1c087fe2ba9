"""Return and exchange use cases (退换货): apply, decide eligibility, QC's inspection, the receipt check,
the re-inspection, the warehouse entry, the refund or exchange shipment, the customer's feedback, cancel;
read one, list a case's.

Each return is a stream of its own (`ReturnRequest`, a uuid4: a case may lead to several returns), created
with `CaseLedger.create` by the application and changed with `run_command` afterwards, so If-Match (on the
return's version) and Idempotency-Key work as for cases. A return comes from a return request or a quality
objection case that is neither closed nor withdrawn; the shipment it names, if any, must be recorded here;
an inspection that QC's confirmation names must be one of the case's, with a basis result off spec. A
return is part of its case's file: it is read, and listed, as the case is.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from application.access import ReadAccess, Reader, ReadKind
from application.authorization import Command, authorise, eligibility_command
from application.errors import InspectionNotFound, ReturnNotFound, ShipmentNotFound
from application.ledger import Caller, CaseLedger, CommandResult
from application.ports import CaseReturns
from domain.actor import Actor
from domain.case import FINISHED, Case, CaseType
from domain.errors import CaseRuleViolation
from domain.inspection import Inspection
from domain.inspection_assessment import assess
from domain.measurement import Measurement
from domain.money import Money
from domain.returns import (
    Eligibility,
    EligibilityDecision,
    FreightPayer,
    GoodsCondition,
    QcConfirmation,
    QcResult,
    ReturnReason,
    ReturnRequest,
    ReturnStatus,
)
from domain.shipment import Contract, Shipment, shipment_id
from domain.specification import compare_with_spec

# A return request is the case type for it; a quality objection may end in the goods going back (the
# settlement's `return_refund` offer is carried out by one). Other cases (a late truck, advice on mixing
# cement, a complaint about staff) return no goods: a new return_request case is registered for them.
RETURN_CASE_TYPES = frozenset({CaseType.RETURN_REQUEST, CaseType.QUALITY_OBJECTION})
# Free and negotiated returns fix who pays the freight: the client names the payer only on a lawful ground.
FIXED_FREIGHT = {Eligibility.FREE: FreightPayer.SUPPLIER, Eligibility.NEGOTIATED: FreightPayer.CUSTOMER}
STEP = "return"


@dataclass(frozen=True)
class ReturnApplication:
    """The customer's application as sent."""

    case_id: UUID
    reason: ReturnReason
    description: str
    product: str
    spec: str
    quantity: Measurement
    shipment_reference: str | None
    order_reference: str | None
    purchased_at: datetime | None


@dataclass(frozen=True)
class EligibilityEntry:
    """The eligibility review's answer as sent. QC's confirmation of a free return names an inspection
    of the case, or else is the word of the QC inspector who sends it."""

    eligibility: Eligibility
    qc_finding: str | None = None
    qc_inspection_id: UUID | None = None
    goods_condition: GoodsCondition | None = None
    lawful_ground: str | None = None
    freight_paid_by: FreightPayer | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Inspected:
    """QC's inspection or re-inspection as sent."""

    result: QcResult
    findings: str
    inspection_id: UUID | None = None


@dataclass(frozen=True)
class ReceiptEntry:
    received_quantity: Measurement
    spec_matches: bool
    received_spec: str | None
    appearance: str


Step = Callable[[ReturnRequest, Actor, datetime], dict[str, Any] | None]


class Returns:
    def __init__(self, ledger: CaseLedger, read_access: ReadAccess, case_returns: CaseReturns) -> None:
        self.ledger = ledger
        self.read_access = read_access
        self.case_returns = case_returns

    # -- commands ---------------------------------------------------------------------------------

    def apply(self, caller: Caller, application: ReturnApplication) -> CommandResult:
        actor = authorise(Command.APPLY_RETURN, caller.user_id, caller.roles)

        def make(now: datetime) -> ReturnRequest:
            _require_return_case(self._case(application.case_id))
            if application.shipment_reference is not None and application.shipment_reference.strip():
                self._shipment(application.shipment_reference)
            return ReturnRequest.apply(
                case_id=application.case_id,
                reason=application.reason,
                description=application.description,
                product=application.product,
                spec=application.spec,
                quantity=application.quantity,
                shipment_reference=application.shipment_reference,
                order_reference=application.order_reference,
                purchased_at=application.purchased_at,
                by=actor,
                now=now,
            )

        return self.ledger.create(caller, make, {"status": ReturnStatus.APPLIED.value})

    def decide_eligibility(self, caller: Caller, return_id: UUID, entry: EligibilityEntry) -> CommandResult:
        actor = authorise(eligibility_command(entry.eligibility), caller.user_id, caller.roles)

        def decide(request: ReturnRequest, by: Actor, now: datetime) -> None:
            request.decide_eligibility(self._decision(request, entry, by), by, now)

        return self._step(caller, return_id, actor, decide)

    def record_qc_inspection(self, caller: Caller, return_id: UUID, inspected: Inspected) -> CommandResult:
        actor = authorise(Command.RECORD_RETURN_INSPECTION, caller.user_id, caller.roles)

        def record(request: ReturnRequest, by: Actor, now: datetime) -> None:
            self._check_inspection(request, inspected.inspection_id, "inspection_id")
            request.record_qc_inspection(
                inspected.result, inspected.findings, inspected.inspection_id, by, now
            )

        return self._step(caller, return_id, actor, record)

    def check_receipt(self, caller: Caller, return_id: UUID, entry: ReceiptEntry) -> CommandResult:
        actor = authorise(Command.RECORD_RETURN_RECEIPT, caller.user_id, caller.roles)

        def check(request: ReturnRequest, by: Actor, now: datetime) -> dict[str, Any]:
            found = request.check_receipt(
                entry.received_quantity, entry.spec_matches, entry.received_spec, entry.appearance, by, now
            )
            return {"has_receipt_differences": found.has_any}

        return self._step(caller, return_id, actor, check)

    def reinspect(self, caller: Caller, return_id: UUID, inspected: Inspected) -> CommandResult:
        actor = authorise(Command.RECORD_RETURN_INSPECTION, caller.user_id, caller.roles)

        def record(request: ReturnRequest, by: Actor, now: datetime) -> None:
            self._check_inspection(request, inspected.inspection_id, "inspection_id")
            request.reinspect(inspected.result, inspected.findings, inspected.inspection_id, by, now)

        return self._step(caller, return_id, actor, record)

    def enter_warehouse(
        self, caller: Caller, return_id: UUID, warehouse: str, entry_reference: str, quantity: Measurement
    ) -> CommandResult:
        actor = authorise(Command.RECORD_RETURN_RECEIPT, caller.user_id, caller.roles)
        return self._step(
            caller,
            return_id,
            actor,
            lambda request, by, now: request.enter_warehouse(warehouse, entry_reference, quantity, by, now),
        )

    def refund(self, caller: Caller, return_id: UUID, amount: Money, reference: str) -> CommandResult:
        actor = authorise(Command.REFUND_RETURN, caller.user_id, caller.roles)
        return self._step(
            caller, return_id, actor, lambda request, by, now: request.refund(amount, reference, by, now)
        )

    def ship_exchange(self, caller: Caller, return_id: UUID, shipment_reference: str) -> CommandResult:
        """The exchange goods' shipment: a shipment recorded here, so its papers can be read."""
        actor = authorise(Command.SHIP_RETURN_EXCHANGE, caller.user_id, caller.roles)

        def ship(request: ReturnRequest, by: Actor, now: datetime) -> None:
            if shipment_reference.strip():
                self._shipment(shipment_reference)
            request.ship_exchange(shipment_reference, by, now)

        return self._step(caller, return_id, actor, ship)

    def record_feedback(
        self, caller: Caller, return_id: UUID, satisfied: bool, comment: str | None
    ) -> CommandResult:
        actor = authorise(Command.RECORD_RETURN_FEEDBACK, caller.user_id, caller.roles)
        return self._step(
            caller,
            return_id,
            actor,
            lambda request, by, now: request.record_feedback(satisfied, comment, by, now),
        )

    def cancel(self, caller: Caller, return_id: UUID, reason: str) -> CommandResult:
        actor = authorise(Command.CANCEL_RETURN, caller.user_id, caller.roles)
        return self._step(caller, return_id, actor, lambda request, by, now: request.cancel(reason, by, now))

    # -- reading ----------------------------------------------------------------------------------

    def read(self, reader: Reader, return_id: UUID) -> ReturnRequest:
        """The return; the read is recorded under its case."""
        request = self.return_request(return_id)
        self.read_access.open(reader, ReadKind.RETURN, [request.case_id])
        return request

    def of_case(self, reader: Reader, case_id: UUID) -> list[ReturnRequest]:
        """The case's returns in the order they were applied for; the read is recorded under the case.
        Which returns the case has comes from the read model (it may lag a moment); each is replayed."""
        self._case(case_id)  # an unknown case is 404 before the gate: nothing was read
        self.read_access.open(reader, ReadKind.RETURN, [case_id])
        found = (self.ledger.find(i) for i in self.case_returns.of_case(case_id))
        return [r for r in found if isinstance(r, ReturnRequest)]

    def return_request(self, return_id: UUID) -> ReturnRequest:
        found = self.ledger.find(return_id)
        if not isinstance(found, ReturnRequest):
            raise ReturnNotFound(f"no return with id {return_id}", field="id")
        return found

    # -- the parts ----------------------------------------------------------------------------------

    def _step(self, caller: Caller, return_id: UUID, actor: Actor, step: Step) -> CommandResult:
        def stepped(request: ReturnRequest, now: datetime) -> dict[str, Any]:
            said = step(request, actor, now) or {}
            return {"status": request.status.value, **said}

        return self.ledger.run_command(caller, lambda: self.return_request(return_id), stepped, STEP)

    def _decision(self, request: ReturnRequest, entry: EligibilityEntry, by: Actor) -> EligibilityDecision:
        confirmation = None
        if entry.qc_finding is not None or entry.qc_inspection_id is not None:
            self._check_inspection(request, entry.qc_inspection_id, "qc_confirmation.inspection_id")
            if entry.qc_inspection_id is not None:
                self._require_off_spec(entry.qc_inspection_id)
            # Without an inspection, the confirmation is the sender's word: the domain accepts a QC
            # inspector's only.
            confirmed_by = by if entry.qc_inspection_id is None else None
            confirmation = QcConfirmation(entry.qc_finding or "", entry.qc_inspection_id, confirmed_by)
        return EligibilityDecision(
            entry.eligibility,
            entry.freight_paid_by or FIXED_FREIGHT.get(entry.eligibility),
            qc_confirmation=confirmation,
            goods_condition=entry.goods_condition,
            lawful_ground=entry.lawful_ground,
            reason=entry.reason,
        )

    def _check_inspection(self, request: ReturnRequest, inspection_id: UUID | None, field: str) -> None:
        if inspection_id is None:
            return
        found = self.ledger.find(inspection_id)
        if not isinstance(found, Inspection):
            raise InspectionNotFound(f"no inspection with id {inspection_id}", field)
        if found.case_id != request.case_id:
            raise CaseRuleViolation(f"inspection {inspection_id} is of another case", field)

    def _require_off_spec(self, inspection_id: UUID) -> None:
        """An inspection confirms a quality problem only if its basis result is off the contract's spec."""
        field = "qc_confirmation.inspection_id"
        inspection = self.ledger.find(inspection_id)
        shipment = self.ledger.find(inspection.shipment_id) if isinstance(inspection, Inspection) else None
        contract = self.ledger.find(shipment.contract_id) if isinstance(shipment, Shipment) else None
        if not isinstance(inspection, Inspection) or not isinstance(contract, Contract):
            raise InspectionNotFound(f"no inspection with id {inspection_id} of a recorded contract", field)
        assessment = assess(inspection, contract.specification)
        if assessment.basis is None:
            raise CaseRuleViolation(
                f"inspection {inspection_id} has no basis result yet: {assessment.basis_pending}", field
            )
        if not compare_with_spec(assessment.basis.values, contract.specification).off_spec:
            raise CaseRuleViolation(
                f"inspection {inspection_id} found the goods within the contract's spec: "
                "it confirms no quality problem",
                field,
            )

    def _case(self, case_id: UUID) -> Case:
        return self.ledger.get_case(case_id, field="case_id")

    def _shipment(self, reference: str) -> Shipment:
        found = self.ledger.find(shipment_id(reference))
        if not isinstance(found, Shipment):
            raise ShipmentNotFound(f"no shipment {reference} is recorded", field="shipment_reference")
        return found


def _require_return_case(case: Case) -> None:
    if case.case_type not in RETURN_CASE_TYPES:
        raise CaseRuleViolation(
            f"a {case.case_type.value} case returns no goods; return requests and quality objections do",
            "case_id",
        )
    if case.status in FINISHED:
        raise CaseRuleViolation(f"case {case.number} is {case.status.value}: reopen it first", "case_id")
