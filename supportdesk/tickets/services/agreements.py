"""Granting an attachment agreement: a technician agrees beforehand to receive larger files,
as the seed allows, and the customer is told how to send them."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction

from supportdesk.accounts.actors import Actor
from supportdesk.accounts.models import Contact, Organization, Technician
from supportdesk.core.clock import now
from supportdesk.core.errors import InvalidInput, PermissionDenied
from supportdesk.tickets.choices import Status
from supportdesk.tickets.models import AttachmentAgreement, Ticket
from supportdesk.tickets.services.common import require_can_view
from supportdesk.tickets.services.uploads import send_upload_link

MAX_AGREEMENT_DAYS = 366


def grant_attachment_agreement(
    *,
    actor: Actor,
    max_bytes: int,
    days: int,
    ticket: Ticket | None = None,
    organization: Organization | None = None,
    contact: Contact | None = None,
    reason: str = "",
    send_link: bool = True,
) -> AttachmentAgreement:
    """A technician agrees to receive larger files, for one ticket or one customer.

    For one ticket, the customer is sent an upload link at once (unless `send_link` is
    off); a customer-wide agreement gives a link in the acknowledgement of each new
    request while it lasts."""
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
    with transaction.atomic():
        agreement = AttachmentAgreement.objects.create(
            ticket=ticket,
            organization=organization,
            contact=contact,
            max_bytes=max_bytes,
            expires_at=at + timedelta(days=days),
            granted_by=actor,
            reason=" ".join(reason.split())[:200],
            created_at=at,
        )
        # A closed or merged ticket takes no files: no link to send.
        if send_link and ticket is not None and ticket.status != Status.CLOSED:
            send_upload_link(actor=actor, ticket=ticket)
    return agreement
