"""When the service works: the working hours of each weekday, the holidays and the worked weekend days.

A service commitment counts either calendar hours (`TWENTY_FOUR_SEVEN`) or business hours (a
`BusinessCalendar` of an office). The Chinese public-holiday pattern (调休) is expressed by naming the days
off as `holidays` and the weekend days worked in exchange as `working_days`, e.g. 2026-10-01..07 off and
Sun 2026-09-27 and Sat 2026-10-10 worked.

Pure: no clock, no I/O beyond the time-zone database that `zoneinfo` reads for a zone name. Moments may
come in any offset; the calendar reads them in its own time zone and does its arithmetic in UTC, because
subtracting two aware datetimes of the same zone compares wall clocks and is wrong across a DST change.
It walks day by day, so a 30-day span costs some thirty steps whatever the duration.
"""

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.errors import InvalidValue

MIDNIGHT = time(0)
MONDAY_TO_FRIDAY = (0, 1, 2, 3, 4)
ZERO = timedelta(0)


def require_aware(moment: datetime, field: str) -> None:
    """Refuse a naive datetime: a moment without an offset could be any of 26 hours."""
    if not isinstance(moment, datetime) or moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidValue(f"{field} must be a datetime with a time zone", field=field)


def zone_named(name: str) -> tzinfo:
    """The IANA time zone of this name, e.g. "Asia/Shanghai" for China."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as unknown:
        raise InvalidValue(f"no time zone is named {name!r}", field="time_zone") from unknown


@dataclass(frozen=True)
class WorkingHours:
    """A stretch of work within a day, e.g. 08:30 to 12:00; an end of 00:00 is the midnight ending it."""

    start: time
    end: time

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise InvalidValue("working hours are local times of the calendar's zone", field="working_hours")
        if self.end != MIDNIGHT and self.end <= self.start:
            raise InvalidValue(f"working hours {self} end before they start", field="working_hours")

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"

    def on(self, day: date, zone: tzinfo) -> tuple[datetime, datetime]:
        """These hours on `day` in `zone`, as UTC moments."""
        end_day = day + timedelta(days=1) if self.end == MIDNIGHT else day
        start = datetime.combine(day, self.start, tzinfo=zone).astimezone(UTC)
        return start, datetime.combine(end_day, self.end, tzinfo=zone).astimezone(UTC)


@dataclass(frozen=True)
class BusinessCalendar:
    """The working hours of each weekday (Monday first), the holidays and the weekend days worked."""

    time_zone: tzinfo
    weekly_hours: tuple[tuple[WorkingHours, ...], ...]
    holidays: frozenset[date] = frozenset()
    # Days usually off that are worked (调休), with the hours worked on them.
    working_days: frozenset[date] = frozenset()
    working_day_hours: tuple[WorkingHours, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.time_zone, tzinfo):
            raise InvalidValue("a calendar needs a time zone", field="time_zone")
        if len(self.weekly_hours) != 7:
            raise InvalidValue(
                "a calendar names the working hours of all seven weekdays", field="weekly_hours"
            )
        if not any(self.weekly_hours):
            # Without a working weekday, adding time would never end.
            raise InvalidValue("a calendar needs at least one working weekday", field="weekly_hours")
        for hours in (*self.weekly_hours, self.working_day_hours):
            _require_in_order(hours)
        if self.working_days and not self.working_day_hours:
            raise InvalidValue("worked weekend days need their working hours", field="working_day_hours")
        both = self.holidays & self.working_days
        if both:
            raise InvalidValue(f"{min(both)} is both a holiday and a working day", field="working_days")

    @classmethod
    def office(
        cls,
        time_zone: str | tzinfo,
        hours: Sequence[WorkingHours],
        *,
        weekdays: Iterable[int] = MONDAY_TO_FRIDAY,
        holidays: Iterable[date] = (),
        working_days: Iterable[date] = (),
    ) -> "BusinessCalendar":
        """An office open the same `hours` on each of `weekdays` (0 is Monday) and on each worked day."""
        zone = zone_named(time_zone) if isinstance(time_zone, str) else time_zone
        open_days = set(weekdays)
        if not open_days <= set(range(7)):
            raise InvalidValue("weekdays are numbered 0 (Monday) to 6 (Sunday)", field="weekdays")
        weekly = tuple(tuple(hours) if weekday in open_days else () for weekday in range(7))
        return cls(zone, weekly, frozenset(holidays), frozenset(working_days), tuple(hours))

    def hours_on(self, day: date) -> tuple[WorkingHours, ...]:
        """The working hours on a local date: none on a holiday, the worked-day hours on a 调休 day."""
        if day in self.holidays:
            return ()
        if day in self.working_days:
            return self.working_day_hours
        return self.weekly_hours[day.weekday()]

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The moment `duration` of working time has elapsed after `start`, in the calendar's zone.

        A start outside working hours begins at the next working moment. The result is the earliest such
        moment: a duration that ends with a day's work ends at its closing time, not the next opening.
        A zero duration is `start` itself.
        """
        require_aware(start, "start")
        _require_not_negative(duration)
        remaining = duration
        if remaining == ZERO:
            return start.astimezone(self.time_zone)
        for opens, closes in self._stretches_from(start.astimezone(UTC)):
            if remaining <= closes - opens:
                return (opens + remaining).astimezone(self.time_zone)
            remaining -= closes - opens
        raise AssertionError("unreachable: a calendar with a working weekday never runs out of days")

    def subtract(self, end: datetime, duration: timedelta) -> datetime:
        """The moment from which `duration` of working time elapses until `end`: `add` run backwards."""
        require_aware(end, "end")
        _require_not_negative(duration)
        remaining = duration
        if remaining == ZERO:
            return end.astimezone(self.time_zone)
        for opens, closes in self._stretches_until(end.astimezone(UTC)):
            if remaining <= closes - opens:
                return (closes - remaining).astimezone(self.time_zone)
            remaining -= closes - opens
        raise AssertionError("unreachable: a calendar with a working weekday never runs out of days")

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """The working time between two moments; `end` must not come before `start`."""
        require_aware(start, "start")
        require_aware(end, "end")
        if end < start:
            raise InvalidValue(f"the end {end.isoformat()} comes before the start", field="end")
        total = ZERO
        for opens, closes in self._stretches_from(start.astimezone(UTC)):
            if opens >= end:
                return total
            total += min(closes, end) - opens
        raise AssertionError("unreachable: a calendar with a working weekday never runs out of days")

    def _stretches_on(self, day: date) -> list[tuple[datetime, datetime]]:
        return [hours.on(day, self.time_zone) for hours in self.hours_on(day)]

    def _stretches_from(self, moment: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The working stretches (UTC) after `moment`, the one it falls in cut to begin at it; endless."""
        day = moment.astimezone(self.time_zone).date()
        while True:
            for opens, closes in self._stretches_on(day):
                if closes > moment:
                    yield max(opens, moment), closes
            day += timedelta(days=1)

    def _stretches_until(self, moment: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The working stretches (UTC) before `moment`, latest first, cut to end at it; endless."""
        day = moment.astimezone(self.time_zone).date()
        while True:
            for opens, closes in reversed(self._stretches_on(day)):
                if opens < moment:
                    yield opens, min(closes, moment)
            day -= timedelta(days=1)


def _require_in_order(hours: Sequence[WorkingHours]) -> None:
    """A day's working hours come in order and do not overlap; only the last may end at midnight."""
    for earlier, later in pairwise(hours):
        if earlier.end == MIDNIGHT or later.start < earlier.end:
            raise InvalidValue(f"working hours {earlier} and {later} overlap", field="working_hours")


def _require_not_negative(duration: timedelta) -> None:
    if not isinstance(duration, timedelta) or duration < ZERO:
        raise InvalidValue("a duration of working time must not be negative", field="duration")


ALL_DAY = (WorkingHours(MIDNIGHT, MIDNIGHT),)
# Calendar hours: every moment counts, so working time is elapsed time.
TWENTY_FOUR_SEVEN = BusinessCalendar(UTC, (ALL_DAY,) * 7)
