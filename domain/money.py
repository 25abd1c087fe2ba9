import re
from dataclasses import dataclass
from decimal import Decimal

from domain.errors import InvalidValue

_CURRENCY = re.compile(r"[A-Z]{3}")


@dataclass(frozen=True)
class Money:
    """An amount in one ISO 4217 currency; never a float."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            raise InvalidValue("amount must be a Decimal, never a float", field="amount")
        if not _CURRENCY.fullmatch(self.currency):
            raise InvalidValue("currency must be an ISO 4217 code such as CNY", field="currency")
        if not self.amount.is_finite():
            raise InvalidValue("amount must be a finite number", field="amount")
        if self.amount.as_tuple().exponent < -4:  # type: ignore[operator]
            raise InvalidValue("amount has more than 4 decimal places", field="amount")
