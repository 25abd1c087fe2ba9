"""Contracts and the shipments delivered under them: what a quality or quantity objection is measured against.

A `Contract` fixes the product, its quality specification, the objection windows, the price, the
price-adjustment rule and the time limit of each step of an objection (`domain.deadlines.StepLimits`).
A `Shipment` is one delivery under a contract: its quantity, the dispatch weighbridge ticket, the
quality certificate that came with it, how it travelled, when it left and when it arrived. Both are
registered once and identified by their business key (contract number, shipment reference), so that
recording the same one twice is a conflict, not a second copy.

Public methods are commands that check the rule; private `@event` methods only record.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.actor import Actor
from domain.deadlines import StepLimits
from domain.errors import DomainError, InvalidValue, require_text
from domain.measurement import Measurement
from domain.pricing import PriceRule, ProRataRule, RejectionThreshold, StepRule, UnitPrice
from domain.specification import ObjectionWindows, QualitySpecification

# The same allowance cases give fast clocks: nobody dispatches or receives goods in the future.
CLOCK_SKEW_ALLOWANCE = timedelta(minutes=5)
# Business keys become stream ids: one contract number, one shipment reference, one stream, per supplier
# (one deployment serves one supplier). Fixed forever: changing them would orphan every recorded stream.
CONTRACT_NAMESPACE = uuid5(NAMESPACE_URL, "https://aftersales-ledger.dev/contracts")
SHIPMENT_NAMESPACE = uuid5(NAMESPACE_URL, "https://aftersales-ledger.dev/shipments")


class ShipmentRuleViolation(DomainError):
    """A command conflicts with what is already recorded about a contract or shipment."""


class StepLimitTooShort(InvalidValue):
    """A contract's step limit leaves no time for what the step must wait for (a 28-day strength)."""


class TransportMode(Enum):
    RAIL = "rail"
    ROAD = "road"
    WATERWAY = "waterway"
    SEA = "sea"


def contract_id(number: str) -> UUID:
    """The contract's stream id: the same number (ignoring case) always names the same contract."""
    return uuid5(CONTRACT_NAMESPACE, number.strip().upper())


def shipment_id(reference: str) -> UUID:
    """The shipment's stream id: the same reference (ignoring case) always names the same shipment."""
    return uuid5(SHIPMENT_NAMESPACE, reference.strip().upper())


@dataclass(frozen=True)
class TransitLossAllowance:
    """The share of the dispatch weight a contract accepts as lost in transit by one transport mode."""

    mode: TransportMode
    percent: Decimal

    def __post_init__(self) -> None:
        if not isinstance(self.percent, Decimal) or not Decimal(0) <= self.percent < Decimal(100):
            raise InvalidValue("a transit loss is a Decimal percentage from 0 to below 100", field="percent")


@dataclass(frozen=True)
class CertifiedValue:
    """One parameter as the quality certificate states it."""

    parameter: str
    value: Measurement


@dataclass(frozen=True)
class QualityCertificate:
    """The certificate that came with the shipment (SGS, CCIC or the supplier's own lab)."""

    issuer: str
    number: str
    values: tuple[CertifiedValue, ...]

    def __post_init__(self) -> None:
        require_text(self.issuer, "certificate.issuer", "name the certificate's issuer, e.g. CCIC")
        require_text(self.number, "certificate.number", "give the certificate's number")
        names = [certified.parameter for certified in self.values]
        for name in names:
            require_text(name, "certificate.values", "name every certified parameter")
            if names.count(name) > 1:
                raise InvalidValue(f"{name} is certified twice", field=f"certificate.values.{name}")

    def as_mapping(self) -> dict[str, Measurement]:
        """The values by parameter name, as `compare_with_spec` and `price_adjustment` take them."""
        return {certified.parameter: certified.value for certified in self.values}


class Contract(Aggregate):
    """A supply contract's terms that after-sales decisions rest on."""

    @staticmethod
    def create_id(number: str) -> UUID:  # type: ignore[override]
        return contract_id(number)

    @classmethod
    def register(
        cls,
        *,
        number: str,
        customer_id: str,
        product: str,
        grade: str,
        specification: QualitySpecification,
        objection_windows: ObjectionWindows,
        unit_price: UnitPrice,
        price_rule: PriceRule,
        transit_loss: tuple[TransitLossAllowance, ...],
        by: Actor,
        now: datetime,
        step_limits: StepLimits | None = None,
    ) -> "Contract":
        for text, field in ((number, "number"), (customer_id, "customer_id"), (product, "product")):
            require_text(text, field, f"{field} must not be empty")
        require_text(grade, "grade", "grade must not be empty; say e.g. Q5500 or P·O 42.5")
        _check_price_rule(price_rule, specification, unit_price)
        _check_transit_loss(transit_loss)
        step_limits = step_limits or StepLimits()
        _check_step_limits(step_limits, specification)
        return cls(
            number=number,
            customer_id=customer_id,
            product=product,
            grade=grade,
            specification=specification,
            objection_windows=objection_windows,
            unit_price=unit_price,
            price_rule=price_rule,
            transit_loss=list(transit_loss),
            step_limits=step_limits,
            actor=by,
            occurred_at=now,
        )

    class Registered(Aggregate.Created):
        """Version 2 added `step_limits`: a contract registered before had none, so it gets the defaults."""

        class_version = 2
        number: str
        customer_id: str
        product: str
        grade: str
        specification: QualitySpecification
        objection_windows: ObjectionWindows
        unit_price: UnitPrice
        price_rule: PriceRule
        transit_loss: list[TransitLossAllowance]
        step_limits: StepLimits
        actor: Actor
        occurred_at: datetime

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["step_limits"] = StepLimits()

    @event("Registered")
    def __init__(
        self,
        number: str,
        customer_id: str,
        product: str,
        grade: str,
        specification: QualitySpecification,
        objection_windows: ObjectionWindows,
        unit_price: UnitPrice,
        price_rule: PriceRule,
        transit_loss: list[TransitLossAllowance],
        step_limits: StepLimits,
        actor: Actor,
        occurred_at: datetime,
    ) -> None:
        self.number = number
        self.customer_id = customer_id
        self.product = product
        self.grade = grade
        self.specification = specification
        self.objection_windows = objection_windows
        self.unit_price = unit_price
        self.price_rule = price_rule
        # The event holds a list (JSON has no tuples, so a stored tuple would come back as one).
        self.transit_loss = tuple(transit_loss)
        self.step_limits = step_limits
        self.registered_by = actor
        self.registered_at = occurred_at

    @property
    def quantity_unit(self) -> str:
        """The unit quantities of this contract are stated in: the one its price is per."""
        return self.unit_price.per

    def allowed_transit_loss(self, mode: TransportMode) -> Decimal | None:
        """The percentage lost in transit the contract accepts for `mode`; None if it says nothing."""
        return next((allowance.percent for allowance in self.transit_loss if allowance.mode is mode), None)


class Shipment(Aggregate):
    """One delivery under a contract, with the papers it travelled with."""

    @staticmethod
    def create_id(reference: str) -> UUID:  # type: ignore[override]
        return shipment_id(reference)

    @classmethod
    def record(
        cls,
        *,
        reference: str,
        contract: Contract,
        quantity: Measurement,
        weighbridge_ticket: str,
        dispatch_weight: Measurement,
        certificate: QualityCertificate,
        transport_mode: TransportMode,
        carrier: str,
        dispatched_at: datetime,
        arrived_at: datetime | None,
        by: Actor,
        now: datetime,
    ) -> "Shipment":
        require_text(reference, "reference", "reference must not be empty")
        require_text(weighbridge_ticket, "weighbridge_ticket", "give the dispatch weighbridge ticket number")
        require_text(carrier, "carrier", "name the carrier")
        _check_quantities(contract, quantity, dispatch_weight)
        _check_certificate(contract, certificate)
        _require_moment(dispatched_at, "dispatched_at", now)
        if arrived_at is not None:
            _check_arrival(dispatched_at, arrived_at, now)
        return cls(
            reference=reference,
            contract_id=contract.id,
            quantity=quantity,
            weighbridge_ticket=weighbridge_ticket,
            dispatch_weight=dispatch_weight,
            certificate=certificate,
            transport_mode=transport_mode,
            carrier=carrier,
            dispatched_at=dispatched_at,
            arrived_at=arrived_at,
            actor=by,
            occurred_at=now,
        )

    @event("Recorded")
    def __init__(
        self,
        reference: str,
        contract_id: UUID,
        quantity: Measurement,
        weighbridge_ticket: str,
        dispatch_weight: Measurement,
        certificate: QualityCertificate,
        transport_mode: TransportMode,
        carrier: str,
        dispatched_at: datetime,
        arrived_at: datetime | None,
        actor: Actor,
        occurred_at: datetime,
    ) -> None:
        self.reference = reference
        self.contract_id = contract_id
        self.quantity = quantity
        self.weighbridge_ticket = weighbridge_ticket
        self.dispatch_weight = dispatch_weight
        self.certificate = certificate
        self.transport_mode = transport_mode
        self.carrier = carrier
        self.dispatched_at = dispatched_at
        self.arrived_at = arrived_at
        self.recorded_by = actor
        self.recorded_at = occurred_at

    def record_arrival(self, arrived_at: datetime, by: Actor, now: datetime) -> None:
        """The shipment reached the customer: the objection windows start counting."""
        if self.arrived_at is not None:
            raise ShipmentRuleViolation(
                f"shipment {self.reference} arrived already, at {self.arrived_at.isoformat()}",
                field="arrived_at",
            )
        _check_arrival(self.dispatched_at, arrived_at, now)
        self._arrived(arrived_at=arrived_at, actor=by, occurred_at=now)

    @event("Arrived")
    def _arrived(self, arrived_at: datetime, actor: Actor, occurred_at: datetime) -> None:
        self.arrived_at = arrived_at


def _check_price_rule(rule: PriceRule, spec: QualitySpecification, price: UnitPrice) -> None:
    """Every line of the rule is about a specified parameter, in its unit, and in the contract price's
    money and unit, so that applying the rule to a basis result never fails on the contract itself."""
    figures: list[tuple[str, StepRule | ProRataRule | RejectionThreshold, Measurement]] = [
        (f"price_rule.adjustments.{n}", line, line.reference) for n, line in enumerate(rule.adjustments)
    ]
    figures += [(f"price_rule.rejections.{n}", line, line.limit) for n, line in enumerate(rule.rejections)]
    for field, line, figure in figures:
        if line.parameter not in spec.names:
            raise InvalidValue(
                f"the price rule is about {line.parameter}, which the specification does not specify",
                field=f"{field}.parameter",
            )
        spec.parameter(line.parameter).require_unit(figure, field)
        if isinstance(line, StepRule):
            per_step = line.reduction_per_step
            if (per_step.amount.currency, per_step.per) != (price.amount.currency, price.per):
                raise InvalidValue(
                    f"a reduction per step is in {price.amount.currency}/{price.per}, as the contract price",
                    field=f"{field}.reduction_per_step",
                )


def _check_transit_loss(transit_loss: tuple[TransitLossAllowance, ...]) -> None:
    modes = [allowance.mode for allowance in transit_loss]
    for mode in modes:
        if modes.count(mode) > 1:
            raise InvalidValue(f"the transit loss for {mode.value} is given twice", field="transit_loss")


def _check_step_limits(limits: StepLimits, spec: QualitySpecification) -> None:
    """Testing cannot end before every specified result exists: the test limit covers the longest wait."""
    waits = spec.longest_result_delay
    if waits is not None and limits.test < waits:
        slowest = next(p.name for p in spec.parameters if p.result_after == waits)
        raise StepLimitTooShort(
            f"the test step's limit ({limits.test}) is shorter than the wait for the {slowest} result "
            f"({waits} after sampling)",
            field="step_limits.test",
        )


def _check_quantities(contract: Contract, quantity: Measurement, dispatch_weight: Measurement) -> None:
    unit = contract.quantity_unit
    for measured, field in ((quantity, "quantity"), (dispatch_weight, "dispatch_weight")):
        if measured.unit != unit:
            raise InvalidValue(
                f"contract {contract.number} is priced per {unit}; the {field} is in {measured.unit}",
                field="unit",
            )
        if measured.value <= 0:
            raise InvalidValue(f"the {field} must be above zero", field=field)


def _check_certificate(contract: Contract, certificate: QualityCertificate) -> None:
    """A certificate certifies every specified parameter, each in the specification's unit; labs may
    certify more (e.g. Had), in any unit."""
    certified = certificate.as_mapping()
    for parameter in contract.specification.parameters:
        field = f"certificate.values.{parameter.name}"
        if parameter.name not in certified:
            raise InvalidValue(
                f"contract {contract.number} specifies {parameter.name}; the certificate must state it",
                field=field,
            )
        parameter.require_unit(certified[parameter.name], field)


def _check_arrival(dispatched_at: datetime, arrived_at: datetime, now: datetime) -> None:
    _require_moment(arrived_at, "arrived_at", now)
    if arrived_at <= dispatched_at:
        raise InvalidValue("a shipment arrives after it was dispatched", field="arrived_at")


def _require_moment(moment: datetime, field: str, now: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidValue(f"{field} must carry its time zone", field=field)
    if moment > now + CLOCK_SKEW_ALLOWANCE:
        raise InvalidValue(f"{field} lies in the future", field=field)
