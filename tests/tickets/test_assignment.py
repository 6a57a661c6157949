"""Teams and assignees: set_assignment, assign_ticket, move_ticket_to_team, unassign_ticket."""

from __future__ import annotations

import pytest

from supportdesk.core.errors import InvalidInput, InvalidTransition, PermissionDenied
from supportdesk.tickets.choices import EventKind, Status
from supportdesk.tickets.selectors import count_unresolved
from supportdesk.tickets.services import (
    assign_ticket,
    move_ticket_to_team,
    set_assignment,
    unassign_ticket,
)
from tests.factories import TechnicianFactory
from tests.tickets.helpers import events_of, force_status, reload


def test_assigning_a_new_ticket_puts_it_on_the_technician_desk_and_opens_it(ticket, technician):
    assign_ticket(actor=technician, ticket=ticket, assignee=technician)

    ticket = reload(ticket)
    assert ticket.assignee == technician
    assert ticket.status == Status.OPEN


def test_assigning_a_pending_ticket_leaves_it_pending(ticket, technician):
    force_status(ticket, Status.PENDING)

    assign_ticket(actor=technician, ticket=ticket, assignee=technician)

    assert reload(ticket).status == Status.PENDING


def test_an_assignee_outside_the_team_is_refused_naming_the_field(
    ticket, team, supervisor, technician_of_another_team
):
    with pytest.raises(InvalidInput) as refused:
        set_assignment(
            actor=supervisor, ticket=ticket, team=team, assignee=technician_of_another_team
        )

    assert "assignee" in refused.value.problems
    assert reload(ticket).assignee is None


def test_an_assignee_without_a_team_is_refused(ticket, supervisor, technician):
    with pytest.raises(InvalidInput) as refused:
        set_assignment(actor=supervisor, ticket=ticket, team=None, assignee=technician)

    assert "assignee" in refused.value.problems


def test_an_inactive_technician_cannot_be_assigned(ticket, team, supervisor, colleague):
    colleague.is_active = False
    colleague.save()

    with pytest.raises(InvalidInput) as refused:
        set_assignment(actor=supervisor, ticket=ticket, team=team, assignee=colleague)

    assert "assignee" in refused.value.problems
    assert reload(ticket).assignee is None


def test_an_inactive_technician_cannot_assign(ticket, technician, colleague):
    technician.is_active = False
    technician.save()

    with pytest.raises(PermissionDenied):
        assign_ticket(actor=technician, ticket=ticket, assignee=colleague)


def test_a_customer_cannot_assign(ticket, customer, technician):
    with pytest.raises(PermissionDenied):
        assign_ticket(actor=customer, ticket=ticket, assignee=technician)

    assert reload(ticket).assignee is None


def test_a_technician_of_another_team_cannot_assign(ticket, technician, technician_of_another_team):
    with pytest.raises(PermissionDenied):
        assign_ticket(actor=technician_of_another_team, ticket=ticket, assignee=technician)


def test_a_supervisor_can_assign_in_any_team(ticket, supervisor, technician):
    assign_ticket(actor=supervisor, ticket=ticket, assignee=technician)

    assert reload(ticket).assignee == technician


@pytest.mark.parametrize("status", [Status.SOLVED, Status.CLOSED])
def test_a_resolved_ticket_must_be_reopened_before_it_is_assigned(ticket, technician, status):
    force_status(ticket, status)

    with pytest.raises(InvalidTransition):
        assign_ticket(actor=technician, ticket=ticket, assignee=technician)


def test_assigning_to_a_technician_of_another_team_moves_the_ticket_to_their_team(
    ticket, technician, other_team, technician_of_another_team
):
    assign_ticket(actor=technician, ticket=ticket, assignee=technician_of_another_team)

    ticket = reload(ticket)
    assert ticket.team == other_team
    assert ticket.assignee == technician_of_another_team


def test_assigning_the_same_technician_again_writes_no_event(ticket, technician):
    assign_ticket(actor=technician, ticket=ticket, assignee=technician)

    assign_ticket(actor=technician, ticket=ticket, assignee=technician)

    assert len(events_of(ticket, EventKind.ASSIGNED)) == 1


def test_the_assignment_event_records_where_the_ticket_was_and_where_it_went(ticket, technician):
    assign_ticket(actor=technician, ticket=ticket, assignee=technician)

    (assigned,) = events_of(ticket, EventKind.ASSIGNED)
    assert assigned.data == {
        "from": {"team": "windev", "assignee": None},
        "to": {"team": "windev", "assignee": "Alice Martin"},
    }
    assert assigned.actor_name == "Alice Martin"


def test_reassigning_moves_the_ticket_between_the_technicians_counters(
    ticket, technician, colleague, team
):
    assign_ticket(actor=technician, ticket=ticket, assignee=technician)
    assert count_unresolved(assignee_id=technician.pk) == 1

    assign_ticket(actor=technician, ticket=ticket, assignee=colleague)

    assert count_unresolved(assignee_id=technician.pk) == 0
    assert count_unresolved(assignee_id=colleague.pk) == 1
    assert count_unresolved(team_id=team.pk) == 1
    assert count_unresolved() == 1


def test_unassigning_leaves_the_ticket_in_the_team_queue(ticket, technician, team):
    assign_ticket(actor=technician, ticket=ticket, assignee=technician)

    unassign_ticket(actor=technician, ticket=ticket)

    ticket = reload(ticket)
    assert ticket.assignee is None
    assert ticket.team == team
    assert count_unresolved(assignee_id=technician.pk) == 0
    assert count_unresolved(team_id=team.pk) == 1


def test_unassigning_keeps_the_ticket_open(ticket, technician):
    assign_ticket(actor=technician, ticket=ticket, assignee=technician)

    unassign_ticket(actor=technician, ticket=ticket)

    assert reload(ticket).status == Status.OPEN


def test_moving_to_another_team_drops_an_assignee_who_is_not_in_it(
    ticket, technician, team, other_team
):
    assign_ticket(actor=technician, ticket=ticket, assignee=technician)

    move_ticket_to_team(actor=technician, ticket=ticket, team=other_team)

    ticket = reload(ticket)
    assert ticket.team == other_team
    assert ticket.assignee is None
    assert count_unresolved(team_id=team.pk) == 0
    assert count_unresolved(team_id=other_team.pk) == 1
    assert count_unresolved(assignee_id=technician.pk) == 0


def test_moving_to_another_team_keeps_an_assignee_who_is_in_both(
    ticket, team, other_team, supervisor
):
    both = TechnicianFactory(display_name="Eva Both", teams=[team, other_team])
    assign_ticket(actor=supervisor, ticket=ticket, assignee=both)

    move_ticket_to_team(actor=supervisor, ticket=ticket, team=other_team)

    ticket = reload(ticket)
    assert (ticket.team, ticket.assignee) == (other_team, both)
    assert count_unresolved(assignee_id=both.pk) == 1


def test_moving_a_ticket_out_of_a_team_hides_it_from_that_team(ticket, technician, other_team):
    move_ticket_to_team(actor=technician, ticket=ticket, team=other_team)

    with pytest.raises(PermissionDenied):
        assign_ticket(actor=technician, ticket=ticket, assignee=technician)
