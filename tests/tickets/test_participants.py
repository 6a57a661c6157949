"""Participants: contacts besides the requester who may read a ticket and add to it."""

from __future__ import annotations

import pytest

from supportdesk.accounts.models import Contact, Technician
from supportdesk.core.errors import NotFound, PermissionDenied
from supportdesk.tickets.access import access_ticket_for_customer, tickets_visible_to
from supportdesk.tickets.choices import EventKind
from supportdesk.tickets.models import Ticket
from supportdesk.tickets.services import add_participant, reply_to_ticket


def test_a_technician_adds_a_participant_who_may_then_read_and_reply(
    technician: Technician, ticket: Ticket, customer_of_another_organization: Contact
) -> None:
    guest = customer_of_another_organization
    with pytest.raises(NotFound):
        access_ticket_for_customer(guest, ticket.reference)
    assert add_participant(actor=technician, ticket=ticket, contact=guest) is True
    assert access_ticket_for_customer(guest, ticket.reference) == ticket
    assert list(tickets_visible_to(guest)) == [ticket]
    reply_to_ticket(actor=guest, ticket=ticket, body_text="Same here, on version 28.")
    event = ticket.events.get(kind=EventKind.PARTICIPANT_ADDED)
    assert event.data == {"contact": guest.pk, "name": guest.name}


def test_adding_twice_or_adding_the_requester_changes_nothing(
    technician: Technician, ticket: Ticket, customer: Contact, customer_colleague: Contact
) -> None:
    assert add_participant(actor=technician, ticket=ticket, contact=customer) is False
    add_participant(actor=technician, ticket=ticket, contact=customer_colleague)
    assert add_participant(actor=technician, ticket=ticket, contact=customer_colleague) is False
    assert ticket.events.filter(kind=EventKind.PARTICIPANT_ADDED).count() == 1


def test_a_customer_cannot_add_participants(
    ticket: Ticket, customer: Contact, customer_of_another_organization: Contact
) -> None:
    with pytest.raises(PermissionDenied):
        add_participant(actor=customer, ticket=ticket, contact=customer_of_another_organization)
    assert not ticket.participants.exists()


def test_a_technician_of_another_team_cannot_add_participants(
    technician_of_another_team: Technician, ticket: Ticket, customer_colleague: Contact
) -> None:
    with pytest.raises(PermissionDenied):
        add_participant(actor=technician_of_another_team, ticket=ticket, contact=customer_colleague)


def test_a_participant_sees_each_ticket_once_among_their_own(
    technician: Technician, ticket: Ticket, customer: Contact, customer_colleague: Contact
) -> None:
    customer_colleague.sees_organization_tickets = True
    customer_colleague.save()
    add_participant(actor=technician, ticket=ticket, contact=customer_colleague)
    assert list(tickets_visible_to(customer_colleague)) == [ticket]
