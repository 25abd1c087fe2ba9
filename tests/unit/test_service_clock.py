"""Service clocks: each commitment's clock read from the marks of one case and the policy.

The office calendar (tests/unit/test_business_calendar.py) works Mon to Fri 08:30-12:00 and 13:30-17:30 in
Asia/Shanghai, with the 2026 National Day week off and Sun 27 September and Sat 10 October worked.
"""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from domain.errors import InvalidValue
from domain.service_clock import ClockMark, ClockPolicy, ClockReading, ClockState, Pause, run_clock
from tests.unit.test_business_calendar import OFFICE, cst

MINUTE, HOUR = timedelta(minutes=1), timedelta(hours=1)
SITE_ACCESS = "waiting for the customer's site access"

RESPOND = ClockPolicy("respond", 30 * MINUTE)
RESPOND_IN_OFFICE_HOURS = ClockPolicy("respond", 30 * MINUTE, OFFICE)
ON_SITE = ClockPolicy("on_site", 8 * HOUR, OFFICE, at_risk_lead=2 * HOUR)
ON_SITE_CALENDAR_HOURS = ClockPolicy("on_site", 8 * HOUR)
FIX = ClockPolicy("fix", 24 * HOUR)
SIGNED_RECORD = ClockPolicy("signed_record", 24 * HOUR, OFFICE)

start, pause, resume, stop, reopen = (
    ClockMark.start,
    ClockMark.pause,
    ClockMark.resume,
    ClockMark.stop,
    ClockMark.reopen,
)


def read(reading: ClockReading, expected: dict[str, Any]) -> dict[str, Any]:
    return {name: getattr(reading, name) for name in expected}


CASES = {
    "met exactly at the due time, calendar hours": (
        RESPOND,
        [start(cst(9, 25, 23, 10)), stop(cst(9, 25, 23, 40))],
        cst(9, 26, 9),
        {"state": ClockState.STOPPED, "due_at": cst(9, 25, 23, 40), "met": True, "breached_by": None},
    ),
    "the 30-minute response breached by 5 minutes": (
        RESPOND,
        [start(cst(9, 25, 23, 10)), stop(cst(9, 25, 23, 45))],
        cst(9, 26, 9),
        {"met": False, "breached_by": 5 * MINUTE, "breached_at": cst(9, 25, 23, 40)},
    ),
    "registered Friday 23:10 before the holiday week, office hours: due on the worked Sunday": (
        RESPOND_IN_OFFICE_HOURS,
        [start(cst(9, 25, 23, 10))],
        cst(9, 26, 12),
        {"state": ClockState.RUNNING, "due_at": cst(9, 27, 9), "working_time": timedelta(0), "met": None},
    ),
    "registered Friday 23:10 before Qingming, read 10 working minutes past due": (
        RESPOND_IN_OFFICE_HOURS,
        [start(cst(4, 3, 23, 10))],
        cst(4, 7, 9, 10),
        {"due_at": cst(4, 7, 9), "breached_by": 10 * MINUTE, "breached_at": cst(4, 7, 9), "met": None},
    ),
    "a pause over midnight and the holiday week pushes the due time out by its working time": (
        ON_SITE,
        [start(cst(9, 30, 9)), pause(cst(9, 30, 16), SITE_ACCESS), resume(cst(10, 8, 10))],
        cst(10, 8, 11),
        {
            "state": ClockState.RUNNING,
            "pauses": (Pause(cst(9, 30, 16), cst(10, 8, 10), SITE_ACCESS),),
            "working_time": 6.5 * HOUR,
            "due_at": cst(10, 8, 14),
            "at_risk_at": cst(10, 8, 10, 30),
            "is_at_risk": True,
        },
    ),
    "a pause over midnight in calendar hours": (
        ON_SITE_CALENDAR_HOURS,
        [start(cst(9, 21, 22)), pause(cst(9, 21, 23, 30), SITE_ACCESS), resume(cst(9, 22, 1))],
        cst(9, 22, 2),
        {"working_time": 2.5 * HOUR, "due_at": cst(9, 22, 7, 30)},
    ),
    "still paused: the due time is where it would be if work resumed now": (
        ON_SITE,
        [start(cst(9, 30, 9)), pause(cst(9, 30, 16), SITE_ACCESS)],
        cst(10, 8, 10),
        {
            "state": ClockState.PAUSED,
            "pauses": (Pause(cst(9, 30, 16), None, SITE_ACCESS),),
            "working_time": 5.5 * HOUR,
            "due_at": cst(10, 8, 14),
            "is_at_risk": False,
        },
    ),
    "a pause never resumed before close ends at the close, its time not counted": (
        FIX,
        [start(cst(9, 21, 9)), pause(cst(9, 21, 12), "waiting for a spare part"), stop(cst(9, 23, 12))],
        cst(9, 30, 9),
        {
            "state": ClockState.STOPPED,
            "pauses": (Pause(cst(9, 21, 12), cst(9, 23, 12), "waiting for a spare part"),),
            "stopped_at": cst(9, 23, 12),
            "working_time": 3 * HOUR,
            "due_at": cst(9, 24, 9),
            "met": True,
        },
    ),
    "a reopened case continues its clock, the time closed not counted": (
        FIX,
        [start(cst(9, 21, 9)), stop(cst(9, 21, 20)), reopen(cst(9, 23, 20)), stop(cst(9, 24, 10))],
        cst(9, 30, 9),
        {
            "started_at": cst(9, 21, 9),
            "pauses": (Pause(cst(9, 21, 20), cst(9, 23, 20), "closed"),),
            "stopped_at": cst(9, 24, 10),
            "working_time": 25 * HOUR,
            "due_at": cst(9, 24, 9),
            "met": False,
            "breached_by": HOUR,
        },
    ),
    "a reopened case fixed within what was left of its target": (
        FIX,
        [start(cst(9, 21, 9)), stop(cst(9, 21, 20)), reopen(cst(9, 23, 20)), stop(cst(9, 24, 8))],
        cst(9, 30, 9),
        {"working_time": 23 * HOUR, "met": True, "breached_by": None},
    ),
    "a reopened case runs again": (
        FIX,
        [start(cst(9, 21, 9)), stop(cst(9, 21, 20)), reopen(cst(9, 23, 20))],
        cst(9, 23, 21),
        {"state": ClockState.RUNNING, "stopped_at": None, "working_time": 12 * HOUR, "met": None},
    ),
    "24 office hours over a weekend, breached by 15 working minutes on Monday": (
        SIGNED_RECORD,
        [start(cst(9, 15, 16)), stop(cst(9, 21, 8, 45))],
        cst(9, 30, 9),
        {"due_at": cst(9, 18, 17, 30), "met": False, "breached_by": 15 * MINUTE},
    ),
    "signed on the Saturday after a Friday due time: no working time used, met": (
        SIGNED_RECORD,
        [start(cst(9, 15, 16)), stop(cst(9, 19, 10))],
        cst(9, 30, 9),
        {"due_at": cst(9, 18, 17, 30), "met": True, "breached_by": None, "breached_at": None},
    ),
    "24 office hours over the holiday week, met exactly at due on the worked Saturday": (
        SIGNED_RECORD,
        [start(cst(9, 30, 10)), stop(cst(10, 10, 11, 30))],
        cst(10, 12, 9),
        {"due_at": cst(10, 10, 11, 30), "working_time": 24 * HOUR, "met": True},
    ),
    "a pause after the due time moves nothing": (
        FIX,
        [
            start(cst(9, 21, 9)),
            pause(cst(9, 22, 11), SITE_ACCESS),
            resume(cst(9, 22, 15)),
            stop(cst(9, 22, 16)),
        ],
        cst(9, 30, 9),
        {"due_at": cst(9, 22, 9), "working_time": 27 * HOUR, "met": False, "breached_by": 3 * HOUR},
    ),
    "marks in UTC and Europe/Berlin, met exactly at the due time in China": (
        ON_SITE,
        [
            start(datetime(2026, 9, 21, 1, tzinfo=UTC)),
            stop(datetime(2026, 9, 22, 3, 30, tzinfo=ZoneInfo("Europe/Berlin"))),
        ],
        datetime(2026, 9, 23, tzinfo=UTC),
        {"started_at": cst(9, 21, 9), "due_at": cst(9, 22, 9, 30), "met": True, "breached_by": None},
    ),
    "marks after now have not happened yet": (
        FIX,
        [start(cst(9, 21, 9)), stop(cst(9, 21, 12))],
        cst(9, 21, 10),
        {"state": ClockState.RUNNING, "stopped_at": None, "working_time": HOUR, "met": None},
    ),
    "no start yet": (
        FIX,
        [start(cst(9, 21, 9))],
        cst(9, 21, 8),
        {"state": ClockState.NOT_STARTED, "started_at": None, "due_at": None, "met": None},
    ),
}


@pytest.mark.parametrize(("policy", "marks", "now", "expected"), CASES.values(), ids=CASES.keys())
def test_the_clock_reads_the_same_from_the_same_marks(
    policy: ClockPolicy, marks: list[ClockMark], now: datetime, expected: dict[str, Any]
) -> None:
    assert read(run_clock(policy, marks, now), expected) == expected


def test_the_due_time_comes_in_the_calendar_zone() -> None:
    reading = run_clock(
        ON_SITE, [start(datetime(2026, 9, 21, 1, tzinfo=UTC))], datetime(2026, 9, 21, 2, tzinfo=UTC)
    )

    assert reading.due_at is not None and reading.due_at.utcoffset() == 8 * HOUR


@pytest.mark.parametrize(
    ("now", "is_at_risk", "breached_at"),
    [
        (cst(10, 8, 10, 29), False, None),
        (cst(10, 8, 10, 30), True, None),
        (cst(10, 8, 14), True, None),
        (cst(10, 8, 14, 1), False, cst(10, 8, 14)),
    ],
    ids=["a minute before the warning", "at the warning", "at the due time", "a minute past: breached"],
)
def test_a_clock_is_at_risk_from_the_lead_time_before_due_until_it_breaches(
    now: datetime, is_at_risk: bool, breached_at: datetime | None
) -> None:
    marks = [start(cst(9, 30, 9)), pause(cst(9, 30, 16), SITE_ACCESS), resume(cst(10, 8, 10))]

    reading = run_clock(ON_SITE, marks, now)

    assert (reading.at_risk_at, reading.is_at_risk, reading.breached_at) == (
        cst(10, 8, 10, 30),
        is_at_risk,
        breached_at,
    )


@pytest.mark.parametrize(
    ("policy", "started", "at_risk_at"),
    [
        (
            ClockPolicy("on_site", 8 * HOUR, OFFICE, at_risk_lead=6 * HOUR),
            cst(9, 18, 14, 30),
            cst(9, 18, 16, 30),
        ),
        (
            ClockPolicy("respond", 30 * MINUTE, at_risk_lead=10 * MINUTE),
            cst(9, 25, 23, 10),
            cst(9, 25, 23, 30),
        ),
        (FIX, cst(9, 21, 9), None),
    ],
    ids=["office hours, back over the weekend", "calendar hours", "no lead, no warning"],
)
def test_the_warning_comes_the_lead_time_before_due_in_working_time(
    policy: ClockPolicy, started: datetime, at_risk_at: datetime | None
) -> None:
    assert run_clock(policy, [start(started)], started).at_risk_at == at_risk_at


T = cst(9, 21, 9)


@pytest.mark.parametrize(
    ("marks", "message"),
    [
        (
            [start(T), resume(T + HOUR)],
            "mark 2 (resume at 2026-09-21T10:00:00+08:00) cannot come when the clock is running",
        ),
        ([start(T), start(T + HOUR)], "mark 2 (start at"),
        (
            [pause(T, SITE_ACCESS)],
            "mark 1 (pause at 2026-09-21T09:00:00+08:00) cannot come when the clock is not started",
        ),
        ([stop(T)], "mark 1 (stop at"),
        ([start(T), reopen(T + HOUR)], "mark 2 (reopen at"),
        ([start(T), pause(T, SITE_ACCESS), resume(T + HOUR), resume(T + 2 * HOUR)], "mark 4 (resume at"),
        ([start(T), stop(T - HOUR)], "mark 2 (stop at 2026-09-21T08:00:00+08:00) comes before the start"),
    ],
    ids=[
        "a resume without a pause",
        "a second start",
        "a pause before the start",
        "a stop before the start",
        "a reopen of a running clock",
        "a resume twice",
        "marks out of order",
    ],
)
def test_marks_the_clock_cannot_follow_are_refused_naming_the_mark(
    marks: list[ClockMark], message: str
) -> None:
    with pytest.raises(InvalidValue, match=None) as refused:
        run_clock(FIX, marks, T + 3 * HOUR)

    assert message in str(refused.value)
    assert refused.value.field == "marks"


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: start(datetime(2026, 9, 21, 9)), "at"),
        (lambda: pause(T, "  "), "reason"),
        (lambda: run_clock(FIX, [start(T)], datetime(2026, 9, 21, 9)), "now"),
        (lambda: ClockPolicy("fix", timedelta(0)), "target"),
        (lambda: ClockPolicy("respond", 30 * MINUTE, at_risk_lead=30 * MINUTE), "at_risk_lead"),
        (lambda: ClockPolicy(" ", HOUR), "name"),
    ],
    ids=[
        "a naive mark",
        "a pause without a reason",
        "a naive now",
        "no target",
        "a lead as long as the target",
        "no name",
    ],
)
def test_a_clock_that_cannot_be_read_is_refused(build: Callable[[], object], field: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        build()

    assert refused.value.field == field
