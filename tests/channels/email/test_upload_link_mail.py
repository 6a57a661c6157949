"""The upload link reaches the customer by mail: in the acknowledgement of a new request
covered by an agreement, and in the message a ticket agreement sends."""

from __future__ import annotations

import re

from supportdesk.channels.email.acknowledgements import acknowledgement_text
from supportdesk.channels.email.models import OutboundMail
from supportdesk.channels.email.processing import process_mails
from supportdesk.tickets.models import Attachment, UploadLink
from supportdesk.tickets.services import grant_attachment_agreement
from supportdesk.tickets.services.uploads import find_upload_link
from tests.channels.email.test_processing_batch import accepted, request
from tests.factories import make_ticket

LINK = re.compile(r"http://127\.0\.0\.1:8000/upload/([\w-]+)/")


def test_the_acknowledgement_gives_a_link_when_an_agreement_covers_the_customer(
    technician, customer, team
):
    grant_attachment_agreement(
        actor=technician, organization=customer.organization, max_bytes=200_000_000, days=30
    )
    ticket = make_ticket(requester=customer, team=team)

    _subject, body = acknowledgement_text(ticket)

    found = LINK.search(body)
    assert found is not None
    assert find_upload_link(found[1]).ticket == ticket
    assert "up to 200 MB each" in body
    assert "curl -F file=@FILE http://127.0.0.1:8000/api/v1/uploads/" in body


def test_the_link_replaces_ask_for_one_under_the_removed_attachments(technician, customer, team):
    grant_attachment_agreement(actor=technician, contact=customer, max_bytes=200_000_000, days=30)
    ticket = make_ticket(requester=customer, team=team, language="fr")
    Attachment.objects.create(
        message=ticket.messages.get(),
        filename="capture.mp4",
        size=300_000_000,
        sha256="0" * 64,
        removed_reason="over the 200 MB limit",
    )

    _subject, body = acknowledgement_text(ticket)

    assert "- capture.mp4 (300,0 MB)\n\nVous pouvez nous envoyer" in body
    assert "demandant un lien" not in body
    assert LINK.search(body) is not None


def test_without_an_agreement_the_acknowledgement_issues_no_link(customer, team):
    ticket = make_ticket(requester=customer, team=team)

    _subject, body = acknowledgement_text(ticket)

    assert "/upload/" not in body
    assert not UploadLink.objects.exists()


def test_a_batch_acknowledges_a_covered_customers_new_requests_with_a_link(
    technician, customer, team
):
    grant_attachment_agreement(
        actor=technician, organization=customer.organization, max_bytes=200_000_000, days=30
    )
    mails = [accepted(request(n)) for n in range(1, 4)]

    outcomes = process_mails([mail.pk for mail in mails])

    assert all(outcome.startswith("opened ") for outcome in outcomes)
    for mail in mails:
        mail.refresh_from_db()
        assert mail.attempts == 1  # opened in the batch, not tried again alone
        acknowledgement = OutboundMail.objects.get(ticket=mail.ticket)
        found = LINK.search(acknowledgement.body_text)
        assert found is not None
        assert find_upload_link(found[1]).ticket == mail.ticket
