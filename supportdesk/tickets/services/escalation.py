"""Warnings before a service-level breach and escalation when it happens, each exactly once."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from supportdesk.accounts.actors import SYSTEM
from supportdesk.accounts.models import Technician
from supportdesk.core.clock import now
from supportdesk.tickets.choices import EventKind
from supportdesk.tickets.delivery import deliver_sla_alert
from supportdesk.tickets.events import record_event
from supportdesk.tickets.models import Deadline, Ticket


def overdue_deadline_ids(at: datetime, *, limit: int) -> list[int]:
    """Running clocks whose breach or warning time has passed without being handled.

    Two queries, each repeating the condition of its partial index and ordered by its
    column, so both databases read only the overdue entries of the index (an OR of the two
    made SQLite scan every deadline ever recorded, and PostgreSQL too at a large backlog).
    """
    running = {"stopped_at__isnull": True, "paused_at__isnull": True}
    breached = Deadline.objects.filter(
        **running, breached_at__isnull=True, breach_at__lte=at
    ).order_by("breach_at")
    warned = Deadline.objects.filter(**running, warned_at__isnull=True, warn_at__lte=at).order_by(
        "warn_at"
    )
    ids = list(breached.values_list("pk", flat=True)[:limit])
    seen = set(ids)
    for pk in warned.values_list("pk", flat=True)[:limit]:
        if len(ids) >= limit:
            break
        if pk not in seen:
            ids.append(pk)
    return ids


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
                "ticket__assignee",
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
                _alert(deadline, [ticket.assignee], kind=EventKind.SLA_WARNING)
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
                _alert(deadline, [target, ticket.assignee], kind=EventKind.SLA_BREACHED)
                done.append("escalated")
    return done


def _alert(deadline: Deadline, technicians: list[Technician | None], *, kind: str) -> None:
    """Tell each technician concerned once (the escalation target may be the assignee)."""
    told: set[int] = set()
    for technician in technicians:
        if technician is None or not technician.is_active or technician.pk in told:
            continue
        told.add(technician.pk)
        deliver_sla_alert(
            ticket=deadline.ticket,
            technician=technician,
            kind=kind,
            metric=deadline.get_metric_display(),
            due=deadline.target_at if kind == EventKind.SLA_WARNING else deadline.breach_at,
        )


def sweep_deadlines(*, batch: int = 500) -> int:
    """Catch up on every warning or breach whose scheduled check was missed (downtime, a
    lost worker). Returns how many deadlines it looked at."""
    ids = overdue_deadline_ids(now(), limit=batch)
    for deadline_id in ids:
        check_deadline(deadline_id=deadline_id)
    return len(ids)
