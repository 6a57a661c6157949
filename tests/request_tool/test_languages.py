"""The commands speak the customer's language: the one asked for (--ui-language), else the
request's, else the configured one, else the locale's (the choice itself: test_texts.py)."""

from __future__ import annotations

from pathlib import Path

import pexpect
import pytest

from tests.request_tool.conftest import ToolHome, bug_flags
from tests.request_tool.test_terminal import spawn


def test_the_requests_language_is_spoken(tool: ToolHome, tmp_path: Path) -> None:
    tool.configure(email="dev@customer.example", support_address="support@vendor.example")

    run = tool.run(
        "send", "--no-input", "--no-collect", "--transport", "eml",
        "--out", str(tmp_path / "r.eml"), "--language", "fr", *bug_flags(),
    )  # fmt: skip

    assert run.code == 0, run.stderr
    assert run.stdout.startswith("Écrit : ")


def test_the_configured_language_names_what_is_missing(tool: ToolHome) -> None:
    tool.configure(language="es")

    run = tool.run("send", "--no-input", "--no-collect", "--subject", "Pie de página perdido")

    assert run.code == 2
    assert "la solicitud está incompleta; falta: --email" in run.stderr


def test_the_systems_language_when_nothing_else_says(
    tool: ToolHome, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    tool.configure(email="dev@customer.example", support_address="support@vendor.example")
    (tmp_path / "memory.dmp").write_bytes(b"\0" * 9_000_001)

    run = tool.run(
        "send", "--no-input", "--no-collect", "--transport", "eml",
        "--out", str(tmp_path / "r.eml"), *bug_flags(), "--attach", str(tmp_path / "memory.dmp"),
    )  # fmt: skip

    assert run.code == 2
    assert "memory.dmp fait 9.0 MB (9000001 octets)" in run.stderr
    assert "Essayez --compress" in run.stderr


def test_the_ui_language_beats_the_requests_and_the_configured_one(
    tool: ToolHome, tmp_path: Path
) -> None:
    tool.configure(
        email="dev@customer.example", support_address="support@vendor.example", language="fr"
    )

    run = tool.run(
        "send", "--no-input", "--no-collect", "--transport", "eml", "--ui-language", "es",
        "--out", str(tmp_path / "r.eml"), "--language", "fr", *bug_flags(),
    )  # fmt: skip

    assert run.code == 0, run.stderr
    assert run.stdout.startswith("Escrito: ")


def test_the_ui_language_is_the_wizards(tool: ToolHome, tmp_path: Path) -> None:
    """At a terminal the wizard asks for what is missing in the language asked for, whatever
    the locale (C here) and the configured language."""
    tool.configure(support_address="support@vendor.example", language="es")
    out = tmp_path / "request.eml"

    child = spawn(tool, "send", "--ui-language", "fr", "--transport", "eml", "--out", str(out))
    child.expect_exact("Quelques questions sur votre demande")
    child.expect_exact("Votre adresse e-mail : ")
    child.sendline("dev@customer.example")
    child.expect_exact("Numéro de série de la licence")
    child.sendeof()
    child.expect_exact("Annulé : rien n'a été envoyé.")
    child.expect(pexpect.EOF)
    child.close()

    assert child.exitstatus == 130
    assert not out.exists()


def test_english_asked_for_beats_the_configured_language(tool: ToolHome) -> None:
    tool.configure(language="fr")

    run = tool.run(
        "send", "--no-input", "--no-collect", "--ui-language", "en", "--subject", "X y z"
    )

    assert run.code == 2
    assert "the request is incomplete; missing: --email" in run.stderr


def test_an_unknown_ui_language_is_a_usage_error(tool: ToolHome) -> None:
    run = tool.run("status", "--ui-language", "de")

    assert run.code == 2
