"""Auto-collection of the environment (owned by the transports/CLI work)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from supportdesk_request.values import CollectedItem


def collect_environment(product_info: Mapping[str, Any] | None = None) -> list[CollectedItem]:
    """Everything gathered about this machine and the caller's product. (Stub.)"""
    return []
