"""Per-scope status counters, so that no page counts over the whole ticket table."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from contextlib import AbstractContextManager
from contextvars import ContextVar
from dataclasses import dataclass

from django.db import connection
from django.db.models import Sum

from supportdesk.core.deferred import held_counts
from supportdesk.tickets.models import TicketCounter


@dataclass(frozen=True)
class CountedState:
    """What a ticket contributes to the counters."""

    team_id: int | None
    assignee_id: int | None
    status: str


def scopes_of(state: CountedState) -> list[str]:
    scopes = ["all"]
    if state.team_id is not None:
        scopes.append(f"team:{state.team_id}")
    if state.assignee_id is not None:
        scopes.append(f"assignee:{state.assignee_id}")
    return scopes


def count_changes(
    before: Iterable[CountedState], after: Iterable[CountedState]
) -> Counter[tuple[str, str]]:
    deltas: Counter[tuple[str, str]] = Counter()
    for state in before:
        for scope in scopes_of(state):
            deltas[(scope, state.status)] -= 1
    for state in after:
        for scope in scopes_of(state):
            deltas[(scope, state.status)] += 1
    return deltas


def apply_count_changes(deltas: Counter[tuple[str, str]]) -> None:
    """Apply deltas in one statement (a counter row missing is created), row by row in a
    stable order: two writers lock the rows they share in the same order, so never in a
    circle."""
    changes = [(key, delta) for key, delta in sorted(deltas.items()) if delta != 0]
    if not changes:
        return
    quote = connection.ops.quote_name
    table, scope, status, value = (
        quote(name) for name in (TicketCounter._meta.db_table, "scope", "status", "value")
    )
    rows = ", ".join(["(%s, %s, %s)"] * len(changes))
    # Names from the model; every value is a parameter.
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({scope}, {status}, {value}) VALUES {rows} "  # noqa: S608
            f"ON CONFLICT ({scope}, {status}) "
            f"DO UPDATE SET {value} = {table}.{value} + excluded.{value}",
            [item for key, delta in changes for item in (*key, delta)],
        )


# Changes held back by `deferred_counts`, when one is open in this context.
_deferred: ContextVar[Counter[tuple[str, str]] | None] = ContextVar(
    "deferred_counter_changes", default=None
)


def move_in_counters(before: CountedState | None, after: CountedState | None) -> None:
    deltas = count_changes([before] if before else [], [after] if after else [])
    held = _deferred.get()
    if held is not None:
        held.update(deltas)
    else:
        apply_count_changes(deltas)


def deferred_counts() -> AbstractContextManager[None]:
    """Within the block, counter changes are added up and written when it ends without an
    exception (into an enclosing block's, when nested); an exception drops them, as the
    rollback of the block's savepoint drops its rows. A batch of mail writes the counters
    once, just before its commit: the counter rows, which every new ticket updates, stay
    locked for the commit only, not for the whole batch."""
    return held_counts(_deferred, apply_count_changes)


def read_count(scope: str, statuses: Iterable[str]) -> int:
    total = TicketCounter.objects.filter(scope=scope, status__in=list(statuses)).aggregate(
        total=Sum("value")
    )["total"]
    return int(total or 0)
