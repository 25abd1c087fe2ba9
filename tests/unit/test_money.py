"""Money: an amount in one ISO 4217 currency, with at most four decimal places."""

from decimal import Decimal

import pytest

from domain.errors import InvalidValue
from domain.money import Money


@pytest.mark.parametrize(
    ("amount", "currency"),
    [
        ("1200.5000", "CNY"),
        ("0.0001", "USD"),
        ("-35.10", "EUR"),
        ("0", "CNY"),
        ("86000", "CNY"),
        ("1E+6", "CNY"),
    ],
)
def test_money_keeps_a_valid_amount_to_the_last_digit(amount: str, currency: str) -> None:
    money = Money(Decimal(amount), currency)

    assert str(money.amount) == amount
    assert money.currency == currency


# Full-width letters, as a Chinese input method may type them, are not an ISO 4217 code.
@pytest.mark.parametrize(
    "currency",
    ["", "cny", "Cny", "CN", "CNYY", "C1Y", "CN Y", " CNY", "CNY\n", "\uff23\uff2e\uff39", "ÄBC"],
    ids=repr,
)
def test_a_currency_is_three_upper_case_letters(currency: str) -> None:
    with pytest.raises(InvalidValue, match="ISO 4217") as refused:
        Money(Decimal("10"), currency)

    assert refused.value.field == "currency"


@pytest.mark.parametrize(
    ("amount", "rule"),
    [
        ("NaN", "finite"),
        ("sNaN", "finite"),
        ("Infinity", "finite"),
        ("-Infinity", "finite"),
        ("0.00001", "more than 4 decimal places"),
        ("1200.50000", "more than 4 decimal places"),
        ("1E-5", "more than 4 decimal places"),
    ],
)
def test_an_amount_is_finite_with_at_most_four_decimal_places(amount: str, rule: str) -> None:
    with pytest.raises(InvalidValue, match=rule) as refused:
        Money(Decimal(amount), "CNY")

    assert refused.value.field == "amount"


def test_money_is_a_value_equal_by_amount_and_currency() -> None:
    assert Money(Decimal("10.00"), "CNY") == Money(Decimal("10.00"), "CNY")
    assert Money(Decimal("10.00"), "CNY") != Money(Decimal("10.00"), "USD")
    assert hash(Money(Decimal("10.00"), "CNY")) == hash(Money(Decimal("10.00"), "CNY"))
