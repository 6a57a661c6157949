"""Who performs an action: a technician, a customer contact, or the system itself."""

from __future__ import annotations

from dataclasses import dataclass

from supportdesk.accounts.models import Contact, Technician


@dataclass(frozen=True)
class SystemActor:
    """Automatic work (routing, mail intake, SLA escalation), named for the audit trail."""

    name: str = "system"


SYSTEM = SystemActor()

Actor = Technician | Contact | SystemActor


def describe_actor(actor: Actor) -> str:
    if isinstance(actor, SystemActor):
        return actor.name
    if isinstance(actor, Technician):
        return actor.display_name
    return actor.name
