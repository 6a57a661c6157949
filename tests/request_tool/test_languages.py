"""The tool speaks the customer's language: the request's, else the configured one, else the
system's."""

from __future__ import annotations

from pathlib import Path

import pytest
from supportdesk_request.texts import TEXTS

from tests.request_tool.conftest import ToolHome, bug_flags


def test_every_text_exists_in_english_spanish_and_french() -> None:
    for key, variants in TEXTS.items():
        assert set(variants) == {"en", "es", "fr"}, key


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
