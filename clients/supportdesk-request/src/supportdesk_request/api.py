"""The Python API, for a product or an IDE that opens the request tool pre-filled.

    from supportdesk_request.api import build_request, send_request, open_wizard

    document = build_request(
        subject="The report editor loses the page footer on save",
        type="bug",
        product={"code": "windev", "version": "2026", "build": "28.0.412.3"},
        steps=["Open INVOICE.wde", "Add a footer", "Save and reopen"],
        actual="The footer is gone",
        files=[("editor.log", "log")],           # (path, role) or {"path", "role"}
        product_info={"addons": [{"name": "PDF export", "version": "3.1"}]},
    )
    sent = send_request(document)                # transport="api" | "eml" | "smtp"
    print(sent.reference, sent.url)              # or sent.queued, sent.queue_id (offline)

    # Or let the customer check and complete it in the terminal wizard (None: cancelled):
    sent = open_wizard({"product": {"code": "windev", "version": "2026"}})

`build_request` fills the identity from the configuration, the client field, and what is
collected on this machine (pass collect=False, or omit=["environment.memory_mb"]).
`send_request` checks the attachments against the server's policy and the document locally,
then sends; it raises `supportdesk_request.server.ToolError` subclasses (Invalid, Refused,
AuthenticationFailed; `.exit_code`, `.message`, `.problems`) and queues the request in the
outbox when the server cannot be reached. The configuration is the user's
(`supportdesk-request config set ...`) unless a `Config` is given."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TextIO

from supportdesk_request.collect import collect_machine, collect_product
from supportdesk_request.config import Config, load_config
from supportdesk_request.document import (
    FILES_KEY,
    build_draft,
    guess_role,
    merge_collected,
    public_document,
)
from supportdesk_request.sending import fetch_policy, send_document
from supportdesk_request.server import ApiClient, Cancelled, Invalid, ToolError
from supportdesk_request.values import Sent
from supportdesk_request.wizard import run_wizard

__all__ = ["Sent", "ToolError", "build_request", "open_wizard", "send_request"]

FileSpec = str | Path | tuple[str | Path, str] | Mapping[str, Any]


def _file_entries(files: Iterable[FileSpec]) -> list[dict[str, Any]]:
    entries = []
    for spec in files:
        if isinstance(spec, Mapping):
            entry = {
                "path": str(spec["path"]),
                "role": spec.get("role") or guess_role(str(spec["path"])),
            }
            if spec.get("compress"):
                entry["compress"] = True
        elif isinstance(spec, tuple):
            entry = {"path": str(spec[0]), "role": spec[1]}
        else:
            entry = {"path": str(spec), "role": guess_role(str(spec))}
        entries.append(entry)
    return entries


def build_request(
    *,
    files: Iterable[FileSpec] = (),
    product_info: Mapping[str, Any] | None = None,
    collect: bool = True,
    omit: Iterable[str] = (),
    config: Config | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """A draft document from the fields (the document's own names: subject, type, product,
    steps, environment...), the configured identity and the collected items."""
    config = config or load_config()
    draft = build_draft(fields, config=config)
    entries = _file_entries(files)
    if entries:
        draft[FILES_KEY] = entries
    collected = collect_product(product_info) + (collect_machine(product_info) if collect else [])
    return merge_collected(draft, collected, omit)


def send_request(
    document: Mapping[str, Any],
    files: Iterable[FileSpec] = (),
    *,
    transport: str = "api",
    out: str | Path | None = None,
    to: str | None = None,
    compress: bool = False,
    config: Config | None = None,
) -> Sent:
    """Send a complete document; `files` are added to its "_files"."""
    config = config or load_config()
    draft = dict(document)
    entries = list(draft.get(FILES_KEY) or []) + _file_entries(files)
    if entries:
        draft[FILES_KEY] = entries
    draft = build_draft(draft, config=config)
    return send_document(
        draft,
        config,
        transport=transport,
        out=Path(out) if out is not None else None,
        to=to,
        compress=compress,
    )


def open_wizard(
    prefilled: Mapping[str, Any],
    *,
    product_info: Mapping[str, Any] | None = None,
    transport: str = "api",
    config: Config | None = None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    ui_language: str | None = None,
) -> Sent | None:
    """The terminal wizard, pre-filled; sends what the customer confirms. None if cancelled.
    `ui_language` (en, es, fr): the wizard's language, else the request's, the configured
    one, the locale's (texts.pick_language)."""
    config = config or load_config()
    draft = build_draft(dict(prefilled), config=config)
    client = ApiClient(config) if config.server and config.token else None
    document = run_wizard(
        draft,
        collect_product(product_info) + collect_machine(product_info),
        policy=fetch_policy(config),
        find_similar=client.similar if client is not None else None,
        stdin=stdin or sys.stdin,
        stdout=stdout or sys.stdout,
        ui_language=ui_language,
    )
    if document is None:
        return None
    try:
        return send_document(document, config, transport=transport)
    except Cancelled:
        return None


def preview(document: Mapping[str, Any]) -> dict[str, Any]:
    """The document as it would be sent, without the tool's private keys (files excluded)."""
    if not isinstance(document, Mapping):
        raise Invalid("a request is a mapping of its fields")
    return public_document(document)
