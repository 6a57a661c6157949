"""Ticket numbers: parsed from any spelling a customer types, allocated in consecutive blocks."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from supportdesk.tickets.models import TicketNumberSequence
from supportdesk.tickets.references import (
    FIRST_NUMBER,
    allocate_ticket_numbers,
    parse_reference,
)


@pytest.mark.parametrize(
    "text",
    [
        "SD-100001",
        "sd-100001",
        "[SD-100001]",
        "#100001",
        "100001",
        "  SD-100001  ",
        "SD - 100001",
        "[ SD-100001 ]",
        "SD-#100001",
    ],
)
def test_every_usual_spelling_of_a_reference_gives_its_number(text):
    assert parse_reference(text) == 100001


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "SD-",
        "SD",
        "#",
        "SD-abc",
        "SD-12ab",
        "SD-100001-2",
        "SD100001",
        "Re: SD-100001",
        "SD-100001 please",
        "1e5",
        "-100001",
        "SD--100001",
        "1" * 19,
        "TOOLONGPREFIX-100001",
    ],
)
def test_garbage_is_no_reference(text):
    assert parse_reference(text) is None


@given(st.text())
def test_parsing_never_raises_on_any_text(text):
    result = parse_reference(text)

    assert result is None or (isinstance(result, int) and result >= 0)


@given(st.integers(min_value=0, max_value=10**18 - 1))
def test_a_formatted_reference_reads_back_as_its_number(number):
    assert parse_reference(f"SD-{number}") == number
    assert parse_reference(f"[sd-{number}]") == number
    assert parse_reference(f"#{number}") == number


def test_the_first_allocation_starts_the_sequence(db):
    assert allocate_ticket_numbers(1) == range(FIRST_NUMBER, FIRST_NUMBER + 1)


def test_a_block_is_consecutive_and_the_next_block_follows_it(db):
    first = allocate_ticket_numbers(3)
    second = allocate_ticket_numbers(5)

    assert list(first) == [FIRST_NUMBER, FIRST_NUMBER + 1, FIRST_NUMBER + 2]
    assert list(second) == list(range(FIRST_NUMBER + 3, FIRST_NUMBER + 8))


def test_the_sequence_remembers_the_last_number_handed_out(db):
    allocate_ticket_numbers(4)

    assert TicketNumberSequence.objects.get().last_number == FIRST_NUMBER + 3


def test_allocation_continues_from_an_existing_sequence(db):
    TicketNumberSequence.objects.create(name="ticket", last_number=240000)

    assert list(allocate_ticket_numbers(2)) == [240001, 240002]


@pytest.mark.parametrize("count", [0, -1])
def test_an_empty_or_negative_block_is_refused(db, count):
    with pytest.raises(ValueError, match="positive"):
        allocate_ticket_numbers(count)
