"""Error signatures: the same error, wherever and whenever it happened, groups tickets.

An error text is normalized (numbers, paths, hexadecimal values, addresses, quoted values
and the like become placeholders, case and spacing are dropped), then hashed with the
product code. Two customers who paste "Access violation at 0x7FF6A1B2 in C:\\Users\\ann\\a.dll"
and "access violation at 0x00401000 in D:\\work\\b.dll" get the same signature; the
signature of another product's identical message differs.
"""

from __future__ import annotations

import hashlib
import re

# Most specific first: a path may hold numbers, a quoted value a path.
_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\"[^\"\n]{0,300}\"|'[^'\n]{0,300}'|«[^»\n]{0,300}»|“[^”\n]{0,300}”"), " <q> "),
    (re.compile(r"\b[a-z][a-z0-9+.-]*://\S+", re.IGNORECASE), " <url> "),
    (re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b"), " <email> "),
    # Windows (C:\..., \\server\share\...) and Unix paths (/usr/lib/..., ./a/b, ~/x).
    (re.compile(r"(?:\b[a-z]:|\\\\[\w.$-]+)(?:\\[^\s\\:*?\"<>|]*)+", re.IGNORECASE), " <path> "),
    (re.compile(r"(?:(?<=\s)|^|(?<=[(=]))(?:~|\.{1,2})?(?:/[\w.@+-]+){2,}/?"), " <path> "),
    (
        re.compile(
            r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.IGNORECASE
        ),
        " <uuid> ",
    ),
    (re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?\b"), " <ip> "),
    (re.compile(r"\b0x[0-9a-f]+\b", re.IGNORECASE), " <hex> "),
    # Bare hexadecimal runs (hashes, addresses without 0x) of 6+ digits holding a digit:
    # a number, like a decimal one (an address may be all decimal digits one day).
    (re.compile(r"\b(?=[0-9a-f]*\d)[0-9a-f]{6,}\b", re.IGNORECASE), " <n> "),
    (re.compile(r"\d+(?:[.,:]\d+)*"), " <n> "),
]
_SPACE = re.compile(r"\s+")
_SPACE_BEFORE_PUNCTUATION = re.compile(r" (?=[:;,.)\]])")
# A signature is taken from this much of the text: the first lines of an error name it,
# a long stack trace adds nothing but cost.
MAX_ERROR_CHARS = 2000


def normalize_error(text: str) -> str:
    """The error text with what changes from one occurrence to the next taken out."""
    text = text[:MAX_ERROR_CHARS]
    for pattern, placeholder in _RULES:
        text = pattern.sub(placeholder, text)
    text = _SPACE.sub(" ", text).strip().lower()
    return _SPACE_BEFORE_PUNCTUATION.sub("", text)


def error_signature(text: str | None, *, product_code: str | None) -> str:
    """A hex SHA-256 of the product and the normalized error, or "" for no error text
    (or one with nothing left once normalized: "<n>" alone groups nothing)."""
    if not text:
        return ""
    normalized = normalize_error(text)
    if not re.search(r"[^\W\d_]{3,}", normalized.replace("<n>", "").replace("<hex>", "")):
        return ""
    return hashlib.sha256(f"{product_code or ''}\n{normalized}".encode()).hexdigest()


# Words that make a line of a free-form mail read like an error message.
_ERROR_WORDS = (
    "error",
    "exception",
    "fatal",
    "failed",
    "failure",
    "traceback",
    "access violation",
    "segmentation fault",
    "erreur",
    "échec",
    "excepción",
    "fallo",
)
_ERROR_WORD = re.compile(r"\b(?:" + "|".join(_ERROR_WORDS) + r")\b", re.IGNORECASE)


def error_line(body_text: str) -> str | None:
    """The first line of a free-form message that looks like an error, if any: mail has
    no error field, and one line is enough to group the same error. Quoted history
    ("> ...") is skipped."""
    text = body_text[:20_000]
    # Most mail names no error: plain substring searches say so at a fraction of the
    # pattern's cost (casefold matches as the pattern's IGNORECASE does).
    folded = text.casefold()
    if not any(word in folded for word in _ERROR_WORDS):
        return None
    # The word first, then its line: a pattern anchored at every line's start would try
    # each line against each word (most lines have none).
    position = 0
    while (found := _ERROR_WORD.search(text, position)) is not None:
        start = text.rfind("\n", 0, found.start()) + 1
        end = text.find("\n", found.end())
        end = len(text) if end == -1 else end
        line = text[start:end].strip()
        if not (line.startswith(">") or len(line) < 12):
            return line[:500]
        position = end
    return None
