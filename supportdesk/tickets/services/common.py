"""Pieces every ticket service uses: locking, permission checks, counter snapshots."""

from __future__ import annotations

from supportdesk.accounts.actors import Actor, SystemActor
from supportdesk.accounts.models import Contact, Technician
from supportdesk.core.errors import InvalidInput, InvalidTransition, PermissionDenied
from supportdesk.tickets.access import can_view_ticket
from supportdesk.tickets.choices import ALLOWED_TRANSITIONS, Status
from supportdesk.tickets.counters import CountedState
from supportdesk.tickets.models import Ticket


def lock_ticket(ticket: Ticket) -> None:
    """Take the row lock and reload, so concurrent changes to one ticket apply in turn.
    Must be called inside transaction.atomic()."""
    Ticket.objects.select_for_update().filter(pk=ticket.pk).values_list("pk").first()
    ticket.refresh_from_db()


def counted_state(ticket: Ticket) -> CountedState:
    return CountedState(
        team_id=ticket.team_id, assignee_id=ticket.assignee_id, status=ticket.status
    )


def require_can_view(actor: Actor, ticket: Ticket) -> None:
    if not can_view_ticket(actor, ticket):
        raise PermissionDenied(f"You cannot act on {ticket.reference}")


def require_staff(actor: Actor, action: str) -> Technician | SystemActor:
    """Only technicians (or the system) may do this; customers are refused by name."""
    if isinstance(actor, Contact):
        raise PermissionDenied(f"Customers cannot {action}")
    if isinstance(actor, Technician) and not actor.is_active:
        raise PermissionDenied(f"{actor.display_name} is not an active technician")
    return actor


def require_transition(ticket: Ticket, new_status: str) -> None:
    if new_status not in Status.values:
        raise InvalidInput({"status": f"unknown status {new_status!r}"})
    if new_status == ticket.status:
        return
    if new_status not in ALLOWED_TRANSITIONS[ticket.status]:
        raise InvalidTransition(
            f"{ticket.reference} is {Status(ticket.status).label.lower()}; "
            f"it cannot become {Status(new_status).label.lower()}"
        )


def clean_line(value: str, *, field: str, max_length: int) -> str:
    """One line of text we may later put in a mail header: no CR/LF, trimmed, bounded."""
    line = " ".join(value.split())
    if not line:
        raise InvalidInput({field: "must not be empty"})
    if len(line) > max_length:
        raise InvalidInput({field: f"at most {max_length} characters, got {len(line)}"})
    return line


def clean_body(value: str, *, field: str = "body") -> str:
    body = value.replace("\r\n", "\n").strip()
    if not body:
        raise InvalidInput({field: "must not be empty"})
    return body
