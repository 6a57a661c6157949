"""Warnings before a service-level breach and escalation when it happens, each exactly once."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Q

from supportdesk.accounts.actors import SYSTEM
from supportdesk.accounts.models import Technician
from supportdesk.core.clock import now
from supportdesk.tickets.choices import EventKind
from supportdesk.tickets.events import record_event
from supportdesk.tickets.models import Deadline, Ticket


def overdue_filter(at: datetime) -> Q:
    """Running clocks whose warning or breach time has passed without being handled."""
    return Q(stopped_at__isnull=True, paused_at__isnull=True) & (
        Q(breached_at__isnull=True, breach_at__lte=at) | Q(warned_at__isnull=True, warn_at__lte=at)
    )


def escalation_target(ticket: Ticket) -> Technician | None:
    """Direct Assistance goes to the designated engineer's backup; everything else to the
    team lead; failing both, to a supervisor."""
    subscription = ticket.subscription
    if subscription is not None and subscription.plan.has_designated_engineer:
        backup = subscription.backup_engineer
        if backup is not None and backup.is_active and backup.pk != ticket.assignee_id:
            return backup
    lead = ticket.team.lead if ticket.team else None
    if lead is not None and lead.is_active:
        return lead
    return (
        Technician.objects.filter(role=Technician.Role.SUPERVISOR, is_active=True)
        .order_by("pk")
        .first()
    )


def check_deadline(*, deadline_id: int) -> list[str]:
    """Warn and escalate a deadline whose time has come. Safe to run any number of times:
    each step is claimed by a conditional UPDATE, so it happens once whoever runs it."""
    done: list[str] = []
    at = now()
    with transaction.atomic():
        deadline = (
            Deadline.objects.select_related(
                "ticket__subscription__plan",
                "ticket__subscription__backup_engineer",
                "ticket__team__lead",
            )
            .filter(pk=deadline_id, stopped_at__isnull=True, paused_at__isnull=True)
            .first()
        )
        if deadline is None:
            return done
        ticket = deadline.ticket
        if deadline.warned_at is None and at >= deadline.warn_at:
            claimed = Deadline.objects.filter(pk=deadline.pk, warned_at__isnull=True).update(
                warned_at=at
            )
            if claimed:
                record_event(
                    ticket=ticket,
                    kind=EventKind.SLA_WARNING,
                    actor=SYSTEM,
                    at=at,
                    data={"metric": deadline.metric, "due": deadline.target_at.isoformat()},
                )
                done.append("warned")
        if deadline.breached_at is None and at >= deadline.breach_at:
            target = escalation_target(ticket)
            claimed = Deadline.objects.filter(pk=deadline.pk, breached_at__isnull=True).update(
                breached_at=at, escalated_to=target
            )
            if claimed:
                Ticket.objects.filter(pk=ticket.pk).update(escalated_to=target, escalated_at=at)
                record_event(
                    ticket=ticket,
                    kind=EventKind.SLA_BREACHED,
                    actor=SYSTEM,
                    at=at,
                    data={
                        "metric": deadline.metric,
                        "breach_at": deadline.breach_at.isoformat(),
                        "escalated_to": target.display_name if target else None,
                    },
                )
                done.append("escalated")
    return done


def sweep_deadlines(*, batch: int = 500) -> int:
    """Catch up on every warning or breach whose scheduled check was missed (downtime, a
    lost worker). Returns how many deadlines it looked at."""
    ids = list(
        Deadline.objects.filter(overdue_filter(now()))
        .order_by("breach_at")
        .values_list("pk", flat=True)[:batch]
    )
    for deadline_id in ids:
        check_deadline(deadline_id=deadline_id)
    return len(ids)
