"""The worked examples of issue 5 on the demo calendar, and the edge cases around them."""

from __future__ import annotations

import time as clock
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest

from supportdesk.sla.calendar import WorkingCalendar
from supportdesk.sla.errors import CalendarConfigError, SearchLimitError
from tests.sla.conftest import DEMO_HOURS, paris

HOURS = timedelta(hours=1)
CUTOFF = time(16, 0)
EIGHT_HOURS = 8 * HOURS


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


# --- working days: the free plan's 24 h / 48 h ---------------------------------------------


def test_friday_1730_plus_one_working_day_is_monday_1730(demo: WorkingCalendar) -> None:
    assert demo.add_working_days(paris(2024, 11, 22, 17, 30), 1) == paris(2024, 11, 25, 17, 30)


def test_friday_1730_plus_two_working_days_is_tuesday_1730(demo: WorkingCalendar) -> None:
    assert demo.add_working_days(paris(2024, 11, 22, 17, 30), 2) == paris(2024, 11, 26, 17, 30)


def test_saturday_starts_counting_at_monday_opening(demo: WorkingCalendar) -> None:
    assert demo.add_working_days(paris(2024, 11, 23, 10, 0), 1) == paris(2024, 11, 26, 9, 0)


def test_sunday_night_starts_counting_at_monday_opening(demo: WorkingCalendar) -> None:
    assert demo.add_working_days(paris(2024, 11, 24, 23, 59), 2) == paris(2024, 11, 27, 9, 0)


def test_open_day_after_hours_keeps_its_time_of_day(demo: WorkingCalendar) -> None:
    assert demo.add_working_days(paris(2024, 11, 26, 20, 0), 1) == paris(2024, 11, 27, 20, 0)


def test_open_day_before_opening_keeps_its_time_of_day(demo: WorkingCalendar) -> None:
    assert demo.add_working_days(paris(2024, 11, 26, 7, 0), 1) == paris(2024, 11, 27, 7, 0)


def test_zero_working_days_is_the_start_or_the_next_opening(demo: WorkingCalendar) -> None:
    assert demo.add_working_days(paris(2024, 11, 26, 20, 0), 0) == paris(2024, 11, 26, 20, 0)
    assert demo.add_working_days(paris(2024, 11, 23, 10, 0), 0) == paris(2024, 11, 25, 9, 0)


def test_working_days_keep_seconds(demo: WorkingCalendar) -> None:
    start = paris(2024, 11, 22, 17, 30, 15, 250)
    assert demo.add_working_days(start, 1) == paris(2024, 11, 25, 17, 30, 15, 250)


def test_negative_working_days_are_refused(demo: WorkingCalendar) -> None:
    with pytest.raises(ValueError, match="negative"):
        demo.add_working_days(paris(2024, 11, 22, 17, 30), -1)


def test_fractional_working_days_are_refused(demo: WorkingCalendar) -> None:
    with pytest.raises(TypeError):
        demo.add_working_days(paris(2024, 11, 22, 17, 30), Decimal("1.5"))  # type: ignore[arg-type]


# --- working hours and the lunch break ------------------------------------------------------


def test_lunch_break_is_skipped(demo: WorkingCalendar) -> None:
    assert demo.add_working_time(paris(2024, 11, 26, 11, 0), 2 * HOURS) == paris(
        2024, 11, 26, 15, 0
    )
    assert demo.working_time_between(paris(2024, 11, 26, 11, 0), paris(2024, 11, 26, 15, 0)) == (
        2 * HOURS
    )


def test_closed_at_lunch_opens_at_two(demo: WorkingCalendar) -> None:
    assert not demo.is_open(paris(2024, 11, 26, 12, 30))
    assert demo.next_opening(paris(2024, 11, 26, 12, 30)) == paris(2024, 11, 26, 14, 0)
    assert demo.next_closing(paris(2024, 11, 26, 10, 0)) == paris(2024, 11, 26, 12, 0)
    assert demo.next_closing(paris(2024, 11, 26, 12, 30)) == paris(2024, 11, 26, 18, 0)


def test_intervals_are_half_open(demo: WorkingCalendar) -> None:
    assert demo.is_open(paris(2024, 11, 26, 9, 0))
    assert demo.is_open(paris(2024, 11, 26, 11, 59, 59, 999999))
    assert not demo.is_open(paris(2024, 11, 26, 12, 0))
    assert demo.next_opening(paris(2024, 11, 26, 9, 30)) == paris(2024, 11, 26, 9, 30)


def test_deadline_is_the_closing_not_the_next_opening(demo: WorkingCalendar) -> None:
    assert demo.add_working_time(paris(2024, 11, 22, 17, 0), HOURS) == paris(2024, 11, 22, 18, 0)
    assert demo.add_working_time(paris(2024, 11, 22, 17, 0), HOURS + timedelta(seconds=1)) == (
        paris(2024, 11, 25, 9, 0, 1)
    )


def test_zero_working_time_is_the_start(demo: WorkingCalendar) -> None:
    assert demo.add_working_time(paris(2024, 11, 23, 10, 0), timedelta()) == paris(
        2024, 11, 23, 10, 0
    )


def test_working_time_between_reversed_instants_is_zero(demo: WorkingCalendar) -> None:
    assert demo.working_time_between(paris(2024, 11, 26, 15), paris(2024, 11, 26, 10)) == (
        timedelta()
    )


def test_a_working_week_is_35_hours(demo: WorkingCalendar) -> None:
    assert demo.working_time_between(paris(2024, 11, 25), paris(2024, 12, 2)) == 35 * HOURS


def test_results_are_in_utc_whatever_the_input_zone(demo: WorkingCalendar) -> None:
    due = demo.add_working_time(utc(2024, 11, 26, 10, 0), 2 * HOURS)
    assert due.tzinfo is UTC
    assert due == utc(2024, 11, 26, 14, 0)  # 11:00 Paris + 2 h, lunch skipped: 15:00 Paris


# --- Direct Assistance: same day before 16:00, else 8 working hours -------------------------


def test_direct_assistance_before_cutoff_is_due_at_end_of_day(demo: WorkingCalendar) -> None:
    assert demo.same_day_deadline(paris(2024, 11, 26, 10, 0), CUTOFF, EIGHT_HOURS) == paris(
        2024, 11, 26, 18, 0
    )
    assert demo.same_day_deadline(paris(2024, 11, 26, 15, 59), CUTOFF, EIGHT_HOURS) == paris(
        2024, 11, 26, 18, 0
    )


def test_direct_assistance_before_opening_is_due_that_evening(demo: WorkingCalendar) -> None:
    assert demo.same_day_deadline(paris(2024, 11, 26, 7, 0), CUTOFF, EIGHT_HOURS) == paris(
        2024, 11, 26, 18, 0
    )


def test_direct_assistance_at_cutoff_gets_eight_working_hours(demo: WorkingCalendar) -> None:
    # 16:00-18:00, then 09:00-12:00 and 14:00-17:00 the next day.
    assert demo.same_day_deadline(paris(2024, 11, 26, 16, 0), CUTOFF, EIGHT_HOURS) == paris(
        2024, 11, 27, 17, 0
    )


def test_direct_assistance_after_cutoff_gets_eight_working_hours(demo: WorkingCalendar) -> None:
    assert demo.same_day_deadline(paris(2024, 11, 26, 16, 30), CUTOFF, EIGHT_HOURS) == paris(
        2024, 11, 27, 17, 30
    )


def test_direct_assistance_friday_evening_is_due_monday_evening(demo: WorkingCalendar) -> None:
    assert demo.same_day_deadline(paris(2024, 11, 22, 17, 0), CUTOFF, EIGHT_HOURS) == paris(
        2024, 11, 25, 18, 0
    )


def test_direct_assistance_on_saturday_gets_eight_working_hours(demo: WorkingCalendar) -> None:
    # Monday has 7 working hours; the eighth is Tuesday 09:00-10:00.
    assert demo.same_day_deadline(paris(2024, 11, 23, 10, 0), CUTOFF, EIGHT_HOURS) == paris(
        2024, 11, 26, 10, 0
    )


def test_same_day_after_an_early_closing_falls_back() -> None:
    short_day = WorkingCalendar(
        time_zone="Europe/Paris",
        weekly_hours=DEMO_HOURS,
        holidays={date(2024, 12, 25)},
        special_hours={date(2024, 12, 24): [["09:00", "12:00"]]},
    )
    # Before the cut-off but after that day's last closing: 8 working hours, from the 26th.
    assert short_day.same_day_deadline(paris(2024, 12, 24, 13, 0), CUTOFF, EIGHT_HOURS) == (
        paris(2024, 12, 27, 10, 0)
    )


def test_end_of_working_day(demo: WorkingCalendar) -> None:
    assert demo.end_of_working_day(paris(2024, 11, 26, 10, 0)) == paris(2024, 11, 26, 18, 0)
    assert demo.end_of_working_day(paris(2024, 11, 26, 18, 0)) == paris(2024, 11, 27, 18, 0)
    assert demo.end_of_working_day(paris(2024, 11, 23, 10, 0)) == paris(2024, 11, 25, 18, 0)


# --- French public holidays --------------------------------------------------------------------


@pytest.mark.parametrize(
    "holiday",
    [
        date(2025, 7, 14),  # Bastille Day, a Monday
        date(2025, 12, 25),
        date(2025, 4, 21),  # Easter Monday
        date(2025, 6, 9),  # Whit Monday
        date(2026, 1, 1),
        date(2031, 7, 14),  # years ahead
    ],
)
def test_french_public_holidays_are_closed(demo: WorkingCalendar, holiday: date) -> None:
    assert not demo.is_working_day(holiday)
    assert demo.working_intervals(holiday) == ()


def test_bastille_day_is_skipped_by_working_days(demo: WorkingCalendar) -> None:
    assert demo.add_working_days(paris(2025, 7, 11, 17, 30), 1) == paris(2025, 7, 15, 17, 30)


def test_christmas_is_skipped_by_working_days(demo: WorkingCalendar) -> None:
    assert demo.add_working_days(paris(2025, 12, 24, 17, 30), 1) == paris(2025, 12, 26, 17, 30)


def test_easter_monday_is_skipped_by_working_hours(demo: WorkingCalendar) -> None:
    assert demo.add_working_time(paris(2025, 4, 18, 17, 0), 2 * HOURS) == paris(2025, 4, 22, 10, 0)


def test_a_request_on_a_holiday_waits_for_the_next_opening(demo: WorkingCalendar) -> None:
    assert demo.next_opening(paris(2025, 7, 14, 10, 0)) == paris(2025, 7, 15, 9, 0)
    assert demo.add_working_days(paris(2025, 7, 14, 10, 0), 1) == paris(2025, 7, 16, 9, 0)


# --- year end ----------------------------------------------------------------------------------


def test_year_end_skips_new_years_day(demo: WorkingCalendar) -> None:
    assert demo.add_working_days(paris(2025, 12, 31, 17, 30), 1) == paris(2026, 1, 2, 17, 30)
    assert demo.add_working_time(paris(2025, 12, 31, 17, 0), 2 * HOURS) == paris(2026, 1, 2, 10, 0)
    assert demo.working_time_between(paris(2025, 12, 31, 17, 0), paris(2026, 1, 2, 10, 0)) == (
        2 * HOURS
    )


def test_working_time_over_a_whole_year(demo: WorkingCalendar) -> None:
    # 2025: 261 weekdays, 10 of them French public holidays (1 November is a Saturday).
    year = demo.working_time_between(paris(2025, 1, 1), paris(2026, 1, 1))
    assert year == (261 - 10) * 7 * HOURS
    assert demo.add_working_time(paris(2025, 1, 1), year) == paris(2025, 12, 31, 18, 0)


# --- daylight saving time in Europe/Paris -------------------------------------------------------


def test_working_day_across_the_march_change_keeps_wall_time(demo: WorkingCalendar) -> None:
    due = demo.add_working_days(paris(2025, 3, 28, 17, 30), 1)
    assert due == paris(2025, 3, 31, 17, 30)
    assert due == utc(2025, 3, 31, 15, 30)  # CEST, where Friday was CET (16:30 UTC)


def test_working_day_across_the_october_change_keeps_wall_time(demo: WorkingCalendar) -> None:
    due = demo.add_working_days(paris(2025, 10, 24, 17, 30), 1)
    assert due == utc(2025, 10, 27, 16, 30)


def test_working_hours_across_the_march_change(demo: WorkingCalendar) -> None:
    assert demo.add_working_time(paris(2025, 3, 28, 17, 0), 2 * HOURS) == utc(2025, 3, 31, 8, 0)
    assert demo.working_time_between(paris(2025, 3, 28), paris(2025, 4, 1)) == 14 * HOURS


def test_working_hours_across_the_october_change(demo: WorkingCalendar) -> None:
    assert demo.add_working_time(paris(2025, 10, 24, 17, 0), 2 * HOURS) == utc(2025, 10, 27, 9)
    assert demo.working_time_between(paris(2025, 10, 24), paris(2025, 10, 28)) == 14 * HOURS


def night_shift() -> WorkingCalendar:
    return WorkingCalendar(time_zone="Europe/Paris", weekly_hours={"7": [["01:00", "04:00"]]})


def test_an_interval_spanning_the_spring_change_counts_real_time() -> None:
    cal = night_shift()
    assert cal.working_time_between(paris(2025, 3, 30), paris(2025, 3, 31)) == 2 * HOURS
    assert cal.working_time_between(paris(2025, 3, 23), paris(2025, 3, 24)) == 3 * HOURS
    assert cal.working_intervals(date(2025, 3, 30)) == ((utc(2025, 3, 30, 0), utc(2025, 3, 30, 2)),)


def test_an_interval_spanning_the_autumn_change_counts_real_time() -> None:
    cal = night_shift()
    assert cal.working_time_between(paris(2025, 10, 26), paris(2025, 10, 27)) == 4 * HOURS
    assert cal.is_open(utc(2025, 10, 26, 1, 30))  # 02:30 CET, the second 02:30


def round_the_clock() -> WorkingCalendar:
    return WorkingCalendar(
        time_zone="Europe/Paris",
        weekly_hours={str(day): [["00:00", "24:00"]] for day in range(1, 8)},
    )


def test_a_working_day_landing_in_the_spring_gap_is_due_at_the_change() -> None:
    # 02:30 does not exist on 30 March 2025 in Paris: clocks jump from 02:00 to 03:00.
    due = round_the_clock().add_working_days(paris(2025, 3, 29, 2, 30), 1)
    assert due == utc(2025, 3, 30, 1, 0)


def test_a_working_day_landing_on_a_repeated_time_takes_the_first() -> None:
    due = round_the_clock().add_working_days(paris(2025, 10, 25, 2, 30), 1)
    assert due == utc(2025, 10, 26, 0, 30)  # 02:30 CEST, not 02:30 CET an hour later


def test_a_calendar_open_round_the_clock_never_closes() -> None:
    with pytest.raises(SearchLimitError, match="does not close"):
        round_the_clock().next_closing(paris(2025, 1, 1))


# --- exceptions ---------------------------------------------------------------------------------


def test_closure_exception_is_skipped() -> None:
    cal = WorkingCalendar(
        time_zone="Europe/Paris", weekly_hours=DEMO_HOURS, closed_days={date(2024, 11, 25)}
    )
    assert cal.add_working_days(paris(2024, 11, 22, 17, 30), 1) == paris(2024, 11, 26, 17, 30)


def test_opening_exception_with_special_hours() -> None:
    cal = WorkingCalendar(
        time_zone="Europe/Paris",
        weekly_hours=DEMO_HOURS,
        special_hours={date(2024, 11, 23): [["10:00", "12:00"]]},
    )
    assert cal.next_opening(paris(2024, 11, 22, 19, 0)) == paris(2024, 11, 23, 10, 0)
    assert cal.add_working_days(paris(2024, 11, 22, 17, 30), 1) == paris(2024, 11, 23, 17, 30)


def test_opening_exception_without_hours_works_a_holiday_as_usual() -> None:
    cal = WorkingCalendar(
        time_zone="Europe/Paris",
        weekly_hours=DEMO_HOURS,
        holidays={date(2025, 7, 14)},
        special_hours={date(2025, 7, 14): []},
    )
    assert cal.working_time_between(paris(2025, 7, 14), paris(2025, 7, 15)) == 7 * HOURS


# --- limits and errors ----------------------------------------------------------------------------


def test_a_calendar_without_openings_gives_up_quickly() -> None:
    closed = WorkingCalendar(time_zone="Europe/Paris", weekly_hours={})
    began = clock.perf_counter()
    with pytest.raises(SearchLimitError, match="no opening"):
        closed.next_opening(paris(2025, 1, 1))
    with pytest.raises(SearchLimitError):
        closed.add_working_time(paris(2025, 1, 1), HOURS)
    with pytest.raises(SearchLimitError):
        closed.add_working_days(paris(2025, 1, 1), 1)
    assert clock.perf_counter() - began < 2


def test_an_opening_years_ahead_is_found() -> None:
    cal = WorkingCalendar(
        time_zone="Europe/Paris",
        weekly_hours={},
        special_hours={date(2027, 6, 1): [["09:00", "10:00"]]},
    )
    assert cal.next_opening(paris(2025, 1, 1)) == paris(2027, 6, 1, 9, 0)


def test_naive_datetimes_are_refused(demo: WorkingCalendar) -> None:
    with pytest.raises(ValueError, match="aware"):
        demo.is_open(datetime(2025, 1, 2, 10, 0))


def test_negative_durations_are_refused(demo: WorkingCalendar) -> None:
    with pytest.raises(ValueError, match="negative"):
        demo.add_working_time(paris(2025, 1, 2), -HOURS)


def test_the_calendar_is_immutable(demo: WorkingCalendar) -> None:
    with pytest.raises(AttributeError):
        demo.time_zone = "UTC"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("weekly_hours", "message"),
    [
        ({"1": [["18:00", "09:00"]]}, "crosses midnight"),
        ({"1": [["9h", "12:00"]]}, "HH:MM"),
        ({"1": [["09:00", "24:30"]]}, "not a time of day"),
        ({"8": [["09:00", "12:00"]]}, "ISO weekday"),
        ({"1": [["09:00"]]}, "pair"),
        ({"1": "09:00-12:00"}, "list"),
    ],
)
def test_bad_hours_are_refused_with_their_place(weekly_hours: object, message: str) -> None:
    with pytest.raises(CalendarConfigError, match=message):
        WorkingCalendar(time_zone="Europe/Paris", weekly_hours=weekly_hours)  # type: ignore[arg-type]


def test_an_unknown_time_zone_is_refused() -> None:
    with pytest.raises(CalendarConfigError, match="Europe/Pariss"):
        WorkingCalendar(time_zone="Europe/Pariss", weekly_hours=DEMO_HOURS)


def test_a_day_both_closed_and_opened_is_refused() -> None:
    with pytest.raises(CalendarConfigError, match="both closed and open"):
        WorkingCalendar(
            time_zone="Europe/Paris",
            weekly_hours=DEMO_HOURS,
            closed_days={date(2025, 1, 2)},
            special_hours={date(2025, 1, 2): [["09:00", "10:00"]]},
        )
