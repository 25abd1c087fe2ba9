"""Installed units: registration, the warranty of each component class counted from acceptance (month
ends, leap years, the last day), and which periodic inspections are due or overdue."""

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest

from domain.actor import Actor, Role
from domain.equipment import (
    InspectionSchedule,
    InstalledUnit,
    WarrantyTerms,
    add_months,
    in_warranty,
    inspection_due_dates,
    installed_unit_id,
    warranty_until,
)
from domain.errors import InvalidValue

CHINA = timezone(timedelta(hours=8))
ACCEPTED_AT = datetime(2025, 1, 15, 10, 0, tzinfo=CHINA)
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=CHINA)
AGENT = Actor("agent-1", Role.SERVICE_AGENT)
ELECTRICAL = WarrantyTerms("electrical", 18)
STEEL = WarrantyTerms("steel_structure", 36, spare_parts_years=15)


def registered(**overrides: Any) -> InstalledUnit:
    arguments: dict[str, Any] = {
        "customer_id": "CUST-0042",
        "model": "ZDY-3200 hydraulic support",
        "serial_number": "SN-2025-0001",
        "site": "Datong No. 2 mine, face 8103",
        "region": "Shanxi",
        "accepted_at": ACCEPTED_AT,
        "warranty": (ELECTRICAL, STEEL),
        "inspection_interval_months": 6,
        "by": AGENT,
        "now": NOW,
    }
    arguments.update(overrides)
    return InstalledUnit.register(**arguments)


def at(day: date, hour: int = 0, minute: int = 0, microsecond: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=CHINA).replace(microsecond=microsecond)


# -- registration ----------------------------------------------------------------------------------


def test_a_unit_is_registered_with_its_terms_and_its_serial_number_names_its_stream():
    unit = registered()

    [event] = unit.collect_events()
    assert type(event) is InstalledUnit.Registered
    assert (event.actor, event.occurred_at, event.warranty) == (AGENT, NOW, [ELECTRICAL, STEEL])
    assert unit.warranty == (ELECTRICAL, STEEL)
    assert unit.id == installed_unit_id(" sn-2025-0001 ") == installed_unit_id("SN-2025-0001")
    assert unit.terms_for("steel_structure") == STEEL
    assert unit.terms_for("hydraulics") is None


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"serial_number": " "}, "serial_number"),
        ({"model": ""}, "model"),
        ({"site": ""}, "site"),
        ({"region": ""}, "region"),
        ({"customer_id": ""}, "customer_id"),
        ({"accepted_at": datetime(2025, 1, 15, 10, 0)}, "accepted_at"),
        ({"accepted_at": NOW + timedelta(hours=1)}, "accepted_at"),
        ({"warranty": (ELECTRICAL, WarrantyTerms("electrical", 12))}, "warranty"),
        ({"inspection_interval_months": 0}, "inspection_interval_months"),
    ],
    ids=["serial", "model", "site", "region", "customer", "naive", "future", "class-twice", "interval-zero"],
)
def test_a_unit_is_not_registered_with(overrides: dict[str, Any], field: str):
    with pytest.raises(InvalidValue) as refused:
        registered(**overrides)

    assert refused.value.field == field


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        (("Electrical", 18), "component_class"),
        (("steel structure", 36), "component_class"),
        (("electrical", 0), "months"),
        (("electrical", True), "months"),
        (("electrical", 18, 0), "spare_parts_years"),
    ],
    ids=["capitals", "space", "zero-months", "bool-months", "zero-years"],
)
def test_warranty_terms_refuse(arguments: tuple[Any, ...], field: str):
    with pytest.raises(InvalidValue) as refused:
        WarrantyTerms(*arguments)

    assert refused.value.field == field


# -- month arithmetic and the warranty period ------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2025, 1, 31), 2, date(2025, 3, 31)),
        (date(2025, 3, 31), 1, date(2025, 4, 30)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2024, 2, 29), 48, date(2028, 2, 29)),
        (date(2025, 8, 31), 18, date(2027, 2, 28)),
        (date(2025, 11, 15), 2, date(2026, 1, 15)),
        (date(2025, 12, 31), 14, date(2027, 2, 28)),
    ],
)
def test_adding_months_keeps_the_day_or_takes_the_months_last(start: date, months: int, expected: date):
    assert add_months(start, months) == expected


@pytest.mark.parametrize(
    ("accepted", "component_class", "last_day"),
    [
        (date(2025, 1, 15), "electrical", date(2026, 7, 15)),
        (date(2025, 1, 15), "steel_structure", date(2028, 1, 15)),
        (date(2024, 8, 31), "electrical", date(2026, 2, 28)),
        (date(2026, 8, 31), "electrical", date(2028, 2, 29)),
        (date(2024, 2, 29), "steel_structure", date(2027, 2, 28)),
    ],
    ids=["mid-month", "three-years", "month-end", "month-end-leap", "leap-day"],
)
def test_the_warranty_covers_its_last_day_whole_and_not_a_moment_more(
    accepted: date, component_class: str, last_day: date
):
    unit = registered(accepted_at=at(accepted, 16, 30), now=at(accepted, 17))
    first_uncovered = at(last_day + timedelta(days=1))

    assert warranty_until(unit, component_class) == first_uncovered
    assert in_warranty(unit, component_class, at(last_day, 23, 59, 999_999)) is True
    assert in_warranty(unit, component_class, first_uncovered) is False


def test_the_day_is_the_acceptances_local_day():
    # 23:30 in Beijing is 15:30 UTC: the warranty ends with Beijing's day, whatever zone asks.
    unit = registered(accepted_at=datetime(2025, 1, 15, 15, 30, tzinfo=UTC))

    assert warranty_until(unit, "electrical") == datetime(2026, 7, 16, 0, 0, tzinfo=UTC)
    assert in_warranty(unit, "electrical", datetime(2026, 7, 15, 23, 0, tzinfo=UTC)) is True
    unit_in_china = registered(accepted_at=datetime(2025, 1, 15, 23, 30, tzinfo=CHINA))
    assert warranty_until(unit_in_china, "electrical") == at(date(2026, 7, 16))


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (ACCEPTED_AT - timedelta(minutes=1), False),
        (ACCEPTED_AT, True),
        (datetime(2025, 6, 1, 12, 0, tzinfo=UTC), True),
    ],
    ids=["before-acceptance", "at-acceptance", "other-zone"],
)
def test_in_warranty_from_acceptance(moment: datetime, expected: bool):
    assert in_warranty(registered(), "electrical", moment) is expected


def test_a_component_class_the_contract_does_not_name_has_no_warranty():
    unit = registered()

    assert warranty_until(unit, "hydraulics") is None
    assert in_warranty(unit, "hydraulics", ACCEPTED_AT + timedelta(days=1)) is False


def test_in_warranty_refuses_a_naive_moment():
    with pytest.raises(InvalidValue):
        in_warranty(registered(), "electrical", datetime(2025, 6, 1))


# -- periodic inspections --------------------------------------------------------------------------


def schedule(done: list[date], today: date, accepted: date = date(2025, 1, 31)) -> InspectionSchedule:
    unit = registered(accepted_at=at(accepted, 10), now=at(accepted, 11))
    return inspection_due_dates(unit, [at(day, 14) for day in done], at(today, 9))


@pytest.mark.parametrize(
    ("done", "today", "next_due", "overdue"),
    [
        ([], date(2025, 5, 1), date(2025, 7, 31), ()),
        ([], date(2025, 7, 31), date(2025, 7, 31), ()),
        ([], date(2025, 8, 1), date(2026, 1, 31), (date(2025, 7, 31),)),
        ([], date(2026, 8, 1), date(2027, 1, 31), (date(2025, 7, 31), date(2026, 1, 31), date(2026, 7, 31))),
        ([date(2025, 7, 20)], date(2025, 8, 1), date(2026, 1, 31), ()),
        ([date(2025, 7, 31)], date(2026, 2, 1), date(2026, 7, 31), (date(2026, 1, 31),)),
        ([date(2025, 7, 20), date(2025, 7, 25)], date(2026, 2, 1), date(2026, 7, 31), (date(2026, 1, 31),)),
        ([date(2025, 9, 10)], date(2025, 10, 1), date(2026, 1, 31), ()),
        ([date(2026, 6, 1)], date(2026, 6, 2), date(2026, 7, 31), ()),
        ([date(2025, 8, 5)], date(2025, 9, 1), date(2026, 1, 31), ()),
        ([date(2025, 1, 31)], date(2025, 8, 1), date(2026, 1, 31), (date(2025, 7, 31),)),
        ([date(2025, 12, 1)], date(2025, 11, 1), date(2026, 1, 31), (date(2025, 7, 31),)),
    ],
    ids=[
        "none-yet",
        "due-today-not-overdue",
        "overdue-the-day-after",
        "three-missed",
        "on-time",
        "on-the-due-day",
        "second-in-a-period-does-not-pay-the-next",
        "late-meets-the-missed-one",
        "late-meets-every-missed-one",
        "a-week-late",
        "the-acceptance-day-is-no-inspection",
        "an-inspection-after-now-is-not-known",
    ],
)
def test_inspections_due_and_overdue(
    done: list[date], today: date, next_due: date, overdue: tuple[date, ...]
):
    assert schedule(done, today) == InspectionSchedule(next_due, overdue)


def test_inspection_due_dates_are_counted_from_acceptance_and_never_drift():
    # Accepted on 31 August, every 6 months: 28 February, then 31 August again (not the 28th).
    found = schedule([], date(2026, 3, 1), accepted=date(2025, 8, 31))

    assert found == InspectionSchedule(date(2026, 8, 31), (date(2026, 2, 28),))
    assert found.is_overdue


def test_a_unit_without_periodic_inspections_has_none_due():
    unit = registered(inspection_interval_months=None)

    assert inspection_due_dates(unit, [], NOW) == InspectionSchedule(None, ())
