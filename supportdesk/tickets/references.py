"""Ticket numbers: allocated in blocks from one sequence row, read back from any spelling."""

from __future__ import annotations

import re

from django.db import transaction
from django.db.models import F

from supportdesk.tickets.models import TicketNumberSequence

SEQUENCE_NAME = "ticket"
FIRST_NUMBER = 100001

_REFERENCE = re.compile(r"^\s*\[?\s*(?:[A-Za-z]{1,10}\s*-\s*)?#?(\d{1,18})\s*\]?\s*$")


def allocate_ticket_numbers(count: int = 1) -> range:
    """Reserve `count` consecutive numbers. The UPDATE takes the row lock first, so two
    writers can never read the same value (on SQLite the write lock does the same)."""
    if count < 1:
        raise ValueError("count must be positive")
    with transaction.atomic():
        sequence = TicketNumberSequence.objects.filter(name=SEQUENCE_NAME)
        if not sequence.update(last_number=F("last_number") + count):
            TicketNumberSequence.objects.bulk_create(
                [TicketNumberSequence(name=SEQUENCE_NAME, last_number=FIRST_NUMBER - 1)],
                ignore_conflicts=True,
            )
            sequence.update(last_number=F("last_number") + count)
        last = sequence.values_list("last_number", flat=True).get()
    return range(last - count + 1, last + 1)


def parse_reference(text: str) -> int | None:
    """The ticket number in "SD-100001", "sd-100001", "[SD-100001]", "#100001" or "100001"."""
    match = _REFERENCE.match(text)
    return int(match.group(1)) if match else None
