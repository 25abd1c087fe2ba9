"""The values a case is made of: its kinds, channels, statuses, outcomes, parties and proposals.

Kept apart from the `Case` aggregate (domain/case.py) so that the aggregate reads as its rules and events.
"""

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from uuid import UUID, uuid4

from domain.errors import InvalidValue
from domain.money import Money


class CaseType(Enum):
    QUALITY_OBJECTION = "quality_objection"
    QUANTITY_OBJECTION = "quantity_objection"
    DELIVERY_PROBLEM = "delivery_problem"
    EQUIPMENT_FAULT = "equipment_fault"
    TECHNICAL_CONSULTATION = "technical_consultation"
    SERVICE_COMPLAINT = "service_complaint"
    RETURN_REQUEST = "return_request"


class Channel(Enum):
    HOTLINE = "hotline"
    ONLINE = "online"
    EMAIL = "email"
    ON_SITE = "on_site"


class Severity(Enum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    CRITICAL = "critical"


class Status(Enum):
    REGISTERED = "registered"
    IN_PROGRESS = "in_progress"
    RESOLUTION_PROPOSED = "resolution_proposed"
    RESOLUTION_ACCEPTED = "resolution_accepted"
    RESOLUTION_EXECUTED = "resolution_executed"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"


FINISHED = frozenset({Status.CLOSED, Status.WITHDRAWN})


class ResolutionKind(Enum):
    PRICE_REDUCTION = "price_reduction"
    REPLACEMENT = "replacement"
    COMPENSATION = "compensation"
    RETURN_REFUND = "return_refund"
    REPAIR = "repair"
    ADVICE_ONLY = "advice_only"


# Kinds that pay the customer money cannot be proposed without saying how much.
KINDS_NEEDING_AMOUNT = frozenset(
    {ResolutionKind.PRICE_REDUCTION, ResolutionKind.COMPENSATION, ResolutionKind.RETURN_REFUND}
)


# What a personal field reads as once its data subject's key was destroyed (crypto-shredding).
ERASED = "[erased]"


class Outcome(Enum):
    RESOLVED = "resolved"
    UNFOUNDED = "unfounded"
    DUPLICATE = "duplicate"


@dataclass(frozen=True)
class Customer:
    """The customer organisation; company data, not personal data."""

    id: str
    name: str


@dataclass(frozen=True)
class Contact:
    """The customer's person to talk to: personal data, never logged, stored sealed under `subject_id`."""

    name: str
    phone: str = ""
    email: str = ""
    subject_id: UUID = field(default_factory=uuid4)  # the data subject: whose key seals name, phone, email


@dataclass(frozen=True)
class Proposal:
    number: int
    kind: ResolutionKind
    amount: Money | None
    description: str


@dataclass(frozen=True)
class LateObjection:
    """An objection raised once the contract's objection window for a shipment had closed."""

    shipment_ref: str
    window_closed_at: datetime
    raised_at: datetime


def check_amount(kind: ResolutionKind, amount: Money | None) -> None:
    if kind in KINDS_NEEDING_AMOUNT and amount is None:
        raise InvalidValue(f"a {kind.value} proposal needs an amount", field="amount")
    if kind is ResolutionKind.ADVICE_ONLY and amount is not None:
        raise InvalidValue("advice carries no amount", field="amount")
    if amount is not None and amount.amount <= 0:
        raise InvalidValue("amount must be greater than zero", field="amount")
