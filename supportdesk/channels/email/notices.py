"""Mail to our own technicians: a service-level warning (a deadline is near) and an
escalation (a deadline has passed), through the outbox like every mail we send."""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from supportdesk.accounts.models import Technician
from supportdesk.channels.email import outbound
from supportdesk.channels.email.models import OutboundMail
from supportdesk.core.errors import InvalidInput
from supportdesk.tickets.choices import EventKind
from supportdesk.tickets.models import Ticket

logger = logging.getLogger(__name__)


def mail_sla_alert(
    *, ticket: Ticket, technician: Technician, kind: str, metric: str, due: datetime
) -> OutboundMail | None:
    """Queue the alert to the technician's address; None when they have no usable one.
    Not marked automatic: the hourly cap on automatic mail is for customers' robots, and
    a technician with many tickets near their deadline must hear of each."""
    address = (technician.user.email or "").strip()
    if not address:
        return None
    when = timezone.localtime(due).strftime("%A %d %B %Y, %H:%M")
    if kind == EventKind.SLA_WARNING:
        subject = f"Due soon: {metric}, {ticket.subject}"
        lead = f"The {metric.lower()} of this ticket is due by {when} ({settings.TIME_ZONE})."
    else:
        subject = f"Escalated: {metric} overdue, {ticket.subject}"
        lead = (
            f"The {metric.lower()} of this ticket was due at the latest by {when} "
            f"({settings.TIME_ZONE}) and has not happened: the ticket is escalated to you."
        )
    body = (
        f"Hello {technician.display_name},\n\n{lead}\n\n"
        f"Ticket: {ticket.reference}, {ticket.subject}\n"
        f"Requester: {ticket.requester.name}\n\n"
        f"{settings.SITE_URL}\n"
    )
    try:
        return outbound.queue_mail(
            kind=OutboundMail.Kind.NOTICE,
            to=address,
            subject=subject,
            body_text=body,
            ticket=ticket,
        )
    except InvalidInput:
        logger.warning("technician %s has no address we can mail: %r", technician.pk, address)
        return None
