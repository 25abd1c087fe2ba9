"""Price adjustment from the contract's rule and the basis result, with every line of the calculation."""

from decimal import Decimal

import pytest

from domain.errors import InvalidValue
from domain.measurement import Measurement
from domain.money import Money
from domain.pricing import (
    Adjustment,
    Direction,
    PartialStep,
    PriceRule,
    ProRataRule,
    Rejection,
    RejectionThreshold,
    StepRule,
    UnitPrice,
    price_adjustment,
)


def kcal(value: str) -> Measurement:
    return Measurement(Decimal(value), "kcal/kg")


def percent(value: str) -> Measurement:
    return Measurement(Decimal(value), "%")


def tonnes(value: str) -> Measurement:
    return Measurement(Decimal(value), "t")


def cny_per_tonne(amount: str) -> UnitPrice:
    return UnitPrice(Money(Decimal(amount), "CNY"), per="t")


def calorific_step(partial_step: PartialStep, per_step: str = "15") -> StepRule:
    return StepRule(
        parameter="Qnet,ar",
        reference=kcal("5500"),
        direction=Direction.BELOW,
        step=kcal("100"),
        reduction_per_step=cny_per_tonne(per_step),
        partial_step=partial_step,
    )


SULPHUR_PENALTY = StepRule(
    parameter="St,d",
    reference=percent("1.0"),
    direction=Direction.ABOVE,
    step=percent("0.1"),
    reduction_per_step=cny_per_tonne("5"),
    partial_step=PartialStep.COUNTED_AS_WHOLE,
)
COAL_PRICE_RULE = PriceRule(
    adjustments=(calorific_step(PartialStep.PRO_RATA), SULPHUR_PENALTY),
    rejections=(
        RejectionThreshold("Qnet,ar", kcal("5000"), Direction.BELOW),
        RejectionThreshold("St,d", percent("1.5"), Direction.ABOVE),
    ),
)
CEMENT_PRICE_RULE = PriceRule(
    adjustments=(),
    rejections=(
        RejectionThreshold("R28", Measurement(Decimal("42.5"), "MPa"), Direction.BELOW),
        RejectionThreshold("R3", Measurement(Decimal("17.0"), "MPa"), Direction.BELOW),
        RejectionThreshold("initial setting", Measurement(Decimal("45"), "min"), Direction.BELOW),
        RejectionThreshold("SO3", percent("3.5"), Direction.ABOVE),
    ),
)
COAL_PRICE = cny_per_tonne("600.00")
TRAINLOAD = tonnes("3000")
COAL_BASIS = {"Qnet,ar": kcal("5210"), "St,d": percent("1.12")}


def adjusted(rule: PriceRule, basis: dict[str, Measurement], quantity: Measurement = TRAINLOAD) -> Adjustment:
    adjustment = price_adjustment(rule, COAL_PRICE, quantity, basis)
    assert isinstance(adjustment, Adjustment)
    return adjustment


def amounts(adjustment: Adjustment) -> list[str]:
    return [str(line.amount.amount) for line in adjustment.lines]


# -- the coal dispute's adjustment -----------------------------------------------------------------


def test_coal_below_calorific_target_and_above_the_sulphur_limit_is_priced_down_line_by_line() -> None:
    adjustment = adjusted(COAL_PRICE_RULE, COAL_BASIS)

    assert [line.text for line in adjustment.lines] == [
        "Qnet,ar 5,210 kcal/kg is 290 kcal/kg below 5,500 kcal/kg: 290 ÷ 100 kcal/kg = 2.9 steps"
        " (partial steps pro rata) x 15.00 CNY/t x 3,000 t",
        "St,d 1.12 % is 0.12 % above 1.0 %: 0.12 ÷ 0.1 % = 1.2, a started step counts as whole: 2 steps"
        " x 5.00 CNY/t x 3,000 t",
    ]
    assert amounts(adjustment) == ["-130500.00", "-30000.00"]
    assert adjustment.total == Money(Decimal("-160500.00"), "CNY")
    assert str(adjustment.total.amount) == "-160500.00"


@pytest.mark.parametrize(
    ("partial_step", "steps", "amount"),
    [
        (PartialStep.PRO_RATA, "2.9 steps (partial steps pro rata)", "-130500.00"),
        (PartialStep.IGNORED, "2.9, a partial step is not counted: 2 steps", "-90000.00"),
        (PartialStep.COUNTED_AS_WHOLE, "2.9, a started step counts as whole: 3 steps", "-135000.00"),
    ],
)
def test_the_rule_says_how_a_partial_step_counts(partial_step: PartialStep, steps: str, amount: str) -> None:
    rule = PriceRule(adjustments=(calorific_step(partial_step),))

    (line,) = adjusted(rule, COAL_BASIS).lines

    assert f"= {steps} x 15.00 CNY/t" in line.text
    assert str(line.amount.amount) == amount


@pytest.mark.parametrize("partial_step", list(PartialStep))
def test_a_whole_number_of_steps_counts_the_same_under_every_partial_step_rule(
    partial_step: PartialStep,
) -> None:
    rule = PriceRule(adjustments=(calorific_step(partial_step),))

    (line,) = adjusted(rule, {"Qnet,ar": kcal("5200")}).lines

    assert str(line.amount.amount) == "-135000.00"


@pytest.mark.parametrize("value", ["5500", "5630"])
def test_no_step_rule_applies_at_or_beyond_the_reference_on_the_good_side(value: str) -> None:
    adjustment = adjusted(
        PriceRule(adjustments=(calorific_step(PartialStep.PRO_RATA),)), {"Qnet,ar": kcal(value)}
    )

    (line,) = adjustment.lines
    assert line.text == f"Qnet,ar {kcal(value)} is not below 5,500 kcal/kg: no adjustment"
    assert str(line.amount.amount) == "0.00"
    assert str(adjustment.total.amount) == "0.00"


def test_a_sulphur_penalty_applies_per_step_above_the_limit() -> None:
    adjustment = adjusted(PriceRule(adjustments=(SULPHUR_PENALTY,)), {"St,d": percent("1.31")})

    assert amounts(adjustment) == ["-60000.00"]  # 0.31 % above: 4 started steps x 5 CNY/t x 3,000 t


# -- pro rata to calorific value ----------------------------------------------------------------

PRO_RATA = ProRataRule(parameter="Qnet,ar", reference=kcal("5500"))


def test_pro_rata_prices_the_coal_by_its_share_of_the_reference_calorific_value() -> None:
    (line,) = adjusted(PriceRule(adjustments=(PRO_RATA,)), COAL_BASIS).lines

    # 600 x (5,210 / 5,500 - 1) x 3,000 = -94,909.0909…: rounded only once, at the end of the line.
    assert line.text == (
        "Qnet,ar 5,210 kcal/kg against 5,500 kcal/kg: 600.00 CNY/t x (5,210 ÷ 5,500 - 1) x 3,000 t"
    )
    assert str(line.amount.amount) == "-94909.09"


@pytest.mark.parametrize(
    ("bonus", "text", "amount"),
    [
        (False, "Qnet,ar 5,630 kcal/kg is not below 5,500 kcal/kg: no adjustment", "0.00"),
        (
            True,
            "Qnet,ar 5,630 kcal/kg against 5,500 kcal/kg: 600.00 CNY/t x (5,630 ÷ 5,500 - 1) x 3,000 t",
            "42545.45",
        ),
    ],
)
def test_pro_rata_pays_a_bonus_above_the_reference_only_when_the_rule_says_so(
    bonus: bool, text: str, amount: str
) -> None:
    rule = PriceRule(adjustments=(ProRataRule("Qnet,ar", kcal("5500"), bonus_above_reference=bonus),))

    (line,) = adjusted(rule, {"Qnet,ar": kcal("5630")}).lines

    assert line.text == text
    assert str(line.amount.amount) == amount


# -- rejection ----------------------------------------------------------------------------------


def test_beyond_a_rejection_threshold_the_rule_says_reject_instead_of_a_price() -> None:
    outcome = price_adjustment(
        COAL_PRICE_RULE, COAL_PRICE, TRAINLOAD, {"Qnet,ar": kcal("4950"), "St,d": percent("1.62")}
    )

    assert outcome == Rejection(
        reasons=(
            "Qnet,ar 4,950 kcal/kg is below the rejection threshold 5,000 kcal/kg",
            "St,d 1.62 % is above the rejection threshold 1.5 %",
        )
    )


def test_a_result_on_the_rejection_threshold_is_still_priced() -> None:
    adjustment = adjusted(COAL_PRICE_RULE, {"Qnet,ar": kcal("5000"), "St,d": percent("1.5")})

    assert amounts(adjustment) == ["-225000.00", "-75000.00"]


def test_cement_within_spec_gets_no_adjustment() -> None:
    basis = {
        "R28": Measurement(Decimal("47.8"), "MPa"),
        "R3": Measurement(Decimal("24.1"), "MPa"),
        "initial setting": Measurement(Decimal("165"), "min"),
        "SO3": percent("2.6"),
    }

    adjustment = price_adjustment(CEMENT_PRICE_RULE, cny_per_tonne("420.00"), tonnes("600"), basis)

    assert adjustment == Adjustment(total=Money(Decimal("0.00"), "CNY"), lines=())


def test_cement_below_its_28_day_strength_is_rejected() -> None:
    basis = {
        "R28": Measurement(Decimal("41.0"), "MPa"),
        "R3": Measurement(Decimal("18.2"), "MPa"),
        "initial setting": Measurement(Decimal("150"), "min"),
        "SO3": percent("2.9"),
    }

    outcome = price_adjustment(CEMENT_PRICE_RULE, cny_per_tonne("420.00"), tonnes("600"), basis)

    assert outcome == Rejection(reasons=("R28 41.0 MPa is below the rejection threshold 42.5 MPa",))


# -- rounding -----------------------------------------------------------------------------------


def test_each_line_is_rounded_half_up_to_cents_and_the_total_is_the_sum_of_the_lines() -> None:
    # 3 kcal/kg below: 0.03 steps x 25 CNY/t = 0.75 CNY/t x 4.7 t = 3.525 CNY, rounded away from zero.
    # Two such lines: rounding once per line gives 7.06; rounding only the grand total would give 7.05.
    step = calorific_step(PartialStep.PRO_RATA, per_step="25")
    rule = PriceRule(adjustments=(step, step))

    adjustment = adjusted(rule, {"Qnet,ar": kcal("5497")}, quantity=tonnes("4.7"))

    assert amounts(adjustment) == ["-3.53", "-3.53"]
    assert str(adjustment.total.amount) == "-7.06"


def test_a_long_ratio_is_shown_rounded_but_computed_exactly() -> None:
    rule = PriceRule(
        adjustments=(
            StepRule(
                "Qnet,ar",
                kcal("5500"),
                Direction.BELOW,
                kcal("30"),
                cny_per_tonne("15"),
                PartialStep.PRO_RATA,
            ),
        )
    )

    (line,) = adjusted(rule, {"Qnet,ar": kcal("5490")}).lines

    # 10/30 of a step x 15 CNY/t x 3,000 t is exactly 15,000: the division comes last, not first.
    assert "10 ÷ 30 kcal/kg ≈ 0.333333 steps" in line.text
    assert str(line.amount.amount) == "-15000.00"


# -- refusals -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("price", "quantity", "basis", "field", "rule"),
    [
        (
            COAL_PRICE,
            Measurement(Decimal("3000000"), "kg"),
            COAL_BASIS,
            "quantity",
            "per t, the quantity is in kg",
        ),
        (COAL_PRICE, tonnes("0"), COAL_BASIS, "quantity", "above zero"),
        (COAL_PRICE, tonnes("-5"), COAL_BASIS, "quantity", "above zero"),
        (UnitPrice(Money(Decimal("86.00"), "USD"), "t"), TRAINLOAD, COAL_BASIS, "rule", "in CNY.*USD"),
        (
            UnitPrice(Money(Decimal("0.60"), "CNY"), "kg"),
            Measurement(Decimal("3000000"), "kg"),
            COAL_BASIS,
            "rule",
            "per t",
        ),
        (COAL_PRICE, TRAINLOAD, {"Qnet,ar": kcal("5210")}, "basis.St,d", "no basis value for St,d"),
        (
            COAL_PRICE,
            TRAINLOAD,
            {"Qnet,ar": Measurement(Decimal("21.8"), "MJ/kg"), "St,d": percent("1.12")},
            "basis.Qnet,ar",
            "Qnet,ar is priced in kcal/kg, the basis is in MJ/kg",
        ),
    ],
)
def test_price_adjustment_refuses_mismatched_units_currencies_and_missing_values(
    price: UnitPrice, quantity: Measurement, basis: dict[str, Measurement], field: str, rule: str
) -> None:
    with pytest.raises(InvalidValue, match=rule) as refused:
        price_adjustment(COAL_PRICE_RULE, price, quantity, basis)

    assert refused.value.field == field


@pytest.mark.parametrize(
    ("changes", "field", "rule"),
    [
        ({"parameter": ""}, "parameter", "name the parameter"),
        ({"step": kcal("0")}, "step", "above zero"),
        ({"step": Measurement(Decimal("0.4"), "MJ/kg")}, "step", "in kcal/kg"),
        ({"reduction_per_step": cny_per_tonne("0")}, "reduction_per_step", "above zero"),
    ],
)
def test_a_step_rule_refuses_what_no_contract_means(
    changes: dict[str, object], field: str, rule: str
) -> None:
    arguments: dict[str, object] = {
        "parameter": "Qnet,ar",
        "reference": kcal("5500"),
        "direction": Direction.BELOW,
        "step": kcal("100"),
        "reduction_per_step": cny_per_tonne("15"),
        "partial_step": PartialStep.PRO_RATA,
    }
    arguments.update(changes)

    with pytest.raises(InvalidValue, match=rule) as refused:
        StepRule(**arguments)  # type: ignore[arg-type]

    assert refused.value.field == field


def test_pro_rata_needs_a_reference_above_zero() -> None:
    with pytest.raises(InvalidValue, match="above zero") as refused:
        ProRataRule("Qnet,ar", kcal("0"))

    assert refused.value.field == "reference"


@pytest.mark.parametrize(
    ("amount", "per", "field", "rule"),
    [
        ("600", "", "per", "unit of quantity"),
        ("-600", "t", "amount", "negative"),
    ],
)
def test_a_unit_price_names_its_unit_and_is_not_negative(
    amount: str, per: str, field: str, rule: str
) -> None:
    with pytest.raises(InvalidValue, match=rule) as refused:
        UnitPrice(Money(Decimal(amount), "CNY"), per=per)

    assert refused.value.field == field


def test_a_unit_price_reads_as_money_per_unit() -> None:
    assert str(COAL_PRICE) == "600.00 CNY/t"
