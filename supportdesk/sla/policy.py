"""From a plan's promises (SlaTarget rows) to concrete deadlines on its business calendar.

Calendars and targets change rarely and are read on every ticket change, so each process
keeps them for a short time (SLA_CACHE_SECONDS): an edit in the admin applies everywhere
within that delay, and `clear_caches()` applies it at once in this process.
"""

from __future__ import annotations

import threading
import time as monotonic_time
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings

from supportdesk.core.models import BusinessCalendar
from supportdesk.plans.models import Plan, SlaTarget
from supportdesk.sla.calendar import WorkingCalendar, calendar_from_model

Unit = SlaTarget.Unit


@dataclass(frozen=True)
class Terms:
    """One promise, detached from the ORM: what a deadline is computed from."""

    metric: str
    unit: str
    target: Decimal
    limit: Decimal | None
    same_day_cutoff: time | None


@dataclass(frozen=True)
class Deadlines:
    target_at: datetime
    # When the promise is broken: the limit if the plan has one, else the target.
    breach_at: datetime
    warn_at: datetime


_lock = threading.Lock()
_calendars: dict[int, tuple[float, WorkingCalendar]] = {}
_plans: dict[int, tuple[float, tuple[int, dict[tuple[str, str], Terms]]]] = {}


def _ttl() -> float:
    return float(settings.SUPPORTDESK["SLA_CACHE_SECONDS"])


def clear_caches() -> None:
    with _lock:
        _calendars.clear()
        _plans.clear()


def _fresh(entry: tuple[float, Any] | None) -> bool:
    return entry is not None and monotonic_time.monotonic() - entry[0] < _ttl()


def working_calendar(calendar_id: int) -> WorkingCalendar:
    entry = _calendars.get(calendar_id)
    if entry is not None and _fresh(entry):
        return entry[1]
    calendar = calendar_from_model(BusinessCalendar.objects.get(pk=calendar_id))
    with _lock:
        _calendars[calendar_id] = (monotonic_time.monotonic(), calendar)
    return calendar


def _plan_terms(plan_id: int) -> tuple[int, dict[tuple[str, str], Terms]]:
    entry = _plans.get(plan_id)
    if entry is not None and _fresh(entry):
        return entry[1]
    calendar_id = Plan.objects.values_list("calendar_id", flat=True).get(pk=plan_id)
    by_key = {
        (row.metric, row.priority): Terms(
            metric=row.metric,
            unit=row.unit,
            target=row.target,
            limit=row.limit,
            same_day_cutoff=row.same_day_cutoff,
        )
        for row in SlaTarget.objects.filter(plan_id=plan_id)
    }
    with _lock:
        _plans[plan_id] = (monotonic_time.monotonic(), (calendar_id, by_key))
    return calendar_id, by_key


def terms_for(*, plan_id: int, metric: str, priority: str) -> tuple[WorkingCalendar, Terms] | None:
    """The plan's promise for this metric: a target for this priority wins over one for
    every priority. None when the plan promises nothing for the metric."""
    calendar_id, by_key = _plan_terms(plan_id)
    terms = by_key.get((metric, priority)) or by_key.get((metric, ""))
    if terms is None:
        return None
    return working_calendar(calendar_id), terms


def _due(calendar: WorkingCalendar, terms: Terms, amount: Decimal, start: datetime) -> datetime:
    if terms.unit == Unit.WORKING_DAYS:
        if amount != amount.to_integral_value():
            raise ValueError(f"working days must be whole, got {amount}")
        return calendar.add_working_days(start, int(amount))
    hours = timedelta(hours=float(amount))
    if terms.unit == Unit.SAME_DAY:
        cutoff = terms.same_day_cutoff or time(23, 59, 59)
        return calendar.same_day_deadline(start, cutoff, hours)
    return calendar.add_working_time(start, hours)


def compute_deadlines(
    calendar: WorkingCalendar, terms: Terms, start: datetime, *, paused: timedelta = timedelta(0)
) -> Deadlines:
    """Deadlines for a clock started at `start` that has spent `paused` working time waiting
    on the customer: a pause pushes each deadline back by the working time it lasted."""
    target_at = _due(calendar, terms, terms.target, start)
    breach_at = target_at if terms.limit is None else _due(calendar, terms, terms.limit, start)
    ratio = float(settings.SUPPORTDESK["SLA_WARNING_RATIO"])
    span = calendar.working_time_between(start, target_at)
    warn_at = calendar.add_working_time(start, span * ratio) if span else target_at
    if paused:
        target_at, breach_at, warn_at = (
            calendar.add_working_time(moment, paused) for moment in (target_at, breach_at, warn_at)
        )
    return Deadlines(target_at=target_at, breach_at=max(breach_at, target_at), warn_at=warn_at)
