"""The request tool end to end over each of its three ways, against the real server parts:
the API (pytest-django's live_server), SMTP (the desk's own listener, then the worker) and an
.eml file piped into `supportdesk mail ingest` (a subprocess). Each test asserts that every
field the customer gave arrives on the ticket, that the ticket is routed to the product's team
and that the customer is acknowledged in the request's language with the reference and the
promise. Then refusals and oversize files over each way, and the wizard at a real terminal
through the real `supportdesk-request` command."""

from __future__ import annotations

import hashlib
import json
import os
import smtplib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pexpect
import pytest
from supportdesk_request import __version__

from supportdesk.accounts.models import Contact, Team
from supportdesk.channels.email.models import InboundMail, OutboundMail
from supportdesk.channels.email.receivers.smtpd import MailListener
from supportdesk.tickets.choices import Category, Channel, MessageKind, Priority
from supportdesk.tickets.models import Ticket
from tests.channels.email.test_ingest import clean_env, supportdesk
from tests.channels.email.test_smtpd import _quiet_aiosmtpd, start_listener, stop_listener
from tests.channels.email.test_standard_requests import standardized_mail
from tests.request_tool.conftest import ToolHome, bug_flags
from tests.requests.documents import full_request, manifest_entry

# The listener's thread logs every SMTP command; quieted as in the email desk's own tests.
pytestmark = pytest.mark.usefixtures("transactional_db", _quiet_aiosmtpd.__name__)

NINE_MB = 9 * 1000 * 1000
SUPPORT = "support@example.com"  # an address the test listener serves
PRODUCT_INFO = '{"database": "HFSQL 28", "addons": [{"name": "PDF export", "version": "3.1"}]}'
LOG = "12:00:01 ERROR 70012 footer block not found — ça arrive\n".encode() * 40
SCREENSHOT = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
CODE = 'report = iOpenReport("INVOICE")\nreport.Footer.Visible = True\nreport.Save()'
TOOL = Path(sys.executable).with_name("supportdesk-request")


def every_flag(tmp_path: Path) -> list[str]:
    """A bug report with every field the standard request has, two files and the product's
    own description of its environment (add-ons included)."""
    (tmp_path / "editor.log").write_bytes(LOG)
    (tmp_path / "footer.png").write_bytes(SCREENSHOT)
    (tmp_path / "extract.wl").write_text(CODE + "\n", encoding="utf-8")
    return [
        *bug_flags(),
        "--build", "28.0.412.3", "--edition", "Enterprise",
        "--expected", "The footer is kept.",
        "--frequency", "always",
        "--error-text", "Error 70012: footer block not found",
        "--workarounds", "Exporting to RTF keeps the footer.",
        "--code-file", str(tmp_path / "extract.wl"),
        "--urgency", "high",
        "--last-working-version", "2025",
        "--language", "fr",
        "--customer-number", "C100042",
        "--product-info", PRODUCT_INFO,
        "--attach", f"{tmp_path / 'editor.log'}:log",
        "--attach", str(tmp_path / "footer.png"),
    ]  # fmt: skip


def assert_every_field(
    ticket: dict[str, Any], details: dict[str, Any], attachments: dict[str, dict[str, Any]]
) -> None:
    """The ticket as the desk stored it (plain values, so a subprocess can report it too)."""
    assert ticket["subject"] == "The report editor loses the page footer on save"
    assert ticket["requester_email"] == "dev@customer.example"
    assert ticket["product"] == "windev"
    assert ticket["product_version"] == "2026"
    assert ticket["category"] == Category.BUG
    assert ticket["priority"] == Priority.HIGH
    assert ticket["channel"] == Channel.REQUEST_TOOL
    assert ticket["language"] == "fr"
    assert details["type"] == "bug"
    assert details["customer"] == {
        "email": "dev@customer.example",
        "customer_number": "C100042",
        "serial": "WD-2026-0001",
    }
    assert details["product"] == {
        "code": "windev",
        "version": "2026",
        "build": "28.0.412.3",
        "edition": "Enterprise",
    }
    assert details["steps"] == ["Open INVOICE.wde", "Add a footer", "Save"]
    assert details["expected"] == "The footer is kept."
    assert details["actual"] == "The footer is gone after saving and reopening."
    assert details["frequency"] == "always"
    assert details["error_text"] == "Error 70012: footer block not found"
    assert details["workarounds"] == "Exporting to RTF keeps the footer."
    assert details["code_extract"] == CODE
    assert details["urgency"] == "high"
    assert details["last_working_version"] == "2025"
    assert details["language"] == "fr"
    assert details["client"] == {"name": "supportdesk-request", "version": __version__}
    environment = details["environment"]
    assert environment["database"] == "HFSQL 28"
    assert environment["addons"] == [{"name": "PDF export", "version": "3.1"}]
    assert environment["os"] and environment["memory_mb"] > 0
    manifest = {entry["name"]: entry for entry in details["attachments"]}
    for name, content, role in (
        ("editor.log", LOG, "log"),
        ("footer.png", SCREENSHOT, "screenshot"),
    ):
        digest = hashlib.sha256(content).hexdigest()
        assert manifest[name] == {
            "name": name,
            "size": len(content),
            "sha256": digest,
            "role": role,
        }
        assert attachments[name] == {"size": len(content), "sha256": digest, "kept": True}
    assert set(attachments) == {"editor.log", "footer.png"}  # the request part is no file


def ticket_facts(ticket: Ticket) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    inbound = ticket.messages.get(kind=MessageKind.INBOUND)
    return (
        {
            "subject": ticket.subject,
            "requester_email": ticket.requester.emails.get().address,
            "product": ticket.product.code if ticket.product else None,
            "product_version": ticket.product_version.name if ticket.product_version else None,
            "category": ticket.category,
            "priority": ticket.priority,
            "channel": ticket.channel,
            "language": ticket.language,
        },
        ticket.details,
        {
            item.filename: {
                "size": item.blob.size if item.blob else item.size,
                "sha256": item.sha256,
                "kept": item.blob is not None,
            }
            for item in inbound.attachments.all()
        },
    )


def assert_french_acknowledgement_by_mail(ticket: Ticket) -> None:
    acknowledgement = OutboundMail.objects.get(kind=OutboundMail.Kind.ACKNOWLEDGEMENT)
    assert acknowledgement.to_address == "dev@customer.example"
    assert acknowledgement.ticket == ticket
    assert ticket.reference in acknowledgement.subject + acknowledgement.body_text
    assert "Nous vous répondrons avant le" in acknowledgement.body_text


# -- tool -> API -> ticket ---------------------------------------------------------------------


def test_over_the_api_every_field_arrives_routed_and_acknowledged_in_french(
    connected: ToolHome, tmp_path: Path, team: Team, run_tasks: Any
) -> None:
    run = connected.run("send", "--no-input", *every_flag(tmp_path))

    assert run.code == 0, run.stderr
    ticket = Ticket.objects.get()
    assert_every_field(*ticket_facts(ticket))
    # The acknowledgement over the API is the tool's own output, in the request's language:
    # the reference, the link to follow it and the promise.
    assert f"Ticket {ticket.reference} : http" in run.stdout
    assert f"/api/v1/tickets/{ticket.reference}" in run.stdout
    assert "Réponse prévue : " in run.stdout

    run_tasks()

    ticket.refresh_from_db()
    assert ticket.team == team
    shown = connected.run("status", ticket.reference, "--json").json()["ticket"]
    assert (shown["product_version"], shown["language"]) == ("2026", "fr")
    assert shown["answer_by_text"]


# -- tool -> SMTP -> ticket --------------------------------------------------------------------


@pytest.fixture
def smtp_door(tool: ToolHome) -> Iterator[MailListener]:
    """The desk's SMTP listener (what `supportdesk smtpd` runs) on a free port; the tool set
    up to mail it, without an API server (a customer who only has mail)."""
    listener = start_listener("smtp", max_bytes=40 * 1024 * 1024)
    tool.configure(
        email="dev@customer.example",
        serial="WD-2026-0001",
        support_address=SUPPORT,
        smtp_host=listener.hostname,
        smtp_port=listener.port,
    )
    yield listener
    stop_listener(listener)


def test_over_smtp_every_field_arrives_routed_and_acknowledged_in_french(
    tool: ToolHome,
    smtp_door: MailListener,
    catalog: Any,
    customer: Contact,
    team: Team,
    tmp_path: Path,
    run_tasks: Any,
) -> None:
    run = tool.run("send", "--no-input", "--transport", "smtp", *every_flag(tmp_path))

    assert run.code == 0, run.stderr
    assert f"Envoyé à {SUPPORT}" in run.stdout
    mail = InboundMail.objects.get()
    assert mail.envelope_from == "dev@customer.example"

    run_tasks()  # the worker: the mail is processed, then the ticket routed

    mail.refresh_from_db()
    ticket = Ticket.objects.get()
    assert mail.status == InboundMail.Status.PROCESSED and mail.ticket == ticket
    assert ticket.requester == customer
    assert_every_field(*ticket_facts(ticket))
    assert ticket.team == team
    assert_french_acknowledgement_by_mail(ticket)


# -- tool -> .eml -> `supportdesk mail ingest` -> ticket ----------------------------------------

SETUP = """
from decimal import Decimal
from supportdesk.accounts.models import Team
from supportdesk.catalog.models import Product, ProductVersion
from supportdesk.core.models import BusinessCalendar
from supportdesk.plans.models import Plan, SlaTarget
calendar = BusinessCalendar.objects.create(
    name="Paris office", time_zone="Europe/Paris", holiday_country="FR",
    weekly_hours={str(d): [["09:00", "12:00"], ["14:00", "18:00"]] for d in range(1, 6)},
)
plan = Plan.objects.create(code="free", name="Free", calendar=calendar)
SlaTarget.objects.create(
    plan=plan, metric="first_response", unit="working_days", target=Decimal(1), limit=Decimal(2)
)
product = Product.objects.create(code="windev", name="WINDEV")
ProductVersion.objects.create(product=product, name="2025", rank=25)
ProductVersion.objects.create(product=product, name="2026", rank=26, on_sale=True)
team = Team.objects.create(name="WINDEV support", slug="windev", languages=["fr"])
team.products.add(product)
# The customer and the licence the request names: entitled, so its urgency stands.
from supportdesk.accounts.models import Contact, ContactEmail, License, Organization
organization = Organization.objects.create(name="Customer SARL", customer_number="C100042")
contact = Contact.objects.create(organization=organization, name="Dev Eloper", language="fr")
ContactEmail.objects.create(contact=contact, address="dev@customer.example", is_primary=True)
License.objects.create(organization=organization, product=product, serial="WD-2026-0001")
"""

REPORT = """
import json
from supportdesk.channels.email.models import OutboundMail
from supportdesk.tickets.models import Ticket
ticket = Ticket.objects.get()
inbound = ticket.messages.get(kind="inbound")
ack = OutboundMail.objects.get(kind="acknowledgement")
print(json.dumps({
    "ticket": {
        "reference": ticket.reference,
        "subject": ticket.subject,
        "requester_email": ticket.requester.emails.get().address,
        "product": ticket.product.code,
        "product_version": ticket.product_version.name,
        "category": ticket.category,
        "priority": ticket.priority,
        "channel": ticket.channel,
        "language": ticket.language,
        "team": ticket.team.slug,
    },
    "details": ticket.details,
    "attachments": {
        a.filename: {"size": a.blob.size if a.blob else a.size, "sha256": a.sha256,
                     "kept": a.blob is not None}
        for a in inbound.attachments.all()
    },
    "ack": {"to": ack.to_address, "subject": ack.subject, "body": ack.body_text},
}))
"""


def test_an_eml_piped_into_mail_ingest_arrives_with_every_field_routed_and_acknowledged(
    tool: ToolHome, tmp_path: Path
) -> None:
    tool.configure(email="dev@customer.example", serial="WD-2026-0001", support_address=SUPPORT)
    eml = tmp_path / "request.eml"
    written = tool.run(
        "send", "--no-input", "--transport", "eml", "--out", str(eml), *every_flag(tmp_path)
    )
    assert written.code == 0, written.stderr
    assert "Écrit : " in written.stdout

    env = clean_env(tmp_path / "desk")
    assert supportdesk(env, "migrate").returncode == 0
    setup = supportdesk(env, "manage", "shell", "-c", SETUP)
    assert setup.returncode == 0, setup.stderr
    # As an MTA pipes it: the envelope on the command line, the mail on stdin.
    ingest = supportdesk(
        env, "mail", "ingest", "--from", "dev@customer.example", "--to", SUPPORT,
        stdin=eml.read_bytes(),
    )  # fmt: skip
    assert ingest.returncode == 0, ingest.stderr
    worker = supportdesk(
        env, "manage", "db_worker", "--batch", "--no-startup-delay", "--queue-name", "*"
    )
    assert worker.returncode == 0, worker.stderr

    report = supportdesk(env, "manage", "shell", "-c", REPORT)
    assert report.returncode == 0, report.stderr
    facts = json.loads(report.stdout.splitlines()[-1])  # after the shell's own note
    ticket = facts["ticket"]
    assert_every_field(ticket, facts["details"], facts["attachments"])
    assert ticket["team"] == "windev"
    assert facts["ack"]["to"] == "dev@customer.example"
    assert ticket["reference"] in facts["ack"]["subject"] + facts["ack"]["body"]
    assert "Nous vous répondrons avant le" in facts["ack"]["body"]


# -- refusals and oversize files ---------------------------------------------------------------


def test_over_the_api_a_refused_request_lists_its_problems_by_field_in_spanish(
    connected: ToolHome,
) -> None:
    run = connected.run(
        "send", "--no-input", "--no-collect", "--json",
        *bug_flags(**{"--product-version": "1999", "--language": "es"}),
        "--last-working-version", "1998",
    )  # fmt: skip

    assert run.code == 3
    answer = run.json()
    problems = {problem["field"]: problem["message"] for problem in answer["problems"]}
    assert "versión desconocida '1999' de WINDEV" in problems["/product/version"]
    assert "/product/version" in run.stderr
    assert not Ticket.objects.exists()


def test_over_the_api_a_file_over_the_policy_is_refused_before_anything_is_sent(
    connected: ToolHome, tmp_path: Path
) -> None:
    dump = tmp_path / "memory.dmp"
    dump.write_bytes(b"\0" * (NINE_MB + 1))

    run = connected.run(
        "send", "--no-input", "--no-collect", *bug_flags(), "--attach", f"{dump}:dump"
    )

    assert run.code == 2
    assert "memory.dmp" in run.stderr
    assert str(NINE_MB + 1) in run.stderr and str(NINE_MB) in run.stderr
    assert not Ticket.objects.exists()
    assert connected.outbox() == []  # refused, not queued: the customer must act


def test_over_the_api_compress_sends_a_file_that_zips_under_the_limit(
    connected: ToolHome, tmp_path: Path
) -> None:
    dump = tmp_path / "memory.dmp"
    dump.write_bytes(b"\0" * (NINE_MB + 1))

    run = connected.run(
        "send", "--no-input", "--no-collect", *bug_flags(),
        "--attach", f"{dump}:dump", "--compress",
    )  # fmt: skip

    assert run.code == 0, run.stderr
    ticket = Ticket.objects.get()
    [stored] = ticket.messages.get().attachments.all()
    assert stored.filename == "memory.dmp.zip"
    assert stored.blob is not None and stored.blob.size < NINE_MB
    [entry] = ticket.details["attachments"]
    assert (entry["name"], entry["role"], entry["size"]) == (
        "memory.dmp.zip",
        "dump",
        stored.blob.size,
    )
    assert entry["sha256"] == stored.sha256


def test_over_smtp_an_invalid_request_is_kept_and_its_problems_mailed_back_in_spanish(
    tool: ToolHome, smtp_door: MailListener, catalog: Any, customer: Contact, run_tasks: Any
) -> None:
    run = tool.run(
        "send", "--no-input", "--no-collect", "--transport", "smtp",
        *bug_flags(**{"--product-version": "1999", "--language": "es"}),
    )  # fmt: skip
    assert run.code == 0, run.stderr  # the tool cannot know the versions without the server

    run_tasks()

    ticket = Ticket.objects.get()
    assert ticket.channel == Channel.EMAIL  # opened as ordinary mail: nothing received is lost
    problems = OutboundMail.objects.get(kind=OutboundMail.Kind.NOTICE)
    assert problems.to_address == "dev@customer.example"
    assert problems.subject.startswith(f"[{ticket.reference}] Su solicitud necesita correcciones")
    assert "- /product/version: versión desconocida '1999' de WINDEV" in problems.body_text


def test_over_smtp_a_file_over_9_mb_is_removed_recorded_and_the_sender_told(
    tool: ToolHome, smtp_door: MailListener, catalog: Any, customer: Contact, run_tasks: Any
) -> None:
    video = bytes(range(256)) * (NINE_MB // 256 + 800)  # 9.2 MB, over the free plan's 9 MB
    (Path(tool.root) / "capture.mp4").write_bytes(video)
    # The tool itself refuses it before sending anything ...
    refused = tool.run(
        "send", "--no-input", "--no-collect", "--transport", "smtp", *bug_flags(),
        "--attach", f"{tool.root / 'capture.mp4'}:screenshot",
    )  # fmt: skip
    assert refused.code == 2 and "capture.mp4" in refused.stderr
    assert not InboundMail.objects.exists()
    # ... so it comes from elsewhere (another tool, an older version): a standardized mail
    # over a real SMTP conversation.
    document = full_request(
        attachments=[
            manifest_entry("editor.log", LOG, "log"),
            manifest_entry("capture.mp4", video, "screenshot"),
        ]
    )
    raw = standardized_mail(document, [("editor.log", LOG), ("capture.mp4", video)])
    with smtplib.SMTP(smtp_door.hostname, smtp_door.port, timeout=30) as client:
        assert client.sendmail("dev@customer.example", [SUPPORT], raw) == {}

    run_tasks()

    ticket = Ticket.objects.get()
    assert ticket.channel == Channel.REQUEST_TOOL
    stored = {item.filename: item for item in ticket.messages.get().attachments.all()}
    assert stored["capture.mp4"].blob is None
    assert stored["capture.mp4"].size == len(video)
    assert stored["capture.mp4"].sha256 == hashlib.sha256(video).hexdigest()
    assert "9 MB" in stored["capture.mp4"].removed_reason
    assert stored["editor.log"].blob is not None
    told = OutboundMail.objects.get(kind=OutboundMail.Kind.ACKNOWLEDGEMENT).body_text
    assert "- capture.mp4 (9,2 MB)" in told  # the request's language: French


# -- the wizard at a real terminal, through the real command ------------------------------------

COMMAND_PROMPT = "Command (send, edit FIELD, remove N, cancel): "


def spawn_tool(tool: ToolHome, *argv: str) -> pexpect.spawn:
    env = {
        **os.environ,
        "SUPPORTDESK_REQUEST_CONFIG": str(tool.config_file),
        "XDG_DATA_HOME": str(tool.data_dir),
        "LANG": "C.UTF-8",
    }
    return pexpect.spawn(
        str(TOOL), list(argv), env=env, encoding="utf-8", timeout=60, dimensions=(50, 200)
    )


def answer(child: pexpect.spawn, prompt: str, *lines: str) -> None:
    child.expect_exact(prompt)
    for line in lines:
        child.sendline(line)


def test_the_wizard_at_a_terminal_sends_what_the_customer_reviewed(
    connected: ToolHome, team: Team, run_tasks: Any
) -> None:
    # Only the product is given: the wizard asks for the rest.
    child = spawn_tool(connected, "send", "--product", "windev", "--product-info", PRODUCT_INFO)
    child.logfile_read = sys.stdout
    answer(child, "Type (1-6): ", "2")
    answer(child, "Product code (windev) [windev]: ", "")
    answer(child, "Product version", "2026")
    answer(child, "Build (Enter to skip): ", "28.0.412.3")
    answer(child, "Subject, one line: ", "PDF export loses the page footer")
    answer(child, "  1. ", "Open the report")
    answer(child, "  2. ", "Export it as PDF")
    answer(child, "  3. ", "")
    answer(child, "Expected behaviour: ", "A footer on every page")
    answer(child, "What happens instead: ", "No footer")
    answer(child, "How often does it happen (always, often, sometimes, once): ", "always")
    answer(child, "Exact error text, copied", "Export failed: Authorization: Bearer abc123xyz", ".")
    answer(child, "Last version that worked (Enter if none): ", "2025")
    answer(child, "Workarounds already tried", "Exported as RTF instead", ".")
    answer(child, "Code extract, at most 30 lines", *[f"x{n} = {n}" for n in range(1, 32)], ".")
    child.expect_exact("  ! a code extract is at most 30 lines (31 given)")
    answer(child, "Code extract, at most 30 lines", "report.Footer.Visible = True", ".")
    answer(child, "Urgency (low, normal, high, critical) [normal]: ", "high")
    answer(child, "Language of the answer (en, es, fr): ", "fr")
    answer(child, "File to attach (Enter when done): ", "")
    child.expect_exact("Your request, as it will be sent")
    child.expect_exact(COMMAND_PROMPT)
    review = child.before
    assert "Authorization: Bearer ********" in review and "abc123xyz" not in review
    assert "environment.os: " in review
    number = review.split("environment.os: ")[0].rsplit("[", 1)[1].split("]")[0]
    child.sendline(f"remove {number}")
    child.expect_exact(f"Removed [{number}] environment.os: it will not be sent.")
    answer(child, COMMAND_PROMPT, "send")
    child.expect(r"Ticket (SD-\d+) : (http\S+)")
    reference, url = child.match.group(1), child.match.group(2)
    # In the language chosen in the wizard, like the promise the server words in it.
    child.expect_exact("Réponse prévue : ")
    child.expect(pexpect.EOF)
    child.close()

    assert child.exitstatus == 0
    ticket = Ticket.objects.get()
    assert reference == ticket.reference
    assert url.endswith(f"/api/v1/tickets/{ticket.reference}")
    details = ticket.details
    assert ticket.subject == "PDF export loses the page footer"
    assert (ticket.category, ticket.priority, ticket.language) == (
        Category.BUG,
        Priority.HIGH,
        "fr",
    )
    assert ticket.product_version is not None and ticket.product_version.name == "2026"
    assert details["product"] == {"code": "windev", "version": "2026", "build": "28.0.412.3"}
    assert details["steps"] == ["Open the report", "Export it as PDF"]
    assert (details["expected"], details["actual"]) == ("A footer on every page", "No footer")
    assert details["frequency"] == "always"
    assert details["error_text"] == "Export failed: Authorization: Bearer ********"
    assert details["last_working_version"] == "2025"
    assert details["workarounds"] == "Exported as RTF instead"
    assert details["code_extract"] == "report.Footer.Visible = True"
    assert "os" not in details["environment"]  # removed at the review
    assert details["environment"]["addons"] == [{"name": "PDF export", "version": "3.1"}]
    assert "abc123xyz" not in json.dumps(details)
    assert "abc123xyz" not in ticket.messages.get().body_text

    run_tasks()

    ticket.refresh_from_db()
    assert ticket.team == team
