"""Direct Assistance: the designated engineer (or the backup while away), a priority above
free support, prepaid time credits, and a plain fallback to free support."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from supportdesk.accounts.models import Absence
from supportdesk.core.errors import InvalidInput, PermissionDenied
from supportdesk.plans.models import PlanNotice, Subscription
from supportdesk.tickets.choices import EventKind, Priority
from supportdesk.tickets.models import TimeEntry
from supportdesk.tickets.services import record_time_spent, route_new_ticket
from tests.factories import make_ticket
from tests.tickets.helpers import events_of, reload


def away(technician, days: int = 3) -> None:  # type: ignore[no-untyped-def]
    start = timezone.now() - timedelta(hours=1)
    Absence.objects.create(
        technician=technician, starts_at=start, ends_at=start + timedelta(days=days)
    )


def test_the_backup_engineer_takes_requests_while_the_designated_engineer_is_away(
    customer, technician, colleague, direct_assistance
):
    direct_assistance()
    away(technician)
    ticket = make_ticket(requester=customer)
    route_new_ticket(ticket_id=ticket.pk)
    assert reload(ticket).assignee == colleague


def test_an_absence_that_is_over_no_longer_diverts_requests(
    customer, technician, colleague, direct_assistance
):
    direct_assistance()
    past = timezone.now() - timedelta(days=10)
    Absence.objects.create(technician=technician, starts_at=past, ends_at=past + timedelta(days=2))
    ticket = make_ticket(requester=customer)
    route_new_ticket(ticket_id=ticket.pk)
    assert reload(ticket).assignee == technician


def test_a_subscriber_request_opened_in_a_queue_still_reaches_the_designated_engineer(
    customer, technician, team, direct_assistance
):
    direct_assistance()
    ticket = make_ticket(requester=customer, team=team)
    route_new_ticket(ticket_id=ticket.pk)
    ticket = reload(ticket)
    assert (ticket.team, ticket.assignee) == (team, technician)
    assert [e.data["assignee"] for e in events_of(ticket, EventKind.ROUTED)] == [
        technician.display_name
    ]


@pytest.mark.parametrize(
    ("asked", "given"),
    [
        (Priority.LOW, Priority.HIGH),
        (Priority.NORMAL, Priority.HIGH),
        (Priority.URGENT, Priority.URGENT),
    ],
)
def test_subscribers_are_served_at_a_priority_above_free_support(
    customer, direct_assistance, asked, given
):
    direct_assistance()
    assert make_ticket(requester=customer, priority=asked).priority == given


def test_free_support_keeps_the_priority_the_customer_asked_for(customer):
    assert make_ticket(requester=customer, priority=Priority.LOW).priority == Priority.LOW


def test_time_spent_is_drawn_from_the_subscription_credits(customer, technician, direct_assistance):
    subscription = direct_assistance(credit_minutes=600)
    ticket = make_ticket(requester=customer)
    route_new_ticket(ticket_id=ticket.pk)
    record_time_spent(actor=technician, ticket=ticket, minutes=45, call_reference="call-7")
    record_time_spent(actor=technician, ticket=ticket, minutes=15)
    assert Subscription.objects.get(pk=subscription.pk).credit_minutes_used == 60
    assert list(
        TimeEntry.objects.filter(ticket=ticket).values_list("minutes", "call_reference")
    ) == [
        (45, "call-7"),
        (15, ""),
    ]
    assert [e.data["minutes"] for e in events_of(ticket, EventKind.TIME_RECORDED)] == [45, 15]


def test_a_subscription_whose_credits_are_used_up_falls_back_to_free_support(
    customer, free_plan, technician, direct_assistance
):
    direct_assistance(credit_minutes=60, credit_minutes_used=60)
    ticket = make_ticket(requester=customer)
    assert ticket.plan == free_plan
    assert ticket.subscription is None
    assert ticket.plan_notice == PlanNotice.CREDITS_EXHAUSTED
    route_new_ticket(ticket_id=ticket.pk)
    assert reload(ticket).assignee is None


def test_a_recently_expired_subscription_is_explained_on_the_ticket(
    customer, free_plan, direct_assistance
):
    today = timezone.localdate()
    direct_assistance(starts_on=today - timedelta(days=400), ends_on=today - timedelta(days=5))
    ticket = make_ticket(requester=customer)
    assert (ticket.plan, ticket.plan_notice) == (free_plan, PlanNotice.SUBSCRIPTION_EXPIRED)


def test_a_customer_without_subscription_gets_free_support_without_notice(customer, free_plan):
    ticket = make_ticket(requester=customer)
    assert (ticket.plan, ticket.plan_notice) == (free_plan, "")


def test_customers_cannot_record_time(customer, ticket):
    with pytest.raises(PermissionDenied):
        record_time_spent(actor=customer, ticket=ticket, minutes=5)


def test_time_outside_one_day_is_refused_by_name(technician, ticket):
    with pytest.raises(InvalidInput) as error:
        record_time_spent(actor=technician, ticket=ticket, minutes=0)
    assert "minutes" in error.value.problems


def test_a_technician_of_another_team_cannot_record_time(technician_of_another_team, ticket):
    with pytest.raises(PermissionDenied):
        record_time_spent(actor=technician_of_another_team, ticket=ticket, minutes=5)
