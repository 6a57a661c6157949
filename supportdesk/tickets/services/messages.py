"""Writing messages and their attachments onto a ticket."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import nh3

from supportdesk.accounts.actors import Actor
from supportdesk.accounts.models import Contact, Technician
from supportdesk.core.blobs import store_blob
from supportdesk.core.deferred import save_new
from supportdesk.core.models import Blob
from supportdesk.tickets.models import Attachment, Message, Ticket
from supportdesk.tickets.services.common import without_nul


@dataclass(frozen=True)
class NewAttachment:
    filename: str
    content: bytes
    content_type: str = "application/octet-stream"


@dataclass(frozen=True)
class StoredAttachment:
    """A file already in blob storage (too large to pass around as bytes) and already
    admitted by whoever stored it: an upload link checks its agreement's cap first."""

    filename: str
    blob: Blob
    content_type: str = "application/octet-stream"


def sanitize_html(html: str) -> str:
    """Customer HTML reduced to safe markup (no scripts, handlers, styles or remote
    frames), so any page can render it as is. Links open without referrer. Images load
    nothing: a remote one is a tracker that tells the sender when a technician reads the
    mail, and a relative one would request our own pages; only a mail's own cid: images stay."""
    if not html.strip():
        return ""
    return nh3.clean(
        html,
        link_rel="noopener noreferrer nofollow",
        url_schemes=nh3.ALLOWED_URL_SCHEMES | {"cid"},
        attribute_filter=_without_loaded_images,
    )


def _without_loaded_images(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src" and not value.strip().lower().startswith("cid:"):
        return None
    return value


def format_size(size: int) -> str:
    """Sizes as the seed states them: decimal megabytes ("9 MB")."""
    if size >= 1_000_000:
        return f"{size / 1_000_000:g} MB"
    if size >= 1000:
        return f"{size / 1000:g} KB"
    return f"{size} bytes"


def safe_filename(name: str) -> str:
    """A file name without directories or control characters, never empty."""
    base = os.path.basename(name.replace("\\", "/"))
    base = "".join(ch for ch in base if ch.isprintable()).strip().lstrip(".")
    if not base:
        return "attachment"
    stem, ext = os.path.splitext(base)
    return stem[: 255 - len(ext[:20])] + ext[:20]


def add_message(
    *,
    ticket: Ticket,
    kind: str,
    channel: str,
    author: Actor,
    body_text: str,
    body_html: str,
    attachments: Sequence[NewAttachment | StoredAttachment],
    at: datetime,
    size_limit: int | None = None,
    origin: Mapping[str, Any] | None = None,
    first_of_new_ticket: bool = False,
) -> Message:
    """Write a message. Attachments over `size_limit` bytes are not stored: their name,
    size and hash are recorded with the reason, so the ticket shows what was sent.

    `first_of_new_ticket`: open_ticket's first message, counted by open_ticket itself and
    written like the new ticket, at once or at a batch's flush (core.deferred)."""
    save = save_new if first_of_new_ticket else _save
    message = Message(
        ticket=ticket,
        kind=kind,
        channel=channel,
        author_contact=author if isinstance(author, Contact) else None,
        author_technician=author if isinstance(author, Technician) else None,
        body_text=body_text,
        body_html=sanitize_html(without_nul(body_html)),
        origin=dict(origin or {}),
        created_at=at,
    )
    save(message)
    for item in attachments:
        if isinstance(item, StoredAttachment):
            attachment = Attachment(
                message=message,
                blob=item.blob,
                filename=safe_filename(item.filename),
                content_type=without_nul(item.content_type)[:100] or "application/octet-stream",
                size=item.blob.size,
                sha256=item.blob.sha256,
            )
        else:
            attachment = _attachment(message, item, size_limit)
        save(attachment)
    if not first_of_new_ticket:
        ticket.message_count += 1
    return message


def _save(row: Message | Attachment) -> None:
    row.save(force_insert=True)


def _attachment(message: Message, item: NewAttachment, size_limit: int | None) -> Attachment:
    size = len(item.content)
    too_large = size_limit is not None and size > size_limit
    return Attachment(
        message=message,
        blob=None if too_large else store_blob(item.content),
        filename=safe_filename(item.filename),
        content_type=without_nul(item.content_type)[:100] or "application/octet-stream",
        size=size,
        sha256=hashlib.sha256(item.content).hexdigest(),
        removed_reason=(
            f"over the {format_size(size_limit)} limit, sent without agreement"
            if too_large and size_limit is not None
            else ""
        ),
    )
