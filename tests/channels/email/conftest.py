"""Mail fixtures: real .eml files, and a helper that accepts a message and processes it the
way the worker would (synchronously)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import pytest

from supportdesk.channels.email import parsing
from supportdesk.channels.email.intake import accept_message
from supportdesk.channels.email.models import InboundMail
from supportdesk.channels.email.processing import process_mail

FIXTURES = Path(__file__).parent / "fixtures"


@contextmanager
def base64_runs_set_aside(*, always: bool) -> Iterator[None]:
    """Every run of base64 lines set aside, however short and in any size of mail; or none."""
    if always:
        with mock.patch.multiple(parsing, SET_ASIDE_FROM_BYTES=0, SET_ASIDE_MIN_LINES=1):
            yield
    else:
        with mock.patch.object(parsing, "SET_ASIDE_FROM_BYTES", 1 << 62):
            yield


def read_fixture(name: str, **replacements: str) -> bytes:
    """The bytes of fixtures/<name>.eml, with {PLACEHOLDERS} replaced."""
    raw = (FIXTURES / f"{name}.eml").read_bytes()
    for key, value in replacements.items():
        raw = raw.replace(b"{" + key.encode() + b"}", value.encode())
    return raw


@pytest.fixture
def deliver(db: None) -> Callable[..., tuple[str, InboundMail]]:
    """Accept raw bytes as the SMTP door does, then run the processing task now."""

    def deliver(
        raw: bytes, *, source: str = "smtp", envelope_from: str = "sender@example.net"
    ) -> tuple[str, InboundMail]:
        mail, _created = accept_message(
            raw, source=source, envelope_from=envelope_from, envelope_to=["support@example.com"]
        )
        outcome = process_mail(mail_id=mail.pk)
        mail.refresh_from_db()
        return outcome, mail

    return deliver
