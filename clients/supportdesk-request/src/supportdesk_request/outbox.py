"""The outbox: requests that could not be sent (no network, server down), kept with copies of
their files under the user's data directory until `queue send` (or the next `send`) delivers
them.

A request must never arrive twice. After the server accepts one, a `sent.json` marker is
written before the entry is deleted, so an entry interrupted between the two is recognized
and never sent again; an exclusive lock keeps two runs from sending the same entry at once."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from supportdesk_request.config import data_dir
from supportdesk_request.document import AttachedFile

ENTRY_FILE = "request.json"
SENT_MARKER = "sent.json"
REFUSED_MARKER = "refused.json"
LOCK_FILE = "lock"


def outbox_dir() -> Path:
    return data_dir() / "outbox"


@dataclass
class Entry:
    id: str
    path: Path
    created_at: str
    transport: str
    document: dict[str, Any]
    files: list[AttachedFile]
    deferred: list[AttachedFile]
    to: str | None
    maybe_delivered: bool
    refused: dict[str, Any] | None
    sent: dict[str, Any] | None

    @property
    def subject(self) -> str:
        return str(self.document.get("subject") or "")


def save(
    *,
    transport: str,
    document: dict[str, Any],
    files: list[AttachedFile],
    deferred: list[AttachedFile] | None = None,
    to: str | None = None,
    reason: str = "",
    maybe_delivered: bool = False,
) -> Entry:
    """Keep the request and copies of its files (the originals may change or go away)."""
    entry_id = f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
    root = outbox_dir()
    # Requests hold logs and dumps: readable by their owner only, like the config.
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    staging = root / f".{entry_id}.partial"
    staging.mkdir(mode=0o700)
    (staging / "files").mkdir(mode=0o700)
    stored: list[dict[str, Any]] = []
    for kind, group in (("files", files), ("deferred", deferred or [])):
        for attached in group:
            target = staging / "files" / f"{len(stored)}-{attached.name}"
            shutil.copyfile(attached.path, target)
            stored.append(
                {
                    "kind": kind,
                    "name": attached.name,
                    "role": attached.role,
                    "size": attached.size,
                    "sha256": attached.sha256,
                    "stored": target.name,
                }
            )
    record = {
        "id": entry_id,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "maybe_delivered": maybe_delivered,
        "transport": transport,
        "to": to,
        "reason": reason,
        "document": document,
        "files": stored,
    }
    (staging / ENTRY_FILE).write_text(json.dumps(record, indent=2), encoding="utf-8")
    # Appears complete or not at all: a crash while copying leaves only a ".partial".
    os.replace(staging, root / entry_id)
    return load(root / entry_id)


def load(path: Path) -> Entry:
    record = json.loads((path / ENTRY_FILE).read_text(encoding="utf-8"))
    files: list[AttachedFile] = []
    deferred: list[AttachedFile] = []
    for item in record.get("files", []):
        attached = AttachedFile(
            path / "files" / item["stored"],
            item["name"],
            item["role"],
            item["size"],
            item["sha256"],
        )
        (deferred if item.get("kind") == "deferred" else files).append(attached)

    def marker(name: str) -> dict[str, Any] | None:
        try:
            value = json.loads((path / name).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            return None
        return value if isinstance(value, dict) else {}

    return Entry(
        id=record["id"],
        path=path,
        created_at=record.get("created_at", ""),
        transport=record.get("transport", "api"),
        document=record["document"],
        files=files,
        deferred=deferred,
        to=record.get("to"),
        maybe_delivered=bool(record.get("maybe_delivered")),
        refused=marker(REFUSED_MARKER),
        sent=marker(SENT_MARKER),
    )


def entries() -> list[Entry]:
    root = outbox_dir()
    if not root.is_dir():
        return []
    found = []
    for path in sorted(root.iterdir()):
        if path.name.startswith(".") or not (path / ENTRY_FILE).is_file():
            continue
        try:
            found.append(load(path))
        except (OSError, ValueError, KeyError):
            continue  # damaged by hand: left alone, listed by nobody
    return found


def waiting() -> list[Entry]:
    """Entries still to send (not refused, not already sent)."""
    return [entry for entry in entries() if entry.refused is None and entry.sent is None]


def find(entry_id: str) -> Entry | None:
    return next((entry for entry in entries() if entry.id == entry_id), None)


@contextlib.contextmanager
def claimed(entry: Entry) -> Iterator[bool]:
    """True while this process holds the entry's lock; False if another run holds it."""
    try:
        import fcntl
    except ImportError:  # Windows: one run at a time is the customer's own habit
        yield True
        return
    with (entry.path / LOCK_FILE).open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def mark_sent(entry: Entry, result: dict[str, Any]) -> None:
    """Record the acceptance the moment it is known: the entry is never sent again, even if
    this run dies before it is deleted."""
    (entry.path / SENT_MARKER).write_text(json.dumps(result), encoding="utf-8")


def mark_refused(entry: Entry, message: str, problems: list[dict[str, Any]]) -> None:
    record = {"message": message, "problems": problems}
    (entry.path / REFUSED_MARKER).write_text(json.dumps(record), encoding="utf-8")


def forget(entry: Entry) -> None:
    shutil.rmtree(entry.path, ignore_errors=True)


def clean_sent() -> None:
    """Entries whose sending was interrupted after the server accepted them."""
    for entry in entries():
        if entry.sent is not None:
            forget(entry)
