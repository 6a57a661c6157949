"""change_status over the whole transition table, and priority and tags."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from supportdesk.core.errors import InvalidInput, InvalidTransition, PermissionDenied
from supportdesk.tickets.choices import ALLOWED_TRANSITIONS, EventKind, Status
from supportdesk.tickets.selectors import count_by_status
from supportdesk.tickets.services import change_priority, change_status, set_tags
from tests.tickets.helpers import events_of, force_status, reload

T1 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
T2 = datetime(2025, 3, 5, 17, 0, tzinfo=UTC)

# change_status never sets REREVIEW (request_rereview does), so it is no target here.
TARGETS = [s for s in Status.values if s != Status.REREVIEW]
PAIRS = [(old, new) for old in Status.values for new in TARGETS if old != new]
ALLOWED = [(old, new) for old, new in PAIRS if new in ALLOWED_TRANSITIONS[old]]
FORBIDDEN = [(old, new) for old, new in PAIRS if new not in ALLOWED_TRANSITIONS[old]]


def test_the_table_has_both_allowed_and_forbidden_moves():
    assert ALLOWED
    assert FORBIDDEN
    assert set(ALLOWED_TRANSITIONS) == set(Status.values)


@pytest.mark.parametrize(("old", "new"), ALLOWED)
def test_an_allowed_transition_changes_the_status(ticket, technician, old, new):
    force_status(ticket, old)

    change_status(actor=technician, ticket=ticket, status=new)

    assert reload(ticket).status == new


@pytest.mark.parametrize(("old", "new"), FORBIDDEN)
def test_a_forbidden_transition_is_refused_and_changes_nothing(ticket, technician, old, new):
    force_status(ticket, old)

    with pytest.raises(InvalidTransition):
        change_status(actor=technician, ticket=ticket, status=new)

    assert reload(ticket).status == old
    assert events_of(ticket, EventKind.STATUS_CHANGED) == []


def test_setting_the_current_status_again_writes_no_event(ticket, technician):
    change_status(actor=technician, ticket=ticket, status=Status.NEW)

    assert events_of(ticket, EventKind.STATUS_CHANGED) == []


def test_rereview_cannot_be_set_by_change_status(ticket, technician):
    force_status(ticket, Status.SOLVED)

    with pytest.raises(InvalidInput) as refused:
        change_status(actor=technician, ticket=ticket, status=Status.REREVIEW)

    assert "status" in refused.value.problems
    assert reload(ticket).status == Status.SOLVED


def test_an_unknown_status_is_refused_naming_the_field(ticket, technician):
    with pytest.raises(InvalidInput) as refused:
        change_status(actor=technician, ticket=ticket, status="archived")

    assert "status" in refused.value.problems


def test_solving_records_when(ticket, technician, time_machine):
    time_machine.move_to(T1, tick=False)

    change_status(actor=technician, ticket=ticket, status=Status.SOLVED)

    ticket = reload(ticket)
    assert ticket.solved_at == T1
    assert ticket.closed_at is None


def test_closing_a_solved_ticket_keeps_when_it_was_solved(ticket, technician, time_machine):
    time_machine.move_to(T1, tick=False)
    change_status(actor=technician, ticket=ticket, status=Status.SOLVED)
    time_machine.move_to(T2, tick=False)

    change_status(actor=technician, ticket=ticket, status=Status.CLOSED)

    ticket = reload(ticket)
    assert (ticket.solved_at, ticket.closed_at) == (T1, T2)


def test_closing_an_unsolved_ticket_counts_it_solved_at_closing(ticket, technician, time_machine):
    time_machine.move_to(T2, tick=False)

    change_status(actor=technician, ticket=ticket, status=Status.CLOSED)

    ticket = reload(ticket)
    assert (ticket.solved_at, ticket.closed_at) == (T2, T2)


def test_reopening_a_solved_ticket_clears_when_it_was_solved(ticket, technician):
    change_status(actor=technician, ticket=ticket, status=Status.SOLVED)

    change_status(actor=technician, ticket=ticket, status=Status.OPEN)

    assert reload(ticket).solved_at is None


@pytest.mark.parametrize("status", [Status.SOLVED, Status.CLOSED])
def test_a_customer_can_solve_or_close_their_ticket(ticket, customer, status):
    change_status(actor=customer, ticket=ticket, status=status)

    assert reload(ticket).status == status


@pytest.mark.parametrize("status", [Status.OPEN, Status.PENDING])
def test_a_customer_cannot_set_any_other_status(ticket, customer, status):
    with pytest.raises(PermissionDenied):
        change_status(actor=customer, ticket=ticket, status=status)

    assert reload(ticket).status == Status.NEW


def test_a_customer_of_another_organization_cannot_close_the_ticket(
    ticket, customer_of_another_organization
):
    with pytest.raises(PermissionDenied):
        change_status(actor=customer_of_another_organization, ticket=ticket, status="closed")


def test_a_technician_of_another_team_cannot_change_the_status(ticket, technician_of_another_team):
    with pytest.raises(PermissionDenied):
        change_status(actor=technician_of_another_team, ticket=ticket, status="solved")


def test_the_status_event_records_from_and_to(ticket, technician):
    change_status(actor=technician, ticket=ticket, status=Status.SOLVED)

    (changed,) = events_of(ticket, EventKind.STATUS_CHANGED)
    assert changed.data == {"from": "new", "to": "solved"}


def test_status_counters_follow_the_change(ticket, technician):
    change_status(actor=technician, ticket=ticket, status=Status.SOLVED)

    counts = count_by_status()
    assert counts[Status.NEW] == 0
    assert counts[Status.SOLVED] == 1


# Priority and tags


def test_a_technician_can_raise_the_priority(ticket, technician):
    change_priority(actor=technician, ticket=ticket, priority="urgent")

    assert reload(ticket).priority == "urgent"
    (changed,) = events_of(ticket, EventKind.PRIORITY_CHANGED)
    assert changed.data == {"from": "normal", "to": "urgent"}


def test_an_unknown_priority_is_refused_naming_the_field(ticket, technician):
    with pytest.raises(InvalidInput) as refused:
        change_priority(actor=technician, ticket=ticket, priority="asap")

    assert "priority" in refused.value.problems


def test_a_customer_cannot_change_the_priority(ticket, customer):
    with pytest.raises(PermissionDenied):
        change_priority(actor=customer, ticket=ticket, priority="urgent")


def test_tags_are_replaced_normalized(ticket, technician):
    set_tags(actor=technician, ticket=ticket, tags=["Known Bug", "hfsql"])

    assert sorted(ticket.tags.values_list("name", flat=True)) == ["hfsql", "known-bug"]


def test_a_tag_with_forbidden_characters_is_refused_naming_the_field(ticket, technician):
    with pytest.raises(InvalidInput) as refused:
        set_tags(actor=technician, ticket=ticket, tags=["<script>"])

    assert "tags" in refused.value.problems


def test_a_customer_cannot_tag_tickets(ticket, customer):
    with pytest.raises(PermissionDenied):
        set_tags(actor=customer, ticket=ticket, tags=["vip"])
