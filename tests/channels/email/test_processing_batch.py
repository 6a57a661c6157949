"""process_mails: a worker's batch of received mail, in one transaction with a savepoint per
mail, each mail ending as process_mail would end it; and the worker claiming the batch."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from supportdesk.accounts.models import Contact, Team
from supportdesk.channels.email import processing
from supportdesk.channels.email.intake import accept_message
from supportdesk.channels.email.models import InboundMail, OutboundMail
from supportdesk.channels.email.processing import process_mail, process_mails
from supportdesk.core.worker import Worker
from supportdesk.tickets.choices import UNRESOLVED_STATUSES, Status
from supportdesk.tickets.counters import read_count
from supportdesk.tickets.models import Ticket
from tests.channels.email.conftest import read_fixture
from tests.channels.email.test_processing_queries import TRANSACTION_CONTROL

ROUTE_TASK = "supportdesk.tickets.tasks.route_ticket"
PROCESS_TASK = "supportdesk.channels.email.tasks.process_inbound_mail"
SEND_TASKS = "supportdesk.channels.email.tasks.send_outbound_mails"


def accepted(raw: bytes, envelope_from: str = "dev@customer.example") -> InboundMail:
    mail, _created = accept_message(
        raw, source="smtp", envelope_from=envelope_from, envelope_to=["support@example.com"]
    )
    return mail


def request(n: int, sender: str = "dev@customer.example") -> bytes:
    return (
        f"From: Customer {n} <{sender}>\r\n"
        "To: support@example.com\r\n"
        f"Subject: The report editor crashes ({n})\r\n"
        f"Message-ID: <batch-{n}@customer.example>\r\n"
        "\r\n"
        "Hello, the report editor crashes when I save. Thanks.\r\n"
    ).encode()


def no_sender(n: int) -> bytes:
    return (
        "To: support@example.com\r\n"
        f"Subject: Nobody wrote this ({n})\r\n"
        f"Message-ID: <nobody-{n}@customer.example>\r\n"
        "\r\n"
        "Text.\r\n"
    ).encode()


@pytest.fixture
def english_team(db: None) -> Team:
    return Team.objects.create(name="First line", slug="first-line", languages=["en"])


def test_a_batch_opens_tickets_and_records_a_reply_each_as_process_mail_would(
    customer: Contact, english_team: Team
) -> None:
    first = accepted(request(1))
    assert process_mail(mail_id=first.pk).startswith("opened ")
    ticket = Ticket.objects.get()
    reply = accepted(read_fixture("reply_subject_reference", REFERENCE=ticket.reference))
    new = [accepted(request(n, f"new-{n}@elsewhere.example")) for n in range(2, 5)]

    outcomes = process_mails([new[0].pk, reply.pk, new[1].pk, first.pk, new[2].pk])

    assert outcomes[1] == f"replied {ticket.reference}"
    assert outcomes[3] == "skipped: already processed"
    opened = [outcome for i, outcome in enumerate(outcomes) if i in (0, 2, 4)]
    assert all(outcome.startswith("opened ") for outcome in opened)
    for mail in [reply, *new]:
        mail.refresh_from_db()
        assert mail.status == InboundMail.Status.PROCESSED
        assert mail.attempts == 1
        assert mail.ticket_message is not None
    assert ticket.messages.count() == 2
    # Each new ticket was acknowledged, and routed in the batch: no routing task.
    batch_tickets = Ticket.objects.filter(inbound_mail__in=new)
    assert sorted(t.reference for t in batch_tickets) == sorted(o.split()[1] for o in opened)
    assert {t.team_id for t in batch_tickets} == {english_team.pk}
    acknowledgements = OutboundMail.objects.filter(ticket__in=batch_tickets)
    assert acknowledgements.count() == 3
    # ... all three sent by one task, over one connection.
    [send] = DBTaskResult.objects.filter(task_path=SEND_TASKS)
    assert sorted(send.args_kwargs["kwargs"]["outbound_ids"]) == sorted(
        acknowledgements.values_list("pk", flat=True)
    )
    assert not DBTaskResult.objects.filter(
        task_path=ROUTE_TASK, args_kwargs__kwargs__ticket_id__in=[t.pk for t in batch_tickets]
    ).exists()
    # The counters were written once for the batch, and agree with the tickets.
    for status in UNRESOLVED_STATUSES:
        assert read_count("all", [status]) == Ticket.objects.filter(status=status).count()
        assert read_count(f"team:{english_team.pk}", [status]) == (
            Ticket.objects.filter(status=status, team=english_team).count()
        )


def test_a_failing_mail_goes_to_the_quarantine_alone_and_the_rest_of_the_batch_commits(
    customer: Contact, english_team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = [accepted(request(n)) for n in range(3)]
    unreadable = accepted(no_sender(9))
    broken = accepted(request(7, "broken@customer.example"))
    real_apply = processing._apply

    def apply(mail: InboundMail, *args: object) -> str:
        result = real_apply(mail, *args)  # type: ignore[arg-type]
        if mail.pk == broken.pk:  # fails after its ticket and acknowledgement were written
            raise RuntimeError("the disk is full")
        return result

    monkeypatch.setattr(processing, "_apply", apply)

    outcomes = process_mails([good[0].pk, broken.pk, unreadable.pk, good[1].pk, good[2].pk])

    assert outcomes[1] == "quarantined: RuntimeError: the disk is full"
    assert outcomes[2] == "quarantined: UnprocessableMail: no sender address in From"
    assert all(outcomes[i].startswith("opened ") for i in (0, 3, 4))
    broken.refresh_from_db()
    assert broken.status == InboundMail.Status.QUARANTINED
    assert broken.ticket is None
    # Nothing of the failed mail remains: its ticket, message and acknowledgement rolled
    # back with its savepoint, in the batch and in its try alone.
    assert Ticket.objects.count() == 3
    assert OutboundMail.objects.count() == 3
    assert read_count("all", [Status.NEW, Status.OPEN]) == 3
    assert InboundMail.objects.filter(status=InboundMail.Status.PROCESSED).count() == 3


def test_a_mail_that_fails_in_the_batch_but_not_alone_is_processed(
    customer: Contact, english_team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A conflict with another worker's batch (a deadlock over a ticket) is not the mail's
    fault: it is tried again alone after the batch commits."""
    mails = [accepted(request(n)) for n in range(3)]
    real_apply = processing._apply
    failed: list[int] = []

    def apply(mail: InboundMail, *args: object) -> str:
        if mail.pk == mails[1].pk and not failed:
            failed.append(mail.pk)
            raise RuntimeError("deadlock detected")
        return real_apply(mail, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(processing, "_apply", apply)

    outcomes = process_mails([mail.pk for mail in mails])

    assert failed == [mails[1].pk]
    assert all(outcome.startswith("opened ") for outcome in outcomes)
    assert Ticket.objects.count() == 3
    assert len({outcome.split()[1] for outcome in outcomes}) == 3


@contextmanager
def statements() -> Iterator[list[str]]:
    found: list[str] = []
    with CaptureQueriesContext(connection) as captured:
        yield found
    found.extend(
        query["sql"]
        for query in captured.captured_queries
        if not query["sql"].lstrip().upper().startswith(TRANSACTION_CONTROL)
    )


def test_a_batch_costs_the_same_statements_whatever_its_number_of_new_requests(
    customer: Contact, english_team: Team
) -> None:
    process_mail(mail_id=accepted(request(0)).pk)  # warm: the plan's terms are cached
    ten = [accepted(request(n)) for n in range(1, 11)]
    twenty = [accepted(request(n)) for n in range(11, 31)]

    with statements() as for_ten:
        outcomes = process_mails([mail.pk for mail in ten])
    with statements() as for_twenty:
        outcomes += process_mails([mail.pk for mail in twenty])

    assert all(outcome.startswith("opened ") for outcome in outcomes)
    # Read the mails, reserve their numbers, claim them; read the senders' contacts, their
    # organizations' subscriptions (in force, lapsed), the free plan, licences, attachment
    # agreements, the automatic mail sent to them this hour, the teams; then one INSERT
    # each for tickets, messages, events, outbox rows; the mails' outcomes; the counters;
    # the send task. One mail alone costs 25, and a routing task. PostgreSQL adds the two
    # statements that shorten lock waits within the batch.
    bound = 19 + (2 if connection.vendor == "postgresql" else 0)
    assert len(for_twenty) <= len(for_ten) <= bound, "\n".join(for_ten)
    assert Ticket.objects.filter(team=english_team).count() == 30  # routed in the batch
    # One sender: the hourly cap on automatic mail (5) holds within a batch too, whose
    # outbox rows are written only at its end.
    assert OutboundMail.objects.count() == 5


def worker() -> Worker:
    return Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="w1",
        excluded_queue_names=[],
    )


@pytest.mark.django_db(transaction=True)
def test_a_worker_claims_the_waiting_mail_as_one_batch_and_records_each_task(
    customer: Contact, english_team: Team
) -> None:
    mails = [accepted(request(n)) for n in range(3)]
    w = worker()

    claimed = w.claim_tasks()

    assert sorted(task.args_kwargs["kwargs"]["mail_id"] for task in claimed) == sorted(
        mail.pk for mail in mails
    )
    assert {task.status for task in DBTaskResult.objects.all()} == {"RUNNING"}
    w.run_tasks(claimed)
    tasks = DBTaskResult.objects.filter(task_path=PROCESS_TASK)
    assert {task.status for task in tasks} == {"SUCCESSFUL"}
    assert all(str(task.return_value).startswith("opened ") for task in tasks)
    assert Ticket.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_a_batch_that_raises_is_run_again_one_task_at_a_time(
    customer: Contact, english_team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    mails = [accepted(request(n)) for n in range(2)]

    def broken(mail_ids: list[int]) -> list[str]:
        raise RuntimeError("the batch broke")

    monkeypatch.setattr(processing, "process_mails", broken)
    w = worker()

    w.run_tasks(w.claim_tasks())

    tasks = DBTaskResult.objects.filter(task_path=PROCESS_TASK)
    assert {task.status for task in tasks} == {"SUCCESSFUL"}
    assert {str(task.return_value)[:7] for task in tasks} == {"opened "}
    assert Ticket.objects.count() == len(mails)
