from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from supportdesk.accounts.actors import SYSTEM
from supportdesk.core.errors import InvalidInput
from supportdesk.tickets.access import access_ticket
from supportdesk.tickets.choices import UNRESOLVED_STATUSES, Channel, EventKind, Status
from supportdesk.tickets.models import Message, Ticket, TicketCounter, TicketEvent
from supportdesk.tickets.selectors import (
    TicketFilters,
    count_by_status,
    count_unresolved,
    get_ticket_detail,
    list_tickets,
)
from supportdesk.tickets.services import ImportedMessage, ImportedTicket, bulk, import_tickets
from tests.factories import make_ticket

T0 = datetime(2024, 3, 4, 9, 30, tzinfo=UTC)


def a_row(requester_id: int, **overrides: Any) -> ImportedTicket:
    fields: dict[str, Any] = {
        "requester_id": requester_id,
        "subject": "The report editor crashes on save",
        "status": Status.CLOSED,
        "priority": "normal",
        "category": "crash",
        "channel": Channel.EMAIL,
        "language": "en",
        "team_id": None,
        "assignee_id": None,
        "product_id": None,
        "created_at": T0,
        "updated_at": T0 + timedelta(days=2),
        "messages": [
            ImportedMessage(
                kind="inbound",
                body_text="Steps: open the report, press Save. It crashes.",
                created_at=T0,
                author_contact_id=requester_id,
            )
        ],
    }
    fields.update(overrides)
    return ImportedTicket(**fields)


@pytest.fixture
def conversation(customer, technician) -> list[ImportedMessage]:  # type: ignore[no-untyped-def]
    """Customer question, our answer, an internal note, the customer's thanks (out of order)."""
    return [
        ImportedMessage("inbound", "Thanks, it works.", T0 + timedelta(hours=5), customer.pk),
        ImportedMessage("inbound", "It crashes on save.", T0, customer.pk),
        ImportedMessage(
            "outbound", "Please update to 2024.", T0 + timedelta(hours=2), None, technician.pk
        ),
        ImportedMessage("note", "Known bug 1234.", T0 + timedelta(hours=1), None, technician.pk),
    ]


def test_import_creates_the_tickets_with_their_messages_and_returns_the_count(customer):
    rows = [a_row(customer.pk, subject=f"Question {i}") for i in range(5)]

    assert import_tickets(rows=rows) == 5

    assert Ticket.objects.count() == 5
    assert Message.objects.count() == 5
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == [
        f"Question {i}" for i in range(5)
    ]


def test_an_empty_import_writes_nothing(customer):
    assert import_tickets(rows=[]) == 0
    assert not Ticket.objects.exists()
    assert not TicketCounter.objects.exists()


def test_references_are_consecutive_and_unique_across_batches(customer):
    import_tickets(rows=(a_row(customer.pk, subject=f"Q{i}") for i in range(7)), batch_size=3)

    numbers = list(Ticket.objects.order_by("number").values_list("number", flat=True))
    assert numbers == list(range(numbers[0], numbers[0] + 7))
    # Row order is number order, so history keeps its sequence.
    by_number = Ticket.objects.order_by("number").values_list("subject", flat=True)
    assert list(by_number) == [f"Q{i}" for i in range(7)]


def test_a_second_import_continues_the_numbering_after_live_tickets(customer):
    live = make_ticket(requester=customer)
    import_tickets(rows=[a_row(customer.pk) for _ in range(2)])
    import_tickets(rows=[a_row(customer.pk) for _ in range(3)])

    numbers = list(Ticket.objects.order_by("number").values_list("number", flat=True))
    assert numbers == list(range(live.number, live.number + 6))
    assert make_ticket(requester=customer).number == live.number + 6


def test_counters_equal_the_real_counts(customer, team, other_team, technician):
    statuses = [Status.CLOSED, Status.SOLVED, Status.OPEN, Status.NEW, Status.PENDING]
    rows = [
        a_row(
            customer.pk,
            status=statuses[i % len(statuses)],
            team_id=(team.pk, other_team.pk, None)[i % 3],
            assignee_id=technician.pk if i % 4 == 0 else None,
        )
        for i in range(23)
    ]
    import_tickets(rows=rows, batch_size=5)

    real = Counter(Ticket.objects.values_list("status", flat=True))
    assert count_by_status() == {status: real.get(status, 0) for status in Status.values}
    for team_id in (team.pk, other_team.pk):
        unresolved = Ticket.objects.filter(team_id=team_id, status__in=UNRESOLVED_STATUSES)
        assert count_unresolved(team_id=team_id) == unresolved.count()
    assigned = Ticket.objects.filter(assignee=technician, status__in=UNRESOLVED_STATUSES)
    assert count_unresolved(assignee_id=technician.pk) == assigned.count()


def test_counters_add_to_what_live_tickets_counted(customer, team):
    make_ticket(requester=customer, team=team)
    import_tickets(rows=[a_row(customer.pk, status=Status.NEW, team_id=team.pk)])

    assert count_unresolved(team_id=team.pk) == 2
    assert count_by_status()[Status.NEW] == 2


def test_each_imported_ticket_has_one_opened_event_by_import(customer, team):
    import_tickets(rows=[a_row(customer.pk, team_id=team.pk), a_row(customer.pk)])

    events = TicketEvent.objects.order_by("ticket__number")
    assert [(e.kind, e.actor_name) for e in events] == [(EventKind.OPENED, "import")] * 2
    first, second = events
    assert first.data == {"channel": "email", "team": "windev", "imported": True}
    assert second.data["team"] is None
    assert first.created_at == T0
    assert first.actor_technician is None and first.actor_contact is None


def test_derived_fields_come_from_the_requester_and_the_messages(
    customer, technician, product, conversation
):
    import_tickets(
        rows=[
            a_row(
                customer.pk,
                assignee_id=technician.pk,
                product_id=product.pk,
                messages=conversation,
                updated_at=T0 + timedelta(days=3),
            )
        ]
    )

    ticket = Ticket.objects.get()
    assert ticket.organization_id == customer.organization_id
    assert ticket.message_count == 4
    assert ticket.first_responded_at == T0 + timedelta(hours=2)
    assert ticket.last_customer_message_at == T0 + timedelta(hours=5)
    assert ticket.closed_at == ticket.solved_at == T0 + timedelta(days=3)
    assert ticket.plan is not None and ticket.plan.code == "free"


def test_an_unresolved_ticket_has_no_solved_or_closed_time(customer):
    import_tickets(rows=[a_row(customer.pk, status=Status.PENDING)])

    ticket = Ticket.objects.get()
    assert ticket.solved_at is None and ticket.closed_at is None


def test_messages_are_stored_in_time_order_with_their_authors(customer, technician, conversation):
    import_tickets(rows=[a_row(customer.pk, channel=Channel.PORTAL, messages=conversation)])

    stored = list(Message.objects.order_by("id"))
    assert [m.body_text for m in stored] == [
        "It crashes on save.",
        "Known bug 1234.",
        "Please update to 2024.",
        "Thanks, it works.",
    ]
    assert [m.channel for m in stored] == ["portal", "desk", "desk", "portal"]
    assert stored[0].author_contact == customer
    assert stored[2].author_technician == technician


def test_imported_tickets_show_in_the_team_queue_newest_first(customer, team, technician):
    import_tickets(
        rows=[a_row(customer.pk, status=s, team_id=team.pk) for s in ("open", "closed", "new")]
    )

    page = list_tickets(
        viewer=technician, filters=TicketFilters(team_id=team.pk, unresolved=True), limit=50
    )
    assert [t.status for t in page.tickets] == ["new", "open"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"status": "archived"}, "status"),
        ({"priority": "critical"}, "priority"),
        ({"category": "rant"}, "category"),
        ({"channel": "pigeon"}, "channel"),
        ({"language": "de"}, "language"),
        ({"subject": "   "}, "subject"),
        ({"subject": "Crash\r\nBcc: victim@example.com"}, "subject"),
        ({"subject": "Crash\nagain"}, "subject"),
        ({"subject": "x" * 251}, "subject"),
        ({"created_at": datetime(2024, 3, 4, 9, 30)}, "created_at"),
        ({"updated_at": T0 - timedelta(days=1)}, "updated_at"),
        ({"requester_id": 987654, "messages": []}, "requester_id"),
        ({"team_id": 987654}, "team_id"),
        ({"assignee_id": 987654}, "assignee_id"),
        ({"product_id": 987654}, "product_id"),
    ],
)
def test_a_bad_row_is_refused_naming_its_index_and_field(customer, overrides, field):
    bad = a_row(**{"requester_id": customer.pk, **overrides})
    rows = [a_row(customer.pk), a_row(customer.pk), bad]

    with pytest.raises(InvalidInput) as refused:
        import_tickets(rows=rows)

    assert list(refused.value.problems) == [f"rows[2].{field}"]
    assert f"rows[2].{field}" in str(refused.value)
    assert not Ticket.objects.exists()
    assert not TicketCounter.objects.exists()


@pytest.mark.parametrize(
    ("message_overrides", "field"),
    [
        ({"kind": "telegram"}, "kind"),
        ({"body_text": " \n "}, "body_text"),
        ({"channel": "pigeon"}, "channel"),
        ({"author_contact_id": 987654}, "author_contact_id"),
        ({"author_technician_id": 987654, "author_contact_id": None}, "author_technician_id"),
    ],
)
def test_a_bad_message_is_refused_naming_its_row_and_position(customer, message_overrides, field):
    good = ImportedMessage("inbound", "Hello", T0, customer.pk)
    row = a_row(customer.pk, messages=[good, replace(good, **message_overrides)])

    with pytest.raises(InvalidInput) as refused:
        import_tickets(rows=[a_row(customer.pk), row])

    assert list(refused.value.problems) == [f"rows[1].messages[1].{field}"]
    assert not Message.objects.exists()


def test_a_message_with_two_authors_is_refused(customer, technician):
    both = ImportedMessage("inbound", "Hello", T0, customer.pk, technician.pk)

    with pytest.raises(InvalidInput) as refused:
        import_tickets(rows=[a_row(customer.pk, messages=[both])])

    assert "rows[0].messages[0].author_contact_id" in refused.value.problems


def test_batches_before_a_bad_row_stay_imported(customer):
    rows = [a_row(customer.pk) for _ in range(5)] + [a_row(customer.pk, status="archived")]

    with pytest.raises(InvalidInput) as refused:
        import_tickets(rows=rows, batch_size=2)

    assert list(refused.value.problems) == ["rows[5].status"]
    # Rows 0-3 are two whole batches; row 4 shares the bad row's batch and is not written.
    assert Ticket.objects.count() == 4
    assert count_by_status()[Status.CLOSED] == 4


def test_a_refused_batch_uses_no_ticket_numbers(customer):
    import_tickets(rows=[a_row(customer.pk)])
    with pytest.raises(InvalidInput):
        import_tickets(rows=[a_row(customer.pk, priority="critical")])
    import_tickets(rows=[a_row(customer.pk)])

    first, second = Ticket.objects.order_by("number").values_list("number", flat=True)
    assert second == first + 1


def test_queries_per_batch_do_not_grow_with_its_rows(customer, team, technician, conversation):
    def queries_for(count: int) -> int:
        rows = [
            a_row(customer.pk, team_id=team.pk, assignee_id=technician.pk, messages=conversation)
            for _ in range(count)
        ]
        with CaptureQueriesContext(connection) as captured:
            import_tickets(rows=rows)
        return len(captured)

    queries_for(1)  # the first import creates the counter rows
    # Small enough that every insert fits in one statement on SQLite (999 parameters).
    assert queries_for(3) == queries_for(30)


def test_the_batch_size_must_be_positive(customer):
    with pytest.raises(ValueError, match="batch_size"):
        import_tickets(rows=[a_row(customer.pk)], batch_size=0)


def test_imported_tickets_open_like_any_other(customer, team):
    import_tickets(rows=[a_row(customer.pk, team_id=team.pk)])

    ticket = access_ticket(SYSTEM, Ticket.objects.get().reference)
    detail = get_ticket_detail(viewer=SYSTEM, ticket=ticket)
    assert [m.body_text for m in detail.messages] == [
        "Steps: open the report, press Save. It crashes."
    ]
    assert [e.kind for e in detail.events] == [EventKind.OPENED]


def test_columns_the_plain_insert_does_not_name_get_their_field_default(customer):
    """A field added to Message later must not break the import (nor get NULL)."""
    import_tickets(rows=[a_row(customer.pk, messages=[])])
    ticket = Ticket.objects.get()
    named = [name for name in bulk.MESSAGE_FIELDS if name != "body_html"]
    at = connection.ops.adapt_datetimefield_value(T0)
    row = (ticket.pk, "note", "desk", None, None, "Moved from the old desk.", at)

    with transaction.atomic():
        bulk._insert_rows(Message, named, [row])

    message = Message.objects.get()
    assert (message.body_text, message.body_html, message.created_at) == (
        "Moved from the old desk.",
        "",
        T0,
    )


def test_the_team_queue_can_use_its_partial_index_at_scale(customer, team, technician):
    """SQLite uses ticket_team_unresolved only when the query holds the statuses as
    constants, as the index condition does; with bound values it sorted the whole team's
    tickets (170 ms a page at 1 M tickets in bench/tickets.py)."""
    import_tickets(rows=[a_row(customer.pk, status=Status.OPEN, team_id=team.pk)])
    sent: list[tuple[str, Any]] = []

    def capture(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        sent.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        list_tickets(viewer=technician, filters=TicketFilters(team_id=team.pk, unresolved=True))

    sql, params = next((s, p) for s, p in sent if '"tickets_ticket"' in s and "ORDER BY" in s)
    assert "IN ('new', 'open', 'pending', 'rereview')" in sql
    if connection.vendor == "sqlite":  # PostgreSQL's choice depends on its statistics
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plan = " ".join(str(row[3]) for row in cursor.fetchall())
        assert "USING INDEX ticket_team_unresolved" in plan


def test_text_is_cleaned_as_on_a_live_ticket(customer):
    """NULs (PostgreSQL refuses them) are dropped, other control characters in the subject
    become spaces, Windows line ends become plain ones."""
    body = ImportedMessage("inbound", "  Line one\r\nline\x00 two  ", T0, customer.pk)
    import_tickets(rows=[a_row(customer.pk, subject="Crash\x00 on\tsave ", messages=[body])])

    ticket = Ticket.objects.get()
    assert ticket.subject == "Crash on save"
    assert Message.objects.get().body_text == "Line one\nline two"
