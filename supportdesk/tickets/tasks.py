"""Background tasks. Each takes ids, is safe to run twice, and calls one service."""

from __future__ import annotations

from django_tasks import task

from supportdesk.tickets.services.escalation import check_deadline as check_deadline_now
from supportdesk.tickets.services.escalation import sweep_deadlines as sweep_deadlines_now
from supportdesk.tickets.services.routing import route_new_ticket


@task()
def route_ticket(ticket_id: int) -> bool:
    return route_new_ticket(ticket_id=ticket_id)


@task(queue_name="sla")
def check_deadline(deadline_id: int) -> list[str]:
    return check_deadline_now(deadline_id=deadline_id)


@task(queue_name="sla")
def sweep_deadlines() -> int:
    return sweep_deadlines_now()
