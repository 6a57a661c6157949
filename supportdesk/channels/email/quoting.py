"""Quoted history in replies: the new part of a reply apart from the mail it quotes. Pure.

Mail clients quote the previous mail below an attribution line ("On ... wrote:", "El ...
escribió:", "Le ... a écrit :"), a separator ("-----Original Message-----") or a header block
("From: ... Sent: ..."), or prefix it with ">". A ticket already holds that history, so only
the new part is worth storing on it; the raw mail keeps the rest.

Two rules keep this safe: a forwarded message is content the sender wants read, so nothing at or
below a forward marker is ever cut; and a cut that would leave nothing keeps the whole text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

# An attribution line is short; a longer "On ..." line is a sentence of the reply.
_MAX_ATTRIBUTION = 400

_ATTRIBUTION = re.compile(
    r"""^\s*(?:
        On\s.+\swrote\s*:
      | El\s.+\sescribi[óo]\s*:
      | Le\s.+\sa\s+[ée]crit\s*:
      | Am\s.+\sschrieb\s.*:
    )\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
# Longer lines are text, never a marker: and no regex runs over a 10 MB line.
_MAX_MARKER_LINE = 1000
_ATTRIBUTION_START = re.compile(r"^\s*(?:On|El|Le|Am)\s", re.IGNORECASE)
_ORIGINAL_MESSAGE = re.compile(
    r"^\s*-{3,}\s*(?:Original Message|Mensaje original|Message d'origine"
    r"|Ursprüngliche Nachricht)\s*-{3,}\s*$",
    re.IGNORECASE,
)
# Outlook puts a rule of underscores above its header block.
_OUTLOOK_RULE = re.compile(r"^\s*_{20,}\s*$")
_HEADER_FROM = re.compile(r"^\s*\*?(?:From|De|Von)\s*:\*?\s*\S", re.IGNORECASE)
_HEADER_SENT = re.compile(
    r"^\s*\*?(?:Sent|Date|Enviado(?:\s+el)?|Fecha|Envoy[ée]|Gesendet)\s*:\*?\s*\S", re.IGNORECASE
)
_FORWARD_MARKER = re.compile(
    r"""^\s*(?:
        -{3,}\s*(?:Forwarded\s+message|Forwarded\s+Message|Mensaje\s+reenviado
                  |Message\s+transf[ée]r[ée]|Weitergeleitete\s+Nachricht)\s*-{3,}
      | Begin\s+forwarded\s+message\s*:
      | Inicio\s+del\s+mensaje\s+reenviado\s*:
      | D[ée]but\s+du\s+message\s+r[ée]exp[ée]di[ée]\s*:
    )\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
_SIGNATURE_DELIMITER = re.compile(r"^-- ?$")
# A signature longer than this is more likely text the customer wrote after a "--".
_MAX_SIGNATURE_LINES = 15
_MOBILE_SIGNATURE = re.compile(
    r"^\s*(?:Sent from my \w+|Enviado desde mi \w+|Envoy[ée] de mon \w+)[^\n]{0,40}$",
    re.IGNORECASE,
)
# Subject prefixes of a reply (not of a forward: "Fwd:", "TR:", "RV:" carry new content).
_REPLY_SUBJECT = re.compile(r"^\s*(?:re|aw|sv|antw|r[ée]f|ref)\s*(?:\[\d+\])?\s*:", re.IGNORECASE)


@dataclass(frozen=True)
class SplitText:
    new: str
    quoted: str  # the signature and the history: "" when nothing was cut
    history_cut: bool  # False when only a signature (or nothing) was cut


def looks_like_a_reply(*, subject: str, in_reply_to: str, references: tuple[str, ...]) -> bool:
    """A reply by its headers or its subject. Only replies have history to cut: a new request
    that quotes or forwards something quotes it on purpose."""
    return bool(in_reply_to or references or _REPLY_SUBJECT.match(subject))


def split_reply_text(text: str) -> SplitText:
    """The new part of a reply and what it quotes (history, then the signature)."""
    lines = text.split("\n")
    cut = _history_start(lines)
    new_lines, quoted_lines = lines[:cut], lines[cut:]
    signature = _signature_start(new_lines)
    if signature is not None:
        quoted_lines = new_lines[signature:] + quoted_lines
        new_lines = new_lines[:signature]
    new = "\n".join(new_lines).strip()
    if not new:  # never cut everything: a reply that is all quote is kept whole
        return SplitText(new=text.strip(), quoted="", history_cut=False)
    quoted = "\n".join(quoted_lines).strip()
    return SplitText(new=new, quoted=quoted, history_cut=cut < len(lines))


def _history_start(lines: list[str]) -> int:
    """The index of the first line of quoted history; len(lines) when there is none."""
    end = len(lines)
    for index, line in enumerate(lines):
        if _FORWARD_MARKER.match(line):
            end = index  # a forward and all below it is kept
            break
    for index in range(end):
        if _starts_history(lines, index):
            # Below a quote, answers between or after its lines: an inline reply, not history.
            return len(lines) if _answers_below(lines[index + 1 : end]) else index
    start = _trailing_quote_start(lines[:end], end)
    return start if start < end else len(lines)


def _answers_below(lines: list[str]) -> bool:
    """Unquoted text after the ">" lines that follow a marker: someone answered inside the
    quote. History that is not ">"-quoted (Outlook's) says nothing about answers."""
    text_lines = [line.strip() for line in lines if line.strip()]
    if not text_lines or not text_lines[0].startswith(">"):
        return False
    return any(not line.startswith(">") for line in text_lines)


def _starts_history(lines: list[str], index: int) -> bool:
    line = lines[index]
    if len(line) > _MAX_MARKER_LINE:
        return False
    if _ORIGINAL_MESSAGE.match(line):
        return True
    if len(line) <= _MAX_ATTRIBUTION and _ATTRIBUTION.match(line):
        return True
    # Gmail and Outlook wrap a long attribution over two lines.
    if _ATTRIBUTION_START.match(line) and index + 1 < len(lines):
        joined = f"{line.rstrip()} {lines[index + 1].strip()}"
        if len(joined) <= _MAX_ATTRIBUTION and _ATTRIBUTION.match(joined):
            return True
    if _OUTLOOK_RULE.match(line):
        following = [candidate for candidate in lines[index + 1 : index + 4] if candidate.strip()]
        return bool(following) and _starts_header_block(following, 0)
    return _starts_header_block(lines, index)


def _starts_header_block(lines: list[str], index: int) -> bool:
    """ "From: ..." followed within three lines by "Sent:"/"Date:" (in any of our languages)."""
    if not _HEADER_FROM.match(lines[index]):
        return False
    return any(_HEADER_SENT.match(line) for line in lines[index + 1 : index + 4])


def _trailing_quote_start(lines: list[str], end: int) -> int:
    """Where a final block of ">" lines starts. Quotes between answers (inline replies) are
    kept: the answers refer to them."""
    start = end
    for index in range(end - 1, -1, -1):
        stripped = lines[index].strip()
        if stripped.startswith(">"):
            start = index
        elif stripped:
            break
    if start == end:
        return end
    # An attribution just above the block belongs to it.
    previous = start - 1
    while previous >= 0 and not lines[previous].strip():
        previous -= 1
    if previous >= 0 and _starts_history(lines, previous):
        return previous
    if previous >= 1 and _starts_history(lines, previous - 1):
        return previous - 1
    return start


def _signature_start(lines: list[str]) -> int | None:
    """Where a clearly marked signature starts: the last "-- " line close to the end, or a
    "Sent from my phone" line at the very end."""
    last = len(lines) - 1
    while last >= 0 and not lines[last].strip():
        last -= 1
    if last < 0:
        return None
    for index in range(last, max(-1, last - _MAX_SIGNATURE_LINES - 1), -1):
        if _SIGNATURE_DELIMITER.match(lines[index]):
            return index
    if _MOBILE_SIGNATURE.match(lines[last]):
        return last
    return None


# -- HTML ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SplitHTML:
    new: str
    quoted: str


def split_reply_html(html: str) -> SplitHTML | None:
    """The HTML of a reply cut where its client marks the quoted mail; None when no marker
    is found. Everything after the marker, in document order, is history: Outlook puts the
    quoted mail after its marker rather than inside it. The cut may leave tags open; the
    sanitizer closes them."""
    finder = _QuoteMarkerFinder()
    try:
        finder.feed(html)
        finder.close()
    except Exception:  # HTMLParser is lenient, but a cut is never worth a failure
        return None
    if finder.cut_at is None or finder.answers_below:
        return None
    offset = _offset(html, finder.cut_at)
    return SplitHTML(new=html[:offset], quoted=html[offset:])


# Outlook for Windows draws a thin rule above the header block of the mail it quotes.
_OUTLOOK_DESKTOP_HEADER = re.compile(
    r"border-top\s*:\s*solid\s+#(?:E1E1E1|B5C4DF)\s+1\.0pt", re.IGNORECASE
)


class _QuoteMarkerFinder(HTMLParser):
    """Finds the first quote marker: Gmail's gmail_quote, Thunderbird's and Apple Mail's
    blockquote type=cite (with Thunderbird's moz-cite-prefix attribution above it), Outlook's
    divRplyFwdMsg and #appendonsend (with the rule above it), Outlook for Windows' ruled
    header block."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.cut_at: tuple[int, int] | None = None
        self.cite_prefix_at: tuple[int, int] | None = None
        self.last_rule_at: tuple[int, int] | None = None
        self.tags_since_rule = 0
        # A quote element that closes with text after it is an inline reply: no cut.
        self.quote_tag = ""
        self.quote_depth = 0
        self.quote_closed = False
        self.answers_below = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.cut_at is not None:
            if tag == self.quote_tag and not self.quote_closed:
                self.quote_depth += 1
            return
        position = self.getpos()
        values = {name.lower(): (value or "") for name, value in attrs}
        classes = values.get("class", "").lower().split()
        element_id = values.get("id", "").lower()
        self.tags_since_rule += 1
        if tag == "hr":
            self.last_rule_at, self.tags_since_rule = position, 0
        elif "moz-cite-prefix" in classes:
            self.cite_prefix_at = position
        elif "gmail_quote" in classes or "gmail_quote_container" in classes:
            self.cut_at, self.quote_tag, self.quote_depth = position, tag, 1
        elif tag == "blockquote" and values.get("type", "").lower() == "cite":
            self.cut_at = self.cite_prefix_at or position
            self.quote_tag, self.quote_depth = tag, 1
        elif tag == "div" and _OUTLOOK_DESKTOP_HEADER.search(values.get("style", "")):
            self.cut_at = position
        elif element_id in ("appendonsend", "divrplyfwdmsg"):
            near_rule = self.last_rule_at is not None and self.tags_since_rule <= 2
            self.cut_at = self.last_rule_at if near_rule else position

    def handle_endtag(self, tag: str) -> None:
        if self.quote_tag and tag == self.quote_tag and not self.quote_closed:
            self.quote_depth -= 1
            self.quote_closed = self.quote_depth <= 0

    def handle_data(self, data: str) -> None:
        if self.quote_closed and data.strip():
            self.answers_below = True


def _offset(html: str, position: tuple[int, int]) -> int:
    """A character offset from HTMLParser's (line, column), lines counted from 1."""
    line, column = position
    offset = 0
    for _ in range(line - 1):
        offset = html.index("\n", offset) + 1
    return offset + column
