"""Ticket numbers: allocated in blocks from one sequence row, read back from any spelling."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import connection

from supportdesk.tickets.models import TicketNumberSequence

SEQUENCE_NAME = "ticket"
FIRST_NUMBER = 100001

_REFERENCE = re.compile(r"^\s*\[?\s*(?:[A-Za-z]{1,10}\s*-\s*)?#?(\d{1,18})\s*\]?\s*$")


# Numbers reserved ahead by `reserved_numbers`, when one is open in this context.
_reserved: ContextVar[list[int] | None] = ContextVar("reserved_ticket_numbers", default=None)


@contextmanager
def reserved_numbers(count: int) -> Iterator[None]:
    """Reserve `count` numbers now (in a transaction of their own when called outside one)
    and hand them out, in order, to the tickets opened within the block; past them, numbers
    are allocated as usual. For a batch of mail: the sequence row is then locked for one
    statement, not for the whole batch's transaction, so two workers' batches do not wait
    for each other. Numbers the block does not use are skipped for good (gaps, never
    duplicates)."""
    pool = list(allocate_ticket_numbers(count)) if count > 0 else []
    token = _reserved.set(pool)
    try:
        yield
    finally:
        _reserved.reset(token)


def allocate_ticket_numbers(count: int = 1) -> range:
    """Reserve `count` consecutive numbers. The UPDATE takes the row lock first, so two
    writers can never read the same value (on SQLite the write lock does the same)."""
    if count < 1:
        raise ValueError("count must be positive")
    pool = _reserved.get()
    if pool and count == 1:
        number = pool.pop(0)
        return range(number, number + 1)
    last = _advance(count)
    if last is None:  # the first ticket ever: create the row (a racing writer may too)
        TicketNumberSequence.objects.bulk_create(
            [TicketNumberSequence(name=SEQUENCE_NAME, last_number=FIRST_NUMBER - 1)],
            ignore_conflicts=True,
        )
        last = _advance(count)
        assert last is not None
    return range(last - count + 1, last + 1)


def _advance(count: int) -> int | None:
    """Add `count` and read the new value in one statement (UPDATE ... RETURNING: both
    PostgreSQL and SQLite 3.35+), so no savepoint and no second query are needed."""
    table = connection.ops.quote_name(TicketNumberSequence._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last_number = last_number + %s "  # noqa: S608 - model's table
            "WHERE name = %s RETURNING last_number",
            [count, SEQUENCE_NAME],
        )
        row = cursor.fetchone()
    return None if row is None else int(row[0])


def parse_reference(text: str) -> int | None:
    """The ticket number in "SD-100001", "sd-100001", "[SD-100001]", "#100001" or "100001"."""
    match = _REFERENCE.match(text)
    return int(match.group(1)) if match else None
