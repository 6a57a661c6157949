"""Handing a technician's answer to the channels that carry it to the customer, and a
service-level warning or escalation to the technicians it concerns.

The ticket core must not import the channels (they sit above it), so the deliverers are
named in settings (SUPPORTDESK["ANSWER_DELIVERY"]: dotted paths of functions taking
`message=`; SUPPORTDESK["SLA_ALERT_DELIVERY"]: functions taking `ticket=`, `technician=`,
`kind=`, `metric=` and `due=`). Each is called inside the change's transaction and must only
record its work (an outbox row, a task): the change and its delivery commit together or not
at all.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.utils.module_loading import import_string

from supportdesk.accounts.models import Technician
from supportdesk.tickets.models import Message, Ticket


def deliver_answer(message: Message) -> None:
    for path in settings.SUPPORTDESK["ANSWER_DELIVERY"]:
        import_string(path)(message=message)


def deliver_sla_alert(
    *, ticket: Ticket, technician: Technician, kind: str, metric: str, due: datetime
) -> None:
    """`kind` is the event's (EventKind.SLA_WARNING or SLA_BREACHED); `metric` its label."""
    for path in settings.SUPPORTDESK["SLA_ALERT_DELIVERY"]:
        import_string(path)(ticket=ticket, technician=technician, kind=kind, metric=metric, due=due)
