"""open_ticket: references, the first message, plans, validation, and its routing task."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from hypothesis import given
from hypothesis import strategies as st

from supportdesk.accounts.actors import SYSTEM
from supportdesk.core.errors import InvalidInput, PermissionDenied
from supportdesk.core.models import Blob
from supportdesk.tickets.choices import EventKind, MessageKind, Status
from supportdesk.tickets.models import Attachment, Message, Ticket, TicketCounter, TicketEvent
from supportdesk.tickets.references import FIRST_NUMBER
from supportdesk.tickets.services import NewAttachment, open_ticket
from supportdesk.tickets.services.common import clean_line
from tests.factories import ProductFactory, ProductVersionFactory, make_ticket
from tests.tickets.helpers import events_of, reload

SCREENSHOT = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


# References


def test_a_reference_is_the_prefix_a_dash_and_the_number(customer):
    ticket = make_ticket(requester=customer)

    assert re.fullmatch(r"SD-\d+", ticket.reference)
    assert ticket.reference == f"SD-{ticket.number}"


def test_the_first_ticket_gets_the_first_number_of_the_sequence(customer):
    assert make_ticket(requester=customer).number == FIRST_NUMBER


def test_ticket_numbers_are_unique_and_increase(customer):
    numbers = [make_ticket(requester=customer).number for _ in range(6)]

    assert numbers == sorted(set(numbers))
    assert len(numbers) == 6


def test_the_reference_prefix_comes_from_the_settings(settings, customer):
    settings.SUPPORTDESK = {**settings.SUPPORTDESK, "TICKET_PREFIX": "HELP"}

    assert make_ticket(requester=customer).reference.startswith("HELP-")


# The first message


def test_the_first_message_is_stored_inbound_from_the_requester(customer):
    ticket = make_ticket(requester=customer, body_text="It crashes on save.", channel="portal")

    (message,) = Message.objects.filter(ticket=ticket)
    assert message.kind == MessageKind.INBOUND
    assert message.author_contact == customer
    assert message.author_technician is None
    assert message.channel == "portal"
    assert message.body_text == "It crashes on save."


def test_a_new_ticket_counts_its_first_message(customer):
    ticket = make_ticket(requester=customer)

    assert reload(ticket).message_count == 1


def test_a_new_ticket_is_new_and_dated_from_its_first_message(customer):
    ticket = reload(make_ticket(requester=customer))

    assert ticket.status == Status.NEW
    assert ticket.last_customer_message_at == ticket.created_at
    assert ticket.first_responded_at is None


def test_the_body_keeps_its_lines_but_loses_carriage_returns(customer):
    ticket = make_ticket(requester=customer, body_text="  Line one\r\nLine two\r\n  ")

    assert ticket.messages.get().body_text == "Line one\nLine two"


def test_an_attachment_records_its_name_type_size_and_sha256(customer):
    ticket = make_ticket(
        requester=customer,
        attachments=[NewAttachment("screen.png", SCREENSHOT, "image/png")],
    )

    attachment = Attachment.objects.get(message__ticket=ticket)
    assert attachment.filename == "screen.png"
    assert attachment.content_type == "image/png"
    assert attachment.size == len(SCREENSHOT)
    assert attachment.sha256 == hashlib.sha256(SCREENSHOT).hexdigest()
    assert attachment.blob.sha256 == attachment.sha256


def test_an_attachment_is_readable_back_through_the_storage(customer):
    ticket = make_ticket(requester=customer, attachments=[NewAttachment("a.png", SCREENSHOT)])

    blob = Attachment.objects.get(message__ticket=ticket).blob
    with default_storage.open(blob.content.name, "rb") as handle:
        assert handle.read() == SCREENSHOT


def test_the_same_bytes_attached_twice_are_stored_once(customer):
    first = make_ticket(
        requester=customer,
        attachments=[NewAttachment("a.png", SCREENSHOT), NewAttachment("copy.png", SCREENSHOT)],
    )
    second = make_ticket(requester=customer, attachments=[NewAttachment("b.png", SCREENSHOT)])

    attachments = Attachment.objects.filter(message__ticket__in=[first, second])
    assert attachments.count() == 3
    assert Blob.objects.count() == 1
    assert {a.blob_id for a in attachments} == {Blob.objects.get().pk}


def test_different_bytes_are_stored_apart(customer):
    make_ticket(
        requester=customer,
        attachments=[NewAttachment("a.txt", b"one"), NewAttachment("b.txt", b"two")],
    )

    assert Blob.objects.count() == 2


def test_an_attachment_name_loses_its_directories(customer):
    ticket = make_ticket(
        requester=customer, attachments=[NewAttachment("../../etc/passwd", b"root:x:0:0")]
    )

    assert Attachment.objects.get(message__ticket=ticket).filename == "passwd"


def test_an_attachment_without_a_usable_name_is_called_attachment(customer):
    ticket = make_ticket(requester=customer, attachments=[NewAttachment("...", b"data")])

    assert Attachment.objects.get(message__ticket=ticket).filename == "attachment"


def test_tags_given_at_opening_are_normalized(customer):
    ticket = make_ticket(requester=customer, tags=["Report Editor", "crash", " crash "])

    assert sorted(ticket.tags.values_list("name", flat=True)) == ["crash", "report-editor"]


# Plans and subscriptions


def test_a_customer_without_subscription_is_on_the_free_plan(customer, free_plan):
    ticket = make_ticket(requester=customer)

    assert ticket.plan == free_plan
    assert ticket.subscription is None


def test_a_customer_with_direct_assistance_gets_it_on_the_ticket(customer, direct_assistance):
    subscription = direct_assistance()

    ticket = make_ticket(requester=customer)

    assert ticket.subscription == subscription
    assert ticket.plan.code == "direct-assistance"


def test_an_expired_subscription_falls_back_to_the_free_plan(
    customer, free_plan, direct_assistance
):
    today = timezone.localdate()
    direct_assistance(starts_on=today - timedelta(days=400), ends_on=today - timedelta(days=1))

    ticket = make_ticket(requester=customer)

    assert ticket.plan == free_plan
    assert ticket.subscription is None


def test_a_subscription_that_has_not_started_does_not_apply(customer, free_plan, direct_assistance):
    today = timezone.localdate()
    direct_assistance(starts_on=today + timedelta(days=1), ends_on=today + timedelta(days=30))

    assert make_ticket(requester=customer).plan == free_plan


def test_a_subscription_of_another_organization_does_not_apply(
    customer, customer_of_another_organization, free_plan, direct_assistance
):
    direct_assistance(organization=customer_of_another_organization.organization)

    assert make_ticket(requester=customer).plan == free_plan


# Validation


@pytest.mark.parametrize("subject", ["", "   ", "\r\n\t"])
def test_an_empty_subject_is_refused_naming_the_field(customer, subject):
    with pytest.raises(InvalidInput) as refused:
        make_ticket(requester=customer, subject=subject)

    assert "subject" in refused.value.problems


def test_a_subject_longer_than_250_characters_is_refused(customer):
    with pytest.raises(InvalidInput) as refused:
        make_ticket(requester=customer, subject="x" * 251)

    assert "subject" in refused.value.problems


def test_a_subject_with_line_breaks_is_flattened_to_one_line(customer):
    ticket = make_ticket(requester=customer, subject="Crash\r\nBcc: victim@example.com\n  now")

    assert reload(ticket).subject == "Crash Bcc: victim@example.com now"


def test_control_characters_in_the_subject_become_spaces(customer):
    ticket = make_ticket(requester=customer, subject="Crash\x00on\x1bsave\x85now")

    assert reload(ticket).subject == "Crash on save now"


@given(st.text(max_size=300))
def test_a_cleaned_subject_is_one_trimmed_line_without_control_characters(text):
    try:
        line = clean_line(text, field="subject", max_length=250)
    except InvalidInput as refused:
        assert set(refused.problems) == {"subject"}
        return

    assert line
    assert line == line.strip()
    assert len(line) <= 250
    assert not any(unicodedata.category(ch) == "Cc" for ch in line)
    assert "\u2028" not in line and "\u2029" not in line


def test_nul_characters_are_dropped_from_the_body(customer):
    """PostgreSQL refuses NUL in text; broken mail carries them."""
    ticket = make_ticket(requester=customer, body_text="Log:\x00 done", body_html="<p>\x00x</p>")

    message = ticket.messages.get()
    assert (message.body_text, message.body_html) == ("Log: done", "<p>x</p>")


def test_nul_characters_are_dropped_from_an_attachment_type(customer):
    ticket = make_ticket(
        requester=customer, attachments=[NewAttachment("a.txt", b"a", "text/plain\x00")]
    )

    assert Attachment.objects.get(message__ticket=ticket).content_type == "text/plain"


def test_a_body_of_nothing_but_nul_characters_is_empty(customer):
    with pytest.raises(InvalidInput) as refused:
        make_ticket(requester=customer, body_text="\x00\x00")

    assert "body" in refused.value.problems


def test_an_empty_body_is_refused_naming_the_field(customer):
    with pytest.raises(InvalidInput) as refused:
        make_ticket(requester=customer, body_text=" \r\n ")

    assert "body" in refused.value.problems


def test_a_version_of_another_product_is_refused(customer, product):
    webdev_version = ProductVersionFactory(product=ProductFactory(code="webdev"))

    with pytest.raises(InvalidInput) as refused:
        make_ticket(requester=customer, product=product, product_version=webdev_version)

    assert "product_version" in refused.value.problems


def test_a_version_without_a_product_is_refused(customer, product):
    with pytest.raises(InvalidInput) as refused:
        make_ticket(requester=customer, product_version=ProductVersionFactory(product=product))

    assert "product_version" in refused.value.problems


def test_a_version_of_the_ticket_product_is_kept(customer, product):
    version = ProductVersionFactory(product=product, name="2025")

    ticket = make_ticket(requester=customer, product=product, product_version=version)

    assert reload(ticket).product_version == version


@pytest.mark.parametrize("field", ["category", "priority", "channel", "language"])
def test_an_unknown_choice_is_refused_naming_the_field(customer, field):
    with pytest.raises(InvalidInput) as refused:
        make_ticket(requester=customer, **{field: "bogus"})

    assert field in refused.value.problems


def test_every_problem_is_named_at_once(customer):
    with pytest.raises(InvalidInput) as refused:
        make_ticket(requester=customer, category="bogus", priority="bogus")

    assert set(refused.value.problems) >= {"category", "priority"}


def test_a_refused_ticket_leaves_nothing_behind_and_uses_no_number(customer):
    with pytest.raises(InvalidInput):
        make_ticket(requester=customer, channel="pigeon")

    assert not Ticket.objects.exists()
    assert make_ticket(requester=customer).number == FIRST_NUMBER


def test_the_language_defaults_to_the_requester_language(customer):
    customer.language = "fr"
    customer.save()

    assert make_ticket(requester=customer).language == "fr"


# Who may open


def test_a_customer_cannot_open_a_ticket_in_someone_elses_name(
    customer, customer_of_another_organization
):
    with pytest.raises(PermissionDenied):
        make_ticket(requester=customer_of_another_organization, actor=customer)

    assert not Ticket.objects.exists()


def test_a_customer_can_open_a_ticket_in_their_own_name(customer):
    ticket = make_ticket(requester=customer, actor=customer, channel="portal")

    (opened,) = events_of(ticket, EventKind.OPENED)
    assert opened.actor_contact == customer


def test_a_technician_can_open_a_ticket_for_a_customer_on_the_phone(customer, technician):
    ticket = make_ticket(requester=customer, actor=technician, channel="phone")

    assert ticket.requester == customer
    assert ticket.messages.get().author_contact == customer
    assert events_of(ticket, EventKind.OPENED)[0].actor_technician == technician


# The routing task


def test_a_ticket_without_a_team_enqueues_its_routing(customer):
    ticket = make_ticket(requester=customer)

    (task,) = DBTaskResult.objects.all()
    assert task.task_path == "supportdesk.tickets.tasks.route_ticket"
    assert task.args_kwargs == {"args": [], "kwargs": {"ticket_id": ticket.pk}}


def test_a_ticket_opened_in_a_team_enqueues_no_routing(customer, team):
    make_ticket(requester=customer, team=team)

    assert not DBTaskResult.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_opening_leaves_neither_ticket_nor_task(customer):
    """A real transaction (not a savepoint in the test's own): the task row is written
    with the ticket, so the caller's rollback takes both away."""
    with pytest.raises(RuntimeError), transaction.atomic():
        make_ticket(requester=customer)
        raise RuntimeError("the caller failed after opening")

    assert not Ticket.objects.exists()
    assert not DBTaskResult.objects.exists()
    assert not TicketEvent.objects.exists()
    assert not TicketCounter.objects.exclude(value=0).exists()


def test_the_system_opens_tickets_for_mail_intake(customer):
    ticket = open_ticket(
        actor=SYSTEM,
        requester=customer,
        subject="Licence",
        body_text="Where is my key?",
        channel="email",
    )

    assert events_of(ticket, EventKind.OPENED)[0].actor_name == "system"


def test_customer_html_is_stored_without_scripts_or_event_handlers(customer, team):
    ticket = make_ticket(
        requester=customer,
        team=team,
        body_html='<p onclick="steal()">Hello <script>alert(1)</script><b>there</b></p>',
    )
    html = ticket.messages.get().body_html
    assert "<b>there</b>" in html
    assert "script" not in html
    assert "onclick" not in html
