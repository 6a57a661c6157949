"""Opening hours as plain data: parsing the JSON form stored on `BusinessCalendar`.

A day's hours are a tuple of `(start, end)` offsets from local midnight in microseconds,
sorted, non-empty and merged (overlapping or touching intervals become one). "24:00" is
accepted as an end so a day can be open until midnight; an interval that would cross midnight
is refused: write it as two intervals on two days.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import time

from supportdesk.sla.errors import CalendarConfigError

US = 1_000_000
MINUTE = 60 * US
DAY = 24 * 60 * MINUTE

DayHours = tuple[tuple[int, int], ...]
"""Local intervals of one day, microseconds since local midnight, sorted and merged."""

TimeOfDay = str | time
HoursSpec = Iterable[Sequence[TimeOfDay]]
"""What callers write: `[["09:00", "12:00"], ["14:00", "18:00"]]` (or `datetime.time`s)."""


def parse_time_of_day(value: TimeOfDay, *, where: str) -> int:
    """A time of day as microseconds since midnight.

    Accepts "HH:MM", "HH:MM:SS" or a `datetime.time`; "24:00" (a whole day) ends a day.
    """
    if isinstance(value, time):
        return (value.hour * 3600 + value.minute * 60 + value.second) * US + value.microsecond
    if not isinstance(value, str):
        raise CalendarConfigError(f"{where}: expected 'HH:MM', got {value!r}")
    parts = value.strip().split(":")
    if len(parts) not in (2, 3) or not all(p.isdigit() and len(p) == 2 for p in parts[1:]):
        raise CalendarConfigError(f"{where}: expected 'HH:MM', got {value!r}")
    if not parts[0].isdigit() or len(parts[0]) > 2:
        raise CalendarConfigError(f"{where}: expected 'HH:MM', got {value!r}")
    hour, minute = int(parts[0]), int(parts[1])
    second = int(parts[2]) if len(parts) == 3 else 0
    if minute > 59 or second > 59 or hour > 24 or (hour == 24 and (minute or second)):
        raise CalendarConfigError(f"{where}: {value!r} is not a time of day")
    return (hour * 3600 + minute * 60 + second) * US


def parse_day_hours(spec: HoursSpec, *, where: str) -> DayHours:
    """A list of `[start, end]` pairs as sorted, merged `DayHours`."""
    if isinstance(spec, str | bytes) or not isinstance(spec, Iterable):
        raise CalendarConfigError(f"{where}: expected a list of [start, end] pairs")
    intervals: list[tuple[int, int]] = []
    for index, pair in enumerate(spec):
        here = f"{where}[{index}]"
        if isinstance(pair, str | bytes) or not isinstance(pair, Sequence) or len(pair) != 2:
            raise CalendarConfigError(f"{here}: expected a [start, end] pair, got {pair!r}")
        start = parse_time_of_day(pair[0], where=here)
        end = parse_time_of_day(pair[1], where=here)
        if start == DAY:
            raise CalendarConfigError(f"{here}: an interval cannot start at 24:00")
        if end <= start:
            raise CalendarConfigError(
                f"{here}: {pair[0]!r}-{pair[1]!r} ends before it starts; an interval that "
                "crosses midnight is written as two intervals on two days"
            )
        intervals.append((start, end))
    return merge_intervals(intervals)


def merge_intervals(intervals: Iterable[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """Sort half-open intervals and merge those that overlap or touch; drop empty ones."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(intervals):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return tuple(merged)


def parse_weekly_hours(
    spec: Mapping[str, HoursSpec] | Mapping[int, HoursSpec],
) -> tuple[DayHours, ...]:
    """`{"1": [["09:00", "12:00"]], ...}` (ISO weekday, 1 = Monday) as seven `DayHours`.

    A missing weekday is closed; a key other than 1..7 is an error rather than a silent no-op.
    """
    if not isinstance(spec, Mapping):
        raise CalendarConfigError("weekly_hours: expected a mapping of ISO weekday to hours")
    week: list[DayHours] = [()] * 7
    for key, hours in spec.items():
        text = str(key).strip()
        if not text.isdigit() or not 1 <= int(text) <= 7:
            raise CalendarConfigError(
                f"weekly_hours: {key!r} is not an ISO weekday (1 = Monday ... 7 = Sunday)"
            )
        week[int(text) - 1] = parse_day_hours(hours, where=f"weekly_hours[{key!r}]")
    return tuple(week)
