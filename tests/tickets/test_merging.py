"""merge_tickets: a duplicate request folded into the ticket carrying the conversation."""

from __future__ import annotations

import pytest

from supportdesk.accounts.models import License
from supportdesk.core.errors import InvalidInput, InvalidTransition, PermissionDenied
from supportdesk.plans.entitlement import EntitlementStatus
from supportdesk.tickets.choices import EventKind, Status
from supportdesk.tickets.models import Message
from supportdesk.tickets.selectors import count_by_status, count_unresolved
from supportdesk.tickets.services import (
    assign_ticket,
    merge_tickets,
    reply_to_ticket,
    set_tags,
)
from tests.factories import make_ticket
from tests.tickets.helpers import counted, counted_by_select, events_of, force_status, reload


@pytest.fixture
def duplicate(customer, team):
    """The same question sent again by the customer, already in the same team."""
    return make_ticket(requester=customer, team=team, subject="Crash on save (again)")


def test_the_messages_of_the_source_move_to_the_target(ticket, duplicate, technician):
    moved = list(Message.objects.filter(ticket=duplicate))

    merge_tickets(actor=technician, source=duplicate, target=ticket)

    assert set(Message.objects.filter(ticket=ticket)) >= set(moved)
    assert not Message.objects.filter(ticket=duplicate).exists()


def test_the_message_counts_follow_the_messages(ticket, duplicate, technician):
    reply_to_ticket(actor=technician, ticket=duplicate, body_text="Looking.")

    merge_tickets(actor=technician, source=duplicate, target=ticket)

    assert reload(ticket).message_count == 3
    assert reload(duplicate).message_count == 0


def test_the_source_is_closed_and_points_at_the_target(ticket, duplicate, technician):
    merge_tickets(actor=technician, source=duplicate, target=ticket)

    duplicate = reload(duplicate)
    assert duplicate.status == Status.CLOSED
    assert duplicate.closed_at is not None
    assert duplicate.merged_into == ticket


def test_both_tickets_record_the_merge(ticket, duplicate, technician):
    merge_tickets(actor=technician, source=duplicate, target=ticket)

    (merged_into,) = events_of(duplicate, EventKind.MERGED_INTO)
    (merged_from,) = events_of(ticket, EventKind.MERGED_FROM)
    assert merged_into.data == {"target": ticket.reference, "messages": 1}
    assert merged_from.data == {"source": duplicate.reference, "messages": 1}
    assert merged_into.actor_name == merged_from.actor_name == "Alice Martin"


def test_the_target_gets_the_tags_of_both(ticket, duplicate, technician):
    set_tags(actor=technician, ticket=ticket, tags=["crash"])
    set_tags(actor=technician, ticket=duplicate, tags=["crash", "report-editor"])

    merge_tickets(actor=technician, source=duplicate, target=ticket)

    assert sorted(ticket.tags.values_list("name", flat=True)) == ["crash", "report-editor"]


@pytest.mark.parametrize("status", [Status.PENDING, Status.SOLVED])
def test_a_target_waiting_or_solved_is_reopened_by_the_new_messages(
    ticket, duplicate, technician, status
):
    force_status(ticket, status)

    merge_tickets(actor=technician, source=duplicate, target=ticket)

    assert reload(ticket).status == Status.OPEN


def test_a_ticket_cannot_be_merged_into_itself(ticket, technician):
    with pytest.raises(InvalidInput) as refused:
        merge_tickets(actor=technician, source=ticket, target=ticket)

    assert "target" in refused.value.problems


def test_a_ticket_cannot_be_merged_into_a_closed_ticket(ticket, duplicate, technician):
    force_status(ticket, Status.CLOSED)

    with pytest.raises(InvalidTransition):
        merge_tickets(actor=technician, source=duplicate, target=ticket)

    assert reload(duplicate).merged_into is None
    assert Message.objects.filter(ticket=duplicate).count() == 1


def test_a_ticket_cannot_be_merged_into_a_merged_ticket(
    ticket, duplicate, customer, team, technician
):
    third = make_ticket(requester=customer, team=team)
    merge_tickets(actor=technician, source=duplicate, target=ticket)

    with pytest.raises(InvalidTransition):
        merge_tickets(actor=technician, source=third, target=duplicate)


def test_a_merged_ticket_cannot_be_merged_again(ticket, duplicate, customer, team, technician):
    third = make_ticket(requester=customer, team=team)
    merge_tickets(actor=technician, source=duplicate, target=ticket)

    with pytest.raises(InvalidTransition):
        merge_tickets(actor=technician, source=duplicate, target=third)

    assert reload(duplicate).merged_into == ticket


def test_a_customer_cannot_merge(ticket, duplicate, customer):
    with pytest.raises(PermissionDenied):
        merge_tickets(actor=customer, source=duplicate, target=ticket)


def test_a_technician_cannot_merge_a_ticket_of_a_team_they_are_not_in(
    ticket, customer, other_team, technician
):
    elsewhere = make_ticket(requester=customer, team=other_team)

    with pytest.raises(PermissionDenied):
        merge_tickets(actor=technician, source=elsewhere, target=ticket)

    assert reload(elsewhere).merged_into is None


def test_counters_are_right_after_a_merge(ticket, duplicate, technician, colleague, team):
    assign_ticket(actor=technician, ticket=ticket, assignee=technician)
    assign_ticket(actor=technician, ticket=duplicate, assignee=colleague)

    merge_tickets(actor=technician, source=duplicate, target=ticket)

    assert count_unresolved(team_id=team.pk) == 1
    assert count_unresolved(assignee_id=colleague.pk) == 0
    assert count_unresolved(assignee_id=technician.pk) == 1
    assert count_by_status()[Status.CLOSED] == 1
    assert counted() == counted_by_select()


def test_tickets_of_different_customers_cannot_be_merged(
    technician, customer, customer_of_another_organization, team
):
    mine = make_ticket(requester=customer, team=team)
    theirs = make_ticket(requester=customer_of_another_organization, team=team)
    with pytest.raises(InvalidInput) as error:
        merge_tickets(actor=technician, source=theirs, target=mine)
    assert "target" in error.value.problems


# Free support counts requests per licence: a duplicate is the same request, counted once.


@pytest.fixture
def licence(customer, product):
    return License.objects.create(
        organization=customer.organization, product=product, serial="WD-2026-0001"
    )


def test_a_merged_duplicate_gives_its_counted_request_back_to_the_licence(
    licence, customer, team, product, technician
):
    target = make_ticket(requester=customer, team=team, product=product)
    source = make_ticket(requester=customer, team=team, product=product, subject="Again")
    assert source.entitlement == EntitlementStatus.ENTITLED
    assert source.license == licence
    licence.refresh_from_db()
    assert licence.requests_used == 2

    merge_tickets(actor=technician, source=source, target=target)

    licence.refresh_from_db()
    assert licence.requests_used == 1
    (merged_into,) = events_of(source, EventKind.MERGED_INTO)
    assert merged_into.data == {
        "target": target.reference,
        "messages": 1,
        "request_given_back": "WD-2026-0001",
    }


def test_a_request_that_was_not_counted_gives_nothing_back(
    licence, customer, team, product, technician, free_plan
):
    target = make_ticket(requester=customer, team=team, product=product)
    # Over the limit: opened anyway, "no requests left", nothing taken.
    free_plan.requests_per_license = 1
    free_plan.save()
    source = make_ticket(requester=customer, team=team, product=product, subject="Again")
    assert source.entitlement == EntitlementStatus.NO_REQUESTS_LEFT

    merge_tickets(actor=technician, source=source, target=target)

    licence.refresh_from_db()
    assert licence.requests_used == 1
    (merged_into,) = events_of(source, EventKind.MERGED_INTO)
    assert "request_given_back" not in merged_into.data


def test_a_licence_never_goes_below_zero_requests(licence, customer, team, product, technician):
    target = make_ticket(requester=customer, team=team, product=product)
    source = make_ticket(requester=customer, team=team, product=product, subject="Again")
    License.objects.filter(pk=licence.pk).update(requests_used=0)  # reset by an administrator

    merge_tickets(actor=technician, source=source, target=target)

    licence.refresh_from_db()
    assert licence.requests_used == 0
    (merged_into,) = events_of(source, EventKind.MERGED_INTO)
    assert "request_given_back" not in merged_into.data
