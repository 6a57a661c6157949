"""Small readers shared by the ticket tests: fresh rows, events, and the truth about counters."""

from __future__ import annotations

from collections import Counter

from django.db.models import Count

from supportdesk.tickets.counters import CountedState, move_in_counters
from supportdesk.tickets.models import Ticket, TicketCounter, TicketEvent


def reload(ticket: Ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


def events_of(ticket: Ticket, kind: str | None = None) -> list[TicketEvent]:
    events = TicketEvent.objects.filter(ticket=ticket).order_by("id")
    if kind is not None:
        events = events.filter(kind=kind)
    return list(events)


def force_status(ticket: Ticket, status: str) -> Ticket:
    """Test set-up only: put a ticket in a status without going through the life-cycle,
    keeping the counters true so that later assertions on them still hold."""
    fresh = reload(ticket)
    before = CountedState(fresh.team_id, fresh.assignee_id, fresh.status)
    Ticket.objects.filter(pk=ticket.pk).update(status=status)
    move_in_counters(before, CountedState(fresh.team_id, fresh.assignee_id, status))
    return reload(ticket)


def counted() -> dict[tuple[str, str], int]:
    """What the counters say, without the zero rows."""
    return {(row.scope, row.status): row.value for row in TicketCounter.objects.exclude(value=0)}


def counted_by_select() -> dict[tuple[str, str], int]:
    """The same figures from COUNT(*) over the ticket table: what the counters must equal."""
    truth: Counter[tuple[str, str]] = Counter()
    for row in Ticket.objects.values("status").annotate(n=Count("id")):
        truth[("all", row["status"])] += row["n"]
    for column, prefix in (("team_id", "team"), ("assignee_id", "assignee")):
        rows = (
            Ticket.objects.exclude(**{f"{column}__isnull": True})
            .values(column, "status")
            .annotate(n=Count("id"))
        )
        for row in rows:
            truth[(f"{prefix}:{row[column]}", row["status"])] += row["n"]
    return {key: value for key, value in truth.items() if value}
