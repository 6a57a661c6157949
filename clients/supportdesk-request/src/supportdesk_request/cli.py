"""The `supportdesk-request` command (owned by the transports/CLI work)."""

from __future__ import annotations

from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    raise NotImplementedError
