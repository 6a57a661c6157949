"""Mail background tasks: each takes an id, claims its row, and calls one service."""

from __future__ import annotations

from django_tasks import task

from supportdesk.channels.email.processing import process_mail


@task(queue_name="mail")
def process_inbound_mail(mail_id: int) -> str:
    return process_mail(mail_id=mail_id)
