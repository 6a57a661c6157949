"""The entitlement check for a request by mail: the ticket is opened, the licence counted,
and the acknowledgement says plainly where the customer stands, in their language."""

from __future__ import annotations

from supportdesk.accounts.models import ContactEmail, License
from supportdesk.channels.email.models import OutboundMail
from supportdesk.plans.entitlement import EntitlementStatus
from supportdesk.tickets.models import Ticket
from tests.factories import ContactFactory, PlanFactory


def request(subject: str, body: str, sender: str = "dev@customer.example") -> bytes:
    return (
        f"From: <{sender}>\r\nTo: support@example.com\r\nSubject: {subject}\r\n"
        f"Message-ID: <{abs(hash((subject, body, sender)))}@customer.example>\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    ).encode()


def acknowledgement(ticket: Ticket) -> str:
    return OutboundMail.objects.get(ticket=ticket, kind=OutboundMail.Kind.ACKNOWLEDGEMENT).body_text


def test_a_licensed_customers_mail_is_counted_and_the_acknowledgement_says_what_remains(
    deliver, free_plan, product
):
    contact = ContactFactory(email="dev@customer.example", language="en")
    licence = License.objects.create(
        organization=contact.organization, product=product, serial="WD-9"
    )

    _, mail = deliver(request("Crash on save", "Fatal error 70012: footer block not found"))

    ticket = Ticket.objects.get(pk=mail.ticket_id)
    licence.refresh_from_db()
    assert ticket.entitlement == EntitlementStatus.ENTITLED
    assert licence.requests_used == 1
    assert "licence WD-9: 14 of its 15 requests remain" in acknowledgement(ticket)
    # A line that reads like an error groups the mail with the same error.
    assert ticket.error_signature


def test_a_used_up_licence_is_told_in_spanish_and_pointed_to_direct_assistance(
    deliver, free_plan, product
):
    PlanFactory(code="direct", is_paid=True, rank=10, sales_contact="+34 900 000 000")
    contact = ContactFactory(email="dev@cliente.example", language="es")
    License.objects.create(
        organization=contact.organization, product=product, serial="WD-7", requests_used=15
    )

    _, mail = deliver(
        request("No guarda", "Hola, el informe no se guarda.", sender="dev@cliente.example")
    )

    ticket = Ticket.objects.get(pk=mail.ticket_id)
    text = acknowledgement(ticket)
    assert ticket.entitlement == EntitlementStatus.NO_REQUESTS_LEFT
    assert "Ha agotado las 15 solicitudes de soporte gratuito de su licencia WD-7" in text
    assert "Asistencia Directa" in text
    assert "+34 900 000 000" in text


def test_an_unknown_sender_is_answered_and_asked_to_register(deliver, free_plan):
    _, mail = deliver(
        request("Bonjour", "Bonjour, je ne trouve pas le menu.", sender="new@prospect.example")
    )

    ticket = Ticket.objects.get(pk=mail.ticket_id)
    assert ContactEmail.objects.filter(address="new@prospect.example").exists()
    assert ticket.entitlement == EntitlementStatus.NO_LICENCE
    assert "Nous n'avons trouvé aucune licence" in acknowledgement(ticket)
