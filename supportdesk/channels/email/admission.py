"""Who may add to a ticket by mail: its contacts, colleagues from the organization's mail
domains, and never a sender who failed authentication on someone else's ticket."""

from __future__ import annotations

from dataclasses import dataclass

from supportdesk.accounts.actors import SYSTEM
from supportdesk.accounts.models import Contact, OrganizationMailDomain
from supportdesk.channels.email.authenticity import Authenticity, Verdict
from supportdesk.tickets.access import contact_can_view
from supportdesk.tickets.choices import Status
from supportdesk.tickets.models import Ticket
from supportdesk.tickets.services import add_participant


@dataclass(frozen=True)
class Admission:
    accepted: bool
    reason: str  # why not, for the note on the new ticket; "" when accepted
    as_colleague: bool = False  # accepted as a colleague of the organization, not yet a contact


def admit(contact: Contact, address: str, ticket: Ticket, sender: Authenticity) -> Admission:
    """Whether a mail from `contact` may add to `ticket`. Only a contact of the ticket may,
    or a colleague (a sender from one of the organization's mail domains), and only while
    the ticket is not closed: a reply from anyone else never lands silently on someone
    else's ticket. A mail whose sender failed authentication may claim any address, so it
    lands only on the requester's own ticket (with a warning), never on another's."""
    reference = ticket.reference
    failed = sender.verdict == Verdict.FAIL
    if failed and contact.pk != ticket.requester_id:
        return Admission(
            False,
            f"This mail refers to {reference}, but its sender could not be verified "
            f"({sender.reason}): it was opened as a new request.",
        )
    can_view = contact_can_view(contact, ticket)
    if ticket.status == Status.CLOSED:
        if can_view:
            return Admission(
                False, f"Follow-up to {reference}, which was closed when this mail arrived."
            )
        return Admission(False, _not_a_contact(reference))
    if can_view:
        return Admission(True, "")
    if not failed and _is_colleague(contact, address, ticket):
        return Admission(True, "", as_colleague=True)
    return Admission(False, _not_a_contact(reference))


def _not_a_contact(reference: str) -> str:
    return (
        f"This mail refers to {reference}, but its sender is not a contact of that ticket: "
        f"it was opened as a new request."
    )


def _is_colleague(contact: Contact, address: str, ticket: Ticket) -> bool:
    """A sender from one of the ticket organization's mail domains, not already a contact
    of another organization."""
    if ticket.organization_id is None or contact.organization_id not in (
        None,
        ticket.organization_id,
    ):
        return False
    domain = address.rpartition("@")[2].strip().lower()
    return bool(domain) and (
        OrganizationMailDomain.objects.filter(
            organization_id=ticket.organization_id, domain__iexact=domain
        ).exists()
    )


def welcome_colleague(contact: Contact, ticket: Ticket) -> None:
    """The colleague becomes a contact of the organization and takes part in the ticket."""
    if contact.organization_id is None:
        Contact.objects.filter(pk=contact.pk, organization__isnull=True).update(
            organization_id=ticket.organization_id
        )
        contact.organization_id = ticket.organization_id
    add_participant(actor=SYSTEM, ticket=ticket, contact=contact)
