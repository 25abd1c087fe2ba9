"""Returns and exchanges (退换货): from the customer's application to their word on the refund or exchange.

One `ReturnRequest` stream per return, its id a uuid4: one case may lead to several returns (two products,
or a second return after a refused one), so the id cannot be derived from the case. The request names the
case it came from and the original shipment or order (at least one); they are recorded by the creation
event and no later event changes them.

The steps follow DOMAIN.md in order: application → eligibility decision → QC inspection → receipt check
against the application → re-inspection → warehouse entry → refund or exchange shipment → customer feedback.
A not-eligible decision ends the return; the customer may cancel it until the goods are received. A QC
inspection that does not confirm what the decision assumed sends the return back for a new decision.

Public methods are commands that check the rule; private `@event` methods only record. Every event carries
the actor and `occurred_at`, the recording time.
"""

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.actor import Actor
from domain.errors import DomainError, InvalidValue, require_text
from domain.measurement import Measurement
from domain.money import Money
from domain.return_values import (
    CUSTOMERS_FAULT,
    Eligibility,
    EligibilityDecision,
    FreightPayer,
    GoodsCondition,
    QcConfirmation,
    QcResult,
    ReceiptDifferences,
    ReturnReason,
    ReturnStatus,
    receipt_differences,
)

# The values are defined in domain/return_values.py; the return's users import them from here too.
__all__ = [
    "CLOCK_SKEW_ALLOWANCE",
    "CUSTOMERS_FAULT",
    "Eligibility",
    "EligibilityDecision",
    "FreightPayer",
    "GoodsCondition",
    "QcConfirmation",
    "QcResult",
    "ReceiptDifferences",
    "ReturnReason",
    "ReturnRequest",
    "ReturnRuleViolation",
    "ReturnStatus",
    "receipt_differences",
]


CLOCK_SKEW_ALLOWANCE = timedelta(minutes=5)


class ReturnRuleViolation(DomainError):
    """A command is not allowed in the return's current state, or conflicts with what it recorded."""


_BEFORE_RECEIPT = (ReturnStatus.APPLIED, ReturnStatus.ELIGIBLE, ReturnStatus.QC_INSPECTED)
_SETTLED = (ReturnStatus.REFUNDED, ReturnStatus.EXCHANGE_SHIPPED)


class ReturnRequest(Aggregate):
    """One return or exchange of goods, from the customer's application to their feedback."""

    @classmethod
    def apply(
        cls,
        *,
        case_id: UUID,
        reason: ReturnReason,
        description: str,
        product: str,
        spec: str,
        quantity: Measurement,
        shipment_reference: str | None,
        order_reference: str | None,
        purchased_at: datetime | None,
        by: Actor,
        now: datetime,
    ) -> "ReturnRequest":
        """Record the customer's application. It names the original shipment or order (or both); a
        purchase date is needed when no shipment says when the goods were delivered."""
        require_text(description, "description", "say what is wrong with the goods")
        require_text(product, "product", "name the product")
        require_text(spec, "spec", "name the specification or model")
        if quantity.value <= 0:
            raise InvalidValue("a return is of more than nothing", "quantity")
        if shipment_reference is not None:
            require_text(shipment_reference, "shipment_reference", "name the original shipment")
        if order_reference is not None:
            require_text(order_reference, "order_reference", "name the original order")
        if shipment_reference is None and order_reference is None:
            raise InvalidValue("a return names the original shipment or order", "shipment_reference")
        if purchased_at is None and shipment_reference is None:
            raise InvalidValue(
                "give the purchase date, or the shipment that delivered the goods", "purchased_at"
            )
        if purchased_at is not None:
            _require_moment(purchased_at, "purchased_at", now)
        return cls(
            case_id=case_id,
            reason=reason,
            description=description,
            product=product,
            spec=spec,
            quantity=quantity,
            shipment_reference=shipment_reference,
            order_reference=order_reference,
            purchased_at=purchased_at,
            actor=by,
            occurred_at=now,
        )

    @event("ReturnApplied")
    def __init__(
        self,
        case_id: UUID,
        reason: ReturnReason,
        description: str,
        product: str,
        spec: str,
        quantity: Measurement,
        shipment_reference: str | None,
        order_reference: str | None,
        purchased_at: datetime | None,
        actor: Actor,
        occurred_at: datetime,
    ) -> None:
        self.case_id = case_id
        self.shipment_reference = shipment_reference
        self.order_reference = order_reference
        self.reason = reason
        self.description = description
        self.product = product
        self.spec = spec
        self.quantity = quantity
        self.purchased_at = purchased_at
        self.applied_by = actor
        self.applied_at = occurred_at
        self.status = ReturnStatus.APPLIED
        self.decision: EligibilityDecision | None = None
        self.decisions = 0
        self.qc_result: QcResult | None = None
        self.received_quantity: Measurement | None = None
        self.differences: ReceiptDifferences | None = None
        self.reinspection_result: QcResult | None = None
        self.warehouse: str | None = None
        self.warehouse_entry: str | None = None
        self.entered_quantity: Measurement | None = None
        self.refund_amount: Money | None = None
        self.refund_reference: str | None = None
        self.exchange_shipment_reference: str | None = None
        self.customer_satisfied: bool | None = None
        self.cancellation_reason: str | None = None

    # -- commands ---------------------------------------------------------------------------------

    def decide_eligibility(self, decision: EligibilityDecision, by: Actor, now: datetime) -> None:
        """Free only for a quality problem (QC's confirmation is in the decision); negotiated only for the
        customer's own fault with the goods unused and resalable; a lawful ground for any reason."""
        self._require(ReturnStatus.APPLIED, "an eligibility decision")
        if decision.eligibility is Eligibility.FREE and self.reason is not ReturnReason.QUALITY_PROBLEM:
            raise ReturnRuleViolation("only a quality problem is returned free", "eligibility")
        if decision.eligibility is Eligibility.NEGOTIATED:
            if self.reason not in CUSTOMERS_FAULT:
                raise ReturnRuleViolation(
                    "a negotiated return is for the customer's own fault: wrong selection or misuse",
                    "eligibility",
                )
            goods = decision.goods_condition
            assert goods is not None  # a negotiated decision states the goods' condition
            if not goods.is_unused:
                raise ReturnRuleViolation(
                    "used goods are not returned for the customer's fault", "goods_condition"
                )
            if not goods.is_resalable:
                raise ReturnRuleViolation(
                    "goods that cannot be resold are not returned for the customer's fault", "goods_condition"
                )
        self._eligibility_decided(decision=decision, actor=by, occurred_at=now)

    def record_qc_inspection(
        self, result: QcResult, findings: str, inspection_id: UUID | None, by: Actor, now: datetime
    ) -> None:
        """QC's inspection of an eligible return. Not confirmed: the return goes back to its review."""
        self._require(ReturnStatus.ELIGIBLE, "a QC inspection")
        require_text(findings, "findings", "say what QC found")
        self._qc_inspected(
            result=result, findings=findings, inspection_id=inspection_id, actor=by, occurred_at=now
        )

    def check_receipt(
        self,
        received_quantity: Measurement,
        spec_matches: bool,
        received_spec: str | None,
        appearance: str,
        by: Actor,
        now: datetime,
    ) -> ReceiptDifferences:
        """Check the goods received against the application; returns the differences it records."""
        self._require(ReturnStatus.QC_INSPECTED, "the receipt check")
        if received_quantity.unit != self.quantity.unit:
            raise InvalidValue(
                f"the received quantity is counted in {self.quantity.unit}", "received_quantity"
            )
        if received_quantity.value < 0:
            raise InvalidValue("a received quantity is not negative", "received_quantity")
        if spec_matches != (received_spec is None):
            raise InvalidValue(
                "name the specification received when, and only when, it differs", "received_spec"
            )
        if received_spec is not None:
            require_text(received_spec, "received_spec", "name the specification received")
        require_text(appearance, "appearance", "say how the goods look")
        differences = receipt_differences(self.quantity, received_quantity, spec_matches)
        self._receipt_checked(
            received_quantity=received_quantity,
            received_spec=received_spec,
            appearance=appearance,
            differences=differences,
            actor=by,
            occurred_at=now,
        )
        return differences

    def reinspect(
        self, result: QcResult, findings: str, inspection_id: UUID | None, by: Actor, now: datetime
    ) -> None:
        """QC's inspection of the goods received. The result is recorded for the refund or exchange."""
        self._require(ReturnStatus.RECEIVED, "the re-inspection")
        require_text(findings, "findings", "say what the re-inspection found")
        self._reinspected(
            result=result, findings=findings, inspection_id=inspection_id, actor=by, occurred_at=now
        )

    def enter_warehouse(
        self, warehouse: str, entry_reference: str, quantity: Measurement, by: Actor, now: datetime
    ) -> None:
        """Enter the returned goods into a warehouse: not more than was received."""
        self._require(ReturnStatus.REINSPECTED, "the warehouse entry")
        require_text(warehouse, "warehouse", "name the warehouse")
        require_text(entry_reference, "entry_reference", "give the warehouse entry's reference")
        assert self.received_quantity is not None  # a re-inspected return was received
        if quantity.unit != self.received_quantity.unit:
            raise InvalidValue(f"the quantity is counted in {self.received_quantity.unit}", "quantity")
        if quantity.value <= 0:
            raise InvalidValue("a warehouse entry is of more than nothing", "quantity")
        if quantity > self.received_quantity:
            raise ReturnRuleViolation(f"only {self.received_quantity} were received", "quantity")
        self._entered_warehouse(
            warehouse=warehouse, entry_reference=entry_reference, quantity=quantity, actor=by, occurred_at=now
        )

    def refund(self, amount: Money, reference: str, by: Actor, now: datetime) -> None:
        self._require(ReturnStatus.IN_WAREHOUSE, "a refund")
        if amount.amount <= 0:
            raise InvalidValue("a refund is above zero", "amount")
        require_text(reference, "reference", "name the refund's payment or credit note")
        self._refunded(amount=amount, reference=reference, actor=by, occurred_at=now)

    def ship_exchange(self, shipment_reference: str, by: Actor, now: datetime) -> None:
        self._require(ReturnStatus.IN_WAREHOUSE, "an exchange shipment")
        require_text(shipment_reference, "shipment_reference", "name the exchange shipment")
        self._exchange_shipped(shipment_reference=shipment_reference, actor=by, occurred_at=now)

    def record_feedback(self, satisfied: bool, comment: str | None, by: Actor, now: datetime) -> None:
        """The customer's word on the refund or exchange. Satisfied closes the return; not satisfied needs
        a comment, keeps it open for follow-up, and the word may be given again."""
        if self.status not in _SETTLED:
            raise ReturnRuleViolation(
                f"the return is {self.status.value}: feedback follows the refund or exchange", "status"
            )
        if not satisfied:
            require_text(comment or "", "comment", "say what the customer is not satisfied with")
        self._feedback_recorded(satisfied=satisfied, comment=comment, actor=by, occurred_at=now)

    def cancel(self, reason: str, by: Actor, now: datetime) -> None:
        """The customer withdraws the return; only before the goods are received."""
        if self.status not in _BEFORE_RECEIPT:
            raise ReturnRuleViolation(
                f"the return is {self.status.value}: it is cancelled only before the goods are received",
                "status",
            )
        require_text(reason, "reason", "say why the customer cancels")
        self._cancelled(reason=reason, actor=by, occurred_at=now)

    # -- reading ----------------------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        """The return as a plain mapping: what an auditor sees after each event of a replay."""
        decision = self.decision
        freight_payer = decision.freight_paid_by if decision else None
        refund = self.refund_amount
        return {
            "case_id": self.case_id,
            "shipment_reference": self.shipment_reference,
            "order_reference": self.order_reference,
            "status": self.status.value,
            "reason": self.reason.value,
            "product": self.product,
            "spec": self.spec,
            "quantity": str(self.quantity),
            "eligibility": decision.eligibility.value if decision else None,
            "freight_paid_by": freight_payer.value if freight_payer else None,
            "decisions": self.decisions,
            "qc_result": self.qc_result.value if self.qc_result else None,
            "received_quantity": str(self.received_quantity) if self.received_quantity else None,
            "has_receipt_differences": self.differences.has_any if self.differences else None,
            "reinspection_result": self.reinspection_result.value if self.reinspection_result else None,
            "warehouse_entry": self.warehouse_entry,
            "refund": f"{refund.amount} {refund.currency}" if refund else None,
            "exchange_shipment_reference": self.exchange_shipment_reference,
            "customer_satisfied": self.customer_satisfied,
        }

    def _require(self, status: ReturnStatus, step: str) -> None:
        if self.status is not status:
            raise ReturnRuleViolation(
                f"the return is {self.status.value}: {step} needs it {status.value}", "status"
            )

    # -- events: they record, they never refuse ---------------------------------------------------

    @event("EligibilityDecided")
    def _eligibility_decided(
        self, decision: EligibilityDecision, actor: Actor, occurred_at: datetime
    ) -> None:
        self.decision = decision
        self.decisions += 1
        self.status = ReturnStatus.ELIGIBLE if decision.is_eligible else ReturnStatus.NOT_ELIGIBLE

    @event("QcInspectionRecorded")
    def _qc_inspected(
        self, result: QcResult, findings: str, inspection_id: UUID | None, actor: Actor, occurred_at: datetime
    ) -> None:
        self.qc_result = result
        # Not confirmed: the decision rested on what QC did not find, so the review decides again.
        self.status = ReturnStatus.QC_INSPECTED if result is QcResult.CONFIRMED else ReturnStatus.APPLIED

    @event("ReceiptChecked")
    def _receipt_checked(
        self,
        received_quantity: Measurement,
        received_spec: str | None,
        appearance: str,
        differences: ReceiptDifferences,
        actor: Actor,
        occurred_at: datetime,
    ) -> None:
        self.received_quantity = received_quantity
        self.differences = differences
        self.status = ReturnStatus.RECEIVED

    @event("Reinspected")
    def _reinspected(
        self, result: QcResult, findings: str, inspection_id: UUID | None, actor: Actor, occurred_at: datetime
    ) -> None:
        self.reinspection_result = result
        self.status = ReturnStatus.REINSPECTED

    @event("EnteredWarehouse")
    def _entered_warehouse(
        self, warehouse: str, entry_reference: str, quantity: Measurement, actor: Actor, occurred_at: datetime
    ) -> None:
        self.warehouse = warehouse
        self.warehouse_entry = entry_reference
        self.entered_quantity = quantity
        self.status = ReturnStatus.IN_WAREHOUSE

    @event("Refunded")
    def _refunded(self, amount: Money, reference: str, actor: Actor, occurred_at: datetime) -> None:
        self.refund_amount = amount
        self.refund_reference = reference
        self.status = ReturnStatus.REFUNDED

    @event("ExchangeShipped")
    def _exchange_shipped(self, shipment_reference: str, actor: Actor, occurred_at: datetime) -> None:
        self.exchange_shipment_reference = shipment_reference
        self.status = ReturnStatus.EXCHANGE_SHIPPED

    @event("FeedbackRecorded")
    def _feedback_recorded(
        self, satisfied: bool, comment: str | None, actor: Actor, occurred_at: datetime
    ) -> None:
        self.customer_satisfied = satisfied
        if satisfied:
            self.status = ReturnStatus.CLOSED

    @event("ReturnCancelled")
    def _cancelled(self, reason: str, actor: Actor, occurred_at: datetime) -> None:
        self.cancellation_reason = reason
        self.status = ReturnStatus.CANCELLED


def _require_moment(moment: datetime, field: str, now: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidValue(f"{field} must carry its time zone", field)
    if moment > now + CLOCK_SKEW_ALLOWANCE:
        raise InvalidValue(f"{field} lies in the future", field)
