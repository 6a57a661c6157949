"""Permission-checked loading: every persona's "can", "cannot" and "not found"."""

from __future__ import annotations

import pytest

from supportdesk.accounts.actors import SYSTEM
from supportdesk.core.errors import NotFound, PermissionDenied
from supportdesk.tickets.access import (
    access_ticket,
    access_ticket_for_customer,
    access_ticket_for_technician,
    can_view_ticket,
)
from tests.factories import ContactFactory, make_ticket

CAN = ["technician", "supervisor", "customer", "customer_colleague"]
CANNOT = [
    # A technician may learn that a ticket exists in another team's queue...
    ("technician_of_another_team", PermissionDenied),
    # ...a customer is never told that someone else's ticket exists.
    ("customer_of_another_organization", NotFound),
]
EVERYONE = CAN + [name for name, _ in CANNOT]
UNKNOWN = "SD-999999"
MALFORMED = ["", "SD-", "ticket please", "SD-12ab", "'; DROP TABLE tickets; --"]


@pytest.mark.parametrize("persona", CAN)
def test_a_persona_with_a_right_to_the_ticket_loads_it(request, ticket, persona):
    actor = request.getfixturevalue(persona)

    assert access_ticket(actor, ticket.reference) == ticket


@pytest.mark.parametrize(("persona", "error"), CANNOT)
def test_a_persona_without_a_right_to_the_ticket_is_refused(request, ticket, persona, error):
    actor = request.getfixturevalue(persona)

    with pytest.raises(error):
        access_ticket(actor, ticket.reference)


@pytest.mark.parametrize("persona", EVERYONE)
def test_an_unknown_reference_is_not_found_for_anyone(request, ticket, persona):
    actor = request.getfixturevalue(persona)

    with pytest.raises(NotFound):
        access_ticket(actor, UNKNOWN)


@pytest.mark.parametrize("persona", EVERYONE)
@pytest.mark.parametrize("reference", MALFORMED)
def test_a_malformed_reference_is_not_found_for_anyone(request, ticket, persona, reference):
    actor = request.getfixturevalue(persona)

    with pytest.raises(NotFound):
        access_ticket(actor, reference)


def test_someone_elses_ticket_looks_exactly_like_a_missing_one_to_a_customer(
    ticket, customer_of_another_organization
):
    with pytest.raises(NotFound) as existing:
        access_ticket_for_customer(customer_of_another_organization, ticket.reference)
    missing_reference = f"SD-{ticket.number + 1}"
    with pytest.raises(NotFound) as missing:
        access_ticket_for_customer(customer_of_another_organization, missing_reference)

    assert str(existing.value).replace(ticket.reference, "REF") == str(missing.value).replace(
        missing_reference, "REF"
    )


@pytest.mark.parametrize("spelling", ["{ref}", "{ref_lower}", "[{ref}]", "#{number}", "{number}"])
def test_a_ticket_loads_from_any_spelling_of_its_reference(ticket, technician, spelling):
    reference = spelling.format(
        ref=ticket.reference, ref_lower=ticket.reference.lower(), number=ticket.number
    )

    assert access_ticket_for_technician(technician, reference) == ticket


def test_a_colleague_at_the_same_organization_without_the_right_cannot_read(ticket, customer):
    colleague = ContactFactory(organization=customer.organization)

    with pytest.raises(NotFound):
        access_ticket_for_customer(colleague, ticket.reference)


def test_seeing_organization_tickets_does_not_reach_other_organizations(
    ticket, customer_of_another_organization
):
    customer_of_another_organization.sees_organization_tickets = True
    customer_of_another_organization.save()

    with pytest.raises(NotFound):
        access_ticket_for_customer(customer_of_another_organization, ticket.reference)


def test_a_contact_without_organization_sees_only_their_own_tickets(ticket):
    loner = ContactFactory(organization=None, sees_organization_tickets=True)

    with pytest.raises(NotFound):
        access_ticket_for_customer(loner, ticket.reference)


def test_a_ticket_not_yet_routed_is_open_to_every_technician(customer, technician_of_another_team):
    unrouted = make_ticket(requester=customer)

    assert access_ticket_for_technician(technician_of_another_team, unrouted.reference) == unrouted


def test_an_inactive_technician_cannot_load_their_team_tickets(ticket, technician):
    technician.is_active = False
    technician.save()

    with pytest.raises(PermissionDenied):
        access_ticket_for_technician(technician, ticket.reference)


def test_an_inactive_supervisor_cannot_load_tickets(ticket, supervisor):
    supervisor.is_active = False
    supervisor.save()

    with pytest.raises(PermissionDenied):
        access_ticket_for_technician(supervisor, ticket.reference)


def test_the_system_loads_any_ticket(ticket):
    assert access_ticket(SYSTEM, ticket.reference) == ticket
    assert can_view_ticket(SYSTEM, ticket)


def test_a_loaded_ticket_comes_with_its_relations(ticket, technician, django_assert_num_queries):
    loaded = access_ticket_for_technician(technician, ticket.reference)

    with django_assert_num_queries(0):
        assert (loaded.requester.name, loaded.team.slug, loaded.product.code) == (
            "Dev Eloper",
            "windev",
            "windev",
        )
