"""The quarantine: mail that could not be processed, kept with its error until replayed."""

from __future__ import annotations

from django.db import transaction

from supportdesk.channels.email import tasks as mail_tasks
from supportdesk.channels.email.models import InboundMail
from supportdesk.core.errors import InvalidTransition, NotFound


def replay_quarantined(*, mail_id: int) -> InboundMail:
    """Send a quarantined mail through processing again (after a fix). The row goes back to
    "received" and its task is enqueued in one transaction; the last error stays on the row
    until processing replaces it."""
    with transaction.atomic():
        mail = InboundMail.objects.select_for_update().filter(pk=mail_id).first()
        if mail is None:
            raise NotFound(f"No inbound mail {mail_id}")
        if mail.status != InboundMail.Status.QUARANTINED:
            raise InvalidTransition(f"mail {mail_id} is {mail.status}, not quarantined")
        mail.status = InboundMail.Status.RECEIVED
        mail.save(update_fields=["status"])
        mail_tasks.process_inbound_mail.enqueue(mail_id=mail.pk)
    return mail
