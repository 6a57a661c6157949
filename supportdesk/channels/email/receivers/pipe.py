"""The pipe door: an MTA (Postfix `pipe`, Exim `pipe` transport, procmail) runs
`supportdesk mail ingest < message` for each message.

The exit status is the whole conversation with the MTA, in sysexits(3) terms: 0 once the
mail is committed, 75 (EX_TEMPFAIL) on any failure so the MTA keeps the message and retries,
65 (EX_DATAERR) for an empty input, which no retry can fix.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import BinaryIO, TextIO

from supportdesk.channels.email.intake import accept_message

EX_OK = 0
EX_DATAERR = 65
EX_TEMPFAIL = 75

log = logging.getLogger(__name__)


def ingest(
    stream: BinaryIO,
    *,
    envelope_from: str = "",
    envelope_to: Sequence[str] = (),
    out: TextIO,
    err: TextIO,
    prog: str = "supportdesk",
) -> int:
    """Read one message from `stream`, commit it, print its id on `out`; the exit status."""
    try:
        raw = stream.read()
        if not raw.strip():
            print(f"{prog}: mail ingest: empty input, nothing to store", file=err)
            return EX_DATAERR
        mail, _created = accept_message(
            raw, source="pipe", envelope_from=envelope_from, envelope_to=list(envelope_to)
        )
    except Exception as exc:  # any failure: the MTA keeps the mail and retries
        log.debug("mail ingest failed", exc_info=True)
        print(
            f"{prog}: mail ingest: temporary failure, try again later: {_one_line(exc)}", file=err
        )
        return EX_TEMPFAIL
    print(mail.pk, file=out)
    return EX_OK


def _one_line(exc: BaseException) -> str:
    text = " ".join(line.strip() for line in str(exc).splitlines() if line.strip())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
