"""How domain values are written into stored events, and read back, by the JSON transcoder."""

from dataclasses import fields
from datetime import date, timedelta, timezone
from enum import Enum
from typing import Any

from eventsourcing.persistence import JSONTranscoder, Transcoding

from application.personal_data import personal_data_transcodings
from application.ports import PersonalDataSealer
from domain.access import ReadKind, Refusal
from domain.actor import Actor, Role
from domain.capa import ActionKind
from domain.case import CaseType, Channel, Contact, Customer, Outcome, ResolutionKind, Severity
from domain.commitments import Commitment, CommitmentPolicy, OfficeCalendar
from domain.deadlines import StepLimits
from domain.equipment import Exclusion, WarrantyTerms
from domain.evidence import EvidenceKind
from domain.followup import ContactChannel, FollowUpReason
from domain.inspection import Agreement, LabKind, Party, Sampling, Witness
from domain.liability import Liability, LiabilityShare, RootCause
from domain.liability import Party as LiabilityParty
from domain.measurement import Measurement
from domain.money import Money
from domain.pricing import (
    Adjustment,
    CalculationLine,
    Direction,
    PartialStep,
    PriceRule,
    ProRataRule,
    RejectionThreshold,
    StepRule,
    UnitPrice,
)
from domain.repair import PartUsed, Quote, QuoteLine, ServiceRecordSignature, VisitResult
from domain.return_values import (
    Eligibility,
    EligibilityDecision,
    FreightPayer,
    GoodsCondition,
    QcConfirmation,
    QcResult,
    ReceiptDifferences,
    ReturnReason,
)
from domain.settlement import ExecutionKind, NextStep, Offer, SettlementKind, SignedAgreement
from domain.shipment import CertifiedValue, QualityCertificate, TransitLossAllowance, TransportMode
from domain.specification import ObjectionWindows, ParameterSpec, QualitySpecification, ToleranceBand
from domain.supervision import ApologyChannel, VerificationOutcome


class EnumAsValue(Transcoding):
    def __init__(self, enum_type: type[Enum]) -> None:
        self.type = enum_type
        self.name = enum_type.__name__

    def encode(self, obj: Enum) -> Any:
        return obj.value

    def decode(self, data: Any) -> Enum:
        return self.type(data)


class DataclassAsDict(Transcoding):
    """A frozen dataclass whose fields are themselves transcodable."""

    def __init__(self, cls: type) -> None:
        self.type = cls
        self.name = cls.__name__

    def encode(self, obj: Any) -> dict[str, Any]:
        return {f.name: getattr(obj, f.name) for f in fields(obj)}

    def decode(self, data: dict[str, Any]) -> Any:
        return self.type(**data)


class DataclassWithTuples(DataclassAsDict):
    """A frozen value object whose sequences are tuples: JSON gives lists back, the value gets tuples."""

    def decode(self, data: dict[str, Any]) -> Any:
        return self.type(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})


class FixedOffsetZone(Transcoding):
    """A fixed UTC offset (a contract's local time, e.g. China Standard Time), with its name."""

    type = timezone
    name = "timezone"

    def encode(self, obj: timezone) -> dict[str, Any]:
        offset = obj.utcoffset(None)
        return {"minutes": int(offset.total_seconds() // 60), "name": obj.tzname(None)}

    def decode(self, data: dict[str, Any]) -> timezone:
        return timezone(timedelta(minutes=data["minutes"]), data["name"])


class DurationAsParts(Transcoding):
    """A time span (a step's limit, a result's delay after sampling) as whole days, seconds, microseconds."""

    type = timedelta
    name = "timedelta"

    def encode(self, obj: timedelta) -> dict[str, int]:
        return {"days": obj.days, "seconds": obj.seconds, "microseconds": obj.microseconds}

    def decode(self, data: dict[str, int]) -> timedelta:
        return timedelta(**data)


ENUMS: tuple[type[Enum], ...] = (
    Role,
    CaseType,
    Channel,
    Severity,
    ResolutionKind,
    Outcome,
    ReadKind,
    Refusal,
    EvidenceKind,
)
VALUE_OBJECTS: tuple[type, ...] = (Actor, Money, Customer, Contact)
# Contracts and shipments (domain/shipment.py): their terms, and the papers a shipment travels with.
CONTRACT_ENUMS: tuple[type[Enum], ...] = (Direction, PartialStep, TransportMode)
CONTRACT_VALUE_OBJECTS: tuple[type, ...] = (
    Measurement,
    ToleranceBand,
    ParameterSpec,
    QualitySpecification,
    ObjectionWindows,
    UnitPrice,
    StepRule,
    ProRataRule,
    RejectionThreshold,
    PriceRule,
    TransitLossAllowance,
    CertifiedValue,
    QualityCertificate,
)

# Inspections (domain/inspection.py): the sampling record, its witnesses, the parties' agreements.
INSPECTION_ENUMS: tuple[type[Enum], ...] = (Party, LabKind)
INSPECTION_VALUE_OBJECTS: tuple[type, ...] = (Witness, Sampling, Agreement)


# Liability determinations (domain/liability_determination.py). The liability's `Party` shares its class
# name with the inspection's, and a transcoding is found by name: it is stored as "LiabilityParty".
LIABILITY_ENUMS: tuple[type[Enum], ...] = (RootCause,)
LIABILITY_VALUE_OBJECTS: tuple[type, ...] = (LiabilityShare, Liability)


class LiabilityPartyAsValue(EnumAsValue):
    def __init__(self) -> None:
        super().__init__(LiabilityParty)
        self.name = "LiabilityParty"


# Corrective and preventive actions (domain/capa.py); their `RootCause` is the liability's, registered above.
CAPA_ENUMS: tuple[type[Enum], ...] = (ActionKind,)

# Settlements (domain/settlement.py): the offer with its computed adjustment, the signed agreement.
SETTLEMENT_ENUMS: tuple[type[Enum], ...] = (SettlementKind, NextStep, ExecutionKind)
SETTLEMENT_VALUE_OBJECTS: tuple[type, ...] = (CalculationLine, Adjustment, Offer, SignedAgreement)

# Installed units and their repairs (domain/equipment.py, domain/repair.py).
EQUIPMENT_ENUMS: tuple[type[Enum], ...] = (Exclusion, VisitResult)
EQUIPMENT_VALUE_OBJECTS: tuple[type, ...] = (
    WarrantyTerms,
    QuoteLine,
    Quote,
    PartUsed,
    ServiceRecordSignature,
)

# Returns and exchanges (domain/return_values.py): the eligibility decision and the receipt's differences.
RETURN_ENUMS: tuple[type[Enum], ...] = (ReturnReason, Eligibility, FreightPayer, QcResult)
RETURN_VALUE_OBJECTS: tuple[type, ...] = (
    QcConfirmation,
    GoodsCondition,
    EligibilityDecision,
    ReceiptDifferences,
)


# Follow-ups of closed cases and the supervision's complaint reviews.
FOLLOW_UP_ENUMS: tuple[type[Enum], ...] = (
    FollowUpReason,
    ContactChannel,
    VerificationOutcome,
    ApologyChannel,
)


class DateAsIso(Transcoding):
    """A calendar day (a holiday, a worked weekend day of a service policy's office calendar)."""

    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


# Service commitments (domain/commitments.py): a contract's policy, its commitments and office calendar.
COMMITMENT_VALUE_OBJECTS: tuple[type, ...] = (Commitment, OfficeCalendar, CommitmentPolicy)


# Every enum stored as its value, and every value object stored field by field (sequences as tuples).
ALL_ENUMS: tuple[type[Enum], ...] = (
    *ENUMS,
    *CONTRACT_ENUMS,
    *INSPECTION_ENUMS,
    *LIABILITY_ENUMS,
    *CAPA_ENUMS,
    *SETTLEMENT_ENUMS,
    *EQUIPMENT_ENUMS,
    *RETURN_ENUMS,
    *FOLLOW_UP_ENUMS,
)
WITH_TUPLES: tuple[type, ...] = (
    *CONTRACT_VALUE_OBJECTS,
    *INSPECTION_VALUE_OBJECTS,
    *LIABILITY_VALUE_OBJECTS,
    *SETTLEMENT_VALUE_OBJECTS,
    *EQUIPMENT_VALUE_OBJECTS,
    *RETURN_VALUE_OBJECTS,
    *COMMITMENT_VALUE_OBJECTS,
)


def register_domain_transcodings(
    transcoder: JSONTranscoder, sealer: PersonalDataSealer | None = None
) -> None:
    """Register how every domain value is stored; with a `sealer`, personal data is stored sealed."""
    for enum_type in ALL_ENUMS:
        transcoder.register(EnumAsValue(enum_type))
    for cls in (*VALUE_OBJECTS, StepLimits):
        transcoder.register(DataclassAsDict(cls))
    for cls in WITH_TUPLES:
        transcoder.register(DataclassWithTuples(cls))
    transcoder.register(LiabilityPartyAsValue())
    transcoder.register(FixedOffsetZone())
    # Time spans (a contract's step limits, a commitment's target) and calendar days (holidays).
    transcoder.register(DurationAsParts())
    transcoder.register(DateAsIso())
    if sealer is not None:
        # Registered last, so that they replace the clear transcodings of the same value types.
        for transcoding in personal_data_transcodings(sealer):
            transcoder.register(transcoding)
