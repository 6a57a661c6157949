"""A plain-text mail as the bytes SMTP carries, written directly: the same bytes that an
email.message.EmailMessage (policy `default`, headers set in order, then set_content(text))
gives when smtplib's send_message flattens it, for a fifth of the CPU. The email package
parses every header it is given into a tree (making a new header class for each) and folds
it back: about 1.9 ms a mail, the larger part of sending an acknowledgement.

A header whose text comes out unchanged from that round trip (printable ASCII on one short
line, no encoded-word lookalike, addresses and ids in their plainest form) is written as
is; any other goes through the email package's own parsing and folding, so the result is
the same bytes in every case (tests/channels/email/test_outbound_wire.py holds the two
side by side). The body is encoded as email.contentmanager encodes text, with the same
choice of 7bit, 8bit, quoted-printable or base64. Nothing here reads Django.
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Sequence
from email import quoprimime
from email.policy import default

# What smtplib's send_message flattens with: the message's policy, lines ended by CRLF.
_POLICY = default.clone(linesep="\r\n")
_MAX_LINE = 78  # the policy's max_line_length, which both folding and the body use

_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_DOT_ATOM = rf"{_ATEXT}(?:\.{_ATEXT})*"
# Header values the email package writes back as it was given them.
_PLAIN_ADDRESS = re.compile(rf"{_DOT_ATOM}@{_DOT_ATOM}")
_PLAIN_MESSAGE_ID = re.compile(rf"<{_DOT_ATOM}@{_DOT_ATOM}>")
_PLAIN_DATE = re.compile(r"[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d [+-]\d{4}")
_STRUCTURED = {"from": _PLAIN_ADDRESS, "to": _PLAIN_ADDRESS, "message-id": _PLAIN_MESSAGE_ID}
# Generator's "mangle_from_", which smtplib's send_message leaves on (its generator has
# no policy when it is made): a body line starting "From " goes out as ">From ".
_FROM_LINE = re.compile(r"^From ", re.MULTILINE)
_LINE_END = re.compile(r"\r\n|\r|\n")


def header_bytes(name: str, value: str) -> bytes:
    """One header as it goes on the wire, folded lines and CRLF included."""
    line = f"{name}: {value}"
    if len(line) <= _MAX_LINE and _written_as_given(name, value):
        return line.encode("ascii") + b"\r\n"
    header = _POLICY.header_factory(name, value)
    return str(header.fold(policy=_POLICY)).encode("ascii", "surrogateescape")


def _written_as_given(name: str, value: str) -> bool:
    lowered = name.lower()
    if lowered == "date":
        return _PLAIN_DATE.fullmatch(value) is not None
    plain = _STRUCTURED.get(lowered)
    if plain is not None:
        return plain.fullmatch(value) is not None
    # Unstructured text: words of printable ASCII, single spaces between them, and nothing
    # the parser would decode (an encoded word starts "=?").
    return (
        value.isascii()
        and value.isprintable()
        and "=?" not in value
        and value.split(" ") == value.split()
    )


def text_body(text: str) -> tuple[str, bytes]:
    """The Content-Transfer-Encoding set_content(text) chooses, and the body as sent (CRLF
    line ends, "From " lines mangled as smtplib's generator mangles them)."""
    lines = text.encode("utf-8").splitlines()
    if max((len(line) for line in lines), default=0) <= _MAX_LINE:
        body = b"\n".join(lines) + b"\n"
        cte = "7bit" if body.isascii() else "8bit"
        payload = body.decode("ascii", "surrogateescape")
    else:
        sniff = b"\n".join(lines[:10]) + b"\n"
        sniff_qp = quoprimime.body_encode(sniff.decode("latin-1"), _MAX_LINE)
        if len(sniff_qp) > len(binascii.b2a_base64(sniff)):
            cte = "base64"
            payload = _base64_lines(b"\n".join(lines) + b"\n")
        else:
            cte = "quoted-printable"
            if len(lines) <= 10:
                payload = sniff_qp
            else:
                body = b"\n".join(lines) + b"\n"
                payload = quoprimime.body_encode(body.decode("latin-1"), _MAX_LINE)
    payload = _FROM_LINE.sub(">From ", payload)
    wire = "\r\n".join(_LINE_END.split(payload))
    return cte, wire.encode("ascii", "surrogateescape")


def _base64_lines(data: bytes) -> str:
    step = _MAX_LINE // 4 * 3
    return "".join(
        binascii.b2a_base64(data[start : start + step]).decode("ascii")
        for start in range(0, len(data), step)
    )


def text_mail_bytes(headers: Sequence[tuple[str, str]], text: str) -> bytes:
    """The whole mail: `headers` in order, then the text/plain UTF-8 body's own headers
    (as set_content adds them), a blank line and the body."""
    cte, body = text_body(text)
    parts = [header_bytes(name, value) for name, value in headers]
    parts.append(
        b'Content-Type: text/plain; charset="utf-8"\r\n'
        b"Content-Transfer-Encoding: " + cte.encode("ascii") + b"\r\nMIME-Version: 1.0\r\n\r\n"
    )
    parts.append(body)
    return b"".join(parts)
