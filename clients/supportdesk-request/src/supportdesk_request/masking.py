"""Masking obvious secrets (passwords, tokens) in text the customer sends (owned by the
wizard work).

Customers paste logs, connection strings and code into a request; a support ticket is read
by many people and kept for years, so a password in it is a leaked password. Each rule
below finds one well-known shape of secret and replaces only the secret's value with
MASK, keeping the key ("password=********") so the reader still sees what was there.
The rules need a key followed by "=" or ":" (or a recognisable token shape), so prose
such as "the password reset page" or "the token was invalid" is left alone."""

from __future__ import annotations

import re
from collections.abc import Callable

MASK = "********"

# Words that follow "password:" in prose and error messages; never a secret worth masking,
# and masking them would garble the sentence ("Password: incorrect").
# fmt: off
_PROSE_WORDS = frozenset({
    "a", "an", "the", "is", "was", "are", "were", "be", "it", "its", "this", "that", "for",
    "to", "of", "and", "or", "not", "no", "none", "null", "nil", "empty", "blank", "missing",
    "required", "invalid", "incorrect", "wrong", "expired", "reset", "changed", "must",
    "should", "please", "enter", "your", "my", "see", "true", "false", "yes",
})
# fmt: on

_PRIVATE_KEY = re.compile(
    r"(-----BEGIN (?P<kind>[A-Z0-9 ]*)PRIVATE KEY-----)(?P<secret>.*?)"
    r"(-----END (?P=kind)PRIVATE KEY-----)",
    re.DOTALL,
)
# scheme://user:password@host: the password only.
_URL_CREDENTIALS = re.compile(
    r"(?P<head>\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s:/@]+:)(?P<secret>[^\s@/]+)(?=@)"
)
# Authorization: Bearer xxx / Basic xxx / Token xxx (HTTP headers, curl -H, logs).
_AUTHORIZATION = re.compile(
    r"(?P<head>\b(?:proxy-)?authorization[\"']?[ \t]*[:=][ \t]*[\"']?"
    r"(?:bearer|basic|token|digest|negotiate|apikey)[ \t]+)(?P<secret>[^\s\"',;]+)",
    re.IGNORECASE,
)
# key = value, key: value, "key": "value", key => 'value', Password=...; in connection
# strings. The key may carry a prefix (db_password, spring.datasource.password, X-Api-Key).
_KEY = (
    r"(?:[\w.-]*[_.-])?"
    r"(?:password|passwd|passphrase|pwd|secret|token|api[_-]?key|apikey"
    r"|access[_-]?key|private[_-]?key|client[_-]?secret|auth[_-]?token)"
    r"(?:[_-]?id)?"
)
_ASSIGNMENT = re.compile(
    r"(?P<head>(?<![\w.-])" + _KEY + r"[\"']?[ \t]*(?:=>|:=|[:=])[ \t]*)"
    r"(?:(?P<quote>[\"'])(?P<quoted>(?:\\.|(?!(?P=quote)).)*)(?P=quote)"
    r"|(?P<secret>[^\s\"',;&<>(){}\[\]]+))",
    re.IGNORECASE,
)
# Connection strings (ADO.NET, ODBC, JDBC): "Password=p@ss word;" runs up to the ";".
_CONNECTION_STRING = re.compile(
    r"(?P<head>(?<![\w.-])(?:password|pwd)[ \t]*=[ \t]*)(?P<secret>[^;\"'\r\n]+)(?=;)",
    re.IGNORECASE,
)
# Tokens recognisable on their own; the prefix stays visible ("ghp_********").
_TOKENS = (
    re.compile(r"\b(?P<head>sdk_)(?P<secret>[A-Za-z0-9_-]{16,})"),
    re.compile(r"\b(?P<head>gh[pousr]_)(?P<secret>[A-Za-z0-9]{30,})\b"),
    re.compile(r"\b(?P<head>github_pat_)(?P<secret>[A-Za-z0-9_]{22,})\b"),
    re.compile(r"\b(?P<head>(?:AKIA|ASIA))(?P<secret>[0-9A-Z]{16})\b"),
    re.compile(r"\b(?P<head>xox[abpors]-)(?P<secret>[A-Za-z0-9-]{10,})\b"),
    # A JSON Web Token: three base64url parts, the first two starting with '{"'.
    re.compile(r"\b(?P<head>)(?P<secret>eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[\w-]+)"),
)


def _already_masked(value: str) -> bool:
    return value.strip("*") == "" or value == MASK


def _not_a_secret(value: str, after: str) -> bool:
    """An unquoted value that is prose or code, not a secret: "Password: incorrect",
    "token = 0", "token == other", "password = read_password()", "pwd = self.password"."""
    lowered = value.lower()
    return (
        lowered.rstrip(".!") in _PROSE_WORDS
        or len(value) < 3
        or value.startswith("=")
        or after.startswith("(")
        or re.search(r"\.(?:password|passwd|pwd|secret|token|api_?key)$", lowered) is not None
    )


def mask_secrets(text: str) -> tuple[str, int]:
    """The text with obvious secrets replaced, and how many were masked."""
    count = 0

    def masked_value(match: re.Match[str], group: str = "secret") -> str:
        nonlocal count
        whole = match.group(0)
        value = match.group(group)
        if value is None or _already_masked(value):
            return whole
        count += 1
        start, end = match.span(group)
        offset = match.start(0)
        return whole[: start - offset] + MASK + whole[end - offset :]

    def private_key(match: re.Match[str]) -> str:
        nonlocal count
        if _already_masked(match.group("secret").strip()):
            return match.group(0)
        count += 1
        return f"{match.group(1)}\n{MASK}\n{match.group(4)}"

    def assignment(match: re.Match[str]) -> str:
        value = match.group("secret")
        group = "secret"
        if value is None:
            value, group = match.group("quoted"), "quoted"
            if value == "":
                return match.group(0)
        elif _not_a_secret(value, match.string[match.end() :]):
            return match.group(0)
        return masked_value(match, group)

    rules: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
        (_PRIVATE_KEY, private_key),
        (_URL_CREDENTIALS, masked_value),
        (_AUTHORIZATION, masked_value),
        (_CONNECTION_STRING, masked_value),
        (_ASSIGNMENT, assignment),
        *((pattern, masked_value) for pattern in _TOKENS),
    ]
    for pattern, replace in rules:
        text = pattern.sub(replace, text)
    return text, count
