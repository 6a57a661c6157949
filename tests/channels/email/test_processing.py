"""process_mail: accepted mail becomes a ticket, a reply, an ignored record or a quarantine."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from supportdesk.accounts.actors import SYSTEM
from supportdesk.accounts.models import Contact, ContactEmail
from supportdesk.channels.email.intake import accept_message
from supportdesk.channels.email.models import InboundMail, OutboundMail
from supportdesk.channels.email.processing import guess_language, process_mail
from supportdesk.channels.email.quarantine import replay_quarantined
from supportdesk.core.errors import InvalidTransition
from supportdesk.tickets.choices import MessageKind, Status
from supportdesk.tickets.models import Ticket
from supportdesk.tickets.services import change_status
from tests.channels.email.conftest import read_fixture

Deliver = Callable[..., tuple[str, InboundMail]]


def test_a_mail_from_a_known_contact_opens_a_ticket_for_them(
    deliver: Deliver, customer: Contact
) -> None:
    outcome, mail = deliver(read_fixture("plain_text"))
    ticket = Ticket.objects.get()
    assert outcome == f"opened {ticket.reference}"
    assert ticket.requester == customer  # matched without case: Dev@Customer.Example
    assert ticket.channel == "email"
    assert ticket.subject == "The report editor crashes on save"
    message = ticket.messages.get()
    assert message.body_text.startswith("Hello,\n\nWhen I press Save")
    assert mail.status == InboundMail.Status.PROCESSED
    assert mail.processed_at is not None
    assert mail.ticket == ticket
    assert mail.ticket_message == message
    assert mail.attempts == 1


def test_an_unknown_sender_becomes_a_new_contact_with_that_address(
    deliver: Deliver, free_plan: object
) -> None:
    outcome, _mail = deliver(read_fixture("latin1"))
    assert outcome.startswith("opened ")
    contact = ContactEmail.objects.get(address="rene@exemple.fr").contact
    assert contact.name == "René François"
    assert contact.language == "fr"
    assert Ticket.objects.get().requester == contact


def test_an_html_only_mail_keeps_sanitized_html_and_a_text_version(
    deliver: Deliver, free_plan: object
) -> None:
    deliver(read_fixture("html_only"))
    message = Ticket.objects.get().messages.get()
    assert "export to PDF fails" in message.body_text
    assert "<script>" not in message.body_html
    assert "export" in message.body_html


def test_attachments_and_inline_images_are_stored_on_the_message(
    deliver: Deliver, customer: Contact
) -> None:
    deliver(read_fixture("inline_image"))
    (attachment,) = Ticket.objects.get().messages.get().attachments.all()
    assert attachment.content_type == "image/png"
    assert attachment.filename == "image.png"


def test_an_encoded_file_name_is_decoded_on_the_attachment(
    deliver: Deliver, free_plan: object
) -> None:
    deliver(read_fixture("rfc2047_subject_and_filename"))
    ticket = Ticket.objects.get()
    assert ticket.subject == "Solicitud de ayuda: informe ¿roto?"
    assert ticket.language == "es"
    assert [a.filename for a in ticket.messages.get().attachments.all()] == ["informe año.txt"]


def test_a_forwarded_message_is_kept_as_an_eml_attachment(
    deliver: Deliver, customer: Contact
) -> None:
    deliver(read_fixture("nested_rfc822"))
    (attachment,) = Ticket.objects.get().messages.get().attachments.all()
    assert attachment.filename == "It broke.eml"


def test_a_mail_with_no_text_and_no_subject_still_opens_a_ticket(
    deliver: Deliver, customer: Contact
) -> None:
    outcome, _mail = deliver(read_fixture("no_text_part"))
    ticket = Ticket.objects.get()
    assert outcome == f"opened {ticket.reference}"
    assert ticket.subject == "(no subject)"
    message = ticket.messages.get()
    assert message.body_text == "(This mail has no text.)"
    assert [a.filename for a in message.attachments.all()] == ["invoice.pdf"]


def test_iso_2022_jp_mail_opens_a_ticket_in_english_by_default(
    deliver: Deliver, free_plan: object
) -> None:
    deliver(read_fixture("iso_2022_jp"))
    ticket = Ticket.objects.get()
    assert ticket.subject == "保存エラー"
    assert ticket.language == "en"


def test_broken_headers_still_open_a_ticket(deliver: Deliver, free_plan: object) -> None:
    outcome, mail = deliver(read_fixture("broken_headers_8bit"))
    assert outcome.startswith("opened "), outcome
    assert Ticket.objects.get().subject == "Fehler im Bericht äöü"
    assert mail.status == InboundMail.Status.PROCESSED


@pytest.mark.parametrize(
    ("fixture", "reason"),
    [
        ("auto_submitted", "auto-reply (Auto-Submitted: auto-replied)"),
        ("x_autoreply", "auto-reply (X-Autoreply)"),
        ("dsn_bounce", "delivery report (multipart/report delivery-status)"),
        ("precedence_bulk", "automatic mail (Precedence: bulk)"),
    ],
)
def test_automatic_mail_is_recorded_and_ignored(
    deliver: Deliver, customer: Contact, ticket: Ticket, fixture: str, reason: str
) -> None:
    outcome, mail = deliver(read_fixture(fixture))
    assert outcome == f"ignored: {reason}"
    assert mail.status == InboundMail.Status.IGNORED
    assert mail.error == reason
    assert mail.ticket is None
    assert Ticket.objects.count() == 1
    assert ticket.messages.count() == 1


def test_mail_with_a_null_envelope_sender_is_ignored_as_a_bounce(
    deliver: Deliver, customer: Contact
) -> None:
    outcome, mail = deliver(read_fixture("plain_text"), envelope_from="")
    assert outcome == "ignored: bounce (null return path)"
    assert mail.status == InboundMail.Status.IGNORED
    assert not Ticket.objects.exists()


def test_a_reply_with_the_reference_in_the_subject_lands_on_the_ticket(
    deliver: Deliver, customer: Contact, ticket: Ticket
) -> None:
    outcome, mail = deliver(read_fixture("reply_subject_reference", REFERENCE=ticket.reference))
    assert outcome == f"replied {ticket.reference}"
    ticket.refresh_from_db()
    assert ticket.message_count == 2
    reply = ticket.messages.order_by("-id").first()
    assert reply is not None
    assert reply.kind == MessageKind.INBOUND
    assert reply.author_contact == customer
    assert mail.ticket == ticket
    assert mail.ticket_message == reply


@pytest.mark.parametrize("prefix", ["Re:", "RE:", "TR:", "AW:", "Re: Re:"])
def test_reply_prefixes_and_a_bare_reference_are_understood(
    deliver: Deliver, customer: Contact, ticket: Ticket, prefix: str
) -> None:
    raw = read_fixture("reply_subject_reference", REFERENCE=ticket.reference).replace(
        f"Re: [{ticket.reference}]".encode(), f"{prefix} {ticket.reference.lower()}".encode()
    )
    outcome, _mail = deliver(raw)
    assert outcome == f"replied {ticket.reference}"


def test_a_reply_to_a_mail_we_stored_threads_by_in_reply_to(
    deliver: Deliver, customer: Contact
) -> None:
    first, _mail = deliver(read_fixture("plain_text"))
    outcome, _mail = deliver(read_fixture("reply_in_reply_to"))
    ticket = Ticket.objects.get()
    assert first == f"opened {ticket.reference}"
    assert outcome == f"replied {ticket.reference}"
    assert ticket.messages.count() == 2


def test_a_colleague_who_sees_the_organization_tickets_may_reply(
    deliver: Deliver, customer_colleague: Contact, ticket: Ticket
) -> None:
    raw = read_fixture("reply_subject_reference", REFERENCE=ticket.reference).replace(
        b"dev@customer.example", b"colleague@customer.example"
    )
    outcome, _mail = deliver(raw)
    assert outcome == f"replied {ticket.reference}"


def test_reply_from_a_stranger_does_not_land_on_the_ticket(
    deliver: Deliver, ticket: Ticket
) -> None:
    outcome, mail = deliver(read_fixture("reply_from_stranger", REFERENCE=ticket.reference))
    new = Ticket.objects.exclude(pk=ticket.pk).get()
    assert outcome == f"opened {new.reference}"
    assert ticket.messages.count() == 1
    assert new.requester.emails.get().address == "stranger@elsewhere.example"
    # The old reference is gone from the new subject, so its mail threads to the new ticket.
    assert new.subject == "The report editor crashes on save"
    note = new.messages.get(kind=MessageKind.NOTE)
    assert ticket.reference in note.body_text
    assert mail.ticket_message == new.messages.get(kind=MessageKind.INBOUND)


def test_a_customer_of_another_organization_cannot_reply_to_the_ticket(
    deliver: Deliver, customer_of_another_organization: Contact, ticket: Ticket
) -> None:
    raw = read_fixture("reply_subject_reference", REFERENCE=ticket.reference).replace(
        b"dev@customer.example", b"other@elsewhere.example"
    )
    outcome, _mail = deliver(raw)
    assert outcome != f"replied {ticket.reference}"
    assert Ticket.objects.get(requester=customer_of_another_organization)


def test_a_reply_to_a_closed_ticket_opens_a_new_one_that_mentions_it(
    deliver: Deliver, customer: Contact, ticket: Ticket
) -> None:
    change_status(actor=SYSTEM, ticket=ticket, status=Status.CLOSED)
    outcome, _mail = deliver(read_fixture("reply_subject_reference", REFERENCE=ticket.reference))
    new = Ticket.objects.exclude(pk=ticket.pk).get()
    assert outcome == f"opened {new.reference}"
    assert new.requester == customer
    note = new.messages.get(kind=MessageKind.NOTE)
    assert (
        note.body_text
        == f"Follow-up to {ticket.reference}, which was closed when this mail arrived."
    )


def test_a_reference_to_a_ticket_that_does_not_exist_opens_a_new_ticket(
    deliver: Deliver, customer: Contact
) -> None:
    outcome, _mail = deliver(read_fixture("reply_subject_reference", REFERENCE="SD-999999"))
    assert outcome.startswith("opened ")


def test_processing_twice_is_safe(deliver: Deliver, customer: Contact) -> None:
    _outcome, mail = deliver(read_fixture("plain_text"))
    assert process_mail(mail_id=mail.pk) == "skipped: already processed"
    mail.refresh_from_db()
    assert mail.attempts == 1
    assert Ticket.objects.count() == 1


def test_the_same_message_accepted_twice_makes_one_ticket(
    deliver: Deliver, customer: Contact
) -> None:
    deliver(read_fixture("plain_text"))
    deliver(read_fixture("plain_text"))
    assert Ticket.objects.get().messages.count() == 1


def test_an_unknown_mail_id_is_skipped(db: None) -> None:
    assert process_mail(mail_id=123456) == "skipped: no such mail"


def test_a_nesting_bomb_goes_to_the_quarantine(deliver: Deliver, free_plan: object) -> None:
    outcome, mail = deliver(read_fixture("nesting_bomb"))
    assert outcome == (
        "quarantined: UnprocessableMail: MIME limit: "
        "400 nested MIME containers declared (limit 200)"
    )
    assert mail.status == InboundMail.Status.QUARANTINED
    assert mail.error.startswith("UnprocessableMail: MIME limit")
    assert mail.attempts == 1
    assert not Ticket.objects.exists()


def test_a_failure_rolls_back_the_ticket_and_quarantines_the_mail(
    deliver: Deliver, customer: Contact, monkeypatch: pytest.MonkeyPatch
) -> None:
    from supportdesk.channels.email import processing

    def explode(*, mail: InboundMail, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(processing, "_finish", lambda mail, **kwargs: explode(mail=mail))
    outcome, mail = deliver(read_fixture("plain_text"))
    assert outcome == "quarantined: RuntimeError: disk on fire"
    assert mail.status == InboundMail.Status.QUARANTINED
    assert mail.error == "RuntimeError: disk on fire"
    assert mail.ticket is None
    assert not Ticket.objects.exists()  # the ticket opened before the failure is rolled back
    assert mail.raw_id is not None  # nothing is deleted


def test_a_mail_without_a_sender_is_quarantined(deliver: Deliver, db: None) -> None:
    raw = read_fixture("plain_text").replace(b"From: Dev Eloper <Dev@Customer.Example>\r\n", b"")
    outcome, mail = deliver(raw)
    assert outcome == "quarantined: UnprocessableMail: no sender address in From"
    assert mail.status == InboundMail.Status.QUARANTINED


def test_a_replayed_mail_is_processed_again(
    deliver: Deliver, customer: Contact, monkeypatch: pytest.MonkeyPatch
) -> None:
    from supportdesk.channels.email import processing

    original = processing._apply
    monkeypatch.setattr(processing, "_apply", lambda *a: (_ for _ in ()).throw(OSError("bug")))
    _outcome, mail = deliver(read_fixture("plain_text"))
    assert mail.status == InboundMail.Status.QUARANTINED
    monkeypatch.setattr(processing, "_apply", original)  # the fix

    replay_quarantined(mail_id=mail.pk)
    mail.refresh_from_db()
    assert mail.status == InboundMail.Status.RECEIVED
    outcome = process_mail(mail_id=mail.pk)
    mail.refresh_from_db()
    assert outcome == f"opened {Ticket.objects.get().reference}"
    assert mail.status == InboundMail.Status.PROCESSED
    assert mail.error == ""
    assert mail.attempts == 2


def test_replay_enqueues_the_processing_task(deliver: Deliver, db: None) -> None:
    from django_tasks_db.models import DBTaskResult

    _outcome, mail = deliver(read_fixture("nesting_bomb"))
    before = DBTaskResult.objects.count()
    replay_quarantined(mail_id=mail.pk)
    assert DBTaskResult.objects.count() == before + 1


def test_only_quarantined_mail_can_be_replayed(deliver: Deliver, customer: Contact) -> None:
    _outcome, mail = deliver(read_fixture("plain_text"))
    with pytest.raises(InvalidTransition):
        replay_quarantined(mail_id=mail.pk)


def test_accept_then_process_from_an_imap_door_ignores_the_empty_envelope(
    customer: Contact,
) -> None:
    mail, _created = accept_message(read_fixture("plain_text"), source="imap")
    assert process_mail(mail_id=mail.pk).startswith("opened ")


def test_language_guess_defaults_to_english() -> None:
    assert guess_language("", "") == "en"
    assert guess_language("Hola", "Gracias por su ayuda, no puedo") == "es"
    assert guess_language("Bonjour", "Merci pour votre aide") == "fr"


def test_a_mail_with_a_file_over_9_mb_becomes_a_ticket_without_that_file(free_plan):
    from email.message import EmailMessage

    mail = EmailMessage()
    mail["From"] = "Dev <dev@customer.example>"
    mail["To"] = "support@example.com"
    mail["Subject"] = "Project attached"
    mail["Message-ID"] = "<big-1@customer.example>"
    mail.set_content("The project is attached.")
    mail.add_attachment(b"z" * 9_500_000, maintype="application", subtype="zip", filename="app.zip")
    stored, _ = accept_message(mail.as_bytes(), source="smtp", envelope_from="dev@customer.example")

    outcome = process_mail(mail_id=stored.pk)

    assert outcome.startswith("opened ")
    stored.refresh_from_db()
    (attachment,) = stored.ticket_message.attachments.all()
    assert (attachment.filename, attachment.blob, attachment.size) == ("app.zip", None, 9_500_000)
    assert attachment.removed_reason
    # The acknowledgement names the file left out (a mail without files skips that lookup).
    acknowledgement = OutboundMail.objects.get(ticket=stored.ticket)
    assert "- app.zip (9.5 MB)" in acknowledgement.body_text
