"""The attachment rule of the seed: files over the plan's limit (9 MB in the demo) are
removed unless a technician agreed beforehand."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Max, Q

from supportdesk.accounts.models import Contact
from supportdesk.plans.models import Plan
from supportdesk.tickets.models import AttachmentAgreement, Ticket


def attachment_limit(
    *, plan: Plan | None, contact: Contact, ticket: Ticket | None, at: datetime
) -> int | None:
    """The largest file this customer may send now: the plan's limit, raised by any
    agreement in force for the ticket, the contact or their organization. None: no limit."""
    if plan is None:
        return None
    covers = Q(contact=contact)
    if contact.organization_id is not None:
        covers |= Q(organization_id=contact.organization_id)
    if ticket is not None:
        covers |= Q(ticket=ticket)
    agreed = AttachmentAgreement.objects.filter(covers, expires_at__gt=at).aggregate(
        largest=Max("max_bytes")
    )["largest"]
    return max(plan.attachment_limit_bytes, agreed or 0)


def agreement_covering(ticket: Ticket, *, at: datetime) -> AttachmentAgreement | None:
    """The agreement in force for the ticket, its requester or their organization with the
    largest cap (the one attachment_limit applies to the requester's files)."""
    requester = ticket.requester
    covers = Q(ticket=ticket) | Q(contact_id=requester.pk)
    if requester.organization_id is not None:
        covers |= Q(organization_id=requester.organization_id)
    return (
        AttachmentAgreement.objects.filter(covers, expires_at__gt=at)
        .order_by("-max_bytes", "-expires_at", "-id")
        .first()
    )


def customer_wide_agreement(contact: Contact, *, at: datetime) -> AttachmentAgreement | None:
    """The agreement in force for the contact or their organization (not for one ticket)
    with the largest cap: what a new request of theirs may send through an upload link."""
    covers = Q(contact=contact)
    if contact.organization_id is not None:
        covers |= Q(organization_id=contact.organization_id)
    return (
        AttachmentAgreement.objects.filter(covers, expires_at__gt=at)
        .order_by("-max_bytes", "-expires_at", "-id")
        .first()
    )
