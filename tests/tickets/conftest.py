"""Ticket states and people that several ticket test modules start from."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from supportdesk.accounts.models import Contact, Team, Technician
from supportdesk.plans.models import Subscription
from supportdesk.tickets.models import Ticket
from supportdesk.tickets.services import assign_ticket, reply_to_ticket
from tests.factories import SubscriptionFactory, TechnicianFactory
from tests.tickets.helpers import reload


@pytest.fixture
def third_technician(team: Team) -> Technician:
    """One more member of `team`, so a re-review has someone to choose between."""
    return TechnicianFactory(display_name="Dmitri Novak", teams=[team])


@pytest.fixture
def answered_ticket(ticket: Ticket, technician: Technician) -> Ticket:
    """The customer's ticket, assigned to `technician`, who has answered it (now pending)."""
    assign_ticket(actor=technician, ticket=ticket, assignee=technician)
    reply_to_ticket(actor=technician, ticket=ticket, body_text="Update to the latest version.")
    return reload(ticket)


@pytest.fixture
def direct_assistance(customer: Contact, technician: Technician, colleague: Technician):
    """A Direct Assistance subscription in force for the customer's organization, with
    `technician` as designated engineer and `colleague` as backup."""

    def subscribe(**overrides: object) -> Subscription:
        today = timezone.localdate()
        fields: dict[str, object] = {
            "organization": customer.organization,
            "starts_on": today - timedelta(days=30),
            "ends_on": today + timedelta(days=335),
            "designated_engineer": technician,
            "backup_engineer": colleague,
        }
        fields.update(overrides)
        return SubscriptionFactory(**fields)

    return subscribe
