""" "Not satisfied": the seed's promise that a second technician answers again."""

from __future__ import annotations

from django.db import transaction

from supportdesk.accounts.actors import Actor
from supportdesk.accounts.models import Contact, Technician
from supportdesk.core.clock import now
from supportdesk.core.errors import InvalidInput, InvalidTransition
from supportdesk.tickets.choices import (
    UNRESOLVED_STATUSES,
    Channel,
    EventKind,
    MessageKind,
    Satisfaction,
    Status,
)
from supportdesk.tickets.counters import move_in_counters
from supportdesk.tickets.events import record_event
from supportdesk.tickets.models import Message, Ticket, TicketCounter
from supportdesk.tickets.services.common import (
    clean_body,
    counted_state,
    lock_ticket,
    require_can_view,
    require_transition,
)
from supportdesk.tickets.services.messages import add_message
from supportdesk.tickets.services.status import apply_status


def pick_second_technician(ticket: Ticket, *, exclude: set[int]) -> Technician | None:
    """The least-loaded active member of the ticket's team who has not answered it yet."""
    if ticket.team_id is None:
        return None
    candidates = list(
        Technician.objects.filter(teams=ticket.team_id, is_active=True)
        .exclude(pk__in=exclude)
        .order_by("pk")
    )
    if not candidates:
        return None
    loads = dict.fromkeys((t.pk for t in candidates), 0)
    rows = TicketCounter.objects.filter(
        scope__in=[f"assignee:{pk}" for pk in loads], status__in=UNRESOLVED_STATUSES
    ).values_list("scope", "value")
    for scope, value in rows:
        loads[int(scope.split(":")[1])] += value
    return min(candidates, key=lambda t: (loads[t.pk], t.pk))


def request_rereview(
    *, actor: Actor, ticket: Ticket, comment: str, channel: str = Channel.PORTAL
) -> Ticket:
    """The customer is not satisfied with the answer: record why, and hand the ticket with
    its question, answer and comment to a technician who has not answered it yet."""
    if channel not in Channel.values:
        raise InvalidInput({"channel": f"unknown channel {channel!r}"})
    comment = clean_body(comment, field="comment")
    with transaction.atomic():
        lock_ticket(ticket)
        require_can_view(actor, ticket)
        if ticket.first_responded_at is None:
            raise InvalidTransition(
                f"{ticket.reference} has not been answered yet", code="not_answered"
            )
        if ticket.status == Status.REREVIEW:
            raise InvalidTransition(
                f"{ticket.reference} is already being reviewed again", code="already_rereview"
            )
        if ticket.merged_into_id is not None:
            raise InvalidTransition(
                f"{ticket.reference} was merged into another ticket", code="merged"
            )
        require_transition(ticket, Status.REREVIEW)
        question = (
            Message.objects.filter(ticket=ticket, kind=MessageKind.INBOUND).order_by("id").first()
        )
        answer = (
            Message.objects.filter(ticket=ticket, kind=MessageKind.OUTBOUND).order_by("-id").first()
        )
        # Everyone who answered, not only the last one: a re-review wants a fresh pair of eyes.
        answered_by = set(
            Message.objects.filter(
                ticket=ticket, kind=MessageKind.OUTBOUND, author_technician__isnull=False
            ).values_list("author_technician_id", flat=True)
        )
        previous = ticket.assignee_id
        second = pick_second_technician(
            ticket, exclude=answered_by | ({previous} if previous else set())
        )
        before = counted_state(ticket)
        at = now()
        message = add_message(
            ticket=ticket,
            kind=MessageKind.INBOUND,
            channel=channel,
            # A colleague of the requester signs their own comment; a technician relaying a
            # fax or a call writes down the requester's words.
            author=actor if isinstance(actor, Contact) else ticket.requester,
            body_text=comment,
            body_html="",
            attachments=(),
            at=at,
        )
        apply_status(ticket, Status.REREVIEW)
        ticket.assignee = second
        ticket.satisfaction = Satisfaction.UNSATISFIED
        ticket.rereview_count += 1
        ticket.last_customer_message_at = at
        ticket.save()
        move_in_counters(before, counted_state(ticket))
        record_event(
            ticket=ticket,
            kind=EventKind.REREVIEW_REQUESTED,
            actor=actor,
            at=at,
            data={
                "comment_message": message.pk,
                "question_message": question.pk if question else None,
                "answer_message": answer.pk if answer else None,
                "previous_assignee": previous,
                "second_technician": second.pk if second else None,
            },
        )
    return ticket
