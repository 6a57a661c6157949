"""The tool in a real terminal (pexpect): a complete request given as flags is shown, with
what was collected, and sent only once the customer agrees."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pexpect

from tests.request_tool.conftest import ToolHome, bug_flags


def spawn(tool: ToolHome, *argv: str) -> pexpect.spawn:
    env = {
        **os.environ,
        "SUPPORTDESK_REQUEST_CONFIG": str(tool.config_file),
        "XDG_DATA_HOME": str(tool.data_dir),
    }
    return pexpect.spawn(
        sys.executable,
        ["-m", "supportdesk_request", *argv],
        env=env,
        encoding="utf-8",
        timeout=30,
    )


def test_a_complete_request_is_shown_and_sent_when_the_customer_agrees(
    tool: ToolHome, tmp_path: Path
) -> None:
    tool.configure(email="dev@customer.example", support_address="support@vendor.example")
    out = tmp_path / "request.eml"

    child = spawn(tool, "send", "--transport", "eml", "--out", str(out), *bug_flags())
    child.expect("Collected automatically")
    child.expect("environment.os: ")
    child.expect(r"Send it \(eml\)\? \[Y/n\]")
    child.sendline("y")
    child.expect(pexpect.EOF)
    child.close()

    assert child.exitstatus == 0
    assert b"X-Supportdesk-Request: 1" in out.read_bytes()


def test_saying_no_sends_nothing_and_exits_130(tool: ToolHome, tmp_path: Path) -> None:
    tool.configure(email="dev@customer.example", support_address="support@vendor.example")
    out = tmp_path / "request.eml"

    child = spawn(tool, "send", "--transport", "eml", "--out", str(out), *bug_flags())
    child.expect(r"\[Y/n\]")
    child.sendline("n")
    child.expect("nothing was sent")
    child.expect(pexpect.EOF)
    child.close()

    assert child.exitstatus == 130
    assert not out.exists()


def test_no_input_in_a_terminal_never_asks(tool: ToolHome, tmp_path: Path) -> None:
    tool.configure(email="dev@customer.example", support_address="support@vendor.example")
    out = tmp_path / "request.eml"

    child = spawn(tool, "send", "--no-input", "--transport", "eml", "--out", str(out), *bug_flags())
    child.expect(pexpect.EOF)
    child.close()

    assert child.exitstatus == 0
    assert "[Y/n]" not in (child.before or "")
    assert out.exists()


def test_the_confirmation_speaks_the_tools_language_with_the_items_labels(
    tool: ToolHome, tmp_path: Path
) -> None:
    """Subject, collected items (by key, for --omit, and by label) and files, in French."""
    tool.configure(email="dev@customer.example", support_address="support@vendor.example")
    log = tmp_path / "editor.log"
    log.write_text("12:00:01 ERROR 70012 footer block not found\n")
    out = tmp_path / "request.eml"

    child = spawn(
        tool, "send", "--transport", "eml", "--out", str(out), "--ui-language", "fr",
        "--attach", f"{log}:log", *bug_flags(),
    )  # fmt: skip
    child.expect("Objet : The report editor loses the page footer on save")
    child.expect("Collecté automatiquement")
    child.expect(r"environment\.os : [^\r\n]+  \(Système d'exploitation\)")
    child.expect(r"fichier : \S*editor\.log \(journal\)")
    child.expect(r"L'envoyer \(eml\) \? \[O/n\]")
    shown = child.before or ""
    child.sendline("n")
    child.expect(pexpect.EOF)
    child.close()

    assert "Subject:" not in shown and "  file:" not in shown


def test_in_english_the_confirmation_adds_the_items_labels(tool: ToolHome, tmp_path: Path) -> None:
    tool.configure(email="dev@customer.example", support_address="support@vendor.example")
    log = tmp_path / "editor.log"
    log.write_text("12:00:01 ERROR 70012 footer block not found\n")

    child = spawn(
        tool, "send", "--transport", "eml", "--out", str(tmp_path / "r.eml"),
        "--ui-language", "en", "--attach", f"{log}:log", *bug_flags(),
    )  # fmt: skip
    child.expect("Subject: The report editor loses the page footer on save")
    child.expect(r"  environment\.os: [^\r\n]+  \(Operating system\)")
    child.expect(r"  file: \S*editor\.log \(log\)")
    child.expect(r"Send it \(eml\)\? \[Y/n\]")
    child.sendline("n")
    child.expect(pexpect.EOF)
    child.close()
