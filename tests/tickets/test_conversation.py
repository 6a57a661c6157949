"""reply_to_ticket in both directions, and internal notes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from supportdesk.accounts.actors import SYSTEM
from supportdesk.core.errors import InvalidInput, InvalidTransition, PermissionDenied
from supportdesk.tickets.choices import EventKind, MessageKind, Status
from supportdesk.tickets.models import Message
from supportdesk.tickets.selectors import get_ticket_detail
from supportdesk.tickets.services import (
    NewAttachment,
    add_note,
    merge_tickets,
    reply_to_ticket,
)
from tests.factories import make_ticket
from tests.tickets.helpers import events_of, force_status, reload

T1 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
T2 = datetime(2025, 3, 4, 15, 30, tzinfo=UTC)


# A technician's answer


def test_a_technician_reply_is_outbound_and_signed_by_them(ticket, technician):
    message = reply_to_ticket(actor=technician, ticket=ticket, body_text="Try this.")

    assert message.kind == MessageKind.OUTBOUND
    assert message.author_technician == technician
    assert message.author_contact is None
    assert message.channel == "desk"


@pytest.mark.parametrize("status", [Status.NEW, Status.OPEN, Status.REREVIEW])
def test_a_technician_reply_leaves_the_ticket_pending_on_the_customer(ticket, technician, status):
    force_status(ticket, status)

    reply_to_ticket(actor=technician, ticket=ticket, body_text="Does this help?")

    assert reload(ticket).status == Status.PENDING


def test_the_first_technician_reply_sets_the_first_response_time(ticket, technician, time_machine):
    time_machine.move_to(T1, tick=False)

    reply_to_ticket(actor=technician, ticket=ticket, body_text="First answer.")

    assert reload(ticket).first_responded_at == T1


def test_a_later_reply_keeps_the_first_response_time(ticket, technician, time_machine):
    time_machine.move_to(T1, tick=False)
    reply_to_ticket(actor=technician, ticket=ticket, body_text="First answer.")
    time_machine.move_to(T2, tick=False)

    reply_to_ticket(actor=technician, ticket=ticket, body_text="Second answer.")

    assert reload(ticket).first_responded_at == T1


def test_a_customer_reply_does_not_count_as_a_first_response(ticket, customer):
    reply_to_ticket(actor=customer, ticket=ticket, body_text="Any news?")

    assert reload(ticket).first_responded_at is None


def test_a_technician_reply_may_solve_the_ticket(ticket, technician):
    reply_to_ticket(actor=technician, ticket=ticket, body_text="Fixed.", status_after="solved")

    ticket = reload(ticket)
    assert ticket.status == Status.SOLVED
    assert ticket.solved_at is not None


def test_a_technician_reply_may_keep_the_ticket_open(ticket, technician):
    force_status(ticket, Status.OPEN)

    reply_to_ticket(actor=technician, ticket=ticket, body_text="Looking.", status_after="open")

    assert reload(ticket).status == Status.OPEN


def test_a_reply_with_a_forbidden_status_after_is_refused_and_not_stored(ticket, technician):
    force_status(ticket, Status.CLOSED)

    with pytest.raises(InvalidTransition):
        reply_to_ticket(actor=technician, ticket=ticket, body_text="Hm.", status_after="open")

    assert reload(ticket).message_count == 1
    assert Message.objects.filter(ticket=ticket).count() == 1


def test_a_reply_with_an_unknown_status_after_is_refused_naming_the_field(ticket, technician):
    with pytest.raises(InvalidInput) as refused:
        reply_to_ticket(actor=technician, ticket=ticket, body_text="Hm.", status_after="later")

    assert "status_after" in refused.value.problems


def test_a_technician_reply_cannot_put_the_ticket_in_rereview(ticket, technician):
    """Only the customer's "not satisfied" (request_rereview) starts a re-review: it is
    what records the satisfaction and picks the second technician."""
    force_status(ticket, Status.OPEN)

    with pytest.raises(InvalidInput) as refused:
        reply_to_ticket(actor=technician, ticket=ticket, body_text="Hm.", status_after="rereview")

    assert "status_after" in refused.value.problems
    assert reload(ticket).status == Status.OPEN


def test_a_technician_reply_counts_one_more_message(ticket, technician):
    reply_to_ticket(actor=technician, ticket=ticket, body_text="Try this.")

    assert reload(ticket).message_count == 2


def test_a_reply_keeps_its_attachments(ticket, technician):
    message = reply_to_ticket(
        actor=technician,
        ticket=ticket,
        body_text="The patch is attached.",
        attachments=[NewAttachment("patch.zip", b"PK\x03\x04", "application/zip")],
    )

    (attachment,) = message.attachments.all()
    assert (attachment.filename, attachment.size) == ("patch.zip", 4)


def test_an_empty_reply_is_refused_naming_the_body(ticket, technician):
    with pytest.raises(InvalidInput) as refused:
        reply_to_ticket(actor=technician, ticket=ticket, body_text="  \n ")

    assert "body" in refused.value.problems


def test_a_reply_with_an_unknown_channel_is_refused_naming_the_field(ticket, technician):
    with pytest.raises(InvalidInput) as refused:
        reply_to_ticket(actor=technician, ticket=ticket, body_text="Hi", channel="pigeon")

    assert "channel" in refused.value.problems


def test_the_system_cannot_reply(ticket):
    with pytest.raises(InvalidInput) as refused:
        reply_to_ticket(actor=SYSTEM, ticket=ticket, body_text="Automatic.")

    assert "actor" in refused.value.problems


def test_a_technician_of_another_team_cannot_reply(ticket, technician_of_another_team):
    with pytest.raises(PermissionDenied):
        reply_to_ticket(actor=technician_of_another_team, ticket=ticket, body_text="Hi")

    assert reload(ticket).message_count == 1


def test_an_inactive_technician_cannot_reply(ticket, technician):
    technician.is_active = False
    technician.save()

    with pytest.raises(PermissionDenied):
        reply_to_ticket(actor=technician, ticket=ticket, body_text="Hi")


def test_a_supervisor_can_reply_to_any_team_ticket(ticket, supervisor):
    message = reply_to_ticket(actor=supervisor, ticket=ticket, body_text="Hello.")

    assert message.author_technician == supervisor
    assert reload(ticket).status == Status.PENDING


def test_any_technician_can_answer_a_ticket_not_yet_routed(customer, technician_of_another_team):
    ticket = make_ticket(requester=customer)

    message = reply_to_ticket(actor=technician_of_another_team, ticket=ticket, body_text="Hi")

    assert message.kind == MessageKind.OUTBOUND


# A customer's reply


def test_a_customer_reply_is_inbound_and_signed_by_them(ticket, customer):
    message = reply_to_ticket(actor=customer, ticket=ticket, body_text="More details.")

    assert message.kind == MessageKind.INBOUND
    assert message.author_contact == customer
    assert message.channel == "email"


@pytest.mark.parametrize("status", [Status.PENDING, Status.SOLVED])
def test_a_customer_reply_reopens_a_ticket_waiting_on_them_or_solved(ticket, customer, status):
    force_status(ticket, status)

    reply_to_ticket(actor=customer, ticket=ticket, body_text="It still crashes.")

    ticket = reload(ticket)
    assert ticket.status == Status.OPEN
    assert ticket.solved_at is None


@pytest.mark.parametrize("status", [Status.NEW, Status.OPEN, Status.REREVIEW])
def test_a_customer_reply_leaves_a_ticket_in_our_hands_as_it_was(ticket, customer, status):
    force_status(ticket, status)

    reply_to_ticket(actor=customer, ticket=ticket, body_text="Any news?")

    assert reload(ticket).status == status


def test_a_customer_reply_records_when_the_customer_last_wrote(ticket, customer, time_machine):
    time_machine.move_to(T2, tick=False)

    reply_to_ticket(actor=customer, ticket=ticket, body_text="Any news?")

    assert reload(ticket).last_customer_message_at == T2


def test_a_customer_cannot_reply_to_a_closed_ticket(ticket, customer):
    force_status(ticket, Status.CLOSED)

    with pytest.raises(InvalidTransition, match="closed; send a new request"):
        reply_to_ticket(actor=customer, ticket=ticket, body_text="Hello?")

    assert Message.objects.filter(ticket=ticket).count() == 1


def test_a_customer_of_another_organization_cannot_reply(ticket, customer_of_another_organization):
    with pytest.raises(PermissionDenied):
        reply_to_ticket(actor=customer_of_another_organization, ticket=ticket, body_text="Hi")

    assert Message.objects.filter(ticket=ticket).count() == 1


def test_a_colleague_who_sees_the_organization_tickets_can_reply(ticket, customer_colleague):
    message = reply_to_ticket(actor=customer_colleague, ticket=ticket, body_text="Me too.")

    assert message.author_contact == customer_colleague


def test_nobody_can_reply_to_a_merged_ticket(customer, team, technician, ticket):
    target = make_ticket(requester=customer, team=team)
    merge_tickets(actor=technician, source=ticket, target=target)

    with pytest.raises(InvalidTransition, match=target.reference):
        reply_to_ticket(actor=technician, ticket=ticket, body_text="Hi")


def test_a_reply_event_records_the_message_and_the_status_change(ticket, technician):
    message = reply_to_ticket(actor=technician, ticket=ticket, body_text="Try this.")

    (replied,) = events_of(ticket, EventKind.REPLIED)
    assert replied.data == {"message": message.pk, "from": "new", "to": "pending"}


# Internal notes


def test_a_technician_note_is_internal_and_leaves_the_status_alone(ticket, technician):
    message = add_note(actor=technician, ticket=ticket, body_text="Known bug 1234.")

    assert message.kind == MessageKind.NOTE
    assert message.author_technician == technician
    ticket = reload(ticket)
    assert ticket.status == Status.NEW
    assert ticket.first_responded_at is None
    assert ticket.message_count == 2


def test_a_customer_cannot_add_a_note(ticket, customer):
    with pytest.raises(PermissionDenied):
        add_note(actor=customer, ticket=ticket, body_text="Psst.")

    assert not Message.objects.filter(kind=MessageKind.NOTE).exists()


def test_a_technician_of_another_team_cannot_add_a_note(ticket, technician_of_another_team):
    with pytest.raises(PermissionDenied):
        add_note(actor=technician_of_another_team, ticket=ticket, body_text="Psst.")


def test_a_note_is_hidden_from_the_customer(ticket, technician, customer):
    add_note(actor=technician, ticket=ticket, body_text="Customer is on an old build.")

    detail = get_ticket_detail(viewer=customer, ticket=ticket)

    assert [m.kind for m in detail.messages] == [MessageKind.INBOUND]


def test_a_note_is_shown_to_technicians(ticket, technician, colleague):
    note = add_note(actor=technician, ticket=ticket, body_text="Customer is on an old build.")

    detail = get_ticket_detail(viewer=colleague, ticket=ticket)

    assert note in detail.messages


# Writing only what changed


def test_saving_the_changed_columns_writes_an_in_place_json_change_and_nothing_else(ticket):
    from supportdesk.tickets.models import Ticket
    from supportdesk.tickets.services.common import field_values, save_changed

    before = field_values(ticket)
    Ticket.objects.filter(pk=ticket.pk).update(subject="Renamed by a supervisor")
    ticket.status = Status.OPEN
    ticket.details["environment"] = "Windows 11"

    save_changed(ticket, before)

    saved = reload(ticket)
    assert saved.status == Status.OPEN
    assert saved.details["environment"] == "Windows 11"
    assert saved.subject == "Renamed by a supervisor"  # not written back from memory


def test_a_customers_reply_writes_the_tickets_new_state(ticket, time_machine):
    messages = force_status(ticket, Status.PENDING).message_count
    time_machine.move_to(T2, tick=False)

    reply_to_ticket(actor=ticket.requester, ticket=ticket, body_text="Still broken.")

    saved = reload(ticket)
    assert (saved.status, saved.last_customer_message_at, saved.updated_at) == (
        Status.OPEN,
        T2,
        T2,
    )
    assert saved.message_count == messages + 1
