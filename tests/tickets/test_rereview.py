""" "Not satisfied": request_rereview hands the ticket to a second technician."""

from __future__ import annotations

import pytest

from supportdesk.core.errors import InvalidInput, InvalidTransition, PermissionDenied
from supportdesk.tickets.choices import EventKind, MessageKind, Satisfaction, Status
from supportdesk.tickets.models import Message
from supportdesk.tickets.selectors import count_unresolved
from supportdesk.tickets.services import (
    assign_ticket,
    change_status,
    merge_tickets,
    reply_to_ticket,
    request_rereview,
)
from tests.factories import make_ticket
from tests.tickets.helpers import counted, counted_by_select, events_of, reload

COMMENT = "This does not answer my question: the crash happens before saving."


def test_a_ticket_nobody_answered_cannot_be_reviewed_again(ticket, customer):
    with pytest.raises(InvalidTransition):
        request_rereview(actor=customer, ticket=ticket, comment=COMMENT)

    assert reload(ticket).status == Status.NEW


def test_the_customer_comment_is_stored_as_their_message(answered_ticket, customer):
    request_rereview(actor=customer, ticket=answered_ticket, comment=COMMENT)

    comment = Message.objects.filter(ticket=answered_ticket).latest("id")
    assert comment.kind == MessageKind.INBOUND
    assert comment.author_contact == customer
    assert comment.body_text == COMMENT


def test_the_event_bundles_the_question_the_answer_and_the_comment(answered_ticket, customer):
    question = Message.objects.filter(ticket=answered_ticket, kind=MessageKind.INBOUND).get()
    answer = Message.objects.filter(ticket=answered_ticket, kind=MessageKind.OUTBOUND).get()

    request_rereview(actor=customer, ticket=answered_ticket, comment=COMMENT)

    (requested,) = events_of(answered_ticket, EventKind.REREVIEW_REQUESTED)
    comment = Message.objects.get(ticket=answered_ticket, body_text=COMMENT)
    assert requested.data["question_message"] == question.pk
    assert requested.data["answer_message"] == answer.pk
    assert requested.data["comment_message"] == comment.pk


def test_the_bundled_answer_is_the_latest_one(answered_ticket, customer, technician):
    reply_to_ticket(actor=customer, ticket=answered_ticket, body_text="Still broken.")
    latest = reply_to_ticket(actor=technician, ticket=answered_ticket, body_text="Try 2025.")

    request_rereview(actor=customer, ticket=answered_ticket, comment=COMMENT)

    (requested,) = events_of(answered_ticket, EventKind.REREVIEW_REQUESTED)
    assert requested.data["answer_message"] == latest.pk


def test_the_ticket_goes_to_a_technician_who_did_not_answer(
    answered_ticket, customer, technician, colleague
):
    request_rereview(actor=customer, ticket=answered_ticket, comment=COMMENT)

    ticket = reload(answered_ticket)
    assert ticket.status == Status.REREVIEW
    assert ticket.assignee == colleague


def test_the_second_technician_is_the_least_loaded_one(
    answered_ticket, customer, team, technician, colleague, third_technician
):
    busy = make_ticket(requester=customer, team=team)
    assign_ticket(actor=technician, ticket=busy, assignee=colleague)

    request_rereview(actor=customer, ticket=answered_ticket, comment=COMMENT)

    assert reload(answered_ticket).assignee == third_technician


def test_nobody_who_answered_the_ticket_reviews_it_again(
    ticket, customer, team, technician, colleague, third_technician
):
    """The technician did answer first, then the colleague: neither is a fresh pair of eyes."""
    assign_ticket(actor=technician, ticket=ticket, assignee=colleague)
    reply_to_ticket(actor=technician, ticket=ticket, body_text="First answer.")
    reply_to_ticket(actor=colleague, ticket=ticket, body_text="Second answer.")
    # The one who has not answered is also the busiest: still the one to choose.
    for _ in range(2):
        assign_ticket(
            actor=technician,
            ticket=make_ticket(requester=customer, team=team),
            assignee=third_technician,
        )

    request_rereview(actor=customer, ticket=ticket, comment=COMMENT)

    assert reload(ticket).assignee == third_technician


def test_an_inactive_technician_is_not_chosen(
    answered_ticket, customer, colleague, third_technician
):
    colleague.is_active = False
    colleague.save()

    request_rereview(actor=customer, ticket=answered_ticket, comment=COMMENT)

    assert reload(answered_ticket).assignee == third_technician


def test_with_nobody_left_the_ticket_waits_unassigned_in_its_team(answered_ticket, customer, team):
    request_rereview(actor=customer, ticket=answered_ticket, comment=COMMENT)

    ticket = reload(answered_ticket)
    assert ticket.assignee is None
    assert ticket.team == team
    assert ticket.status == Status.REREVIEW


def test_the_customer_dissatisfaction_is_recorded(answered_ticket, customer, colleague):
    request_rereview(actor=customer, ticket=answered_ticket, comment=COMMENT)

    ticket = reload(answered_ticket)
    assert ticket.satisfaction == Satisfaction.UNSATISFIED
    assert ticket.rereview_count == 1


def test_a_rereview_cannot_be_asked_twice_in_a_row(answered_ticket, customer, colleague):
    request_rereview(actor=customer, ticket=answered_ticket, comment=COMMENT)

    with pytest.raises(InvalidTransition):
        request_rereview(actor=customer, ticket=answered_ticket, comment="Again!")

    assert reload(answered_ticket).rereview_count == 1


def test_a_rereview_can_be_asked_again_after_the_second_answer(
    answered_ticket, customer, colleague
):
    request_rereview(actor=customer, ticket=answered_ticket, comment=COMMENT)
    reply_to_ticket(actor=colleague, ticket=answered_ticket, body_text="Second look.")

    request_rereview(actor=customer, ticket=answered_ticket, comment="Still no.")

    assert reload(answered_ticket).rereview_count == 2


@pytest.mark.parametrize("status", [Status.SOLVED, Status.CLOSED])
def test_a_solved_or_closed_ticket_can_be_reviewed_again(
    answered_ticket, customer, technician, colleague, status
):
    change_status(actor=technician, ticket=answered_ticket, status=status)

    request_rereview(actor=customer, ticket=answered_ticket, comment=COMMENT)

    ticket = reload(answered_ticket)
    assert ticket.status == Status.REREVIEW
    assert (ticket.solved_at, ticket.closed_at) == (None, None)


def test_a_merged_ticket_cannot_be_reviewed_again(answered_ticket, customer, team, technician):
    target = make_ticket(requester=customer, team=team)
    merge_tickets(actor=technician, source=answered_ticket, target=target)

    with pytest.raises(InvalidTransition):
        request_rereview(actor=customer, ticket=answered_ticket, comment=COMMENT)


def test_an_empty_comment_is_refused_naming_the_field(answered_ticket, customer):
    with pytest.raises(InvalidInput) as refused:
        request_rereview(actor=customer, ticket=answered_ticket, comment="  ")

    assert "comment" in refused.value.problems


def test_an_unknown_channel_is_refused_naming_the_field(answered_ticket, customer):
    with pytest.raises(InvalidInput) as refused:
        request_rereview(actor=customer, ticket=answered_ticket, comment=COMMENT, channel="x")

    assert "channel" in refused.value.problems


def test_a_customer_of_another_organization_cannot_ask_for_a_rereview(
    answered_ticket, customer_of_another_organization
):
    with pytest.raises(PermissionDenied):
        request_rereview(
            actor=customer_of_another_organization, ticket=answered_ticket, comment=COMMENT
        )

    assert reload(answered_ticket).status == Status.PENDING


def test_a_colleague_asking_for_a_rereview_signs_the_comment(answered_ticket, customer_colleague):
    request_rereview(actor=customer_colleague, ticket=answered_ticket, comment=COMMENT)

    comment = Message.objects.get(ticket=answered_ticket, body_text=COMMENT)
    assert comment.author_contact == customer_colleague


def test_a_fax_relayed_by_a_technician_is_signed_by_the_requester(
    answered_ticket, customer, colleague
):
    request_rereview(actor=colleague, ticket=answered_ticket, comment=COMMENT, channel="fax")

    comment = Message.objects.get(ticket=answered_ticket, body_text=COMMENT)
    assert comment.author_contact == customer
    assert comment.channel == "fax"


def test_the_counters_follow_the_ticket_to_the_second_technician(
    answered_ticket, customer, technician, colleague
):
    request_rereview(actor=customer, ticket=answered_ticket, comment=COMMENT)

    assert count_unresolved(assignee_id=technician.pk) == 0
    assert count_unresolved(assignee_id=colleague.pk) == 1
    assert counted() == counted_by_select()
