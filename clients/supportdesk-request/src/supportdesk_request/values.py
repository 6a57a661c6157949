"""Values shared by the tool's parts (the wizard, the collectors, the transports)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class CollectedItem:
    """One thing gathered automatically (environment, product information from the caller).

    `key` is where it goes in the document, as a dotted path ("environment.os",
    "product.build"); `label` is what the customer reads; `value` is what is sent. The
    wizard shows every item and lets the customer remove any of them before sending."""

    key: str
    label: str
    value: Any


@dataclass(frozen=True)
class Policy:
    """What the server accepts, from GET /api/v1/policy (defaults when offline)."""

    # The server's own defaults (9 MB per file as in the demo profile, 40 MiB per request).
    attachment_max_bytes: int = 9 * 1000 * 1000
    request_max_bytes: int = 40 * 1024 * 1024
    max_files: int = 20
    upload_agreement: dict[str, Any] | None = None
    products: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Similar:
    """A solved request like this one, offered before sending (deflection)."""

    title: str
    url: str
    excerpt: str
    reference: str | None = None


@dataclass
class Sent:
    """What became of a request: sent (a ticket reference), written (an .eml file), mailed,
    or queued in the outbox to be sent when the server can be reached."""

    transport: str
    reference: str | None = None
    url: str | None = None
    status: str | None = None
    answer_by_text: str | None = None
    follow_up: bool = False
    queued: bool = False
    queue_id: str | None = None
    out: str | None = None
    to: str | None = None
    attachments: list[dict[str, Any]] = field(default_factory=list)
    uploaded: list[str] = field(default_factory=list)
    not_uploaded: list[str] = field(default_factory=list)  # too large, and the link failed
    reason: str | None = None  # why it was queued

    def as_json(self) -> dict[str, Any]:
        return {
            "transport": self.transport,
            "reference": self.reference,
            "url": self.url,
            "status": self.status,
            "answer_by_text": self.answer_by_text,
            "follow_up": self.follow_up,
            "queued": self.queued,
            "queue_id": self.queue_id,
            "out": self.out,
            "to": self.to,
            "attachments": self.attachments,
            "uploaded": self.uploaded,
            "not_uploaded": self.not_uploaded,
            "reason": self.reason,
        }
