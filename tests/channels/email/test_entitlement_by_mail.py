"""The entitlement check for a request by mail: the ticket is opened, the licence counted,
and the acknowledgement says plainly where the customer stands, in their language."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from supportdesk.accounts.models import ContactEmail, License
from supportdesk.channels.email import processing
from supportdesk.channels.email.intake import accept_message
from supportdesk.channels.email.models import OutboundMail
from supportdesk.channels.email.processing import process_mails
from supportdesk.plans.entitlement import EntitlementStatus
from supportdesk.tickets.models import Ticket
from tests.factories import ContactFactory, PlanFactory
from tests.markers import concurrent_writers

SUPPORT = "support@example.com"


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


def accepted(raw: bytes) -> int:
    mail, _created = accept_message(
        raw, source="smtp", envelope_from="dev@customer.example", envelope_to=[SUPPORT]
    )
    return mail.pk


def test_a_batch_counts_its_requests_against_what_the_licence_has_left(free_plan, product):
    contact = ContactFactory(email="dev@customer.example", language="en")
    licence = License.objects.create(
        organization=contact.organization, product=product, serial="WD-9", requests_used=12
    )
    mails = [accepted(request(f"Crash {n}", f"The report crashes ({n}).")) for n in range(5)]

    outcomes = process_mails(mails)

    assert all(outcome.startswith("opened ") for outcome in outcomes)
    licence.refresh_from_db()
    assert licence.requests_used == 15  # three taken, never more than the limit
    statuses = [Ticket.objects.get(inbound_mail__pk=pk).entitlement for pk in mails]
    assert statuses == [EntitlementStatus.ENTITLED] * 3 + [EntitlementStatus.NO_REQUESTS_LEFT] * 2


@pytest.mark.parametrize("conflicts", [1, 2], ids=["again as a batch", "then one at a time"])
def test_a_batch_that_counted_on_requests_another_took_is_opened_again(
    conflicts, free_plan, product, monkeypatch, caplog
):
    contact = ContactFactory(email="dev@customer.example", language="en")
    licence = License.objects.create(
        organization=contact.organization, product=product, serial="WD-9", requests_used=13
    )
    mails = [accepted(request(f"Crash {n}", f"The report crashes ({n}).")) for n in range(3)]
    hold_licences = processing.hold_licences_running_out

    taken: list[int] = []

    def hold_then_another_takes_one(batch_requests):  # type: ignore[no-untyped-def]
        hold_licences(batch_requests)  # the batch reads 2 left...
        if len(taken) < conflicts:
            # ...and a writer beyond those the hold allows for takes one before the batch
            # writes its count (in this test within the batch's transaction, so rolled
            # back with it).
            taken.append(1)
            License.objects.filter(pk=licence.pk).update(requests_used=14)

    monkeypatch.setattr(processing, "hold_licences_running_out", hold_then_another_takes_one)
    caplog.set_level(logging.INFO)

    outcomes = process_mails(mails)

    assert caplog.text.count("rolled back (licence") == conflicts
    assert all(outcome.startswith("opened ") for outcome in outcomes)
    licence.refresh_from_db()
    assert licence.requests_used == 15  # one at a time: the licence's own count decides
    assert Ticket.objects.count() == 3
    assert sorted(Ticket.objects.values_list("entitlement", flat=True)) == [
        EntitlementStatus.ENTITLED,
        EntitlementStatus.ENTITLED,
        EntitlementStatus.NO_REQUESTS_LEFT,
    ]


def test_a_batch_reads_a_licence_about_to_run_out_again_under_its_lock(
    free_plan, product, monkeypatch, caplog
):
    contact = ContactFactory(email="dev@customer.example", language="en")
    licence = License.objects.create(
        organization=contact.organization, product=product, serial="WD-9", requests_used=13
    )
    mails = [accepted(request(f"Crash {n}", f"The report crashes ({n}).")) for n in range(3)]
    read_licences = processing.keep_licences_of

    def read_then_another_takes_one(organization_ids):  # type: ignore[no-untyped-def]
        read_licences(organization_ids)  # the batch reads 2 left...
        # ...another writer takes one before the batch holds the licence.
        License.objects.filter(pk=licence.pk).update(requests_used=14)

    monkeypatch.setattr(processing, "keep_licences_of", read_then_another_takes_one)
    caplog.set_level(logging.INFO)

    outcomes = process_mails(mails)

    assert "rolled back" not in caplog.text  # the batch counted on the count it locked
    assert all(outcome.startswith("opened ") for outcome in outcomes)
    licence.refresh_from_db()
    assert licence.requests_used == 15
    assert [Ticket.objects.get(inbound_mail__pk=pk).entitlement for pk in mails] == [
        EntitlementStatus.ENTITLED,
        EntitlementStatus.NO_REQUESTS_LEFT,
        EntitlementStatus.NO_REQUESTS_LEFT,
    ]


def process_batches_together(batches: list[list[int]], monkeypatch) -> list[str]:  # type: ignore[no-untyped-def]
    """Each batch processed by its own thread and connection, both having read their
    senders' licences before either goes on (so before either holds one); the outcomes of
    all their mails."""
    both_read = threading.Barrier(2, timeout=10)
    first_read = threading.local()
    read_licences = processing.keep_licences_of

    def read_together(organization_ids):  # type: ignore[no-untyped-def]
        read_licences(organization_ids)
        if not getattr(first_read, "done", False):
            first_read.done = True
            both_read.wait()

    monkeypatch.setattr(processing, "keep_licences_of", read_together)

    def run(mail_ids: list[int]) -> list[str]:
        try:
            return process_mails(mail_ids)
        finally:
            connection.close()

    with ThreadPoolExecutor(2) as pool:
        return [outcome for batch in pool.map(run, batches) for outcome in batch]


@concurrent_writers
def test_two_batches_racing_for_a_licence_about_to_run_out_neither_rolls_back(
    free_plan, product, monkeypatch, caplog
):
    contact = ContactFactory(email="dev@customer.example", language="en")
    licence = License.objects.create(
        organization=contact.organization, product=product, serial="WD-9", requests_used=11
    )
    batches = [
        [accepted(request(f"Crash {b}-{n}", f"The report crashes ({b}, {n}).")) for n in range(3)]
        for b in range(2)
    ]
    caplog.set_level(logging.INFO)

    # Each batch has read 4 left before either holds the licence.
    outcomes = process_batches_together(batches, monkeypatch)

    assert all(outcome.startswith("opened ") for outcome in outcomes)
    assert "rolled back" not in caplog.text  # the second waited for the first's count
    licence.refresh_from_db()
    assert licence.requests_used == 15
    statuses = list(Ticket.objects.values_list("entitlement", flat=True))
    assert statuses.count(EntitlementStatus.ENTITLED) == 4
    assert statuses.count(EntitlementStatus.NO_REQUESTS_LEFT) == 2


@concurrent_writers
def test_two_batches_each_holding_one_customers_licence_do_not_deadlock_over_the_other(
    free_plan, product, monkeypatch, caplog
):
    # Each batch has three mails from one customer, whose licence (5 left) it holds, and
    # one from the other's: it counts a request on a licence the other batch holds.
    first = ContactFactory(email="dev@first.example", language="en")
    second = ContactFactory(email="dev@second.example", language="en")
    licences = [
        License.objects.create(
            organization=contact.organization,
            product=product,
            serial=f"WD-{n}",
            requests_used=10,
        )
        for n, contact in enumerate([first, second])
    ]
    batches = [
        [
            accepted(request(f"Crash {b}-{n}", f"The report crashes ({b}, {n}).", sender))
            for n, sender in enumerate([own, own, own, other])
        ]
        for b, (own, other) in enumerate(
            [
                ("dev@first.example", "dev@second.example"),
                ("dev@second.example", "dev@first.example"),
            ]
        )
    ]
    caplog.set_level(logging.INFO)

    outcomes = process_batches_together(batches, monkeypatch)

    assert all(outcome.startswith("opened ") for outcome in outcomes)
    assert "rolled back" not in caplog.text
    for licence in licences:
        licence.refresh_from_db()
        assert licence.requests_used == 14  # four requests each, all within the limit
    assert set(Ticket.objects.values_list("entitlement", flat=True)) == {EntitlementStatus.ENTITLED}
