"""Who works on a ticket: its team (queue) and its assignee."""

from __future__ import annotations

from django.db import transaction

from supportdesk.accounts.actors import Actor
from supportdesk.accounts.models import Team, Technician
from supportdesk.core.clock import now
from supportdesk.core.errors import InvalidInput, InvalidTransition
from supportdesk.tickets.access import technician_team_ids
from supportdesk.tickets.choices import UNRESOLVED_STATUSES, EventKind, Status
from supportdesk.tickets.counters import move_in_counters
from supportdesk.tickets.events import record_event
from supportdesk.tickets.models import Ticket
from supportdesk.tickets.services.common import (
    counted_state,
    lock_ticket,
    require_can_view,
    require_staff,
)


def _assignment_data(ticket: Ticket) -> dict[str, object]:
    return {
        "team": ticket.team.slug if ticket.team else None,
        "assignee": ticket.assignee.display_name if ticket.assignee else None,
    }


def set_assignment(
    *, actor: Actor, ticket: Ticket, team: Team | None, assignee: Technician | None
) -> Ticket:
    """Put a ticket in a team's queue and (optionally) on one technician's desk.

    Both values are explicit: `assignee=None` leaves the ticket unassigned in the queue.
    The assignee must belong to the team, so the ticket stays visible to them.
    """
    with transaction.atomic():
        lock_ticket(ticket)
        require_staff(actor, "assign tickets")
        require_can_view(actor, ticket)
        if ticket.status not in UNRESOLVED_STATUSES:
            raise InvalidTransition(f"{ticket.reference} is {ticket.status}; reopen it first")
        if assignee is not None:
            if not assignee.is_active:
                raise InvalidInput({"assignee": f"{assignee.display_name} is not active"})
            if team is None or team.pk not in technician_team_ids(assignee):
                where = f"team {team.name}" if team else "no team"
                raise InvalidInput(
                    {"assignee": f"{assignee.display_name} is not a member of {where}"}
                )
        if team == ticket.team and assignee == ticket.assignee:
            return ticket
        before_state, before_data = counted_state(ticket), _assignment_data(ticket)
        ticket.team, ticket.assignee = team, assignee
        if assignee is not None and ticket.status == Status.NEW:
            ticket.status = Status.OPEN
        ticket.updated_at = now()
        ticket.save()
        move_in_counters(before_state, counted_state(ticket))
        record_event(
            ticket=ticket,
            kind=EventKind.ASSIGNED,
            actor=actor,
            at=ticket.updated_at,
            data={"from": before_data, "to": _assignment_data(ticket)},
        )
    return ticket


def assign_ticket(*, actor: Actor, ticket: Ticket, assignee: Technician) -> Ticket:
    """Give a ticket to a technician, keeping its team when they belong to it, otherwise
    moving it to the assignee's first team."""
    team = ticket.team
    if team is None or team.pk not in technician_team_ids(assignee):
        team = assignee.teams.order_by("name").first()
    return set_assignment(actor=actor, ticket=ticket, team=team, assignee=assignee)


def unassign_ticket(*, actor: Actor, ticket: Ticket) -> Ticket:
    return set_assignment(actor=actor, ticket=ticket, team=ticket.team, assignee=None)


def move_ticket_to_team(*, actor: Actor, ticket: Ticket, team: Team) -> Ticket:
    """Move to another queue; the assignee stays only if they are in that team too."""
    assignee = ticket.assignee
    if assignee is not None and team.pk not in technician_team_ids(assignee):
        assignee = None
    return set_assignment(actor=actor, ticket=ticket, team=team, assignee=assignee)
