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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from time import monotonic
from typing import Any

from django.db import close_old_connections, connection
from django.db.utils import OperationalError
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker as DatabaseWorker
from django_tasks_db.models import DBTaskResult, DBTaskResultQuerySet, get_date_max
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

logger = logging.getLogger(__name__)

# How often a busy worker looks for delayed tasks that have come due.
DUE_CHECK_SECONDS = 1.0


@dataclass(frozen=True)
class TaskBatch:
    # The keyword arguments of each claimed run, in claim order -> each run's return value.
    run: Callable[[list[dict[str, Any]]], Sequence[Any]]
    size: int


_BATCHES: dict[str, TaskBatch] = {}


def run_in_batches(
    task: Any, run: Callable[[list[dict[str, Any]]], Sequence[Any]], *, size: int
) -> None:
    """Let workers claim up to `size` waiting runs of `task` at once and hand their keyword
    arguments to `run`, which returns one value per run, in order. `run` must give each run
    the outcome the task alone would have given it; the task itself stays the fallback."""
    if size < 1:
        raise ValueError("size must be positive")
    _BATCHES[task.module_path] = TaskBatch(run=run, size=size)


def _record_successes(tasks: list[DBTaskResult], values: list[Any]) -> None:
    """Mark the tasks successful with their return values: what set_successful writes, in
    one statement (PostgreSQL) or one executemany (elsewhere)."""
    at = timezone.now()
    for task, value in zip(tasks, values, strict=True):
        task.status = TaskResultStatus.SUCCESSFUL
        task.finished_at = at
        task.return_value = value
        task.exception_class_path = ""
        task.traceback = ""
    meta = DBTaskResult._meta
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    id_field, value_field = meta.get_field("id"), meta.get_field("return_value")
    rows = [
        (
            id_field.get_db_prep_value(task.pk, connection),
            value_field.get_db_prep_save(task.return_value, connection),
        )
        for task in tasks
    ]
    status = TaskResultStatus.SUCCESSFUL.value
    finished = meta.get_field("finished_at").get_db_prep_value(at, connection)
    # Names from the model; every value is a parameter.
    sets = (
        f"{quote('status')} = %s, {quote('finished_at')} = %s, "
        f"{quote('exception_class_path')} = '', {quote('traceback')} = '', "
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            values_sql = ", ".join(["(%s::uuid, %s::jsonb)"] * len(rows))
            cursor.execute(
                f"UPDATE {table} SET {sets}{quote('return_value')} = v.value "  # noqa: S608
                f"FROM (VALUES {values_sql}) AS v (id, value) WHERE {table}.id = v.id",
                [status, finished, *(item for row in rows for item in row)],
            )
        else:
            cursor.executemany(
                f"UPDATE {table} SET {sets}{quote('return_value')} = %s "  # noqa: S608
                "WHERE id = %s",
                [(status, finished, value, task_id) for task_id, value in rows],
            )


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
        claimed = self.claim_tasks(batches=False)
        return claimed[0] if claimed else None

    def claim_tasks(self, *, batches: bool = True) -> list[DBTaskResult]:
        """The next task, as `claim_next` picks it, and when its task runs in batches, up
        to its batch size of waiting runs of the same task (oldest first), claimed in the
        same transaction; [] when there is nothing to do."""
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
                    batch = _BATCHES.get(task.task_path) if batches else None
                    if batch is None or batch.size == 1:
                        return [task]
                    return [task, *self._claim_more(tasks, task, batch.size - 1)]
        return []

    def _claim_more(
        self, tasks: DBTaskResultQuerySet, first: DBTaskResult, count: int
    ) -> list[DBTaskResult]:
        more = list(
            tasks.filter(task_path=first.task_path, run_after=get_date_max())
            .exclude(pk=first.pk)
            .order_by("-priority", "enqueued_at")
            .select_for_update(skip_locked=True)[:count]
        )
        if not more:
            return []
        at = timezone.now()
        for task in more:
            task.status = TaskResultStatus.RUNNING
            task.started_at = at
            task.worker_ids = [*task.worker_ids, self.worker_id]
        # One UPDATE for the runs no worker has tried yet (nearly all; bulk_update's CASE
        # per row cost more CPU than the tasks it saved), one each for the others.
        fresh = [task.pk for task in more if task.worker_ids == [self.worker_id]]
        DBTaskResult.objects.filter(pk__in=fresh).update(
            status=TaskResultStatus.RUNNING, started_at=at, worker_ids=[self.worker_id]
        )
        for task in more:
            if task.pk not in fresh:
                task.save(update_fields=["status", "started_at", "worker_ids"])
        return more

    def run_tasks(self, claimed: list[DBTaskResult]) -> None:
        """Run what `claim_tasks` claimed: a batch through its function, else the task."""
        batch = _BATCHES.get(claimed[0].task_path)
        if batch is None or any(task.args_kwargs.get("args") for task in claimed):
            for task in claimed:
                self.run_task(task)
            return
        try:
            self.running_task = True
            values = list(batch.run([dict(task.args_kwargs["kwargs"]) for task in claimed]))
            if len(values) != len(claimed):
                raise RuntimeError(f"{len(values)} results for {len(claimed)} tasks")
            _record_successes(claimed, values)
        except Exception:
            # One by one: each run gets its own outcome (and a failing one its traceback).
            logger.exception(
                "a batch of %d %s failed; running them one by one",
                len(claimed),
                claimed[0].task_path,
            )
            for task in claimed:
                self.run_task(task)
            return
        finally:
            self.running_task = False
        self._run_tasks += len(claimed)

    def run(self) -> None:
        """django-tasks-db's loop, with `claim_tasks` as the claim."""
        logger.info("Starting worker worker_id=%s queues=%s", self.worker_id, self.queue_names)
        if self.startup_delay and self.interval:
            time.sleep(random.random())  # spreads a herd of workers starting together
        while self.running:
            close_old_connections()
            try:
                claimed = self.claim_tasks()
                retrieved = True
            except OperationalError as exc:
                if not is_locked_database_exception(exc):
                    raise
                claimed, retrieved = [], False  # SQLite busy: try again
            if claimed:
                self.run_tasks(claimed)
            if self.batch and retrieved and not claimed:
                return
            if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                return
            close_old_connections()
            if self.running and not claimed:
                time.sleep(self.interval)
