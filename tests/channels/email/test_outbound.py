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
from supportdesk.channels.email.outbound import queue_mail, send_outbound, send_outbound_rows
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
        # The SMTP sessions (connections) that carried a mail.
        self.sessions: set[int] = set()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.sessions.add(id(session))
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


# -- a sender killed mid-send -----------------------------------------------------------------


def test_a_row_left_sending_is_resent_with_the_same_message_id_once_its_lease_runs_out(
    smarthost, ticket, settings, caplog
):
    settings.SUPPORTDESK = {**settings.SUPPORTDESK, "MAIL_SENDING_LEASE_SECONDS": 30}
    outbound = queue_reply(ticket)
    start = timezone.now()
    # A sender claimed the row and was killed before it recorded the outcome.
    OutboundMail.objects.filter(pk=outbound.pk).update(
        status=OutboundMail.Status.SENDING,
        attempts=1,
        next_attempt_at=start + timedelta(seconds=30),
    )
    with time_machine.travel(start + timedelta(seconds=29), tick=False):
        assert send_outbound(outbound_id=outbound.pk).startswith("skipped")
    with time_machine.travel(start + timedelta(seconds=31), tick=False):
        assert send_outbound(outbound_id=outbound.pk) == "sent"
    assert len(smarthost.received) == 1
    assert smarthost.message()["Message-ID"] == f"<{outbound.message_id}>"
    assert "an earlier send was interrupted" in caplog.text
    outbound.refresh_from_db()
    assert (outbound.status, outbound.attempts) == (OutboundMail.Status.SENT, 2)


def test_the_row_is_marked_sent_before_the_smarthost_is_told_goodbye(
    smarthost, ticket, monkeypatch
):
    # The row's status when QUIT goes out: "sent" is recorded right after the 250 to DATA,
    # so a sender killed during QUIT (or a smarthost that never answers it) sends nothing twice.
    import smtplib

    seen: list[str] = []
    quit_for_real = smtplib.SMTP.quit

    def quit_and_look(self: smtplib.SMTP) -> Any:
        seen.append(OutboundMail.objects.values_list("status", flat=True).get())
        return quit_for_real(self)

    monkeypatch.setattr(smtplib.SMTP, "quit", quit_and_look)
    outbound = queue_reply(ticket)
    assert send_outbound(outbound_id=outbound.pk) == "sent"
    assert seen == [OutboundMail.Status.SENT]


# -- file delivery: no smarthost set ----------------------------------------------------------


@pytest.fixture
def file_delivery(settings, tmp_path) -> Any:
    outbox = tmp_path / "outbox"
    settings.SUPPORTDESK = {
        **settings.SUPPORTDESK,
        "MAIL_DELIVERY": "file",
        "MAIL_OUTBOX_DIR": outbox,
        "MAIL_DOMAIN": "mail.supportdesk.test",
    }
    return outbox


def test_with_file_delivery_each_mail_is_one_eml_file_and_nothing_is_retried(
    file_delivery, ticket, caplog
):
    from supportdesk.channels.email import outbound as outbound_module

    outbound_module._told_about_file_delivery = False
    first = queue_reply(ticket)
    second = queue_reply(ticket, subject="Second")
    assert send_outbound(outbound_id=first.pk).startswith("written to ")
    assert send_outbound(outbound_id=second.pk).startswith("written to ")
    assert send_outbound(outbound_id=first.pk).startswith("skipped")
    files = sorted(file_delivery.glob("*.eml"))
    assert len(files) == 2
    assert not list(file_delivery.glob(".*"))  # no partial file left behind
    written = message_from_bytes(files[0].read_bytes(), policy=default_policy)
    assert written["Message-ID"] == f"<{first.message_id}>"
    assert written["To"] == "dev@customer.example"
    assert "It is fixed in version 2026." in written.get_body().get_content()
    for row in (first, second):
        row.refresh_from_db()
        assert row.status == OutboundMail.Status.SENT
    assert len(send_tasks()) == 2  # no retry scheduled
    # One line says where the mail went and how to send it for real, not one per mail.
    told = [r.getMessage() for r in caplog.records if "SUPPORTDESK_SMTP_RELAY" in r.getMessage()]
    assert len(told) == 1
    assert str(file_delivery) in told[0]


def test_an_unwritable_outbox_is_retried_not_lost(file_delivery, ticket):
    file_delivery.parent.mkdir(parents=True, exist_ok=True)
    file_delivery.write_text("a file where the folder should be")
    outbound = queue_reply(ticket)
    assert send_outbound(outbound_id=outbound.pk).startswith("retrying")
    outbound.refresh_from_db()
    assert outbound.status == OutboundMail.Status.RETRYING
    assert str(file_delivery) in outbound.last_error


def test_file_delivery_is_the_default_without_a_smarthost_and_smtp_with_one(tmp_path):
    import subprocess
    import sys

    code = "from django.conf import settings; print(settings.SUPPORTDESK['MAIL_DELIVERY'])"
    env = {
        k: v
        for k, v in __import__("os").environ.items()
        if not k.startswith(("SUPPORTDESK_", "DATABASE_"))
    }
    env.update(DJANGO_SETTINGS_MODULE="config.settings", SUPPORTDESK_DATA_DIR=str(tmp_path))
    setup = f"import django; django.setup(); {code}"
    plain = subprocess.run(
        [sys.executable, "-c", setup], env=env, capture_output=True, text=True, check=True
    )
    relayed = subprocess.run(
        [sys.executable, "-c", setup],
        env={**env, "SUPPORTDESK_SMTP_RELAY": "mail.example.com:587"},
        capture_output=True,
        text=True,
        check=True,
    )
    wrong = subprocess.run(
        [sys.executable, "-c", setup],
        env={**env, "SUPPORTDESK_MAIL_DELIVERY": "pigeon"},
        capture_output=True,
        text=True,
    )
    assert plain.stdout.strip() == "file"
    assert relayed.stdout.strip() == "smtp"
    assert wrong.returncode != 0
    assert "SUPPORTDESK_MAIL_DELIVERY" in wrong.stderr


# -- a technician's reply carries its files ---------------------------------------------------


def test_a_reply_is_mailed_with_its_attachments(smarthost, ticket, technician):
    from supportdesk.tickets.services import NewAttachment

    log = b"2026-11-26 10:00 crash in report.dll\n" * 100
    png = bytes(range(256)) * 40
    message = reply_to_ticket(
        actor=technician,
        ticket=ticket,
        body_text="Here is the patched file and the log.",
        attachments=[
            NewAttachment(filename="crash.log", content=log, content_type="text/plain"),
            NewAttachment(filename="screen été.png", content=png, content_type="image/png"),
        ],
    )
    outbound = send_reply_mail(message=message)
    assert outbound is not None
    assert send_outbound(outbound_id=outbound.pk) == "sent"
    sent = smarthost.message()
    files = {part.get_filename(): part for part in sent.iter_attachments()}
    assert set(files) == {"crash.log", "screen été.png"}
    assert files["crash.log"].get_content_type() == "text/plain"
    assert files["crash.log"].get_content().encode() == log
    assert files["screen été.png"].get_content_type() == "image/png"
    assert files["screen été.png"].get_content() == png
    assert "Here is the patched file" in sent.get_body(("plain",)).get_content()
    assert "too large" not in sent.get_body(("plain",)).get_content()


def test_files_past_the_cap_are_listed_in_the_reply_not_attached(
    smarthost, ticket, technician, settings
):
    from supportdesk.tickets.services import NewAttachment

    settings.SUPPORTDESK = {**settings.SUPPORTDESK, "MAIL_REPLY_ATTACHMENTS_MAX_BYTES": 5000}
    message = reply_to_ticket(
        actor=technician,
        ticket=ticket,
        body_text="Two files.",
        attachments=[
            NewAttachment(filename="small.txt", content=b"s" * 3000, content_type="text/plain"),
            NewAttachment(filename="big.zip", content=b"b" * 3000),
        ],
    )
    outbound = send_reply_mail(message=message)
    assert outbound is not None
    send_outbound(outbound_id=outbound.pk)
    sent = smarthost.message()
    assert [part.get_filename() for part in sent.iter_attachments()] == ["small.txt"]
    body = sent.get_body(("plain",)).get_content()
    assert "These files are too large to be sent by mail" in body
    assert "- big.zip (3 KB)" in body
    assert "small.txt" not in body


def test_a_reply_whose_file_cannot_be_read_is_retried_not_lost(smarthost, ticket, technician):
    from supportdesk.tickets.services import NewAttachment

    message = reply_to_ticket(
        actor=technician,
        ticket=ticket,
        body_text="The file.",
        attachments=[NewAttachment(filename="patch.zip", content=b"PK" * 100)],
    )
    blob = message.attachments.get().blob
    assert blob is not None
    blob.content.storage.delete(blob.content.name)
    outbound = send_reply_mail(message=message)
    assert outbound is not None
    assert send_outbound(outbound_id=outbound.pk).startswith("retrying")
    outbound.refresh_from_db()
    assert outbound.status == OutboundMail.Status.RETRYING
    assert "cannot read an attachment" in outbound.last_error
    assert smarthost.received == []


def test_a_file_removed_on_arrival_is_not_attached_to_a_reply(smarthost, ticket, technician):
    message = reply_to_ticket(actor=technician, ticket=ticket, body_text="See above.")
    Attachment.objects.create(
        message=message, filename="gone.mp4", size=12_000_000, sha256="0" * 64, removed_reason="x"
    )
    outbound = send_reply_mail(message=message)
    assert outbound is not None
    send_outbound(outbound_id=outbound.pk)
    assert list(smarthost.message().iter_attachments()) == []


# -- mail whose processing task was lost ------------------------------------------------------


PROCESS_TASK = "supportdesk.channels.email.tasks.process_inbound_mail"


def test_a_mail_whose_worker_was_killed_is_enqueued_again_once(db, settings):
    from supportdesk.channels.email.recovery import requeue_stalled_inbound

    settings.SUPPORTDESK = {**settings.SUPPORTDESK, "MAIL_STALLED_AFTER_SECONDS": 60}
    killed = inbound_mail("killed@customer.example")
    backlog = inbound_mail("backlog@customer.example")
    fresh = inbound_mail("fresh@customer.example")
    long_ago = timezone.now() - timedelta(minutes=10)
    InboundMail.objects.filter(pk__in=[killed.pk, backlog.pk]).update(received_at=long_ago)
    # The killed worker's task: claimed ten minutes ago, never finished.
    DBTaskResult.objects.filter(
        task_path=PROCESS_TASK, args_kwargs__kwargs__mail_id=killed.pk
    ).update(status="RUNNING", started_at=long_ago)

    assert requeue_stalled_inbound() == 1
    assert requeue_stalled_inbound() == 0  # its new task is waiting now
    waiting = DBTaskResult.objects.filter(task_path=PROCESS_TASK, status="READY")
    assert sorted(t.args_kwargs["kwargs"]["mail_id"] for t in waiting) == sorted(
        [killed.pk, backlog.pk, fresh.pk]
    )


def test_supportdesk_run_says_where_outgoing_mail_goes(settings, tmp_path):
    import io

    from supportdesk.cli.processes import print_welcome

    settings.SUPPORTDESK = {
        **settings.SUPPORTDESK,
        "MAIL_DELIVERY": "file",
        "MAIL_OUTBOX_DIR": tmp_path / "outbox",
    }
    out = io.StringIO()
    print_welcome(bind="127.0.0.1:8000", accounts=None, out=out)
    assert (
        f"Mail out: written to {tmp_path / 'outbox'} as .eml files, not sent "
        "(set SUPPORTDESK_SMTP_RELAY=host:port to send it)"
    ) in out.getvalue()

    settings.SUPPORTDESK = {
        **settings.SUPPORTDESK,
        "MAIL_DELIVERY": "smtp",
        "SMTP_RELAY": ("smtp.example.com", 587),
    }
    out = io.StringIO()
    print_welcome(bind="127.0.0.1:8000", accounts=None, out=out)
    assert "Mail out: sent through the smarthost smtp.example.com:587" in out.getvalue()


# -- service-level alerts to technicians ------------------------------------------------------


def test_a_warning_mails_the_assignee_and_a_breach_the_lead_and_the_assignee_once(
    smarthost, customer, team, technician, free_plan_targets
):
    from supportdesk.tickets.models import Deadline
    from supportdesk.tickets.services import assign_ticket
    from supportdesk.tickets.services.escalation import check_deadline
    from tests.factories import TechnicianFactory

    lead = TechnicianFactory(display_name="Team Lead", teams=[team])
    team.lead = lead
    team.save()
    with time_machine.travel(MONDAY_MORNING, tick=False):
        ticket = make_ticket(requester=customer, team=team)
        assign_ticket(actor=technician, ticket=ticket, assignee=technician)
    deadline = Deadline.objects.get(ticket=ticket, stopped_at__isnull=True)
    notices = OutboundMail.objects.filter(kind=OutboundMail.Kind.NOTICE)

    with time_machine.travel(deadline.warn_at, tick=False):
        assert check_deadline(deadline_id=deadline.pk) == ["warned"]
    (warning,) = notices
    assert warning.to_address == technician.user.email
    assert warning.subject == f"[{ticket.reference}] Due soon: First response, {ticket.subject}"
    assert "due by Tuesday 24 November 2026, 10:00" in warning.body_text

    with time_machine.travel(deadline.breach_at, tick=False):
        assert check_deadline(deadline_id=deadline.pk) == ["escalated"]
        assert check_deadline(deadline_id=deadline.pk) == []
    escalations = notices.exclude(pk=warning.pk).order_by("id")
    assert sorted(mail.to_address for mail in escalations) == sorted(
        [lead.user.email, technician.user.email]
    )
    assert all("Escalated: First response overdue" in mail.subject for mail in escalations)
    assert send_outbound(outbound_id=escalations[0].pk) == "sent"
    sent = smarthost.message()
    assert "the ticket is escalated to you" in sent.get_content()
    # Machine-made, so no out-of-office answers it; but not an automatic answer to a customer,
    # so the hourly cap on those does not hold it back.
    assert sent["Auto-Submitted"] == "auto-generated"
    assert sent["X-Auto-Response-Suppress"] == "All"


def test_a_technician_without_an_address_gets_no_alert_and_the_check_goes_on(
    smarthost, customer, team, technician, free_plan_targets
):
    from supportdesk.tickets.models import Deadline
    from supportdesk.tickets.services import assign_ticket
    from supportdesk.tickets.services.escalation import check_deadline

    technician.user.email = ""
    technician.user.save()
    with time_machine.travel(MONDAY_MORNING, tick=False):
        ticket = make_ticket(requester=customer, team=team)
        assign_ticket(actor=technician, ticket=ticket, assignee=technician)
    deadline = Deadline.objects.get(ticket=ticket, stopped_at__isnull=True)
    with time_machine.travel(deadline.warn_at, tick=False):
        assert check_deadline(deadline_id=deadline.pk) == ["warned"]
    assert not OutboundMail.objects.filter(kind=OutboundMail.Kind.NOTICE).exists()


def test_a_batch_of_rows_goes_over_one_connection_and_each_row_keeps_its_own_outcome(
    smarthost, ticket
):
    rows = [queue_reply(ticket, to=f"customer-{n}@customer.example") for n in range(3)]
    refused = queue_reply(ticket, to="gone@customer.example")
    sent_before = queue_reply(ticket, to="early@customer.example")
    send_outbound(outbound_id=sent_before.pk)
    smarthost.sessions.clear()

    async def handle_RCPT(server: Any, session: Any, envelope: Any, address: str, options: Any):
        if address.startswith("gone@"):
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    smarthost.handle_RCPT = handle_RCPT  # type: ignore[attr-defined]

    outcomes = send_outbound_rows([rows[0].pk, refused.pk, rows[1].pk, sent_before.pk, rows[2].pk])

    assert outcomes[0] == outcomes[2] == outcomes[4] == "sent"
    assert outcomes[1].startswith("failed: ")
    assert outcomes[3] == "skipped: not due, or sent by another run"
    assert len(smarthost.sessions) == 1  # one connection for the three mails sent
    assert sorted(to for _sender, [to], _raw in smarthost.received[1:]) == sorted(
        f"customer-{n}@customer.example" for n in range(3)
    )
    refused.refresh_from_db()
    assert refused.status == OutboundMail.Status.FAILED
