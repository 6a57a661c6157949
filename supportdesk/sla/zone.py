"""A time zone's UTC offsets as integer microseconds, exact across daylight-saving changes.

Instants are integer microseconds since the Unix epoch (UTC): exact, unlike float timestamps,
and cheap to compare and bisect. `zoneinfo` does not expose a zone's transitions, so they are
found once per (zone, UTC year) by sampling the offset every three hours and bisecting each
change to the second (tzdata transitions fall on whole seconds). That misses only a zone that
changes its offset and changes it back within three hours, which tzdata has never held.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from supportdesk.sla.errors import CalendarConfigError
from supportdesk.sla.hours import DAY, US, merge_intervals

HOUR = 3600 * US
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_SAMPLE_STEP = 3 * HOUR

OffsetPiece = tuple[int, int, int]
"""`(start, end, offset)`: UTC instants [start, end) during which the zone's offset is constant."""


def to_us(moment: datetime) -> int:
    """An aware datetime as microseconds since the epoch; a naive one is refused."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"expected an aware datetime, got naive {moment!r}")
    delta = moment - EPOCH
    return (delta.days * 86400 + delta.seconds) * US + delta.microseconds


def from_us(instant: int) -> datetime:
    """Microseconds since the epoch as an aware UTC datetime."""
    return EPOCH + timedelta(microseconds=instant)


def duration_us(duration: timedelta) -> int:
    """A timedelta as microseconds (exact)."""
    return (duration.days * 86400 + duration.seconds) * US + duration.microseconds


def day_start(day: date) -> int:
    """Local midnight of `day` as "local microseconds": the wall clock read as if it were UTC."""
    return (day.toordinal() - EPOCH_ORDINAL) * DAY


def load_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise CalendarConfigError(f"time_zone: unknown time zone {name!r}") from error


def _offset(zone: ZoneInfo, instant: int) -> int:
    offset = from_us(instant).astimezone(zone).utcoffset()
    assert offset is not None  # a ZoneInfo always has an offset
    return duration_us(offset)


@lru_cache(maxsize=1024)
def _year_transitions(zone: ZoneInfo, year: int) -> tuple[int, tuple[int, ...], tuple[int, ...]]:
    """Offset at the start of UTC `year`, then the instants in the year where it changes."""
    start = day_start(date(year, 1, 1))
    end = day_start(date(year + 1, 1, 1))
    first = previous = _offset(zone, start)
    instants: list[int] = []
    offsets: list[int] = []
    sample = start
    while sample < end:
        following = min(sample + _SAMPLE_STEP, end)
        offset = _offset(zone, following)
        if offset != previous:
            low, high = sample // US, following // US
            while high - low > 1:
                middle = (low + high) // 2
                if _offset(zone, middle * US) == previous:
                    low = middle
                else:
                    high = middle
            instants.append(high * US)
            offsets.append(_offset(zone, high * US))
            previous = offset
        sample = following
    return first, tuple(instants), tuple(offsets)


def _utc_year(instant: int) -> int:
    return date.fromordinal(instant // DAY + EPOCH_ORDINAL).year


class ZoneClock:
    """Offsets, local dates and wall-clock conversions of one zone, on integer instants."""

    __slots__ = ("zone",)

    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone

    def offset_at(self, instant: int) -> int:
        first, instants, offsets = _year_transitions(self.zone, _utc_year(instant))
        index = bisect_right(instants, instant)
        return offsets[index - 1] if index else first

    def wall(self, instant: int) -> int:
        """The local wall-clock reading at `instant`, in local microseconds."""
        return instant + self.offset_at(instant)

    def pieces(self, start: int, end: int) -> list[OffsetPiece]:
        """Split UTC [start, end) into pieces of constant offset, in time order."""
        result: list[OffsetPiece] = []
        piece_start, offset = start, self.offset_at(start)
        for year in range(_utc_year(start), _utc_year(end - 1) + 1):
            _, instants, offsets = _year_transitions(self.zone, year)
            for change, new_offset in zip(instants, offsets, strict=True):
                if start < change < end:
                    result.append((piece_start, change, offset))
                    piece_start, offset = change, new_offset
        result.append((piece_start, end, offset))
        return result

    def utc_of_wall(self, wall: int) -> int:
        """The first instant at which the wall clock reads `wall` or later.

        So an ambiguous time (the repeated hour of an autumn change) is its first occurrence
        and a time that does not exist (skipped by a spring change) is the instant of the
        change, when the clock jumps past it. Offsets are under a day, so the answer lies
        within a day of `wall` and the clock reads less than `wall` a day before it.
        """
        for piece_start, piece_end, offset in self.pieces(wall - DAY, wall + DAY):
            candidate = max(piece_start, wall - offset)
            if candidate < piece_end:
                return candidate
        raise AssertionError("unreachable: an offset is always under a day")  # pragma: no cover

    def intervals_of_day(
        self, midnight: int, hours: tuple[tuple[int, int], ...]
    ) -> list[tuple[int, int]]:
        """UTC intervals during which the wall clock shows the local date starting at
        `midnight` (local microseconds) and a time inside one of `hours`.

        This is the whole DST rule: the calendar is open exactly when its wall clock shows
        an open time. An interval with no change inside it lasts its nominal length; one
        that contains a change lasts the real elapsed time (09:00-12:00 is 3 h on a change
        day; 01:00-04:00 is 2 h in spring and 4 h in autumn in Paris); a time skipped by a
        spring change is never open.
        """
        if not hours:
            return []
        spans: list[tuple[int, int]] = []
        first, last = midnight + hours[0][0], midnight + hours[-1][1]
        pieces = self.pieces(first - DAY, last + DAY)
        for opens, closes in hours:
            for piece_start, piece_end, offset in pieces:
                start = max(piece_start, midnight + opens - offset)
                end = min(piece_end, midnight + closes - offset)
                if start < end:
                    spans.append((start, end))
        return list(merge_intervals(spans))


__all__ = [
    "EPOCH",
    "EPOCH_ORDINAL",
    "HOUR",
    "ZoneClock",
    "day_start",
    "duration_us",
    "from_us",
    "load_zone",
    "to_us",
]
