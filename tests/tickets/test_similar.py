"""Similar tickets for technicians (the same error first, then the same product's subjects)
and published answers, with bounded queries."""

from __future__ import annotations

import pytest

from supportdesk.core.errors import InvalidInput, PermissionDenied
from supportdesk.tickets.choices import EventKind, Status
from supportdesk.tickets.models import PublishedAnswer, Ticket
from supportdesk.tickets.selectors import get_ticket_detail
from supportdesk.tickets.serializers import ticket_detail
from supportdesk.tickets.services import publish_answer, reply_to_ticket, withdraw_answer
from supportdesk.tickets.similar import similar_tickets
from tests.factories import ProductFactory, make_ticket
from tests.tickets.helpers import events_of, force_status, reload

ERROR = "Error 70012: footer block not found in report '{name}' (line {line})"


def solved(ticket: Ticket) -> Ticket:
    return force_status(ticket, Status.SOLVED)


def test_the_same_error_comes_first_then_subjects_sharing_words(customer, product):
    same_error = solved(
        make_ticket(
            requester=customer,
            product=product,
            subject="Printing fails",
            error_text=ERROR.format(name="INV", line=12),
        )
    )
    close_subject = solved(
        make_ticket(requester=customer, product=product, subject="Footer block missing in report")
    )
    far_subject = solved(
        make_ticket(requester=customer, product=product, subject="Footer colour is wrong")
    )
    solved(make_ticket(requester=customer, product=product, subject="Licence transfer"))
    make_ticket(  # unsolved: not shown with solved_only
        requester=customer,
        product=product,
        subject="Footer block missing",
        error_text=ERROR.format(name="X", line=1),
    )
    ticket = make_ticket(
        requester=customer,
        product=product,
        subject="Report footer block missing",
        error_text=ERROR.format(name="ORDERS", line=310),
    )

    found = similar_tickets(ticket)

    assert [(item.ticket_id, item.match) for item in found] == [
        (same_error.pk, "signature"),
        (close_subject.pk, "subject"),
        (far_subject.pk, "subject"),
    ]
    assert found[0].reference == same_error.reference


def test_unsolved_ones_are_included_when_asked(customer, product):
    open_one = make_ticket(
        requester=customer, product=product, error_text=ERROR.format(name="A", line=1)
    )
    ticket = make_ticket(
        requester=customer, product=product, error_text=ERROR.format(name="B", line=2)
    )

    assert similar_tickets(ticket) == []
    assert [item.ticket_id for item in similar_tickets(ticket, solved_only=False)] == [open_one.pk]


def test_another_products_tickets_are_not_similar_by_subject(customer, product):
    other = ProductFactory(code="webdev")
    solved(make_ticket(requester=customer, product=other, subject="Report footer missing"))
    ticket = make_ticket(requester=customer, product=product, subject="Report footer missing")

    assert similar_tickets(ticket) == []


def test_the_limit_holds(customer, product):
    for n in range(5):
        solved(
            make_ticket(
                requester=customer, product=product, error_text=ERROR.format(name=n, line=n)
            )
        )
    ticket = make_ticket(
        requester=customer, product=product, error_text=ERROR.format(name="Z", line=0)
    )

    assert len(similar_tickets(ticket, limit=3)) == 3


def test_the_lookup_costs_the_same_few_queries_however_many_tickets_match(
    customer, product, django_assert_max_num_queries
):
    for n in range(30):
        solved(
            make_ticket(
                requester=customer,
                product=product,
                subject=f"Footer block {n}",
                error_text=ERROR.format(name=n, line=n),
            )
        )
    ticket = make_ticket(
        requester=customer,
        product=product,
        subject="Footer block",
        error_text=ERROR.format(name="Q", line=9),
    )

    with django_assert_max_num_queries(3):
        similar_tickets(ticket, limit=40)


def test_technicians_see_similar_solved_tickets_on_the_ticket_page(customer, product, technician):
    earlier = solved(
        make_ticket(requester=customer, product=product, error_text=ERROR.format(name="A", line=1))
    )
    ticket = make_ticket(
        requester=customer, product=product, error_text=ERROR.format(name="B", line=2)
    )

    data = ticket_detail(get_ticket_detail(viewer=technician, ticket=ticket))
    as_customer = get_ticket_detail(viewer=customer, ticket=ticket)

    assert data["similar_solved"] == [
        {
            "reference": earlier.reference,
            "subject": earlier.subject,
            "status": "solved",
            "match": "signature",
        }
    ]
    assert data["entitlement"]["error_signature"] == ticket.error_signature
    assert as_customer.similar == []


# Published answers


def test_a_technician_publishes_the_answer_of_a_solved_ticket(customer, product, technician):
    ticket = make_ticket(
        requester=customer, product=product, error_text=ERROR.format(name="A", line=1)
    )
    reply_to_ticket(actor=technician, ticket=ticket, body_text="Rebuild the report's footer.")
    solved(ticket)

    answer = publish_answer(actor=technician, ticket=reload(ticket), title="Footer block not found")

    assert answer.answer_text == "Rebuild the report's footer."
    assert answer.error_signature == ticket.error_signature
    assert answer.product == product
    assert answer.published_by == technician
    assert [e.kind for e in events_of(ticket, EventKind.ANSWER_PUBLISHED)] == ["answer_published"]


def test_only_a_solved_ticket_is_published_and_only_by_staff(customer, ticket, technician):
    with pytest.raises(InvalidInput):
        publish_answer(actor=technician, ticket=ticket, answer_text="x")
    solved(ticket)
    with pytest.raises(PermissionDenied):
        publish_answer(actor=customer, ticket=reload(ticket), answer_text="x")


def test_a_withdrawn_answer_is_kept_but_marked(customer, ticket, technician):
    solved(ticket)
    publish_answer(actor=technician, ticket=reload(ticket), answer_text="Do this.")

    withdraw_answer(actor=technician, ticket=reload(ticket))

    assert PublishedAnswer.objects.get(ticket=ticket).withdrawn_at is not None


def _plan(sql: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            return "\n".join(str(row[-1]) for row in cursor.fetchall())
        # A test table is small enough for a sequential scan: ask whether an index serves.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(f"EXPLAIN {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def test_each_lookup_reads_an_index_in_order_without_sorting_the_table(customer, product):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    solved(
        make_ticket(requester=customer, product=product, error_text=ERROR.format(name=1, line=1))
    )
    ticket = make_ticket(
        requester=customer, product=product, error_text=ERROR.format(name=2, line=2)
    )

    with CaptureQueriesContext(connection) as captured:
        similar_tickets(ticket)

    plans = [_plan(query["sql"]) for query in captured.captured_queries]
    assert len(plans) == 3  # the signature, then the product's solved and closed tickets
    if connection.vendor == "sqlite":
        # SQLite's planner does not weigh table statistics here: the choice is the index's.
        assert "ticket_error_signature" in plans[0]
        assert all("ticket_product_status" in plan for plan in plans[1:])
    else:
        # On a near-empty table PostgreSQL may prefer another ordered index; what must hold
        # is that no plan reads the whole table or sorts it.
        assert all("Seq Scan" not in plan for plan in plans)
    for plan in plans:
        assert "TEMP B-TREE" not in plan  # SQLite: no sort of the rows read
        assert "Sort" not in plan  # PostgreSQL: likewise


# The admin


def test_the_admin_ticket_page_lists_similar_solved_tickets(admin_client, customer, product):
    earlier = solved(
        make_ticket(requester=customer, product=product, error_text=ERROR.format(name=1, line=1))
    )
    ticket = make_ticket(
        requester=customer, product=product, error_text=ERROR.format(name=2, line=2)
    )

    page = admin_client.get(f"/admin/tickets/ticket/{ticket.pk}/change/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "Similar solved tickets" in html
    assert f"/admin/tickets/ticket/{earlier.pk}/change/" in html
    assert "same error" in html


def test_the_admin_publishes_an_answer_and_withdraws_it(admin_client, customer, ticket, technician):
    reply_to_ticket(actor=technician, ticket=ticket, body_text="Rebuild the footer block.")
    solved(ticket)

    admin_client.post(
        "/admin/tickets/ticket/", {"action": "publish", "_selected_action": [ticket.pk]}
    )
    answer = PublishedAnswer.objects.get(ticket=ticket)
    assert answer.answer_text == "Rebuild the footer block."
    edit = admin_client.get(f"/admin/tickets/publishedanswer/{answer.pk}/change/")
    assert edit.status_code == 200
    admin_client.post(
        "/admin/tickets/publishedanswer/", {"action": "withdraw", "_selected_action": [answer.pk]}
    )

    answer.refresh_from_db()
    assert answer.withdrawn_at is not None


def test_ticket_show_prints_the_entitlement_and_similar_solved_tickets(capsys, customer, product):
    from supportdesk.accounts.models import License
    from supportdesk.cli import main

    License.objects.create(organization=customer.organization, product=product, serial="WD-5")
    earlier = solved(
        make_ticket(requester=customer, product=product, error_text=ERROR.format(name=1, line=1))
    )
    ticket = make_ticket(
        requester=customer, product=product, error_text=ERROR.format(name=2, line=2)
    )

    code = main(["ticket", "show", ticket.reference])
    out = capsys.readouterr().out

    assert code == 0
    assert "Entitled:   Entitled (free support, counted against the licence) (licence WD-5" in out
    assert "Similar solved tickets (1)" in out
    assert f"{earlier.reference}" in out.split("Similar solved tickets")[1]
