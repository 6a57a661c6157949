"""The interactive wizard (owned by the wizard work)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, TextIO

from supportdesk_request.values import CollectedItem, Policy, Similar


def run_wizard(
    draft: dict[str, Any],
    collected: list[CollectedItem],
    *,
    policy: Policy | None = None,
    find_similar: Callable[[dict[str, Any]], list[Similar]] | None = None,
    stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout,
) -> dict[str, Any] | None:
    """Ask for what `draft` lacks, show the whole request (collected items included, each
    removable), and return the document to send, or None when the customer cancels. (Stub.)"""
    raise NotImplementedError
