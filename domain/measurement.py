"""Measurement: a value in one unit, exact like Money.

Decisions:
- The value is a `Decimal`, never a float or an int: a lab reports 5,210 kcal/kg or 1.12 %, and the digits
  it reports are the digits we keep.
- A unit is a plain label ("kcal/kg", "%", "MPa", "min", "t"); the domain does not convert between units.
  Adding, subtracting or ordering two measurements in different units is refused (`InvalidValue`, field
  "unit"), because 300 J/g and 300 kcal/kg differ by a factor of four and a silent mix would decide a
  dispute wrongly. Whoever configures a contract states every figure in the unit the contract uses.
- Equality is value equality: 5,500 kcal/kg equals 5,500.0 kcal/kg; equal numbers in different units are
  simply not equal (no error), so measurements can sit in sets and dicts.
"""

from dataclasses import dataclass
from decimal import Decimal

from domain.errors import InvalidValue


@dataclass(frozen=True)
class Measurement:
    """A value in one unit; never a float, never compared with another unit."""

    value: Decimal
    unit: str

    def __post_init__(self) -> None:
        if not isinstance(self.value, Decimal):
            raise InvalidValue("value must be a Decimal, never a float", field="value")
        if not self.value.is_finite():
            raise InvalidValue("value must be a finite number", field="value")
        if not self.unit or self.unit != self.unit.strip():
            raise InvalidValue("unit must be named, without surrounding spaces", field="unit")

    def __add__(self, other: "Measurement") -> "Measurement":
        return Measurement(self.value + self._same_unit(other).value, self.unit)

    def __sub__(self, other: "Measurement") -> "Measurement":
        return Measurement(self.value - self._same_unit(other).value, self.unit)

    def __abs__(self) -> "Measurement":
        return Measurement(abs(self.value), self.unit)

    def __lt__(self, other: "Measurement") -> bool:
        return self.value < self._same_unit(other).value

    def __le__(self, other: "Measurement") -> bool:
        return self.value <= self._same_unit(other).value

    def __gt__(self, other: "Measurement") -> bool:
        return self.value > self._same_unit(other).value

    def __ge__(self, other: "Measurement") -> bool:
        return self.value >= self._same_unit(other).value

    def __str__(self) -> str:
        return f"{self.value:,f} {self.unit}"

    def _same_unit(self, other: "Measurement") -> "Measurement":
        if not isinstance(other, Measurement):
            # TypeError, as Python gives for any unsupported operand: a bare number has no unit.
            raise TypeError(f"a measurement combines only with a measurement, not {type(other).__name__}")
        if other.unit != self.unit:
            raise InvalidValue(f"cannot combine {self.unit} with {other.unit}", field="unit")
        return other
