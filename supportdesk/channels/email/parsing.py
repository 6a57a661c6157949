"""Raw mail bytes -> ParsedMail, a plain dataclass. Pure: no Django, no ORM, no I/O.

Real mail is often broken (undeclared 8-bit, unknown charsets, malformed headers, MIME bombs).
Nothing here raises for bad input: what could not be read is recorded in `defects` and the
best reading is kept, so the processing task can always decide what to do with the mail.
"""

from __future__ import annotations

import binascii
import itertools
import mimetypes
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.header import decode_header, make_header
from email.headerregistry import Address, BaseHeader, HeaderRegistry
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser, BytesParser
from email.utils import parsedate_to_datetime
from functools import cache
from typing import Any

from supportdesk.channels.email.htmltext import html_to_text
from supportdesk.channels.email.quoting import (
    looks_like_a_reply,
    split_reply_html,
    split_reply_text,
)
from supportdesk.channels.email.winmail import UnreadableWinmail, is_winmail, read_winmail

__all__ = ["ParsedAttachment", "ParsedMail", "html_to_text", "parse_mail"]

# A MIME tree deeper or wider than any real mail: beyond these, stop reading the structure.
MAX_PARTS = 500
MAX_DEPTH = 20
# The stdlib parser recurses once per nested container and fails (RecursionError, after
# quadratic work) near a thousand levels: count container declarations in the raw bytes
# first and refuse to parse the structure of a message that declares too many.
MAX_CONTAINERS = 200
# The stdlib's header parser takes quadratic time on long values (a minute for a 1 MB
# Subject): longer ones are decoded by the plain RFC 2047 decoder instead.
MAX_PARSED_HEADER = 16_000
# Decoding can only shrink base64 and quoted-printable, but a message also expands by its
# nested messages and winmail.dat contents: all decoded parts together stay under this (twice
# the default 40 MiB message size; the processing task passes the configured figure).
DEFAULT_MAX_EXPANDED_BYTES = 80 * 1024 * 1024
MAX_SUBJECT_LENGTH = 998  # the longest line RFC 5322 allows
PARSER_FAILURE = "parser failure"
# The stdlib parser reads a body line by line in Python, about 1 microsecond a line: 15 ms
# for a 900 KB attachment in base64, most of a large mail's processing. In a message this
# large, runs of at least this many base64 lines are set aside before parsing (each run one
# placeholder line) and put back in the parts after: the structure is the same (a base64
# line is never a boundary, a header or a continuation), the payloads are the same bytes.
SET_ASIDE_FROM_BYTES = 64 * 1024
SET_ASIDE_MIN_LINES = 64

# The two case-insensitive scans run on the lowered message with these lowercase patterns:
# the same matches at the same places (bytes.lower changes A-Z alone), but a literal start
# the regex engine can search for, ten times faster over a 1 MB mail.
_CONTAINER_DECLARATION = re.compile(
    rb"content-type:[ \t]*(?:\r?\n[ \t]+)?(?:multipart/|message/rfc822)"
)
_BOUNDARY_PARAMETER = re.compile(rb'boundary[ \t]*=[ \t]*(?:"([^"\r\n]{1,200})"|([^\s;"]{1,200}))')
# A line "--something": the first line of the message, and every line after a line feed
# (a literal "\n--" to search for, where "^--" with MULTILINE is tried at every byte).
_DELIMITER_FIRST_LINE = re.compile(rb"--([^\r\n]{1,250})\r?$", re.MULTILINE)
_DELIMITER_LINE = re.compile(rb"\n--([^\r\n]{1,250})\r?$", re.MULTILINE)
_FIRST_DELIMITER = re.compile(rb"^--([!#-~]{1,70}?)[ \t]*\r?$", re.MULTILINE)
# The blank line that ends the header block.
_HEADER_END = re.compile(rb"\r?\n\r?\n|\r\r")
# A header line: a field name of printable ASCII but the colon, then a colon (RFC 5322 2.2).
_HEADER_LINE = re.compile(rb"^[!-9;-~]+[ \t]*:")
# Headers every mail has: text that merely contains a colon ("Note: ...") is not a header.
_MAIL_HEADER_LINE = re.compile(
    rb"^(?:from|to|cc|subject|date|message-id|mime-version|content-type|received|return-path"
    rb"|reply-to|in-reply-to|references)[ \t]*:",
    re.IGNORECASE,
)
_ADDRESS_FALLBACK = re.compile(r"[^\s<>\"'(),;:@]+@[^\s<>\"'(),;:@]+\.[^\s<>\"'(),;:@]+")
_MESSAGE_ID = re.compile(r"<([^<>\s]+)>")
# The bytes 0x80-0xFF of undeclared 8-bit text, as the parser keeps them (surrogateescape).
_SURROGATE_ESCAPE = re.compile("[\udc80-\udcff]")
_FALLBACK_CHARSETS = ("utf-8", "cp1252")
# Labels that mail clients use for a larger charset than they name, read as browsers read
# them (the WHATWG Encoding Standard): Latin-1 mail with a euro sign is Windows-1252, GB2312
# mail uses GBK characters, Korean Outlook names Windows-949 "ks_c_5601-1987".
_CHARSET_SUPERSETS = {
    "iso-8859-1": "cp1252",
    "iso_8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
    "shift_jis": "cp932",
    "x-sjis": "cp932",
    "windows-31j": "cp932",
    "iso-2022-jp": "iso2022_jp_ext",
    "unicode-1-1-utf-7": "utf-7",
}
# Headers that RFC 5322 allows once: a second one is recorded, and the first one is read.
_SINGLE_HEADERS = ("from", "subject", "message-id", "in-reply-to", "date")
_AUTO_REPLY_SUPPRESS_HEADERS = ("x-auto-response-suppress",)
_AUTOMATIC_PRECEDENCE = frozenset({"bulk", "junk", "list"})
_MACHINE_SENDERS = frozenset({"mailer-daemon", "postmaster"})
# The part of a standardized email (CONTRACTS.md C) that carries the Standard Request.
REQUEST_CONTENT_TYPE = "application/vnd.supportdesk.request+json"


class _HeaderClasses(HeaderRegistry):
    """The stdlib's registry, but it builds each header class once: the stdlib's creates a
    new class (`type(...)`, 10 µs) for every header it reads."""

    def __init__(self) -> None:
        super().__init__()
        self.classes: dict[str, type[BaseHeader]] = {}

    def __getitem__(self, name: str) -> Any:
        key = name.lower()
        found = self.classes.get(key)
        if found is None:
            found = self.classes[key] = super().__getitem__(key)
        return found


# Headers whose values recur: the MIME headers, which the parser and the walk read again and
# again (the stdlib parses a part's Content-Type each time anyone asks for its type, charset,
# boundary or filename: nine times for a plain mail), mostly with the same values from mail
# to mail; and the address headers (To: the desk's own address; From: a customer's next
# mail), whose parse is the dearest (50 µs for "To: <support@example.com>").
_MEMOIZED_HEADERS = frozenset(
    {"content-type", "content-disposition", "content-transfer-encoding", "from", "to", "cc"}
)
_MAX_MEMOIZED_VALUE = 1000
_MAX_MEMOIZED = 512


class _ParsingPolicy(policy.EmailPolicy):
    """policy.default, with the header objects of the MIME headers kept and shared: they
    are immutable and depend only on the header's name and raw value, and none leaves this
    module (`ParsedMail` holds plain values)."""

    def header_fetch_parse(self, name: str, value: str) -> Any:
        if hasattr(value, "name") or name.lower() not in _MEMOIZED_HEADERS:
            return super().header_fetch_parse(name, value)
        key = (name, value)
        found = _HEADER_OBJECTS.get(key)
        if found is None:
            found = super().header_fetch_parse(name, value)
            if len(value) <= _MAX_MEMOIZED_VALUE:
                if len(_HEADER_OBJECTS) >= _MAX_MEMOIZED:
                    _HEADER_OBJECTS.clear()
                _HEADER_OBJECTS[key] = found
        return found


_HEADER_OBJECTS: dict[tuple[str, str], Any] = {}
_POLICY = _ParsingPolicy(header_factory=_HeaderClasses())


@dataclass(frozen=True)
class ParsedAttachment:
    filename: str
    content_type: str
    content: bytes
    inline: bool = False


@dataclass(frozen=True)
class ParsedMail:
    message_id: str
    in_reply_to: str
    references: tuple[str, ...]
    subject: str
    from_address: str
    from_name: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    date: datetime | None
    # The new part of a reply (or the whole text of a new request) ...
    text: str
    # ... and what a reply quotes below it (history, signature): kept for the record only.
    quoted_text: str
    html: str
    attachments: tuple[ParsedAttachment, ...]
    is_automatic: bool
    automatic_reason: str
    # Set when a limit stopped the reading: the mail is too complex to trust any reading.
    limit_exceeded: str
    defects: tuple[str, ...]
    # A standardized email's request part (REQUEST_CONTENT_TYPE), recognized by its content
    # type alone and kept out of `attachments`: the manifest lists only the customer's files.
    request_part: ParsedAttachment | None = None


def parse_mail(
    raw: bytes,
    *,
    return_path: str | None = None,
    max_expanded_bytes: int = DEFAULT_MAX_EXPANDED_BYTES,
) -> ParsedMail:
    """Read a message. `return_path` is the SMTP envelope sender when known ("" or "<>"
    for the null sender of bounces); None when the door does not know it."""
    try:
        return _Reader(max_expanded_bytes).read(raw, return_path)
    except Exception as exc:
        # A bug here must not lose the mail: what cannot be read goes to the quarantine.
        failure = f"{PARSER_FAILURE} ({type(exc).__name__}: {exc})"[:300]
        return ParsedMail(
            message_id="",
            in_reply_to="",
            references=(),
            subject="",
            from_address="",
            from_name="",
            to=(),
            cc=(),
            date=None,
            text="",
            quoted_text="",
            html="",
            attachments=(),
            is_automatic=False,
            automatic_reason="",
            limit_exceeded=failure,
            defects=(failure,),
        )


class _Reader:
    def __init__(self, max_expanded_bytes: int) -> None:
        self.defects: list[str] = []
        self.parts_seen = 0
        self.limit_exceeded = ""
        self.max_expanded_bytes = max_expanded_bytes
        self.expanded_bytes = 0
        # Bodies found inside winmail.dat: used when the mail itself has no text.
        self.tnef_texts: list[str] = []
        self.tnef_htmls: list[str] = []
        self.request_part: ParsedAttachment | None = None

    def defect(self, text: str) -> None:
        if len(self.defects) < 100:
            self.defects.append(text)

    def read(self, raw: bytes, return_path: str | None) -> ParsedMail:
        message = self.parse(raw)
        subject = _one_line(self.header_text(message, "subject"))[:MAX_SUBJECT_LENGTH]
        from_pairs = self.addresses(message, "from")
        from_name, from_address = from_pairs[0] if from_pairs else ("", "")
        if len(from_pairs) > 1:
            self.defect("several From addresses: the first is used")
        for name in _SINGLE_HEADERS:
            if len(_raw_headers(message, name)) > 1:
                self.defect(f"{name}: several headers, the first is used")
        text_parts: list[str] = []
        html_parts: list[str] = []
        attachments: list[ParsedAttachment] = []
        if not self.limit_exceeded:
            self.collect(message, 0, text_parts, html_parts, attachments)
        if not any(part.strip() for part in [*text_parts, *html_parts]):
            text_parts, html_parts = self.tnef_texts, self.tnef_htmls
        text = "\n\n".join(part for part in text_parts if part.strip())
        html = "\n".join(html_parts)
        text_from_html = not text.strip() and bool(html.strip())
        if text_from_html:
            text = html_to_text(html)
        automatic_reason = self.automatic_reason(message, from_address, return_path)
        in_reply_to = _first_message_id(self.header_text(message, "in-reply-to"))
        references = tuple(_message_ids(self.header_text(message, "references")))
        # PostgreSQL refuses NUL in text, and no reader misses it.
        text, html = text.replace("\x00", ""), html.replace("\x00", "")
        quoted_text = ""
        if looks_like_a_reply(subject=subject, in_reply_to=in_reply_to, references=references):
            text, quoted_text, html = _without_history(text, html, text_from_html=text_from_html)
        return ParsedMail(
            message_id=_first_message_id(self.header_text(message, "message-id")),
            in_reply_to=in_reply_to,
            references=references,
            subject=subject,
            from_address=from_address,
            from_name=from_name,
            to=tuple(address for _, address in self.addresses(message, "to")),
            cc=tuple(address for _, address in self.addresses(message, "cc")),
            date=self.date(message),
            text=text.strip(),
            quoted_text=quoted_text,
            html=html,
            attachments=tuple(attachments),
            is_automatic=bool(automatic_reason),
            automatic_reason=automatic_reason,
            limit_exceeded=self.limit_exceeded,
            defects=tuple(self.defects),
            request_part=self.request_part,
        )

    # -- structure --------------------------------------------------------------------

    def parse(self, raw: bytes) -> Message:
        raw, dropped = _without_stray_header_lines(raw)
        if dropped:
            self.defect(f"{dropped} lines in the header that are not headers: skipped")
        # The structure scans and the parser read the message without its long base64 runs.
        raw, set_aside = _set_aside_base64(raw)
        limit = _structure_limit(raw)
        if limit:
            self.limit_exceeded = limit
            self.defect(self.limit_exceeded)
            return self.parse_headers_only(raw)
        try:
            message = BytesParser(policy=_POLICY).parsebytes(raw)
        except Exception as exc:  # RecursionError and parser bugs: keep the headers
            self.limit_exceeded = f"MIME structure unreadable ({type(exc).__name__})"
            self.defect(self.limit_exceeded)
            return self.parse_headers_only(raw)
        if set_aside:
            _put_back(message, set_aside)
        return message

    def parse_headers_only(self, raw: bytes) -> Message:
        try:
            return BytesHeaderParser(policy=_POLICY).parsebytes(raw, headersonly=True)
        except Exception as exc:
            self.defect(f"headers unreadable ({type(exc).__name__})")
            return EmailMessage(policy=_POLICY)

    def walk(self, part: Message, depth: int) -> Iterator[tuple[Message, int]]:
        """Every part, depth first, within MAX_PARTS and MAX_DEPTH."""
        stack: list[tuple[Message, int]] = [(part, depth)]
        while stack:
            current, level = stack.pop()
            self.parts_seen += 1
            if self.parts_seen > MAX_PARTS:
                self.limit_exceeded = f"more than {MAX_PARTS} MIME parts"
                self.defect(self.limit_exceeded)
                return
            if level > MAX_DEPTH:
                self.limit_exceeded = f"MIME parts nested deeper than {MAX_DEPTH}"
                self.defect(self.limit_exceeded)
                return
            yield current, level
            if current.is_multipart() and not _is_message_rfc822(current):
                children = current.get_payload()
                if isinstance(children, list):
                    stack.extend((child, level + 1) for child in reversed(children))

    def collect(
        self,
        message: Message,
        depth: int,
        text_parts: list[str],
        html_parts: list[str],
        attachments: list[ParsedAttachment],
    ) -> None:
        for part, _level in self.walk(message, depth):
            if self.limit_exceeded:
                return
            content_type = _content_type(part)
            if content_type.startswith("multipart/"):
                if not part.is_multipart():
                    self.read_broken_multipart(part, depth, text_parts, html_parts, attachments)
                continue
            if _is_message_rfc822(part):
                self.attach_message(part, attachments)
                continue
            disposition = _disposition(part)
            filename = self.filename(part)
            if content_type == REQUEST_CONTENT_TYPE and self.read_request_part(part, filename):
                continue
            is_body_text = content_type in ("text/plain", "text/html") and (
                disposition != "attachment" and not (filename and disposition)
            )
            if is_body_text:
                body = self.decode_text(part)
                (text_parts if content_type == "text/plain" else html_parts).append(body)
                continue
            content = self.payload_bytes(part)
            if content is None:
                continue
            if is_winmail(content_type, filename) and self.expand_tnef(content, attachments):
                continue
            attachments.append(
                ParsedAttachment(
                    filename=filename or _default_filename(content_type),
                    content_type=content_type,
                    content=content,
                    inline=disposition == "inline" or bool(part.get("content-id")),
                )
            )

    def read_request_part(self, part: Message, filename: str) -> bool:
        """Keep the first request part; a second one stays an ordinary attachment (the
        manifest check then names it)."""
        if self.request_part is not None:
            self.defect("several request parts: the first is the request")
            return False
        content = self.payload_bytes(part)
        if content is None:
            return False
        self.request_part = ParsedAttachment(
            filename=filename or "supportdesk-request.json",
            content_type=REQUEST_CONTENT_TYPE,
            content=content,
        )
        return True

    def read_broken_multipart(
        self,
        part: Message,
        depth: int,
        text_parts: list[str],
        html_parts: list[str],
        attachments: list[ParsedAttachment],
    ) -> None:
        """A multipart whose boundary is missing or wrong has no parts for the parser: read
        it again with the boundary its first delimiter line shows, else keep it as text."""
        payload = part.get_payload()
        if not isinstance(payload, str) or not payload.strip():
            return
        content = payload.encode("utf-8", "surrogateescape")
        found = _FIRST_DELIMITER.search(content)
        if found is not None and depth < MAX_DEPTH:
            self.defect("multipart boundary missing or wrong: read with the one its body uses")
            boundary = found.group(1).decode("ascii", "replace").replace('"', "")
            header = f'Content-Type: {_content_type(part)}; boundary="{boundary}"\n\n'
            try:
                repaired = BytesParser(policy=_POLICY).parsebytes(header.encode() + content)
            except Exception as exc:
                self.defect(f"multipart unreadable ({type(exc).__name__})")
            else:
                if repaired.is_multipart():
                    self.collect(repaired, depth + 1, text_parts, html_parts, attachments)
                    return
        self.defect("multipart without parts: its content read as text")
        if self.count_expanded(len(content)):
            text_parts.append(self.decode_bytes(content, "", what="body"))

    def attach_message(self, part: Message, attachments: list[ParsedAttachment]) -> None:
        payload = part.get_payload()
        inner = payload[0] if isinstance(payload, list) and payload else None
        if not isinstance(inner, Message):
            inner = None
        try:
            content = inner.as_bytes(policy=policy.compat32) if inner is not None else b""
        except Exception as exc:
            self.defect(f"attached message unreadable ({type(exc).__name__})")
            content = b""
        if not self.count_expanded(len(content)):
            return
        name = self.filename(part)
        if not name and inner is not None:
            inner_subject = _one_line(self.header_text(inner, "subject"))
            name = f"{inner_subject[:80]}.eml" if inner_subject else ""
        attachments.append(
            ParsedAttachment(
                filename=name or "message.eml", content_type="message/rfc822", content=content
            )
        )

    # -- content ----------------------------------------------------------------------

    def count_expanded(self, size: int) -> bool:
        """Add decoded bytes to the message's total; False once over the limit."""
        self.expanded_bytes += size
        if self.expanded_bytes > self.max_expanded_bytes and not self.limit_exceeded:
            self.limit_exceeded = f"more than {self.max_expanded_bytes} bytes once decoded"
            self.defect(self.limit_exceeded)
        return not self.limit_exceeded

    def payload_bytes(self, part: Message) -> bytes | None:
        try:
            encoded = part.get_payload()
        except (ValueError, LookupError):
            # The stdlib decodes an 8-bit body with the declared charset here, and a label
            # it cannot use (a NUL in it) raises: size the raw payload instead.
            encoded = str(getattr(part, "_payload", ""))
        # Decoded base64 is three quarters of its text: refuse before decoding, not after.
        estimate = len(encoded) * 3 // 4 if isinstance(encoded, str) else 0
        if self.expanded_bytes + estimate > self.max_expanded_bytes:
            self.count_expanded(estimate)
            return None
        try:
            payload: Any = _valid_base64(part)
            if payload is None:
                payload = part.get_payload(decode=True)
        except Exception as exc:
            self.defect(f"part unreadable ({type(exc).__name__})")
            return None
        if isinstance(payload, bytes) and self.count_expanded(len(payload)):
            return payload
        return None

    def expand_tnef(self, content: bytes, attachments: list[ParsedAttachment]) -> bool:
        """Outlook's winmail.dat: its files become attachments and its body the text when
        the mail has none. False (keep the file as it is) when it cannot be read."""
        try:
            contents = read_winmail(content)
        except UnreadableWinmail as exc:
            self.defect(f"winmail.dat {exc}: kept as a file")
            return False
        for name, data in contents.files:
            if not self.count_expanded(len(data)):
                return True
            attachments.append(
                ParsedAttachment(
                    filename=_one_line(name) or "attachment.bin",
                    content_type=_guess_content_type(name),
                    content=data,
                )
            )
        if contents.text.strip():
            self.tnef_texts.append(contents.text.replace("\r\n", "\n").replace("\r", "\n"))
        if contents.html.strip():
            self.tnef_htmls.append(contents.html.replace("\r\n", "\n").replace("\r", "\n"))
        return True

    def decode_text(self, part: Message) -> str:
        content = self.payload_bytes(part) or b""
        try:
            declared = part.get_content_charset() or ""
        except Exception:
            declared = ""
        text = self.decode_bytes(content, declared, what="body")
        return text.replace("\r\n", "\n").replace("\r", "\n")

    def decode_bytes(self, content: bytes, declared: str, *, what: str) -> str:
        codec = _CHARSET_SUPERSETS.get(declared.strip().lower(), declared)
        if codec and codec not in ("us-ascii", "ascii"):
            try:
                return content.decode(codec)
            except UnicodeDecodeError:
                self.defect(f"{what}: bytes do not match the declared charset {declared!r}")
            except (LookupError, ValueError):  # ValueError: a NUL in the charset name
                self.defect(f"{what}: unknown charset {declared!r}")
        elif not content.isascii():
            self.defect(f"{what}: undeclared 8-bit text")
        # Undeclared or wrong: UTF-8 when it decodes cleanly, else Windows-1252, the usual
        # charset of mail that declares nothing.
        for charset in _FALLBACK_CHARSETS:
            try:
                return content.decode(charset)
            except UnicodeDecodeError:
                continue
        return content.decode("latin-1")

    def filename(self, part: Message) -> str:
        try:
            name = part.get_filename() or ""
        except Exception as exc:
            self.defect(f"attachment name unreadable ({type(exc).__name__})")
            return ""
        name = _repair_surrogates(str(name))
        if "=?" in name:  # RFC 2047 words in a parameter: not the standard, but common
            name = _decode_words(name)
        return _one_line(name)

    # -- headers ----------------------------------------------------------------------

    def header_text(self, message: Message, name: str) -> str:
        """A header's decoded value; "" when absent. Falls back to the raw value, decoded
        by hand, when the header parser fails on it."""
        raw = _raw_header(message, name)
        if _has_surrogates(raw):
            # Undeclared 8-bit: the header parser would turn it into U+FFFD; read it here.
            self.defect(f"{name}: undeclared 8-bit text")
            return _decode_words(_repair_surrogates(raw))
        if len(raw) > MAX_PARSED_HEADER:
            self.defect(f"{name}: {len(raw)} characters, read without the header parser")
            return _decode_words(raw)
        try:
            value = message.get(name)
            text = "" if value is None else str(value)
        except Exception as exc:
            self.defect(f"{name}: unparsable header ({type(exc).__name__})")
            text = _decode_words(raw)
        return _repair_surrogates(text)

    def addresses(self, message: Message, name: str) -> list[tuple[str, str]]:
        """(display name, lowercased address) pairs of an address header."""
        raw_value = _raw_header(message, name)
        simple = None if "=?" in raw_value else _SIMPLE_ADDRESS.fullmatch(raw_value)
        if simple is not None:  # what the stdlib's parser would make of it, at 1/20 the CPU
            address = simple.group("address") or simple.group("bare")
            return [(simple.group("name") or "", address.lower())]
        try:
            if len(raw_value) > MAX_PARSED_HEADER:
                raise ValueError("too long for the header parser")
            header = message.get(name)
            if header is None:
                return []
            found = [
                (
                    _one_line(_repair_surrogates(address.display_name)),
                    _repair_surrogates(address.addr_spec).lower(),
                )
                for address in getattr(header, "addresses", ())
                if isinstance(address, Address) and _usable_address(address.addr_spec)
            ]
            if found:
                return found
        except Exception as exc:
            self.defect(f"{name}: unparsable address ({type(exc).__name__})")
        # Cut: the lenient pattern is quadratic over a long run of address characters.
        raw = _repair_surrogates(_decode_words(raw_value[:MAX_PARSED_HEADER]))
        matches = _ADDRESS_FALLBACK.findall(raw)
        if raw.strip() and not matches:
            self.defect(f"{name}: no address found in {raw[:80]!r}")
        elif matches:
            self.defect(f"{name}: address read leniently")
        return [("", address.lower()) for address in matches if _usable_address(address)]

    def date(self, message: Message) -> datetime | None:
        raw = _raw_header(message, "date")
        if not raw:
            return None
        try:
            return parsedate_to_datetime(raw.strip())
        except Exception:
            self.defect(f"date: unparsable {raw[:60]!r}")
            return None

    def automatic_reason(self, message: Message, from_address: str, return_path: str | None) -> str:
        """Why this mail comes from a machine (RFC 3834 and the common conventions); ""
        for a person. Answering a machine starts mail loops."""
        auto_submitted = _one_line(self.header_text(message, "auto-submitted")).lower()
        if auto_submitted and auto_submitted.split(";")[0].strip() != "no":
            return f"auto-reply (Auto-Submitted: {auto_submitted[:40]})"
        if _content_type(message) == "multipart/report":
            report_type = _one_line(
                str(message.get_param("report-type", "", header="content-type"))
            )
            return f"delivery report (multipart/report {report_type[:40]})".replace(" )", ")")
        if self.header_text(message, "x-autoreply").strip():
            return "auto-reply (X-Autoreply)"
        if self.header_text(message, "x-autorespond").strip():
            return "auto-reply (X-Autorespond)"
        for header in _AUTO_REPLY_SUPPRESS_HEADERS:
            value = _one_line(self.header_text(message, header))
            if value:
                return f"automatic mail (X-Auto-Response-Suppress: {value[:40]})"
        precedence = _one_line(self.header_text(message, "precedence")).lower()
        if precedence in _AUTOMATIC_PRECEDENCE:
            return f"automatic mail (Precedence: {precedence})"
        if return_path is not None and return_path.strip() in ("", "<>"):
            return "bounce (null return path)"
        header_return_path = _raw_header(message, "return-path").strip()
        if header_return_path == "<>":
            return "bounce (null return path)"
        if from_address.partition("@")[0] in _MACHINE_SENDERS:
            return f"bounce (from {from_address.partition('@')[0]})"
        return ""


# -- helpers ----------------------------------------------------------------------------


def _without_history(text: str, html: str, *, text_from_html: bool) -> tuple[str, str, str]:
    """(new text, quoted text, html) of a reply. The HTML is kept only when it could be cut
    where the text was (or neither was): a stored HTML body that still showed the history
    would undo the cut. Without a consistent HTML cut, the text alone is kept."""
    html_split = split_reply_html(html) if html.strip() else None
    new_html_text = html_to_text(html_split.new) if html_split is not None else ""
    if html_split is not None and not new_html_text.strip():
        html_split = None  # never cut everything
    if text_from_html and html_split is not None:
        # The text is the HTML's: cut by the HTML's markers, then drop its signature.
        new = split_reply_text(new_html_text)
        quoted = "\n\n".join(
            piece for piece in (new.quoted, html_to_text(html_split.quoted)) if piece
        )
        return new.new, quoted, html_split.new
    split = split_reply_text(text)
    if not split.history_cut:
        return split.new, split.quoted, html
    return split.new, split.quoted, html_split.new if html_split is not None else ""


@cache
def _base64_run(min_lines: int) -> re.Pattern[bytes]:
    """At least `min_lines` lines of base64 text from the start of a line, each with its end
    (76 characters in most mail; up to the 998 RFC 5322 allows)."""
    return re.compile(rb"^(?:[A-Za-z0-9+/=]{16,998}\r?\n){%d,}" % min_lines, re.MULTILINE)


def _set_aside_base64(raw: bytes) -> tuple[bytes, dict[str, str]]:
    """The message with each long run of base64 lines replaced by a placeholder line, and
    the runs by placeholder (nothing for a message under SET_ASIDE_FROM_BYTES)."""
    if len(raw) < SET_ASIDE_FROM_BYTES:
        return raw, {}
    # Random, so no mail can contain it; base64 letters, so it stays within the run's part.
    prefix = f"SDSETASIDE{secrets.token_hex(8)}N"
    set_aside: dict[str, str] = {}
    pieces: list[bytes] = []
    position = 0
    for found in _base64_run(SET_ASIDE_MIN_LINES).finditer(raw):
        placeholder = f"{prefix}{len(set_aside)}X"
        set_aside[placeholder] = found.group().decode("ascii")
        pieces += [raw[position : found.start()], placeholder.encode("ascii"), b"\n"]
        position = found.end()
    if not set_aside:
        return raw, {}
    pieces.append(raw[position:])
    return b"".join(pieces), set_aside


_PLACEHOLDER_LINE = re.compile(r"(SDSETASIDE[0-9a-f]{16}N[0-9]+X)(\n)?")


def _put_back(message: Message, set_aside: dict[str, str]) -> None:
    """Each placeholder in the parsed message replaced by its run. The parser drops the line
    end before a boundary: a placeholder left without its own gets its run without the
    run's last line end. The parts' raw payloads are restored (`_payload`: get_payload
    would decode a part with 8-bit bytes)."""

    def run(found: re.Match[str]) -> str:
        lines = set_aside.get(found.group(1))
        if lines is None:  # not one of ours
            return found.group()
        if found.group(2) is None:
            return lines.removesuffix("\n").removesuffix("\r")
        return lines

    for part in message.walk():
        for attribute in ("preamble", "epilogue", "_payload"):
            value = getattr(part, attribute, None)
            if isinstance(value, str) and "SDSETASIDE" in value:
                setattr(part, attribute, _PLACEHOLDER_LINE.sub(run, value))


_BASE64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def _valid_base64(part: Message) -> bytes | None:
    """A base64 part's content when its text is valid base64 as it stands, decoded as the
    stdlib decodes it (email._encoded_words.decode_b: validated, then binascii) but with
    plain byte scans instead of its splitlines and regular expression: 3.3 -> 2 ms for a
    900 KB attachment. None for any other part: the stdlib reads those, noting defects."""
    payload = getattr(part, "_payload", None)
    # As get_payload reads the header (it may be a Header object).
    if not isinstance(payload, str) or (
        str(part.get("content-transfer-encoding", "")).lower() != "base64"
    ):
        return None
    try:
        encoded = payload.encode("ascii").translate(None, b"\r\n")
    except UnicodeError:
        return None
    # decode_b's first reading: no padding to add, and [A-Za-z0-9+/]*={0,2} throughout.
    unpadded = encoded.rstrip(b"=")
    if (
        len(encoded) % 4
        or len(encoded) - len(unpadded) > 2
        or unpadded.translate(None, _BASE64_ALPHABET)
    ):
        return None
    return binascii.a2b_base64(encoded)


def _structure_limit(raw: bytes) -> str:
    """Why the stdlib parser must not read the message's structure; "" when it may. (The
    lowered copy lives only while the scans run, not while the parser works.)"""
    lowered = raw.lower()
    # The stdlib parser recurses once per nested container: count them first.
    containers = len(_CONTAINER_DECLARATION.findall(lowered))
    if containers > MAX_CONTAINERS:
        return f"{containers} nested MIME containers declared (limit {MAX_CONTAINERS})"
    # The stdlib parser takes quadratic time over many parts: count them first.
    if _delimiter_count(raw, lowered) > MAX_PARTS:
        return f"more than {MAX_PARTS} MIME parts"
    return ""


def _delimiter_count(raw: bytes, lowered: bytes) -> int:
    """Lines that delimit a part of one of the multiparts the message declares."""
    boundaries: set[bytes] = set()
    for found in _BOUNDARY_PARAMETER.finditer(lowered):
        start, end = found.span(1) if found.group(1) is not None else found.span(2)
        boundaries.add(raw[start:end])  # as written: boundaries are case-sensitive
    if not boundaries:
        return 0
    first = _DELIMITER_FIRST_LINE.match(raw)
    lines = itertools.chain([first] if first else [], _DELIMITER_LINE.finditer(raw))
    return sum(
        1 for found in lines if found.group(1).rstrip(b" \t").removesuffix(b"--") in boundaries
    )


def _without_stray_header_lines(raw: bytes) -> tuple[bytes, int]:
    """The message without lines in its header that are neither headers nor continuations
    (an mbox "From " line, a pasted sentence), when real headers follow them: the parser
    would otherwise take the first such line as the start of the body and lose the headers
    below it."""
    end = _HEADER_END.search(raw)
    header = raw[: end.start()] if end else raw
    # Lines with their ends; bytes.splitlines ends a line at \n, \r\n or \r alone, as the parser.
    lines = header.splitlines(keepends=True)
    stray = [
        index
        for index, line in enumerate(lines)
        if line.strip() and not _HEADER_LINE.match(line) and line[:1] not in (b" ", b"\t")
    ]
    if not stray or not any(_MAIL_HEADER_LINE.match(line) for line in lines[stray[0] + 1 :]):
        return raw, 0
    dropped = set(stray)
    kept = b"".join(line for index, line in enumerate(lines) if index not in dropped)
    return kept + raw[len(header) :], len(stray)


def _guess_content_type(filename: str) -> str:
    guessed, _encoding = mimetypes.guess_type(filename, strict=False)
    return guessed or "application/octet-stream"


def _content_type(part: Message) -> str:
    try:
        return part.get_content_type().lower()
    except Exception:
        return "application/octet-stream"


def _disposition(part: Message) -> str:
    try:
        return (part.get_content_disposition() or "").lower()
    except Exception:
        return ""


def _is_message_rfc822(part: Message) -> bool:
    return _content_type(part) == "message/rfc822"


def _default_filename(content_type: str) -> str:
    kind, _, subtype = content_type.partition("/")
    extension = {"jpeg": "jpg", "plain": "txt", "octet-stream": "bin", "calendar": "ics"}.get(
        subtype, subtype
    )
    return f"{kind or 'attachment'}.{extension[:20] or 'bin'}"


def _raw_headers(message: Message, name: str) -> list[str]:
    try:
        return [str(value) for key, value in message.raw_items() if key.lower() == name]
    except Exception:
        return []


# An address header as most mail writes it: one address, bare or `Name <address>`, in plain
# ASCII, the name of words of atom characters with one space between them, no quotes,
# comments, encoded words ("=?") or folding. The stdlib's parser reads it as the same (display
# name, address); anything else goes to that parser.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_DOT_ATOM = rf"{_ATOM}(?:\.{_ATOM})*"
_SIMPLE_ADDRESS = re.compile(
    rf"[ \t]*(?:(?:(?P<name>{_ATOM}(?: {_ATOM})*)[ \t]*)?<(?P<address>{_DOT_ATOM}@{_DOT_ATOM})>"
    rf"|(?P<bare>{_DOT_ATOM}@{_DOT_ATOM}))[ \t]*"
)


def _raw_header(message: Message, name: str) -> str:
    try:
        for key, value in message.raw_items():
            if key.lower() == name:
                return str(value)
    except Exception:
        return ""
    return ""


def _decode_words(value: str) -> str:
    """RFC 2047 encoded words decoded by the lenient legacy decoder."""
    try:
        return str(make_header(decode_header(value)))
    except Exception:
        return value


def _repair_surrogates(text: str) -> str:
    """Undeclared 8-bit bytes in headers arrive as surrogate escapes: read them as UTF-8
    when they are, else as Windows-1252."""
    if not _has_surrogates(text):
        return text
    data = text.encode("utf-8", "surrogateescape")
    for charset in _FALLBACK_CHARSETS:
        try:
            return data.decode(charset)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _usable_address(address: str) -> bool:
    local, at, domain = address.partition("@")
    return bool(local and at and domain) and address.isprintable() and " " not in address


def _has_surrogates(text: str) -> bool:
    return _SURROGATE_ESCAPE.search(text) is not None


# C0 and C1 controls: none belongs in a one-line field, and PostgreSQL refuses NUL in text.
_CONTROLS_TO_SPACE = {code: " " for code in [*range(0x20), *range(0x7F, 0xA0)]}


def _one_line(text: str) -> str:
    return " ".join(text.translate(_CONTROLS_TO_SPACE).split())


def _message_ids(value: str) -> list[str]:
    found = _MESSAGE_ID.findall(value)
    if not found and value.strip():
        # Some mailers omit the angle brackets.
        found = [token for token in value.split() if "@" in token]
    ids = (token.strip("<>")[:255] for token in found)
    return [token for token in ids if token and token.isprintable()][:50]


def _first_message_id(value: str) -> str:
    ids = _message_ids(value)
    return ids[0] if ids else ""
