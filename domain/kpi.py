"""The after-sales KPIs: what each one counts, over plain rows, for a period and a dimension.

Every KPI is a ratio: a numerator, a denominator and the rate, rounded half up to one decimal (0.1 % for
a percentage), None when the denominator is 0 (nothing to measure is not 0 % and not 100 %). Pure: the
rows, the period and the moment of the ages are arguments; the read model's queries
(projections/kpi_queries.py) and the event store's replay both produce the rows.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum
from typing import Protocol, TypeVar
from zoneinfo import ZoneInfo

from domain.errors import InvalidValue

# The business keeps its books in China time: a month starts at midnight in Shanghai.
BUSINESS_ZONE = ZoneInfo("Asia/Shanghai")

_TENTH = Decimal("0.1")
_HUNDRED = Decimal(100)
# Satisfied is a rating of 4 or 5 on the 1-to-5 scale of domain/followup.py.
SATISFIED_FROM = 4
# The case types that are no complaint: a question about how to use the product.
NOT_COMPLAINTS = frozenset({"technical_consultation"})


class Dimension(Enum):
    """What a KPI is broken down by."""

    PRODUCT = "product"
    REGION = "region"
    DEPARTMENT = "department"
    ROOT_CAUSE = "root_cause"
    MONTH = "month"


class Kpi(Enum):
    SATISFACTION = "satisfaction"
    ON_TIME_RESPOND = "on_time_respond"
    ON_TIME_ON_SITE = "on_time_on_site"
    ON_TIME_FIX = "on_time_fix"
    ON_TIME_SIGNED_RECORD = "on_time_signed_record"
    FIRST_VISIT_FIX = "first_visit_fix"
    COMPLAINTS_PER_CUSTOMER = "complaints_per_customer"
    COMPLAINTS_PER_10000_T = "complaints_per_10000_t"
    RETURN_RATE = "return_rate"
    OPEN_0_1_D = "open_cases_0_1_d"
    OPEN_1_7_D = "open_cases_1_7_d"
    OPEN_7_30_D = "open_cases_7_30_d"
    OPEN_OVER_30_D = "open_cases_over_30_d"


# -- the period ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A calendar month (`2026-10`) or year (`2026`) in the business's zone; `end` is exclusive."""

    label: str
    start: datetime
    end: datetime
    zone: ZoneInfo = BUSINESS_ZONE

    @classmethod
    def parse(cls, text: str, zone: ZoneInfo = BUSINESS_ZONE) -> "Period":
        parts = text.strip().split("-")
        try:
            if len(parts) == 1 and len(parts[0]) == 4:
                year = int(parts[0])
                return cls(
                    text.strip(),
                    datetime(year, 1, 1, tzinfo=zone),
                    datetime(year + 1, 1, 1, tzinfo=zone),
                    zone,
                )
            if len(parts) == 2 and len(parts[0]) == 4 and len(parts[1]) == 2:
                year, month = int(parts[0]), int(parts[1])
                start = datetime(year, month, 1, tzinfo=zone)
                end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=zone)
                return cls(text.strip(), start, end, zone)
        except ValueError:
            pass
        raise InvalidValue(f"period is a month like 2026-10 or a year like 2026, not {text!r}", "period")

    def holds(self, at: datetime | None) -> bool:
        return at is not None and self.start <= at < self.end

    def month_of(self, at: datetime) -> str:
        return at.astimezone(self.zone).strftime("%Y-%m")


# -- the rows -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Facets:
    """Where a row falls in each dimension; None when it has no value there (a case not yet assigned to
    a department, an objection without a root cause, a case about no installed unit)."""

    product: str | None = None
    region: str | None = None
    department: str | None = None
    root_cause: str | None = None
    month: str | None = None

    def of(self, dimension: Dimension) -> str | None:
        value: str | None = getattr(self, dimension.value)
        return value


class Row(Protocol):
    @property
    def facets(self) -> Facets: ...


R = TypeVar("R", bound=Row)


class Keep(Protocol):
    """Keeps the rows of one group."""

    def __call__(self, rows: Sequence[R]) -> list[R]: ...


@dataclass(frozen=True)
class Rating:
    """A customer's rating of a closed case's follow-up, placed in the month it was given."""

    rating: int
    facets: Facets


@dataclass(frozen=True)
class StoppedClock:
    """A service clock that stopped (its commitment met or missed), placed in the month it stopped."""

    clock: str
    is_met: bool
    facets: Facets


@dataclass(frozen=True)
class FixedRepair:
    """A repair fixed on site, placed in the month it was fixed; `fixed_visit` counts from 1."""

    fixed_visit: int
    facets: Facets


@dataclass(frozen=True)
class Complaint:
    """A case other than a technical consultation, placed in the month the customer raised it."""

    customer_id: str
    product: str
    facets: Facets


@dataclass(frozen=True)
class Shipped:
    """A shipment dispatched in the period. Shipments know their product and month, nothing else."""

    customer_id: str
    product: str
    quantity: Decimal
    unit: str
    facets: Facets


@dataclass(frozen=True)
class ReturnApplied:
    """A return or exchange the customer applied for in the period, placed in the month applied."""

    facets: Facets


@dataclass(frozen=True)
class OpenCase:
    """A case opened before the moment of the ages and not closed or withdrawn by then; its month is the
    month of that moment, not of its opening."""

    opened_at: datetime
    facets: Facets


# A shipment has no department, region or root cause: broken down by those, its side counts whole.
SHIPMENT_DIMENSIONS = frozenset({Dimension.PRODUCT, Dimension.MONTH})


@dataclass(frozen=True)
class KpiFacts:
    """Everything the KPIs of one period are computed from; `aged_at` is when open cases' ages are taken:
    the period's end, or now while the period runs."""

    period: Period
    aged_at: datetime
    ratings: Sequence[Rating] = ()
    clocks: Sequence[StoppedClock] = ()
    repairs: Sequence[FixedRepair] = ()
    complaints: Sequence[Complaint] = ()
    shipments: Sequence[Shipped] = ()
    returns: Sequence[ReturnApplied] = ()
    open_cases: Sequence[OpenCase] = ()


# -- the definitions ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ratio:
    numerator: Decimal
    denominator: Decimal
    rate: Decimal | None


def ratio(numerator: Decimal | int, denominator: Decimal | int, scale: Decimal | int = _HUNDRED) -> Ratio:
    """numerator ÷ denominator x scale, rounded half up to 0.1; None when the denominator is 0."""
    top, bottom = Decimal(numerator), Decimal(denominator)
    rate = None if bottom == 0 else (top / bottom * Decimal(scale)).quantize(_TENTH, ROUND_HALF_UP)
    return Ratio(top, bottom, rate)


def satisfaction_rate(ratings: Iterable[Rating]) -> Ratio:
    """Satisfaction rate (满意率) = ratings of 4 or 5 ÷ all ratings given in the period, in %."""
    given = [r.rating for r in ratings]
    return ratio(sum(1 for r in given if r >= SATISFIED_FROM), len(given))


def on_time_rate(clocks: Iterable[StoppedClock], clock: str) -> Ratio:
    """On-time rate of one commitment (按时率) = its clocks that stopped in the period with the commitment
    met ÷ its clocks that stopped in the period, in %. A clock still running counts once it stops."""
    stopped = [c for c in clocks if c.clock == clock]
    return ratio(sum(1 for c in stopped if c.is_met), len(stopped))


def first_visit_fix_rate(repairs: Iterable[FixedRepair]) -> Ratio:
    """First-visit fix rate (一次修复率) = repairs fixed on the first visit ÷ repairs fixed in the period."""
    fixed = list(repairs)
    return ratio(sum(1 for r in fixed if r.fixed_visit == 1), len(fixed))


def complaints_per_customer(complaints: Iterable[Complaint], shipments: Iterable[Shipped]) -> Ratio:
    """Complaint rate per customer (客户投诉率) = complaints raised in the period ÷ the customers served in
    it (distinct customers of the shipments dispatched in the period), in %. Over 100 % means more than
    one complaint per customer served."""
    return ratio(len(list(complaints)), len({s.customer_id for s in shipments}))


def complaints_per_10000_t(complaints: Iterable[Complaint], shipments: Iterable[Shipped]) -> Ratio:
    """Complaints per 10,000 t (万吨投诉率) = complaints raised in the period about bulk products ÷ the
    tonnes shipped in the period x 10,000. Bulk products are those shipped in tonnes (unit `t`) in the
    period; shipments in other units count neither side."""
    in_tonnes = [s for s in shipments if s.unit == "t"]
    bulk = {s.product for s in in_tonnes}
    about_bulk = sum(1 for c in complaints if c.product in bulk)
    return ratio(about_bulk, sum((s.quantity for s in in_tonnes), Decimal(0)), 10_000)


def return_rate(returns: Iterable[ReturnApplied], shipments: Iterable[Shipped]) -> Ratio:
    """Return rate (退货率) = returns applied for in the period ÷ shipments dispatched in it, in %.
    Shipments, not quantities: they come in tonnes, bags and pieces, and a return is of one shipment."""
    return ratio(len(list(returns)), len(list(shipments)))


class AgeBucket(Enum):
    """How long an open case has been open; the lower bound belongs to the bucket."""

    UP_TO_1_D = (Kpi.OPEN_0_1_D, timedelta(0), timedelta(days=1))
    UP_TO_7_D = (Kpi.OPEN_1_7_D, timedelta(days=1), timedelta(days=7))
    UP_TO_30_D = (Kpi.OPEN_7_30_D, timedelta(days=7), timedelta(days=30))
    OVER_30_D = (Kpi.OPEN_OVER_30_D, timedelta(days=30), None)

    def holds(self, age: timedelta) -> bool:
        _, low, high = self.value
        return age >= low and (high is None or age < high)


def age_bucket(opened_at: datetime, aged_at: datetime) -> AgeBucket:
    age = max(aged_at - opened_at, timedelta(0))
    return next(bucket for bucket in AgeBucket if bucket.holds(age))


def open_cases_aged(open_cases: Iterable[OpenCase], bucket: AgeBucket, aged_at: datetime) -> Ratio:
    """Open cases by age (未结案件账龄) = the cases open at the period's end (or now, while it runs) that
    have been open 0-1 d, 1-7 d, 7-30 d or over 30 d ÷ all those open cases; the rate is the bucket's
    share in %."""
    still_open = list(open_cases)
    return ratio(sum(1 for c in still_open if age_bucket(c.opened_at, aged_at) is bucket), len(still_open))


# -- the report ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KpiRow:
    kpi: Kpi
    group: str | None  # the dimension's value; None for "none" (or every row when not broken down)
    ratio: Ratio


_CLOCKS = {
    Kpi.ON_TIME_RESPOND: "respond",
    Kpi.ON_TIME_ON_SITE: "on_site",
    Kpi.ON_TIME_FIX: "fix",
    Kpi.ON_TIME_SIGNED_RECORD: "signed_record",
}
_BUCKETS = {bucket.value[0]: bucket for bucket in AgeBucket}


def _measure(kpi: Kpi, facts: KpiFacts, keep: Keep) -> Ratio:
    """The KPI's definition over the rows `keep` keeps."""
    if kpi is Kpi.SATISFACTION:
        return satisfaction_rate(keep(facts.ratings))
    if kpi in _CLOCKS:
        return on_time_rate(keep(facts.clocks), _CLOCKS[kpi])
    if kpi is Kpi.FIRST_VISIT_FIX:
        return first_visit_fix_rate(keep(facts.repairs))
    if kpi is Kpi.COMPLAINTS_PER_CUSTOMER:
        return complaints_per_customer(keep(facts.complaints), keep(facts.shipments))
    if kpi is Kpi.COMPLAINTS_PER_10000_T:
        return complaints_per_10000_t(keep(facts.complaints), keep(facts.shipments))
    if kpi is Kpi.RETURN_RATE:
        return return_rate(keep(facts.returns), keep(facts.shipments))
    return open_cases_aged(keep(facts.open_cases), _BUCKETS[kpi], facts.aged_at)


def _every(rows: Sequence[R]) -> list[R]:
    return list(rows)


def _rows_of_group(dimension: Dimension, group: str | None) -> Keep:
    def keep(rows: Sequence[R]) -> list[R]:
        return [
            row
            for row in rows
            if row.facets.of(dimension) == group
            or (isinstance(row, Shipped) and dimension not in SHIPMENT_DIMENSIONS)
        ]

    return keep


def _groups(facts: KpiFacts, dimension: Dimension) -> list[str | None]:
    every: list[Sequence[Row]] = [
        facts.ratings,
        facts.clocks,
        facts.repairs,
        facts.complaints,
        facts.returns,
        facts.open_cases,
    ]
    if dimension in SHIPMENT_DIMENSIONS:
        every.append(facts.shipments)
    values = {row.facets.of(dimension) for rows in every for row in rows}
    return sorted(values, key=lambda value: (value is None, value or ""))


def kpi_report(facts: KpiFacts, by: Dimension | None = None) -> list[KpiRow]:
    """Every KPI of the period, whole or broken down by `by`: one row per KPI and group, the groups in
    order (a missing value last). A group counts the rows that fall in it on both sides of the ratio,
    except that shipments count whole where they have no value (department, region, root cause)."""
    if by is None:
        return [KpiRow(kpi, None, _measure(kpi, facts, _every)) for kpi in Kpi]
    groups = _groups(facts, by)
    return [
        KpiRow(kpi, group, _measure(kpi, facts, _rows_of_group(by, group))) for kpi in Kpi for group in groups
    ]
