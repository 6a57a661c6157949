"""list_tickets (keyset pages, filters, visibility) and get_ticket_detail, with query counts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from supportdesk.accounts.models import Technician
from supportdesk.core.errors import InvalidInput
from supportdesk.tickets.choices import Status
from supportdesk.tickets.models import Ticket, TicketCounter
from supportdesk.tickets.selectors import (
    TicketFilters,
    count_by_status,
    count_unresolved,
    get_ticket_detail,
    list_tickets,
)
from supportdesk.tickets.services import (
    NewAttachment,
    add_note,
    assign_ticket,
    change_status,
    reply_to_ticket,
    set_tags,
)
from tests.factories import ContactFactory, ProductFactory, make_ticket
from tests.tickets.helpers import reload


def numbers(page) -> list[int]:  # type: ignore[no-untyped-def]
    return [t.number for t in page.tickets]


def open_many(count: int, **fields) -> list:  # type: ignore[no-untyped-def]
    return [make_ticket(**fields) for _ in range(count)]


# Order and pages


def test_tickets_are_listed_newest_first(customer, team, supervisor):
    tickets = open_many(4, requester=customer, team=team)

    page = list_tickets(viewer=supervisor)

    assert numbers(page) == sorted((t.number for t in tickets), reverse=True)


def test_pages_following_next_before_cover_every_ticket_exactly_once(customer, team, supervisor):
    tickets = open_many(23, requester=customer, team=team)
    seen: list[int] = []
    before = None

    while True:
        page = list_tickets(viewer=supervisor, limit=5, before=before)
        seen.extend(numbers(page))
        if page.next_before is None:
            break
        before = page.next_before

    assert seen == sorted((t.number for t in tickets), reverse=True)


def test_the_last_page_says_there_is_no_next_one(customer, team, supervisor):
    open_many(3, requester=customer, team=team)

    page = list_tickets(viewer=supervisor, limit=3)

    assert len(page.tickets) == 3
    assert page.next_before is None


def test_a_full_page_with_more_behind_points_at_its_last_ticket(customer, team, supervisor):
    open_many(4, requester=customer, team=team)

    page = list_tickets(viewer=supervisor, limit=3)

    assert page.next_before == page.tickets[-1].number


def test_tickets_opened_after_the_first_page_do_not_shift_the_next_pages(
    customer, team, supervisor
):
    older = open_many(4, requester=customer, team=team)
    first = list_tickets(viewer=supervisor, limit=2)
    open_many(3, requester=customer, team=team)

    second = list_tickets(viewer=supervisor, limit=2, before=first.next_before)

    assert numbers(second) == [older[1].number, older[0].number]


@pytest.mark.parametrize("limit", [0, -1, 501])
def test_a_limit_out_of_bounds_is_refused_naming_the_field(supervisor, limit):
    with pytest.raises(InvalidInput) as refused:
        list_tickets(viewer=supervisor, limit=limit)

    assert "limit" in refused.value.problems


def test_the_largest_limit_is_accepted(supervisor):
    assert list_tickets(viewer=supervisor, limit=500).tickets == []


# Filters


def test_filtering_by_status(customer, team, supervisor):
    _new, solved = open_many(2, requester=customer, team=team)
    change_status(actor=supervisor, ticket=solved, status=Status.SOLVED)

    page = list_tickets(viewer=supervisor, filters=TicketFilters(statuses=["solved"]))

    assert page.tickets == [solved]


def test_filtering_by_an_unknown_status_is_refused_naming_the_field(supervisor):
    with pytest.raises(InvalidInput) as refused:
        list_tickets(viewer=supervisor, filters=TicketFilters(statuses=["archived"]))

    assert "status" in refused.value.problems


def test_filtering_unresolved_tickets_leaves_out_the_solved_and_closed(customer, team, supervisor):
    live, solved, closed = open_many(3, requester=customer, team=team)
    change_status(actor=supervisor, ticket=solved, status=Status.SOLVED)
    change_status(actor=supervisor, ticket=closed, status=Status.CLOSED)

    page = list_tickets(viewer=supervisor, filters=TicketFilters(unresolved=True))

    assert page.tickets == [live]


def test_filtering_by_team(customer, team, other_team, supervisor):
    ours = make_ticket(requester=customer, team=team)
    make_ticket(requester=customer, team=other_team)

    page = list_tickets(viewer=supervisor, filters=TicketFilters(team_id=team.pk))

    assert page.tickets == [ours]


def test_filtering_by_assignee(customer, team, technician, supervisor):
    mine, _ = open_many(2, requester=customer, team=team)
    assign_ticket(actor=technician, ticket=mine, assignee=technician)

    page = list_tickets(viewer=supervisor, filters=TicketFilters(assignee_id=technician.pk))

    assert page.tickets == [mine]


def test_filtering_by_product(customer, product, supervisor):
    windev = make_ticket(requester=customer, product=product)
    make_ticket(requester=customer, product=ProductFactory(code="webdev"))

    page = list_tickets(viewer=supervisor, filters=TicketFilters(product_id=product.pk))

    assert page.tickets == [windev]


def test_filtering_by_requester(customer, customer_of_another_organization, supervisor):
    theirs = make_ticket(requester=customer_of_another_organization)
    make_ticket(requester=customer)

    page = list_tickets(
        viewer=supervisor,
        filters=TicketFilters(requester_id=customer_of_another_organization.pk),
    )

    assert page.tickets == [theirs]


def test_filters_combine(customer, team, other_team, supervisor):
    wanted, solved_here = open_many(2, requester=customer, team=team)
    make_ticket(requester=customer, team=other_team)
    change_status(actor=supervisor, ticket=solved_here, status=Status.SOLVED)

    page = list_tickets(viewer=supervisor, filters=TicketFilters(team_id=team.pk, unresolved=True))

    assert page.tickets == [wanted]


# Visibility


@pytest.fixture
def spread(customer, customer_colleague, customer_of_another_organization, team, other_team):
    """One ticket in each place a viewer may or may not see."""
    return {
        "ours": make_ticket(requester=customer, team=team),
        "theirs": make_ticket(requester=customer_of_another_organization, team=other_team),
        "unrouted": make_ticket(requester=customer_of_another_organization),
        "colleague": make_ticket(requester=customer_colleague, team=other_team),
    }


@pytest.mark.parametrize(
    ("persona", "visible"),
    [
        ("technician", {"ours", "unrouted"}),
        ("technician_of_another_team", {"theirs", "unrouted", "colleague"}),
        ("supervisor", {"ours", "theirs", "unrouted", "colleague"}),
        ("customer", {"ours"}),
        ("customer_colleague", {"ours", "colleague"}),
        ("customer_of_another_organization", {"theirs", "unrouted"}),
    ],
)
def test_each_viewer_lists_only_what_they_may_see(request, spread, persona, visible):
    viewer = request.getfixturevalue(persona)

    page = list_tickets(viewer=viewer)

    assert {t.pk for t in page.tickets} == {spread[name].pk for name in visible}


def test_a_technician_sees_a_ticket_assigned_to_them_in_any_team(
    customer, other_team, technician, supervisor
):
    technician.teams.add(other_team)
    elsewhere = make_ticket(requester=customer, team=other_team)
    assign_ticket(actor=supervisor, ticket=elsewhere, assignee=technician)
    technician.teams.remove(other_team)

    page = list_tickets(viewer=Technician.objects.get(pk=technician.pk))

    assert page.tickets == [elsewhere]


def test_an_inactive_technician_lists_nothing(ticket, technician):
    technician.is_active = False
    technician.save()

    assert list_tickets(viewer=technician).tickets == []


# Query counts


def queries_to_list(viewer_pk: int, limit: int) -> tuple[int, int]:
    """Queries to list one page and read what a queue row shows; and the page length."""
    viewer = Technician.objects.get(pk=viewer_pk)
    with CaptureQueriesContext(connection) as captured:
        page = list_tickets(viewer=viewer, limit=limit)
        for ticket in page.tickets:
            _ = (
                ticket.reference,
                ticket.requester.name,
                ticket.organization.name,
                ticket.product.name,
                ticket.team.name,
                ticket.assignee.display_name,
                [tag.name for tag in ticket.tags.all()],
            )
    return len(captured), len(page.tickets)


def test_listing_runs_as_many_queries_for_50_tickets_as_for_5(customer, team, product, technician):
    for ticket in open_many(50, requester=customer, team=team, product=product):
        assign_ticket(actor=technician, ticket=ticket, assignee=technician)
        set_tags(actor=technician, ticket=ticket, tags=["crash", f"t{ticket.number % 3}"])

    small, small_len = queries_to_list(technician.pk, 5)
    large, large_len = queries_to_list(technician.pk, 50)

    assert (small_len, large_len) == (5, 50)
    assert small == large
    assert large <= 3


def detail_queries(ticket, viewer) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """Queries to build a ticket page and read what it shows; and the message count."""
    with CaptureQueriesContext(connection) as captured:
        detail = get_ticket_detail(viewer=viewer, ticket=ticket)
        for message in detail.messages:
            _ = (
                message.author_contact and message.author_contact.name,
                message.author_technician and message.author_technician.display_name,
                [(a.filename, a.blob.sha256) for a in message.attachments.all()],
            )
        _ = [event.actor_name for event in detail.events]
    return len(captured), len(detail.messages)


def test_a_ticket_page_runs_as_many_queries_for_20_messages_as_for_1(customer, team, technician):
    short = make_ticket(
        requester=customer, team=team, attachments=[NewAttachment("a.log", b"short")]
    )
    long = make_ticket(requester=customer, team=team, attachments=[NewAttachment("a.log", b"long")])
    for n in range(19):
        author = customer if n % 2 else technician
        reply_to_ticket(
            actor=author,
            ticket=long,
            body_text=f"Message {n}",
            attachments=[NewAttachment(f"{n}.log", f"log {n}".encode())],
        )

    one, one_len = detail_queries(reload(short), technician)
    twenty, twenty_len = detail_queries(reload(long), technician)

    assert (one_len, twenty_len) == (1, 20)
    assert one == twenty
    assert twenty <= 5  # messages, their attachments, events, tags, deadlines


def test_a_customer_ticket_page_also_runs_a_constant_number_of_queries(customer, team, technician):
    short = make_ticket(requester=customer, team=team)
    long = make_ticket(requester=customer, team=team)
    for n in range(10):
        reply_to_ticket(actor=technician, ticket=long, body_text=f"Answer {n}")
        add_note(actor=technician, ticket=long, body_text=f"Note {n}")

    one, _ = detail_queries(reload(short), customer)
    many, many_len = detail_queries(reload(long), customer)

    assert many_len == 11
    assert one == many


def test_a_customer_ticket_page_has_no_audit_trail(ticket, customer):
    assert get_ticket_detail(viewer=customer, ticket=ticket).events == []


def test_a_technician_ticket_page_has_the_audit_trail(ticket, technician):
    assign_ticket(actor=technician, ticket=ticket, assignee=technician)

    detail = get_ticket_detail(viewer=technician, ticket=ticket)

    assert [e.kind for e in detail.events] == ["opened", "assigned"]


def test_a_ticket_page_lists_messages_oldest_first_with_sorted_tags(ticket, technician):
    reply_to_ticket(actor=technician, ticket=ticket, body_text="Answer")
    set_tags(actor=technician, ticket=ticket, tags=["zeta", "alpha"])

    detail = get_ticket_detail(viewer=technician, ticket=ticket)

    assert [m.kind for m in detail.messages] == ["inbound", "outbound"]
    assert detail.tags == ["alpha", "zeta"]


# Counts from the counters


def test_unresolved_counts_come_per_team_and_assignee(customer, team, other_team, technician):
    mine, ours, _theirs = (
        make_ticket(requester=customer, team=team),
        make_ticket(requester=customer, team=team),
        make_ticket(requester=customer, team=other_team),
    )
    assign_ticket(actor=technician, ticket=mine, assignee=technician)
    change_status(actor=technician, ticket=ours, status=Status.SOLVED)

    assert count_unresolved() == 2
    assert count_unresolved(team_id=team.pk) == 1
    assert count_unresolved(team_id=other_team.pk) == 1
    assert count_unresolved(assignee_id=technician.pk) == 1


def test_counts_by_status_cover_every_status(ticket):
    counts = count_by_status()

    assert set(counts) == set(Status.values)
    assert counts["new"] == 1
    assert sum(counts.values()) == 1


def test_counting_never_reads_the_ticket_table(ticket):
    with CaptureQueriesContext(connection) as captured:
        count_unresolved(team_id=ticket.team_id)
        count_by_status()

    tables = {Ticket._meta.db_table, TicketCounter._meta.db_table}
    sql = " ".join(q["sql"] for q in captured.captured_queries)
    read = {table for table in tables if f'"{table}"' in sql}
    assert read == {TicketCounter._meta.db_table}


def test_a_contact_without_tickets_lists_nothing(db, free_plan):
    assert list_tickets(viewer=ContactFactory()).tickets == []
