"""Following a ticket from the tool against a real server: replies, "not satisfied", the
policy's limits, deflection and the Python API. The endpoints added by issue 4's API work
(replies, not-satisfied, policy) are tested once the server serves them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.urls import Resolver404, resolve
from supportdesk_request import outbox
from supportdesk_request.api import build_request, send_request
from supportdesk_request.config import load_config

from supportdesk.accounts.models import Contact, Technician
from supportdesk.plans.models import Plan
from supportdesk.tickets.choices import Status
from supportdesk.tickets.models import Ticket
from supportdesk.tickets.services.agreements import grant_attachment_agreement
from supportdesk.tickets.services.conversation import reply_to_ticket
from supportdesk.tickets.services.status import change_status
from tests.request_tool.conftest import ToolHome, bug_flags

pytestmark = pytest.mark.usefixtures("transactional_db")


def served(path: str) -> bool:
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


needs_replies = pytest.mark.skipif(
    not served("/api/v1/tickets/SD-1/replies"), reason="the server has no replies endpoint yet"
)
needs_not_satisfied = pytest.mark.skipif(
    not served("/api/v1/tickets/SD-1/not-satisfied"), reason="no not-satisfied endpoint yet"
)
needs_policy = pytest.mark.skipif(not served("/api/v1/policy"), reason="no policy endpoint yet")
needs_ticket_list = pytest.mark.skipif(not served("/api/v1/tickets"), reason="no ticket list yet")
needs_similar = pytest.mark.skipif(not served("/api/v1/similar"), reason="no deflection yet")


def test_the_python_api_builds_and_sends_a_request(connected: ToolHome, tmp_path: Path) -> None:
    (tmp_path / "editor.log").write_bytes(b"12:00 ERROR 70012\n")
    document = build_request(
        subject="Footer lost on save",
        type="bug",
        product={"code": "windev", "version": "2026", "build": "28.0.412.3"},
        steps=["Open INVOICE.wde", "Save"],
        actual="The footer is gone",
        files=[(tmp_path / "editor.log", "log")],
        product_info={"database": "HFSQL 28"},
        omit=["environment.memory_mb"],
    )

    sent = send_request(document)

    ticket = Ticket.objects.get()
    assert (sent.reference, sent.queued) == (ticket.reference, False)
    assert ticket.details["product"]["build"] == "28.0.412.3"
    assert ticket.details["environment"]["database"] == "HFSQL 28"
    assert "memory_mb" not in ticket.details["environment"]
    assert ticket.details["customer"]["email"] == "dev@customer.example"
    assert ticket.messages.get().attachments.get().filename == "editor.log"


def test_the_python_api_writes_the_eml(connected: ToolHome, tmp_path: Path) -> None:
    document = build_request(
        subject="Footer lost on save",
        type="question",
        description="How do I keep it?",
        product={"code": "windev", "version": "2026"},
        collect=False,
    )

    sent = send_request(
        document, transport="eml", out=tmp_path / "r.eml", to="support@vendor.example"
    )

    assert sent.out == str(tmp_path / "r.eml")
    assert b"X-Supportdesk-Request: 1" in (tmp_path / "r.eml").read_bytes()
    assert not Ticket.objects.exists()
    assert load_config().server  # the user's configuration was used


def test_show_similar_on_a_server_without_deflection_still_sends(connected: ToolHome) -> None:
    run = connected.run(
        "send", "--no-input", "--no-collect", "--json", "--show-similar", *bug_flags()
    )

    assert run.code == 0, run.stderr
    assert isinstance(run.json()["similar"], list)
    assert Ticket.objects.count() == 1


@needs_replies
def test_reply_adds_a_message_to_the_ticket(connected: ToolHome, ticket: Ticket) -> None:
    before = ticket.messages.count()

    run = connected.run("reply", ticket.reference, "--text", "It also happens in build .5")

    assert run.code == 0, run.stderr
    assert ticket.messages.count() == before + 1
    assert ticket.messages.order_by("id").last().body_text.startswith("It also happens")


@needs_replies
def test_a_reply_with_a_file_and_the_status_shows_it(
    connected: ToolHome, ticket: Ticket, tmp_path: Path
) -> None:
    (tmp_path / "trace.log").write_bytes(b"12:00 ERROR 70012\n")
    (tmp_path / "reply.txt").write_text("The trace of build .5 is attached.\n")

    run = connected.run(
        "reply", ticket.reference, "--file", str(tmp_path / "reply.txt"),
        "--attach", str(tmp_path / "trace.log"),
    )  # fmt: skip
    shown = connected.run("status", ticket.reference)

    assert run.code == 0, run.stderr
    message = ticket.messages.order_by("id").last()
    assert message.body_text.startswith("The trace of build .5 is attached.")
    assert [a.filename for a in message.attachments.all()] == ["trace.log"]
    assert "The trace of build .5 is attached." in shown.stdout
    assert "[trace.log, 18 bytes]" in shown.stdout


@needs_not_satisfied
def test_not_satisfied_bundles_the_question_the_answer_and_the_comment(
    connected: ToolHome, ticket: Ticket, technician: Technician, colleague: Technician
) -> None:
    reply_to_ticket(actor=technician, ticket=ticket, body_text="Re-add the footer after saving.")

    run = connected.run(
        "not-satisfied", ticket.reference, "--comment", "That is a workaround, not a fix",
        "--no-input",
    )  # fmt: skip

    assert run.code == 0, run.stderr
    assert "Re-add the footer after saving." in run.stdout  # the answer, shown before sending
    assert "That is a workaround, not a fix" in run.stdout
    ticket.refresh_from_db()
    assert ticket.status == Status.REREVIEW


@needs_not_satisfied
def test_not_satisfied_before_any_answer_is_refused(connected: ToolHome, ticket: Ticket) -> None:
    run = connected.run("not-satisfied", ticket.reference, "--comment", "No answer", "--no-input")

    assert run.code == 3
    assert run.stderr


@needs_policy
def test_the_servers_attachment_limit_is_applied_before_sending(
    connected: ToolHome, free_plan: Plan, tmp_path: Path
) -> None:
    free_plan.attachment_limit_bytes = 1000
    free_plan.save()
    (tmp_path / "big.log").write_bytes(b"x" * 2000)

    run = connected.run(
        "send", "--no-input", "--no-collect", "--json", *bug_flags(),
        "--attach", str(tmp_path / "big.log"),
    )  # fmt: skip

    assert run.code == 2
    assert "big.log" in json.loads(run.stdout)["message"]
    assert not Ticket.objects.exists()


needs_upload_links = pytest.mark.skipif(
    not served("/api/v1/tickets/SD-1/upload-links"), reason="no upload-links endpoint yet"
)


@pytest.fixture
def agreement(free_plan: Plan, customer: Contact, technician: Technician) -> None:
    """Free support keeps 1000 bytes per file; this customer may send up to 1 MB."""
    free_plan.attachment_limit_bytes = 1000
    free_plan.save()
    grant_attachment_agreement(
        actor=technician, max_bytes=1_000_000, days=7, contact=customer, send_link=False
    )


@needs_policy
def test_under_an_agreement_a_file_over_the_plans_limit_goes_with_the_request(
    connected: ToolHome, agreement: None, tmp_path: Path
) -> None:
    (tmp_path / "project.zip").write_bytes(b"PK" + b"y" * 5000)

    run = connected.run(
        "send", "--no-input", "--no-collect", "--json", *bug_flags(),
        "--attach", str(tmp_path / "project.zip"),
    )  # fmt: skip

    assert run.code == 0, run.stderr
    stored = Ticket.objects.get().messages.get().attachments.get()
    assert (stored.filename, stored.blob is not None) == ("project.zip", True)


@needs_policy
@needs_upload_links
def test_a_file_too_large_for_one_request_goes_by_the_agreements_upload_link(
    connected: ToolHome, agreement: None, settings, live_server, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    settings.SUPPORTDESK = {**settings.SUPPORTDESK, "API_REQUEST_MAX_BYTES": 200_000}
    settings.SITE_URL = live_server.url  # where the upload link points
    (tmp_path / "small.log").write_bytes(b"x" * 100)
    (tmp_path / "project.zip").write_bytes(b"PK" + b"y" * 300_000)

    run = connected.run(
        "send", "--no-input", "--no-collect", "--json", *bug_flags(),
        "--attach", str(tmp_path / "small.log"), "--attach", str(tmp_path / "project.zip"),
    )  # fmt: skip

    assert run.code == 0, run.stderr
    assert run.json()["uploaded"] == ["project.zip"], run.stderr
    assert run.json()["not_uploaded"] == []
    ticket = Ticket.objects.get()
    assert [a["name"] for a in ticket.details["attachments"]] == ["small.log"]
    names = {a.filename for message in ticket.messages.all() for a in message.attachments.all()}
    assert names == {"small.log", "project.zip"}


@needs_policy
def test_without_an_agreement_a_file_too_large_is_refused_before_sending(
    connected: ToolHome, settings, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    settings.SUPPORTDESK = {**settings.SUPPORTDESK, "API_REQUEST_MAX_BYTES": 200_000}
    (tmp_path / "project.zip").write_bytes(b"PK" + b"y" * 300_000)

    run = connected.run(
        "send", "--no-input", "--no-collect", *bug_flags(),
        "--attach", str(tmp_path / "project.zip"),
    )  # fmt: skip

    assert run.code == 2
    assert "project.zip" in run.stderr and "agreement" in run.stderr
    assert not Ticket.objects.exists()


@needs_similar
def test_show_similar_offers_the_customers_solved_request_with_the_same_error(
    connected: ToolHome, customer: Contact, technician: Technician, run_tasks
) -> None:  # type: ignore[no-untyped-def]
    error = ["--error-text", "Error 70012: footer block not found"]
    first = connected.run("send", "--no-input", "--no-collect", "--json", *bug_flags(), *error)
    run_tasks()  # routed to the technician's team
    solved = Ticket.objects.get(number=int(first.json()["reference"].split("-")[1]))
    reply_to_ticket(actor=technician, ticket=solved, body_text="Rebuild the footer block.")
    change_status(actor=customer, ticket=solved, status=Status.SOLVED)

    run = connected.run(
        "send", "--no-input", "--no-collect", "--json", "--show-similar",
        *bug_flags(**{"--subject": "Footer vanished again"}), *error,
    )  # fmt: skip

    assert run.code == 0, run.stderr
    offered = run.json()["similar"]
    assert [item["reference"] for item in offered] == [solved.reference]
    assert offered[0]["excerpt"].startswith("Rebuild the footer block")
    human = connected.run(
        "send", "--no-input", "--no-collect", "--show-similar", "--dry-run",
        *bug_flags(**{"--subject": "Footer vanished again"}), *error,
    )  # fmt: skip
    assert solved.reference in human.stderr and "Rebuild the footer block" in human.stderr


@needs_ticket_list
def test_a_request_that_may_have_reached_the_server_is_not_sent_twice(
    connected: ToolHome,
) -> None:
    first = connected.run("send", "--no-input", "--no-collect", "--json", *bug_flags())
    document = connected.run(
        "send", "--no-input", "--no-collect", "--json", "--dry-run", *bug_flags()
    ).json()["document"]
    # What a timeout after the server made the ticket leaves in the outbox.
    outbox.save(transport="api", document=document, files=[], maybe_delivered=True)
    other = dict(document, subject="Another incident entirely")
    outbox.save(transport="api", document=other, files=[], maybe_delivered=True)

    run = connected.run("queue", "send", "--json")

    assert run.code == 0, run.stderr
    references = [item["reference"] for item in run.json()["sent"]]
    assert first.json()["reference"] in references and len(set(references)) == 2
    assert "not sent again" in run.stderr
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == [
        "Another incident entirely",
        "The report editor loses the page footer on save",
    ]
    assert connected.outbox() == []
