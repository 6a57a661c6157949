"""Status, priority and tags."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from supportdesk.accounts.actors import Actor
from supportdesk.accounts.models import Contact
from supportdesk.core.clock import now
from supportdesk.core.errors import InvalidInput, PermissionDenied
from supportdesk.tickets import service_levels
from supportdesk.tickets.choices import EventKind, Priority, Status
from supportdesk.tickets.counters import move_in_counters
from supportdesk.tickets.events import record_event
from supportdesk.tickets.models import Tag, Ticket
from supportdesk.tickets.services.common import (
    counted_state,
    lock_ticket,
    require_can_view,
    require_staff,
    require_transition,
)

# What a customer may do with their own ticket's status: say it is solved, or close it.
CUSTOMER_STATUSES = frozenset({Status.SOLVED, Status.CLOSED})


def apply_status(ticket: Ticket, new_status: str) -> None:
    """Set the status, its timestamps and its service-level clocks on a locked ticket;
    the caller saves and counts."""
    at = now()
    old_status = ticket.status
    ticket.status = new_status
    if new_status == Status.SOLVED:
        ticket.solved_at = at
    elif new_status == Status.CLOSED:
        ticket.closed_at = at
        ticket.solved_at = ticket.solved_at or at
    else:
        ticket.solved_at = None
        ticket.closed_at = None
    ticket.updated_at = at
    if new_status != old_status:
        service_levels.on_status_changed(ticket, old_status, new_status, at)


def change_status(*, actor: Actor, ticket: Ticket, status: str) -> Ticket:
    if status == Status.REREVIEW:
        raise InvalidInput({"status": "a re-review needs the customer's comment: request_rereview"})
    with transaction.atomic():
        lock_ticket(ticket)
        require_can_view(actor, ticket)
        if isinstance(actor, Contact) and status not in CUSTOMER_STATUSES:
            raise PermissionDenied("Customers can only mark their request solved or closed")
        require_transition(ticket, status)
        if status == ticket.status:
            return ticket
        before = counted_state(ticket)
        old_status = ticket.status
        apply_status(ticket, status)
        ticket.save()
        move_in_counters(before, counted_state(ticket))
        record_event(
            ticket=ticket,
            kind=EventKind.STATUS_CHANGED,
            actor=actor,
            at=ticket.updated_at,
            data={"from": old_status, "to": status},
        )
    return ticket


def change_priority(*, actor: Actor, ticket: Ticket, priority: str) -> Ticket:
    if priority not in Priority.values:
        raise InvalidInput({"priority": f"expected one of {', '.join(Priority.values)}"})
    with transaction.atomic():
        lock_ticket(ticket)
        require_staff(actor, "change the priority")
        require_can_view(actor, ticket)
        if priority == ticket.priority:
            return ticket
        old = ticket.priority
        ticket.priority = priority
        ticket.updated_at = now()
        service_levels.on_priority_changed(ticket)
        ticket.save(update_fields=["priority", "updated_at", "due_at", "breach_at"])
        record_event(
            ticket=ticket,
            kind=EventKind.PRIORITY_CHANGED,
            actor=actor,
            at=ticket.updated_at,
            data={"from": old, "to": priority},
        )
    return ticket


def normalize_tags(names: Iterable[str]) -> list[str]:
    cleaned = sorted({name.strip().lower().replace(" ", "-") for name in names if name.strip()})
    for name in cleaned:
        if len(name) > 50 or not all(ch.isalnum() or ch in "-_." for ch in name):
            raise InvalidInput({"tags": f"{name!r}: letters, digits, '-', '_' or '.' only"})
    return cleaned


def set_tags(*, actor: Actor, ticket: Ticket, tags: Iterable[str]) -> Ticket:
    names = normalize_tags(tags)
    with transaction.atomic():
        lock_ticket(ticket)
        require_staff(actor, "tag tickets")
        require_can_view(actor, ticket)
        old = sorted(ticket.tags.values_list("name", flat=True))
        if old == names:
            return ticket
        Tag.objects.bulk_create([Tag(name=name) for name in names], ignore_conflicts=True)
        ticket.tags.set(Tag.objects.filter(name__in=names))
        ticket.updated_at = now()
        ticket.save(update_fields=["updated_at"])
        record_event(
            ticket=ticket,
            kind=EventKind.TAGS_CHANGED,
            actor=actor,
            at=ticket.updated_at,
            data={"from": old, "to": names},
        )
    return ticket
