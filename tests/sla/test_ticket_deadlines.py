"""Service-level clocks on real tickets, with the clock frozen on the demo Paris calendar."""

from __future__ import annotations

from datetime import time, timedelta
from decimal import Decimal

import pytest
import time_machine
from django_tasks_db.models import DBTaskResult

from supportdesk.plans.models import Plan, SlaTarget
from supportdesk.tickets.choices import EventKind, Priority, Status
from supportdesk.tickets.models import Deadline, Ticket, TicketEvent
from supportdesk.tickets.selectors import answer_promise, get_ticket_detail
from supportdesk.tickets.serializers import ticket_detail
from supportdesk.tickets.services import (
    assign_ticket,
    change_priority,
    change_status,
    reply_to_ticket,
    request_rereview,
)
from supportdesk.tickets.services.escalation import check_deadline, sweep_deadlines
from tests.factories import PlanFactory, SubscriptionFactory, TechnicianFactory, make_ticket
from tests.sla.conftest import paris

Metric = SlaTarget.Metric
Unit = SlaTarget.Unit


@pytest.fixture
def free_plan_targets(free_plan: Plan) -> Plan:
    """The seed's free support: answered within 1 working day, at the latest 2."""
    SlaTarget.objects.create(
        plan=free_plan,
        metric=Metric.FIRST_RESPONSE,
        unit=Unit.WORKING_DAYS,
        target=Decimal(1),
        limit=Decimal(2),
    )
    SlaTarget.objects.create(
        plan=free_plan, metric=Metric.NEXT_RESPONSE, unit=Unit.WORKING_HOURS, target=Decimal(8)
    )
    SlaTarget.objects.create(
        plan=free_plan, metric=Metric.RESOLUTION, unit=Unit.WORKING_DAYS, target=Decimal(10)
    )
    return free_plan


def running(ticket: Ticket, metric: str) -> Deadline:
    return Deadline.objects.get(ticket=ticket, metric=metric, stopped_at__isnull=True)


def open_at(moment, customer, team, **fields) -> Ticket:  # type: ignore[no-untyped-def]
    with time_machine.travel(moment, tick=False):
        return make_ticket(requester=customer, team=team, **fields)


def test_a_request_on_friday_evening_is_due_on_monday_at_the_same_time(
    customer, team, free_plan_targets
):
    ticket = open_at(paris(2026, 11, 20, 17, 30), customer, team)
    first = running(ticket, Metric.FIRST_RESPONSE)
    assert first.target_at == paris(2026, 11, 23, 17, 30)
    assert first.breach_at == paris(2026, 11, 24, 17, 30)
    ticket.refresh_from_db()
    assert ticket.due_at == first.target_at
    assert ticket.breach_at == first.breach_at


def test_a_request_on_saturday_starts_counting_at_monday_opening(customer, team, free_plan_targets):
    ticket = open_at(paris(2026, 11, 21, 10, 0), customer, team)
    assert running(ticket, Metric.FIRST_RESPONSE).target_at == paris(2026, 11, 24, 9, 0)


def test_a_request_before_a_public_holiday_skips_it(customer, team, free_plan_targets):
    # 11 November (Armistice) 2026 is a Wednesday.
    ticket = open_at(paris(2026, 11, 10, 15, 0), customer, team)
    assert running(ticket, Metric.FIRST_RESPONSE).target_at == paris(2026, 11, 12, 15, 0)


def test_checks_are_scheduled_for_the_warning_and_the_breach(customer, team, free_plan_targets):
    ticket = open_at(paris(2026, 11, 20, 17, 30), customer, team)
    first = running(ticket, Metric.FIRST_RESPONSE)
    scheduled = {
        row.run_after
        for row in DBTaskResult.objects.filter(task_path__endswith="check_deadline")
        if row.args_kwargs["kwargs"]["deadline_id"] == first.pk
    }
    assert scheduled == {first.warn_at, first.breach_at}
    assert first.started_at < first.warn_at < first.target_at


def test_the_first_answer_meets_the_first_response_clock(
    customer, team, technician, free_plan_targets
):
    ticket = open_at(paris(2026, 11, 23, 9, 0), customer, team)
    with time_machine.travel(paris(2026, 11, 23, 11, 0), tick=False):
        reply_to_ticket(actor=technician, ticket=ticket, body_text="Here is the fix.")
    first = Deadline.objects.get(ticket=ticket, metric=Metric.FIRST_RESPONSE)
    assert first.stop_reason == Deadline.StopReason.MET
    assert first.state(paris(2026, 11, 23, 11, 0)) == "met"


def test_waiting_on_the_customer_pauses_the_resolution_clock_and_pushes_it_back(
    customer, team, technician, free_plan_targets
):
    ticket = open_at(paris(2026, 11, 23, 9, 0), customer, team)
    resolution_due = running(ticket, Metric.RESOLUTION).target_at
    with time_machine.travel(paris(2026, 11, 23, 10, 0), tick=False):
        reply_to_ticket(actor=technician, ticket=ticket, body_text="Which version?")
    assert running(ticket, Metric.RESOLUTION).paused_at == paris(2026, 11, 23, 10, 0)
    assert Ticket.objects.get(pk=ticket.pk).due_at is None
    # The customer answers the next day at 10:00: 7 working hours later (10-12, 14-18, 9-10).
    with time_machine.travel(paris(2026, 11, 24, 10, 0), tick=False):
        reply_to_ticket(actor=ticket.requester, ticket=ticket, body_text="Version 2026.")
    resolution = running(ticket, Metric.RESOLUTION)
    assert resolution.paused_at is None
    assert resolution.paused_seconds == 7 * 3600
    # Ten working days from Monday 23 at 09:00, then the 7 hours paused: Monday 7 at 18:00.
    assert resolution.target_at == paris(2026, 12, 7, 18, 0)
    assert resolution_due == paris(2026, 12, 7, 9, 0)


def test_a_customer_reply_after_an_answer_starts_the_next_response_clock(
    customer, team, technician, free_plan_targets
):
    ticket = open_at(paris(2026, 11, 23, 9, 0), customer, team)
    with time_machine.travel(paris(2026, 11, 23, 10, 0), tick=False):
        reply_to_ticket(actor=technician, ticket=ticket, body_text="Try this.")
    with time_machine.travel(paris(2026, 11, 23, 16, 0), tick=False):
        reply_to_ticket(actor=ticket.requester, ticket=ticket, body_text="Still broken.")
    # 8 working hours from Monday 16:00: 2 h on Monday, then 9-12 and 14-17 on Tuesday.
    assert running(ticket, Metric.NEXT_RESPONSE).target_at == paris(2026, 11, 24, 17, 0)


def test_not_satisfied_starts_a_fresh_first_response_clock(
    customer, team, technician, colleague, free_plan_targets
):
    ticket = open_at(paris(2026, 11, 23, 9, 0), customer, team)
    with time_machine.travel(paris(2026, 11, 23, 10, 0), tick=False):
        reply_to_ticket(
            actor=technician, ticket=ticket, body_text="Done.", status_after=Status.SOLVED
        )
    with time_machine.travel(paris(2026, 11, 27, 11, 0), tick=False):
        request_rereview(actor=customer, ticket=ticket, comment="This does not answer me.")
    second = running(ticket, Metric.FIRST_RESPONSE)
    assert second.started_at == paris(2026, 11, 27, 11, 0)
    assert second.target_at == paris(2026, 11, 30, 11, 0)
    assert Deadline.objects.filter(ticket=ticket, metric=Metric.FIRST_RESPONSE).count() == 2


def test_solving_meets_the_resolution_clock_and_closes_the_others(
    customer, team, technician, free_plan_targets
):
    ticket = open_at(paris(2026, 11, 23, 9, 0), customer, team)
    with time_machine.travel(paris(2026, 11, 23, 9, 30), tick=False):
        change_status(actor=technician, ticket=ticket, status=Status.SOLVED)
    reasons = dict(Deadline.objects.filter(ticket=ticket).values_list("metric", "stop_reason"))
    assert reasons == {
        Metric.RESOLUTION: Deadline.StopReason.MET,
        Metric.FIRST_RESPONSE: Deadline.StopReason.CANCELLED,
    }
    assert Ticket.objects.get(pk=ticket.pk).due_at is None


def test_a_priority_with_its_own_target_recomputes_the_running_clock(
    customer, team, technician, free_plan_targets
):
    SlaTarget.objects.create(
        plan=free_plan_targets,
        metric=Metric.FIRST_RESPONSE,
        priority=Priority.URGENT,
        unit=Unit.WORKING_HOURS,
        target=Decimal(2),
    )
    ticket = open_at(paris(2026, 11, 23, 9, 0), customer, team)
    with time_machine.travel(paris(2026, 11, 23, 9, 15), tick=False):
        change_priority(actor=technician, ticket=ticket, priority=Priority.URGENT)
    first = running(ticket, Metric.FIRST_RESPONSE)
    assert first.target_at == paris(2026, 11, 23, 11, 0)
    assert Ticket.objects.get(pk=ticket.pk).due_at == paris(2026, 11, 23, 11, 0)


def test_a_breach_escalates_to_the_team_lead_exactly_once(
    customer, team, technician, free_plan_targets
):
    lead = TechnicianFactory(display_name="Team Lead", teams=[team])
    team.lead = lead
    team.save()
    ticket = open_at(paris(2026, 11, 23, 9, 0), customer, team)
    first = running(ticket, Metric.FIRST_RESPONSE)
    with time_machine.travel(paris(2026, 11, 25, 9, 1), tick=False):
        assert check_deadline(deadline_id=first.pk) == ["warned", "escalated"]
        assert check_deadline(deadline_id=first.pk) == []
        sweep_deadlines()
    breaches = TicketEvent.objects.filter(ticket=ticket, kind=EventKind.SLA_BREACHED)
    assert [e.data["escalated_to"] for e in breaches] == ["Team Lead"]
    assert Ticket.objects.get(pk=ticket.pk).escalated_to == lead


def test_a_check_before_the_warning_time_does_nothing(customer, team, free_plan_targets):
    ticket = open_at(paris(2026, 11, 23, 9, 0), customer, team)
    first = running(ticket, Metric.FIRST_RESPONSE)
    with time_machine.travel(paris(2026, 11, 23, 12, 0), tick=False):
        assert check_deadline(deadline_id=first.pk) == []
    with time_machine.travel(first.warn_at, tick=False):
        assert check_deadline(deadline_id=first.pk) == ["warned"]


def test_the_sweep_catches_a_breach_whose_check_never_ran(customer, team, free_plan_targets):
    ticket = open_at(paris(2026, 11, 23, 9, 0), customer, team)
    DBTaskResult.objects.all().delete()  # the worker was down: the scheduled checks are lost
    with time_machine.travel(paris(2026, 12, 1, 9, 0), tick=False):
        assert sweep_deadlines() >= 1
        assert sweep_deadlines() == 0
    assert TicketEvent.objects.filter(ticket=ticket, kind=EventKind.SLA_BREACHED).count() == 1


def test_a_paused_clock_is_never_escalated(customer, team, technician, free_plan_targets):
    ticket = open_at(paris(2026, 11, 23, 9, 0), customer, team)
    with time_machine.travel(paris(2026, 11, 23, 9, 30), tick=False):
        change_status(actor=technician, ticket=ticket, status=Status.PENDING)
    with time_machine.travel(paris(2027, 1, 10, 9, 0), tick=False):
        assert sweep_deadlines() == 0
    assert not TicketEvent.objects.filter(ticket=ticket, kind=EventKind.SLA_BREACHED).exists()


@pytest.fixture
def direct_assistance_plan(free_plan: Plan) -> Plan:
    plan = PlanFactory(
        code="direct-assistance",
        is_paid=True,
        rank=10,
        has_designated_engineer=True,
        calendar=free_plan.calendar,
    )
    SlaTarget.objects.create(
        plan=plan,
        metric=Metric.FIRST_RESPONSE,
        unit=Unit.SAME_DAY,
        target=Decimal(8),
        same_day_cutoff=time(16, 0),
    )
    return plan


@pytest.mark.parametrize(
    ("arrival", "due"),
    [
        (paris(2026, 11, 24, 15, 59), paris(2026, 11, 24, 18, 0)),
        # 1.5 h on Tuesday, then 9-12 and 14-17:30 on Wednesday.
        (paris(2026, 11, 24, 16, 30), paris(2026, 11, 25, 17, 30)),
    ],
    ids=["before the cut-off: same day", "after the cut-off: 8 working hours"],
)
def test_direct_assistance_is_handled_the_same_working_day(
    customer, team, technician, colleague, direct_assistance_plan, arrival, due
):
    SubscriptionFactory(
        organization=customer.organization,
        plan=direct_assistance_plan,
        starts_on=arrival.date() - timedelta(days=30),
        designated_engineer=technician,
        backup_engineer=colleague,
    )
    ticket = open_at(arrival, customer, team)
    assert running(ticket, Metric.FIRST_RESPONSE).target_at == due


def test_a_direct_assistance_breach_escalates_to_the_backup_engineer(
    customer, team, technician, colleague, direct_assistance_plan
):
    SubscriptionFactory(
        organization=customer.organization,
        plan=direct_assistance_plan,
        starts_on=paris(2026, 1, 1).date(),
        designated_engineer=technician,
        backup_engineer=colleague,
    )
    ticket = open_at(paris(2026, 11, 24, 10, 0), customer, team)
    with time_machine.travel(paris(2026, 11, 24, 10, 5), tick=False):
        assign_ticket(actor=technician, ticket=ticket, assignee=technician)
    with time_machine.travel(paris(2026, 11, 24, 18, 1), tick=False):
        sweep_deadlines()
    assert Ticket.objects.get(pk=ticket.pk).escalated_to == colleague


@pytest.mark.parametrize(
    ("language", "promise"),
    [
        ("en", "Monday 23 November, 17:30"),
        ("es", "lunes 23 de noviembre, 17:30"),
        ("fr", "lundi 23 novembre, 17:30"),
    ],
)
def test_the_promise_is_stated_from_the_real_calendar_in_the_customer_language(
    customer, team, free_plan_targets, language, promise
):
    ticket = open_at(paris(2026, 11, 20, 17, 30), customer, team, language=language)
    assert answer_promise(ticket) == (paris(2026, 11, 23, 17, 30), promise)


def test_the_ticket_data_carries_each_deadline_and_its_state(
    customer, team, technician, free_plan_targets
):
    ticket = open_at(paris(2026, 11, 23, 9, 0), customer, team)
    with time_machine.travel(paris(2026, 11, 24, 12, 0), tick=False):
        data = ticket_detail(get_ticket_detail(viewer=technician, ticket=ticket))
    states = {d["metric"]: d["state"] for d in data["deadlines"]}
    assert states == {Metric.FIRST_RESPONSE: "overdue", Metric.RESOLUTION: "running"}
    assert data["due_at"] == "2026-11-24T08:00:00Z"
    first = next(d for d in data["deadlines"] if d["metric"] == Metric.FIRST_RESPONSE)
    assert first["remaining_seconds"] == -3 * 3600


def test_customers_do_not_see_the_internal_deadlines(customer, team, free_plan_targets):
    ticket = open_at(paris(2026, 11, 23, 9, 0), customer, team)
    assert get_ticket_detail(viewer=customer, ticket=ticket).deadlines == []
