"""The worker's claim: the next task due, never one scheduled for later, each one once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from supportdesk.core.worker import Worker
from supportdesk.tickets import tasks as ticket_tasks

pytestmark = pytest.mark.django_db


def worker(name: str = "w1", queues: tuple[str, ...] = ("*",)) -> Worker:
    return Worker(
        queue_names=list(queues),
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=name,
        excluded_queue_names=[],
    )


def enqueue_now(ticket_id: int) -> str:
    return str(ticket_tasks.route_ticket.enqueue(ticket_id=ticket_id).id)


def enqueue_at(deadline_id: int, minutes: int) -> str:
    at = timezone.now() + timedelta(minutes=minutes)
    return str(ticket_tasks.check_deadline.using(run_after=at).enqueue(deadline_id=deadline_id).id)


def claimed_id(w: Worker) -> str | None:
    task = w.claim_next()
    return None if task is None else str(task.id)


def test_a_task_scheduled_for_later_is_not_claimed() -> None:
    enqueue_at(1, minutes=10)
    assert worker().claim_next() is None


def test_a_due_delayed_task_comes_before_the_tasks_to_run_now_and_those_go_oldest_first() -> None:
    first, second = enqueue_now(1), enqueue_now(2)
    due = enqueue_at(3, minutes=-1)
    enqueue_at(4, minutes=10)
    w = worker()
    assert [claimed_id(w), claimed_id(w), claimed_id(w), claimed_id(w)] == [
        due,
        first,
        second,
        None,
    ]


def test_a_claimed_task_is_running_for_its_worker_and_no_other_worker_takes_it() -> None:
    only = enqueue_now(1)
    assert claimed_id(worker("w1")) == only
    assert worker("w2").claim_next() is None
    task = DBTaskResult.objects.get(id=only)
    assert task.status == "RUNNING"
    assert task.worker_ids == ["w1"]


def test_a_worker_of_one_queue_leaves_the_other_queues_alone() -> None:
    enqueue_now(1)  # queue "default"
    assert worker(queues=("mail",)).claim_next() is None
    assert worker(queues=("default",)).claim_next() is not None


def test_the_claim_reads_the_same_whatever_waits_for_later() -> None:
    """Two lookups and the claim, however many checks are scheduled ahead (django-tasks-db's
    own claim walked past every one of them)."""
    enqueue_now(1)
    for n in range(30):
        enqueue_at(n, minutes=60 + n)
    with CaptureQueriesContext(connection) as captured:
        assert worker().claim_next() is not None
    statements = [
        q["sql"] for q in captured.captured_queries if q["sql"].startswith(("SELECT", "UPDATE"))
    ]
    assert len(statements) == 3
    assert "ORDER BY" in statements[0] and "ORDER BY" in statements[1]


def test_a_busy_worker_looks_for_due_delayed_tasks_once_a_second(monkeypatch) -> None:
    clock = [1000.0]
    monkeypatch.setattr("supportdesk.core.worker.monotonic", lambda: clock[0])
    first, second, third = enqueue_now(1), enqueue_now(2), enqueue_now(3)
    w = worker()
    assert claimed_id(w) == first  # looked for due tasks first: none
    due = enqueue_at(4, minutes=-1)
    assert claimed_id(w) == second  # within the second: tasks to run now first
    clock[0] += 1.0
    assert claimed_id(w) == due
    assert claimed_id(w) == third
    assert claimed_id(w) is None


def test_an_idle_worker_finds_a_due_delayed_task_at_once(monkeypatch) -> None:
    monkeypatch.setattr("supportdesk.core.worker.monotonic", lambda: 1000.0)
    w = worker()
    assert w.claim_next() is None
    due = enqueue_at(1, minutes=-1)
    assert claimed_id(w) == due
