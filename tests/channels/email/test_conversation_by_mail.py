"""A whole conversation by mail: the request, our acknowledgement, a technician's answer,
and the customer's reply to that answer, threaded by the headers of the mail we sent."""

from __future__ import annotations

from supportdesk.channels.email.models import OutboundMail
from supportdesk.tickets.choices import MessageKind
from supportdesk.tickets.models import Ticket
from supportdesk.tickets.services import assign_ticket, reply_to_ticket


def request(message_id: str, subject: str, headers: str = "", body: str = "It crashes.") -> bytes:
    return (
        f"From: Dev Eloper <dev@customer.example>\r\n"
        f"To: support@example.com\r\n"
        f"Subject: {subject}\r\n"
        f"Message-ID: <{message_id}>\r\n"
        f"{headers}"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    ).encode()


def test_a_new_request_by_mail_is_acknowledged_with_its_reference(deliver, free_plan):
    outcome, mail = deliver(request("first@customer.example", "Report editor crash"))
    ticket = Ticket.objects.get(pk=mail.ticket_id)
    (ack,) = OutboundMail.objects.filter(ticket=ticket)
    assert outcome == f"opened {ticket.reference}"
    assert ack.kind == OutboundMail.Kind.ACKNOWLEDGEMENT
    assert ack.to_address == "dev@customer.example"
    assert ack.in_reply_to == "first@customer.example"
    assert ticket.reference in ack.subject
    assert ticket.reference in ack.body_text


def test_an_auto_reply_is_never_acknowledged(deliver, free_plan):
    deliver(request("ooo@customer.example", "Out of office", "Auto-Submitted: auto-replied\r\n"))
    assert not OutboundMail.objects.exists()


def test_a_technician_answer_goes_out_by_mail_and_the_reply_to_it_lands_on_the_ticket(
    deliver, free_plan, technician, team
):
    _, mail = deliver(request("first@customer.example", "Report editor crash"))
    ticket = Ticket.objects.get(pk=mail.ticket_id)
    ticket.team = team
    ticket.save()
    assign_ticket(actor=technician, ticket=ticket, assignee=technician)
    answer = reply_to_ticket(actor=technician, ticket=ticket, body_text="Update to 2026.")
    sent = OutboundMail.objects.get(ticket_message=answer)
    assert sent.kind == OutboundMail.Kind.REPLY
    assert sent.to_address == "dev@customer.example"

    # The customer's client keeps only our Message-ID, and drops the reference from the subject.
    outcome, reply = deliver(
        request(
            "second@customer.example",
            "Re: your answer",
            f"In-Reply-To: <{sent.message_id}>\r\n",
            body="Still crashes after the update.",
        )
    )
    assert outcome == f"replied {ticket.reference}"
    assert reply.ticket_id == ticket.pk
    kinds = list(ticket.messages.order_by("id").values_list("kind", flat=True))
    assert kinds == [MessageKind.INBOUND, MessageKind.OUTBOUND, MessageKind.INBOUND]
