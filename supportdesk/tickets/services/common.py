"""Pieces every ticket service uses: locking, permission checks, counter snapshots."""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from supportdesk.accounts.actors import Actor, SystemActor
from supportdesk.accounts.models import Contact, Technician
from supportdesk.core.errors import InvalidInput, InvalidTransition, PermissionDenied
from supportdesk.tickets.access import can_view_ticket
from supportdesk.tickets.choices import ALLOWED_TRANSITIONS, Status
from supportdesk.tickets.counters import CountedState
from supportdesk.tickets.models import Ticket


def lock_ticket(ticket: Ticket) -> None:
    """Take the row lock and reload, so concurrent changes to one ticket apply in turn.
    Must be called inside transaction.atomic(). One statement: the locking read is the reload."""
    ticket.refresh_from_db(from_queryset=Ticket.objects.select_for_update())


def field_values(ticket: Ticket) -> dict[str, Any]:
    """The ticket's column values now (JSON values copied), for `save_changed`."""
    return {
        field.attname: deepcopy(value) if isinstance(value, dict | list) else value
        for field in Ticket._meta.concrete_fields
        if not field.primary_key
        for value in [getattr(ticket, field.attname)]
    }


def save_changed(ticket: Ticket, before: dict[str, Any]) -> None:
    """Write the columns that differ from `before` (field_values taken after the lock): a
    customer's reply changes four of the ticket's forty, and the ORM's full UPDATE cost
    more CPU than the rest of the save."""
    changed = [name for name, value in before.items() if getattr(ticket, name) != value]
    if changed:
        ticket.save(update_fields=changed)


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


# C0 and C1 control characters. None belongs in a one-line field (a subject goes into mail
# headers), and PostgreSQL refuses NUL in any text column, which broken mail does carry.
_CONTROLS_TO_SPACE = {code: " " for code in [*range(0x20), *range(0x7F, 0xA0)]}


def clean_line(value: str, *, field: str, max_length: int) -> str:
    """One line of text we may later put in a mail header: no CR/LF or other control
    characters, trimmed, bounded."""
    line = " ".join(value.translate(_CONTROLS_TO_SPACE).split())
    if not line:
        raise InvalidInput({field: "must not be empty"})
    if len(line) > max_length:
        raise InvalidInput({field: f"at most {max_length} characters, got {len(line)}"})
    return line


def without_nul(value: str) -> str:
    """PostgreSQL cannot store NUL in text (SQLite can): drop it, on every database alike."""
    return value.replace("\x00", "")


def clean_body(value: str, *, field: str = "body") -> str:
    body = without_nul(value).replace("\r\n", "\n").strip()
    if not body:
        raise InvalidInput({field: "must not be empty"})
    return body
