"""A thermal coal contract as DOMAIN.md describes it, and a rail shipment under it, for the domain tests.

Qnet,ar ≥ 5,500 kcal/kg (reproducibility 72 kcal/kg, GB/T 213's 300 J/g), Mt ≤ 12 %, Ad ≤ 20 % with the
0.30 / 0.50 / 0.70 % bands, St,d ≤ 1.0 % with the 0.10 / 0.20 / 0.30 % bands, Vdaf 28-37 %; objection
windows of 15 days (quality) and 7 days (quantity); CNY 600/t, less CNY 15/t per 100 kcal/kg below 5,500
(pro rata) and CNY 10/t per 0.1 % of sulphur above 1.0 % (whole steps only), rejected above 2.0 % sulphur.
"""

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from domain.actor import Actor, Role
from domain.measurement import Measurement
from domain.money import Money
from domain.pricing import (
    Direction,
    PartialStep,
    PriceRule,
    RejectionThreshold,
    StepRule,
    UnitPrice,
)
from domain.shipment import (
    CertifiedValue,
    Contract,
    QualityCertificate,
    Shipment,
    TransitLossAllowance,
    TransportMode,
)
from domain.specification import ObjectionWindows, ParameterSpec, QualitySpecification, ToleranceBand

CHINA = timezone(timedelta(hours=8))
NOW = datetime(2026, 3, 20, 9, 0, tzinfo=CHINA)
DISPATCHED_AT = datetime(2026, 3, 10, 6, 30, tzinfo=CHINA)
ARRIVED_AT = datetime(2026, 3, 12, 14, 0, tzinfo=CHINA)
MANAGER = Actor("manager-1", Role.MANAGER)
AGENT = Actor("agent-1", Role.SERVICE_AGENT)


def kcal(value: str) -> Measurement:
    return Measurement(Decimal(value), "kcal/kg")


def percent(value: str) -> Measurement:
    return Measurement(Decimal(value), "%")


def tonnes(value: str) -> Measurement:
    return Measurement(Decimal(value), "t")


def cny_per_t(amount: str) -> UnitPrice:
    return UnitPrice(Money(Decimal(amount), "CNY"), "t")


def _bands(*levels: tuple[str, str | None, bool]) -> tuple[ToleranceBand, ...]:
    return tuple(
        ToleranceBand(percent(r), percent(up_to) if up_to else None, includes)
        for r, up_to, includes in levels
    )


THERMAL_COAL = QualitySpecification(
    (
        ParameterSpec(
            "Qnet,ar",
            "kcal/kg",
            "GB/T 213",
            (ToleranceBand(kcal("72")),),
            target=kcal("5500"),
            lower_limit=kcal("5500"),
        ),
        ParameterSpec("Mt", "%", "GB/T 211", _bands(("0.5", None, True)), upper_limit=percent("12")),
        ParameterSpec(
            "Ad",
            "%",
            "GB/T 212",
            _bands(("0.30", "15", False), ("0.50", "30", True), ("0.70", None, True)),
            upper_limit=percent("20"),
        ),
        ParameterSpec(
            "St,d",
            "%",
            "GB/T 214",
            _bands(("0.10", "1.5", True), ("0.20", "4", True), ("0.30", None, True)),
            upper_limit=percent("1.0"),
        ),
        ParameterSpec(
            "Vdaf",
            "%",
            "GB/T 212",
            _bands(("1.0", None, True)),
            lower_limit=percent("28"),
            upper_limit=percent("37"),
        ),
    )
)

PRICE_RULE = PriceRule(
    adjustments=(
        StepRule(
            "Qnet,ar", kcal("5500"), Direction.BELOW, kcal("100"), cny_per_t("15"), PartialStep.PRO_RATA
        ),
        StepRule(
            "St,d", percent("1.0"), Direction.ABOVE, percent("0.1"), cny_per_t("10"), PartialStep.IGNORED
        ),
    ),
    rejections=(RejectionThreshold("St,d", percent("2.0"), Direction.ABOVE),),
)

CERTIFICATE = QualityCertificate(
    "CCIC",
    "CCIC-2026-0815",
    (
        CertifiedValue("Qnet,ar", kcal("5520")),
        CertifiedValue("Mt", percent("10.2")),
        CertifiedValue("Ad", percent("18.40")),
        CertifiedValue("St,d", percent("0.82")),
        CertifiedValue("Vdaf", percent("31.5")),
        CertifiedValue("Had", percent("3.1")),  # labs report more than the contract specifies
    ),
)


def contract(**overrides: Any) -> Contract:
    arguments: dict[str, Any] = {
        "number": "HT-2026-0815",
        "customer_id": "CUST-0042",
        "product": "Thermal coal",
        "grade": "Q5500",
        "specification": THERMAL_COAL,
        "objection_windows": ObjectionWindows(quality_days=15, quantity_days=7),
        "unit_price": cny_per_t("600.00"),
        "price_rule": PRICE_RULE,
        "transit_loss": (
            TransitLossAllowance(TransportMode.RAIL, Decimal("1.2")),
            TransitLossAllowance(TransportMode.ROAD, Decimal("0.8")),
        ),
        "by": MANAGER,
        "now": NOW,
    }
    arguments.update(overrides)
    return Contract.register(**arguments)


def shipment(under: Contract | None = None, **overrides: Any) -> Shipment:
    arguments: dict[str, Any] = {
        "reference": "SHP-2026-0815",
        "contract": under or contract(),
        "quantity": tonnes("3000"),
        "weighbridge_ticket": "WB-0815-001",
        "dispatch_weight": tonnes("3012.40"),
        "certificate": CERTIFICATE,
        "transport_mode": TransportMode.RAIL,
        "carrier": "China Railway Taiyuan Group",
        "dispatched_at": DISPATCHED_AT,
        "arrived_at": ARRIVED_AT,
        "by": AGENT,
        "now": NOW,
    }
    arguments.update(overrides)
    return Shipment.record(**arguments)
