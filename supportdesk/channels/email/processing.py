"""Turning an accepted mail into a ticket or a reply (being written: see issue 3)."""

from __future__ import annotations


def process_mail(*, mail_id: int) -> str:
    raise NotImplementedError("mail processing is being written")
