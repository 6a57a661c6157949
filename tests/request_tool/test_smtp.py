"""The standardized email over SMTP, to a real aiosmtpd server on a free port."""

from __future__ import annotations

import json
from collections.abc import Iterator
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.request_tool.conftest import ToolHome, bug_flags, free_port


class Mailbox:
    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 2.0.0 Ok: queued"

    def message(self, index: int = 0) -> EmailMessage:
        parsed = message_from_bytes(self.received[index][2], policy=default_policy)
        assert isinstance(parsed, EmailMessage)
        return parsed


@pytest.fixture
def mail_server(tool: ToolHome) -> Iterator[Mailbox]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    tool.configure(
        email="dev@customer.example",
        support_address="support@vendor.example",
        smtp_host="127.0.0.1",
        smtp_port=port,
    )
    try:
        yield mailbox
    finally:
        controller.stop()


def test_the_request_is_mailed_in_the_standard_structure(
    tool: ToolHome, mail_server: Mailbox, tmp_path: Path
) -> None:
    (tmp_path / "editor.log").write_bytes(b"12:00 ERROR 70012\n")

    run = tool.run(
        "send", "--no-input", "--no-collect", "--json", "--transport", "smtp", *bug_flags(),
        "--attach", f"{tmp_path / 'editor.log'}:log",
    )  # fmt: skip

    assert run.code == 0, run.stderr
    assert run.json()["transport"] == "smtp" and run.json()["to"] == "support@vendor.example"
    [(sender, recipients, _)] = mail_server.received
    assert (sender, recipients) == ("dev@customer.example", ["support@vendor.example"])
    message = mail_server.message()
    assert message["X-Supportdesk-Request"] == "1"
    assert message["Subject"] == "The report editor loses the page footer on save"
    parts = list(message.iter_parts())
    assert parts[0].get_content_type() == "text/plain"
    assert parts[1].get_content_type() == "application/vnd.supportdesk.request+json"
    document = json.loads(parts[1].get_payload(decode=True))
    assert document["type"] == "bug" and document["customer"]["email"] == "dev@customer.example"
    assert document["attachments"][0]["name"] == "editor.log"
    assert parts[2].get_filename() == "editor.log"
    assert parts[2].get_payload(decode=True) == b"12:00 ERROR 70012\n"


def test_an_unreachable_mail_server_queues_the_mail_until_it_answers(
    tool: ToolHome, mail_server: Mailbox
) -> None:
    port = tool.run("config", "show", "--json").json()["settings"]["smtp_port"]
    tool.configure(smtp_port=free_port())

    offline = tool.run("send", "--no-input", "--no-collect", "--transport", "smtp", *bug_flags())
    assert offline.code == 5
    assert len(tool.outbox()) == 1

    tool.configure(smtp_port=port)
    delivered = tool.run("queue", "send")

    assert delivered.code == 0, delivered.stderr
    assert len(mail_server.received) == 1
    assert mail_server.message()["X-Supportdesk-Request"] == "1"
    assert tool.outbox() == []
