"""The request tool runs in-process (`main([...])`) with its own config and data directories
under tmp_path, so no test reads or writes the developer's real settings or outbox."""

from __future__ import annotations

import io
import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from supportdesk_request.cli import main

from supportdesk.accounts.models import Contact
from supportdesk.catalog.models import Product
from supportdesk.requests.tokens import issue_api_token


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str

    def json(self) -> dict[str, Any]:
        value = json.loads(self.stdout)
        assert isinstance(value, dict)
        return value


@dataclass
class ToolHome:
    root: Path
    config_file: Path
    data_dir: Path

    def run(self, *argv: str, stdin: str = "") -> Run:
        out, err = io.StringIO(), io.StringIO()
        code = main(list(argv), stdin=io.StringIO(stdin), stdout=out, stderr=err)
        return Run(code, out.getvalue(), err.getvalue())

    def configure(self, **settings: Any) -> None:
        for key, value in settings.items():
            assert self.run("config", "set", key, str(value)).code == 0

    def outbox(self) -> list[Path]:
        root = self.data_dir / "supportdesk-request" / "outbox"
        return (
            sorted(p for p in root.iterdir() if not p.name.startswith(".")) if root.exists() else []
        )


@pytest.fixture
def tool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ToolHome]:
    home = ToolHome(
        tmp_path / "tool", tmp_path / "tool" / "config.toml", tmp_path / "tool" / "data"
    )
    monkeypatch.setenv("SUPPORTDESK_REQUEST_CONFIG", str(home.config_file))
    monkeypatch.setenv("XDG_DATA_HOME", str(home.data_dir))
    for variable in (
        "SUPPORTDESK_REQUEST_SERVER",
        "SUPPORTDESK_REQUEST_TOKEN",
        "SUPPORTDESK_REQUEST_PRODUCT_INFO",
        "LC_ALL",
        "LC_MESSAGES",
        "LANGUAGE",
    ):
        monkeypatch.delenv(variable, raising=False)
    # The tool speaks the system's language when nothing else says which: English here.
    monkeypatch.setenv("LANG", "C.UTF-8")
    yield home


SERIAL = "WD-2026-0001"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def bug_flags(**overrides: str) -> list[str]:
    """The flags of a complete bug report (identity from the config)."""
    flags = {
        "--subject": "The report editor loses the page footer on save",
        "--type": "bug",
        "--product": "windev",
        "--product-version": "2026",
        "--actual": "The footer is gone after saving and reopening.",
    }
    flags.update(overrides)
    argv: list[str] = []
    for flag, value in flags.items():
        argv += [flag, value]
    return [*argv, "--step", "Open INVOICE.wde", "--step", "Add a footer", "--step", "Save"]


@pytest.fixture
def connected(tool: ToolHome, live_server, customer: Contact, catalog: Product) -> ToolHome:  # type: ignore[no-untyped-def]
    """The tool configured for a real server (live_server), with the customer's token."""
    token = issue_api_token(contact=customer, name="laptop", created_by="test").secret
    tool.configure(
        server=live_server.url, token=token, email="dev@customer.example", serial="WD-2026-0001"
    )
    return tool
