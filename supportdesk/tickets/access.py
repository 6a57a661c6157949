"""Permission-checked loading. Interfaces load tickets through these, never with .get()."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from supportdesk.accounts.actors import Actor, SystemActor
from supportdesk.accounts.models import Contact, Technician
from supportdesk.core.errors import NotFound, PermissionDenied
from supportdesk.tickets.models import Ticket
from supportdesk.tickets.references import parse_reference

TICKET_RELATIONS = (
    "requester",
    "organization",
    "product",
    "product_version",
    "team",
    "assignee",
    "plan",
    "merged_into",
)


def technician_team_ids(technician: Technician) -> set[int]:
    cached: set[int] | None = getattr(technician, "_team_ids", None)
    if cached is None:
        cached = set(technician.teams.values_list("id", flat=True))
        technician._team_ids = cached  # type: ignore[attr-defined]
    return cached


def technician_can_view(technician: Technician, ticket: Ticket) -> bool:
    if not technician.is_active:
        return False
    if technician.is_supervisor:
        return True
    # Unrouted tickets are everyone's to pick up; otherwise the team's and the assignee's.
    return (
        ticket.team_id is None
        or ticket.assignee_id == technician.pk
        or ticket.team_id in technician_team_ids(technician)
    )


def contact_can_view(contact: Contact, ticket: Ticket) -> bool:
    if ticket.requester_id == contact.pk:
        return True
    if (
        contact.sees_organization_tickets
        and contact.organization_id is not None
        and ticket.organization_id == contact.organization_id
    ):
        return True
    return ticket.participants.filter(pk=contact.pk).exists()


def can_view_ticket(actor: Actor, ticket: Ticket) -> bool:
    if isinstance(actor, SystemActor):
        return True
    if isinstance(actor, Technician):
        return technician_can_view(actor, ticket)
    return contact_can_view(actor, ticket)


def _load(reference: str) -> Ticket:
    number = parse_reference(reference)
    if number is None:
        raise NotFound(f"{reference!r} is not a ticket reference (expected e.g. SD-100001)")
    ticket = Ticket.objects.select_related(*TICKET_RELATIONS).filter(number=number).first()
    if ticket is None:
        raise NotFound(f"No ticket {reference}")
    return ticket


def access_ticket_for_technician(technician: Technician, reference: str) -> Ticket:
    ticket = _load(reference)
    if not technician_can_view(technician, ticket):
        raise PermissionDenied(f"{ticket.reference} belongs to a team you are not in")
    return ticket


def access_ticket_for_customer(contact: Contact, reference: str) -> Ticket:
    ticket = _load(reference)
    # A customer is never told that someone else's ticket exists.
    if not contact_can_view(contact, ticket):
        raise NotFound(f"No ticket {reference}")
    return ticket


def access_ticket(actor: Actor, reference: str) -> Ticket:
    if isinstance(actor, Technician):
        return access_ticket_for_technician(actor, reference)
    if isinstance(actor, Contact):
        return access_ticket_for_customer(actor, reference)
    return _load(reference)


def tickets_visible_to(actor: Actor) -> QuerySet[Ticket]:
    tickets = Ticket.objects.all()
    if isinstance(actor, SystemActor):
        return tickets
    if isinstance(actor, Technician):
        if not actor.is_active:
            return tickets.none()
        if actor.is_supervisor:
            return tickets
        return tickets.filter(
            Q(team__isnull=True) | Q(assignee=actor) | Q(team__in=technician_team_ids(actor))
        )
    # A subquery, not a join: a join on participants would repeat tickets.
    mine = Q(requester=actor) | Q(
        pk__in=Ticket.participants.through.objects.filter(contact=actor).values("ticket_id")
    )
    if actor.sees_organization_tickets and actor.organization_id is not None:
        return tickets.filter(mine | Q(organization_id=actor.organization_id))
    return tickets.filter(mine)
