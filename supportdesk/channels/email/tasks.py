"""Mail background tasks: each takes ids, claims its rows, and calls one service; the
workers claim waiting runs of the first two in batches (see supportdesk.core.worker)."""

from __future__ import annotations

from typing import Any

from django_tasks import task

# Modules, not names: processing -> acknowledgements -> outbound -> tasks is a cycle, and
# a module reference resolves whichever of them is imported first.
from supportdesk.channels.email import outbound, processing
from supportdesk.core.worker import run_in_batches

# How many waiting mails a worker processes in one transaction (see process_mails).
PROCESSING_BATCH = 50
# How many outbox rows a worker sends over one smarthost connection.
SENDING_BATCH = 50


@task(queue_name="mail")
def process_inbound_mail(mail_id: int) -> str:
    return processing.process_mail(mail_id=mail_id)


@task(queue_name="mail")
def send_outbound_mail(outbound_id: int) -> str:
    return outbound.send_outbound(outbound_id=outbound_id)


@task(queue_name="mail")
def send_outbound_mails(outbound_ids: list[int]) -> list[str]:
    """The outbox rows a batch of processed mail queued, over one connection."""
    return outbound.send_outbound_rows(outbound_ids)


def _process_batch(runs: list[dict[str, Any]]) -> list[str]:
    return processing.process_mails([int(run["mail_id"]) for run in runs])


run_in_batches(process_inbound_mail, _process_batch, size=PROCESSING_BATCH)


def _send_batch(runs: list[dict[str, Any]]) -> list[str]:
    return outbound.send_outbound_rows([int(run["outbound_id"]) for run in runs])


run_in_batches(send_outbound_mail, _send_batch, size=SENDING_BATCH)
