"""Several writers at once: the row locks the services take keep numbers and counts right.

These need real concurrent transactions. SQLite lets one writer in at a time (its database
lock), so what they prove there is nothing; they run on PostgreSQL, as in CI."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from django.db import connection

from supportdesk.tickets.references import FIRST_NUMBER
from supportdesk.tickets.services import reply_to_ticket
from tests.factories import make_ticket
from tests.markers import CONCURRENT_WRITERS
from tests.tickets.helpers import counted, counted_by_select, reload

T = TypeVar("T")
WRITERS = 4

pytestmark = CONCURRENT_WRITERS


def in_parallel(work: Callable[[], T]) -> list[T]:
    def run() -> T:
        try:
            return work()
        finally:
            connection.close()

    with ThreadPoolExecutor(WRITERS) as pool:
        futures = [pool.submit(run) for _ in range(WRITERS)]
        return [future.result() for future in futures]


def test_tickets_opened_at_once_get_distinct_consecutive_numbers(customer):
    batches = in_parallel(lambda: [make_ticket(requester=customer).number for _ in range(5)])

    numbers = sorted(n for batch in batches for n in batch)
    assert numbers == list(range(FIRST_NUMBER, FIRST_NUMBER + 5 * WRITERS))


def test_replies_written_at_once_are_all_counted(ticket, technician):
    def reply_five_times() -> None:
        for n in range(5):
            reply_to_ticket(actor=technician, ticket=reload(ticket), body_text=f"Reply {n}")

    in_parallel(reply_five_times)

    ticket = reload(ticket)
    assert ticket.messages.count() == 1 + 5 * WRITERS
    assert ticket.message_count == 1 + 5 * WRITERS


def test_counters_stay_true_under_concurrent_openings(customer, team):
    in_parallel(lambda: [make_ticket(requester=customer, team=team) for _ in range(5)])

    assert counted() == counted_by_select()
