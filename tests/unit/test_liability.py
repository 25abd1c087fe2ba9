"""Liability: who bears what share, why, on which basis; and two disputes from lab results to liability."""

from decimal import Decimal

import pytest

from domain.errors import InvalidValue
from domain.liability import Liability, LiabilityShare, Party, RootCause
from domain.measurement import Measurement
from domain.money import Money
from domain.pricing import Adjustment, UnitPrice, price_adjustment
from domain.specification import BasisSource, LabResult, basis_result, compare_with_spec, labs_agree
from tests.unit.test_pricing import CEMENT_PRICE_RULE, COAL_PRICE, COAL_PRICE_RULE, TRAINLOAD
from tests.unit.test_specification import (
    CEMENT_PO_42_5,
    CUSTOMER_LAB,
    SUPPLIER_LAB,
    THERMAL_COAL,
    THIRD_PARTY_LAB,
)


def cny(amount: str) -> Money:
    return Money(Decimal(amount), "CNY")


def shares(*pairs: tuple[Party, str]) -> tuple[LiabilityShare, ...]:
    return tuple(LiabilityShare(party, Decimal(percent)) for party, percent in pairs)


def liability(*pairs: tuple[Party, str]) -> Liability:
    return Liability(
        shares=shares(*pairs),
        root_cause=RootCause.TRANSPORT_STORAGE,
        basis_inspection_ids=("INS-CCIC-1",),
        basis_evidence=(),
    )


SUPPLIER_70_CARRIER_30 = liability((Party.SUPPLIER, "70"), (Party.CARRIER, "30"))


# -- splitting a total -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "supplier", "carrier"),
    [
        ("12345.67", "8641.97", "3703.70"),
        ("-12345.67", "-8641.97", "-3703.70"),
        ("0.01", "0.01", "0.00"),
        ("0", "0.00", "0.00"),
    ],
)
def test_a_70_30_split_adds_up_to_the_cent(total: str, supplier: str, carrier: str) -> None:
    supplier_amount = SUPPLIER_70_CARRIER_30.amount_for(Party.SUPPLIER, cny(total))
    carrier_amount = SUPPLIER_70_CARRIER_30.amount_for(Party.CARRIER, cny(total))

    assert (str(supplier_amount.amount), str(carrier_amount.amount)) == (supplier, carrier)
    assert supplier_amount.amount + carrier_amount.amount == Decimal(total)
    assert supplier_amount.currency == "CNY"


def test_the_largest_remainder_gets_the_left_over_cent_where_rounding_each_share_would_lose_it() -> None:
    # Each exact share is 3.333… or 3.334 cents: rounding each would give 9 cents of 10.
    split = liability((Party.SUPPLIER, "33.33"), (Party.CARRIER, "33.33"), (Party.THIRD_PARTY, "33.34"))

    assert split.amounts(cny("0.10")) == {
        Party.SUPPLIER: cny("0.03"),
        Party.CARRIER: cny("0.03"),
        Party.THIRD_PARTY: cny("0.04"),
    }


def test_equal_remainders_give_the_cent_to_the_party_listed_first() -> None:
    assert liability((Party.CARRIER, "50"), (Party.SUPPLIER, "50")).amounts(cny("0.01")) == {
        Party.CARRIER: cny("0.01"),
        Party.SUPPLIER: cny("0.00"),
    }


def test_a_party_without_a_share_bears_nothing() -> None:
    assert str(SUPPLIER_70_CARRIER_30.amount_for(Party.CUSTOMER, cny("12345.67")).amount) == "0.00"
    assert SUPPLIER_70_CARRIER_30.share_of(Party.CUSTOMER) == Decimal("0")
    assert SUPPLIER_70_CARRIER_30.share_of(Party.CARRIER) == Decimal("30")


def test_a_total_with_fractions_of_a_cent_is_not_split() -> None:
    with pytest.raises(InvalidValue, match="whole cents") as refused:
        SUPPLIER_70_CARRIER_30.amount_for(Party.SUPPLIER, cny("10.005"))

    assert refused.value.field == "total"


# -- what a liability must say --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pairs", "rule"),
    [
        ((), "at least one party"),
        (((Party.SUPPLIER, "70"), (Party.CARRIER, "20")), "add up to 100 %, not 90"),
        (((Party.SUPPLIER, "70"), (Party.CARRIER, "30.01")), "add up to 100 %, not 100.01"),
        (((Party.SUPPLIER, "70"), (Party.SUPPLIER, "30")), "supplier is named twice"),
        (((Party.SUPPLIER, "100"), (Party.CARRIER, "0")), "above zero"),
        (((Party.SUPPLIER, "110"), (Party.CARRIER, "-10")), "above zero"),
    ],
)
def test_shares_are_each_above_zero_one_per_party_and_add_up_to_exactly_100(
    pairs: tuple[tuple[Party, str], ...], rule: str
) -> None:
    with pytest.raises(InvalidValue, match=rule) as refused:
        liability(*pairs)

    assert refused.value.field == "shares"


@pytest.mark.parametrize("percent", [70.0, 70, "70"], ids=repr)
def test_a_share_is_a_decimal_never_a_float(percent: object) -> None:
    with pytest.raises(InvalidValue, match="Decimal, never a float") as refused:
        LiabilityShare(Party.SUPPLIER, percent)  # type: ignore[arg-type]

    assert refused.value.field == "percent"


@pytest.mark.parametrize("percent", ["NaN", "Infinity"])
def test_a_share_is_finite(percent: str) -> None:
    with pytest.raises(InvalidValue, match="finite") as refused:
        LiabilityShare(Party.SUPPLIER, Decimal(percent))

    assert refused.value.field == "percent"


@pytest.mark.parametrize(
    ("inspections", "evidence", "field", "rule"),
    [
        ((), (), "basis_inspection_ids", "name its basis"),
        (("",), (), "basis_inspection_ids", "empty id"),
        ((), (" ",), "basis_evidence", "empty id"),
    ],
)
def test_a_liability_names_its_basis(
    inspections: tuple[str, ...], evidence: tuple[str, ...], field: str, rule: str
) -> None:
    with pytest.raises(InvalidValue, match=rule) as refused:
        Liability(shares((Party.SUPPLIER, "100")), RootCause.MINING_PRODUCTION, inspections, evidence)

    assert refused.value.field == field


def test_a_liability_may_rest_on_evidence_alone() -> None:
    decided = Liability(
        shares=shares((Party.CUSTOMER, "100")),
        root_cause=RootCause.CUSTOMER_USAGE,
        basis_inspection_ids=(),
        basis_evidence=("ATT-site-visit-report",),
    )

    assert decided.share_of(Party.CUSTOMER) == Decimal("100")


def test_the_enums_carry_the_business_words() -> None:
    assert [party.value for party in Party] == [
        "supplier",
        "carrier",
        "customer",
        "third_party",
        "force_majeure",
    ]
    assert [cause.value for cause in RootCause] == [
        "mining_production",
        "washing_processing",
        "transport_storage",
        "sampling_testing",
        "customer_usage",
    ]


# -- two disputes, from the labs' results to each party's share ------------------------------------


def test_a_coal_quality_dispute_from_disagreeing_labs_to_a_70_30_split_of_the_price_reduction() -> None:
    # The customer's lab finds 5,120 kcal/kg, the supplier's 5,480: 360 apart, beyond 72 kcal/kg.
    disputed = [
        agreement.name
        for agreement in labs_agree(CUSTOMER_LAB, SUPPLIER_LAB, THERMAL_COAL)
        if not agreement.agrees
    ]
    assert disputed == ["Qnet,ar"]

    # The third party's 5,210 kcal/kg settles the dispute; the agreed sulphur is the labs' mean, 1.12 %.
    basis = basis_result(CUSTOMER_LAB, SUPPLIER_LAB, THERMAL_COAL, third_party=THIRD_PARTY_LAB)
    assert basis.by_parameter["Qnet,ar"].source is BasisSource.THIRD_PARTY
    off_spec = compare_with_spec(basis.values, THERMAL_COAL).off_spec
    assert [verdict.name for verdict in off_spec] == ["Qnet,ar", "St,d"]

    adjustment = price_adjustment(COAL_PRICE_RULE, COAL_PRICE, TRAINLOAD, basis.values)
    assert isinstance(adjustment, Adjustment)
    assert adjustment.total == cny("-160500.00")

    # Rain in open wagons raised the moisture in transit: the carrier bears 30 %.
    decided = Liability(
        shares=shares((Party.SUPPLIER, "70"), (Party.CARRIER, "30")),
        root_cause=RootCause.TRANSPORT_STORAGE,
        basis_inspection_ids=basis.inspection_ids,
        basis_evidence=("ATT-unloading-photos",),
    )
    assert decided.amounts(adjustment.total) == {
        Party.SUPPLIER: cny("-112350.00"),
        Party.CARRIER: cny("-48150.00"),
    }


def test_a_cement_objection_ends_with_liability_on_the_customers_construction_practice() -> None:
    def mpa(value: str) -> Measurement:
        return Measurement(Decimal(value), "MPa")

    other = {
        "R3": mpa("23.5"),
        "initial setting": Measurement(Decimal("170"), "min"),
        "SO3": Measurement(Decimal("2.6"), "%"),
    }
    customer = LabResult("INS-CUS-7", "customer lab", {"R28": mpa("41.2"), **other})
    supplier = LabResult("INS-SUP-7", "supplier lab", {"R28": mpa("46.0"), **other})
    arbitration = LabResult("INS-PROV-7", "provincial cement quality inspection centre", {"R28": mpa("46.8")})

    basis = basis_result(customer, supplier, CEMENT_PO_42_5, third_party=arbitration)
    assert basis.values["R28"] == mpa("46.8")
    assert compare_with_spec(basis.values, CEMENT_PO_42_5).is_within_spec

    adjustment = price_adjustment(
        CEMENT_PRICE_RULE, UnitPrice(cny("420.00"), "t"), Measurement(Decimal("600"), "t"), basis.values
    )
    assert adjustment == Adjustment(total=cny("0.00"), lines=())

    # The site visit found water added to the mix on site: the cement conformed, the practice did not.
    decided = Liability(
        shares=shares((Party.CUSTOMER, "100")),
        root_cause=RootCause.CUSTOMER_USAGE,
        basis_inspection_ids=basis.inspection_ids,
        basis_evidence=("ATT-site-visit-report",),
    )
    assert decided.share_of(Party.CUSTOMER) == Decimal("100")
    assert decided.amount_for(Party.SUPPLIER, cny("0.00")) == cny("0.00")
