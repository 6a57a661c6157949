"""Who may add to a ticket by mail: its contacts, colleagues from the organization's mail
domains, and never a sender who failed authentication on someone else's ticket."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from supportdesk.accounts.models import Contact, ContactEmail, OrganizationMailDomain
from supportdesk.channels.email.models import InboundMail, OutboundMail
from supportdesk.tickets.access import contact_can_view, tickets_visible_to
from supportdesk.tickets.choices import EventKind, MessageKind
from supportdesk.tickets.models import Ticket
from tests.channels.email.conftest import read_fixture

Deliver = Callable[..., tuple[str, InboundMail]]


@pytest.fixture(autouse=True)
def trust_our_mta(settings: Any) -> None:
    settings.SUPPORTDESK = {**settings.SUPPORTDESK, "MAIL_TRUSTED_AUTHSERV_IDS": ["mx.example.com"]}


@pytest.fixture
def colleague_domain(customer: Contact) -> OrganizationMailDomain:
    assert customer.organization is not None
    return OrganizationMailDomain.objects.create(
        organization=customer.organization, domain="customer.example"
    )


def as_sender(raw: bytes, address: bytes) -> bytes:
    return raw.replace(b"dev@customer.example", address)


# -- the record -------------------------------------------------------------------------------


def test_every_processed_mail_records_its_authenticity(deliver: Deliver, customer: Contact) -> None:
    _outcome, mail = deliver(read_fixture("plain_text"))
    assert mail.authenticity == InboundMail.Authenticity.NONE
    assert mail.authenticity_details["reason"] == "no authentication results"
    message = Ticket.objects.get().messages.get()
    assert message.origin["sender_verified"] == "none"
    assert message.origin["inbound_mail"] == mail.pk


def test_a_verified_reply_records_pass_on_the_mail_and_the_message(
    deliver: Deliver, ticket: Ticket
) -> None:
    outcome, mail = deliver(read_fixture("auth_results_office365", REFERENCE=ticket.reference))
    assert outcome == f"replied {ticket.reference}"
    assert mail.authenticity == "pass"
    assert [item["method"] for item in mail.authenticity_details["results"]] == [
        "dkim",
        "dmarc",
        "spf",
    ]
    assert mail.ticket_message is not None
    assert mail.ticket_message.origin["sender_check"] == "DMARC passed for customer.example"


def test_a_quarantined_mail_keeps_its_authenticity(deliver: Deliver, ticket: Ticket) -> None:
    raw = read_fixture("reply_dmarc_fail", REFERENCE=ticket.reference).replace(
        b"From: Dev Eloper <dev@customer.example>\r\n", b""
    )
    outcome, mail = deliver(raw)
    assert outcome.startswith("quarantined")
    assert mail.authenticity == "none"  # no From: nothing to check it against


def test_an_ignored_automatic_mail_records_its_authenticity(
    deliver: Deliver, free_plan: object
) -> None:
    _outcome, mail = deliver(read_fixture("auto_submitted"))
    assert mail.status == InboundMail.Status.IGNORED
    assert mail.authenticity == "none"


# -- a failing sender ---------------------------------------------------------------------------


def test_a_failing_mail_from_a_colleague_never_lands_on_the_requesters_ticket(
    deliver: Deliver, customer_colleague: Contact, ticket: Ticket
) -> None:
    assert contact_can_view(customer_colleague, ticket)  # a contact of the ticket, and yet
    raw = as_sender(
        read_fixture("reply_dmarc_fail", REFERENCE=ticket.reference), b"colleague@customer.example"
    )
    outcome, mail = deliver(raw)
    new = Ticket.objects.exclude(pk=ticket.pk).get()
    assert outcome == f"opened {new.reference}"
    assert ticket.messages.count() == 1
    assert new.requester == customer_colleague
    notes = [note.body_text for note in new.messages.filter(kind=MessageKind.NOTE).order_by("id")]
    assert notes == [
        f"This mail refers to {ticket.reference}, but its sender could not be verified "
        f"(DMARC failed for customer.example): it was opened as a new request.",
        "No acknowledgement was sent: the sender could not be verified "
        "(DMARC failed for customer.example).",
    ]
    assert mail.authenticity == "fail"
    assert not OutboundMail.objects.exists()  # nothing to the address it may have forged


def test_a_verified_new_request_is_acknowledged(deliver: Deliver, customer: Contact) -> None:
    raw = read_fixture("auth_results_office365", REFERENCE="SD-999999")
    outcome, mail = deliver(raw)
    assert outcome.startswith("opened ")
    assert mail.authenticity == "pass"
    assert OutboundMail.objects.get().to_address == "dev@customer.example"


def test_dkim_and_spf_failing_is_enough_to_keep_a_reply_off_the_ticket(
    deliver: Deliver, customer_colleague: Contact, ticket: Ticket
) -> None:
    outcome, _mail = deliver(read_fixture("reply_dkim_and_spf_fail", REFERENCE=ticket.reference))
    assert outcome != f"replied {ticket.reference}"
    assert ticket.messages.count() == 1


def test_a_failing_mail_from_the_requester_lands_with_a_warning(
    deliver: Deliver, customer: Contact, ticket: Ticket
) -> None:
    outcome, _mail = deliver(read_fixture("reply_dmarc_fail", REFERENCE=ticket.reference))
    assert outcome == f"replied {ticket.reference}"
    reply = ticket.messages.filter(kind=MessageKind.INBOUND).order_by("-id").first()
    assert reply is not None and reply.author_contact == customer
    assert reply.body_text.startswith("Please send the license file")
    assert reply.origin["sender_verified"] == "fail"
    notes = list(ticket.messages.filter(kind=MessageKind.NOTE))
    assert [note.body_text for note in notes] == [
        "The mail above could not be verified as coming from its sender (DMARC failed for "
        "customer.example). Check with the requester before acting on it."
    ]


def test_without_information_a_contact_of_the_ticket_may_still_reply(
    deliver: Deliver, customer_colleague: Contact, ticket: Ticket, settings: Any
) -> None:
    settings.SUPPORTDESK = {**settings.SUPPORTDESK, "MAIL_TRUSTED_AUTHSERV_IDS": []}
    outcome, mail = deliver(read_fixture("reply_dkim_and_spf_fail", REFERENCE=ticket.reference))
    assert outcome == f"replied {ticket.reference}"
    assert mail.authenticity == "none"


def test_forged_results_under_another_authserv_id_change_nothing(
    deliver: Deliver, ticket: Ticket
) -> None:
    outcome, mail = deliver(read_fixture("auth_results_forged", REFERENCE=ticket.reference))
    assert outcome == f"replied {ticket.reference}"  # the requester's address: today's rule
    assert mail.authenticity == "none"


# -- colleagues of the organization ------------------------------------------------------------


def test_a_colleague_from_the_organizations_domain_adds_to_the_ticket_and_joins(
    deliver: Deliver, customer: Contact, ticket: Ticket, colleague_domain: OrganizationMailDomain
) -> None:
    outcome, _mail = deliver(
        read_fixture("reply_from_colleague_domain", REFERENCE=ticket.reference)
    )
    assert outcome == f"replied {ticket.reference}"
    colleague = ContactEmail.objects.get(address__iexact="ana.admin@customer.example").contact
    assert colleague.organization == customer.organization
    assert not colleague.sees_organization_tickets  # this ticket only, not all of them
    reply = ticket.messages.order_by("-id").first()
    assert reply is not None and reply.author_contact == colleague
    assert list(ticket.participants.all()) == [colleague]
    assert ticket.events.filter(kind=EventKind.PARTICIPANT_ADDED).count() == 1
    assert list(tickets_visible_to(colleague)) == [ticket]


def test_a_colleague_who_joined_may_reply_again(
    deliver: Deliver, ticket: Ticket, colleague_domain: OrganizationMailDomain
) -> None:
    raw = read_fixture("reply_from_colleague_domain", REFERENCE=ticket.reference)
    deliver(raw)
    outcome, _mail = deliver(raw.replace(b"colleague-domain-1@", b"colleague-domain-2@"))
    assert outcome == f"replied {ticket.reference}"
    assert ticket.messages.filter(kind=MessageKind.INBOUND).count() == 3
    assert ticket.events.filter(kind=EventKind.PARTICIPANT_ADDED).count() == 1


def test_without_a_configured_domain_the_same_sender_opens_a_new_ticket(
    deliver: Deliver, ticket: Ticket
) -> None:
    outcome, _mail = deliver(
        read_fixture("reply_from_colleague_domain", REFERENCE=ticket.reference)
    )
    assert outcome != f"replied {ticket.reference}"
    assert not ticket.participants.exists()


def test_a_colleague_domain_sender_who_fails_authentication_does_not_join(
    deliver: Deliver, ticket: Ticket, colleague_domain: OrganizationMailDomain
) -> None:
    raw = read_fixture("reply_from_colleague_domain", REFERENCE=ticket.reference).replace(
        b"dmarc=pass (p=NONE sp=NONE dis=NONE)", b"dmarc=fail (p=NONE sp=NONE dis=NONE)"
    )
    outcome, mail = deliver(raw)
    assert outcome != f"replied {ticket.reference}"
    assert mail.authenticity == "fail"
    sender = ContactEmail.objects.get(address__iexact="ana.admin@customer.example").contact
    assert sender.organization is None
    assert not ticket.participants.exists()


def test_a_contact_of_another_organization_is_no_colleague_whatever_the_address(
    deliver: Deliver, ticket: Ticket, colleague_domain: OrganizationMailDomain
) -> None:
    elsewhere = Contact.objects.create(name="Ana at a partner")
    elsewhere.organization = type(ticket.organization).objects.create(  # type: ignore[union-attr]
        name="Partner", customer_number="P1"
    )
    elsewhere.save()
    ContactEmail.objects.create(contact=elsewhere, address="ana.admin@customer.example")
    outcome, _mail = deliver(
        read_fixture("reply_from_colleague_domain", REFERENCE=ticket.reference)
    )
    assert outcome != f"replied {ticket.reference}"
    assert not ticket.participants.exists()


# -- the sender's address ------------------------------------------------------------------------


def test_a_sender_address_too_long_to_store_is_quarantined_with_a_clear_error(
    deliver: Deliver, free_plan: object
) -> None:
    long_address = ("x" * 250 + "@customer.example").encode()
    outcome, mail = deliver(
        as_sender(read_fixture("reply_dmarc_fail", REFERENCE="SD-1"), long_address)
    )
    assert outcome == "quarantined: UnprocessableMail: sender address longer than 254 characters"
    assert mail.status == InboundMail.Status.QUARANTINED


# -- showing it ------------------------------------------------------------------------------------


def test_the_admin_filters_received_mail_by_authenticity(
    admin_client: Any, deliver: Deliver, ticket: Ticket
) -> None:
    deliver(read_fixture("reply_dmarc_fail", REFERENCE=ticket.reference))
    deliver(read_fixture("auth_results_office365", REFERENCE=ticket.reference))
    failing = admin_client.get("/admin/email_channel/inboundmail/?authenticity__exact=fail")
    assert failing.status_code == 200
    (mail,) = InboundMail.objects.filter(authenticity="fail")
    assert list(failing.context["cl"].result_list) == [mail]
    assert b'<td class="field-authenticity">Sender authentication failed</td>' in failing.content
    detail = admin_client.get(f"/admin/email_channel/inboundmail/{mail.pk}/change/")
    assert b"DMARC failed for customer.example" in detail.content


def test_quarantine_show_tells_the_senders_authenticity(
    capsys: pytest.CaptureFixture[str], deliver: Deliver, free_plan: object
) -> None:
    from supportdesk.cli import main

    raw = as_sender(
        read_fixture("reply_dmarc_fail", REFERENCE="SD-1"), ("x" * 250 + "@c.example").encode()
    ).replace(b"header.from=customer.example", b"header.from=c.example")
    _outcome, mail = deliver(raw)
    assert main(["mail", "quarantine", "show", str(mail.pk)]) == 0
    assert "sender:         fail (DMARC failed for c.example)" in capsys.readouterr().out


def test_a_colleague_domain_is_stored_lowercase_without_at(customer: Contact) -> None:
    domain = OrganizationMailDomain(organization=customer.organization, domain=" @Customer.Example")
    domain.full_clean()
    assert domain.domain == "customer.example"
    with pytest.raises(ValidationError):
        OrganizationMailDomain(
            organization=customer.organization, domain="not a domain"
        ).full_clean()


def test_after_a_merge_the_source_requester_goes_on_replying_on_the_merged_ticket(
    deliver: Deliver,
    supervisor: Any,
    customer: Contact,
    customer_colleague: Contact,
    ticket: Ticket,
) -> None:
    from supportdesk.tickets.services import merge_tickets
    from tests.factories import make_ticket

    customer_colleague.sees_organization_tickets = False
    customer_colleague.save()
    target = make_ticket(requester=customer_colleague)
    merge_tickets(actor=supervisor, source=ticket, target=target)
    outcome, _mail = deliver(read_fixture("reply_subject_reference", REFERENCE=ticket.reference))
    assert outcome == f"replied {target.reference}"
    assert list(target.participants.all()) == [customer]
