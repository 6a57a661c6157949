from __future__ import annotations

from datetime import datetime
from typing import Any

from supportdesk.accounts.actors import Actor, describe_actor
from supportdesk.accounts.models import Contact, Technician
from supportdesk.core.deferred import save_new
from supportdesk.tickets.models import Ticket, TicketEvent


def record_event(
    *, ticket: Ticket, kind: str, actor: Actor, at: datetime, data: dict[str, Any] | None = None
) -> TicketEvent:
    """Write an audit event: at once, or at a batch's flush (core.deferred): events are
    only ever read by the ticket's history page, never by the change that writes them."""
    event = TicketEvent(
        ticket=ticket,
        kind=kind,
        actor_technician=actor if isinstance(actor, Technician) else None,
        actor_contact=actor if isinstance(actor, Contact) else None,
        actor_name=describe_actor(actor),
        data=data or {},
        created_at=at,
    )
    save_new(event)
    return event
