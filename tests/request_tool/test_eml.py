"""The standardized email written to a file (CONTRACTS.md C), read back with the standard
library's parser: what the email desk will see."""

from __future__ import annotations

import hashlib
import json
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

from tests.request_tool.conftest import ToolHome, bug_flags

LOG = "12:00:01 ERROR 70012 footer block not found — ça arrive\n".encode() * 20
SCREENSHOT = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8


def parsed(path: Path) -> EmailMessage:
    message = message_from_bytes(path.read_bytes(), policy=default_policy)
    assert isinstance(message, EmailMessage)
    return message


def test_the_eml_carries_the_text_the_document_and_the_files(
    tool: ToolHome, tmp_path: Path
) -> None:
    tool.configure(email="dev@customer.example", support_address="support@vendor.example")
    (tmp_path / "editor.log").write_bytes(LOG)
    (tmp_path / "footer.png").write_bytes(SCREENSHOT)
    out = tmp_path / "request.eml"

    run = tool.run(
        "send", "--no-input", "--json", "--transport", "eml", "--out", str(out),
        *bug_flags(), "--error-text", "Error 70012: footer block not found",
        "--attach", f"{tmp_path / 'editor.log'}:log", "--attach", str(tmp_path / "footer.png"),
    )  # fmt: skip

    assert run.code == 0, run.stderr
    assert run.json()["out"] == str(out)
    message = parsed(out)
    assert message.get_content_type() == "multipart/mixed"
    assert message["From"] == "dev@customer.example"
    assert message["To"] == "support@vendor.example"
    assert message["Subject"] == "The report editor loses the page footer on save"
    assert message["X-Supportdesk-Request"] == "1"
    parts = list(message.iter_parts())
    assert [part.get_content_type() for part in parts] == [
        "text/plain",
        "application/vnd.supportdesk.request+json",
        "application/octet-stream",  # editor.log: bytes kept as they are
        "image/png",
    ]
    text = parts[0].get_content()
    assert "1. Open INVOICE.wde\n2. Add a footer\n3. Save" in text
    assert "Error 70012: footer block not found" in text
    assert parts[1].get_content_charset() == "utf-8"
    assert parts[1].get_filename() == "supportdesk-request.json"
    assert parts[1].get_content_disposition() == "attachment"
    document = json.loads(parts[1].get_payload(decode=True).decode("utf-8"))
    assert document["subject"] == "The report editor loses the page footer on save"
    assert document["steps"] == ["Open INVOICE.wde", "Add a footer", "Save"]
    assert document["environment"]["os"]  # collected
    files = {part.get_filename(): part.get_payload(decode=True) for part in parts[2:]}
    assert files == {"editor.log": LOG, "footer.png": SCREENSHOT}
    assert [part["Content-Transfer-Encoding"] for part in parts[2:]] == ["base64", "base64"]
    manifest = {entry["name"]: entry for entry in document["attachments"]}
    for name, content in files.items():
        assert manifest[name]["size"] == len(content)
        assert manifest[name]["sha256"] == hashlib.sha256(content).hexdigest()
    assert manifest["editor.log"]["role"] == "log"
    assert manifest["footer.png"]["role"] == "screenshot"


def test_the_json_part_is_exactly_the_document_that_would_be_sent(
    tool: ToolHome, tmp_path: Path
) -> None:
    tool.configure(email="dev@customer.example", support_address="support@vendor.example")
    shown = tool.run("send", "--no-input", "--no-collect", "--dry-run", "--json", *bug_flags())
    out = tmp_path / "request.eml"

    tool.run(
        "send", "--no-input", "--no-collect", "--transport", "eml", "--out", str(out), *bug_flags()
    )

    json_part = list(parsed(out).iter_parts())[1]
    assert json.loads(json_part.get_payload(decode=True)) == shown.json()["document"]


def test_a_follow_up_has_the_ticket_in_its_subject(tool: ToolHome, tmp_path: Path) -> None:
    tool.configure(email="dev@customer.example", support_address="support@vendor.example")
    out = tmp_path / "follow-up.eml"

    run = tool.run(
        "send", "--no-input", "--no-collect", "--transport", "eml", "--out", str(out),
        *bug_flags(), "--related", "SD-100001",
    )  # fmt: skip

    assert run.code == 0, run.stderr
    assert "Written:" in run.stdout
    assert parsed(out)["Subject"] == "[SD-100001] The report editor loses the page footer on save"


def test_eml_without_a_support_address_says_how_to_set_one(tool: ToolHome, tmp_path: Path) -> None:
    tool.configure(email="dev@customer.example")

    run = tool.run(
        "send", "--no-input", "--no-collect", "--transport", "eml",
        "--out", str(tmp_path / "x.eml"), *bug_flags(),
    )  # fmt: skip

    assert run.code == 2
    assert "support_address" in run.stderr
    assert not (tmp_path / "x.eml").exists()
