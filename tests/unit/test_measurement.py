"""Measurement: a Decimal value in one unit; exact, and never mixed with another unit."""

from collections.abc import Callable
from decimal import Decimal

import pytest

from domain.errors import InvalidValue
from domain.measurement import Measurement


def kcal(value: str) -> Measurement:
    return Measurement(Decimal(value), "kcal/kg")


def percent(value: str) -> Measurement:
    return Measurement(Decimal(value), "%")


def test_a_measurement_keeps_its_value_to_the_last_digit() -> None:
    measurement = Measurement(Decimal("5210.0"), "kcal/kg")

    assert str(measurement.value) == "5210.0"
    assert measurement.unit == "kcal/kg"


@pytest.mark.parametrize("value", [5210.0, 5210, "5210", None], ids=repr)
def test_a_value_is_a_decimal_never_a_float(value: object) -> None:
    with pytest.raises(InvalidValue, match="Decimal, never a float") as refused:
        Measurement(value, "kcal/kg")  # type: ignore[arg-type]

    assert refused.value.field == "value"


@pytest.mark.parametrize("value", ["NaN", "sNaN", "Infinity", "-Infinity"])
def test_a_value_is_finite(value: str) -> None:
    with pytest.raises(InvalidValue, match="finite") as refused:
        Measurement(Decimal(value), "%")

    assert refused.value.field == "value"


@pytest.mark.parametrize("unit", ["", " ", " %", "MPa ", "kcal/kg\n"], ids=repr)
def test_a_unit_is_named_without_surrounding_space(unit: str) -> None:
    with pytest.raises(InvalidValue, match="unit") as refused:
        Measurement(Decimal("1"), unit)

    assert refused.value.field == "unit"


def test_measurements_in_the_same_unit_add_and_subtract_exactly() -> None:
    assert kcal("5480") - kcal("5120") == kcal("360")
    assert percent("0.1") + percent("0.2") == percent("0.3")
    assert abs(kcal("5120") - kcal("5480")) == kcal("360")


def test_measurements_in_the_same_unit_compare_by_value() -> None:
    assert kcal("5120") < kcal("5500")
    assert kcal("5500") <= kcal("5500.0")
    assert kcal("5500") >= kcal("5500")
    assert kcal("5501") > kcal("5500")


def test_equal_values_in_different_units_are_different_measurements() -> None:
    assert kcal("300") != Measurement(Decimal("300"), "J/g")
    assert kcal("300") == kcal("300.0")
    assert hash(kcal("300")) == hash(kcal("300.0"))


@pytest.mark.parametrize(
    "operation",
    [
        lambda a, b: a + b,
        lambda a, b: a - b,
        lambda a, b: a < b,
        lambda a, b: a <= b,
        lambda a, b: a > b,
        lambda a, b: a >= b,
    ],
    ids=["add", "subtract", "lt", "le", "gt", "ge"],
)
def test_arithmetic_and_comparison_refuse_a_unit_mismatch(
    operation: Callable[[Measurement, Measurement], object],
) -> None:
    # 300 J/g is about 72 kcal/kg: comparing the bare numbers would be off by a factor of four.
    with pytest.raises(InvalidValue, match=r"kcal/kg with J/g") as refused:
        operation(kcal("5120"), Measurement(Decimal("300"), "J/g"))

    assert refused.value.field == "unit"


def test_a_measurement_does_not_compare_with_a_bare_number() -> None:
    with pytest.raises(TypeError):
        assert kcal("5120") < Decimal("5500")  # type: ignore[operator]


def test_a_measurement_reads_with_thousands_separators_and_its_unit() -> None:
    assert str(kcal("5210")) == "5,210 kcal/kg"
    assert str(percent("1.12")) == "1.12 %"
    assert str(Measurement(Decimal("1E+2"), "MPa")) == "100 MPa"
