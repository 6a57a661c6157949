"""Service-level clocks on tickets: started, paused, resumed and stopped by the ticket
services inside their own transactions, so a deadline never disagrees with the ticket.

Metrics (the plan's SlaTarget rows say how long each may take):
- first response: from the request to our first answer; a re-review ("not satisfied")
  starts a fresh one for the second answer;
- next response: from a customer's reply to our next answer;
- resolution: from the request (or a reopening) to solved.
Every clock pauses while the ticket waits on the customer (pending) and resumes when it
comes back to us; the working time spent paused pushes its deadlines back.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import partial

from django.db.models import QuerySet

from supportdesk.core import deferred
from supportdesk.plans.models import Plan, SlaTarget
from supportdesk.sla.policy import compute_deadlines, terms_for, working_calendar
from supportdesk.tickets import tasks as ticket_tasks
from supportdesk.tickets.choices import Status
from supportdesk.tickets.models import Deadline, Ticket

Metric = SlaTarget.Metric
RESPONSE_METRICS = (Metric.FIRST_RESPONSE, Metric.NEXT_RESPONSE)


def _running(ticket: Ticket, metrics: Iterable[str] | None = None) -> list[Deadline]:
    return list(_running_query(ticket, metrics).order_by("id"))


def _running_query(ticket: Ticket, metrics: Iterable[str] | None) -> QuerySet[Deadline]:
    deadlines = Deadline.objects.filter(ticket=ticket, stopped_at__isnull=True)
    if metrics is not None:
        deadlines = deadlines.filter(metric__in=list(metrics))
    return deadlines


def _schedule_checks(deadline: Deadline) -> None:
    """A check at the warning time and one at the breach time; both are idempotent, so a
    deadline that moved later only costs a check that finds nothing to do."""
    for moment in (deadline.warn_at, deadline.breach_at):
        deferred.enqueue(
            ticket_tasks.check_deadline.using(run_after=moment), deadline_id=deadline.pk
        )


def _new_deadline(ticket: Ticket, metric: str, at: datetime) -> Deadline | None:
    """The deadline a clock started now would have, not yet written."""
    if ticket.plan_id is None:
        return None
    found = terms_for(plan_id=ticket.plan_id, metric=metric, priority=ticket.priority)
    if found is None:
        return None
    calendar, terms = found
    due = compute_deadlines(calendar, terms, at)
    return Deadline(
        ticket=ticket,
        metric=metric,
        started_at=at,
        target_at=due.target_at,
        breach_at=due.breach_at,
        warn_at=due.warn_at,
        paused_at=at if ticket.status == Status.PENDING else None,
    )


def start_clock(ticket: Ticket, metric: str, at: datetime) -> Deadline | None:
    deadline = _new_deadline(ticket, metric, at)
    if deadline is not None:
        deadline.save(force_insert=True)
        if deadline.paused_at is None:
            _schedule_checks(deadline)
    return deadline


def _stop(deadlines: Iterable[Deadline], at: datetime, reason: str) -> None:
    ids = [d.pk for d in deadlines]
    if ids:
        Deadline.objects.filter(pk__in=ids, stopped_at__isnull=True).update(
            stopped_at=at, stop_reason=reason
        )


def _recompute(ticket: Ticket, deadline: Deadline) -> None:
    if ticket.plan_id is None:
        return
    found = terms_for(plan_id=ticket.plan_id, metric=deadline.metric, priority=ticket.priority)
    if found is None:
        return
    calendar, terms = found
    due = compute_deadlines(
        calendar, terms, deadline.started_at, paused=timedelta(seconds=deadline.paused_seconds)
    )
    deadline.target_at, deadline.breach_at, deadline.warn_at = (
        due.target_at,
        due.breach_at,
        due.warn_at,
    )


def refresh_ticket_due(ticket: Ticket) -> None:
    """Copy the nearest running deadline onto the ticket, for queue columns and sorting.
    The caller saves the ticket."""
    nearest = (
        Deadline.objects.filter(ticket=ticket, stopped_at__isnull=True, paused_at__isnull=True)
        .order_by("target_at")
        .values_list("target_at", "breach_at")
        .first()
    )
    ticket.due_at, ticket.breach_at = nearest if nearest else (None, None)


# The hooks below are called by the ticket services, inside their transaction.


def opening_deadlines(ticket: Ticket) -> list[Deadline]:
    """A new ticket's deadlines, computed before its row is written (and not written
    either: see start_opening_deadlines), with the nearest copied onto the ticket."""
    started = [
        _new_deadline(ticket, metric, ticket.created_at)
        for metric in (Metric.FIRST_RESPONSE, Metric.RESOLUTION)
    ]
    deadlines = [d for d in started if d is not None]
    running = [d for d in deadlines if d.paused_at is None]
    nearest = min(running, key=lambda d: d.target_at, default=None)
    ticket.due_at, ticket.breach_at = (
        (nearest.target_at, nearest.breach_at) if nearest else (None, None)
    )
    return deadlines


def start_opening_deadlines(deadlines: Iterable[Deadline]) -> None:
    """Write a new ticket's deadlines (after the ticket) and schedule their checks: at
    once, or at a batch's flush (core.deferred): nothing reads them back meanwhile."""
    for deadline in deadlines:
        deferred.save_new(deadline)
        if deadline.paused_at is None:
            deferred.after_saved(partial(_schedule_checks, deadline))


def on_answer(ticket: Ticket, at: datetime) -> None:
    _stop(_running(ticket, RESPONSE_METRICS), at, Deadline.StopReason.MET)
    refresh_ticket_due(ticket)


def on_customer_message(ticket: Ticket, at: datetime) -> None:
    """A customer's reply after an answer needs another answer.

    Every change to a ticket's deadlines goes through these hooks, each of which leaves the
    ticket's due copy current: when no clock starts here the copy stands as it is (a reply
    that reopens the ticket was counted by on_status_changed), and a new clock can only
    bring it nearer."""
    if ticket.first_responded_at is None or _running_query(ticket, RESPONSE_METRICS).exists():
        return
    started = start_clock(ticket, Metric.NEXT_RESPONSE, at)
    if started is None or started.paused_at is not None:
        return
    if ticket.due_at is None or started.target_at < ticket.due_at:
        ticket.due_at, ticket.breach_at = started.target_at, started.breach_at


def on_status_changed(ticket: Ticket, old: str, new: str, at: datetime) -> None:
    if new == Status.PENDING:
        pause_clocks(ticket, at)
    elif old == Status.PENDING:
        resume_clocks(ticket, at)
    if new in (Status.SOLVED, Status.CLOSED):
        # Resolved: the resolution promise is kept; an answer still owed is moot.
        _stop(_running(ticket, [Metric.RESOLUTION]), at, Deadline.StopReason.MET)
        _stop(_running(ticket), at, Deadline.StopReason.CANCELLED)
    elif new == Status.REREVIEW:
        # The second answer is a new promise, counted from the customer's complaint.
        _stop(_running(ticket), at, Deadline.StopReason.CANCELLED)
        start_clock(ticket, Metric.FIRST_RESPONSE, at)
        start_clock(ticket, Metric.RESOLUTION, at)
    elif old in (Status.SOLVED, Status.CLOSED) and new == Status.OPEN:
        start_clock(ticket, Metric.RESOLUTION, at)
    refresh_ticket_due(ticket)


def on_priority_changed(ticket: Ticket) -> None:
    for deadline in _running(ticket):
        _recompute(ticket, deadline)
        deadline.save(update_fields=["target_at", "breach_at", "warn_at"])
        if deadline.paused_at is None:
            _schedule_checks(deadline)
    refresh_ticket_due(ticket)


def pause_clocks(ticket: Ticket, at: datetime) -> None:
    Deadline.objects.filter(ticket=ticket, stopped_at__isnull=True, paused_at__isnull=True).update(
        paused_at=at
    )


def resume_clocks(ticket: Ticket, at: datetime) -> None:
    if ticket.plan_id is None:
        return
    calendar_id = Plan.objects.values_list("calendar_id", flat=True).get(pk=ticket.plan_id)
    calendar = working_calendar(calendar_id)
    paused = Deadline.objects.filter(
        ticket=ticket, stopped_at__isnull=True, paused_at__isnull=False
    )
    for deadline in paused:
        assert deadline.paused_at is not None
        waited = calendar.working_time_between(deadline.paused_at, at)
        deadline.paused_seconds += int(waited.total_seconds())
        deadline.paused_at = None
        _recompute(ticket, deadline)
        deadline.save(
            update_fields=["paused_at", "paused_seconds", "target_at", "breach_at", "warn_at"]
        )
        _schedule_checks(deadline)
