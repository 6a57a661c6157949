"""A Standard Request as readable text: the text part of the standardized email, and what
the tool shows before sending. It follows the server's own rendering (the first message of
the ticket) line for line, so a technician reads the same thing whichever way it came; the
tool cannot import the server, hence this copy."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

TYPE_LABELS = {
    "question": "Question",
    "bug": "Bug",
    "crash": "Crash",
    "performance": "Performance",
    "installation_licence": "Installation or licence",
    "suggestion": "Suggestion",
}


def render_request_text(document: Mapping[str, Any]) -> str:
    product = document.get("product") or {}
    customer = document.get("customer") or {}
    lines: list[str] = []

    def add(label: str, value: object) -> None:
        if value not in (None, "", [], {}):
            lines.append(f"{label}: {value}")

    def block(label: str, value: object) -> None:
        if isinstance(value, str) and value.strip():
            lines.extend(["", f"{label}:", value.rstrip()])

    add("Type", TYPE_LABELS.get(str(document.get("type")), document.get("type")))
    add(
        "Product",
        " ".join(
            str(part)
            for part in (
                product.get("code"),
                product.get("edition"),
                product.get("version"),
                f"(build {product['build']})" if product.get("build") else None,
            )
            if part
        ),
    )
    add("Serial", customer.get("serial"))
    add("Customer number", customer.get("customer_number"))
    add("Urgency", document.get("urgency"))
    add("Frequency", document.get("frequency"))
    add("Last version that worked", document.get("last_working_version"))
    add("Follow-up of", document.get("related_ticket"))
    block("Description", document.get("description"))
    block("Expected", document.get("expected"))
    block("Actual", document.get("actual"))
    steps = document.get("steps") or []
    if steps:
        lines.extend(["", "Steps:"])
        lines.extend(f"{number}. {step}" for number, step in enumerate(steps, start=1))
    block("Error text", document.get("error_text"))
    block("Workarounds tried", document.get("workarounds"))
    block("Code extract", document.get("code_extract"))
    environment = document.get("environment") or {}
    if environment:
        lines.extend(["", "Environment:"])
        for key, label in (
            ("os", "OS"),
            ("architecture", "Architecture"),
            ("language", "Language"),
            ("memory_mb", "Memory (MB)"),
            ("disk_free_mb", "Free disk (MB)"),
            ("runtime", "Runtime"),
            ("database", "Database"),
        ):
            if environment.get(key) not in (None, ""):
                lines.append(f"  {label}: {environment[key]}")
        for addon in environment.get("addons") or []:
            lines.append(f"  Add-on: {addon.get('name')} {addon.get('version', '')}".rstrip())
    manifest = document.get("attachments") or []
    if manifest:
        lines.extend(["", "Attachments:"])
        lines.extend(
            f"  {entry.get('name')} ({entry.get('role')}, {entry.get('size')} bytes)"
            for entry in manifest
        )
    client = document.get("client")
    if client:
        lines.extend(["", f"Sent with {client.get('name')} {client.get('version')}"])
    return "\n".join(lines).strip() or str(document.get("subject", ""))
