"""The values a return is made of: its reasons, eligibility, freight payer, QC results, statuses, the
eligibility decision and the differences a receipt check finds.

Kept apart from the `ReturnRequest` aggregate (domain/returns.py) so that the aggregate reads as its rules
and events.
"""

from dataclasses import dataclass
from enum import Enum
from uuid import UUID

from domain.actor import Actor, Role
from domain.errors import InvalidValue, require_text
from domain.measurement import Measurement


class ReturnReason(Enum):
    QUALITY_PROBLEM = "quality_problem"
    WRONG_SELECTION = "wrong_selection"  # the customer's own fault
    MISUSE = "misuse"  # the customer's own fault
    OTHER_LAWFUL_GROUND = "other_lawful_ground"


CUSTOMERS_FAULT = (ReturnReason.WRONG_SELECTION, ReturnReason.MISUSE)


class Eligibility(Enum):
    FREE = "free"  # a quality problem QC confirmed: the supplier bears the return and its freight
    NEGOTIATED = "negotiated"  # the customer's fault, goods unused and resalable: the customer pays freight
    LAWFUL_GROUND = "lawful_ground"  # another ground the law gives, named in the decision
    NOT_ELIGIBLE = "not_eligible"


class FreightPayer(Enum):
    SUPPLIER = "supplier"
    CUSTOMER = "customer"


class QcResult(Enum):
    CONFIRMED = "confirmed"  # the goods are as the application and the decision say
    NOT_CONFIRMED = "not_confirmed"


class ReturnStatus(Enum):
    APPLIED = "applied"  # awaiting the eligibility decision
    ELIGIBLE = "eligible"  # awaiting QC's inspection
    NOT_ELIGIBLE = "not_eligible"  # ended
    QC_INSPECTED = "qc_inspected"  # awaiting the goods
    RECEIVED = "received"  # receipt checked against the application; awaiting the re-inspection
    REINSPECTED = "reinspected"
    IN_WAREHOUSE = "in_warehouse"
    REFUNDED = "refunded"
    EXCHANGE_SHIPPED = "exchange_shipped"
    CLOSED = "closed"  # the customer declared satisfaction
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class QcConfirmation:
    """QC's confirmation of a quality problem: an inspection of the goods, or a QC inspector's word."""

    finding: str
    inspection_id: UUID | None = None
    confirmed_by: Actor | None = None

    def __post_init__(self) -> None:
        require_text(self.finding, "qc_confirmation.finding", "say what QC found")
        if self.inspection_id is None and self.confirmed_by is None:
            raise InvalidValue(
                "QC confirms by an inspection or by a QC inspector's word: name one", "qc_confirmation"
            )
        if self.confirmed_by is not None and self.confirmed_by.role is not Role.QC_INSPECTOR:
            raise InvalidValue("a quality problem is confirmed by QC", "qc_confirmation.confirmed_by")


@dataclass(frozen=True)
class GoodsCondition:
    """The returned goods as the reviewer found them: a return for the customer's fault needs both."""

    is_unused: bool
    is_resalable: bool


@dataclass(frozen=True)
class EligibilityDecision:
    """The eligibility review's answer; build it with `free`, `negotiated`, `on_lawful_ground` or
    `not_eligible`. Who pays the freight is part of every eligible decision."""

    eligibility: Eligibility
    freight_paid_by: FreightPayer | None = None
    qc_confirmation: QcConfirmation | None = None
    goods_condition: GoodsCondition | None = None
    lawful_ground: str | None = None
    reason: str | None = None

    def __post_init__(self) -> None:
        kind = self.eligibility
        if (kind is Eligibility.FREE) != (self.qc_confirmation is not None):
            raise InvalidValue("a free return, and only one, carries QC's confirmation", "qc_confirmation")
        if (kind is Eligibility.NEGOTIATED) != (self.goods_condition is not None):
            raise InvalidValue(
                "a negotiated return, and only one, states the goods' condition", "goods_condition"
            )
        if (kind is Eligibility.LAWFUL_GROUND) != (self.lawful_ground is not None):
            raise InvalidValue("a return on a lawful ground, and only one, names the ground", "lawful_ground")
        if self.lawful_ground is not None:
            require_text(self.lawful_ground, "lawful_ground", "name the lawful ground")
        if (kind is Eligibility.NOT_ELIGIBLE) != (self.reason is not None):
            raise InvalidValue("a refusal, and only a refusal, gives its reason", "reason")
        if self.reason is not None:
            require_text(self.reason, "reason", "say why the return is not eligible")
        if (kind is Eligibility.NOT_ELIGIBLE) != (self.freight_paid_by is None):
            raise InvalidValue("an eligible return says who pays the freight", "freight_paid_by")
        if kind is Eligibility.FREE and self.freight_paid_by is not FreightPayer.SUPPLIER:
            raise InvalidValue("a free return's freight is the supplier's", "freight_paid_by")
        if kind is Eligibility.NEGOTIATED and self.freight_paid_by is not FreightPayer.CUSTOMER:
            raise InvalidValue("a negotiated return's freight is the customer's", "freight_paid_by")

    @classmethod
    def free(cls, confirmation: QcConfirmation) -> "EligibilityDecision":
        return cls(Eligibility.FREE, FreightPayer.SUPPLIER, qc_confirmation=confirmation)

    @classmethod
    def negotiated(cls, goods: GoodsCondition) -> "EligibilityDecision":
        return cls(Eligibility.NEGOTIATED, FreightPayer.CUSTOMER, goods_condition=goods)

    @classmethod
    def on_lawful_ground(cls, ground: str, freight_paid_by: FreightPayer) -> "EligibilityDecision":
        return cls(Eligibility.LAWFUL_GROUND, freight_paid_by, lawful_ground=ground)

    @classmethod
    def not_eligible(cls, reason: str) -> "EligibilityDecision":
        return cls(Eligibility.NOT_ELIGIBLE, reason=reason)

    @property
    def is_eligible(self) -> bool:
        return self.eligibility is not Eligibility.NOT_ELIGIBLE


@dataclass(frozen=True)
class ReceiptDifferences:
    """What arrived against what the application named: computed at the receipt check, never typed."""

    shortfall: Measurement | None  # applied minus received, when fewer arrived
    excess: Measurement | None  # received minus applied, when more arrived
    is_spec_mismatch: bool

    @property
    def has_any(self) -> bool:
        return self.shortfall is not None or self.excess is not None or self.is_spec_mismatch


def receipt_differences(
    applied: Measurement, received: Measurement, spec_matches: bool
) -> ReceiptDifferences:
    """Compare a receipt with the application; quantities must be in one unit (`InvalidValue`, "unit")."""
    difference = received - applied
    return ReceiptDifferences(
        shortfall=abs(difference) if difference.value < 0 else None,
        excess=difference if difference.value > 0 else None,
        is_spec_mismatch=not spec_matches,
    )
