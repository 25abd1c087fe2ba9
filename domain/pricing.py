"""Price adjustment: the contract's rule applied to the basis result, with every line of the calculation.

Pure policy: no I/O, no clock, no events. Decisions:

- A rule is data: `PriceRule(adjustments, rejections)`. Adjustments are `StepRule` (per step below or
  above a reference, the price falls by an amount per unit of quantity: calorific value per 100 kcal/kg
  below 5,500, sulphur per 0.1 % above 1.0 %) and `ProRataRule` (price x actual ÷ reference). A
  `RejectionThreshold` says "reject" instead of a price.
- Partial steps are a parameter of the step rule, because contracts word it three ways: pro rata
  ("不足100大卡按比例计"), not counted ("不足100大卡不计"), or counted as a whole step
  ("不足100大卡按100大卡计").
- Step rules only reduce the price; a bonus for coal better than the reference is offered only by
  `ProRataRule(bonus_above_reference=True)`. The reduction per step is stated as a positive amount, so
  that a sign slip in the configuration cannot turn a penalty into a bonus.
- A result exactly on a rejection threshold is not rejected, like a result on a specification limit; a
  result exactly on a step rule's reference is not adjusted.
- Rejection is checked first: when any threshold is crossed the outcome is a `Rejection` with every
  reason, and no price is computed, because a rejected lot is not sold at any price.
- Signs: a negative amount is a credit to the customer (a price reduction); positive is a bonus.
- Rounding: each line is computed exactly in `Decimal` (the one division comes last, so 10/30 of a
  step x 15 CNY/t x 3,000 t is exactly 15,000) and rounded once, to cents, ROUND_HALF_UP (half a cent
  away from zero, as Chinese invoices round). The total is the sum of the rounded lines, so that the
  lines a settlement shows add up to its total to the cent.
- Units and currencies must match exactly: the quantity is in the unit the contract price is per, every
  amount of the rule is in the contract price's currency and per the same unit, and each basis value is
  in the unit of the rule's reference. Nothing is converted.
- Line texts are English, name parameters and figures only (no people), and show the formula; an
  inexact ratio is shown to six places with "≈" while the amount uses the exact value.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum

from domain.errors import InvalidValue
from domain.measurement import Measurement
from domain.money import Money

CENT = Decimal("0.01")
SHOWN_PLACES = 6


class Direction(Enum):
    BELOW = "below"
    ABOVE = "above"


class PartialStep(Enum):
    PRO_RATA = "pro_rata"
    IGNORED = "ignored"
    COUNTED_AS_WHOLE = "counted_as_whole"


@dataclass(frozen=True)
class UnitPrice:
    """Money per unit of quantity, e.g. 600.00 CNY per t."""

    amount: Money
    per: str

    def __post_init__(self) -> None:
        if not self.per.strip():
            raise InvalidValue("a unit price names the unit of quantity it is per, e.g. t", field="per")
        if self.amount.amount < 0:
            raise InvalidValue("a unit price is never negative", field="amount")

    def __str__(self) -> str:
        return f"{_money_text(self.amount.amount)} {self.amount.currency}/{self.per}"


@dataclass(frozen=True)
class StepRule:
    """Per `step` beyond `reference` in `direction`, the price falls by `reduction_per_step`."""

    parameter: str
    reference: Measurement
    direction: Direction
    step: Measurement
    reduction_per_step: UnitPrice
    partial_step: PartialStep

    def __post_init__(self) -> None:
        _require_parameter(self.parameter)
        if self.step.unit != self.reference.unit:
            raise InvalidValue(f"the step must be in {self.reference.unit}, like the reference", field="step")
        if self.step.value <= 0:
            raise InvalidValue("a step must be above zero", field="step")
        if self.reduction_per_step.amount.amount <= 0:
            raise InvalidValue("a reduction per step must be above zero", field="reduction_per_step")


@dataclass(frozen=True)
class ProRataRule:
    """The price scales with actual ÷ reference; above the reference only if the contract pays a bonus."""

    parameter: str
    reference: Measurement
    bonus_above_reference: bool = False

    def __post_init__(self) -> None:
        _require_parameter(self.parameter)
        if self.reference.value <= 0:
            raise InvalidValue("a pro rata reference must be above zero", field="reference")


@dataclass(frozen=True)
class RejectionThreshold:
    """Beyond `limit` in `direction` the customer may reject the lot: no price applies."""

    parameter: str
    limit: Measurement
    direction: Direction

    def __post_init__(self) -> None:
        _require_parameter(self.parameter)


@dataclass(frozen=True)
class PriceRule:
    """A contract's price-adjustment rule: adjustments added line by line, and rejection thresholds."""

    adjustments: tuple[StepRule | ProRataRule, ...] = ()
    rejections: tuple[RejectionThreshold, ...] = ()


@dataclass(frozen=True)
class CalculationLine:
    text: str
    amount: Money


@dataclass(frozen=True)
class Adjustment:
    """The price adjustment: negative is a credit to the customer; the lines add up to the total."""

    total: Money
    lines: tuple[CalculationLine, ...]


@dataclass(frozen=True)
class Rejection:
    """The rule says reject, not a price; each reason names the threshold crossed."""

    reasons: tuple[str, ...]


def price_adjustment(
    rule: PriceRule, contract_price: UnitPrice, quantity: Measurement, basis: Mapping[str, Measurement]
) -> Adjustment | Rejection:
    """Apply `rule` to the `basis` result for `quantity` sold at `contract_price`."""
    _check_quantity(contract_price, quantity)
    _check_rule_prices(rule, contract_price)
    reasons = tuple(reason for threshold in rule.rejections if (reason := _rejection(threshold, basis)))
    if reasons:
        return Rejection(reasons)
    lines = tuple(_line(adjustment, contract_price, quantity, basis) for adjustment in rule.adjustments)
    total = sum((line.amount.amount for line in lines), start=Decimal("0.00"))
    return Adjustment(Money(total, contract_price.amount.currency), lines)


def _line(
    adjustment: StepRule | ProRataRule,
    price: UnitPrice,
    quantity: Measurement,
    basis: Mapping[str, Measurement],
) -> CalculationLine:
    value = _basis_value(adjustment.parameter, adjustment.reference, basis)
    if isinstance(adjustment, StepRule):
        text, exact = _step(adjustment, value, quantity)
    else:
        text, exact = _pro_rata(adjustment, value, price, quantity)
    return CalculationLine(text, Money(_cents(exact), price.amount.currency))


def _step(rule: StepRule, value: Measurement, quantity: Measurement) -> tuple[str, Decimal]:
    beyond = rule.reference - value if rule.direction is Direction.BELOW else value - rule.reference
    heading = f"{rule.parameter} {value}"
    if beyond.value <= 0:
        return f"{heading} is not {rule.direction.value} {rule.reference}: no adjustment", Decimal(0)
    steps, steps_text = _steps(beyond.value, rule.step.value, rule.partial_step)
    per_step = rule.reduction_per_step.amount.amount
    if rule.partial_step is PartialStep.PRO_RATA:
        exact = -(beyond.value * per_step * quantity.value) / rule.step.value  # dividing last keeps it exact
    else:
        exact = -(steps * per_step * quantity.value)
    text = (
        f"{heading} is {beyond} {rule.direction.value} {rule.reference}: "
        f"{_number(beyond.value)} ÷ {rule.step} {steps_text} x {rule.reduction_per_step} x {quantity}"
    )
    return text, exact


def _steps(beyond: Decimal, step: Decimal, partial_step: PartialStep) -> tuple[Decimal, str]:
    """The steps to charge, and how the line shows them: '= 2.9, a started step counts as whole: 3 steps'."""
    ratio = beyond / step
    shown = _ratio_text(ratio)
    whole, part = divmod(beyond, step)
    if not part:
        return whole, f"= {_number(whole)} steps"
    if partial_step is PartialStep.PRO_RATA:
        return ratio, f"{shown} steps (partial steps pro rata)"
    if partial_step is PartialStep.IGNORED:
        return whole, f"{shown}, a partial step is not counted: {_number(whole)} steps"
    return whole + 1, f"{shown}, a started step counts as whole: {_number(whole + 1)} steps"


def _pro_rata(
    rule: ProRataRule, value: Measurement, price: UnitPrice, quantity: Measurement
) -> tuple[str, Decimal]:
    heading = f"{rule.parameter} {value}"
    if value == rule.reference or (value > rule.reference and not rule.bonus_above_reference):
        return f"{heading} is not below {rule.reference}: no adjustment", Decimal(0)
    exact = price.amount.amount * quantity.value * (value - rule.reference).value / rule.reference.value
    text = (
        f"{heading} against {rule.reference}: {price} x "
        f"({_number(value.value)} ÷ {_number(rule.reference.value)} - 1) x {quantity}"
    )
    return text, exact


def _rejection(threshold: RejectionThreshold, basis: Mapping[str, Measurement]) -> str | None:
    value = _basis_value(threshold.parameter, threshold.limit, basis)
    crossed = value < threshold.limit if threshold.direction is Direction.BELOW else value > threshold.limit
    if not crossed:
        return None
    direction = threshold.direction.value
    return f"{threshold.parameter} {value} is {direction} the rejection threshold {threshold.limit}"


def _basis_value(parameter: str, reference: Measurement, basis: Mapping[str, Measurement]) -> Measurement:
    if parameter not in basis:
        raise InvalidValue(
            f"the rule needs {parameter}, and there is no basis value for {parameter}",
            field=f"basis.{parameter}",
        )
    value = basis[parameter]
    if value.unit != reference.unit:
        raise InvalidValue(
            f"{parameter} is priced in {reference.unit}, the basis is in {value.unit}",
            field=f"basis.{parameter}",
        )
    return value


def _check_quantity(price: UnitPrice, quantity: Measurement) -> None:
    if quantity.unit != price.per:
        raise InvalidValue(
            f"the contract price is per {price.per}, the quantity is in {quantity.unit}", field="quantity"
        )
    if quantity.value <= 0:
        raise InvalidValue("the quantity must be above zero", field="quantity")


def _check_rule_prices(rule: PriceRule, price: UnitPrice) -> None:
    for adjustment in rule.adjustments:
        if not isinstance(adjustment, StepRule):
            continue
        per_step = adjustment.reduction_per_step
        currency, price_currency = per_step.amount.currency, price.amount.currency
        if currency != price_currency:
            raise InvalidValue(
                f"the rule's amounts are in {currency}, the contract price in {price_currency}", field="rule"
            )
        if per_step.per != price.per:
            raise InvalidValue(
                f"the rule's amounts are per {per_step.per}, the contract price per {price.per}", field="rule"
            )


def _cents(exact: Decimal) -> Decimal:
    rounded = exact.quantize(CENT, rounding=ROUND_HALF_UP)
    return rounded if rounded else Decimal("0.00")  # never "-0.00" on a settlement


def _ratio_text(ratio: Decimal) -> str:
    shown = ratio.quantize(Decimal(1).scaleb(-SHOWN_PLACES), rounding=ROUND_HALF_UP)
    return f"= {_number(ratio)}" if shown == ratio else f"≈ {_number(shown)}"


def _number(value: Decimal) -> str:
    return f"{value:,f}"


def _money_text(amount: Decimal) -> str:
    # Two places as on an invoice, unless the contract states more (Money allows four).
    return f"{amount:,.2f}" if amount == amount.quantize(CENT) else f"{amount:,f}"


def _require_parameter(parameter: str) -> None:
    if not parameter.strip():
        raise InvalidValue("name the parameter the rule applies to, e.g. Qnet,ar", field="parameter")
