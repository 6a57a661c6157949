"""Faxes from a fax-to-email gateway: a ticket message on channel "fax", in the caller's name,
and never a word back to the gateway."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from config.env import SettingError, env_mail_senders
from supportdesk.accounts.models import Contact, ContactPhone
from supportdesk.channels.email.fax import is_fax_gateway, normalize_number, read_fax
from supportdesk.channels.email.models import InboundMail, OutboundMail
from supportdesk.channels.email.parsing import parse_mail
from supportdesk.tickets.choices import Channel, MessageKind
from supportdesk.tickets.models import Ticket
from tests.channels.email.conftest import read_fixture
from tests.factories import ContactFactory

Deliver = Callable[..., tuple[str, InboundMail]]


@pytest.fixture
def gateways(settings: Any, free_plan: object) -> None:
    settings.SUPPORTDESK = {
        **settings.SUPPORTDESK,
        "FAX_GATEWAYS": ["fax@fax.example.net", "faxservice.example"],
        "MAIL_TRUSTED_AUTHSERV_IDS": ["mx.example.com"],
    }


def deliver_fax(deliver: Deliver, name: str = "fax_gateway_pdf") -> tuple[str, InboundMail]:
    return deliver(read_fixture(name), envelope_from="fax@fax.example.net")


def test_a_fax_becomes_a_ticket_on_the_fax_channel(deliver: Deliver, gateways: None) -> None:
    outcome, mail = deliver_fax(deliver)
    ticket = Ticket.objects.get()
    assert outcome == f"opened {ticket.reference} (fax)"
    assert ticket.channel == Channel.FAX
    assert ticket.subject == "Fax from +33 1 23 45 67 89 (2 pages)"
    message = ticket.messages.get()
    assert message.channel == Channel.FAX
    assert message.body_text.startswith("You have received a 2 page fax.")
    (pages,) = message.attachments.all()
    assert (pages.filename, pages.content_type) == ("fax_20261125_081238.pdf", "application/pdf")
    assert message.origin["fax_number"] == "+33123456789"
    assert message.origin["fax_pages"] == 2
    assert message.origin["sender_verified"] == "pass"
    assert mail.status == InboundMail.Status.PROCESSED
    assert mail.ticket == ticket


def test_an_unknown_caller_becomes_a_contact_named_by_the_number_without_an_address(
    deliver: Deliver, gateways: None
) -> None:
    deliver_fax(deliver)
    requester = Ticket.objects.get().requester
    assert requester.name == "Fax +33123456789"
    assert not requester.emails.exists()
    assert list(requester.phones.values_list("number", "kind")) == [("+33123456789", "fax")]


def test_a_known_number_files_the_fax_under_its_contact(deliver: Deliver, gateways: None) -> None:
    known = ContactFactory(name="Marie Martin", email="marie@customer.example")
    ContactPhone.objects.create(contact=known, number="+33123456789", kind="work")
    deliver_fax(deliver)
    ticket = Ticket.objects.get()
    assert ticket.requester == known
    assert ticket.organization == known.organization
    assert Contact.objects.count() == 1


def test_a_fax_line_wins_over_another_contacts_work_number(
    deliver: Deliver, gateways: None
) -> None:
    switchboard = ContactFactory(name="Reception")
    ContactPhone.objects.create(contact=switchboard, number="+33123456789", kind="work")
    faxer = ContactFactory(name="Back office")
    ContactPhone.objects.create(contact=faxer, number="+33123456789", kind="fax")
    deliver_fax(deliver)
    assert Ticket.objects.get().requester == faxer


def test_the_gateway_is_never_answered(deliver: Deliver, gateways: None) -> None:
    known = ContactFactory(name="Marie Martin", email="marie@customer.example")
    ContactPhone.objects.create(contact=known, number="+33123456789")
    deliver_fax(deliver)
    deliver_fax(deliver, "fax_gateway_tiff_number_in_body")
    assert Ticket.objects.count() == 2
    assert not OutboundMail.objects.exists()


def test_a_gateway_domain_with_the_number_in_the_body_and_a_tiff(
    deliver: Deliver, gateways: None
) -> None:
    outcome, _mail = deliver_fax(deliver, "fax_gateway_tiff_number_in_body")
    assert outcome.endswith("(fax)")  # Precedence: bulk does not make it ignored
    ticket = Ticket.objects.get()
    assert ticket.requester.name == "Fax +34915550123"
    assert ticket.language == "es"
    message = ticket.messages.get()
    assert [a.content_type for a in message.attachments.all()] == ["image/tiff"]
    assert message.origin["fax_pages"] == 1


def test_without_the_setting_gateway_mail_is_just_automatic_mail(
    deliver: Deliver, free_plan: object, settings: Any
) -> None:
    settings.SUPPORTDESK = {**settings.SUPPORTDESK, "MAIL_TRUSTED_AUTHSERV_IDS": ["mx.example.com"]}
    outcome, mail = deliver_fax(deliver)
    assert outcome == "ignored: auto-reply (Auto-Submitted: auto-generated)"
    assert not Ticket.objects.exists()
    assert mail.authenticity == "pass"


def test_a_bounce_from_the_gateway_domain_is_not_a_fax(
    deliver: Deliver, gateways: None, settings: Any
) -> None:
    settings.SUPPORTDESK = {**settings.SUPPORTDESK, "FAX_GATEWAYS": ["mx.customer.example"]}
    outcome, _mail = deliver(read_fixture("dsn_bounce"), envelope_from="")
    assert outcome.startswith("ignored: ")
    assert not Ticket.objects.exists()


def test_a_fax_whose_mail_fails_authentication_is_not_filed_under_a_known_number(
    deliver: Deliver, gateways: None
) -> None:
    known = ContactFactory(name="Marie Martin", email="marie@customer.example")
    ContactPhone.objects.create(contact=known, number="+33123456789")
    raw = read_fixture("fax_gateway_pdf").replace(b"dmarc=pass", b"dmarc=fail")
    outcome, mail = deliver(raw)
    ticket = Ticket.objects.get()
    assert outcome.endswith("(fax)")
    assert mail.authenticity == "fail"
    assert ticket.requester != known
    assert not ticket.requester.phones.exists()  # an unproven number is not recorded
    note = ticket.messages.get(kind=MessageKind.NOTE)
    assert "failed sender authentication (DMARC failed for fax.example.net)" in note.body_text


# -- reading the gateway's mail ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("subject", "body", "number", "pages"),
    [
        ("Fax from +33 1 23 45 67 89 (2 pages)", "", "+33123456789", 2),
        ("Fax von 0049 30 1234567", "", "+49301234567", None),
        ("Nouveau fax", "Expéditeur : 04 67 03 17 17\nPages : 3", "0467031717", 3),
        ("New fax", "Received 25/11/2026 16:39\nCaller: +1 (555) 123-4567", "+15551234567", None),
        ("New fax received", "Received 25/11/2026 16:39, 4 pages", "", 4),
    ],
)
def test_the_callers_number_and_pages_are_read(
    subject: str, body: str, number: str, pages: int | None
) -> None:
    raw = (
        f"From: fax@fax.example.net\r\nSubject: {subject}\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    )
    fax = read_fax(parse_mail(raw.encode()))
    assert (fax.number, fax.pages) == (number, pages)


def test_numbers_are_normalized() -> None:
    assert normalize_number("+33 (0)1-23.45") == "+33012345"
    assert normalize_number("0033 1 23") == "+33123"


def test_gateways_are_addresses_or_whole_domains() -> None:
    gateways = ["fax@fax.example.net", "faxservice.example"]
    assert is_fax_gateway("FAX@fax.example.net", gateways)
    assert not is_fax_gateway("someone@fax.example.net", gateways)
    assert is_fax_gateway("noreply@faxservice.example", gateways)
    assert not is_fax_gateway("noreply@evil-faxservice.example", gateways)
    assert not is_fax_gateway("", gateways)


def test_a_bad_gateway_setting_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUPPORTDESK_FAX_GATEWAYS", "fax@fax.example.net, not a domain")
    with pytest.raises(SettingError) as error:
        env_mail_senders("SUPPORTDESK_FAX_GATEWAYS", [])
    assert str(error.value) == (
        "SUPPORTDESK_FAX_GATEWAYS: expected addresses or domains like fax.example.net, "
        "got 'not a domain'"
    )
    monkeypatch.setenv("SUPPORTDESK_FAX_GATEWAYS", "Fax@Fax.Example.net,faxservice.example")
    assert env_mail_senders("SUPPORTDESK_FAX_GATEWAYS", []) == [
        "fax@fax.example.net",
        "faxservice.example",
    ]
