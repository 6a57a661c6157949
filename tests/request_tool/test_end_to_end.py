"""The tool against a real server (pytest-django's live_server): a request becomes a ticket
with every field; refusals, tokens, the offline outbox and the status of a ticket."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from supportdesk_request import __version__

from supportdesk.accounts.models import Contact
from supportdesk.catalog.models import Product
from supportdesk.tickets.choices import Category, Channel, Priority
from supportdesk.tickets.models import Ticket
from tests.request_tool.conftest import ToolHome, bug_flags, free_port

pytestmark = pytest.mark.usefixtures("transactional_db")

PRODUCT_INFO = '{"database": "HFSQL 28", "addons": [{"name": "PDF export", "version": "3.1"}]}'
LOG = b"12:00:01 ERROR 70012 footer block not found\n" * 40
SCREENSHOT = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8


def test_a_request_sent_over_the_api_becomes_a_ticket_with_every_field(
    connected: ToolHome, tmp_path: Path, customer: Contact, team, run_tasks
) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "editor.log").write_bytes(LOG)
    (tmp_path / "footer.png").write_bytes(SCREENSHOT)

    run = connected.run(
        "send", "--no-input", "--json", *bug_flags(),
        "--build", "28.0.412.3", "--edition", "Enterprise", "--urgency", "high",
        "--frequency", "always", "--language", "fr", "--error-text", "Error 70012",
        "--expected", "The footer is kept.", "--last-working-version", "2025",
        "--customer-number", "C100042",
        "--product-info", PRODUCT_INFO,
        "--attach", f"{tmp_path / 'editor.log'}:log", "--attach", f"{tmp_path / 'footer.png'}",
    )  # fmt: skip

    assert run.code == 0, run.stderr
    answer = run.json()
    assert answer["queued"] is False and answer["transport"] == "api"
    ticket = Ticket.objects.get()
    assert answer["reference"] == ticket.reference
    assert answer["url"].endswith(f"/api/v1/tickets/{ticket.reference}")
    assert answer["answer_by_text"]
    assert ticket.requester == customer
    assert ticket.subject == "The report editor loses the page footer on save"
    assert ticket.product == connected_product()
    assert ticket.product_version.name == "2026"
    assert ticket.category == Category.BUG
    assert ticket.priority == Priority.HIGH
    assert ticket.channel == Channel.REQUEST_TOOL
    assert ticket.language == "fr"
    details = ticket.details
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
    assert details["error_text"] == "Error 70012"
    assert details["frequency"] == "always"
    assert details["last_working_version"] == "2025"
    assert details["client"] == {"name": "supportdesk-request", "version": __version__}
    assert details["environment"]["database"] == "HFSQL 28"
    assert details["environment"]["addons"] == [{"name": "PDF export", "version": "3.1"}]
    assert details["environment"]["os"] and details["environment"]["memory_mb"] > 0
    stored = {a.filename: a for a in ticket.messages.get().attachments.all()}
    assert stored["editor.log"].sha256 == hashlib.sha256(LOG).hexdigest()
    assert stored["footer.png"].sha256 == hashlib.sha256(SCREENSHOT).hexdigest()
    assert [entry["role"] for entry in details["attachments"]] == ["log", "screenshot"]

    run_tasks()

    ticket.refresh_from_db()
    assert ticket.team == team


def connected_product() -> Product:
    return Product.objects.get(code="windev")


def test_the_human_output_prints_the_reference_and_the_link(connected: ToolHome) -> None:
    run = connected.run("send", "--no-input", "--no-collect", *bug_flags())

    assert run.code == 0, run.stderr
    ticket = Ticket.objects.get()
    assert f"Ticket {ticket.reference}: http" in run.stdout


def test_a_refused_request_lists_every_problem_by_field(connected: ToolHome) -> None:
    run = connected.run(
        "send", "--no-input", "--no-collect", "--json",
        *bug_flags(**{"--product-version": "1999", "--product": "windev"}),
        "--related", "SD-99999999",
    )  # fmt: skip

    assert run.code == 3
    answer = run.json()
    assert answer["error"] == "refused"
    fields = {problem["field"] for problem in answer["problems"]}
    assert "/product/version" in fields
    assert "/product/version" in run.stderr  # people read the same problems
    assert not Ticket.objects.exists()


def test_a_revoked_or_wrong_token_exits_4(connected: ToolHome) -> None:
    connected.configure(token="sdk_not_a_real_token_at_all")

    run = connected.run("send", "--no-input", "--no-collect", *bug_flags())

    assert run.code == 4
    assert "token" in run.stderr
    assert connected.outbox() == []  # a wrong token is not worth retrying later


def test_an_unreachable_server_queues_the_request_and_queue_send_delivers_it_once(
    connected: ToolHome, tmp_path: Path, live_server
) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "editor.log").write_bytes(LOG)
    connected.configure(server=f"http://127.0.0.1:{free_port()}")

    offline = connected.run(
        "send", "--no-input", "--no-collect", "--json", *bug_flags(),
        "--attach", f"{tmp_path / 'editor.log'}:log",
    )  # fmt: skip

    assert offline.code == 5
    assert offline.json()["queued"] is True
    assert "queue send" in offline.stderr
    [entry] = connected.outbox()
    assert offline.json()["queue_id"] == entry.name
    # A copy of the file is kept: the original may change or vanish before the network returns.
    (tmp_path / "editor.log").unlink()

    listed = connected.run("queue", "list", "--json")
    assert [item["subject"] for item in listed.json()["queue"]] == [
        "The report editor loses the page footer on save"
    ]

    connected.configure(server=live_server.url)
    delivered = connected.run("queue", "send", "--json")
    again = connected.run("queue", "send")

    assert delivered.code == 0, delivered.stderr
    ticket = Ticket.objects.get()
    assert delivered.json()["sent"][0]["reference"] == ticket.reference
    assert ticket.messages.get().attachments.get().sha256 == hashlib.sha256(LOG).hexdigest()
    assert again.code == 0 and "Nothing waits" in again.stdout
    assert Ticket.objects.count() == 1
    assert connected.outbox() == []


def test_an_entry_accepted_before_a_crash_is_never_sent_again(
    connected: ToolHome, live_server
) -> None:  # type: ignore[no-untyped-def]
    connected.configure(server=f"http://127.0.0.1:{free_port()}")
    assert connected.run("send", "--no-input", "--no-collect", *bug_flags()).code == 5
    [entry] = connected.outbox()
    # What a run that died right after the server's 201 leaves behind.
    (entry / "sent.json").write_text('{"reference": "SD-100001"}')
    connected.configure(server=live_server.url)

    run = connected.run("queue", "send")

    assert run.code == 0
    assert not Ticket.objects.exists()
    assert connected.outbox() == []


def test_send_delivers_the_waiting_requests_first(connected: ToolHome, live_server) -> None:  # type: ignore[no-untyped-def]
    connected.configure(server=f"http://127.0.0.1:{free_port()}")
    connected.run("send", "--no-input", "--no-collect", *bug_flags(**{"--subject": "First one"}))
    connected.configure(server=live_server.url)

    run = connected.run(
        "send", "--no-input", "--no-collect", *bug_flags(**{"--subject": "Second one"})
    )

    assert run.code == 0, run.stderr
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == ["First one", "Second one"]
    assert "sent the waiting request" in run.stderr


def test_status_shows_the_ticket(connected: ToolHome) -> None:
    sent = connected.run("send", "--no-input", "--no-collect", "--json", *bug_flags())
    reference = sent.json()["reference"]

    shown = connected.run("status", reference)
    as_json = connected.run("status", reference, "--json")

    assert shown.code == 0, shown.stderr
    assert reference in shown.stdout and "Status: new" in shown.stdout
    # The request itself, dated as people read a time (the machine's, to the minute).
    assert re.search(r"^--- you, \d{4}-\d\d-\d\d \d\d:\d\d$", shown.stdout, re.MULTILINE)
    assert as_json.json()["ticket"]["product_version"] == "2026"


def test_status_of_a_ticket_that_is_not_yours_is_refused(connected: ToolHome) -> None:
    run = connected.run("status", "SD-424242")

    assert run.code == 3
    assert run.stderr


def test_a_queued_request_the_server_refuses_is_kept_marked_and_not_retried(
    connected: ToolHome, live_server
) -> None:  # type: ignore[no-untyped-def]
    connected.configure(server=f"http://127.0.0.1:{free_port()}")
    connected.run(
        "send", "--no-input", "--no-collect", *bug_flags(**{"--product-version": "1999"})
    )  # fmt: skip
    connected.configure(server=live_server.url)

    refused = connected.run("queue", "send")
    again = connected.run("queue", "send")
    listed = connected.run("queue", "list")

    assert refused.code == 3
    assert "/product/version" in refused.stderr
    assert again.code == 0 and "Nothing waits" in again.stdout
    assert "refused" in listed.stdout
    assert len(connected.outbox()) == 1  # nothing received is lost: the customer decides
    assert not Ticket.objects.exists()
