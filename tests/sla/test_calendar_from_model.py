"""Loading a working calendar from a BusinessCalendar row and its exceptions."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from supportdesk.core.models import BusinessCalendar, CalendarException
from supportdesk.sla.calendar import calendar_from_model
from supportdesk.sla.errors import CalendarConfigError
from tests.factories import CalendarFactory
from tests.sla.conftest import paris


def test_calendar_from_model_has_hours_holidays_and_exceptions(db: None) -> None:
    row: BusinessCalendar = CalendarFactory(name="Paris phone line", holiday_country="FR")
    CalendarException.objects.create(
        calendar=row, day=date(2025, 7, 11), kind=CalendarException.Kind.CLOSED, reason="Bridge"
    )
    CalendarException.objects.create(
        calendar=row,
        day=date(2025, 7, 12),
        kind=CalendarException.Kind.OPEN,
        hours=[["10:00", "12:00"]],
        reason="Release weekend",
    )
    CalendarException.objects.create(
        calendar=row, day=date(2025, 11, 11), kind=CalendarException.Kind.OPEN, hours=[]
    )

    calendar = calendar_from_model(row)

    assert calendar.name == "Paris phone line"
    assert calendar.time_zone == "Europe/Paris"
    assert calendar.is_open(paris(2025, 7, 10, 9, 0))  # a Thursday
    assert not calendar.is_working_day(date(2025, 7, 11))  # closed by exception
    assert calendar.next_opening(paris(2025, 7, 11, 9, 0)) == paris(2025, 7, 12, 10, 0)
    assert not calendar.is_working_day(date(2025, 7, 14))  # Bastille Day, from `holidays`
    assert calendar.working_time_between(paris(2025, 11, 11), paris(2025, 11, 12)) == timedelta(
        hours=7
    )  # Armistice Day, worked as usual by exception
    assert calendar.add_working_days(paris(2025, 7, 10, 17, 30), 1) == paris(2025, 7, 12, 17, 30)


def test_calendar_from_model_refuses_an_unknown_holiday_country(db: None) -> None:
    row: BusinessCalendar = CalendarFactory(name="Nowhere", holiday_country="XX")
    with pytest.raises(CalendarConfigError, match="XX"):
        calendar_from_model(row)
