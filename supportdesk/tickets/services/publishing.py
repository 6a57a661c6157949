"""Publishing a solved ticket's answer for every customer (deflection, tickets/similar.py).

The technician writes the published text: a ticket holds the customer's private details
(names, serials, their code), so the public answer is never the ticket's messages as such.
By default it starts from the last answer sent, for the technician to review in the admin.
"""

from __future__ import annotations

from django.db import transaction

from supportdesk.accounts.actors import Actor
from supportdesk.accounts.models import Technician
from supportdesk.core.clock import now
from supportdesk.core.errors import InvalidInput
from supportdesk.tickets.choices import EventKind, MessageKind, Status
from supportdesk.tickets.events import record_event
from supportdesk.tickets.models import Message, PublishedAnswer, Ticket
from supportdesk.tickets.services.common import (
    clean_body,
    clean_line,
    lock_ticket,
    require_can_view,
    require_staff,
)


def publish_answer(
    *, actor: Actor, ticket: Ticket, title: str = "", answer_text: str = ""
) -> PublishedAnswer:
    """Make the answer of a solved ticket readable by any customer who describes the same
    problem (the same error signature, or words of its title). Publishing again updates it."""
    require_staff(actor, "publish answers")
    with transaction.atomic():
        lock_ticket(ticket)
        require_can_view(actor, ticket)
        if ticket.status not in (Status.SOLVED, Status.CLOSED):
            raise InvalidInput({"ticket": f"{ticket.reference} is not solved: nothing to publish"})
        if not answer_text.strip():
            answer_text = (
                Message.objects.filter(ticket=ticket, kind=MessageKind.OUTBOUND)
                .order_by("-id")
                .values_list("body_text", flat=True)
                .first()
                or ""
            )
        title = clean_line(title or ticket.subject, field="title", max_length=250)
        answer_text = clean_body(answer_text, field="answer_text")
        at = now()
        answer, _created = PublishedAnswer.objects.update_or_create(
            ticket=ticket,
            defaults={
                "title": title,
                "answer_text": answer_text,
                "product_id": ticket.product_id,
                "error_signature": ticket.error_signature,
                "published_by": actor if isinstance(actor, Technician) else None,
                "published_at": at,
                "withdrawn_at": None,
            },
        )
        record_event(
            ticket=ticket,
            kind=EventKind.ANSWER_PUBLISHED,
            actor=actor,
            at=at,
            data={"title": title},
        )
    return answer


def withdraw_answer(*, actor: Actor, ticket: Ticket) -> None:
    """No customer is shown this ticket's published answer any more (the row stays)."""
    require_staff(actor, "withdraw published answers")
    with transaction.atomic():
        lock_ticket(ticket)
        require_can_view(actor, ticket)
        at = now()
        if PublishedAnswer.objects.filter(ticket=ticket, withdrawn_at__isnull=True).update(
            withdrawn_at=at
        ):
            record_event(ticket=ticket, kind=EventKind.ANSWER_WITHDRAWN, actor=actor, at=at)
