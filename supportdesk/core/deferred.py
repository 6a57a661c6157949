"""Inserts held back until the end of a batch, then written with one multi-row INSERT a
table: a worker's batch of mail opens fifty tickets with a few statements instead of a few
hundred.

Within `deferred_inserts()`, `save_new(row)` keeps a new row in memory, and `after_saved`
keeps what needs the rows' ids (a task for a deadline, say) for after the rows are written.
The batch calls `flush()` inside its transaction; rows are written table by table, each
table after the tables its foreign keys point to (a message after its ticket). Outside the
block both happen at once, as an ordinary save would.

A batch that gives each item a savepoint takes a `mark()` before the item and, when the
item rolls back, `discard_since(mark)`: its rows are forgotten with it.

Only code that never reads back what it just wrote may defer it: a deferred row is not in
the database until the flush.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db import connections, models
from django.db.backends.base.base import BaseDatabaseWrapper

_active: ContextVar[DeferredInserts | None] = ContextVar("deferred_inserts", default=None)


@dataclass
class DeferredInserts:
    rows: list[models.Model] = field(default_factory=list)
    callbacks: list[Callable[[], object]] = field(default_factory=list)

    def mark(self) -> tuple[int, int]:
        return len(self.rows), len(self.callbacks)

    def discard_since(self, mark: tuple[int, int]) -> None:
        del self.rows[mark[0] :]
        del self.callbacks[mark[1] :]

    def flush(self) -> int:
        """Write the rows kept so far, then run the callbacks (which may keep more rows:
        those are written in turn). Returns how many rows were written."""
        written = 0
        while self.rows or self.callbacks:
            by_model: dict[type[models.Model], list[models.Model]] = {}
            for row in self.rows:
                by_model.setdefault(type(row), []).append(row)
            self.rows = []
            for model in _in_dependency_order(list(by_model)):
                rows = by_model[model]
                # Every backend we run on returns the new ids (PostgreSQL, SQLite >= 3.35).
                with _arrays_in_binary(connections[model._default_manager.db]):
                    model._default_manager.bulk_create(rows)
                written += len(rows)
            callbacks, self.callbacks = self.callbacks, []
            for callback in callbacks:
                callback()
        return written


@contextmanager
def _arrays_in_binary(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """On PostgreSQL, Django's multi-row INSERT passes a column's values as one array
    parameter, `UNNEST((%s)::type[], ...)`; its usual client-side binding writes each array
    into the SQL text, escaping every value in Python (a batch's mail bodies: most of the
    flush's CPU). Within the block those arrays go as bound parameters in binary, which
    psycopg builds without escaping and PostgreSQL reads without parsing."""
    if connection.vendor != "postgresql":
        yield
        return
    import psycopg

    connection.ensure_connection()
    raw = connection.connection
    client_binding = raw.cursor_factory
    raw.cursor_factory = psycopg.Cursor  # server-side binding
    try:
        with connection.execute_wrapper(_binary_unnest_arrays):
            yield
    finally:
        raw.cursor_factory = client_binding


def _binary_unnest_arrays(
    execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]
) -> Any:
    if " UNNEST((%s)::" in sql:
        sql = sql.replace("(%s)::", "(%b)::")
    return execute(sql, params, many, context)


def _in_dependency_order(models_met: list[type[models.Model]]) -> list[type[models.Model]]:
    """The models, each after those of the others that its foreign keys point to."""
    ordered: list[type[models.Model]] = []
    waiting = list(models_met)
    while waiting:
        for model in waiting:
            targets = {
                f.related_model
                for f in model._meta.concrete_fields
                if f.is_relation and f.related_model is not model
            }
            if not targets & (set(waiting) - {model}):
                ordered.append(model)
                waiting.remove(model)
                break
        else:  # a cycle: the ones left in the order met (their keys then must be set)
            ordered.extend(waiting)
            break
    return ordered


def active() -> DeferredInserts | None:
    return _active.get()


@contextmanager
def deferred_inserts() -> Iterator[DeferredInserts]:
    """Within the block, `save_new` and `after_saved` keep their work for `flush()`; the
    caller flushes before the block ends (what is left unflushed is dropped)."""
    buffer = DeferredInserts()
    token = _active.set(buffer)
    try:
        yield buffer
    finally:
        _active.reset(token)


@contextmanager
def immediate_inserts() -> Iterator[None]:
    """Within the block, rows are written at once even inside `deferred_inserts` (for code
    that reads back what it writes)."""
    token = _active.set(None)
    try:
        yield
    finally:
        _active.reset(token)


def save_new(row: models.Model) -> None:
    """Insert a new row now, or at the batch's flush."""
    buffer = _active.get()
    if buffer is None:
        row.save(force_insert=True)
    else:
        buffer.rows.append(row)


def after_saved(callback: Callable[[], object]) -> None:
    """Run `callback` once the rows kept so far are written: now, or at the batch's flush."""
    buffer = _active.get()
    if buffer is None:
        callback()
    else:
        buffer.callbacks.append(callback)


def enqueue(task: Any, **kwargs: Any) -> None:
    """Enqueue a django-tasks task; within `deferred_inserts`, its database row is one of
    the rows written at the flush (one INSERT for a batch's tasks). The row is the one the
    database backend's own `enqueue` writes (django_tasks_db.backend._task_to_db_task);
    its `task_enqueued` signal, which only logs a debug line, is not sent."""
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.compat import normalize_json
    from django_tasks_db.models import DBTaskResult

    backend = task.get_backend()
    buffer = _active.get()
    if buffer is None or not isinstance(backend, DatabaseBackend):
        task.enqueue(**kwargs)
        return
    backend.validate_task(task)
    buffer.rows.append(
        DBTaskResult(
            id=backend._get_id(),
            args_kwargs=normalize_json({"args": [], "kwargs": kwargs}),
            priority=task.priority,
            task_path=task.module_path,
            queue_name=task.queue_name,
            run_after=task.run_after,
            backend_name=backend.alias,
        )
    )


K = TypeVar("K")


@contextmanager
def held_counts(
    counts: ContextVar[Counter[K] | None], write: Callable[[Counter[K]], None]
) -> Iterator[None]:
    """Within the block, what is counted into `counts` (a Counter the caller's code adds
    to) is held: when the block ends without an exception, it goes to the enclosing
    block's Counter (when nested) or to `write`; an exception drops it, as the rollback of
    the block's savepoint drops its rows. A batch writes such counts once, just before its
    commit, so the rows they change stay locked for the commit only."""
    outer = counts.get()
    mine: Counter[K] = Counter()
    token = counts.set(mine)
    try:
        yield
    finally:
        counts.reset(token)
    if outer is not None:
        outer.update(mine)
    else:
        write(mine)
