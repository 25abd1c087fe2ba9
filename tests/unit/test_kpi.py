"""The KPI definitions over plain rows: zero denominators, rounding, the age buckets, the period, and the
breakdown by a dimension."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from domain.errors import InvalidValue
from domain.kpi import (
    BUSINESS_ZONE,
    AgeBucket,
    Complaint,
    Dimension,
    Facets,
    FixedRepair,
    Kpi,
    KpiFacts,
    OpenCase,
    Period,
    Rating,
    ReturnApplied,
    Shipped,
    StoppedClock,
    age_bucket,
    complaints_per_10000_t,
    complaints_per_customer,
    first_visit_fix_rate,
    kpi_report,
    on_time_rate,
    open_cases_aged,
    ratio,
    return_rate,
    satisfaction_rate,
)
from domain.kpi_labels import Language, report_lines

COAL, CEMENT, CABLE = "Thermal coal Q5500", "Cement P·O 42.5", "Mining cable"
OCTOBER = Period.parse("2026-10")
END = OCTOBER.end


def where(product: str = COAL, **facets: str | None) -> Facets:
    return Facets(product=product, month="2026-10", **facets)


def shipped(customer: str, product: str, quantity: str, unit: str = "t") -> Shipped:
    return Shipped(customer, product, Decimal(quantity), unit, Facets(product=product, month="2026-10"))


@pytest.mark.parametrize(
    ("numerator", "denominator", "scale", "rate"),
    [
        (0, 0, 100, None),
        (0, 3, 100, Decimal("0.0")),
        (2, 3, 100, Decimal("66.7")),
        (1, 3, 100, Decimal("33.3")),
        (1, 8, 100, Decimal("12.5")),
        (1, 16, 100, Decimal("6.3")),  # 6.25: half up
        (3, 3, 100, Decimal("100.0")),
        (1, Decimal("2500"), 10_000, Decimal("4.0")),
    ],
)
def test_a_rate_is_rounded_half_up_to_a_tenth_and_none_without_a_denominator(
    numerator, denominator, scale, rate
):
    assert ratio(numerator, denominator, scale).rate == rate


def test_satisfaction_counts_ratings_of_4_and_5():
    ratings = [Rating(r, where()) for r in (5, 4, 3, 1)]

    assert satisfaction_rate(ratings) == ratio(2, 4)
    assert satisfaction_rate([]).rate is None


def test_on_time_is_per_commitment_over_the_clocks_that_stopped():
    clocks = [
        StoppedClock("respond", True, where()),
        StoppedClock("respond", False, where()),
        StoppedClock("respond", True, where()),
        StoppedClock("fix", False, where()),
    ]

    assert on_time_rate(clocks, "respond").rate == Decimal("66.7")
    assert on_time_rate(clocks, "fix").rate == Decimal("0.0")
    assert on_time_rate(clocks, "on_site").rate is None


def test_first_visit_fix_counts_repairs_fixed_on_visit_1():
    assert first_visit_fix_rate([FixedRepair(1, where()), FixedRepair(2, where())]).rate == Decimal("50.0")


def test_complaints_per_customer_divides_by_the_customers_served():
    complaints = [
        Complaint("C1", COAL, where()),
        Complaint("C1", COAL, where()),
        Complaint("C3", COAL, where()),
    ]
    shipments = [shipped("C1", COAL, "100"), shipped("C1", COAL, "50"), shipped("C2", CEMENT, "80")]

    assert complaints_per_customer(complaints, shipments) == ratio(3, 2)
    assert complaints_per_customer(complaints, []).rate is None


def test_complaints_per_10000_t_count_only_bulk_products_and_tonnes():
    complaints = [Complaint("C1", COAL, where()), Complaint("C2", CABLE, where(CABLE))]
    shipments = [shipped("C1", COAL, "2500"), shipped("C2", CABLE, "40", unit="drum")]

    found = complaints_per_10000_t(complaints, shipments)

    assert (found.numerator, found.denominator, found.rate) == (1, 2500, Decimal("4.0"))
    assert complaints_per_10000_t(complaints, [shipped("C2", CABLE, "40", unit="drum")]).rate is None


def test_the_return_rate_is_per_shipment():
    returns = [ReturnApplied(where())]
    assert return_rate(returns, [shipped("C1", COAL, "1"), shipped("C2", COAL, "9")]).rate == Decimal("50.0")
    assert return_rate(returns, []).rate is None


@pytest.mark.parametrize(
    ("age", "bucket"),
    [
        (timedelta(0), AgeBucket.UP_TO_1_D),
        (timedelta(hours=23, minutes=59), AgeBucket.UP_TO_1_D),
        (timedelta(days=1), AgeBucket.UP_TO_7_D),
        (timedelta(days=6, hours=23), AgeBucket.UP_TO_7_D),
        (timedelta(days=7), AgeBucket.UP_TO_30_D),
        (timedelta(days=30), AgeBucket.OVER_30_D),
        (timedelta(days=400), AgeBucket.OVER_30_D),
    ],
)
def test_an_open_case_falls_in_the_bucket_whose_lower_bound_it_reached(age, bucket):
    assert age_bucket(END - age, END) is bucket


def test_open_cases_by_age_are_shares_of_the_cases_open_at_the_end():
    open_cases = [OpenCase(END - timedelta(days=d), where()) for d in (0.5, 3, 3, 45)]

    assert open_cases_aged(open_cases, AgeBucket.UP_TO_7_D, END) == ratio(2, 4)
    assert open_cases_aged(open_cases, AgeBucket.UP_TO_30_D, END).rate == Decimal("0.0")
    assert open_cases_aged([], AgeBucket.OVER_30_D, END).rate is None


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2026-10", datetime(2026, 10, 1, tzinfo=BUSINESS_ZONE), datetime(2026, 11, 1, tzinfo=BUSINESS_ZONE)),
        ("2026-12", datetime(2026, 12, 1, tzinfo=BUSINESS_ZONE), datetime(2027, 1, 1, tzinfo=BUSINESS_ZONE)),
        ("2026", datetime(2026, 1, 1, tzinfo=BUSINESS_ZONE), datetime(2027, 1, 1, tzinfo=BUSINESS_ZONE)),
    ],
)
def test_a_period_is_a_month_or_a_year_in_shanghai(text, start, end):
    period = Period.parse(text)

    assert (period.start, period.end) == (start, end)
    # Midnight in Shanghai is 16:00 UTC the day before: that evening belongs to the new month.
    assert period.month_of(datetime.fromisoformat("2026-09-30T16:30:00+00:00")) == "2026-10"


@pytest.mark.parametrize("text", ["2026-13", "2026-1", "26-10", "October", "", "2026-10-01", "2026-00"])
def test_a_malformed_period_is_refused_naming_the_period(text):
    with pytest.raises(InvalidValue) as refused:
        Period.parse(text)
    assert refused.value.field == "period"


def test_a_breakdown_counts_each_group_and_shipments_whole_where_they_have_no_value():
    facts = KpiFacts(
        period=OCTOBER,
        aged_at=END,
        complaints=[
            Complaint("C1", COAL, where(department="QC lab")),
            Complaint("C2", CEMENT, where(CEMENT, department=None)),
        ],
        shipments=[shipped("C1", COAL, "2500"), shipped("C2", CEMENT, "2500")],
    )

    by_product = {(r.kpi, r.group): r.ratio for r in kpi_report(facts, Dimension.PRODUCT)}
    by_department = {(r.kpi, r.group): r.ratio for r in kpi_report(facts, Dimension.DEPARTMENT)}

    assert by_product[Kpi.COMPLAINTS_PER_10000_T, COAL].rate == Decimal("4.0")
    assert by_product[Kpi.COMPLAINTS_PER_CUSTOMER, CEMENT] == ratio(1, 1)
    assert by_department[Kpi.COMPLAINTS_PER_CUSTOMER, "QC lab"] == ratio(1, 2)
    assert by_department[Kpi.COMPLAINTS_PER_CUSTOMER, None] == ratio(1, 2)  # not yet assigned: listed last
    assert [r.group for r in kpi_report(facts, Dimension.DEPARTMENT)][:2] == ["QC lab", None]


def test_the_report_is_labelled_in_either_language_with_empty_cells_for_no_rate():
    rows = kpi_report(KpiFacts(period=OCTOBER, aged_at=END, ratings=[Rating(5, where())]), None)

    english = report_lines(rows, None, Language.EN)
    chinese = report_lines(rows, Dimension.PRODUCT, Language.ZH_CN)

    assert english[0] == ["KPI", "Numerator", "Denominator", "Rate", "Unit"]
    assert english[1] == ["Satisfaction rate", "1", "1", "100.0", "%"]
    assert english[2] == ["On-time rate: respond", "0", "0", "", "%"]
    assert chinese[0] == ["指标", "产品", "分子", "分母", "比率", "单位"]
    assert chinese[1][:2] == ["满意率", "(无)"]
    assert len(english) == 1 + len(Kpi)
