"""Business-time arithmetic on a working calendar.

A `WorkingCalendar` is built from plain data: a time zone, weekly opening hours (several
intervals a day), public holidays, and exception days that are closed or open with special
hours. It answers "is it open", "when does it open / close next", "add N working hours",
"working time between two instants", "add N working days" and the same-day rule of Direct
Assistance. Every instant given is an aware datetime; every instant returned is in UTC.

Rules (a support operations manager's reading of issue 5):

* Open means: the calendar's wall clock shows a date whose hours contain the time it shows.
  So on a daylight-saving day an interval without the change in it keeps its nominal
  length, an interval with the change in it counts the real elapsed time, and a time that a
  spring change skips is simply never open (see `ZoneClock.intervals_of_day`).
* Which hours a date has: an "open" exception's hours (an "open" exception without hours
  keeps the weekly hours, e.g. to work on a public holiday), else closed on a "closed"
  exception or a public holiday, else the weekly hours of its weekday.
* Intervals are half-open: open at 09:00:00, closed at 12:00:00.
* Working hours (`add_working_time`): time counts only inside open intervals; the deadline is
  the first instant at which the duration has been worked, so Friday 17:00 + 1 h is Friday
  18:00, not Monday's opening. A zero duration returns the start.
* Working days (`add_working_days`), "24-hour periods that skip closed days": the deadline is
  the start's local wall-clock time on the N-th open day after the start's day. A start on a
  day with no opening at all (weekend, holiday, closure) first moves to the next opening, so
  Saturday counts from Monday 09:00 and is due Tuesday 09:00. A start on an open day keeps
  its time of day whatever the hour: Friday 17:30 -> Monday 17:30, Tuesday 20:00 ->
  Wednesday 20:00, Tuesday 07:00 -> Wednesday 07:00. If that wall time is skipped by a
  spring change on the due day the deadline is the change itself (the clock jumps past it);
  if it occurs twice in autumn, it is the first occurrence (the earlier, stricter deadline).
* Same day (`same_day_deadline`): arriving on an open day before the cut-off (local wall
  clock) and before that day's last closing, due at that last closing; otherwise due after
  the fallback in working hours.
* Searches give up with `SearchLimitError` after about three years without an opening.

Speed: the open intervals are precomputed as UTC microsecond bounds per UTC-aligned week
(with the cumulative open time), kept in bounded caches, and searched with `bisect`; whole
weeks are skipped by their total. Nothing walks minute by minute. A calendar is safe to share
between threads (its caches hold derived values only; a lost race costs a recompute);
build it once and reuse it, since a fresh calendar starts with cold caches.
"""

from __future__ import annotations

import operator
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping
from contextlib import suppress
from datetime import date, datetime, time, timedelta
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple

from supportdesk.sla.errors import CalendarConfigError, SearchLimitError
from supportdesk.sla.hours import (
    DAY,
    DayHours,
    HoursSpec,
    merge_intervals,
    parse_day_hours,
    parse_time_of_day,
    parse_weekly_hours,
)
from supportdesk.sla.public_holidays import PublicHolidays
from supportdesk.sla.zone import (
    EPOCH_ORDINAL,
    ZoneClock,
    day_start,
    duration_us,
    from_us,
    load_zone,
    to_us,
)

if TYPE_CHECKING:
    from supportdesk.core.models import BusinessCalendar

MAX_SEARCH_DAYS = 3 * 366
"""How far a search for an opening goes before it gives up."""

_WEEK = 7 * DAY
_MAX_EMPTY_WEEKS = MAX_SEARCH_DAYS // 7 + 1
_DEFAULT_CACHE_WEEKS = 1024  # about twenty years of weeks per calendar


class _Week(NamedTuple):
    """Open intervals of one UTC-aligned week, clipped to it.

    `bounds` is flat (start, end, start, end...) so `bisect` on an instant tells whether it is
    open (odd index) and which interval is next; `done[k]` is the open time up to the end of
    interval k; `total` is the week's open time.
    """

    bounds: list[int]
    done: list[int]
    total: int


HolidaySource = Callable[[int], Iterable[date]]
"""A function of a year giving its public holidays, asked lazily, once per year."""


class WorkingCalendar:
    """An immutable working calendar and its business-time arithmetic (see the module doc)."""

    __slots__ = (
        "_cache_weeks",
        "_clock",
        "_closed_days",
        "_days",
        "_holiday_source",
        "_holiday_years",
        "_holidays",
        "_special_hours",
        "_weekly",
        "_weeks",
        "name",
        "time_zone",
    )

    name: str
    time_zone: str
    _cache_weeks: int
    _clock: ZoneClock
    _closed_days: frozenset[date]
    _days: dict[int, tuple[tuple[int, int], ...]]
    _holiday_source: HolidaySource | None
    _holiday_years: dict[int, frozenset[date]]
    _holidays: frozenset[date]
    _special_hours: Mapping[date, DayHours]
    _weekly: tuple[DayHours, ...]
    _weeks: dict[int, _Week]

    def __init__(
        self,
        *,
        time_zone: str,
        weekly_hours: Mapping[str, HoursSpec] | Mapping[int, HoursSpec],
        holidays: Iterable[date] = (),
        closed_days: Iterable[date] = (),
        special_hours: Mapping[date, HoursSpec] | None = None,
        holiday_source: HolidaySource | None = None,
        name: str = "",
        cache_weeks: int = _DEFAULT_CACHE_WEEKS,
    ) -> None:
        """Build a calendar.

        `weekly_hours` maps ISO weekdays ("1" = Monday) to `[["09:00", "12:00"], ...]`;
        `holidays` are closed dates, and `holiday_source(year)` gives more of them lazily
        (e.g. `PublicHolidays("FR")`); `closed_days` are closure exceptions; `special_hours`
        maps opening exceptions to their hours (an empty list keeps the weekly hours).
        """
        special = {
            day: parse_day_hours(hours, where=f"special_hours[{day.isoformat()}]")
            for day, hours in (special_hours or {}).items()
        }
        closed = frozenset(closed_days)
        if clash := sorted(closed & special.keys()):
            raise CalendarConfigError(
                f"exceptions: {clash[0].isoformat()} is both closed and open with special hours"
            )
        setattr_ = object.__setattr__
        setattr_(self, "name", name)
        setattr_(self, "time_zone", time_zone)
        setattr_(self, "_clock", ZoneClock(load_zone(time_zone)))
        setattr_(self, "_weekly", parse_weekly_hours(weekly_hours))
        setattr_(self, "_holidays", frozenset(holidays))
        setattr_(self, "_closed_days", closed)
        setattr_(self, "_special_hours", MappingProxyType(special))
        setattr_(self, "_holiday_source", holiday_source)
        setattr_(self, "_holiday_years", {})
        setattr_(self, "_days", {})
        setattr_(self, "_weeks", {})
        setattr_(self, "_cache_weeks", max(cache_weeks, 8))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"WorkingCalendar is immutable; cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"WorkingCalendar is immutable; cannot delete {name!r}")

    def __repr__(self) -> str:
        return f"WorkingCalendar(name={self.name!r}, time_zone={self.time_zone!r})"

    # --- the configuration, read-only -------------------------------------------------------

    @property
    def weekly(self) -> tuple[DayHours, ...]:
        """Monday..Sunday local intervals, microseconds since local midnight."""
        return self._weekly

    @property
    def holidays(self) -> frozenset[date]:
        """Holidays given as dates (those of `holiday_source` are not listed)."""
        return self._holidays

    @property
    def closed_days(self) -> frozenset[date]:
        return self._closed_days

    @property
    def special_hours(self) -> Mapping[date, DayHours]:
        return self._special_hours

    @property
    def holiday_source(self) -> HolidaySource | None:
        return self._holiday_source

    # --- public operations on datetimes -----------------------------------------------------

    def is_open(self, at: datetime) -> bool:
        instant = to_us(at)
        return bisect_right(self._week(instant // _WEEK).bounds, instant) & 1 == 1

    def next_opening(self, at: datetime) -> datetime:
        """`at` itself (in UTC) if open, else the start of the next open interval."""
        return from_us(self._next_opening(to_us(at)))

    def next_closing(self, at: datetime) -> datetime:
        """The end of the open period containing `at`, or of the next one if closed."""
        return from_us(self._next_closing(to_us(at)))

    def add_working_time(self, start: datetime, duration: timedelta) -> datetime:
        """The first instant by which `duration` of open time has passed since `start`."""
        return from_us(self._add_working_time(to_us(start), _non_negative(duration)))

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Open time in [start, end); zero when `end` is not after `start`."""
        return timedelta(microseconds=self._working_time_between(to_us(start), to_us(end)))

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """`start`'s local time of day on the `days`-th open day after it (see module doc).

        `days` is a whole number: a fraction of a working day has no agreed meaning (convert
        it to working hours instead).
        """
        days = operator.index(days)
        if days < 0:
            raise ValueError(f"days must not be negative, got {days}")
        instant = to_us(start)
        day, time_of_day = self._local(instant)
        if not self._day(day):
            instant = self._next_opening(instant)
            day, time_of_day = self._local(instant)
        if days == 0:
            return from_us(instant)
        remaining, closed_run = days, 0
        while remaining:
            day += 1
            if self._day(day):
                remaining -= 1
                closed_run = 0
            else:
                closed_run += 1
                if closed_run > MAX_SEARCH_DAYS:
                    raise self._no_opening(instant)
        return from_us(self._clock.utc_of_wall(day * DAY + time_of_day))

    def end_of_working_day(self, at: datetime) -> datetime:
        """The last closing of `at`'s local day if still ahead, else of the next open day."""
        return from_us(self._end_of_working_day(to_us(at)))

    def same_day_deadline(self, at: datetime, cutoff: time, fallback: timedelta) -> datetime:
        """Due at the end of the working day if it arrives on an open day before `cutoff`
        (local) and before that day's last closing; otherwise `fallback` working time later."""
        instant = to_us(at)
        day, time_of_day = self._local(instant)
        intervals = self._day(day)
        if (
            intervals
            and time_of_day < parse_time_of_day(cutoff, where="cutoff")
            and instant < intervals[-1][1]
        ):
            return from_us(intervals[-1][1])
        return from_us(self._add_working_time(instant, _non_negative(fallback)))

    def working_intervals(self, day: date) -> tuple[tuple[datetime, datetime], ...]:
        """The open intervals of a local date, as UTC datetimes (for display)."""
        return tuple((from_us(s), from_us(e)) for s, e in self._day(_day_number(day)))

    def is_working_day(self, day: date) -> bool:
        """Whether the local date has any open time."""
        return bool(self._day(_day_number(day)))

    # --- the engine, on integer microseconds since the epoch --------------------------------

    def _next_opening(self, instant: int) -> int:
        week_index = instant // _WEEK
        bounds = self._week(week_index).bounds
        index = bisect_right(bounds, instant)
        if index & 1:
            return instant
        if index < len(bounds):
            return bounds[index]
        for _ in range(_MAX_EMPTY_WEEKS):
            week_index += 1
            bounds = self._week(week_index).bounds
            if bounds:
                return bounds[0]
        raise self._no_opening(instant)

    def _next_closing(self, instant: int) -> int:
        opening = self._next_opening(instant)
        week_index = opening // _WEEK
        bounds = self._week(week_index).bounds
        end = bounds[bisect_right(bounds, opening)]
        # An open period can run across the weeks' seams; follow it (a calendar open round
        # the clock never closes, hence the bound).
        for _ in range(_MAX_EMPTY_WEEKS):
            if end != (week_index + 1) * _WEEK:
                return end
            week_index += 1
            bounds = self._week(week_index).bounds
            if not bounds or bounds[0] != end:
                return end
            end = bounds[1]
        raise SearchLimitError(
            f"{self._label()} does not close within {MAX_SEARCH_DAYS} days of {from_us(opening)}"
        )

    def _add_working_time(self, instant: int, duration: int) -> int:
        if duration == 0:
            return instant
        week_index = instant // _WEEK
        week = self._week(week_index)
        needed = duration + _done_before(week, instant)
        empty_run = 0
        while needed > week.total:
            needed -= week.total
            empty_run = 0 if week.total else empty_run + 1
            if empty_run > _MAX_EMPTY_WEEKS:
                raise self._no_opening(instant)
            week_index += 1
            week = self._week(week_index)
        index = bisect_left(week.done, needed)
        return week.bounds[2 * index + 1] - (week.done[index] - needed)

    def _working_time_between(self, start: int, end: int) -> int:
        if end <= start:
            return 0
        first, last = start // _WEEK, end // _WEEK
        week = self._week(first)
        if first == last:
            return _done_before(week, end) - _done_before(week, start)
        total = week.total - _done_before(week, start)
        for week_index in range(first + 1, last):
            total += self._week(week_index).total
        return total + _done_before(self._week(last), end)

    def _end_of_working_day(self, instant: int) -> int:
        day, _ = self._local(instant)
        for _ in range(MAX_SEARCH_DAYS):
            intervals = self._day(day)
            if intervals and intervals[-1][1] > instant:
                return intervals[-1][1]
            day += 1
        raise self._no_opening(instant)

    def _local(self, instant: int) -> tuple[int, int]:
        """The local day number (days since 1970-01-01) and time of day at `instant`."""
        day, time_of_day = divmod(self._clock.wall(instant), DAY)
        return day, time_of_day

    def _hours_of_day(self, day_number: int) -> DayHours:
        weekly = self._weekly[(day_number + 3) % 7]  # 1970-01-01 was a Thursday
        if not weekly and not self._special_hours:
            return ()
        day = date.fromordinal(day_number + EPOCH_ORDINAL)
        special = self._special_hours.get(day)
        if special is not None:
            return special or weekly
        if not weekly or day in self._closed_days or self._is_holiday(day):
            return ()
        return weekly

    def _is_holiday(self, day: date) -> bool:
        if day in self._holidays:
            return True
        if self._holiday_source is None:
            return False
        year = self._holiday_years.get(day.year)
        if year is None:
            year = frozenset(self._holiday_source(day.year))
            self._holiday_years[day.year] = year
        return day in year

    def _day(self, day_number: int) -> tuple[tuple[int, int], ...]:
        """UTC open intervals of a local date (cached)."""
        intervals = self._days.get(day_number)
        if intervals is None:
            hours = self._hours_of_day(day_number)
            intervals = (
                tuple(self._clock.intervals_of_day(day_number * DAY, hours)) if hours else ()
            )
            _remember(self._days, day_number, intervals, 8 * self._cache_weeks)
        return intervals

    def _week(self, week_index: int) -> _Week:
        week = self._weeks.get(week_index)
        if week is None:
            week = self._build_week(week_index)
            _remember(self._weeks, week_index, week, self._cache_weeks)
        return week

    def _build_week(self, week_index: int) -> _Week:
        start, end = week_index * _WEEK, (week_index + 1) * _WEEK
        spans: list[tuple[int, int]] = []
        # Offsets are under a day, so a local date's intervals lie within a day of it.
        for day_number in range(start // DAY - 1, end // DAY + 1):
            for opens, closes in self._day(day_number):
                if opens < end and closes > start:
                    spans.append((max(opens, start), min(closes, end)))
        bounds: list[int] = []
        done: list[int] = []
        total = 0
        for opens, closes in merge_intervals(spans):
            bounds += (opens, closes)
            total += closes - opens
            done.append(total)
        return _Week(bounds, done, total)

    def _label(self) -> str:
        return f"calendar {self.name!r}" if self.name else f"calendar in {self.time_zone}"

    def _no_opening(self, instant: int) -> SearchLimitError:
        return SearchLimitError(
            f"{self._label()} has no opening within {MAX_SEARCH_DAYS} days after "
            f"{from_us(instant).isoformat()}"
        )


def _done_before(week: _Week, instant: int) -> int:
    """Open time of `week` before `instant`."""
    index = bisect_right(week.bounds, instant)
    interval = index >> 1
    done = week.done[interval - 1] if interval else 0
    if index & 1:
        done += instant - week.bounds[index - 1]
    return done


def _day_number(day: date) -> int:
    return day_start(day) // DAY


def _non_negative(duration: timedelta) -> int:
    value = duration_us(duration)
    if value < 0:
        raise ValueError(f"duration must not be negative, got {duration}")
    return value


def _remember(cache: dict[Any, Any], key: object, value: object, limit: int) -> None:
    """Store in a bounded cache, evicting the oldest entry first."""
    if len(cache) >= limit:
        # Another thread may evict at the same time: losing that race only costs a recompute.
        with suppress(KeyError, RuntimeError, StopIteration):
            del cache[next(iter(cache))]
    cache[key] = value


def calendar_from_model(calendar: BusinessCalendar) -> WorkingCalendar:
    """Build the working calendar of a `BusinessCalendar` row and its exceptions.

    Public holidays come from the `holidays` package for the row's country and subdivision.
    This is the only function of the engine that touches Django (one query for exceptions).
    """
    closed: set[date] = set()
    special: dict[date, HoursSpec] = {}
    for exception in calendar.exceptions.all():
        if exception.kind == "closed":
            closed.add(exception.day)
        elif exception.kind == "open":
            special[exception.day] = exception.hours or []
        else:
            raise CalendarConfigError(
                f"exceptions: {exception.day.isoformat()} has unknown kind {exception.kind!r}"
            )
    source = (
        PublicHolidays(calendar.holiday_country, calendar.holiday_subdivision)
        if calendar.holiday_country
        else None
    )
    return WorkingCalendar(
        name=calendar.name,
        time_zone=calendar.time_zone,
        weekly_hours=calendar.weekly_hours,
        closed_days=closed,
        special_hours=special,
        holiday_source=source,
    )
