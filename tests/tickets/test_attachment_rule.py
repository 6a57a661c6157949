"""The seed's rule: attachments over 9 MB are removed unless the recipient agreed first."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from supportdesk.core.errors import InvalidInput, PermissionDenied
from supportdesk.tickets.models import Attachment
from supportdesk.tickets.services import (
    NewAttachment,
    grant_attachment_agreement,
    reply_to_ticket,
)
from tests.factories import make_ticket

NINE_MB = 9 * 1000 * 1000
BIG = b"x" * (NINE_MB + 1)
SMALL = b"a small log"


def files_of(message) -> dict[str, Attachment]:  # type: ignore[no-untyped-def]
    return {a.filename: a for a in message.attachments.all()}


def test_a_customer_file_over_9_mb_is_removed_and_recorded_the_rest_is_kept(customer, team):
    ticket = make_ticket(
        requester=customer,
        team=team,
        attachments=[NewAttachment("project.zip", BIG), NewAttachment("error.log", SMALL)],
    )
    message = ticket.messages.get()
    files = files_of(message)
    removed = files["project.zip"]
    assert removed.blob is None
    assert removed.size == NINE_MB + 1
    assert removed.sha256 == hashlib.sha256(BIG).hexdigest()
    assert removed.removed_reason == "over the 9 MB limit, sent without agreement"
    assert files["error.log"].blob is not None
    assert message.body_text  # the mail itself is kept


def test_a_file_of_exactly_9_mb_is_kept(customer, team):
    ticket = make_ticket(
        requester=customer, team=team, attachments=[NewAttachment("dump.bin", b"x" * NINE_MB)]
    )
    assert files_of(ticket.messages.get())["dump.bin"].blob is not None


def test_a_technician_may_send_large_files(technician, ticket):
    message = reply_to_ticket(
        actor=technician,
        ticket=ticket,
        body_text="The fix.",
        attachments=[NewAttachment("fix.zip", BIG)],
    )
    assert files_of(message)["fix.zip"].blob is not None


def test_an_agreement_for_the_ticket_lets_the_customer_reply_with_a_large_file(
    technician, customer, ticket
):
    grant_attachment_agreement(actor=technician, ticket=ticket, max_bytes=50_000_000, days=7)
    message = reply_to_ticket(
        actor=customer,
        ticket=ticket,
        body_text="Here it is.",
        attachments=[NewAttachment("p.zip", BIG)],
    )
    assert files_of(message)["p.zip"].blob is not None


def test_an_agreement_for_the_organization_covers_its_new_requests(technician, customer, team):
    grant_attachment_agreement(
        actor=technician, organization=customer.organization, max_bytes=20_000_000, days=30
    )
    ticket = make_ticket(requester=customer, team=team, attachments=[NewAttachment("p.zip", BIG)])
    assert files_of(ticket.messages.get())["p.zip"].blob is not None


def test_an_agreement_stops_at_its_size_cap(technician, customer, team):
    grant_attachment_agreement(
        actor=technician, organization=customer.organization, max_bytes=NINE_MB + 100, days=30
    )
    bigger = b"y" * (NINE_MB + 101)
    ticket = make_ticket(
        requester=customer, team=team, attachments=[NewAttachment("p.zip", bigger)]
    )
    assert files_of(ticket.messages.get())["p.zip"].blob is None


def test_an_expired_agreement_no_longer_applies(technician, customer, ticket):
    grant_attachment_agreement(actor=technician, ticket=ticket, max_bytes=50_000_000, days=1)
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        message = reply_to_ticket(
            actor=customer,
            ticket=ticket,
            body_text="Late.",
            attachments=[NewAttachment("p.zip", BIG)],
        )
    assert files_of(message)["p.zip"].blob is None


def test_customers_cannot_grant_themselves_an_agreement(customer, ticket):
    with pytest.raises(PermissionDenied):
        grant_attachment_agreement(actor=customer, ticket=ticket, max_bytes=10**9, days=7)


def test_an_agreement_names_exactly_what_it_covers(technician, customer, ticket):
    with pytest.raises(InvalidInput) as error:
        grant_attachment_agreement(
            actor=technician,
            ticket=ticket,
            organization=customer.organization,
            max_bytes=10**8,
            days=7,
        )
    assert "covers" in error.value.problems
