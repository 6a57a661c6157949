"""Accepting mail durably: the one function every door (SMTP, LMTP, IMAP, pipe) calls."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from email.parser import BytesHeaderParser
from email.policy import compat32

from django.db import IntegrityError, transaction

from supportdesk.channels.email import tasks as mail_tasks
from supportdesk.channels.email.models import InboundMail
from supportdesk.core.blobs import store_blob
from supportdesk.core.clock import now

MAX_MESSAGE_ID_LENGTH = 255


def read_message_id(raw: bytes) -> str:
    """The Message-ID header, trimmed of brackets and blanks; "" when absent or unusable.
    Read with the lenient compat32 policy: a broken header must never refuse the mail."""
    try:
        headers = BytesHeaderParser(policy=compat32).parsebytes(raw, headersonly=True)
        value = str(headers.get("Message-ID", "") or "")
    except Exception:  # any parse failure means "no usable id"
        return ""
    # Printable characters only: a NUL (refused by PostgreSQL in text) would make every
    # delivery attempt fail with 451, forever.
    value = "".join(ch for ch in value if ch.isprintable() and not ch.isspace()).strip("<>")
    return value[:MAX_MESSAGE_ID_LENGTH]


def printable(text: str, limit: int) -> str:
    return "".join(ch for ch in text if ch.isprintable())[:limit]


def accept_message(
    raw: bytes, *, source: str, envelope_from: str = "", envelope_to: Sequence[str] = ()
) -> tuple[InboundMail, bool]:
    """Store the bytes and commit a row, with its processing task, in one transaction.
    Returns the row and whether it is new (False: the same message was accepted before).

    Raises on any storage or database failure: the caller answers 451 (SMTP) or exits 75
    (pipe) so the sender retries. Only after this returns may the sender be told "250".
    """
    digest = hashlib.sha256(raw).hexdigest()
    message_id = read_message_id(raw)
    # No lookup first: the unique constraint on (Message-ID, hash) decides, and a repeat
    # (rare: a retry after a lost 250) costs a rolled-back transaction and one read.
    try:
        with transaction.atomic():
            mail = InboundMail.objects.create(
                received_at=now(),
                source=source,
                envelope_from=printable(envelope_from, 320),
                envelope_to=[printable(address, 320) for address in envelope_to],
                header_message_id=message_id,
                sha256=digest,
                size=len(raw),
                raw=store_blob(raw),
            )
            mail_tasks.process_inbound_mail.enqueue(mail_id=mail.pk)
    except IntegrityError:
        # Two doors accepted the same message at once: the first one wins.
        return InboundMail.objects.get(header_message_id=message_id, sha256=digest), False
    return mail, True
