"""Tickets as plain JSON-ready dicts, shared by `supportdesk ticket --json` and the REST API.

`ticket_summary` reads only what `list_tickets` loads (its select_related relations and the
prefetched tags), so a page of summaries costs no query per ticket. Timestamps are UTC, ISO 8601.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from supportdesk.core.clock import now
from supportdesk.tickets.entitlement import entitlement_facts
from supportdesk.tickets.models import Attachment, Deadline, Message, Ticket, TicketEvent
from supportdesk.tickets.selectors import TicketDetail


def timestamp(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def ticket_summary(ticket: Ticket) -> dict[str, Any]:
    return _summary(ticket, tags=sorted(tag.name for tag in ticket.tags.all()))


def _summary(ticket: Ticket, *, tags: list[str]) -> dict[str, Any]:
    return {
        "reference": ticket.reference,
        "number": ticket.number,
        "subject": ticket.subject,
        "status": ticket.status,
        "priority": ticket.priority,
        "category": ticket.category,
        "channel": ticket.channel,
        "language": ticket.language,
        "requester": {"id": ticket.requester_id, "name": ticket.requester.name},
        "organization": (
            {
                "id": ticket.organization_id,
                "name": ticket.organization.name,
                "customer_number": ticket.organization.customer_number,
            }
            if ticket.organization is not None
            else None
        ),
        "product": (
            {"code": ticket.product.code, "name": ticket.product.name}
            if ticket.product is not None
            else None
        ),
        "product_version": (
            ticket.product_version.name if ticket.product_version is not None else None
        ),
        "plan": ticket.plan.code if ticket.plan is not None else None,
        "team": (
            {"slug": ticket.team.slug, "name": ticket.team.name}
            if ticket.team is not None
            else None
        ),
        "assignee": (
            {"id": ticket.assignee_id, "name": ticket.assignee.display_name}
            if ticket.assignee is not None
            else None
        ),
        "tags": tags,
        "merged_into": ticket.merged_into.reference if ticket.merged_into is not None else None,
        "message_count": ticket.message_count,
        "rereview_count": ticket.rereview_count,
        "satisfaction": ticket.satisfaction or None,
        "created_at": timestamp(ticket.created_at),
        "updated_at": timestamp(ticket.updated_at),
        "last_customer_message_at": timestamp(ticket.last_customer_message_at),
        "first_responded_at": timestamp(ticket.first_responded_at),
        "solved_at": timestamp(ticket.solved_at),
        "closed_at": timestamp(ticket.closed_at),
        "due_at": timestamp(ticket.due_at),
        "breach_at": timestamp(ticket.breach_at),
        "plan_notice": ticket.plan_notice or None,
        "escalated_at": timestamp(ticket.escalated_at),
    }


def deadline_data(deadline: Deadline, *, at: datetime) -> dict[str, Any]:
    return {
        "metric": deadline.metric,
        "state": deadline.state(at),
        "started_at": timestamp(deadline.started_at),
        "target_at": timestamp(deadline.target_at),
        "breach_at": timestamp(deadline.breach_at),
        "warn_at": timestamp(deadline.warn_at),
        "paused_at": timestamp(deadline.paused_at),
        "paused_seconds": deadline.paused_seconds,
        "stopped_at": timestamp(deadline.stopped_at),
        "stop_reason": deadline.stop_reason or None,
        "warned_at": timestamp(deadline.warned_at),
        "breached_at": timestamp(deadline.breached_at),
        # Wall-clock time left before the target; negative once overdue; None unless running.
        "remaining_seconds": (
            int((deadline.target_at - at).total_seconds()) if deadline.is_running else None
        ),
    }


def message_author(message: Message) -> dict[str, Any] | None:
    if message.author_technician is not None:
        return {
            "type": "technician",
            "id": message.author_technician_id,
            "name": message.author_technician.display_name,
        }
    if message.author_contact is not None:
        return {
            "type": "contact",
            "id": message.author_contact_id,
            "name": message.author_contact.name,
        }
    return None


def attachment_data(attachment: Attachment) -> dict[str, Any]:
    return {
        "id": attachment.pk,
        "filename": attachment.filename,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "sha256": attachment.sha256,
        # False when a policy removed the file: its name, size and hash remain as a record.
        "stored": attachment.blob_id is not None,
        "removed_reason": attachment.removed_reason or None,
    }


def message_data(message: Message) -> dict[str, Any]:
    return {
        "id": message.pk,
        "kind": message.kind,
        "channel": message.channel,
        "author": message_author(message),
        "body_text": message.body_text,
        "body_html": message.body_html,
        "origin": message.origin,
        "created_at": timestamp(message.created_at),
        "attachments": [attachment_data(a) for a in message.attachments.all()],
    }


def event_data(event: TicketEvent) -> dict[str, Any]:
    return {
        "id": event.pk,
        "kind": event.kind,
        "actor": event.actor_name,
        "data": event.data,
        "created_at": timestamp(event.created_at),
    }


def ticket_detail(detail: TicketDetail) -> dict[str, Any]:
    """The ticket page as data: the summary, then messages and (for staff) the audit trail.
    `detail.events` is empty for a customer; `get_ticket_detail` decides that."""
    ticket = detail.ticket
    data = _summary(ticket, tags=list(detail.tags))
    emails = sorted(ticket.requester.emails.all(), key=lambda e: (not e.is_primary, e.pk))
    data["requester"]["email"] = emails[0].address if emails else None
    data["messages"] = [message_data(m) for m in detail.messages]
    data["events"] = [event_data(e) for e in detail.events]
    at = now()
    data["deadlines"] = [deadline_data(d, at=at) for d in detail.deadlines]
    data["entitlement"] = {
        **entitlement_facts(ticket),
        "license": ticket.license.serial if ticket.license is not None else None,
        "error_signature": ticket.error_signature or None,
    }
    data["similar_solved"] = [
        {
            "reference": item.reference,
            "subject": item.subject,
            "status": item.status,
            "match": item.match,
        }
        for item in detail.similar
    ]
    return data
