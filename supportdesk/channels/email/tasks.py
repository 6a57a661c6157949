"""Mail background tasks: each takes an id, claims its row, and calls one service."""

from __future__ import annotations

from django_tasks import task

# Modules, not names: processing -> acknowledgements -> outbound -> tasks is a cycle, and
# a module reference resolves whichever of them is imported first.
from supportdesk.channels.email import outbound, processing


@task(queue_name="mail")
def process_inbound_mail(mail_id: int) -> str:
    return processing.process_mail(mail_id=mail_id)


@task(queue_name="mail")
def send_outbound_mail(outbound_id: int) -> str:
    return outbound.send_outbound(outbound_id=outbound_id)
