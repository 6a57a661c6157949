"""Routing a new ticket to a team (and, for Direct Assistance, to the designated engineer)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction

from supportdesk.accounts.actors import SYSTEM
from supportdesk.accounts.models import Team, Technician
from supportdesk.accounts.selectors import is_available
from supportdesk.core.clock import now
from supportdesk.tickets.access import technician_team_ids
from supportdesk.tickets.choices import UNRESOLVED_STATUSES, EventKind, Status
from supportdesk.tickets.counters import move_in_counters
from supportdesk.tickets.events import record_event
from supportdesk.tickets.models import Ticket
from supportdesk.tickets.services.common import counted_state


@dataclass
class _KeptTeams:
    teams: list[Team] | None = None
    serving: dict[int, set[int]] = field(default_factory=dict)
    # By technician id: available at the batch's time.
    available: dict[int, bool] = field(default_factory=dict)


_kept: ContextVar[_KeptTeams | None] = ContextVar("kept_teams", default=None)


@contextmanager
def teams_kept() -> Iterator[None]:
    """Within the block, `choose_team` reads the teams, and which teams serve each product,
    once, and Direct Assistance routing reads each designated engineer's availability
    once (their teams are kept on the technician: see technician_team_ids): a batch of
    mail routes many tickets in a second or two, and nothing in routing changes a team or
    an absence."""
    token = _kept.set(_KeptTeams())
    try:
        yield
    finally:
        _kept.reset(token)


def _teams() -> list[Team]:
    kept = _kept.get()
    if kept is None:
        return list(Team.objects.order_by("name"))
    if kept.teams is None:
        kept.teams = list(Team.objects.order_by("name"))
    return kept.teams


def _serving(product_id: int) -> set[int]:
    """Which teams serve this product (their ids only: no product rows)."""
    kept = _kept.get()
    if kept is not None and product_id in kept.serving:
        return kept.serving[product_id]
    serving = set(
        Team.products.through.objects.filter(product_id=product_id).values_list(
            "team_id", flat=True
        )
    )
    if kept is not None:
        kept.serving[product_id] = serving
    return serving


def choose_team(*, product_id: int | None, language: str) -> Team | None:
    """With a product, best match first: product and language, then product, then language,
    then default. Without one (free-form mail whose product could not be guessed), the
    default (triage) team first, one speaking the language before another, then any team
    speaking it: a product team would only pass it on."""
    teams = _teams()
    # None to ask about for a request without a product, as free-form mail may be.
    serving = _serving(product_id) if product_id is not None else set()

    def score(team: Team) -> tuple[int, int, int]:
        speaks = int(language in team.languages)
        if product_id is None:
            return (int(team.is_default), speaks, 0)
        return (int(team.pk in serving), speaks, int(team.is_default))

    ranked = sorted(teams, key=score, reverse=True)
    if not ranked or score(ranked[0]) == (0, 0, 0):
        return None
    return ranked[0]


def designated_engineer_for(ticket: Ticket, at: datetime) -> Technician | None:
    """The subscriber's designated engineer, or the backup while the engineer is away."""
    subscription = ticket.subscription
    if subscription is None or not subscription.plan.has_designated_engineer:
        return None
    for engineer in (subscription.designated_engineer, subscription.backup_engineer):
        if engineer is not None and _available(engineer, at):
            return engineer
    return None


def _available(engineer: Technician, at: datetime) -> bool:
    kept = _kept.get()
    if kept is None:
        return is_available(engineer, at)
    if engineer.pk not in kept.available:
        kept.available[engineer.pk] = is_available(engineer, at)
    return kept.available[engineer.pk]


def _first_team(team_ids: set[int]) -> Team | None:
    """The first of these teams by name (`_teams` are in that order)."""
    return next((team for team in _teams() if team.pk in team_ids), None)


def needs_routing(ticket: Ticket) -> bool:
    """No queue yet, or a Direct Assistance request that no engineer holds yet."""
    if ticket.team_id is None:
        return True
    subscription = ticket.subscription
    return (
        ticket.assignee_id is None
        and subscription is not None
        and subscription.plan.has_designated_engineer
    )


def routing_decision(ticket: Ticket, at: datetime) -> tuple[Team, Technician | None] | None:
    """Where a ticket that needs routing goes: its team, and for Direct Assistance its
    engineer; None when routing would change nothing."""
    engineer = designated_engineer_for(ticket, at)
    team = ticket.team
    if engineer is not None:
        engineer_teams = technician_team_ids(engineer)
        if team is None or team.pk not in engineer_teams:
            team = _first_team(engineer_teams)
        if team is None:
            engineer = None  # an engineer in no team cannot hold tickets
    if team is None:
        team = choose_team(product_id=ticket.product_id, language=ticket.language)
    if team is None or (team == ticket.team and engineer is None):
        return None
    return team, engineer


def apply_route(
    ticket: Ticket, team: Team, engineer: Technician | None, at: datetime
) -> dict[str, Any]:
    """Put the ticket in the team's queue (and the engineer's hands); the ROUTED event's
    data. The caller saves the ticket and records the event."""
    ticket.team, ticket.assignee = team, engineer
    if engineer is not None and ticket.status == Status.NEW:
        ticket.status = Status.OPEN
    ticket.updated_at = at
    return {"team": team.slug, "assignee": engineer.display_name if engineer else None}


def route_new_ticket(*, ticket_id: int) -> bool:
    """Route a ticket to its queue, and a Direct Assistance request to its engineer.
    Safe to run twice: a routed ticket is left alone. Returns whether this call routed it."""
    with transaction.atomic():
        # The locking read is the load: one statement (lock_ticket would read it twice).
        ticket = Ticket.objects.select_for_update().filter(pk=ticket_id).first()
        if ticket is None:
            return False
        if ticket.status not in UNRESOLVED_STATUSES or not needs_routing(ticket):
            return False
        at = now()
        decision = routing_decision(ticket, at)
        if decision is None:
            return False
        before = counted_state(ticket)
        routed = apply_route(ticket, *decision, at)
        # Only what routing changed: the row was read under the lock just above.
        ticket.save(update_fields=["team", "assignee", "status", "updated_at"])
        move_in_counters(before, counted_state(ticket))
        record_event(ticket=ticket, kind=EventKind.ROUTED, actor=SYSTEM, at=at, data=routed)
    return True
