"""Errors of the business-time engine."""

from __future__ import annotations


class CalendarError(Exception):
    """Base class of every business-calendar error."""


class CalendarConfigError(CalendarError, ValueError):
    """The calendar's configuration is invalid (bad time zone, hours, holiday country...)."""


class SearchLimitError(CalendarError):
    """No opening (or closing) was found within the search horizon.

    Raised instead of looping forever on a calendar that is closed for years (an empty weekly
    schedule, a long closure) or, for `next_closing`, one that never closes.
    """
