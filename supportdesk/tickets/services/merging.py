"""Merging a duplicate request into the ticket that carries the conversation."""

from __future__ import annotations

from django.db import transaction

from supportdesk.accounts.actors import Actor
from supportdesk.core.clock import now
from supportdesk.core.errors import InvalidInput, InvalidTransition
from supportdesk.plans.entitlement import give_back_request
from supportdesk.tickets.choices import EventKind, Status
from supportdesk.tickets.counters import apply_count_changes, count_changes
from supportdesk.tickets.entitlement import was_counted
from supportdesk.tickets.events import record_event
from supportdesk.tickets.models import Message, Ticket
from supportdesk.tickets.services.common import (
    counted_state,
    lock_ticket,
    require_can_view,
    require_staff,
)
from supportdesk.tickets.services.status import apply_status


def merge_tickets(*, actor: Actor, source: Ticket, target: Ticket) -> Ticket:
    """Move every message of `source` onto `target` and close `source` as merged.

    The source keeps its number: mail quoting it still finds the conversation through
    `merged_into`. A source that took one of its licence's free requests gives it back:
    a duplicate is the same request, counted once (on the target).
    """
    if source.pk == target.pk:
        raise InvalidInput({"target": "a ticket cannot be merged into itself"})
    with transaction.atomic():
        # Lock in id order so two opposite merges cannot deadlock.
        for ticket in sorted((source, target), key=lambda t: t.pk):
            lock_ticket(ticket)
        require_staff(actor, "merge tickets")
        require_can_view(actor, source)
        require_can_view(actor, target)
        same_customer = source.requester_id == target.requester_id or (
            source.organization_id is not None and source.organization_id == target.organization_id
        )
        if not same_customer:
            # The target's requester would read the source's messages: never across customers.
            raise InvalidInput({"target": "tickets of different customers cannot be merged"})
        if source.merged_into_id is not None:
            raise InvalidTransition(f"{source.reference} is already merged")
        if target.merged_into_id is not None or target.status == Status.CLOSED:
            raise InvalidTransition(f"{target.reference} is closed; merge into an open ticket")
        before = [counted_state(source), counted_state(target)]
        at = now()
        moved = Message.objects.filter(ticket=source).update(ticket=target)
        target.message_count += moved
        source.message_count = 0
        target.tags.add(*source.tags.all())
        # Whoever could write on the source goes on writing on the merged conversation.
        joining = {source.requester_id, *source.participants.values_list("id", flat=True)}
        target.participants.add(*(joining - {target.requester_id}))
        if target.status in (Status.SOLVED, Status.PENDING):
            apply_status(target, Status.OPEN)
        target.updated_at = at
        target.save()
        apply_status(source, Status.CLOSED)
        source.merged_into = target
        source.save()
        apply_count_changes(count_changes(before, [counted_state(source), counted_state(target)]))
        merged_into: dict[str, object] = {"target": target.reference, "messages": moved}
        if (
            was_counted(source)
            and source.license_id is not None
            and give_back_request(source.license_id)
        ):
            merged_into["request_given_back"] = source.license.serial if source.license else ""
        record_event(
            ticket=source,
            kind=EventKind.MERGED_INTO,
            actor=actor,
            at=at,
            data=merged_into,
        )
        record_event(
            ticket=target,
            kind=EventKind.MERGED_FROM,
            actor=actor,
            at=at,
            data={"source": source.reference, "messages": moved},
        )
    return target
