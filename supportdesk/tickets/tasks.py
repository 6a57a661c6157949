"""Background tasks. Each takes ids, is safe to run twice, and calls one service."""

from __future__ import annotations

from django_tasks import task

from supportdesk.tickets.services.routing import route_new_ticket


@task()
def route_ticket(ticket_id: int) -> bool:
    return route_new_ticket(ticket_id=ticket_id)
