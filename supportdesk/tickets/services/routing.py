"""Routing a new ticket to a team (and, for Direct Assistance, to the designated engineer)."""

from __future__ import annotations

from django.db import transaction

from supportdesk.accounts.actors import SYSTEM
from supportdesk.accounts.models import Team, Technician
from supportdesk.core.clock import now
from supportdesk.tickets.access import technician_team_ids
from supportdesk.tickets.choices import EventKind, Status
from supportdesk.tickets.counters import move_in_counters
from supportdesk.tickets.events import record_event
from supportdesk.tickets.models import Ticket
from supportdesk.tickets.services.common import counted_state, lock_ticket


def choose_team(*, product_id: int | None, language: str) -> Team | None:
    """Best match first: product and language, then product, then language, then default."""
    teams = list(Team.objects.prefetch_related("products").order_by("name"))

    def score(team: Team) -> tuple[int, int, int]:
        serves_product = product_id is not None and any(
            p.pk == product_id for p in team.products.all()
        )
        return (int(serves_product), int(language in team.languages), int(team.is_default))

    ranked = sorted(teams, key=score, reverse=True)
    if not ranked or score(ranked[0]) == (0, 0, 0):
        return None
    return ranked[0]


def designated_engineer_for(ticket: Ticket) -> Technician | None:
    subscription = ticket.subscription
    if subscription is None or not subscription.plan.has_designated_engineer:
        return None
    for engineer in (subscription.designated_engineer, subscription.backup_engineer):
        if engineer is not None and engineer.is_active:
            return engineer
    return None


def route_new_ticket(*, ticket_id: int) -> bool:
    """Route a ticket that has no team yet. Safe to run twice: a routed ticket is left alone.
    Returns whether this call routed it."""
    with transaction.atomic():
        ticket = Ticket.objects.select_related("subscription__plan").filter(pk=ticket_id).first()
        if ticket is None:
            return False
        lock_ticket(ticket)
        if ticket.team_id is not None or ticket.status not in (Status.NEW, Status.OPEN):
            return False
        engineer = designated_engineer_for(ticket)
        team: Team | None = None
        if engineer is not None:
            team = (
                Team.objects.filter(pk__in=technician_team_ids(engineer)).order_by("name").first()
            )
        if team is None:
            engineer = None
            team = choose_team(product_id=ticket.product_id, language=ticket.language)
        if team is None:
            return False
        before = counted_state(ticket)
        ticket.team, ticket.assignee = team, engineer
        if engineer is not None:
            ticket.status = Status.OPEN
        ticket.updated_at = now()
        ticket.save()
        move_in_counters(before, counted_state(ticket))
        record_event(
            ticket=ticket,
            kind=EventKind.ROUTED,
            actor=SYSTEM,
            at=ticket.updated_at,
            data={"team": team.slug, "assignee": engineer.display_name if engineer else None},
        )
    return True
