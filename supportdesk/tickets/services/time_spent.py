"""Recording the time spent on a ticket, and drawing it from Direct Assistance credits."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from supportdesk.accounts.actors import Actor
from supportdesk.accounts.models import Technician
from supportdesk.core.clock import now
from supportdesk.core.errors import InvalidInput
from supportdesk.plans.models import Subscription
from supportdesk.tickets.choices import EventKind
from supportdesk.tickets.events import record_event
from supportdesk.tickets.models import Ticket, TimeEntry
from supportdesk.tickets.services.common import lock_ticket, require_can_view, require_staff

MAX_MINUTES_PER_ENTRY = 24 * 60


def record_time_spent(
    *, actor: Actor, ticket: Ticket, minutes: int, note: str = "", call_reference: str = ""
) -> TimeEntry:
    """A technician records minutes spent; a subscriber's credits go down by as much. A
    subscription that runs out keeps its tickets; its next requests fall back to free
    support, and the customer is told (Ticket.plan_notice)."""
    if not 1 <= minutes <= MAX_MINUTES_PER_ENTRY:
        raise InvalidInput({"minutes": f"between 1 and {MAX_MINUTES_PER_ENTRY}, got {minutes}"})
    with transaction.atomic():
        lock_ticket(ticket)
        staff = require_staff(actor, "record time")
        require_can_view(actor, ticket)
        if not isinstance(staff, Technician):
            raise InvalidInput({"actor": "time is recorded by the technician who spent it"})
        at = now()
        entry = TimeEntry.objects.create(
            ticket=ticket,
            technician=staff,
            subscription_id=ticket.subscription_id,
            minutes=minutes,
            note=" ".join(note.split())[:200],
            call_reference=call_reference[:100],
            created_at=at,
        )
        if ticket.subscription_id is not None:
            Subscription.objects.filter(pk=ticket.subscription_id).update(
                credit_minutes_used=F("credit_minutes_used") + minutes
            )
        record_event(
            ticket=ticket,
            kind=EventKind.TIME_RECORDED,
            actor=actor,
            at=at,
            data={"minutes": minutes, "call": call_reference or None},
        )
    return entry
