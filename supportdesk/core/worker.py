"""The background task worker: django-tasks-db's, with a claim that stays fast as the task
table grows.

django-tasks-db picks the next task with one query ordered by (priority, run_after,
enqueued_at) over every READY row, including the tasks scheduled for later (two service-level
checks per deadline, days ahead). A task to run now sorts after all of those, so each claim
read every future task first: 1.5-3 ms at 2,000 of them, and linear in the open deadlines.
Here the claim asks two narrow questions, each answered from the front of one index
(core 0002: status, run_after, priority, enqueued_at): first a delayed task whose time has
come (oldest first), then a task to run as soon as possible (highest priority, then oldest).
Between tasks of different priorities the order is thus "due delayed tasks first", where
django-tasks-db would interleave them by priority; supportdesk gives none a priority.

A busy worker asks the first question once a second, not before every task: a lookup is
a fifth of the CPU of a mail's three tasks, and a service-level check a second late is on
time. An idle worker asks both each time it looks.
"""

from __future__ import annotations

import logging
import random
import time
from time import monotonic

from django.db import close_old_connections
from django.db.utils import OperationalError
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker as DatabaseWorker
from django_tasks_db.models import DBTaskResult, DBTaskResultQuerySet, get_date_max
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

logger = logging.getLogger(__name__)

# How often a busy worker looks for delayed tasks that have come due.
DUE_CHECK_SECONDS = 1.0


class Worker(DatabaseWorker):
    _next_due_check = 0.0

    def candidates(self) -> DBTaskResultQuerySet:
        tasks = DBTaskResult.objects.filter(
            status=TaskResultStatus.READY, backend_name=self.backend_name
        )
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)
        return tasks

    def claim_next(self) -> DBTaskResult | None:
        """Lock, claim and return the next task to run, or None. Two workers never claim
        the same task: the row is locked (SKIP LOCKED on PostgreSQL; SQLite's exclusive
        transaction) and marked running before the transaction commits."""
        tasks = self.candidates()

        def due_later() -> DBTaskResultQuerySet:
            return tasks.filter(run_after__lte=timezone.now()).order_by(
                "run_after", "-priority", "enqueued_at"
            )

        def as_soon_as_possible() -> DBTaskResultQuerySet:
            return tasks.filter(run_after=get_date_max()).order_by("-priority", "enqueued_at")

        if monotonic() >= self._next_due_check:
            self._next_due_check = monotonic() + DUE_CHECK_SECONDS
            lookups = [due_later, as_soon_as_possible]
        else:
            lookups = [as_soon_as_possible, due_later]  # the second only when idle
        with exclusive_transaction(tasks.db):
            # Each lookup is built only when asked: a busy worker's claim is one of them.
            for lookup in lookups:
                task = lookup().select_for_update(skip_locked=True).first()
                if task is not None:
                    task.claim(self.worker_id)
                    return task
        return None

    def run(self) -> None:
        """django-tasks-db's loop, with `claim_next` as the claim."""
        logger.info("Starting worker worker_id=%s queues=%s", self.worker_id, self.queue_names)
        if self.startup_delay and self.interval:
            time.sleep(random.random())  # spreads a herd of workers starting together
        while self.running:
            close_old_connections()
            try:
                task = self.claim_next()
                retrieved = True
            except OperationalError as exc:
                if not is_locked_database_exception(exc):
                    raise
                task, retrieved = None, False  # SQLite busy: try again
            if task is not None:
                self.run_task(task)
            if self.batch and retrieved and task is None:
                return
            if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                return
            close_old_connections()
            if self.running and task is None:
                time.sleep(self.interval)
