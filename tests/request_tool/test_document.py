"""Building the request: every field as a flag, from a TOML or JSON file, flags over the file,
the identity from the config, the collected facts and what the customer removes."""

from __future__ import annotations

import json
from pathlib import Path

from supportdesk_request import __version__
from supportdesk_request.collect import collect_environment
from supportdesk_request.document import merge_collected
from supportdesk_request.values import CollectedItem

from tests.request_tool.conftest import ToolHome

EVERY_FLAG_DOCUMENT = {
    "format": "supportdesk-request",
    "version": 1,
    "language": "fr",
    "customer": {"email": "dev@customer.example", "customer_number": "C100042", "serial": "WD-1"},
    "product": {"code": "windev", "edition": "Enterprise", "version": "2026", "build": "28.0.4"},
    "type": "bug",
    "subject": "The report editor loses the page footer on save",
    "description": "Since the update, footers vanish.",
    "expected": "The footer is kept.",
    "actual": "The footer is gone.",
    "steps": ["Open INVOICE.wde", "Add a footer", "Save and reopen"],
    "frequency": "always",
    "error_text": "Error 70012: footer block not found\n",
    "workarounds": "Re-adding the footer.",
    "code_extract": "sFooter is string = Report.Footer\nReportSave(sFooter)",
    "urgency": "high",
    "last_working_version": "2025",
    "related_ticket": "SD-100001",
    "client": {"name": "supportdesk-request", "version": __version__},
}


def dry_run(tool: ToolHome, *argv: str) -> dict:
    run = tool.run("send", "--no-input", "--no-collect", "--dry-run", "--json", *argv)
    assert run.code == 0, run.stderr
    return run.json()["document"]


def test_every_field_of_the_format_has_a_flag(tool: ToolHome, tmp_path: Path) -> None:
    (tmp_path / "error.txt").write_text("Error 70012: footer block not found\n")
    (tmp_path / "extract.wl").write_text("sFooter is string = Report.Footer\nReportSave(sFooter)\n")

    document = dry_run(
        tool,
        "--subject", "The report editor loses the page footer on save",
        "--type", "bug",
        "--product", "windev",
        "--product-version", "2026",
        "--build", "28.0.4",
        "--edition", "Enterprise",
        "--description", "Since the update, footers vanish.",
        "--expected", "The footer is kept.",
        "--actual", "The footer is gone.",
        "--step", "Open INVOICE.wde", "--step", "Add a footer", "--step", "Save and reopen",
        "--frequency", "always",
        "--error-file", str(tmp_path / "error.txt"),
        "--workarounds", "Re-adding the footer.",
        "--code-file", str(tmp_path / "extract.wl"),
        "--urgency", "high",
        "--last-working-version", "2025",
        "--related", "SD-100001",
        "--language", "fr",
        "--email", "dev@customer.example",
        "--customer-number", "C100042",
        "--serial", "WD-1",
    )  # fmt: skip

    assert document == EVERY_FLAG_DOCUMENT


def test_a_toml_file_gives_the_fields_and_flags_override_it(tool: ToolHome, tmp_path: Path) -> None:
    (tmp_path / "editor.log").write_text("12:00 ERROR 70012\n")
    request = tmp_path / "request.toml"
    request.write_text(
        """
type = "bug"
subject = "Footer lost"
actual = "gone"
steps = ["Open", "Save"]

[product]
code = "windev"
version = "2025"
build = "28.0.1"

[[attachments_files]]
path = "editor.log"
role = "log"
"""
    )

    run = tool.run(
        "send", "--no-input", "--no-collect", "--dry-run", "--json",
        "--from-file", str(request), "--product-version", "2026", "--email", "a@b.example",
    )  # fmt: skip

    assert run.code == 0, run.stderr
    document = run.json()["document"]
    # The flag wins for the version; the file's build stays (objects merge, not replace).
    assert document["product"] == {"code": "windev", "version": "2026", "build": "28.0.1"}
    assert document["steps"] == ["Open", "Save"]
    # Relative paths are relative to the file, not to where the tool runs.
    assert run.json()["files"] == [{"path": str(tmp_path / "editor.log"), "role": "log"}]


def test_a_json_file_with_the_drafts_files_key(tool: ToolHome, tmp_path: Path) -> None:
    request = tmp_path / "request.json"
    request.write_text(
        json.dumps(
            {
                "type": "question",
                "subject": "How to print a footer",
                "description": "Which function?",
                "product": {"code": "windev", "version": "2026"},
                "customer": {"email": "dev@customer.example"},
                "_files": [{"path": "/abs/shot.png", "role": "screenshot"}],
                "attachments": [{"name": "forged", "size": 1, "sha256": "0" * 64, "role": "log"}],
            }
        )
    )

    run = tool.run(
        "send", "--no-input", "--no-collect", "--dry-run", "--json", "--from-file", str(request)
    )

    assert run.code == 0, run.stderr
    # The manifest is computed from the files sent, never taken from the file.
    assert "attachments" not in run.json()["document"]
    assert run.json()["files"] == [{"path": "/abs/shot.png", "role": "screenshot"}]


def test_the_identity_comes_from_the_config_and_the_client_is_always_set(tool: ToolHome) -> None:
    tool.configure(email="dev@customer.example", customer_number="C1", serial="WD-9", language="es")

    document = dry_run(
        tool,
        "--subject", "Footer lost", "--type", "question", "--description", "How?",
        "--product", "windev", "--product-version", "2026",
    )  # fmt: skip

    assert document["customer"] == {
        "email": "dev@customer.example",
        "customer_number": "C1",
        "serial": "WD-9",
    }
    assert document["language"] == "es"
    assert document["client"] == {"name": "supportdesk-request", "version": __version__}


def test_an_incomplete_request_without_input_exits_2_naming_the_missing_flags(
    tool: ToolHome,
) -> None:
    run = tool.run(
        "send", "--no-input", "--no-collect", "--subject", "Footer lost", "--type", "bug"
    )

    assert run.code == 2
    for flag in ("--email", "--product", "--product-version", "--step", "--actual"):
        assert flag in run.stderr


def test_a_broken_request_file_is_named(tool: ToolHome, tmp_path: Path) -> None:
    broken = tmp_path / "request.toml"
    broken.write_text('subject = "unterminated\n')

    run = tool.run("send", "--no-input", "--from-file", str(broken))

    assert run.code == 2
    assert str(broken) in run.stderr and "TOML" in run.stderr


def test_product_information_from_the_caller_fills_the_product_and_environment(
    tool: ToolHome, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv(
        "SUPPORTDESK_REQUEST_PRODUCT_INFO",
        json.dumps(
            {
                "code": "windev",
                "version": "2026",
                "build": "28.0.412.3",
                "edition": "Enterprise",
                "database": "HFSQL 28",
                "addons": [{"name": "PDF export", "version": "3.1"}],
            }
        ),
    )

    document = dry_run(
        tool, "--subject", "Footer lost", "--type", "question", "--description", "How?",
        "--email", "dev@customer.example", "--build", "28.0.500",
    )  # fmt: skip

    # What the customer typed (--build) wins over what the caller handed over.
    assert document["product"] == {
        "code": "windev",
        "version": "2026",
        "build": "28.0.500",
        "edition": "Enterprise",
    }
    assert document["environment"]["database"] == "HFSQL 28"
    assert document["environment"]["addons"] == [{"name": "PDF export", "version": "3.1"}]
    # --no-collect keeps what the caller handed over, measures nothing.
    assert "os" not in document["environment"]


def test_the_machine_is_collected_and_any_item_can_be_omitted(tool: ToolHome) -> None:
    run = tool.run(
        "send", "--no-input", "--dry-run", "--json",
        "--subject", "Footer lost", "--type", "question", "--description", "How?",
        "--email", "dev@customer.example", "--product", "windev", "--product-version", "2026",
        "--omit", "environment.memory_mb",
    )  # fmt: skip

    assert run.code == 0, run.stderr
    environment = run.json()["document"]["environment"]
    assert environment["os"] and environment["architecture"]
    assert isinstance(environment["disk_free_mb"], int)
    assert "memory_mb" not in environment


def test_collection_measures_this_machine() -> None:
    items = {item.key: item.value for item in collect_environment(None)}

    assert items["environment.memory_mb"] > 0
    assert items["environment.disk_free_mb"] >= 0
    assert items["environment.os"]


def test_what_the_customer_gave_wins_over_a_collected_item() -> None:
    draft = {"environment": {"os": "Windows 11"}, "product": {"code": "windev"}}
    collected = [
        CollectedItem("environment.os", "OS", "Linux"),
        CollectedItem("environment.memory_mb", "Memory", 1024),
        CollectedItem("product.build", "Build", "28.0.1"),
    ]

    merged = merge_collected(draft, collected, omit=["product.build"])

    assert merged == {
        "environment": {"os": "Windows 11", "memory_mb": 1024},
        "product": {"code": "windev"},
    }


def test_the_request_can_be_piped_in_as_json(tool: ToolHome) -> None:
    piped = {
        "type": "question",
        "subject": "How to print a footer",
        "description": "Which function?",
        "product": {"code": "windev", "version": "2026"},
        "customer": {"email": "dev@customer.example"},
    }

    run = tool.run(
        "send", "--no-collect", "--dry-run", "--json", "--from-file", "-", stdin=json.dumps(piped)
    )

    assert run.code == 0, run.stderr
    assert run.json()["document"]["subject"] == "How to print a footer"
