"""The bodies of the return routes (api/routes/returns.py): what a client sends, and what it reads back."""

from datetime import datetime
from decimal import Decimal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, Field

from api.routes.cases import MoneyIn, ShortText, Strict, Text
from api.routes.liability import MoneyOut
from domain.returns import (
    Eligibility,
    FreightPayer,
    QcResult,
    ReturnReason,
    ReturnStatus,
)


class QuantityIn(Strict):
    value: Decimal = Field(description="A decimal; send it as a string to keep every digit")
    unit: ShortText = Field(description="The unit counted in (t, bag, piece…)")


class ReturnCreate(Strict):
    case_id: UUID = Field(description="The case the return comes from: a return request or quality objection")
    reason: ReturnReason = Field(
        description="quality_problem; wrong_selection or misuse (the customer's own fault); "
        "other_lawful_ground"
    )
    description: Text = Field(description="What is wrong with the goods, in the customer's words")
    product: ShortText
    spec: ShortText = Field(description="The specification or model applied for")
    quantity: QuantityIn
    shipment_reference: ShortText | None = Field(
        default=None, description="The original shipment: one recorded here. It or the order, or both"
    )
    order_reference: ShortText | None = Field(default=None, description="The original purchase order")
    purchased_at: AwareDatetime | None = Field(
        default=None, description="When the goods were bought; needed when no shipment is named"
    )


class QcConfirmationIn(Strict):
    finding: Text = Field(description="What QC found")
    inspection_id: UUID | None = Field(
        default=None,
        description="An inspection of the case that found it; without one, the confirmation is the word "
        "of the QC inspector who sends the decision",
    )


class GoodsConditionIn(Strict):
    is_unused: bool
    is_resalable: bool


class EligibilityIn(Strict):
    eligibility: Eligibility = Field(
        description="free (a quality problem QC confirmed: the supplier pays freight); negotiated (the "
        "customer's fault, goods unused and resalable: the customer pays freight); lawful_ground "
        "(managers); not_eligible (ends the return)"
    )
    qc_confirmation: QcConfirmationIn | None = Field(default=None, description="free only")
    goods_condition: GoodsConditionIn | None = Field(default=None, description="negotiated only")
    lawful_ground: Text | None = Field(default=None, description="lawful_ground only: the ground")
    freight_paid_by: FreightPayer | None = Field(
        default=None, description="lawful_ground only: who pays the freight (the others fix it)"
    )
    reason: Text | None = Field(default=None, description="not_eligible only: why")


class InspectionIn(Strict):
    result: QcResult = Field(
        description="confirmed; not_confirmed at the QC inspection sends the return back to its review"
    )
    findings: Text
    inspection_id: UUID | None = Field(default=None, description="An inspection of the case, if one was made")


class ReceiptIn(Strict):
    received_quantity: QuantityIn = Field(description="Counted in the unit of the application")
    spec_matches: bool
    received_spec: ShortText | None = Field(
        default=None, description="The specification received, when (and only when) it differs"
    )
    appearance: Text = Field(description="How the goods look: packaging, damage, signs of use")


class WarehouseEntryIn(Strict):
    warehouse: ShortText
    entry_reference: ShortText = Field(description="The warehouse entry's (入库单) number")
    quantity: QuantityIn = Field(description="Not more than was received")


class RefundIn(Strict):
    amount: MoneyIn
    reference: ShortText = Field(description="The payment's or credit note's number")


class ExchangeShipmentIn(Strict):
    shipment_reference: ShortText = Field(description="The exchange goods' shipment: one recorded here")


class FeedbackIn(Strict):
    satisfied: bool = Field(description="Satisfied closes the return; not satisfied keeps it open")
    comment: Text | None = Field(default=None, description="Needed when not satisfied")


class CancellationIn(Strict):
    reason: Text


class ReturnChanged(BaseModel):
    id: UUID = Field(description="The return's UUID")
    version: int = Field(description="The return's version, for If-Match")
    status: ReturnStatus | None = Field(default=None, description="Where the step left the return")
    has_receipt_differences: bool | None = Field(default=None, description="The receipt check's answer")


class QuantityOut(BaseModel):
    value: str
    unit: str


class DifferencesOut(BaseModel):
    shortfall: QuantityOut | None = Field(description="Applied minus received, when fewer arrived")
    excess: QuantityOut | None = Field(description="Received minus applied, when more arrived")
    is_spec_mismatch: bool


class ReturnPublic(BaseModel):
    id: UUID
    version: int
    case_id: UUID = Field(description="The case the return came from; never changes")
    shipment_reference: str | None = Field(description="The original shipment; never changes")
    order_reference: str | None = Field(description="The original order; never changes")
    status: ReturnStatus
    reason: ReturnReason
    description: str
    product: str
    spec: str
    quantity: QuantityOut
    purchased_at: datetime | None
    applied_by: str
    applied_at: datetime
    eligibility: Eligibility | None
    freight_paid_by: FreightPayer | None
    decisions: int = Field(description="How many eligibility decisions were made (QC may send it back)")
    qc_result: QcResult | None
    received_quantity: QuantityOut | None
    differences: DifferencesOut | None
    reinspection_result: QcResult | None
    warehouse: str | None
    warehouse_entry: str | None
    entered_quantity: QuantityOut | None
    refund: MoneyOut | None
    refund_reference: str | None
    exchange_shipment_reference: str | None
    customer_satisfied: bool | None
    cancellation_reason: str | None
