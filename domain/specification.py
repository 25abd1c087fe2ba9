"""The contract's quality specification, how two labs agree, which result is the basis, objection windows.

Pure policies: no I/O, no clock, no events. Decisions:

- Units: every figure of a parameter (target, limits, tolerance bands) is in the parameter's own unit, and
  a lab result must be in that unit too; nothing is converted. A standard's limit stated in another unit
  is converted once, by whoever configures the contract: GB/T 213's 300 J/g is 300 ÷ 4.1868 ≈ 71.7 kcal/kg,
  which a contract in kcal/kg states as 72 kcal/kg.
- Limits are inclusive, as contracts write them (Qnet,ar ≥ 5,500 kcal/kg, St,d ≤ 1.0 %): a result on the
  limit is within spec. Results are compared as reported, without rounding them first.
- Deviations are signed, value minus reference: 5,120 against a target of 5,500 kcal/kg is -380 kcal/kg.
  The deviation from the violated limit is given only for a result off spec.
- A comparison covers the specification's parameters. A result for a parameter the contract does not
  specify (labs report more, e.g. Had) is left out; a specified parameter the result lacks is listed as
  not tested, and a result with untested parameters does not show conformity.
- Tolerance bands: reproducibility may depend on the level (ash 0.30 / 0.50 / 0.70 % for Ad < 15 / 15-30 /
  > 30 %). Each band says up to which level it applies and whether that level itself belongs to it
  ("Ad < 15" excludes 15, "St,d ≤ 1.5" includes 1.5); the last band is open-ended.
- Two labs agree on a parameter when |a - b| ≤ the reproducibility ("differ by no more than"). The band is
  picked by the mean of the two results: the mean is how the standards state the level of a pair of
  results, it treats both labs alike (swapping them never changes the verdict), and it cannot be gamed
  by the lab whose own value would pick a wider band.
- The basis, per parameter: where the two labs agree, the mean of their two results, because within the
  reproducibility neither lab is more right than the other; where they disagree, the third party's result.
  The third party settles only the disputed parameters; what the labs agreed on stays agreed. A dispute
  without the third party's result for it has no basis yet (`CaseRuleViolation`). The basis covers only
  parameters both labs reported.
- Objection windows are counted as the law counts periods in days (PRC Civil Code arts. 201 and 203): the
  day of arrival is not counted, day 1 is the next day, and the window closes at midnight at the end of
  the last day, in the contract's local time (China Standard Time, UTC+8, unless configured). An objection
  raised exactly at that midnight is late. A last day that falls on a public holiday is not extended
  here: there is no holiday calendar yet, and a manager's override covers such a case.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone, tzinfo
from enum import Enum
from itertools import pairwise
from types import MappingProxyType

from domain.errors import CaseRuleViolation, InvalidValue, require_text
from domain.measurement import Measurement

CHINA_STANDARD_TIME = timezone(timedelta(hours=8), "CST")


class Conformity(Enum):
    WITHIN_SPEC = "within_spec"
    OFF_SPEC = "off_spec"


class Limit(Enum):
    LOWER = "lower"
    UPPER = "upper"


@dataclass(frozen=True)
class ToleranceBand:
    """The reproducibility for results up to a level; without `up_to`, for every level above the last band."""

    reproducibility: Measurement
    up_to: Measurement | None = None
    includes_up_to: bool = True

    def covers(self, level: Measurement) -> bool:
        if self.up_to is None:
            return True
        return level <= self.up_to if self.includes_up_to else level < self.up_to


@dataclass(frozen=True)
class ParameterVerdict:
    """One parameter of a result against the specification."""

    name: str
    value: Measurement
    conformity: Conformity
    deviation_from_target: Measurement | None
    violated_limit: Limit | None = None
    deviation_from_limit: Measurement | None = None

    @property
    def is_within_spec(self) -> bool:
        return self.conformity is Conformity.WITHIN_SPEC


@dataclass(frozen=True)
class ParameterSpec:
    """One parameter of a contract's quality specification, e.g. Qnet,ar ≥ 5,500 kcal/kg by GB/T 213."""

    name: str
    unit: str
    test_standard: str
    reproducibility: tuple[ToleranceBand, ...]
    target: Measurement | None = None
    lower_limit: Measurement | None = None
    upper_limit: Measurement | None = None
    # How long after sampling the result exists at all (cement's 28-day strength); None: as soon as tested.
    result_after: timedelta | None = None

    def __post_init__(self) -> None:
        require_text(self.name, "name", "name a parameter, e.g. Qnet,ar")
        require_text(self.test_standard, "test_standard", "name the test standard, e.g. GB/T 213")
        require_text(self.unit, "unit", "name the parameter's unit")
        for field in ("target", "lower_limit", "upper_limit"):
            self.require_unit(getattr(self, field), field)
        if self.result_after is not None and (
            not isinstance(self.result_after, timedelta) or self.result_after <= timedelta(0)
        ):
            raise InvalidValue(f"{self.name}: a result's delay after sampling is above zero", "result_after")
        self._check_limits()
        self._check_bands()

    def reproducibility_at(self, level: Measurement) -> Measurement:
        """The reproducibility limit of the band that covers `level`."""
        self.require_unit(level, "level")
        return next(band.reproducibility for band in self.reproducibility if band.covers(level))

    def check(self, value: Measurement) -> ParameterVerdict:
        """Whether `value` is within this parameter's limits, and how far it is from target and limit."""
        self.require_unit(value, f"values.{self.name}")
        from_target = value - self.target if self.target is not None else None
        if self.lower_limit is not None and value < self.lower_limit:
            return self._off_spec(value, from_target, Limit.LOWER, self.lower_limit)
        if self.upper_limit is not None and value > self.upper_limit:
            return self._off_spec(value, from_target, Limit.UPPER, self.upper_limit)
        return ParameterVerdict(self.name, value, Conformity.WITHIN_SPEC, from_target)

    def _off_spec(
        self, value: Measurement, from_target: Measurement | None, limit: Limit, limit_value: Measurement
    ) -> ParameterVerdict:
        return ParameterVerdict(
            self.name, value, Conformity.OFF_SPEC, from_target, limit, value - limit_value
        )

    def _check_limits(self) -> None:
        lower, upper, target = self.lower_limit, self.upper_limit, self.target
        if lower is None and upper is None:
            raise InvalidValue(f"{self.name} needs a lower or an upper limit", field="lower_limit")
        if lower is not None and upper is not None and not lower < upper:
            raise InvalidValue(
                f"{self.name}: the upper limit must be above the lower limit", field="upper_limit"
            )
        if target is not None and (
            (lower is not None and target < lower) or (upper is not None and target > upper)
        ):
            raise InvalidValue(f"{self.name}: the target must be within the limits", field="target")

    def _check_bands(self) -> None:
        bands = self.reproducibility
        if not bands:
            raise InvalidValue(f"{self.name} needs at least one tolerance band", field="reproducibility")
        for band in bands:
            self.require_unit(band.reproducibility, "reproducibility")
            self.require_unit(band.up_to, "reproducibility")
            if band.reproducibility.value <= 0:
                raise InvalidValue(
                    f"{self.name}: a reproducibility must be above zero", field="reproducibility"
                )
        if bands[-1].up_to is not None:
            raise InvalidValue(f"{self.name}: the last tolerance band is open-ended", field="reproducibility")
        levels = [band.up_to for band in bands[:-1] if band.up_to is not None]
        if len(levels) < len(bands) - 1 or any(not low < high for low, high in pairwise(levels)):
            raise InvalidValue(
                f"{self.name}: tolerance bands must be in ascending order, only the last one open-ended",
                field="reproducibility",
            )

    def require_unit(self, measurement: Measurement | None, field: str) -> None:
        """Refuse a measurement in another unit than this parameter's: nothing is converted."""
        if measurement is not None and measurement.unit != self.unit:
            raise InvalidValue(
                f"{self.name} is specified in {self.unit}, not {measurement.unit}", field=field
            )


@dataclass(frozen=True)
class QualitySpecification:
    """A contract's quality specification: its parameters, each named once."""

    parameters: tuple[ParameterSpec, ...]

    def __post_init__(self) -> None:
        if not self.parameters:
            raise InvalidValue("a specification needs at least one parameter", field="parameters")
        seen: set[str] = set()
        for parameter in self.parameters:
            if parameter.name in seen:
                raise InvalidValue(f"{parameter.name} is specified twice", field="parameters")
            seen.add(parameter.name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(parameter.name for parameter in self.parameters)

    @property
    def longest_result_delay(self) -> timedelta | None:
        """The longest time after sampling before a parameter's result exists; None if none waits."""
        return max((p.result_after for p in self.parameters if p.result_after is not None), default=None)

    def parameter(self, name: str) -> ParameterSpec:
        for parameter in self.parameters:
            if parameter.name == name:
                return parameter
        raise InvalidValue(f"the specification does not specify {name}", field="parameter")


@dataclass(frozen=True)
class ConformityReport:
    """A result set against a specification, parameter by parameter, in the specification's order."""

    verdicts: tuple[ParameterVerdict, ...]
    not_tested: tuple[str, ...]

    @property
    def off_spec(self) -> tuple[ParameterVerdict, ...]:
        return tuple(verdict for verdict in self.verdicts if not verdict.is_within_spec)

    @property
    def is_within_spec(self) -> bool:
        return not self.off_spec and not self.not_tested


def compare_with_spec(values: Mapping[str, Measurement], spec: QualitySpecification) -> ConformityReport:
    """Each specified parameter of `values` within or off spec; the specified ones `values` lacks."""
    verdicts = tuple(p.check(values[p.name]) for p in spec.parameters if p.name in values)
    not_tested = tuple(name for name in spec.names if name not in values)
    return ConformityReport(verdicts, not_tested)


@dataclass(frozen=True)
class LabResult:
    """One inspection's results by parameter name, from one lab (a company, never a person)."""

    inspection_id: str
    lab: str
    values: Mapping[str, Measurement]

    def __post_init__(self) -> None:
        require_text(self.inspection_id, "inspection_id", "name the inspection")
        require_text(self.lab, "lab", "name the lab")
        # A copy, so that the caller's dict changing later cannot change a recorded result.
        object.__setattr__(self, "values", MappingProxyType(dict(self.values)))


@dataclass(frozen=True)
class ParameterAgreement:
    """Two labs on one parameter: their difference against the reproducibility at their mean level."""

    name: str
    difference: Measurement
    level: Measurement
    reproducibility: Measurement

    @property
    def agrees(self) -> bool:
        return self.difference <= self.reproducibility


def labs_agree(a: LabResult, b: LabResult, spec: QualitySpecification) -> tuple[ParameterAgreement, ...]:
    """For each specified parameter both labs report, whether they agree within its reproducibility."""
    return tuple(_agreement(p, a.values[p.name], b.values[p.name]) for p in _reported_by_both(a, b, spec))


def disputed_parameters(a: LabResult, b: LabResult, spec: QualitySpecification) -> tuple[str, ...]:
    """The parameters on which the two labs disagree: what a third-party re-inspection must settle."""
    return tuple(agreement.name for agreement in labs_agree(a, b, spec) if not agreement.agrees)


class BasisSource(Enum):
    MEAN_OF_AGREEING_LABS = "mean_of_agreeing_labs"
    THIRD_PARTY = "third_party"


@dataclass(frozen=True)
class BasisValue:
    value: Measurement
    source: BasisSource
    inspection_ids: tuple[str, ...]


@dataclass(frozen=True)
class BasisResult:
    """The result a settlement is based on, parameter by parameter, with where each value comes from."""

    by_parameter: Mapping[str, BasisValue]

    @property
    def values(self) -> dict[str, Measurement]:
        return {name: basis.value for name, basis in self.by_parameter.items()}

    @property
    def inspection_ids(self) -> tuple[str, ...]:
        """Every inspection the basis rests on, sorted so that the same basis always lists them alike."""
        return tuple(sorted({id_ for basis in self.by_parameter.values() for id_ in basis.inspection_ids}))


def basis_result(
    a: LabResult, b: LabResult, spec: QualitySpecification, third_party: LabResult | None = None
) -> BasisResult:
    """The basis: the mean where the two labs agree, the third party's result where they disagree."""
    by_parameter: dict[str, BasisValue] = {}
    for agreement in labs_agree(a, b, spec):
        if agreement.agrees:
            ids = (a.inspection_id, b.inspection_id)
            by_parameter[agreement.name] = BasisValue(agreement.level, BasisSource.MEAN_OF_AGREEING_LABS, ids)
        else:
            by_parameter[agreement.name] = _third_party_value(agreement.name, third_party)
    return BasisResult(MappingProxyType(by_parameter))


def _third_party_value(name: str, third_party: LabResult | None) -> BasisValue:
    if third_party is None or name not in third_party.values:
        raise CaseRuleViolation(
            f"the labs disagree on {name}: the basis needs a third-party re-inspection of {name}",
            field="third_party",
        )
    return BasisValue(third_party.values[name], BasisSource.THIRD_PARTY, (third_party.inspection_id,))


def _reported_by_both(a: LabResult, b: LabResult, spec: QualitySpecification) -> list[ParameterSpec]:
    return [p for p in spec.parameters if p.name in a.values and p.name in b.values]


def _agreement(parameter: ParameterSpec, a: Measurement, b: Measurement) -> ParameterAgreement:
    parameter.require_unit(a, f"values.{parameter.name}")
    parameter.require_unit(b, f"values.{parameter.name}")
    level = Measurement((a.value + b.value) / 2, parameter.unit)
    return ParameterAgreement(parameter.name, abs(a - b), level, parameter.reproducibility_at(level))


class ObjectionKind(Enum):
    QUALITY = "quality"
    QUANTITY = "quantity"


@dataclass(frozen=True)
class ObjectionWindows:
    """How many days after arrival the contract allows a quality or a quantity objection."""

    quality_days: int
    quantity_days: int
    local_zone: tzinfo = CHINA_STANDARD_TIME

    def __post_init__(self) -> None:
        for field in ("quality_days", "quantity_days"):
            days = getattr(self, field)
            if isinstance(days, bool) or not isinstance(days, int) or days < 1:
                raise InvalidValue("a window is a whole number of days, at least 1", field=field)

    def closes_at(self, kind: ObjectionKind, arrived_at: datetime) -> datetime:
        """The first instant at which an objection of `kind` is late: midnight after the window's last day."""
        _require_aware(arrived_at, "arrived_at")
        days = self.quality_days if kind is ObjectionKind.QUALITY else self.quantity_days
        arrival_day = arrived_at.astimezone(self.local_zone).date()
        return datetime.combine(arrival_day + timedelta(days=days + 1), time(0), tzinfo=self.local_zone)

    def is_late(self, kind: ObjectionKind, arrived_at: datetime, raised_at: datetime) -> bool:
        _require_aware(raised_at, "raised_at")
        return raised_at >= self.closes_at(kind, arrived_at)


def _require_aware(moment: datetime, field: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidValue(f"{field} must carry its timezone", field=field)
