"""The standardized email (CONTRACTS.md C): recognized by its request part, turned into a
ticket with every field of the document, routed, acknowledged; refused documents are opened
as ordinary mail and their problems mailed back by field, in the customer's language.

The mail is built here exactly as the contract describes it (the request tool writes the
same), and goes through process_mail, a real SMTP conversation and `supportdesk mail ingest`."""

from __future__ import annotations

import hashlib
import json
import smtplib
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path
from typing import Any

import pytest

from supportdesk.accounts.models import Contact, Team
from supportdesk.catalog.models import Product
from supportdesk.channels.email.intake import accept_message
from supportdesk.channels.email.models import InboundMail, OutboundMail
from supportdesk.channels.email.outbound import build_message
from supportdesk.channels.email.parsing import REQUEST_CONTENT_TYPE, parse_mail
from supportdesk.channels.email.processing import process_mails
from supportdesk.channels.email.receivers.smtpd import MailListener
from supportdesk.plans.models import Plan
from supportdesk.tickets.choices import Category, Channel, MessageKind, Priority
from supportdesk.tickets.models import Ticket
from tests.channels.email.conftest import read_fixture
from tests.channels.email.test_ingest import clean_env, supportdesk
from tests.channels.email.test_smtpd import start_listener, stop_listener
from tests.factories import make_ticket
from tests.requests.documents import full_request, manifest_entry

Deliver = Callable[..., tuple[str, InboundMail]]
NINE_MB = 9 * 1000 * 1000
LOG = b"12:00:01 ERROR 70012 footer block not found\n" * 10
SCREENSHOT = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def standardized_mail(
    document: dict[str, Any],
    files: Sequence[tuple[str, bytes]] = (),
    *,
    sender: str = "dev@customer.example",
    message_id: str = "<std-1@customer.example>",
    headers: Sequence[tuple[str, str]] = (),
    request_bytes: bytes | None = None,
) -> bytes:
    """The mail of CONTRACTS.md C: the readable text, the document as its own part, then
    each file (base64)."""
    message = EmailMessage()
    for name, value in headers:
        message[name] = value
    message["From"] = f"Dev Eloper <{sender}>"
    message["To"] = "support@example.com"
    related = document.get("related_ticket")
    subject = str(document.get("subject", "A request"))
    message["Subject"] = f"[{related}] {subject}" if related else subject
    message["Message-ID"] = message_id
    message["X-Supportdesk-Request"] = "1"
    message.set_content(
        f"{subject}\n\nSteps:\n1. Open INVOICE.wde\n\n(sent with supportdesk-request)\n",
        charset="utf-8",
    )
    message.make_mixed()
    message.add_attachment(
        request_bytes
        if request_bytes is not None
        else json.dumps(document, ensure_ascii=False, indent=2).encode(),
        maintype="application",
        subtype="vnd.supportdesk.request+json",
        disposition="attachment",
        filename="supportdesk-request.json",
        params={"charset": "utf-8"},
    )
    for name, content in files:
        message.add_attachment(
            content, maintype="application", subtype="octet-stream", filename=name
        )
    return message.as_bytes(policy=SMTP)


@pytest.fixture
def catalog(catalog: Product, team: Team) -> Product:
    """The shared catalog (tests/conftest.py), with WINDEV's team to route to."""
    return catalog


def with_files(**overrides: Any) -> tuple[dict[str, Any], list[tuple[str, bytes]]]:
    files = [("editor.log", LOG), ("footer.png", SCREENSHOT)]
    document = full_request(
        attachments=[
            manifest_entry("editor.log", LOG, "log"),
            manifest_entry("footer.png", SCREENSHOT, "screenshot"),
        ],
        **overrides,
    )
    return document, files


def assert_every_field(ticket: Ticket, document: dict[str, Any], requester: Contact) -> None:
    assert ticket.requester == requester
    assert ticket.subject == document["subject"]
    assert ticket.product is not None and ticket.product.code == "windev"
    assert ticket.product_version is not None and ticket.product_version.name == "2026"
    assert ticket.category == Category.BUG
    assert ticket.priority == Priority.HIGH
    assert ticket.language == "fr"
    assert ticket.channel == Channel.REQUEST_TOOL
    assert ticket.details == document
    message = ticket.messages.get()
    assert message.kind == MessageKind.INBOUND
    assert "1. Open INVOICE.wde\n2. Add a footer\n3. Save and reopen" in message.body_text
    assert "Error 70012: footer block not found" in message.body_text
    assert "Add-on: PDF export 3.1" in message.body_text
    stored = {item.filename: item for item in message.attachments.all()}
    # The request part is the document, not one of the customer's files.
    assert set(stored) == {"editor.log", "footer.png"}
    assert stored["editor.log"].sha256 == hashlib.sha256(LOG).hexdigest()
    assert stored["editor.log"].blob is not None and stored["editor.log"].blob.size == len(LOG)
    assert stored["footer.png"].sha256 == hashlib.sha256(SCREENSHOT).hexdigest()


# -- recognized and filed ---------------------------------------------------------------------


def test_the_request_part_is_recognized_by_its_content_type_and_kept_out_of_the_files() -> None:
    document, files = with_files()
    parsed = parse_mail(standardized_mail(document, files))
    assert parsed.request_part is not None
    assert parsed.request_part.content_type == REQUEST_CONTENT_TYPE
    assert json.loads(parsed.request_part.content) == document
    assert [item.filename for item in parsed.attachments] == ["editor.log", "footer.png"]
    assert "sent with supportdesk-request" in parsed.text
    assert parse_mail(read_fixture("plain_text")).request_part is None


@pytest.mark.parametrize("encoding", ["8bit", "quoted-printable", "base64"])
def test_the_document_is_read_byte_for_byte_in_any_transfer_encoding(encoding: str) -> None:
    document = full_request(subject="L'éditeur plante — ñ 日本")
    message = EmailMessage()
    message["From"] = "dev@customer.example"
    message["Subject"] = "x"
    message.set_content("readable text")
    message.make_mixed()
    content = json.dumps(document, ensure_ascii=False).encode()
    message.add_attachment(
        content,
        maintype="application",
        subtype="vnd.supportdesk.request+json",
        filename="supportdesk-request.json",
        params={"charset": "utf-8"},
        cte=encoding,
    )
    parsed = parse_mail(message.as_bytes(policy=SMTP))
    assert parsed.request_part is not None
    assert parsed.request_part.content == content
    assert parsed.attachments == ()


def test_a_standardized_mail_becomes_a_routed_acknowledged_ticket_with_every_field(
    deliver: Deliver, catalog: Product, customer: Contact, team: Team, run_tasks: Any
) -> None:
    document, files = with_files()

    outcome, mail = deliver(standardized_mail(document, files))

    ticket = Ticket.objects.get()
    assert outcome == f"opened {ticket.reference} (standard request)"
    assert mail.status == InboundMail.Status.PROCESSED
    assert mail.ticket == ticket
    assert mail.ticket_message == ticket.messages.get()
    assert_every_field(ticket, document, customer)
    origin = ticket.messages.get().origin
    assert origin["transport"] == "email"
    assert origin["message_id"] == "std-1@customer.example"
    assert origin["inbound_mail"] == mail.pk
    assert origin["sender_verified"] == "none"
    assert origin["format"] == "supportdesk-request v1"
    # Acknowledged like any mail, in the request's language, with the promise; the customer
    # used the tool, so the acknowledgement does not recommend it.
    acknowledgement = OutboundMail.objects.get()
    assert acknowledgement.kind == OutboundMail.Kind.ACKNOWLEDGEMENT
    assert acknowledgement.to_address == "dev@customer.example"
    assert ticket.reference in acknowledgement.body_text
    assert "Nous vous répondrons avant le" in acknowledgement.body_text
    assert "outil de demande" not in acknowledgement.body_text
    assert acknowledgement.in_reply_to == "std-1@customer.example"

    run_tasks()  # routing, as for any other request

    ticket.refresh_from_db()
    assert ticket.team == team


def test_a_workers_batch_reads_a_standardized_mail_beside_ordinary_mail(
    catalog: Product, customer: Contact, team: Team
) -> None:
    """The worker processes mail in batches (process_mails): the standardized request in one
    is filed with every field and routed in the batch, like the one process_mail files."""
    document, files = with_files()
    standard, _ = accept_message(
        standardized_mail(document, files),
        source="smtp",
        envelope_from="dev@customer.example",
        envelope_to=["support@example.com"],
    )
    ordinary, _ = accept_message(
        read_fixture("plain_text"),
        source="smtp",
        envelope_from="someone@elsewhere.example",
        envelope_to=["support@example.com"],
    )

    outcomes = process_mails([ordinary.pk, standard.pk])

    ticket = Ticket.objects.get(channel=Channel.REQUEST_TOOL)
    assert outcomes[1] == f"opened {ticket.reference} (standard request)"
    assert outcomes[0].startswith("opened ")
    assert_every_field(ticket, document, customer)
    assert ticket.team == team  # routed inside the batch, no routing task
    assert OutboundMail.objects.filter(
        kind=OutboundMail.Kind.ACKNOWLEDGEMENT, to_address="dev@customer.example"
    ).exists()


@pytest.fixture
def smtp_server(transactional_db: None) -> Iterator[MailListener]:
    listener = start_listener("smtp", max_bytes=40 * 1024 * 1024)
    yield listener
    stop_listener(listener)


def test_a_standardized_mail_through_a_real_smtp_conversation(
    smtp_server: MailListener, catalog: Product, customer: Contact, team: Team, run_tasks: Any
) -> None:
    document, files = with_files()
    with smtplib.SMTP(smtp_server.hostname, smtp_server.port, timeout=10) as client:
        refused = client.sendmail(
            "dev@customer.example", ["support@example.com"], standardized_mail(document, files)
        )
    assert refused == {}

    run_tasks()  # the worker: processing, then routing

    ticket = Ticket.objects.get()
    assert_every_field(ticket, document, customer)
    assert ticket.team == team
    assert InboundMail.objects.get().status == InboundMail.Status.PROCESSED
    assert OutboundMail.objects.get(kind=OutboundMail.Kind.ACKNOWLEDGEMENT).to_address == (
        "dev@customer.example"
    )


SETUP = """
from supportdesk.accounts.models import Team
from supportdesk.catalog.models import Product, ProductVersion
product = Product.objects.create(code="windev", name="WINDEV")
ProductVersion.objects.create(product=product, name="2026", rank=26, on_sale=True)
team = Team.objects.create(name="WINDEV support", slug="windev", languages=["fr"])
team.products.add(product)
"""


def test_a_standardized_mail_through_supportdesk_mail_ingest(tmp_path: Path) -> None:
    env = clean_env(tmp_path)
    assert supportdesk(env, "migrate").returncode == 0
    setup = supportdesk(env, "manage", "shell", "-c", SETUP)
    assert setup.returncode == 0, setup.stderr
    # An unknown sender, as an MTA pipes it: a new contact, as for ordinary mail.
    document, files = with_files(customer={"email": "new@customer.example"})
    raw = standardized_mail(document, files, sender="new@customer.example")

    ingest = supportdesk(
        env, "mail", "ingest", "--from", "new@customer.example", "--to", "support@example.com",
        stdin=raw,
    )  # fmt: skip
    assert ingest.returncode == 0, ingest.stderr
    worker = supportdesk(
        env, "manage", "db_worker", "--batch", "--no-startup-delay", "--queue-name", "*"
    )
    assert worker.returncode == 0, worker.stderr

    [listed] = json.loads(supportdesk(env, "ticket", "list", "--json").stdout)["tickets"]
    shown = json.loads(supportdesk(env, "ticket", "show", listed["reference"], "--json").stdout)
    assert shown["subject"] == document["subject"]
    assert shown["product"]["code"] == "windev"
    assert shown["team"]["slug"] == "windev"
    database = sqlite3.connect(tmp_path / "data" / "supportdesk.sqlite3")
    with database:
        row = database.execute(
            "SELECT t.product_version_id IS NOT NULL, t.category, t.priority, t.language,"
            " t.channel, t.details, c.name FROM tickets_ticket t"
            " JOIN accounts_contact c ON c.id = t.requester_id"
        ).fetchone()
        hashes = dict(database.execute("SELECT filename, sha256 FROM tickets_attachment"))
        address = database.execute("SELECT address FROM accounts_contactemail").fetchone()
    database.close()
    assert row[:5] == (1, "bug", "high", "fr", "request_tool")
    assert json.loads(row[5]) == document
    assert address == ("new@customer.example",)
    assert hashes == {
        "editor.log": hashlib.sha256(LOG).hexdigest(),
        "footer.png": hashlib.sha256(SCREENSHOT).hexdigest(),
    }


def test_an_unknown_sender_becomes_a_contact_and_gets_the_acknowledgement(
    deliver: Deliver, catalog: Product
) -> None:
    document = full_request(customer={"email": "new@customer.example"}, language="es")
    outcome, _mail = deliver(standardized_mail(document, sender="new@customer.example"))

    ticket = Ticket.objects.get()
    assert outcome.startswith("opened")
    assert ticket.requester.emails.get().address == "new@customer.example"
    assert ticket.channel == Channel.REQUEST_TOOL
    assert ticket.language == "es"
    acknowledgement = OutboundMail.objects.get()
    assert acknowledgement.to_address == "new@customer.example"
    assert acknowledgement.body_text.startswith("Hola")


def test_an_oversize_attachment_is_removed_recorded_and_the_sender_told(
    deliver: Deliver, catalog: Product, customer: Contact
) -> None:
    video = bytes(range(256)) * (NINE_MB // 256 + 800)  # 9.2 MB: over the free plan's 9 MB
    document = full_request(
        attachments=[
            manifest_entry("editor.log", LOG, "log"),
            manifest_entry("capture.mp4", video, "screenshot"),
        ]
    )

    deliver(standardized_mail(document, [("editor.log", LOG), ("capture.mp4", video)]))

    ticket = Ticket.objects.get()
    stored = {item.filename: item for item in ticket.messages.get().attachments.all()}
    assert stored["capture.mp4"].blob is None
    assert stored["capture.mp4"].size == len(video)
    assert stored["capture.mp4"].sha256 == hashlib.sha256(video).hexdigest()
    assert "9 MB" in stored["capture.mp4"].removed_reason
    assert stored["editor.log"].blob is not None
    assert ticket.details == document  # the rest of the request is kept
    body = OutboundMail.objects.get().body_text
    assert "- capture.mp4 (9,2 MB)" in body  # in French, the request's language
    assert "lien de dépôt" in body


# -- follow-ups and who may make them ---------------------------------------------------------


def test_a_follow_up_lands_on_the_related_ticket(
    deliver: Deliver, catalog: Product, customer: Contact, ticket: Ticket
) -> None:
    document = full_request(related_ticket=ticket.reference, subject="Still failing in build .5")

    outcome, mail = deliver(standardized_mail(document, message_id="<std-2@customer.example>"))

    assert outcome == f"replied {ticket.reference} (standard request)"
    assert Ticket.objects.count() == 1
    message = ticket.messages.order_by("id").last()
    assert message is not None
    assert message.kind == MessageKind.INBOUND
    assert message.channel == Channel.REQUEST_TOOL
    assert message.body_text.startswith("Still failing in build .5")
    assert message.origin["request"] == document
    assert message.origin["message_id"] == "std-2@customer.example"
    assert mail.ticket == ticket
    assert not OutboundMail.objects.exists()  # a reply is not acknowledged, as by mail


def test_a_follow_ups_file_over_the_limit_is_removed_and_the_sender_told(
    deliver: Deliver, catalog: Product, customer: Contact, ticket: Ticket
) -> None:
    dump = bytes(range(256)) * (NINE_MB // 256 + 800)
    document = full_request(
        related_ticket=ticket.reference, attachments=[manifest_entry("crash.dmp", dump, "dump")]
    )

    outcome, _mail = deliver(standardized_mail(document, [("crash.dmp", dump)]))

    assert outcome.startswith(f"replied {ticket.reference}")
    message = ticket.messages.order_by("id").last()
    assert message is not None
    (removed,) = message.attachments.all()
    assert (removed.blob, removed.size) == (None, len(dump))
    assert removed.sha256 == hashlib.sha256(dump).hexdigest()
    notice = OutboundMail.objects.get()
    assert notice.is_automatic
    assert notice.to_address == "dev@customer.example"
    assert "- crash.dmp (9.2 MB)" in notice.body_text  # the ticket's language: English
    assert "ask for an upload link" in notice.body_text


def test_a_follow_up_from_someone_not_on_the_ticket_opens_a_new_one(
    deliver: Deliver, catalog: Product, ticket: Ticket, customer_of_another_organization: Contact
) -> None:
    document = full_request(
        related_ticket=ticket.reference, customer={"email": "other@elsewhere.example"}
    )

    outcome, _mail = deliver(standardized_mail(document, sender="other@elsewhere.example"))

    assert ticket.messages.count() == 1  # untouched
    new = Ticket.objects.exclude(pk=ticket.pk).get()
    assert outcome == f"opened {new.reference} (standard request)"
    assert new.requester == customer_of_another_organization
    assert new.product_version is not None  # still every field of the request
    assert (
        new.messages.get(kind=MessageKind.INBOUND).origin["related_ticket_refused"]
        == ticket.reference
    )
    [note] = new.messages.filter(kind=MessageKind.NOTE)
    assert "not a contact of that ticket" in note.body_text


FAILED_DMARC = (
    "Authentication-Results",
    "mx.example.com; dmarc=fail (p=REJECT) header.from=customer.example",
)


def test_a_forged_sender_never_lands_on_another_requesters_ticket(
    deliver: Deliver,
    catalog: Product,
    customer: Contact,
    customer_colleague: Contact,
    settings: Any,
) -> None:
    settings.SUPPORTDESK = {**settings.SUPPORTDESK, "MAIL_TRUSTED_AUTHSERV_IDS": ["mx.example.com"]}
    Contact.objects.filter(pk=customer.pk).update(sees_organization_tickets=True)
    theirs = make_ticket(requester=customer_colleague)
    document = full_request(related_ticket=theirs.reference)

    outcome, mail = deliver(standardized_mail(document, headers=[FAILED_DMARC]))

    assert mail.authenticity == InboundMail.Authenticity.FAIL
    assert theirs.messages.count() == 1
    new = Ticket.objects.exclude(pk=theirs.pk).get()
    assert outcome == f"opened {new.reference} (standard request)"
    assert new.messages.get(kind=MessageKind.INBOUND).origin["sender_verified"] == "fail"
    notes = " ".join(new.messages.filter(kind=MessageKind.NOTE).values_list("body_text", flat=True))
    assert "could not be verified" in notes
    assert "No acknowledgement was sent" in notes
    assert not OutboundMail.objects.exists()  # nothing to the address it may have forged


# -- refused requests -------------------------------------------------------------------------


def test_an_invalid_request_is_opened_as_mail_and_its_problems_mailed_back_in_spanish(
    deliver: Deliver, catalog: Product, customer: Contact
) -> None:
    document, files = with_files(language="es")
    del document["steps"]
    document["product"]["version"] = "1999"
    document["attachments"][0]["size"] = 1

    outcome, mail = deliver(standardized_mail(document, files))

    ticket = Ticket.objects.get()
    assert outcome == f"opened {ticket.reference} (standard request refused: 3 problem(s))"
    assert mail.status == InboundMail.Status.PROCESSED  # kept, not dropped, not held back
    assert ticket.channel == Channel.EMAIL
    # Read like any free-form mail: the product guessed from what it says (its version,
    # unknown, is not), for its team; the rest for a technician to fill in.
    assert ticket.product == catalog
    assert ticket.product_version is None
    inbound = ticket.messages.get(kind=MessageKind.INBOUND)
    assert "sent with supportdesk-request" in inbound.body_text
    kept = {item.filename: item for item in inbound.attachments.all()}
    assert set(kept) == {"editor.log", "footer.png", "supportdesk-request.json"}
    note = ticket.messages.get(kind=MessageKind.NOTE).body_text
    assert "/product/version: unknown version '1999' of WINDEV" in note

    problems = OutboundMail.objects.get(kind=OutboundMail.Kind.NOTICE)
    assert problems.to_address == "dev@customer.example"
    assert problems.is_automatic
    assert (
        problems.subject
        == f"[{ticket.reference}] Su solicitud necesita correcciones: {ticket.subject}"
    )
    body = problems.body_text
    assert f"como {ticket.reference}" in body
    assert "La solicitud no fue aceptada: 3 problema(s) por corregir." in body
    assert "- /steps: este campo es obligatorio" in body
    assert (
        "- /product/version: versión desconocida '1999' de WINDEV; "
        "versiones conocidas: 2026, 2025" in body
    )
    assert "- /attachments/0/size: el archivo 'editor.log' tiene" in body
    sent = build_message(problems)
    assert sent["Auto-Submitted"] == "auto-replied"
    assert sent["In-Reply-To"] == "<std-1@customer.example>"


def test_a_refused_requests_acknowledgement_does_not_recommend_the_tool_its_sender_used(
    deliver: Deliver, catalog: Product, customer: Contact, settings: Any
) -> None:
    """Opened as ordinary mail, a refused request is still acknowledged; but its sender
    used the request tool, and the problems mail says what to correct: no "next time, try
    the request tool". By process_mail and by a worker's batch alike; free-form mail in the
    same batch keeps the advice."""
    settings.SUPPORTDESK = {
        **settings.SUPPORTDESK,
        "REQUEST_TOOL_URL": "https://support.example.com/request-tool",
    }
    refused = full_request()
    del refused["steps"]

    deliver(standardized_mail(refused))
    batch_refused, _ = accept_message(
        standardized_mail(refused, message_id="<std-2@customer.example>"),
        source="smtp",
        envelope_from="dev@customer.example",
        envelope_to=["support@example.com"],
    )
    free_form, _ = accept_message(
        read_fixture("plain_text"),
        source="smtp",
        envelope_from="someone@elsewhere.example",
        envelope_to=["support@example.com"],
    )
    process_mails([batch_refused.pk, free_form.pk])

    free_form.refresh_from_db()
    acknowledgements = OutboundMail.objects.filter(kind=OutboundMail.Kind.ACKNOWLEDGEMENT)
    to_tool_user = list(acknowledgements.exclude(ticket=free_form.ticket))
    assert len(to_tool_user) == 2
    for acknowledgement in to_tool_user:
        assert acknowledgement.to_address == "dev@customer.example"
        assert "We have received your request" in acknowledgement.body_text
        assert "request tool" not in acknowledgement.body_text
        assert "support.example.com/request-tool" not in acknowledgement.body_text
    other = acknowledgements.get(ticket=free_form.ticket).body_text
    assert "Next time, try the request tool" in other
    assert OutboundMail.objects.filter(kind=OutboundMail.Kind.NOTICE).count() == 2


def test_a_document_that_is_not_json_and_an_address_not_the_senders_are_named(
    deliver: Deliver, catalog: Product, customer: Contact
) -> None:
    raw = standardized_mail(full_request(), request_bytes=b"{not json")
    deliver(raw)
    body = OutboundMail.objects.get(kind=OutboundMail.Kind.NOTICE).body_text
    assert "- the whole request: the request is not a JSON document" in body  # contact's: en

    document = full_request(customer={"email": "boss@customer.example"}, language="fr")
    deliver(standardized_mail(document, message_id="<std-2@customer.example>"))
    body = OutboundMail.objects.filter(kind=OutboundMail.Kind.NOTICE).latest("id").body_text
    assert (
        "- /customer/email: 'boss@customer.example' n'est pas une adresse de l'expéditeur "
        "de ce message ; adresses de l'expéditeur : dev@customer.example" in body
    )
    assert Ticket.objects.count() == 2


def test_problem_mails_count_against_the_hourly_cap_on_automatic_mail(
    deliver: Deliver, catalog: Product, customer: Contact, settings: Any
) -> None:
    settings.SUPPORTDESK = {**settings.SUPPORTDESK, "MAIL_AUTO_REPLIES_PER_HOUR": 3}
    for number in range(3):
        deliver(standardized_mail(full_request(steps=[]), message_id=f"<loop-{number}@x>"))

    # The acknowledgement and the problems of the first two mails: then nothing more.
    assert Ticket.objects.count() == 3
    kinds = list(OutboundMail.objects.order_by("id").values_list("kind", flat=True))
    assert kinds == ["acknowledgement", "notice", "acknowledgement"]
    assert all(OutboundMail.objects.values_list("is_automatic", flat=True))


# -- free-form mail ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "fixture_text", "expected"),
    [
        ("en", "It crashes when I open the project.", "Next time, try the request tool"),
        ("es", "Hola, tengo un problema con el proyecto.", "pruebe la herramienta de solicitudes"),
        ("fr", "Bonjour, je ne peux pas ouvrir le projet.", "essayez l'outil de demande"),
    ],
)
def test_a_free_form_acknowledgement_recommends_the_request_tool(
    deliver: Deliver,
    free_plan: Plan,
    settings: Any,
    language: str,
    fixture_text: str,
    expected: str,
) -> None:
    settings.SUPPORTDESK = {
        **settings.SUPPORTDESK,
        "REQUEST_TOOL_URL": "https://support.example.com/request-tool",
    }
    raw = (
        "From: Dev <someone@customer.example>\r\nTo: support@example.com\r\n"
        "Subject: Help\r\nMessage-ID: <free-1@customer.example>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        f"{fixture_text}\r\n"
    ).encode()

    deliver(raw)

    ticket = Ticket.objects.get()
    assert ticket.language == language
    body = OutboundMail.objects.get().body_text
    assert expected in body
    assert "https://support.example.com/request-tool\n" in body


def test_the_request_tool_page_says_how_to_get_it(client: Any, settings: Any) -> None:
    page = client.get("/request-tool")
    assert page.status_code == 200
    assert "pip install supportdesk-request" in page.content.decode()
    assert settings.SUPPORTDESK["REQUEST_TOOL_URL"].endswith("/request-tool")
