"""The audit trail: every service writes exactly one event of its kind, naming its actor."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from supportdesk.accounts.actors import SYSTEM, describe_actor
from supportdesk.accounts.models import Contact, Technician
from supportdesk.core.errors import PermissionDenied
from supportdesk.tickets.choices import EventKind
from supportdesk.tickets.models import Ticket, TicketEvent
from supportdesk.tickets.services import (
    add_note,
    assign_ticket,
    change_priority,
    change_status,
    merge_tickets,
    move_ticket_to_team,
    reply_to_ticket,
    request_rereview,
    route_new_ticket,
    set_tags,
    unassign_ticket,
)
from tests.factories import make_ticket


@pytest.fixture
def system():  # type: ignore[no-untyped-def]
    return SYSTEM


@pytest.fixture
def unrouted_ticket(customer, team, product) -> Ticket:
    return make_ticket(requester=customer, product=product)


@pytest.fixture
def assigned_ticket(ticket, technician) -> Ticket:
    return assign_ticket(actor=technician, ticket=ticket, assignee=technician)


@dataclass(frozen=True)
class Case:
    kind: str
    actor: str
    act: Callable[[Any, Ticket, pytest.FixtureRequest], object]
    start: str = "ticket"


CASES = {
    "technician reply": Case(
        EventKind.REPLIED,
        "technician",
        lambda actor, t, _: reply_to_ticket(actor=actor, ticket=t, body_text="Answer"),
    ),
    "customer reply": Case(
        EventKind.CUSTOMER_REPLIED,
        "customer",
        lambda actor, t, _: reply_to_ticket(actor=actor, ticket=t, body_text="Reply"),
    ),
    "note": Case(
        EventKind.NOTE_ADDED,
        "colleague",
        lambda actor, t, _: add_note(actor=actor, ticket=t, body_text="Internal"),
    ),
    "assignment": Case(
        EventKind.ASSIGNED,
        "supervisor",
        lambda actor, t, request: assign_ticket(
            actor=actor, ticket=t, assignee=request.getfixturevalue("colleague")
        ),
    ),
    "unassignment": Case(
        EventKind.ASSIGNED,
        "technician",
        lambda actor, t, _: unassign_ticket(actor=actor, ticket=t),
        start="assigned_ticket",
    ),
    "move to a team": Case(
        EventKind.ASSIGNED,
        "technician",
        lambda actor, t, request: move_ticket_to_team(
            actor=actor, ticket=t, team=request.getfixturevalue("other_team")
        ),
    ),
    "status change by a technician": Case(
        EventKind.STATUS_CHANGED,
        "technician",
        lambda actor, t, _: change_status(actor=actor, ticket=t, status="solved"),
    ),
    "status change by the customer": Case(
        EventKind.STATUS_CHANGED,
        "customer",
        lambda actor, t, _: change_status(actor=actor, ticket=t, status="closed"),
    ),
    "priority change": Case(
        EventKind.PRIORITY_CHANGED,
        "technician",
        lambda actor, t, _: change_priority(actor=actor, ticket=t, priority="high"),
    ),
    "tags": Case(
        EventKind.TAGS_CHANGED,
        "technician",
        lambda actor, t, _: set_tags(actor=actor, ticket=t, tags=["crash"]),
    ),
    "re-review": Case(
        EventKind.REREVIEW_REQUESTED,
        "customer",
        lambda actor, t, _: request_rereview(actor=actor, ticket=t, comment="No."),
        start="answered_ticket",
    ),
    "routing": Case(
        EventKind.ROUTED,
        "system",
        lambda actor, t, _: route_new_ticket(ticket_id=t.pk),
        start="unrouted_ticket",
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_a_service_writes_one_event_of_its_kind_naming_the_actor(request, case):
    ticket = request.getfixturevalue(case.start)
    actor = request.getfixturevalue(case.actor)
    before = set(TicketEvent.objects.values_list("pk", flat=True))

    case.act(actor, ticket, request)

    (event,) = TicketEvent.objects.exclude(pk__in=before)
    assert event.ticket_id == ticket.pk
    assert event.kind == case.kind
    assert event.actor_name == describe_actor(actor)
    assert event.actor_technician == (actor if isinstance(actor, Technician) else None)
    assert event.actor_contact == (actor if isinstance(actor, Contact) else None)


@pytest.mark.parametrize("persona", ["customer", "technician", "system"])
def test_opening_writes_one_opened_event_naming_the_actor(request, customer, persona):
    actor = request.getfixturevalue(persona)

    ticket = make_ticket(requester=customer, actor=actor)

    (event,) = TicketEvent.objects.all()
    assert (event.ticket, event.kind, event.actor_name) == (
        ticket,
        EventKind.OPENED,
        describe_actor(actor),
    )


def test_a_merge_writes_one_event_on_each_ticket(ticket, customer, team, technician):
    duplicate = make_ticket(requester=customer, team=team)
    before = set(TicketEvent.objects.values_list("pk", flat=True))

    merge_tickets(actor=technician, source=duplicate, target=ticket)

    written = TicketEvent.objects.exclude(pk__in=before)
    assert sorted((e.ticket_id, e.kind, e.actor_name) for e in written) == sorted(
        [
            (duplicate.pk, EventKind.MERGED_INTO, "Alice Martin"),
            (ticket.pk, EventKind.MERGED_FROM, "Alice Martin"),
        ]
    )


def test_a_refused_change_writes_no_event(ticket, technician_of_another_team):
    before = TicketEvent.objects.count()

    with pytest.raises(PermissionDenied):
        change_status(actor=technician_of_another_team, ticket=ticket, status="solved")

    assert TicketEvent.objects.count() == before
