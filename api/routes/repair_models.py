"""The bodies of the repair routes (api/routes/repairs.py): what a client sends, and what it reads back."""

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, Field

from api.routes.cases import MoneyIn, ShortText, Strict, SubjectId, Text
from api.routes.liability import MoneyOut
from domain.equipment import Exclusion
from domain.repair import QuoteStatus, VisitResult


class RepairOpen(Strict):
    serial_number: ShortText = Field(description="The installed unit at fault, by its serial number")
    component_class: ShortText = Field(description="The component class at fault, e.g. electrical")
    fault_code: ShortText = Field(
        description="The fault code; the same code (ignoring case) is the same fault"
    )


class WarrantyDecisionIn(Strict):
    in_warranty: bool
    exclusion: Exclusion | None = Field(default=None, description="What takes the fault out of warranty")
    evidence_attachment_ids: list[UUID] = Field(
        default_factory=list,
        max_length=50,
        description="Current attachments of the case; an exclusion needs one",
    )
    reason: Text


class QuoteLineIn(Strict):
    part_number: ShortText
    description: ShortText
    quantity: Decimal = Field(description="Above zero; send it as a string")
    unit_price: MoneyIn = Field(description="The price of one, at cost")


class QuoteIn(Strict):
    lines: list[QuoteLineIn] = Field(default_factory=list, max_length=100)
    travel: MoneyIn = Field(description="Travel at cost, in the currency of every line")


class QuoteRejection(Strict):
    reason: Text


class DispatchIn(Strict):
    engineer: ShortText = Field(description="The engineer's user id")
    planned_at: AwareDatetime = Field(description="When the engineer is planned on site")
    dispatched_at: AwareDatetime | None = Field(
        default=None, description="When the engineer was sent, if earlier than now (time zone required)"
    )


class ArrivalIn(Strict):
    arrived_at: AwareDatetime
    where: ShortText = Field(description="The site or place the engineer arrived at")


class PartUsedIn(Strict):
    part_number: ShortText
    quantity: Decimal = Field(description="Above zero; send it as a string")


class WorkIn(Strict):
    started_at: AwareDatetime
    finished_at: AwareDatetime
    work_done: Text
    parts_used: list[PartUsedIn] = Field(default_factory=list, max_length=100)
    result: VisitResult = Field(description="fixed, not_fixed, or needs_parts (another visit follows)")


class ServiceRecordIn(Strict):
    signer_name: ShortText = Field(description="Who signed for the customer")
    signed_at: AwareDatetime
    document_attachment_id: UUID = Field(
        description="The signed service record: a current attachment of the case"
    )
    subject_id: SubjectId


class ReplacementOut(BaseModel):
    proposed: bool = Field(description="The repeat-failure policy proposes a replacement unit")
    reason: str
    fault_code: str | None = Field(description="The repeated fault, when the policy counts one fault")


class RepairChanged(BaseModel):
    id: UUID = Field(description="The repair's id (one per case, derived from the case id)")
    version: int = Field(description="The repair's version, for If-Match")
    replacement: ReplacementOut | None = Field(
        default=None, description="On opening: the policy's answer over the unit's repairs up to this one"
    )
    quote: int | None = Field(default=None, description="The quote's number")
    visit: int | None = Field(default=None, description="The visit's number")


class DecisionOut(BaseModel):
    in_warranty: bool
    exclusion: Exclusion | None
    evidence_attachment_ids: list[UUID]
    reason: str
    decided_by: str
    decided_at: datetime


class QuoteOut(BaseModel):
    number: int
    status: QuoteStatus
    lines: list[dict[str, Any]]
    travel: MoneyOut
    total: MoneyOut
    issued_at: datetime
    answered_at: datetime | None
    rejection_reason: str | None


class SignatureOut(BaseModel):
    signer_name: str = Field(description='Personal data: "[erased]" once the signer was erased')
    signed_at: datetime
    document_attachment_id: UUID
    document_sha256: str
    subject_id: UUID = Field(description="The signer as a data subject")


class VisitOut(BaseModel):
    number: int
    engineer: str
    planned_at: datetime
    dispatched_at: datetime
    arrived_at: datetime | None
    where: str | None
    started_at: datetime | None
    finished_at: datetime | None
    work_done: str | None
    parts_used: list[dict[str, Any]]
    result: VisitResult | None
    signature: SignatureOut | None


class RepairPublic(BaseModel):
    id: UUID
    case_id: UUID
    version: int
    unit_id: UUID
    serial_number: str
    component_class: str
    fault_code: str
    reported_at: datetime = Field(description="The case's registration: when the warranty is judged")
    in_warranty: bool | None = Field(description="The decision; null until decided")
    decision: DecisionOut | None
    quotes: list[QuoteOut]
    visits: list[VisitOut]
    fixed: bool
    replacement: ReplacementOut = Field(
        description="The repeat-failure policy over the unit's repairs so far"
    )
    clock_pauses: list[dict[str, Any]] = Field(
        default_factory=list,
        description="When the service clocks waited and why: `paused_at`, `reason`, `resumed_at` (null: now)",
    )


class ClockPauseIn(Strict):
    reason: ShortText = Field(description="Why the clocks wait, e.g. waiting for the customer's site access")
    paused_at: AwareDatetime | None = Field(default=None, description="When they began to wait (default now)")


class ClockResumeIn(Strict):
    resumed_at: AwareDatetime | None = Field(default=None, description="When they run again (default now)")
