"""Upload links: files that mail cannot carry, sent under a technician's agreement."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from io import BytesIO

import pytest
import time_machine
from django.core.files.base import File
from django.utils import timezone

from supportdesk.channels.email.models import OutboundMail
from supportdesk.core.blobs import read_blob
from supportdesk.core.errors import InvalidTransition, NotFound, PermissionDenied
from supportdesk.core.models import Blob
from supportdesk.tickets.choices import Channel, EventKind, MessageKind, Status
from supportdesk.tickets.models import Ticket, UploadLink
from supportdesk.tickets.services import (
    IncomingUpload,
    IssuedUploadLink,
    UploadRefusal,
    UploadRefused,
    accept_upload,
    grant_attachment_agreement,
    issue_upload_link,
    merge_tickets,
    request_upload_link,
    revoke_upload_link,
)
from supportdesk.tickets.services.uploads import find_upload_link, readable_size
from tests.factories import make_ticket
from tests.tickets.helpers import events_of, force_status, reload

FIFTY_MB = 50_000_000
TWELVE_MB = b"z" * 12_000_000  # over the plan's 9 MB: mail would lose it


def incoming(data: bytes, name: str = "dump.bin") -> IncomingUpload:
    return IncomingUpload(filename=name, file=File(BytesIO(data), name=name), size=len(data))


@pytest.fixture
def issued(technician, ticket) -> IssuedUploadLink:  # type: ignore[no-untyped-def]
    """A link under a 50 MB, 7-day agreement for the customer's ticket."""
    grant_attachment_agreement(
        actor=technician, ticket=ticket, max_bytes=FIFTY_MB, days=7, send_link=False
    )
    return issue_upload_link(actor=technician, ticket=ticket)


def upload(issued: IssuedUploadLink, data: bytes, name: str = "dump.bin"):  # type: ignore[no-untyped-def]
    return accept_upload(token=issued.token, upload=incoming(data, name), channel=Channel.PORTAL)


def test_granting_an_agreement_for_a_ticket_mails_the_customer_an_upload_link(technician, ticket):
    grant_attachment_agreement(actor=technician, ticket=ticket, max_bytes=FIFTY_MB, days=7)

    message = ticket.messages.filter(kind=MessageKind.OUTBOUND).get()
    token = re.search(r"/upload/([\w-]+)/", message.body_text)
    assert token is not None
    assert find_upload_link(token[1]).ticket == ticket
    assert "up to 50 MB each" in message.body_text
    assert "curl -F file=@FILE" in message.body_text
    mail = OutboundMail.objects.get(ticket_message=message)
    assert f"/upload/{token[1]}/" in mail.body_text


def test_the_link_message_is_not_an_answer_the_ticket_and_its_clocks_stay(technician, ticket):
    grant_attachment_agreement(actor=technician, ticket=ticket, max_bytes=FIFTY_MB, days=7)

    fresh = reload(ticket)
    assert fresh.status == Status.NEW
    assert fresh.first_responded_at is None
    assert fresh.message_count == 2


def test_the_link_message_is_in_the_customer_language(technician, customer, team):
    ticket = make_ticket(requester=customer, team=team, language="fr")

    grant_attachment_agreement(actor=technician, ticket=ticket, max_bytes=FIFTY_MB, days=7)

    body = ticket.messages.get(kind=MessageKind.OUTBOUND).body_text
    assert body.startswith("Bonjour Dev Eloper,")
    assert "jusqu'à 50 MB chacun" in body


def test_a_customer_wide_agreement_sends_no_link_by_itself(technician, customer, ticket):
    grant_attachment_agreement(
        actor=technician, organization=customer.organization, max_bytes=FIFTY_MB, days=7
    )

    assert not UploadLink.objects.exists()
    assert not ticket.messages.filter(kind=MessageKind.OUTBOUND).exists()


def test_a_link_needs_an_agreement_in_force(technician, ticket):
    with pytest.raises(InvalidTransition, match="grant one first"):
        issue_upload_link(actor=technician, ticket=ticket)


def test_a_customer_wide_agreement_covers_a_link_for_any_of_its_tickets(
    technician, customer, ticket
):
    grant_attachment_agreement(actor=technician, contact=customer, max_bytes=FIFTY_MB, days=7)

    assert issue_upload_link(actor=technician, ticket=ticket).link.max_bytes == FIFTY_MB


def test_customers_cannot_issue_links(technician, customer, ticket):
    grant_attachment_agreement(
        actor=technician, ticket=ticket, max_bytes=FIFTY_MB, days=7, send_link=False
    )
    with pytest.raises(PermissionDenied):
        issue_upload_link(actor=customer, ticket=ticket)


def test_only_the_digest_of_the_token_is_stored(issued):
    row = UploadLink.objects.get()

    assert row.token_sha256 == hashlib.sha256(issued.token.encode()).hexdigest()
    assert issued.token not in str(UploadLink.objects.values().get())


def test_a_file_under_the_cap_lands_on_the_ticket_with_its_sha256(issued, customer, ticket):
    data = b"crash dump " * 1000

    message = upload(issued, data, "crash.dmp")

    assert (message.ticket_id, message.kind, message.channel) == (
        ticket.pk,
        MessageKind.INBOUND,
        Channel.PORTAL,
    )
    assert message.author_contact == customer
    attachment = message.attachments.get()
    assert attachment.filename == "crash.dmp"
    assert attachment.size == len(data)
    assert attachment.sha256 == hashlib.sha256(data).hexdigest()
    assert attachment.removed_reason == ""
    assert read_blob(attachment.blob) == data
    assert "crash.dmp" in message.body_text


def test_an_upload_is_recorded_in_the_audit_trail(issued, ticket):
    data = b"log line\n" * 10

    message = upload(issued, data, "app.log")

    (event,) = events_of(ticket, EventKind.FILE_UPLOADED)
    assert event.data["message"] == message.pk
    assert event.data["sha256"] == hashlib.sha256(data).hexdigest()
    assert event.data["size"] == len(data)
    assert event.actor_contact_id == ticket.requester_id
    assert UploadLink.objects.get().upload_count == 1


def test_the_9_mb_rule_does_not_apply_to_a_file_sent_under_the_agreement(issued):
    attachment = upload(issued, TWELVE_MB, "project.zip").attachments.get()

    assert attachment.blob is not None
    assert attachment.size == len(TWELVE_MB)


def test_a_file_over_the_cap_is_refused_naming_the_cap(technician, ticket):
    grant_attachment_agreement(
        actor=technician, ticket=ticket, max_bytes=1_000_000, days=7, send_link=False
    )
    issued = issue_upload_link(actor=technician, ticket=ticket)
    messages_before = ticket.messages.count()

    with pytest.raises(UploadRefused) as refused:
        upload(issued, b"x" * 1_000_001, "big.iso")

    assert refused.value.reason == UploadRefusal.TOO_LARGE
    assert "1 MB" in str(refused.value)
    assert "big.iso" in str(refused.value)
    assert ticket.messages.count() == messages_before
    assert not Blob.objects.filter(size=1_000_001).exists()


def test_a_file_of_exactly_the_cap_is_taken(technician, ticket):
    grant_attachment_agreement(
        actor=technician, ticket=ticket, max_bytes=1_000_000, days=7, send_link=False
    )
    issued = issue_upload_link(actor=technician, ticket=ticket)

    assert upload(issued, b"x" * 1_000_000).attachments.get().size == 1_000_000


def test_a_file_the_receiver_stopped_at_the_cap_is_refused(issued):
    stopped = IncomingUpload(filename="huge.iso", file=None, size=FIFTY_MB + 1)

    with pytest.raises(UploadRefused) as refused:
        accept_upload(token=issued.token, upload=stopped, channel=Channel.PORTAL)

    assert refused.value.reason == UploadRefusal.TOO_LARGE


def test_an_empty_file_is_refused(issued):
    with pytest.raises(UploadRefused) as refused:
        upload(issued, b"", "empty.txt")

    assert refused.value.reason == UploadRefusal.EMPTY
    assert "empty.txt is empty" in str(refused.value)


def test_no_file_at_all_is_refused(issued):
    with pytest.raises(UploadRefused) as refused:
        accept_upload(token=issued.token, upload=None, channel=Channel.API)

    assert refused.value.reason == UploadRefusal.NO_FILE


def test_an_expired_link_is_refused(issued):
    with (
        time_machine.travel(timezone.now() + timedelta(days=8)),
        pytest.raises(UploadRefused) as refused,
    ):
        upload(issued, b"late")

    assert refused.value.reason == UploadRefusal.EXPIRED


def test_a_revoked_link_is_refused_and_the_revocation_is_audited(issued, technician, ticket):
    revoke_upload_link(actor=technician, link=issued.link)

    with pytest.raises(UploadRefused) as refused:
        upload(issued, b"too late")

    assert refused.value.reason == UploadRefusal.REVOKED
    assert UploadLink.objects.get().revoked_by == technician.display_name
    assert len(events_of(ticket, EventKind.UPLOAD_LINK_REVOKED)) == 1


def test_a_wrong_token_is_not_found(issued):
    with pytest.raises(NotFound):
        accept_upload(token=issued.token + "x", upload=incoming(b"x"), channel=Channel.PORTAL)


def test_a_link_takes_a_bounded_number_of_files(issued, settings):
    settings.SUPPORTDESK = {**settings.SUPPORTDESK, "UPLOAD_LINK_MAX_FILES": 2}
    upload(issued, b"one")
    upload(issued, b"two")

    with pytest.raises(UploadRefused) as refused:
        upload(issued, b"three")

    assert refused.value.reason == UploadRefusal.USED_UP


def test_an_upload_reopens_a_pending_ticket(technician, answered_ticket):
    grant_attachment_agreement(
        actor=technician, ticket=answered_ticket, max_bytes=FIFTY_MB, days=7, send_link=False
    )
    issued = issue_upload_link(actor=technician, ticket=answered_ticket)
    assert answered_ticket.status == Status.PENDING

    upload(issued, b"the file you asked for")

    assert reload(answered_ticket).status == Status.OPEN


def test_a_closed_ticket_takes_no_files(issued, ticket):
    force_status(ticket, Status.CLOSED)

    with pytest.raises(UploadRefused) as refused:
        upload(issued, b"x")

    assert refused.value.reason == UploadRefusal.TICKET_CLOSED


def test_files_for_a_merged_ticket_land_on_the_ticket_it_was_merged_into(
    issued, technician, customer, team, ticket
):
    survivor = make_ticket(requester=customer, team=team)
    merge_tickets(actor=technician, source=ticket, target=survivor)

    message = upload(issued, b"after the merge")

    assert message.ticket_id == survivor.pk
    assert Ticket.objects.get(pk=survivor.pk).messages.filter(pk=message.pk).exists()


def test_the_same_bytes_uploaded_twice_are_stored_once(issued):
    first = upload(issued, b"same bytes").attachments.get()
    second = upload(issued, b"same bytes").attachments.get()

    assert first.blob_id == second.blob_id


@pytest.mark.parametrize(
    ("size", "mark", "text"),
    [
        (50_000_000, ".", "50 MB"),
        (2_500_000, ",", "2,5 MB"),
        (3_000_000_000, ".", "3 GB"),
        (1_234_567, ".", "1.2 MB"),
        (999, ".", "999 bytes"),
    ],
)
def test_sizes_read_in_decimal_units_to_one_decimal(size, mark, text):
    assert readable_size(size, mark) == text


def test_a_customer_asks_for_a_link_under_an_agreement_for_their_ticket_only(
    customer, customer_of_another_organization, technician, ticket
):  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidTransition) as refused:
        request_upload_link(contact=customer, ticket=ticket)
    assert refused.value.code == "no_agreement"

    grant_attachment_agreement(
        actor=technician, ticket=ticket, max_bytes=50_000_000, days=7, send_link=False
    )
    with pytest.raises(PermissionDenied):
        request_upload_link(contact=customer_of_another_organization, ticket=ticket)
    issued = request_upload_link(contact=customer, ticket=ticket)

    assert issued.link.max_bytes == 50_000_000
    assert issued.link.issued_by is None
    assert find_upload_link(issued.token) == issued.link
