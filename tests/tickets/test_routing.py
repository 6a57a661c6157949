"""Routing a new ticket to a team, or to the designated engineer, through the worker."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from supportdesk.tickets.choices import EventKind, Status
from supportdesk.tickets.selectors import count_unresolved
from supportdesk.tickets.services import assign_ticket, route_new_ticket
from supportdesk.tickets.tasks import route_ticket
from tests.factories import ProductFactory, TeamFactory, make_ticket
from tests.tickets.helpers import events_of, reload


@pytest.fixture
def spanish_team(product):
    team = TeamFactory(name="WINDEV en español", slug="windev-es", languages=["es"])
    team.products.add(product)
    return team


@pytest.fixture
def default_team(db):
    return TeamFactory(name="Front desk", slug="front-desk", languages=[], is_default=True)


def test_the_worker_routes_a_new_ticket_to_the_team_of_its_product(
    customer, team, other_team, product, run_tasks
):
    ticket = make_ticket(requester=customer, product=product)
    assert ticket.team is None

    run_tasks()

    assert reload(ticket).team == team


def test_every_routing_task_run_by_the_worker_succeeds(customer, team, product, run_tasks):
    make_ticket(requester=customer, product=product)

    run_tasks()

    (task,) = DBTaskResult.objects.all()
    assert task.status == "SUCCESSFUL"
    assert task.return_value is True


def test_a_team_serving_the_product_and_the_language_wins_over_the_product_alone(
    customer, team, spanish_team, product, run_tasks
):
    ticket = make_ticket(requester=customer, product=product, language="es")

    run_tasks()

    assert reload(ticket).team == spanish_team


def test_a_team_serving_the_product_wins_over_a_team_speaking_the_language(
    customer, team, spanish_team, run_tasks
):
    webdev = ProductFactory(code="webdev")
    spanish_team.products.clear()
    team.products.set([webdev])

    ticket = make_ticket(requester=customer, product=webdev, language="es")
    run_tasks()

    assert reload(ticket).team == team


def test_a_ticket_no_team_matches_goes_to_the_default_team(
    customer, team, other_team, default_team, run_tasks
):
    ticket = make_ticket(requester=customer, product=ProductFactory(code="hfsql"), language="es")

    run_tasks()

    assert reload(ticket).team == default_team


def test_a_ticket_no_team_matches_stays_unrouted_without_a_default_team(
    customer, team, other_team, run_tasks
):
    ticket = make_ticket(requester=customer, language="es")

    assert route_new_ticket(ticket_id=ticket.pk) is False
    assert reload(ticket).team is None
    assert events_of(ticket, EventKind.ROUTED) == []


def test_a_ticket_without_a_product_goes_to_the_default_team_not_a_product_team(
    customer, team, other_team, default_team
):
    # `team` serves WINDEV and speaks the customer's language: a product-less request is not
    # its to sort out.
    ticket = make_ticket(requester=customer, language="en")

    route_new_ticket(ticket_id=ticket.pk)

    assert reload(ticket).team == default_team


def test_without_a_product_a_default_team_speaking_the_language_comes_first(
    customer, team, default_team
):
    french_desk = TeamFactory(name="Accueil", slug="accueil", languages=["fr"], is_default=True)

    ticket = make_ticket(requester=customer, language="fr")
    route_new_ticket(ticket_id=ticket.pk)

    assert reload(ticket).team == french_desk


def test_without_a_product_nor_a_default_team_a_team_speaking_the_language_takes_it(
    customer, team, other_team
):
    ticket = make_ticket(requester=customer, language="fr")  # only `team` speaks French

    route_new_ticket(ticket_id=ticket.pk)

    assert reload(ticket).team == team


def test_a_ticket_with_a_product_still_goes_to_its_team_before_the_default_team(
    customer, team, default_team, product
):
    ticket = make_ticket(requester=customer, product=product, language="en")

    route_new_ticket(ticket_id=ticket.pk)

    assert reload(ticket).team == team


def test_routing_to_a_team_leaves_the_ticket_new_and_unassigned(customer, team, product):
    ticket = make_ticket(requester=customer, product=product)

    route_new_ticket(ticket_id=ticket.pk)

    ticket = reload(ticket)
    assert ticket.status == Status.NEW
    assert ticket.assignee is None


def test_a_direct_assistance_ticket_goes_to_the_designated_engineer(
    customer, technician, direct_assistance, team, run_tasks
):
    direct_assistance()
    ticket = make_ticket(requester=customer)

    run_tasks()

    ticket = reload(ticket)
    assert ticket.assignee == technician
    assert ticket.team == team
    assert ticket.status == Status.OPEN


def test_a_direct_assistance_ticket_goes_to_the_backup_when_the_engineer_is_inactive(
    customer, technician, colleague, direct_assistance, run_tasks
):
    direct_assistance()
    technician.is_active = False
    technician.save()
    ticket = make_ticket(requester=customer)

    run_tasks()

    assert reload(ticket).assignee == colleague


def test_a_direct_assistance_ticket_is_routed_as_any_other_when_both_engineers_are_inactive(
    customer, technician, colleague, direct_assistance, team, product, run_tasks
):
    direct_assistance()
    for engineer in (technician, colleague):
        engineer.is_active = False
        engineer.save()
    ticket = make_ticket(requester=customer, product=product)

    run_tasks()

    ticket = reload(ticket)
    assert ticket.team == team
    assert ticket.assignee is None


def test_an_expired_direct_assistance_does_not_reach_the_engineer(
    customer, technician, direct_assistance, team, product, run_tasks
):
    today = timezone.localdate()
    direct_assistance(starts_on=today - timedelta(days=60), ends_on=today - timedelta(days=1))
    ticket = make_ticket(requester=customer, product=product)

    run_tasks()

    assert reload(ticket).assignee is None


def test_a_routing_task_run_twice_routes_once(customer, team, product, run_tasks):
    ticket = make_ticket(requester=customer, product=product)
    route_ticket.enqueue(ticket_id=ticket.pk)

    run_tasks()

    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == 2
    assert len(events_of(ticket, EventKind.ROUTED)) == 1


def test_routing_again_says_nothing_was_done(customer, team, product):
    ticket = make_ticket(requester=customer, product=product)

    assert route_new_ticket(ticket_id=ticket.pk) is True
    assert route_new_ticket(ticket_id=ticket.pk) is False


def test_routing_a_ticket_that_no_longer_exists_does_nothing(db):
    assert route_new_ticket(ticket_id=987654) is False


def test_a_ticket_assigned_before_the_worker_runs_is_left_where_it_is(
    customer, technician_of_another_team, other_team, team, product, run_tasks
):
    ticket = make_ticket(requester=customer, product=product)
    assign_ticket(
        actor=technician_of_another_team, ticket=ticket, assignee=technician_of_another_team
    )

    run_tasks()

    assert reload(ticket).team == other_team
    assert events_of(ticket, EventKind.ROUTED) == []


def test_the_routing_event_names_the_system_and_the_team(customer, team, product):
    ticket = make_ticket(requester=customer, product=product)

    route_new_ticket(ticket_id=ticket.pk)

    (routed,) = events_of(ticket, EventKind.ROUTED)
    assert routed.actor_name == "system"
    assert routed.data == {"team": "windev", "assignee": None}


def test_routing_moves_the_ticket_into_the_team_counters(customer, team, product):
    ticket = make_ticket(requester=customer, product=product)
    assert count_unresolved(team_id=team.pk) == 0

    route_new_ticket(ticket_id=ticket.pk)

    assert count_unresolved(team_id=team.pk) == 1
    assert count_unresolved() == 1
