"""Contacts who take part in a ticket besides its requester."""

from __future__ import annotations

from django.db import transaction

from supportdesk.accounts.actors import Actor
from supportdesk.accounts.models import Contact
from supportdesk.core.clock import now
from supportdesk.tickets.choices import EventKind
from supportdesk.tickets.events import record_event
from supportdesk.tickets.models import Ticket
from supportdesk.tickets.services.common import lock_ticket, require_can_view, require_staff


def add_participant(*, actor: Actor, ticket: Ticket, contact: Contact) -> bool:
    """Let `contact` read the ticket and add to it (a colleague of the requester). Staff
    decide who takes part, or the system applying a rule it was configured with. Returns
    False when the contact already could."""
    with transaction.atomic():
        lock_ticket(ticket)
        require_staff(actor, "add participants")
        require_can_view(actor, ticket)
        if contact.pk == ticket.requester_id or ticket.participants.filter(pk=contact.pk).exists():
            return False
        ticket.participants.add(contact)
        record_event(
            ticket=ticket,
            kind=EventKind.PARTICIPANT_ADDED,
            actor=actor,
            at=now(),
            data={"contact": contact.pk, "name": contact.name},
        )
    return True
