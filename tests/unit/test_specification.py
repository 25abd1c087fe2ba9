"""The contract's quality specification, two labs against each other, the basis result, objection windows.

The specifications below are the examples of DOMAIN.md ("Typical contract specifications"); the
reproducibility limits of moisture, volatile matter and cement are example values, not quoted from the
standards.
"""

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from domain.errors import CaseRuleViolation, InvalidValue
from domain.measurement import Measurement
from domain.specification import (
    BasisSource,
    Conformity,
    LabResult,
    Limit,
    ObjectionKind,
    ObjectionWindows,
    ParameterSpec,
    QualitySpecification,
    ToleranceBand,
    basis_result,
    compare_with_spec,
    disputed_parameters,
    labs_agree,
)


def kcal(value: str) -> Measurement:
    return Measurement(Decimal(value), "kcal/kg")


def percent(value: str) -> Measurement:
    return Measurement(Decimal(value), "%")


def mpa(value: str) -> Measurement:
    return Measurement(Decimal(value), "MPa")


def minutes(value: str) -> Measurement:
    return Measurement(Decimal(value), "min")


# GB/T 213 gives 300 J/g; 300 J/g ÷ 4.1868 J/cal ≈ 71.7 kcal/kg, which the contract states as 72 kcal/kg.
CALORIFIC_VALUE = ParameterSpec(
    name="Qnet,ar",
    unit="kcal/kg",
    test_standard="GB/T 213",
    reproducibility=(ToleranceBand(kcal("72")),),
    target=kcal("5500"),
    lower_limit=kcal("5500"),
)
ASH = ParameterSpec(
    name="Ad",
    unit="%",
    test_standard="GB/T 212",
    reproducibility=(
        ToleranceBand(percent("0.30"), up_to=percent("15"), includes_up_to=False),
        ToleranceBand(percent("0.50"), up_to=percent("30")),
        ToleranceBand(percent("0.70")),
    ),
    upper_limit=percent("20"),
)
SULPHUR = ParameterSpec(
    name="St,d",
    unit="%",
    test_standard="GB/T 214",
    reproducibility=(
        ToleranceBand(percent("0.10"), up_to=percent("1.5")),
        ToleranceBand(percent("0.20"), up_to=percent("4")),
        ToleranceBand(percent("0.30")),
    ),
    upper_limit=percent("1.0"),
)
THERMAL_COAL = QualitySpecification(
    (
        CALORIFIC_VALUE,
        ParameterSpec("Mt", "%", "GB/T 211", (ToleranceBand(percent("0.5")),), upper_limit=percent("12")),
        ASH,
        SULPHUR,
        ParameterSpec(
            "Vdaf",
            "%",
            "GB/T 212",
            (ToleranceBand(percent("1.0")),),
            lower_limit=percent("28"),
            upper_limit=percent("37"),
        ),
    )
)
CEMENT_PO_42_5 = QualitySpecification(
    (
        ParameterSpec("R28", "MPa", "GB/T 17671", (ToleranceBand(mpa("2.5")),), lower_limit=mpa("42.5")),
        ParameterSpec("R3", "MPa", "GB/T 17671", (ToleranceBand(mpa("1.5")),), lower_limit=mpa("17.0")),
        ParameterSpec(
            "initial setting", "min", "GB/T 1346", (ToleranceBand(minutes("15")),), lower_limit=minutes("45")
        ),
        ParameterSpec("SO3", "%", "GB/T 176", (ToleranceBand(percent("0.15")),), upper_limit=percent("3.5")),
    )
)

SUPPLIER_LAB = LabResult(
    inspection_id="INS-SUP-1",
    lab="supplier lab",
    values={
        "Qnet,ar": kcal("5480"),
        "Mt": percent("10.2"),
        "Ad": percent("18.6"),
        "St,d": percent("1.08"),
        "Vdaf": percent("31.0"),
    },
)
CUSTOMER_LAB = LabResult(
    inspection_id="INS-CUS-1",
    lab="customer lab",
    values={
        "Qnet,ar": kcal("5120"),
        "Mt": percent("10.5"),
        "Ad": percent("19.0"),
        "St,d": percent("1.16"),
        "Vdaf": percent("30.6"),
    },
)
THIRD_PARTY_LAB = LabResult(
    inspection_id="INS-CCIC-1", lab="CCIC re-inspection", values={"Qnet,ar": kcal("5210")}
)


# -- the specification refuses what no contract means --------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "rule"),
    [
        ({"name": ""}, "name", "name a parameter"),
        ({"test_standard": " "}, "test_standard", "test standard"),
        ({"unit": ""}, "unit", "unit"),
        ({"lower_limit": None}, "lower_limit", "lower or an upper limit"),
        ({"upper_limit": kcal("5500")}, "upper_limit", "above the lower limit"),
        ({"upper_limit": kcal("5400")}, "upper_limit", "above the lower limit"),
        ({"target": kcal("5400")}, "target", "within the limits"),
        ({"target": Measurement(Decimal("23.0"), "MJ/kg")}, "target", "in kcal/kg"),
        ({"lower_limit": Measurement(Decimal("23.0"), "MJ/kg")}, "lower_limit", "in kcal/kg"),
        ({"reproducibility": ()}, "reproducibility", "at least one tolerance band"),
        (
            {"reproducibility": (ToleranceBand(Measurement(Decimal("300"), "J/g")),)},
            "reproducibility",
            "in kcal/kg",
        ),
        ({"reproducibility": (ToleranceBand(kcal("0")),)}, "reproducibility", "above zero"),
        (
            {"reproducibility": (ToleranceBand(kcal("72"), up_to=kcal("6000")),)},
            "reproducibility",
            "last tolerance band is open-ended",
        ),
        (
            {
                "reproducibility": (
                    ToleranceBand(kcal("60"), up_to=kcal("6000")),
                    ToleranceBand(kcal("70"), up_to=kcal("5000")),
                    ToleranceBand(kcal("80")),
                )
            },
            "reproducibility",
            "ascending",
        ),
        (
            {"reproducibility": (ToleranceBand(kcal("60")), ToleranceBand(kcal("70")))},
            "reproducibility",
            "ascending",
        ),
        (
            {"reproducibility": (ToleranceBand(kcal("60"), up_to=Measurement(Decimal("1"), "J/g")),)},
            "reproducibility",
            "in kcal/kg",
        ),
    ],
)
def test_a_parameter_spec_refuses_what_no_contract_means(
    changes: dict[str, object], field: str, rule: str
) -> None:
    arguments: dict[str, object] = {
        "name": "Qnet,ar",
        "unit": "kcal/kg",
        "test_standard": "GB/T 213",
        "reproducibility": (ToleranceBand(kcal("72")),),
        "target": kcal("5500"),
        "lower_limit": kcal("5500"),
    }
    arguments.update(changes)
    if field == "lower_limit" and changes["lower_limit"] is None:
        arguments["target"] = None

    with pytest.raises(InvalidValue, match=rule) as refused:
        ParameterSpec(**arguments)  # type: ignore[arg-type]

    assert refused.value.field == field


def test_a_target_may_sit_on_a_limit_and_a_range_has_two_limits() -> None:
    assert CALORIFIC_VALUE.target == CALORIFIC_VALUE.lower_limit
    assert THERMAL_COAL.parameter("Vdaf").lower_limit == percent("28")
    assert THERMAL_COAL.parameter("Vdaf").upper_limit == percent("37")


def test_a_specification_names_each_parameter_once() -> None:
    with pytest.raises(InvalidValue, match="Qnet,ar is specified twice") as refused:
        QualitySpecification((CALORIFIC_VALUE, ASH, CALORIFIC_VALUE))

    assert refused.value.field == "parameters"


def test_a_specification_has_at_least_one_parameter() -> None:
    with pytest.raises(InvalidValue, match="at least one parameter") as refused:
        QualitySpecification(())

    assert refused.value.field == "parameters"


def test_a_specification_finds_a_parameter_by_name_and_refuses_an_unknown_one() -> None:
    assert THERMAL_COAL.parameter("St,d") is SULPHUR
    assert THERMAL_COAL.names == ("Qnet,ar", "Mt", "Ad", "St,d", "Vdaf")

    with pytest.raises(InvalidValue, match="does not specify Std") as refused:
        THERMAL_COAL.parameter("Std")

    assert refused.value.field == "parameter"


# -- tolerance bands ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("parameter", "level", "reproducibility"),
    [
        (ASH, "8.0", "0.30"),
        (ASH, "14.99", "0.30"),
        (ASH, "15", "0.50"),  # "Ad < 15": 15 itself belongs to the middle band
        (ASH, "30", "0.50"),
        (ASH, "30.01", "0.70"),
        (SULPHUR, "1.5", "0.10"),  # "St,d ≤ 1.5": 1.5 itself belongs to the first band
        (SULPHUR, "1.51", "0.20"),
        (SULPHUR, "4", "0.20"),
        (SULPHUR, "4.2", "0.30"),
    ],
)
def test_the_reproducibility_depends_on_the_level_band(
    parameter: ParameterSpec, level: str, reproducibility: str
) -> None:
    assert parameter.reproducibility_at(percent(level)) == percent(reproducibility)


def test_a_single_band_applies_at_every_level() -> None:
    assert CALORIFIC_VALUE.reproducibility_at(kcal("3000")) == kcal("72")
    assert CALORIFIC_VALUE.reproducibility_at(kcal("7000")) == kcal("72")


# -- a result against the specification --------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value", "conformity", "from_target", "limit", "from_limit"),
    [
        ("Qnet,ar", kcal("5120"), Conformity.OFF_SPEC, kcal("-380"), Limit.LOWER, kcal("-380")),
        ("Qnet,ar", kcal("5500"), Conformity.WITHIN_SPEC, kcal("0"), None, None),
        ("Qnet,ar", kcal("5630"), Conformity.WITHIN_SPEC, kcal("130"), None, None),
        ("St,d", percent("1.0"), Conformity.WITHIN_SPEC, None, None, None),
        ("St,d", percent("1.16"), Conformity.OFF_SPEC, None, Limit.UPPER, percent("0.16")),
        ("Vdaf", percent("28"), Conformity.WITHIN_SPEC, None, None, None),
        ("Vdaf", percent("37"), Conformity.WITHIN_SPEC, None, None, None),
        ("Vdaf", percent("26.5"), Conformity.OFF_SPEC, None, Limit.LOWER, percent("-1.5")),
        ("Vdaf", percent("38.2"), Conformity.OFF_SPEC, None, Limit.UPPER, percent("1.2")),
    ],
)
def test_each_parameter_is_within_or_off_spec_with_its_signed_deviations(
    name: str,
    value: Measurement,
    conformity: Conformity,
    from_target: Measurement | None,
    limit: Limit | None,
    from_limit: Measurement | None,
) -> None:
    (verdict,) = compare_with_spec({name: value}, THERMAL_COAL).verdicts

    assert verdict.name == name
    assert verdict.value == value
    assert verdict.conformity is conformity
    assert verdict.deviation_from_target == from_target
    assert verdict.violated_limit is limit
    assert verdict.deviation_from_limit == from_limit


def test_the_customers_coal_result_is_off_spec_on_calorific_value_and_sulphur() -> None:
    report = compare_with_spec(CUSTOMER_LAB.values, THERMAL_COAL)

    assert [verdict.name for verdict in report.verdicts] == ["Qnet,ar", "Mt", "Ad", "St,d", "Vdaf"]
    assert [verdict.name for verdict in report.off_spec] == ["Qnet,ar", "St,d"]
    assert report.not_tested == ()
    assert not report.is_within_spec


def test_an_untested_parameter_is_named_and_a_result_the_contract_does_not_specify_is_left_out() -> None:
    report = compare_with_spec({"Qnet,ar": kcal("5600"), "Had": percent("3.1")}, THERMAL_COAL)

    assert [verdict.name for verdict in report.verdicts] == ["Qnet,ar"]
    assert report.not_tested == ("Mt", "Ad", "St,d", "Vdaf")
    # Nothing is off spec, but a result that leaves parameters untested does not show conformity.
    assert report.off_spec == ()
    assert not report.is_within_spec


def test_cement_po_42_5_within_every_limit_conforms() -> None:
    report = compare_with_spec(
        {"R28": mpa("47.8"), "R3": mpa("24.1"), "initial setting": minutes("165"), "SO3": percent("2.6")},
        CEMENT_PO_42_5,
    )

    assert report.is_within_spec
    assert {verdict.conformity for verdict in report.verdicts} == {Conformity.WITHIN_SPEC}


def test_a_result_in_another_unit_than_the_specification_is_refused() -> None:
    with pytest.raises(InvalidValue, match=r"Qnet,ar is specified in kcal/kg, not MJ/kg") as refused:
        compare_with_spec({"Qnet,ar": Measurement(Decimal("21.4"), "MJ/kg")}, THERMAL_COAL)

    assert refused.value.field == "values.Qnet,ar"


# -- two labs: do they agree? --------------------------------------------------------------------


def test_labs_5120_and_5480_kcal_disagree_beyond_the_calorific_value_reproducibility() -> None:
    agreements = {
        agreement.name: agreement for agreement in labs_agree(CUSTOMER_LAB, SUPPLIER_LAB, THERMAL_COAL)
    }

    calorific = agreements["Qnet,ar"]
    assert not calorific.agrees
    assert calorific.difference == kcal("360")
    assert calorific.level == kcal("5300")
    assert calorific.reproducibility == kcal("72")
    assert [name for name, agreement in agreements.items() if agreement.agrees] == [
        "Mt",
        "Ad",
        "St,d",
        "Vdaf",
    ]


@pytest.mark.parametrize(
    ("a", "b", "agrees"),
    [
        (kcal("5408"), kcal("5480"), True),  # exactly the reproducibility apart: "no more than" agrees
        (kcal("5407"), kcal("5480"), False),
        (kcal("5480"), kcal("5407"), False),
    ],
)
def test_labs_agree_up_to_and_including_the_reproducibility(
    a: Measurement, b: Measurement, agrees: bool
) -> None:
    (agreement,) = labs_agree(
        LabResult("INS-A", "lab A", {"Qnet,ar": a}), LabResult("INS-B", "lab B", {"Qnet,ar": b}), THERMAL_COAL
    )

    assert agreement.agrees is agrees


@pytest.mark.parametrize(
    ("a", "b", "level", "reproducibility", "agrees"),
    [
        # The mean, 15.05 %, is in the 15-30 % band (0.50 %); judged at lab A's 14.8 % it would disagree.
        ("14.8", "15.3", "15.05", "0.50", True),
        ("15.3", "14.8", "15.05", "0.50", True),
        ("14.6", "14.95", "14.775", "0.30", False),
    ],
)
def test_the_mean_of_the_two_results_picks_the_tolerance_band(
    a: str, b: str, level: str, reproducibility: str, agrees: bool
) -> None:
    (agreement,) = labs_agree(
        LabResult("INS-A", "lab A", {"Ad": percent(a)}),
        LabResult("INS-B", "lab B", {"Ad": percent(b)}),
        THERMAL_COAL,
    )

    assert agreement.level == percent(level)
    assert agreement.reproducibility == percent(reproducibility)
    assert agreement.agrees is agrees


def test_only_parameters_both_labs_report_are_compared() -> None:
    only_calorific = LabResult("INS-C", "customer lab", {"Qnet,ar": kcal("5450")})

    assert [agreement.name for agreement in labs_agree(only_calorific, SUPPLIER_LAB, THERMAL_COAL)] == [
        "Qnet,ar"
    ]


def test_the_disputed_parameters_are_those_the_labs_disagree_on() -> None:
    assert disputed_parameters(CUSTOMER_LAB, SUPPLIER_LAB, THERMAL_COAL) == ("Qnet,ar",)
    assert disputed_parameters(SUPPLIER_LAB, SUPPLIER_LAB, THERMAL_COAL) == ()


# -- the basis result ---------------------------------------------------------------------------


def test_agreeing_labs_give_the_mean_of_their_two_results_as_the_basis() -> None:
    basis = basis_result(CUSTOMER_LAB, SUPPLIER_LAB, THERMAL_COAL, third_party=THIRD_PARTY_LAB)

    sulphur = basis.by_parameter["St,d"]
    assert sulphur.value == percent("1.12")
    assert sulphur.source is BasisSource.MEAN_OF_AGREEING_LABS
    assert sulphur.inspection_ids == ("INS-CUS-1", "INS-SUP-1")
    assert basis.values["Ad"] == percent("18.8")


def test_when_labs_disagree_the_third_party_result_is_the_basis() -> None:
    basis = basis_result(CUSTOMER_LAB, SUPPLIER_LAB, THERMAL_COAL, third_party=THIRD_PARTY_LAB)

    calorific = basis.by_parameter["Qnet,ar"]
    assert calorific.value == kcal("5210")
    assert calorific.source is BasisSource.THIRD_PARTY
    assert calorific.inspection_ids == ("INS-CCIC-1",)
    assert basis.inspection_ids == ("INS-CCIC-1", "INS-CUS-1", "INS-SUP-1")


def test_the_third_party_settles_only_the_disputed_parameters() -> None:
    third_party = LabResult("INS-CCIC-2", "CCIC", {"Qnet,ar": kcal("5210"), "St,d": percent("1.30")})

    basis = basis_result(CUSTOMER_LAB, SUPPLIER_LAB, THERMAL_COAL, third_party=third_party)

    assert basis.values["St,d"] == percent("1.12")


@pytest.mark.parametrize(
    "third_party",
    [None, LabResult("INS-CCIC-3", "CCIC", {"St,d": percent("1.10")})],
    ids=["no third party", "third party without the disputed parameter"],
)
def test_a_dispute_has_no_basis_until_a_third_party_reports_the_disputed_parameter(
    third_party: LabResult | None,
) -> None:
    with pytest.raises(CaseRuleViolation, match="third-party re-inspection of Qnet,ar") as refused:
        basis_result(CUSTOMER_LAB, SUPPLIER_LAB, THERMAL_COAL, third_party=third_party)

    assert refused.value.field == "third_party"


def test_the_basis_covers_only_parameters_both_labs_report() -> None:
    only_calorific = LabResult("INS-C", "customer lab", {"Qnet,ar": kcal("5450")})

    basis = basis_result(only_calorific, SUPPLIER_LAB, THERMAL_COAL)

    assert basis.values == {"Qnet,ar": kcal("5465")}


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"inspection_id": ""}, "inspection_id"), ({"lab": " "}, "lab")],
)
def test_a_lab_result_names_its_inspection_and_its_lab(changes: dict[str, str], field: str) -> None:
    arguments: dict[str, object] = {"inspection_id": "INS-1", "lab": "customer lab", "values": {}}
    arguments.update(changes)

    with pytest.raises(InvalidValue) as refused:
        LabResult(**arguments)  # type: ignore[arg-type]

    assert refused.value.field == field


def test_a_lab_result_keeps_its_own_copy_of_the_values() -> None:
    values = {"Qnet,ar": kcal("5450")}
    result = LabResult("INS-1", "customer lab", values)

    values["Qnet,ar"] = kcal("6000")

    assert result.values["Qnet,ar"] == kcal("5450")


# -- objection windows --------------------------------------------------------------------------

CHINA = timezone(timedelta(hours=8))
WINDOWS = ObjectionWindows(quality_days=15, quantity_days=7)
# Arrival on 1 March, 10:00 Beijing time: day 1 of the window is 2 March, the arrival day is not counted.
ARRIVED = datetime(2026, 3, 1, 10, 0, tzinfo=CHINA)


@pytest.mark.parametrize(
    ("kind", "raised_at", "late"),
    [
        (ObjectionKind.QUALITY, datetime(2026, 3, 1, 10, 5, tzinfo=CHINA), False),
        (ObjectionKind.QUALITY, datetime(2026, 3, 16, 23, 59, 59, tzinfo=CHINA), False),
        (ObjectionKind.QUALITY, datetime(2026, 3, 17, 0, 0, tzinfo=CHINA), True),
        (ObjectionKind.QUANTITY, datetime(2026, 3, 8, 23, 59, 59, 999999, tzinfo=CHINA), False),
        (ObjectionKind.QUANTITY, datetime(2026, 3, 9, 0, 0, tzinfo=CHINA), True),
        # The same instants written in UTC.
        (ObjectionKind.QUANTITY, datetime(2026, 3, 8, 15, 59, 59, tzinfo=UTC), False),
        (ObjectionKind.QUANTITY, datetime(2026, 3, 8, 16, 0, tzinfo=UTC), True),
    ],
)
def test_an_objection_is_late_from_midnight_after_the_last_day_of_the_window(
    kind: ObjectionKind, raised_at: datetime, late: bool
) -> None:
    assert WINDOWS.is_late(kind, ARRIVED, raised_at) is late


def test_the_window_is_counted_in_days_of_the_contracts_local_time() -> None:
    # 17:00 UTC on 1 March is already 01:00 on 2 March in Beijing: day 1 of the window is 3 March.
    arrived = datetime(2026, 3, 1, 17, 0, tzinfo=UTC)

    assert WINDOWS.closes_at(ObjectionKind.QUALITY, arrived) == datetime(2026, 3, 18, 0, 0, tzinfo=CHINA)
    assert WINDOWS.closes_at(ObjectionKind.QUANTITY, arrived) == datetime(2026, 3, 10, 0, 0, tzinfo=CHINA)


@pytest.mark.parametrize(
    ("arrived_at", "raised_at", "field"),
    [
        (datetime(2026, 3, 1, 10, 0), datetime(2026, 3, 2, 10, 0, tzinfo=CHINA), "arrived_at"),
        (ARRIVED, datetime(2026, 3, 2, 10, 0), "raised_at"),
    ],
)
def test_the_window_needs_timezone_aware_times(arrived_at: datetime, raised_at: datetime, field: str) -> None:
    with pytest.raises(InvalidValue, match="timezone") as refused:
        WINDOWS.is_late(ObjectionKind.QUALITY, arrived_at, raised_at)

    assert refused.value.field == field


@pytest.mark.parametrize(
    ("quality_days", "quantity_days", "field"),
    [
        (0, 7, "quality_days"),
        (15, -1, "quantity_days"),
        (True, 7, "quality_days"),
        (15, 7.5, "quantity_days"),
    ],
)
def test_a_window_is_a_whole_positive_number_of_days(
    quality_days: int, quantity_days: int, field: str
) -> None:
    with pytest.raises(InvalidValue, match="whole number of days") as refused:
        ObjectionWindows(quality_days=quality_days, quantity_days=quantity_days)

    assert refused.value.field == field
