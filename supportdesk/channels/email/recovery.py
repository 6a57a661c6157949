"""Accepted mail whose processing task was lost: a worker killed with SIGKILL (or by the OOM
killer, or a power cut) leaves its task "running" forever and the mail "received" forever.
The sweep of `supportdesk run` finds such mail and enqueues it again; processing claims the
row, so a spare task for a mail that was merely slow is harmless."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django_tasks_db.models import DBTaskResult

from supportdesk.channels.email import tasks as mail_tasks
from supportdesk.channels.email.models import InboundMail
from supportdesk.core.clock import now


def requeue_stalled_inbound(*, batch: int = 500) -> int:
    """Enqueue again the mails received more than MAIL_STALLED_AFTER_SECONDS ago and still
    unprocessed, unless a task for them is waiting or started recently (a backlog is not a
    loss). Returns how many were enqueued."""
    at = now()
    cutoff = at - timedelta(seconds=settings.SUPPORTDESK["MAIL_STALLED_AFTER_SECONDS"])
    waiting = list(
        InboundMail.objects.filter(status=InboundMail.Status.RECEIVED, received_at__lte=cutoff)
        .order_by("received_at")
        .values_list("pk", flat=True)[:batch]
    )
    if not waiting:
        return 0
    task = mail_tasks.process_inbound_mail
    if task.get_backend().supports_defer:  # the database backend: its task rows tell
        alive = DBTaskResult.objects.filter(
            Q(status="READY") | Q(status="RUNNING", started_at__gt=cutoff),
            task_path=task.module_path,
            args_kwargs__kwargs__mail_id__in=waiting,
        ).values_list("args_kwargs__kwargs__mail_id", flat=True)
        waiting = sorted(set(waiting) - {int(mail_id) for mail_id in alive})
    for mail_id in waiting:
        with transaction.atomic():
            task.enqueue(mail_id=mail_id)
    return len(waiting)
