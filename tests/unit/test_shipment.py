"""Contracts and shipments: what is registered, what is refused, and the field each refusal names."""

from dataclasses import replace
from datetime import timedelta
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
    StepRule,
    UnitPrice,
    price_adjustment,
)
from domain.shipment import (
    CertifiedValue,
    Contract,
    QualityCertificate,
    Shipment,
    ShipmentRuleViolation,
    TransitLossAllowance,
    TransportMode,
    contract_id,
    shipment_id,
)
from domain.specification import ObjectionKind, compare_with_spec
from tests.unit.coal_contract import (
    AGENT,
    ARRIVED_AT,
    CERTIFICATE,
    DISPATCHED_AT,
    MANAGER,
    NOW,
    PRICE_RULE,
    contract,
    kcal,
    percent,
    shipment,
    tonnes,
)

MJ_PER_KG = Measurement(Decimal("23.1"), "MJ/kg")


def refusal(make: object, **overrides: object) -> InvalidValue:
    with pytest.raises(InvalidValue) as refused:
        make(**overrides)  # type: ignore[operator]
    return refused.value


# -- contracts ----------------------------------------------------------------------------------


def test_a_contract_is_registered_once_with_its_terms_the_actor_and_the_time():
    registered = contract()

    [event] = registered.collect_events()
    assert type(event) is Contract.Registered
    assert (event.actor, event.occurred_at) == (MANAGER, NOW)
    assert registered.id == contract_id("HT-2026-0815") == contract_id(" ht-2026-0815 ")
    assert registered.quantity_unit == "t"
    assert registered.allowed_transit_loss(TransportMode.RAIL) == Decimal("1.2")
    assert registered.allowed_transit_loss(TransportMode.SEA) is None
    assert registered.objection_windows.closes_at(ObjectionKind.QUALITY, ARRIVED_AT).day == 28


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"number": " "}, "number"),
        ({"customer_id": ""}, "customer_id"),
        ({"product": ""}, "product"),
        ({"grade": ""}, "grade"),
        (
            {"price_rule": PriceRule(adjustments=(replace(PRICE_RULE.adjustments[0], parameter="Qgr,d"),))},
            "price_rule.adjustments.0.parameter",
        ),
        (
            {"price_rule": PriceRule(rejections=(replace(PRICE_RULE.rejections[0], limit=kcal("2")),))},
            "price_rule.rejections.0",
        ),
        (
            {
                "price_rule": PriceRule(
                    adjustments=(
                        StepRule(
                            "St,d",
                            percent("1.0"),
                            Direction.ABOVE,
                            percent("0.1"),
                            UnitPrice(Money(Decimal("10"), "USD"), "t"),
                            PartialStep.IGNORED,
                        ),
                    )
                )
            },
            "price_rule.adjustments.0.reduction_per_step",
        ),
        (
            {
                "transit_loss": (
                    TransitLossAllowance(TransportMode.RAIL, Decimal("1")),
                    TransitLossAllowance(TransportMode.RAIL, Decimal("2")),
                )
            },
            "transit_loss",
        ),
    ],
)
def test_a_contract_with_a_bad_term_is_refused_naming_it(overrides, field):
    assert refusal(contract, **overrides).field == field


def test_a_transit_loss_is_a_percentage_below_100():
    with pytest.raises(InvalidValue, match="from 0 to below 100"):
        TransitLossAllowance(TransportMode.SEA, Decimal("100"))


def test_the_contract_prices_a_shipment_by_its_own_rule():
    registered = contract()
    basis = {"Qnet,ar": kcal("5420"), "St,d": percent("1.25")}

    outcome = price_adjustment(registered.price_rule, registered.unit_price, tonnes("3000"), basis)

    assert isinstance(outcome, Adjustment)
    # 80/100 x 15 x 3,000 = 36,000 for calorific value; 2 whole steps x 10 x 3,000 = 60,000 for sulphur.
    assert [line.amount.amount for line in outcome.lines] == [Decimal("-36000.00"), Decimal("-60000.00")]


# -- shipments ----------------------------------------------------------------------------------


def test_a_shipment_is_recorded_under_its_contract_with_its_papers():
    under = contract()
    recorded = shipment(under)

    [event] = recorded.collect_events()
    assert type(event) is Shipment.Recorded
    assert (event.actor, event.occurred_at) == (AGENT, NOW)
    assert recorded.id == shipment_id("SHP-2026-0815") == shipment_id("shp-2026-0815")
    assert recorded.contract_id == under.id
    assert (recorded.quantity, recorded.dispatch_weight) == (tonnes("3000"), tonnes("3012.40"))
    assert recorded.transport_mode is TransportMode.RAIL
    assert compare_with_spec(recorded.certificate.as_mapping(), under.specification).is_within_spec


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"reference": ""}, "reference"),
        ({"weighbridge_ticket": " "}, "weighbridge_ticket"),
        ({"carrier": ""}, "carrier"),
        ({"quantity": Measurement(Decimal("3000"), "bag")}, "unit"),
        ({"dispatch_weight": Measurement(Decimal("3000"), "kg")}, "unit"),
        ({"quantity": tonnes("0")}, "quantity"),
        ({"dispatch_weight": tonnes("-1")}, "dispatch_weight"),
        ({"arrived_at": DISPATCHED_AT}, "arrived_at"),
        ({"arrived_at": DISPATCHED_AT.replace(tzinfo=None)}, "arrived_at"),
        ({"dispatched_at": NOW + timedelta(hours=1)}, "dispatched_at"),
        ({"arrived_at": NOW + timedelta(hours=1)}, "arrived_at"),
        (
            {"certificate": replace(CERTIFICATE, values=CERTIFICATE.values[1:])},
            "certificate.values.Qnet,ar",
        ),
        (
            {
                "certificate": replace(
                    CERTIFICATE,
                    values=(CertifiedValue("Qnet,ar", MJ_PER_KG), *CERTIFICATE.values[1:]),
                )
            },
            "certificate.values.Qnet,ar",
        ),
    ],
)
def test_a_shipment_that_does_not_fit_its_contract_is_refused_naming_the_field(overrides, field):
    assert refusal(shipment, **overrides).field == field


@pytest.mark.parametrize(
    ("issuer", "number", "values", "field"),
    [
        ("", "C-1", (), "certificate.issuer"),
        ("CCIC", " ", (), "certificate.number"),
        ("CCIC", "C-1", (CertifiedValue("Mt", percent("9")),) * 2, "certificate.values.Mt"),
    ],
)
def test_a_certificate_names_its_issuer_and_number_and_each_parameter_once(issuer, number, values, field):
    assert refusal(QualityCertificate, issuer=issuer, number=number, values=values).field == field


def test_the_arrival_may_be_recorded_later_once_and_after_dispatch():
    recorded = shipment(arrived_at=None)
    recorded.collect_events()

    recorded.record_arrival(ARRIVED_AT, AGENT, NOW)

    [event] = recorded.collect_events()
    assert type(event) is Shipment.Arrived
    assert (event.arrived_at, event.actor, event.occurred_at) == (ARRIVED_AT, AGENT, NOW)
    assert recorded.arrived_at == ARRIVED_AT
    with pytest.raises(ShipmentRuleViolation, match="arrived already"):
        recorded.record_arrival(ARRIVED_AT + timedelta(hours=1), AGENT, NOW)


def test_an_arrival_before_dispatch_is_refused():
    recorded = shipment(arrived_at=None)

    with pytest.raises(InvalidValue) as refused:
        recorded.record_arrival(DISPATCHED_AT - timedelta(minutes=1), AGENT, NOW)

    assert refused.value.field == "arrived_at"
