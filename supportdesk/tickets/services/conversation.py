"""Replies (both directions) and internal notes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction

from supportdesk.accounts.actors import Actor, SystemActor
from supportdesk.accounts.models import Contact
from supportdesk.core.choices import values_of
from supportdesk.core.clock import now
from supportdesk.core.errors import InvalidInput, InvalidTransition
from supportdesk.tickets import service_levels
from supportdesk.tickets.choices import Channel, EventKind, MessageKind, Status
from supportdesk.tickets.counters import move_in_counters
from supportdesk.tickets.delivery import deliver_answer
from supportdesk.tickets.events import record_event
from supportdesk.tickets.models import Message, Ticket
from supportdesk.tickets.services.attachments import attachment_limit
from supportdesk.tickets.services.common import (
    clean_body,
    counted_state,
    field_values,
    lock_ticket,
    require_can_view,
    require_staff,
    require_transition,
    save_changed,
)
from supportdesk.tickets.services.messages import NewAttachment, StoredAttachment, add_message
from supportdesk.tickets.services.status import apply_status

# After a customer writes, the ticket needs us again.
REOPENED_BY_CUSTOMER = frozenset({Status.PENDING, Status.SOLVED})


def reply_to_ticket(
    *,
    actor: Actor,
    ticket: Ticket,
    body_text: str,
    body_html: str = "",
    channel: str | None = None,
    attachments: Sequence[NewAttachment | StoredAttachment] = (),
    status_after: str | None = None,
    origin: Mapping[str, Any] | None = None,
    locked: bool = False,
) -> Message:
    """A technician's answer (outbound) or a customer's reply (inbound).

    A technician's answer leaves the ticket pending on the customer unless `status_after`
    says otherwise; a customer's reply reopens a pending or solved ticket. `locked`: the
    caller read `ticket` with its row lock in the current transaction (it is current).
    """
    if isinstance(actor, SystemActor):
        raise InvalidInput({"actor": "replies come from a technician or a customer"})
    problems: dict[str, str] = {}
    if channel is not None and channel not in values_of(Channel):
        problems["channel"] = f"unknown channel {channel!r}"
    if status_after is not None and status_after not in values_of(Status):
        problems["status_after"] = f"unknown status {status_after!r}"
    elif status_after is not None and isinstance(actor, Contact):
        problems["status_after"] = "a customer's reply reopens the ticket; it sets no status"
    elif status_after == Status.REREVIEW:
        # Only the customer's "not satisfied" starts a re-review: request_rereview records
        # the satisfaction and hands the ticket to a second technician.
        problems["status_after"] = "a re-review is the customer's request: request_rereview"
    if problems:
        raise InvalidInput(problems)
    body_text = clean_body(body_text)
    with transaction.atomic():
        if not locked:
            lock_ticket(ticket)
        require_can_view(actor, ticket)
        if ticket.merged_into is not None:
            raise InvalidTransition(
                f"{ticket.reference} was merged into {ticket.merged_into.reference}; reply there",
                code="merged",
            )
        before = counted_state(ticket)
        columns_before = field_values(ticket)
        at = now()
        if isinstance(actor, Contact):
            if ticket.status == Status.CLOSED:
                raise InvalidTransition(
                    f"{ticket.reference} is closed; send a new request", code="ticket_closed"
                )
            kind, event = MessageKind.INBOUND, EventKind.CUSTOMER_REPLIED
            next_status = Status.OPEN if ticket.status in REOPENED_BY_CUSTOMER else ticket.status
            ticket.last_customer_message_at = at
        else:
            require_staff(actor, "answer")
            kind, event = MessageKind.OUTBOUND, EventKind.REPLIED
            next_status = status_after or (
                Status.PENDING
                if ticket.status in (Status.NEW, Status.OPEN, Status.REREVIEW)
                else ticket.status
            )
            if ticket.first_responded_at is None:
                ticket.first_responded_at = at
        require_transition(ticket, next_status)
        message = add_message(
            ticket=ticket,
            kind=kind,
            channel=channel or (Channel.EMAIL if isinstance(actor, Contact) else Channel.DESK),
            author=actor,
            body_text=body_text,
            body_html=body_html,
            attachments=attachments,
            at=at,
            # The seed's rule: customers' files over the plan's limit are removed unless
            # agreed beforehand. Our own files go out as they are.
            size_limit=(
                attachment_limit(plan=ticket.plan, contact=actor, ticket=ticket, at=at)
                if attachments and isinstance(actor, Contact)
                else None
            ),
            origin=origin,
        )
        old_status = ticket.status
        if kind == MessageKind.OUTBOUND:
            service_levels.on_answer(ticket, at)
            deliver_answer(message)
        if next_status != old_status:
            apply_status(ticket, next_status)
        if kind == MessageKind.INBOUND:
            service_levels.on_customer_message(ticket, at)
        ticket.updated_at = at
        save_changed(ticket, columns_before)
        move_in_counters(before, counted_state(ticket))
        record_event(
            ticket=ticket,
            kind=event,
            actor=actor,
            at=at,
            data={"message": message.pk, "from": old_status, "to": ticket.status},
        )
    return message


def add_note(
    *, actor: Actor, ticket: Ticket, body_text: str, attachments: Sequence[NewAttachment] = ()
) -> Message:
    """An internal note: technicians only, never shown or sent to the customer."""
    body_text = clean_body(body_text)
    with transaction.atomic():
        lock_ticket(ticket)
        require_staff(actor, "write internal notes")
        require_can_view(actor, ticket)
        at = now()
        message = add_message(
            ticket=ticket,
            kind=MessageKind.NOTE,
            channel=Channel.DESK,
            author=actor,
            body_text=body_text,
            body_html="",
            attachments=attachments,
            at=at,
        )
        ticket.updated_at = at
        ticket.save(update_fields=["message_count", "updated_at"])
        record_event(
            ticket=ticket,
            kind=EventKind.NOTE_ADDED,
            actor=actor,
            at=at,
            data={"message": message.pk},
        )
    return message
