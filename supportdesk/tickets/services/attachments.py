"""The attachment rule of the seed: files over the plan's limit (9 MB in the demo) are
removed unless a technician agreed beforehand."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Max, Q

from supportdesk.accounts.actors import Actor
from supportdesk.accounts.models import Contact, Organization, Technician
from supportdesk.core.clock import now
from supportdesk.core.errors import InvalidInput, PermissionDenied
from supportdesk.plans.models import Plan
from supportdesk.tickets.models import AttachmentAgreement, Ticket
from supportdesk.tickets.services.common import require_can_view

MAX_AGREEMENT_DAYS = 366


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


def grant_attachment_agreement(
    *,
    actor: Actor,
    max_bytes: int,
    days: int,
    ticket: Ticket | None = None,
    organization: Organization | None = None,
    contact: Contact | None = None,
    reason: str = "",
) -> AttachmentAgreement:
    """A technician agrees to receive larger files, for one ticket or one customer."""
    if not isinstance(actor, Technician) or not actor.is_active:
        raise PermissionDenied("Only technicians grant attachment agreements")
    if ticket is not None:
        require_can_view(actor, ticket)
    problems: dict[str, str] = {}
    if [ticket, organization, contact].count(None) != 2:
        problems["covers"] = "name exactly one of ticket, organization or contact"
    if max_bytes < 1:
        problems["max_bytes"] = "must be positive"
    if not 1 <= days <= MAX_AGREEMENT_DAYS:
        problems["days"] = f"between 1 and {MAX_AGREEMENT_DAYS}"
    if problems:
        raise InvalidInput(problems)
    at = now()
    return AttachmentAgreement.objects.create(
        ticket=ticket,
        organization=organization,
        contact=contact,
        max_bytes=max_bytes,
        expires_at=at + timedelta(days=days),
        granted_by=actor,
        reason=" ".join(reason.split())[:200],
        created_at=at,
    )
