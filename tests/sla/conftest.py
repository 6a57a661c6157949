"""The demo calendar of the seed: Paris, Monday-Friday 09:00-12:00 and 14:00-18:00, French
public holidays."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from supportdesk.sla.calendar import WorkingCalendar
from supportdesk.sla.public_holidays import PublicHolidays

PARIS = ZoneInfo("Europe/Paris")
DEMO_HOURS = {str(day): [["09:00", "12:00"], ["14:00", "18:00"]] for day in range(1, 6)}


def paris(*args: int) -> datetime:
    """A Paris wall-clock time: paris(2024, 11, 22, 17, 30)."""
    return datetime(*args, tzinfo=PARIS)  # type: ignore[misc]


@pytest.fixture(scope="session")
def demo() -> WorkingCalendar:
    return WorkingCalendar(
        name="Demo Paris",
        time_zone="Europe/Paris",
        weekly_hours=DEMO_HOURS,
        holiday_source=PublicHolidays("FR"),
    )
