"""Business calendars: working time added and counted over working hours, holidays and worked weekend days.

The office works Mon to Fri 08:30-12:00 and 13:30-17:30 (7.5 hours a day) in Asia/Shanghai. Its 2026
holidays follow the Chinese pattern: Qingming Sat 4 to Mon 6 April; National Day Thu 1 to Wed 7 October,
with Sun 27 September and Sat 10 October worked in exchange (调休).
"""

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from domain.business_calendar import ALL_DAY, TWENTY_FOUR_SEVEN, BusinessCalendar, WorkingHours
from domain.errors import InvalidValue

CHINA = timezone(timedelta(hours=8))
BERLIN = ZoneInfo("Europe/Berlin")
MINUTE, HOUR = timedelta(minutes=1), timedelta(hours=1)

OFFICE_HOURS = (WorkingHours(time(8, 30), time(12)), WorkingHours(time(13, 30), time(17, 30)))
NATIONAL_DAY = [date(2026, 10, 1) + timedelta(days=n) for n in range(7)]
QINGMING = [date(2026, 4, 4), date(2026, 4, 5), date(2026, 4, 6)]
OFFICE = BusinessCalendar.office(
    "Asia/Shanghai",
    OFFICE_HOURS,
    holidays=NATIONAL_DAY + QINGMING,
    working_days=[date(2026, 9, 27), date(2026, 10, 10)],
)
BERLIN_OFFICE = BusinessCalendar.office(BERLIN, [WorkingHours(time(9), time(17))])
BERLIN_ALL_DAYS = BusinessCalendar.office("Europe/Berlin", ALL_DAY, weekdays=range(7))


def cst(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of 2026 in China Standard Time."""
    return datetime(2026, month, day, hour, minute, tzinfo=CHINA)


@pytest.mark.parametrize(
    ("start", "duration", "expected"),
    [
        (cst(9, 21, 9), HOUR, cst(9, 21, 10)),
        (cst(9, 21, 11, 30), HOUR, cst(9, 21, 14)),
        (cst(9, 21, 8, 30), 3.5 * HOUR, cst(9, 21, 12)),
        (cst(9, 21, 7), HOUR, cst(9, 21, 9, 30)),
        (cst(9, 21, 12, 30), 30 * MINUTE, cst(9, 21, 14)),
        (cst(9, 21, 17, 30), 30 * MINUTE, cst(9, 22, 9)),
        (cst(9, 18, 16), 8 * HOUR, cst(9, 21, 16, 30)),
        (cst(9, 25, 23, 10), 30 * MINUTE, cst(9, 27, 9)),
        (cst(4, 3, 23, 10), 30 * MINUTE, cst(4, 7, 9)),
        (cst(9, 30, 10), 24 * HOUR, cst(10, 10, 11, 30)),
        (cst(9, 21, 9), 30 * 7.5 * HOUR, cst(11, 5, 9)),
        (cst(9, 21, 7), timedelta(0), cst(9, 21, 7)),
    ],
    ids=[
        "within the morning",
        "across the lunch break",
        "ends exactly at closing, not at the next opening",
        "before opening begins at opening",
        "during lunch begins after lunch",
        "at closing begins the next morning",
        "over a weekend",
        "Friday 23:10 before the holiday week: the worked Sunday",
        "Friday 23:10 before Qingming: the Tuesday after",
        "24 business hours over the holiday week end on the worked Saturday",
        "thirty working days, the holiday week skipped",
        "nothing to add",
    ],
)
def test_add_counts_only_working_time(start: datetime, duration: timedelta, expected: datetime) -> None:
    assert OFFICE.add(start, duration) == expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (cst(9, 21, 9), cst(9, 21, 10), HOUR),
        (cst(9, 21, 11), cst(9, 21, 14), 1.5 * HOUR),
        (cst(9, 21, 12, 10), cst(9, 21, 13, 20), timedelta(0)),
        (cst(9, 21, 16), cst(9, 22, 9), 2 * HOUR),
        (cst(9, 30, 16), cst(10, 8, 10), 3 * HOUR),
        (cst(9, 25, 17), cst(9, 27, 9), HOUR),
        (cst(9, 1, 0), cst(10, 1, 0), 23 * 7.5 * HOUR),
        (cst(9, 21, 9), cst(9, 21, 9), timedelta(0)),
    ],
    ids=[
        "within the morning",
        "across the lunch break",
        "all of it in the lunch break",
        "across midnight",
        "across midnight and the holiday week",
        "across a weekend with a worked Sunday",
        "a 30-day span: September's 22 weekdays and the worked Sunday",
        "no time at all",
    ],
)
def test_elapsed_counts_only_working_time(start: datetime, end: datetime, expected: timedelta) -> None:
    assert OFFICE.elapsed(start, end) == expected


@pytest.mark.parametrize(
    ("end", "duration", "expected"),
    [
        (cst(9, 21, 14), HOUR, cst(9, 21, 11, 30)),
        (cst(9, 21, 9), HOUR, cst(9, 18, 17)),
        (cst(10, 8, 9), HOUR, cst(9, 30, 17)),
        (cst(9, 21, 13, 30), 3.5 * HOUR, cst(9, 21, 8, 30)),
    ],
    ids=["across lunch", "back over a weekend", "back over the holiday week", "to the opening exactly"],
)
def test_subtract_runs_add_backwards(end: datetime, duration: timedelta, expected: datetime) -> None:
    assert OFFICE.subtract(end, duration) == expected
    assert OFFICE.elapsed(expected, end) == duration


@pytest.mark.parametrize(
    "start",
    [
        datetime(2026, 9, 21, 1, 0, tzinfo=UTC),
        datetime(2026, 9, 21, 3, 0, tzinfo=BERLIN),
        datetime(2026, 9, 20, 20, 0, tzinfo=timezone(timedelta(hours=-5))),
    ],
    ids=["UTC", "Europe/Berlin in summer time", "UTC-5 the evening before"],
)
def test_a_moment_in_any_offset_is_read_in_the_calendar_zone(start: datetime) -> None:
    due = OFFICE.add(start, HOUR)

    assert due == cst(9, 21, 10)
    assert due.utcoffset() == 8 * HOUR
    assert OFFICE.elapsed(start, cst(9, 21, 14)) == 3.5 * HOUR


@pytest.mark.parametrize(
    ("calendar", "start", "end", "expected"),
    [
        (
            BERLIN_ALL_DAYS,
            datetime(2026, 10, 25, tzinfo=BERLIN),
            datetime(2026, 10, 26, tzinfo=BERLIN),
            25 * HOUR,
        ),
        (
            BERLIN_ALL_DAYS,
            datetime(2026, 3, 29, tzinfo=BERLIN),
            datetime(2026, 3, 30, tzinfo=BERLIN),
            23 * HOUR,
        ),
        (
            BERLIN_OFFICE,
            datetime(2026, 10, 23, 16, tzinfo=BERLIN),
            datetime(2026, 10, 26, 10, tzinfo=BERLIN),
            2 * HOUR,
        ),
        (
            TWENTY_FOUR_SEVEN,
            datetime(2026, 10, 25, tzinfo=BERLIN),
            datetime(2026, 10, 26, tzinfo=BERLIN),
            25 * HOUR,
        ),
    ],
    ids=[
        "the day summer time ends has 25 hours",
        "the day summer time starts has 23 hours",
        "office hours over the weekend summer time ends",
        "calendar hours count real time across the change",
    ],
)
def test_working_time_is_real_time_across_a_dst_change(
    calendar: BusinessCalendar, start: datetime, end: datetime, expected: timedelta
) -> None:
    assert calendar.elapsed(start, end) == expected
    assert calendar.add(start, expected) == end


def test_office_hours_after_summer_time_ends_are_in_winter_time() -> None:
    due = BERLIN_OFFICE.add(datetime(2026, 10, 23, 9, tzinfo=BERLIN), 16 * HOUR)

    assert due == datetime(2026, 10, 26, 17, tzinfo=BERLIN)
    assert due == datetime(2026, 10, 26, 16, tzinfo=UTC)


@pytest.mark.parametrize(
    ("start", "duration"),
    [(datetime(2026, 1, 1, 23, 59, tzinfo=CHINA), 720 * HOUR), (cst(9, 18, 16, 1), 2 * HOUR + 7 * MINUTE)],
    ids=["thirty days in calendar hours", "odd minutes over the weekend"],
)
def test_calendar_hours_are_plain_time(start: datetime, duration: timedelta) -> None:
    assert TWENTY_FOUR_SEVEN.add(start, duration) == start + duration
    assert TWENTY_FOUR_SEVEN.elapsed(start, start + duration) == duration


@pytest.mark.parametrize(
    "duration",
    [MINUTE, 3.5 * HOUR, 7.5 * HOUR, 24 * HOUR, 80 * HOUR],
    ids=["a minute", "a morning", "a day", "24 hours", "80 hours"],
)
def test_elapsed_after_add_gives_back_the_duration(duration: timedelta) -> None:
    for start in (cst(9, 25, 23, 10), cst(9, 30, 12, 15), cst(4, 2, 17)):
        assert OFFICE.elapsed(start, OFFICE.add(start, duration)) == duration


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: OFFICE.add(datetime(2026, 9, 21, 9), HOUR), "start"),
        (lambda: OFFICE.elapsed(cst(9, 21, 9), datetime(2026, 9, 21, 10)), "end"),
        (lambda: OFFICE.elapsed(cst(9, 21, 10), cst(9, 21, 9)), "end"),
        (lambda: OFFICE.add(cst(9, 21, 9), -HOUR), "duration"),
        (lambda: OFFICE.subtract(cst(9, 21, 9), -HOUR), "duration"),
    ],
    ids=[
        "a naive start",
        "a naive end",
        "an end before the start",
        "a negative duration",
        "subtracting less",
    ],
)
def test_a_moment_or_duration_the_calendar_cannot_read_is_refused(
    call: Callable[[], object], field: str
) -> None:
    with pytest.raises(InvalidValue) as refused:
        call()

    assert refused.value.field == field


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: BusinessCalendar.office("Asia/Nowhere", OFFICE_HOURS), "time_zone"),
        (lambda: BusinessCalendar.office(CHINA, OFFICE_HOURS, weekdays=()), "weekly_hours"),
        (lambda: BusinessCalendar.office(CHINA, OFFICE_HOURS, weekdays=[7]), "weekdays"),
        (lambda: WorkingHours(time(12), time(8, 30)), "working_hours"),
        (lambda: BusinessCalendar.office(CHINA, list(reversed(OFFICE_HOURS))), "working_hours"),
        (
            lambda: BusinessCalendar.office(
                CHINA, OFFICE_HOURS, holidays=[date(2026, 10, 10)], working_days=[date(2026, 10, 10)]
            ),
            "working_days",
        ),
        (
            lambda: BusinessCalendar(CHINA, (OFFICE_HOURS,) * 5 + ((), ()), working_days=frozenset(QINGMING)),
            "working_day_hours",
        ),
    ],
    ids=[
        "an unknown zone name",
        "no working weekday",
        "a weekday past Sunday",
        "hours that end before they start",
        "overlapping hours",
        "a date both off and worked",
        "worked days without hours",
    ],
)
def test_a_calendar_that_cannot_work_is_refused(build: Callable[[], object], field: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        build()

    assert refused.value.field == field


def test_a_holiday_on_a_weekday_has_no_hours_and_a_worked_sunday_has_office_hours() -> None:
    assert OFFICE.hours_on(date(2026, 10, 1)) == ()
    assert OFFICE.hours_on(date(2026, 9, 27)) == OFFICE_HOURS
    assert OFFICE.hours_on(date(2026, 9, 26)) == ()
