"""The attachment rule of the seed: files over the plan's limit (9 MB in the demo) are
removed unless a technician agreed beforehand."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
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
    kept = _kept.get()
    if kept is not None and contact.pk in kept.contacts:
        in_force = [
            agreement
            for agreement in kept.agreements
            if agreement.expires_at > at
            and (
                agreement.contact_id == contact.pk
                or (
                    contact.organization_id is not None
                    and agreement.organization_id == contact.organization_id
                )
            )
        ]
        return min(in_force, key=_largest_first, default=None)
    covers = Q(contact=contact)
    if contact.organization_id is not None:
        covers |= Q(organization_id=contact.organization_id)
    return (
        AttachmentAgreement.objects.filter(covers, expires_at__gt=at)
        .order_by("-max_bytes", "-expires_at", "-id")
        .first()
    )


def _largest_first(agreement: AttachmentAgreement) -> tuple[int, float, int]:
    return (-agreement.max_bytes, -agreement.expires_at.timestamp(), -agreement.pk)


@dataclass
class _KeptAgreements:
    contacts: set[int] = field(default_factory=set)
    agreements: list[AttachmentAgreement] = field(default_factory=list)


_kept: ContextVar[_KeptAgreements | None] = ContextVar("kept_agreements", default=None)


@contextmanager
def agreements_kept() -> Iterator[None]:
    """Within the block, `customer_wide_agreement` answers from what `keep_agreements_of`
    read for these contacts (a batch of mail reads its senders' in one query: most have
    none)."""
    token = _kept.set(_KeptAgreements())
    try:
        yield
    finally:
        _kept.reset(token)


def keep_agreements_of(contacts: Iterable[Contact], *, at: datetime) -> None:
    kept = _kept.get()
    contacts = [contact for contact in contacts if contact.pk is not None]
    if kept is None or not contacts:
        return
    organization_ids = {c.organization_id for c in contacts if c.organization_id is not None}
    kept.agreements.extend(
        AttachmentAgreement.objects.filter(
            Q(contact__in=contacts) | Q(organization_id__in=organization_ids),
            expires_at__gt=at,
        )
    )
    kept.contacts.update(contact.pk for contact in contacts)


def keep_no_agreements_for(contact: Contact) -> None:
    """Within `agreements_kept`: the contact has no agreement of its own nor through an
    organization (a contact just created), so none is looked up for it."""
    kept = _kept.get()
    if kept is not None and contact.organization_id is None:
        kept.contacts.add(contact.pk)
