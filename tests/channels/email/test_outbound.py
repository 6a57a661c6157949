"""Outgoing mail through a real SMTP conversation: an aiosmtpd smarthost on a free loopback
port, answering 250, 451 or 550 as a test asks."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from supportdesk.accounts.models import Contact, ContactEmail
from supportdesk.channels.email.acknowledgements import acknowledge_new_request, send_reply_mail
from supportdesk.channels.email.intake import accept_message
from supportdesk.channels.email.models import InboundMail, OutboundMail
from supportdesk.channels.email.outbound import queue_mail, send_outbound
from supportdesk.core.errors import InvalidInput
from supportdesk.plans.models import Plan, SlaTarget
from supportdesk.tickets.models import Attachment, Ticket
from supportdesk.tickets.services import reply_to_ticket
from tests.factories import make_ticket
from tests.sla.conftest import paris

SEND_TASK = "supportdesk.channels.email.tasks.send_outbound_mail"
# Monday 23 November 2026, 10:00 in Paris: a working day; one working day later is the promise.
MONDAY_MORNING = paris(2026, 11, 23, 10, 0)


class Sink:
    """The smarthost: records what it accepts; `answer` is its reply to DATA."""

    def __init__(self) -> None:
        self.answer = "250 2.0.0 Ok: queued"
        self.received: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.answer.startswith("250"):
            self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return self.answer

    def message(self, index: int = 0) -> EmailMessage:
        parsed = message_from_bytes(self.received[index][2], policy=default_policy)
        assert isinstance(parsed, EmailMessage)
        return parsed


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smarthost(settings: Any) -> Iterator[Sink]:
    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    settings.SUPPORTDESK = {
        **settings.SUPPORTDESK,
        "MAIL_DELIVERY": "smtp",
        "SMTP_RELAY": ("127.0.0.1", port),
        "MAIL_FROM": "support@example.com",
        "MAIL_DOMAIN": "mail.supportdesk.test",
        "SMTP_RELAY_USER": "",
        "SMTP_RELAY_STARTTLS": False,
        "MAIL_AUTO_REPLIES_PER_HOUR": 5,
    }
    try:
        yield sink
    finally:
        controller.stop()


@pytest.fixture
def free_plan_targets(free_plan: Plan) -> Plan:
    SlaTarget.objects.create(
        plan=free_plan,
        metric=SlaTarget.Metric.FIRST_RESPONSE,
        unit=SlaTarget.Unit.WORKING_DAYS,
        target=Decimal(1),
        limit=Decimal(2),
    )
    return free_plan


def queue_reply(ticket: Ticket, **overrides: Any) -> OutboundMail:
    fields: dict[str, Any] = {
        "kind": OutboundMail.Kind.NOTICE,
        "to": "dev@customer.example",
        "subject": "About your report",
        "body_text": "Hello,\n\nIt is fixed in version 2026.\n",
        "ticket": ticket,
        "in_reply_to": "<second@customer.example>",
        "references": ["<first@customer.example>"],
        "is_automatic": True,
    }
    fields.update(overrides)
    outbound = queue_mail(**fields)
    assert outbound is not None
    return outbound


def inbound_mail(message_id: str = "question-1@customer.example") -> InboundMail:
    raw = (
        "From: Dev Eloper <dev@customer.example>\r\n"
        "To: support@example.com\r\n"
        f"Message-ID: <{message_id}>\r\n"
        "Subject: The report editor crashes\r\n"
        "\r\n"
        "It crashes.\r\n"
    ).encode()
    mail, _new = accept_message(
        raw, source="smtp", envelope_from="dev@customer.example", envelope_to=["support@x"]
    )
    return mail


def send_tasks() -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path=SEND_TASK).order_by("enqueued_at"))


def test_a_queued_mail_has_its_send_task_in_the_mail_queue(smarthost, ticket):
    outbound = queue_reply(ticket)
    (task,) = send_tasks()
    assert task.queue_name == "mail"
    assert task.args_kwargs["kwargs"] == {"outbound_id": outbound.pk}
    assert outbound.status == OutboundMail.Status.QUEUED


def test_a_mail_is_sent_with_threading_headers_and_the_reference(smarthost, ticket):
    outbound = queue_reply(ticket)
    assert send_outbound(outbound_id=outbound.pk) == "sent"
    outbound.refresh_from_db()
    assert outbound.status == OutboundMail.Status.SENT
    assert outbound.sent_at is not None
    (envelope_from, recipients, _raw) = smarthost.received[0]
    assert envelope_from == "support@example.com"
    assert recipients == ["dev@customer.example"]
    sent = smarthost.message()
    assert sent["Message-ID"] == f"<{outbound.message_id}>"
    assert sent["Message-ID"].endswith("@mail.supportdesk.test>")
    assert sent["In-Reply-To"] == "<second@customer.example>"
    assert sent["References"] == "<first@customer.example> <second@customer.example>"
    assert sent["Auto-Submitted"] == "auto-replied"
    assert sent["Subject"] == f"[{ticket.reference}] About your report"
    assert sent["From"] == "support@example.com"
    assert sent["Date"]
    assert "It is fixed in version 2026." in sent.get_content()


def test_a_reply_by_a_person_carries_no_auto_submitted_header(smarthost, ticket):
    outbound = queue_reply(ticket, is_automatic=False, kind=OutboundMail.Kind.REPLY)
    send_outbound(outbound_id=outbound.pk)
    assert smarthost.message()["Auto-Submitted"] is None


def test_a_temporary_refusal_is_retried_later_with_a_deferred_task(smarthost, ticket):
    smarthost.answer = "451 4.3.0 Try again later"
    outbound = queue_reply(ticket)
    outcome = send_outbound(outbound_id=outbound.pk)
    assert outcome.startswith("retrying")
    outbound.refresh_from_db()
    assert outbound.status == OutboundMail.Status.RETRYING
    assert outbound.attempts == 1
    assert "451" in outbound.last_error
    assert outbound.next_attempt_at > timezone.now() + timedelta(seconds=50)
    _first, retry = send_tasks()
    assert retry.run_after == outbound.next_attempt_at
    assert retry.args_kwargs["kwargs"] == {"outbound_id": outbound.pk}
    assert smarthost.received == []


def test_a_retried_mail_is_not_sent_before_it_is_due(smarthost, ticket):
    smarthost.answer = "451 4.3.0 Try again later"
    outbound = queue_reply(ticket)
    send_outbound(outbound_id=outbound.pk)
    smarthost.answer = "250 2.0.0 Ok"
    assert send_outbound(outbound_id=outbound.pk).startswith("skipped")
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        assert send_outbound(outbound_id=outbound.pk) == "sent"
    assert len(smarthost.received) == 1


def test_the_back_off_doubles_up_to_an_hour(smarthost, ticket):
    smarthost.answer = "451 4.3.0 Try again later"
    outbound = queue_reply(ticket)
    delays = []
    at = timezone.now()
    for _attempt in range(9):
        with time_machine.travel(at, tick=False):
            send_outbound(outbound_id=outbound.pk)
        outbound.refresh_from_db()
        delays.append(round((outbound.next_attempt_at - at).total_seconds() / 60))
        at = outbound.next_attempt_at
    assert delays == [1, 2, 4, 8, 16, 32, 60, 60, 60]


def test_a_mail_refused_for_five_days_fails(smarthost, ticket):
    smarthost.answer = "451 4.3.0 Try again later"
    outbound = queue_reply(ticket)
    OutboundMail.objects.filter(pk=outbound.pk).update(
        created_at=timezone.now() - timedelta(days=5), attempts=200
    )
    assert send_outbound(outbound_id=outbound.pk).startswith("failed")
    outbound.refresh_from_db()
    assert outbound.status == OutboundMail.Status.FAILED
    assert outbound.last_error.startswith("gave up: 451")


def test_a_permanent_refusal_is_recorded_as_a_bounce(smarthost, ticket, customer: Contact):
    smarthost.answer = "550 5.1.1 No such user"
    outbound = queue_reply(ticket)
    assert send_outbound(outbound_id=outbound.pk).startswith("failed")
    outbound.refresh_from_db()
    assert outbound.status == OutboundMail.Status.FAILED
    assert outbound.last_error == "bounced: 550 5.1.1 No such user"
    assert len(send_tasks()) == 1  # no retry
    address = ContactEmail.objects.get(contact=customer)
    assert address.failing_since is not None


def test_an_unreachable_smarthost_is_retried(smarthost, ticket, settings):
    settings.SUPPORTDESK = {**settings.SUPPORTDESK, "SMTP_RELAY": ("127.0.0.1", free_port())}
    outbound = queue_reply(ticket)
    assert send_outbound(outbound_id=outbound.pk).startswith("retrying")
    outbound.refresh_from_db()
    assert outbound.status == OutboundMail.Status.RETRYING
    assert "ConnectionRefusedError" in outbound.last_error


def test_sending_the_same_row_twice_sends_it_once(smarthost, ticket):
    outbound = queue_reply(ticket)
    assert send_outbound(outbound_id=outbound.pk) == "sent"
    assert send_outbound(outbound_id=outbound.pk).startswith("skipped")
    assert len(smarthost.received) == 1
    outbound.refresh_from_db()
    assert outbound.attempts == 1


def test_a_line_break_in_a_subject_cannot_add_a_header(smarthost, ticket):
    outbound = queue_reply(
        ticket, subject="Hello\r\nBcc: victim@evil.example\nX-Injected: yes\u2028Z: 1"
    )
    send_outbound(outbound_id=outbound.pk)
    (_sender, recipients, raw) = smarthost.received[0]
    assert recipients == ["dev@customer.example"]
    header_names = [
        line.split(b":", 1)[0].lower() for line in raw.split(b"\r\n\r\n")[0].split(b"\r\n")
    ]
    assert b"bcc" not in header_names
    assert b"x-injected" not in header_names
    sent = smarthost.message()
    assert sent["Bcc"] is None
    assert sent["Subject"] == (
        f"[{ticket.reference}] Hello Bcc: victim@evil.example X-Injected: yes Z: 1"
    )


def test_a_line_break_in_an_address_or_an_id_is_refused_or_dropped(smarthost, ticket):
    with pytest.raises(InvalidInput):
        queue_reply(ticket, to="dev@customer.example\r\nBcc: victim@evil.example")
    outbound = queue_reply(ticket, in_reply_to="<a@b>\r\nBcc: victim@evil.example", references=[])
    assert outbound.in_reply_to == ""
    send_outbound(outbound_id=outbound.pk)
    assert smarthost.message()["Bcc"] is None


@pytest.mark.parametrize(
    ("language", "promise"),
    [
        ("en", "We will answer by Tuesday 24 November, 10:00 (Paris time)."),
        ("es", "Le responderemos antes del martes 24 de noviembre, 10:00 (hora de París)."),
        ("fr", "Nous vous répondrons avant le mardi 24 novembre, 10:00 (heure de Paris)."),
    ],
)
def test_a_new_request_is_acknowledged_in_the_ticket_language(
    smarthost, customer, team, free_plan_targets, language, promise
):
    with time_machine.travel(MONDAY_MORNING, tick=False):
        ticket = make_ticket(requester=customer, team=team, language=language)
        inbound = inbound_mail()
        outbound = acknowledge_new_request(
            ticket=ticket, inbound=inbound, to_address="dev@customer.example"
        )
        assert outbound is not None
        assert send_outbound(outbound_id=outbound.pk) == "sent"
    sent = smarthost.message()
    body = sent.get_content()
    assert ticket.reference in body
    assert promise in body
    assert sent["Subject"].startswith(f"[{ticket.reference}] ")
    assert sent["In-Reply-To"] == "<question-1@customer.example>"
    assert sent["Auto-Submitted"] == "auto-replied"
    assert outbound.kind == OutboundMail.Kind.ACKNOWLEDGEMENT


def test_an_acknowledgement_lists_removed_attachments_and_the_plan_notice(
    smarthost, customer, team, free_plan_targets
):
    with time_machine.travel(MONDAY_MORNING, tick=False):
        ticket = make_ticket(requester=customer, team=team, language="en")
        Ticket.objects.filter(pk=ticket.pk).update(plan_notice="subscription_expired")
        ticket.refresh_from_db()
        Attachment.objects.create(
            message=ticket.messages.get(),
            filename="capture.mp4",
            size=12_000_000,
            sha256="0" * 64,
            removed_reason="larger than 9 MB",
        )
        outbound = acknowledge_new_request(ticket=ticket, inbound=inbound_mail())
    assert outbound is not None
    assert "- capture.mp4 (12.0 MB)" in outbound.body_text
    assert "ask for an upload link" in outbound.body_text
    assert "subscription has expired" in outbound.body_text
    assert "request tool" in outbound.body_text
    assert outbound.to_address == "dev@customer.example"


def test_mail_from_the_null_sender_is_not_acknowledged(smarthost, ticket):
    inbound = inbound_mail()
    InboundMail.objects.filter(pk=inbound.pk).update(envelope_from="")
    inbound.refresh_from_db()
    assert acknowledge_new_request(ticket=ticket, inbound=inbound) is None
    assert not OutboundMail.objects.exists()


def test_the_sixth_automatic_mail_in_an_hour_to_one_address_is_not_sent(smarthost, ticket):
    inbound = inbound_mail()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        sent = [acknowledge_new_request(ticket=ticket, inbound=inbound) for _ in range(5)]
        assert all(outbound is not None for outbound in sent)
        assert acknowledge_new_request(ticket=ticket, inbound=inbound) is None
        # Case does not dodge the cap; a person's reply is not capped.
        assert (
            queue_mail(
                kind="notice",
                to="DEV@customer.example",
                subject="x",
                body_text="x",
                is_automatic=True,
            )
            is None
        )
        assert queue_reply(ticket, is_automatic=False) is not None
    with time_machine.travel(start + timedelta(hours=1, minutes=1), tick=False):
        assert acknowledge_new_request(ticket=ticket, inbound=inbound) is not None


def test_a_technician_reply_is_mailed_once_threaded_on_the_last_customer_mail(
    smarthost, ticket, technician
):
    first = inbound_mail("first@customer.example")
    second = inbound_mail("second@customer.example")
    InboundMail.objects.filter(pk__in=[first.pk, second.pk]).update(ticket=ticket)
    message = reply_to_ticket(actor=technician, ticket=ticket, body_text="Fixed in 2026.")
    outbound = send_reply_mail(message=message)
    assert outbound is not None
    assert send_reply_mail(message=message) == outbound
    assert OutboundMail.objects.count() == 1
    assert send_outbound(outbound_id=outbound.pk) == "sent"
    sent = smarthost.message()
    assert sent["To"] == "dev@customer.example"
    assert sent["In-Reply-To"] == "<second@customer.example>"
    assert sent["References"] == "<first@customer.example> <second@customer.example>"
    assert sent["Auto-Submitted"] is None
    assert sent["Subject"] == f"[{ticket.reference}] {ticket.subject}"
    assert "Fixed in 2026." in sent.get_content()


def test_only_a_technician_answer_is_mailed_as_a_reply(ticket):
    with pytest.raises(InvalidInput):
        send_reply_mail(message=ticket.messages.get())


def test_a_mail_whose_send_task_was_lost_is_enqueued_again_once(customer, team):
    from datetime import timedelta

    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from supportdesk.channels.email.outbound import requeue_stalled_outbound

    ticket = make_ticket(requester=customer, team=team)
    outbound = queue_mail(
        ticket=ticket,
        kind=OutboundMail.Kind.NOTICE,
        to="dev@customer.example",
        subject="Notice",
        body_text="Hello",
    )
    assert outbound is not None
    DBTaskResult.objects.filter(task_path__endswith="send_outbound_mail").delete()
    OutboundMail.objects.filter(pk=outbound.pk).update(
        status=OutboundMail.Status.SENDING, next_attempt_at=timezone.now() - timedelta(minutes=20)
    )

    assert requeue_stalled_outbound() == 1
    assert requeue_stalled_outbound() == 0
    tasks = DBTaskResult.objects.filter(task_path__endswith="send_outbound_mail")
    assert [t.args_kwargs["kwargs"]["outbound_id"] for t in tasks] == [outbound.pk]
