"""The SMTP door driven by swaks, a real SMTP client that mail administrators use to test
servers (Debian package swaks): a plain message, an attachment, a refused recipient, a
message over the size limit, and pipelined commands."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from supportdesk.channels.email.models import InboundMail
from supportdesk.channels.email.processing import process_mail
from supportdesk.channels.email.receivers.smtpd import MailListener
from supportdesk.core.blobs import read_blob
from supportdesk.tickets.models import Ticket
from tests.channels.email.test_smtpd import MAX_BYTES, start_listener, stop_listener

SWAKS = shutil.which("swaks")
pytestmark = pytest.mark.skipif(
    SWAKS is None and not os.environ.get("CI"),
    reason="swaks is not installed (apt-get install swaks)",
)


@pytest.fixture
def server(transactional_db: None) -> Iterator[MailListener]:
    listener = start_listener("smtp")
    yield listener
    stop_listener(listener)


def swaks(server: MailListener, *args: str) -> subprocess.CompletedProcess[str]:
    assert SWAKS is not None, "swaks is not installed (apt-get install swaks)"
    return subprocess.run(
        [
            SWAKS,
            "--server",
            f"{server.hostname}:{server.port}",
            "--helo",
            "mta.customer.example",
            "--from",
            "alice@customer.example",
            "--timeout",
            "20",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )


def server_lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    """What the server said, as swaks shows it ("<-" lines, "<**" for errors)."""
    return [line for line in result.stdout.splitlines() if line.startswith(("<-", "<**"))]


def test_swaks_delivers_a_message_that_is_stored_as_sent(server):
    result = swaks(
        server,
        "--to",
        "support@example.com",
        "--header",
        "Message-Id: <swaks-plain@customer.example>",
        "--header",
        "Subject: The report editor crashes",
        "--body",
        "Since the update the report editor closes without a message.",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert any(line.startswith("<-  250 2.0.0 Accepted as ") for line in server_lines(result))
    mail = InboundMail.objects.get()
    assert mail.header_message_id == "swaks-plain@customer.example"
    assert mail.envelope_from == "alice@customer.example"
    assert mail.envelope_to == ["support@example.com"]
    assert b"closes without a message." in read_blob(mail.raw)


def test_swaks_attachment_reaches_the_ticket_intact(server, tmp_path: Path):
    report = tmp_path / "crash-report.txt"
    report.write_bytes(b"report.dll faulted at 0x0040f00d\n" * 50)
    result = swaks(
        server,
        "--to",
        "support@example.com",
        "--header",
        "Subject: Crash report attached",
        "--body",
        "The crash report is attached.",
        "--attach-type",
        "text/plain",
        "--attach",
        str(report),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    mail = InboundMail.objects.get()
    assert process_mail(mail_id=mail.pk).startswith("opened ")
    message = Ticket.objects.get().messages.get()
    (attachment,) = message.attachments.all()
    assert attachment.filename == "crash-report.txt"
    assert attachment.blob is not None
    assert read_blob(attachment.blob) == report.read_bytes()
    assert "The crash report is attached." in message.body_text


def test_swaks_to_an_address_we_do_not_serve_is_refused_with_550(server):
    result = swaks(server, "--to", "nobody@example.com")
    assert result.returncode != 0
    refusals = [line for line in server_lines(result) if line.startswith("<**")]
    assert refusals[0].startswith("<** 550 5.1.1 <nobody@example.com>")
    assert not any(line.startswith("<-  354") for line in server_lines(result))  # no body sent
    assert not InboundMail.objects.exists()


def test_swaks_message_over_the_size_limit_is_refused_with_552(server):
    result = swaks(server, "--to", "support@example.com", "--body", "x" * (MAX_BYTES + 1000))
    assert result.returncode != 0
    refusals = [line for line in server_lines(result) if line.startswith("<**")]
    assert refusals and refusals[0].startswith("<** 552"), result.stdout
    assert not InboundMail.objects.exists()


def test_swaks_pipelines_its_commands_and_every_answer_comes_back_in_order(server):
    result = swaks(
        server,
        "--pipeline",
        "--to",
        "support@example.com,nobody@example.com,direct@example.com",
        "--header",
        "Message-Id: <swaks-pipelined@customer.example>",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert "<-  250-PIPELINING" in lines
    # Pipelined: MAIL, the three RCPTs and DATA go out before the first answer comes back.
    mail_sent = next(i for i, line in enumerate(lines) if line.startswith(" -> MAIL FROM"))
    data_sent = lines.index(" -> DATA")
    assert all(not line.startswith("<-") for line in lines[mail_sent:data_sent])
    answers = server_lines(result)
    after_ehlo = answers[answers.index("<-  250 HELP") + 1 :]
    assert [line[:8] for line in after_ehlo[:6]] == [
        "<-  250 ",  # MAIL
        "<-  250 ",  # RCPT support@
        "<** 550 ",  # RCPT nobody@
        "<-  250 ",  # RCPT direct@
        "<-  354 ",  # DATA
        "<-  250 ",  # the message
    ]
    mail = InboundMail.objects.get()
    assert mail.header_message_id == "swaks-pipelined@customer.example"
    assert mail.envelope_to == ["support@example.com", "direct@example.com"]
