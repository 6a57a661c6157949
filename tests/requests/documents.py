"""Standard Requests for the tests: a complete one, and its files."""

from __future__ import annotations

import hashlib
from typing import Any


def manifest_entry(name: str, content: bytes, role: str) -> dict[str, Any]:
    return {
        "name": name,
        "size": len(content),
        "sha256": hashlib.sha256(content).hexdigest(),
        "role": role,
    }


def full_request(**overrides: Any) -> dict[str, Any]:
    """A bug report with every field of the format filled."""
    document: dict[str, Any] = {
        "format": "supportdesk-request",
        "version": 1,
        "language": "fr",
        "customer": {
            "email": "dev@customer.example",
            "customer_number": "C100042",
            "serial": "WD-2026-0001",
        },
        "product": {
            "code": "windev",
            "edition": "Enterprise",
            "version": "2026",
            "build": "28.0.412.3",
        },
        "type": "bug",
        "subject": "The report editor loses the page footer on save",
        "description": "Since the update, footers vanish.",
        "expected": "The footer is kept.",
        "actual": "The footer is gone after saving and reopening.",
        "steps": ["Open INVOICE.wde", "Add a footer", "Save and reopen"],
        "frequency": "always",
        "error_text": "Error 70012: footer block not found",
        "workarounds": "Re-adding the footer each time.",
        "code_extract": "sFooter is string = Report.Footer\nReportSave(sFooter)",
        "urgency": "high",
        "last_working_version": "2025",
        "environment": {
            "os": "Windows 11 23H2",
            "architecture": "x86_64",
            "language": "fr_FR",
            "memory_mb": 32768,
            "disk_free_mb": 120000,
            "runtime": "WINDEV runtime 28.0.412",
            "database": "HFSQL Client/Server 28",
            "addons": [{"name": "PDF export", "version": "3.1"}],
        },
        "attachments": [],
        "client": {"name": "supportdesk-request", "version": "0.1.0"},
    }
    document.update(overrides)
    return document
