"""Timing the read paths of the ticket core, and the plans behind them.

Imported after django.setup() (see tickets.py).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from time import perf_counter
from typing import Any

from django.db import connection

from supportdesk.accounts.actors import SYSTEM, Actor
from supportdesk.tickets.access import access_ticket
from supportdesk.tickets.selectors import (
    TicketDetail,
    TicketFilters,
    TicketPage,
    get_ticket_detail,
    list_tickets,
)

PAGE_SIZE = 50


def open_ticket_page(reference: str) -> TicketDetail:
    """What the ticket page does at the service level."""
    return get_ticket_detail(viewer=SYSTEM, ticket=access_ticket(SYSTEM, reference))


def time_ticket_pages(references: list[str]) -> list[float]:
    times = []
    for reference in references:
        started = perf_counter()
        open_ticket_page(reference)
        times.append(perf_counter() - started)
    return times


@dataclass(frozen=True)
class PageTime:
    page: int  # 0 is the first page
    seconds: float


def walk(
    viewer: Actor, filters: TicketFilters, *, before: int | None = None, max_pages: int = 10**9
) -> list[PageTime]:
    """Follow next_before page after page, as a person scrolling the list does."""
    times = []
    for page in range(max_pages):
        started = perf_counter()
        result: TicketPage = list_tickets(
            viewer=viewer, filters=filters, limit=PAGE_SIZE, before=before
        )
        times.append(PageTime(page, perf_counter() - started))
        if result.next_before is None:
            break
        before = result.next_before
    return times


def walk_until(
    samples: int,
    walks: Callable[[int], list[PageTime]],
    *,
    min_walks: int = 1,
    max_walks: int = 100_000,
) -> list[PageTime]:
    """Call walks(n) for n = 0, 1, ... at least `min_walks` times and until there are
    `samples` page times."""
    times: list[PageTime] = []
    for n in range(max_walks):
        if len(times) >= samples and n >= min_walks:
            break
        times.extend(walks(n))
    return times


def random_positions(
    rng: random.Random, first: int, last: int, count: int, *, top_first: bool = True
) -> list[int | None]:
    """Starting points for walks: the top of the list, then anywhere in the numbers."""
    positions: list[int | None] = [None] if top_first else []
    positions += [rng.randint(first + 1, last + 1) for _ in range(count)]
    return positions


@dataclass(frozen=True)
class Plan:
    label: str
    sql: str
    lines: list[str]
    expected_index: tuple[str, ...]
    uses_expected_index: bool

    def summary(self) -> str:
        return "; ".join(line.strip() for line in self.lines if _is_summary_line(line))


def _is_summary_line(line: str) -> bool:
    """How the ticket table is read, and the total time: the joined tables are read by
    primary key in every plan and only make the summary longer."""
    if any(word in line for word in ("Planning Time", "Execution Time", "Sort", "TEMP B-TREE")):
        return True
    return ("SEARCH tickets_ticket" in line or "SCAN tickets_ticket" in line) or (
        "on tickets_ticket" in line
    )


def explain(label: str, call: Callable[[], Any], *, expected_index: tuple[str, ...]) -> Plan:
    """Run `call` once, take the ticket list query it sent, and ask the database for its
    plan: EXPLAIN ANALYZE on PostgreSQL (the real run), EXPLAIN QUERY PLAN on SQLite.

    The query is explained with the parameters it was sent with, not with the values
    written into the text (as connection.queries shows it): SQLite plans a bound `?`
    differently from a constant, partial indexes in particular."""
    sent: list[tuple[str, Any]] = []

    def capture(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        sent.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        call()
    candidates = [(sql, params) for sql, params in sent if _is_ticket_list(sql)]
    if not candidates:
        raise RuntimeError(f"{label}: no ticket list query was sent")
    sql, params = candidates[0]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            lines = [row[0] for row in cursor.fetchall()]
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            lines = [row[3] for row in cursor.fetchall()]
    uses = any(name in line for line in lines for name in expected_index)
    return Plan(label, sql % tuple(repr(p) for p in params or ()), lines, expected_index, uses)


def _is_ticket_list(sql: str) -> bool:
    return sql.startswith("SELECT") and 'FROM "tickets_ticket"' in sql and "ORDER BY" in sql
