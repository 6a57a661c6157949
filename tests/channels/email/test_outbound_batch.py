"""A batch of outbox rows sent by one run: claimed at once, one statement per row, each
row's own outcome; and what a sender killed mid-batch leaves behind."""

from __future__ import annotations

import smtplib
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from supportdesk.accounts.models import Contact, ContactEmail
from supportdesk.channels.email import tasks as mail_tasks
from supportdesk.channels.email.models import OutboundMail
from supportdesk.channels.email.outbound import send_outbound, send_outbound_rows
from tests.channels.email import test_outbound
from tests.channels.email.test_outbound import SEND_TASK, Sink, queue_reply

# test_outbound's smarthost (an aiosmtpd sink on a free loopback port), as a fixture here.
smarthost = test_outbound.smarthost


def refuse(sink: Sink, answers: dict[str, str]) -> None:
    """The smarthost answers RCPT TO for these local parts with these codes."""

    async def handle_RCPT(
        server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        for local_part, answer in answers.items():
            if address.startswith(f"{local_part}@"):
                return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    sink.handle_RCPT = handle_RCPT  # type: ignore[attr-defined]


def test_one_send_task_records_a_bounce_a_deferral_and_a_delivery_each_on_its_row(
    smarthost: Sink, ticket: Any, customer: Contact
) -> None:
    bounced = queue_reply(ticket, to="dev@customer.example")  # the customer's own address
    deferred = queue_reply(ticket, to="later@customer.example")
    delivered = queue_reply(ticket, to="fine@customer.example")
    refuse(smarthost, {"dev": "550 5.1.1 No such user", "later": "451 4.7.1 Greylisted"})

    result = mail_tasks.send_outbound_mails.call(
        outbound_ids=[bounced.pk, deferred.pk, delivered.pk]
    )

    assert result[0] == "failed: dev@customer.example: 550 5.1.1 No such user"
    assert result[1].startswith("retrying at ")
    assert result[2] == "sent"
    for row in (bounced, deferred, delivered):
        row.refresh_from_db()
    assert (bounced.status, bounced.attempts, bounced.sent_at) == ("failed", 1, None)
    assert bounced.last_error == "bounced: dev@customer.example: 550 5.1.1 No such user"
    assert ContactEmail.objects.get(contact=customer).failing_since is not None
    assert (deferred.status, deferred.attempts) == ("retrying", 1)
    assert deferred.last_error == "later@customer.example: 451 4.7.1 Greylisted"
    assert deferred.next_attempt_at > timezone.now() + timedelta(seconds=50)
    retry = DBTaskResult.objects.get(
        task_path=SEND_TASK,
        args_kwargs__kwargs__outbound_id=deferred.pk,
        run_after=deferred.next_attempt_at,
    )
    assert retry.status == "READY"
    assert (delivered.status, delivered.attempts, delivered.last_error) == ("sent", 1, "")
    assert delivered.sent_at is not None
    assert [to for _sender, [to], _raw in smarthost.received] == ["fine@customer.example"]


def test_a_batch_costs_one_statement_a_row_and_one_to_claim_them(
    smarthost: Sink, ticket: Any
) -> None:
    rows = [queue_reply(ticket, to=f"customer-{n}@customer.example") for n in range(5)]
    with CaptureQueriesContext(connection) as queries:
        assert send_outbound_rows([row.pk for row in rows]) == ["sent"] * 5
    statements = [query["sql"] for query in queries.captured_queries]
    assert len(statements) == 6, statements
    assert "RETURNING" in statements[0]
    assert not any("tickets_attachment" in sql for sql in statements)  # no files to look for
    assert len(smarthost.received) == 5


def test_each_row_of_a_batch_has_its_attempt_counted_before_it_is_sent(
    smarthost: Sink, ticket: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [queue_reply(ticket, to=f"customer-{n}@customer.example") for n in range(3)]
    seen: list[list[tuple[str, int]]] = []
    send_for_real = smtplib.SMTP.sendmail

    def look_then_send(self: smtplib.SMTP, *args: Any, **kwargs: Any) -> Any:
        seen.append(list(OutboundMail.objects.order_by("id").values_list("status", "attempts")))
        return send_for_real(self, *args, **kwargs)

    monkeypatch.setattr(smtplib.SMTP, "sendmail", look_then_send)
    send_outbound_rows([row.pk for row in rows])
    # While a row is sent, the rows after it are held ("sending") but not yet tried.
    assert seen == [
        [("sending", 1), ("sending", 0), ("sending", 0)],
        [("sent", 1), ("sending", 1), ("sending", 0)],
        [("sent", 1), ("sent", 1), ("sending", 1)],
    ]


class Killed(BaseException):
    """What SIGKILL does to the sender, as far as the database can tell: it stops."""


def test_a_sender_killed_mid_batch_leaves_untried_rows_to_be_sent_once_after_the_lease(
    smarthost: Sink, ticket: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.SUPPORTDESK = {**settings.SUPPORTDESK, "MAIL_SENDING_LEASE_SECONDS": 30}
    rows = [queue_reply(ticket, to=f"customer-{n}@customer.example") for n in range(3)]
    send_for_real = smtplib.SMTP.sendmail
    calls = 0

    def killed_at_the_second(self: smtplib.SMTP, *args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise Killed
        return send_for_real(self, *args, **kwargs)

    monkeypatch.setattr(smtplib.SMTP, "sendmail", killed_at_the_second)
    start = timezone.now()
    with time_machine.travel(start, tick=False), pytest.raises(Killed):
        send_outbound_rows([row.pk for row in rows])
    monkeypatch.setattr(smtplib.SMTP, "sendmail", send_for_real)
    left = list(OutboundMail.objects.order_by("id").values_list("status", "attempts"))
    # The third row was never tried: held by the claim, its attempt not counted.
    assert left == [("sent", 1), ("sending", 1), ("sending", 0)]

    ids = [row.pk for row in rows]
    with time_machine.travel(start + timedelta(seconds=29), tick=False):
        assert send_outbound_rows(ids) == ["skipped: not due, or sent by another run"] * 3
    with time_machine.travel(start + timedelta(seconds=31), tick=False):
        assert (
            send_outbound_rows(ids) == ["skipped: not due, or sent by another run"] + ["sent"] * 2
        )
    left = list(OutboundMail.objects.order_by("id").values_list("status", "attempts"))
    assert left == [("sent", 1), ("sent", 2), ("sent", 1)]
    sent_to = [to for _sender, [to], _raw in smarthost.received]
    assert sorted(sent_to) == [f"customer-{n}@customer.example" for n in range(3)]


def test_a_row_whose_lease_ran_out_mid_batch_is_left_to_the_run_that_claimed_it(
    smarthost: Sink, ticket: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, taken = (queue_reply(ticket, to=f"customer-{n}@customer.example") for n in range(2))
    send_for_real = smtplib.SMTP.sendmail
    other_lease = timezone.now() + timedelta(hours=1)

    def another_run_claims_the_second(self: smtplib.SMTP, *args: Any, **kwargs: Any) -> Any:
        # While the first mail is sent, the second row's lease runs out and another run
        # claims it (its own lease, its own attempt).
        OutboundMail.objects.filter(pk=taken.pk).update(next_attempt_at=other_lease, attempts=1)
        return send_for_real(self, *args, **kwargs)

    monkeypatch.setattr(smtplib.SMTP, "sendmail", another_run_claims_the_second)
    outcomes = send_outbound_rows([first.pk, taken.pk])
    assert outcomes == ["sent", "skipped: not due, or sent by another run"]
    taken.refresh_from_db()
    assert (taken.status, taken.attempts, taken.next_attempt_at) == ("sending", 1, other_lease)
    assert len(smarthost.received) == 1


def test_a_row_asked_for_twice_in_a_batch_is_sent_once(smarthost: Sink, ticket: Any) -> None:
    row = queue_reply(ticket)
    assert send_outbound_rows([row.pk, row.pk]) == [
        "sent",
        "skipped: not due, or sent by another run",
    ]
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sent", 1)
    assert len(smarthost.received) == 1


def test_a_single_row_is_claimed_and_recorded_in_two_statements(
    smarthost: Sink, ticket: Any
) -> None:
    row = queue_reply(ticket)
    with CaptureQueriesContext(connection) as queries:
        assert send_outbound(outbound_id=row.pk) == "sent"
    assert len(queries.captured_queries) == 2


def test_a_row_that_breaks_the_batch_does_not_hold_the_rows_after_it(
    smarthost: Sink, ticket: Any
) -> None:
    rows = [queue_reply(ticket, to=f"customer-{n}@customer.example") for n in range(3)]
    OutboundMail.objects.filter(pk=rows[1].pk).update(message_id="broken")
    with pytest.raises(ValueError, match="broken Message-ID"):
        send_outbound_rows([row.pk for row in rows])
    # The worker then runs the batch's tasks one by one: the third goes out at once.
    assert send_outbound(outbound_id=rows[2].pk) == "sent"
    left = list(OutboundMail.objects.order_by("id").values_list("status", "attempts"))
    assert left == [("sent", 1), ("sending", 1), ("sent", 1)]
    assert len(smarthost.received) == 2
