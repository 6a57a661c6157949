"""Property-based tests: the engine agrees with a brute-force minute-by-minute reference.

The reference knows nothing of the engine's weeks, offsets or bisection: for each UTC minute
it asks zoneinfo for the local wall clock and checks whether that local date's hours contain
that local time. Interval bounds lie on a 15-minute grid and the zones change offset on whole
hours, so whether the calendar is open is constant within each UTC minute and counting
minutes is exact. Windows are placed around each zone's DST changes and year ends.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from supportdesk.sla.calendar import WorkingCalendar
from supportdesk.sla.errors import SearchLimitError

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
DAYS_BEFORE, DAYS_AFTER = 2, 7  # the window around the anchor date

ANCHORS = {
    "Europe/Paris": [date(2024, 3, 31), date(2024, 10, 27), date(2025, 3, 30), date(2025, 10, 26)],
    "America/New_York": [date(2024, 3, 10), date(2024, 11, 3), date(2025, 3, 9), date(2025, 11, 2)],
    "Australia/Sydney": [date(2024, 4, 7), date(2024, 10, 6), date(2025, 4, 6), date(2025, 10, 5)],
    "UTC": [date(2024, 2, 29)],
}
YEAR_ENDS = [date(2024, 12, 31), date(2025, 12, 31), date(2025, 6, 18)]

PROPERTY_SETTINGS = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

Hours = list[tuple[int, int]]  # minutes since local midnight, possibly overlapping


@dataclass
class Scenario:
    zone: str
    anchor: date
    weekly: list[Hours]  # Monday..Sunday
    holidays: set[date]
    closed: set[date]
    special: dict[date, Hours]
    minutes: list[int] = field(default_factory=list)  # random instants, minutes since epoch

    # --- the reference -------------------------------------------------------------------

    def hours_of(self, day: date) -> Hours:
        if day in self.special:
            return self.special[day] or self.weekly[day.weekday()]
        if day in self.closed or day in self.holidays:
            return []
        return self.weekly[day.weekday()]

    @cached_property
    def first_minute(self) -> int:
        start = datetime.combine(self.anchor - timedelta(days=DAYS_BEFORE), datetime.min.time())
        return int(start.replace(tzinfo=UTC).timestamp()) // 60

    @cached_property
    def last_minute(self) -> int:
        return self.first_minute + (DAYS_BEFORE + DAYS_AFTER) * 1440

    @cached_property
    def local(self) -> list[datetime]:
        zone = ZoneInfo(self.zone)
        return [
            (EPOCH + m * MINUTE).astimezone(zone)
            for m in range(self.first_minute, self.last_minute)
        ]

    @cached_property
    def open_flags(self) -> list[bool]:
        flags = []
        for wall in self.local:
            minute_of_day = wall.hour * 60 + wall.minute
            flags.append(any(s <= minute_of_day < e for s, e in self.hours_of(wall.date())))
        return flags

    def open_at(self, minute: int) -> bool:
        return self.open_flags[minute - self.first_minute]

    def next_opening(self, minute: int) -> int | None:
        for m in range(minute, self.last_minute):
            if self.open_at(m):
                return m
        return None

    def add_working_minutes(self, minute: int, amount: int) -> int | None:
        m, remaining = minute, amount
        while remaining:
            if m >= self.last_minute:
                return None
            if self.open_at(m):
                remaining -= 1
            m += 1
        return m

    def working_minutes_between(self, a: int, b: int) -> int:
        return sum(self.open_at(m) for m in range(a, b))

    def add_working_days(self, minute: int, days: int) -> int | None:
        """The rule, brute force: keep the wall-clock time, count days that have any open
        minute, and answer the first minute whose wall clock reads that time or later."""
        covered = {
            wall.date() for wall in self.local[1440:-1440]
        }  # dates whose minutes are all in the window
        start = minute
        day = self.local[start - self.first_minute].date()
        if day not in covered:
            return None
        if not self.open_on(day):
            opening = self.next_opening(start)
            if opening is None:
                return None
            start = opening
            day = self.local[start - self.first_minute].date()
        if days == 0:
            return start
        wall_time = self.local[start - self.first_minute].time().replace(tzinfo=None)
        while days:
            day += timedelta(days=1)
            if day not in covered:
                return None
            if self.open_on(day):
                days -= 1
        target = datetime.combine(day, wall_time)
        for m in range(self.first_minute, self.last_minute):
            if self.local[m - self.first_minute].replace(tzinfo=None) >= target:
                return m
        return None

    def open_on(self, day: date) -> bool:
        return any(
            flag
            for wall, flag in zip(self.local, self.open_flags, strict=True)
            if wall.date() == day
        )

    # --- the engine ------------------------------------------------------------------------

    def calendar(self) -> WorkingCalendar:
        return WorkingCalendar(
            time_zone=self.zone,
            weekly_hours={
                str(index + 1): [[hhmm(s), hhmm(e)] for s, e in hours]
                for index, hours in enumerate(self.weekly)
            },
            holidays=self.holidays,
            closed_days=self.closed,
            special_hours={
                day: [[hhmm(s), hhmm(e)] for s, e in hours] for day, hours in self.special.items()
            },
        )


def hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def at(minute: int) -> datetime:
    return EPOCH + minute * MINUTE


def minute_of(moment: datetime) -> int:
    seconds = (moment - EPOCH).total_seconds()
    assert seconds % 60 == 0, moment
    return int(seconds) // 60


interval = st.tuples(st.integers(0, 96), st.integers(0, 96)).filter(lambda p: p[0] != p[1])
day_hours = st.lists(interval.map(lambda p: (min(p) * 15, max(p) * 15)), max_size=3)


@st.composite
def scenarios(draw: st.DrawFn, instants: int = 12) -> Scenario:
    zone = draw(st.sampled_from(sorted(ANCHORS)))
    anchor = draw(st.sampled_from(ANCHORS[zone] + YEAR_ENDS))
    days = [anchor + timedelta(days=offset) for offset in range(-DAYS_BEFORE, DAYS_AFTER)]
    weekly = draw(st.lists(day_hours, min_size=7, max_size=7))
    holidays = draw(st.sets(st.sampled_from(days), max_size=3))
    closed = draw(st.sets(st.sampled_from(days), max_size=2))
    special_days = draw(st.sets(st.sampled_from(days), max_size=2)) - closed
    special = {day: draw(day_hours) for day in sorted(special_days)}
    scenario = Scenario(zone, anchor, weekly, holidays, closed, special)
    scenario.minutes = draw(
        st.lists(
            st.integers(scenario.first_minute, scenario.last_minute - 1),
            min_size=instants,
            max_size=instants,
        )
    )
    return scenario


@PROPERTY_SETTINGS
@given(scenarios())
def test_is_open_agrees_with_the_reference(scenario: Scenario) -> None:
    calendar = scenario.calendar()
    for minute in scenario.minutes:
        assert calendar.is_open(at(minute)) == scenario.open_at(minute), at(minute)


@PROPERTY_SETTINGS
@given(scenarios())
def test_next_opening_agrees_with_the_reference(scenario: Scenario) -> None:
    calendar = scenario.calendar()
    for minute in scenario.minutes:
        expected = scenario.next_opening(minute)
        try:
            found = calendar.next_opening(at(minute))
        except SearchLimitError:
            assert expected is None
            continue
        if expected is None:
            assert found >= at(scenario.last_minute)
        else:
            assert found == at(expected)


@PROPERTY_SETTINGS
@given(scenarios(), st.lists(st.integers(0, 20 * 60), min_size=12, max_size=12))
def test_add_working_time_agrees_with_the_reference(
    scenario: Scenario, durations: list[int]
) -> None:
    calendar = scenario.calendar()
    for minute, duration in zip(scenario.minutes, durations, strict=True):
        expected = scenario.add_working_minutes(minute, duration)
        try:
            found = calendar.add_working_time(at(minute), duration * MINUTE)
        except SearchLimitError:
            assert expected is None
            continue
        if expected is None:
            assert found > at(scenario.last_minute)
        else:
            assert found == at(expected)


@PROPERTY_SETTINGS
@given(scenarios())
def test_working_time_between_agrees_with_the_reference(scenario: Scenario) -> None:
    calendar = scenario.calendar()
    pairs = zip(scenario.minutes, scenario.minutes[1:] + scenario.minutes[:1], strict=True)
    for a, b in pairs:
        expected = scenario.working_minutes_between(a, b)
        assert calendar.working_time_between(at(a), at(b)) == expected * MINUTE


@PROPERTY_SETTINGS
@given(scenarios())
def test_adding_the_working_time_between_lands_at_or_before_the_end(scenario: Scenario) -> None:
    calendar = scenario.calendar()
    pairs = zip(scenario.minutes, scenario.minutes[1:] + scenario.minutes[:1], strict=True)
    for a, b in pairs:
        worked = calendar.working_time_between(at(a), at(b))
        landed = calendar.add_working_time(at(a), worked)
        assert landed <= max(at(a), at(b))
        assert calendar.working_time_between(at(a), landed) == worked
        assert calendar.working_time_between(landed, at(b)) == timedelta(0)
        # The earliest such instant: b itself if open there, else the closing before it.
        assert landed == at(a) or calendar.is_open(landed - MINUTE)
        if a < b and scenario.open_at(b - 1):
            assert landed == at(b)


@PROPERTY_SETTINGS
@given(scenarios(instants=3), st.lists(st.integers(0, 2), min_size=3, max_size=3))
def test_add_working_days_agrees_with_the_reference(scenario: Scenario, days: list[int]) -> None:
    calendar = scenario.calendar()
    for minute, count in zip(scenario.minutes, days, strict=True):
        expected = scenario.add_working_days(minute, count)
        if expected is None:
            continue  # the answer lies outside the reference's window
        assert calendar.add_working_days(at(minute), count) == at(expected)
