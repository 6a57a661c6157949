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

    attachment_max_bytes: int = 9 * 1024 * 1024
    request_max_bytes: int = 50 * 1024 * 1024
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
