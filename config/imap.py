"""IMAP mailboxes to fetch mail from, read from SUPPORTDESK_IMAP_MAILBOXES.

One URL per mailbox, separated by spaces or newlines:

    imaps://USER:PASSWORD@HOST[:PORT]/FOLDER?OPTION=VALUE&...

Schemes: `imaps` (TLS from the first byte, port 993) or `imap` (port 143, STARTTLS required
unless `tls=none`). Characters with a meaning in URLs (`@ : / ? # % &` and spaces) are
percent-encoded in the user and the password (`%40` for `@`). Options:

    name=NAME            what logs and `--mailbox` call it (default: the user name)
    after=move:FOLDER    what marks a message as fetched, once it is committed here: moved to
                         FOLDER (the default, `move:supportdesk-done`, created when missing),
    after=keyword:WORD   tagged with an IMAP keyword (stays where it is),
    after=seen           or flagged \\Seen (a person reading the mailbox would hide mail from us)
    address=ADDR         the support address this mailbox receives (default: the user name
                         when it is an address); recorded as the mail's envelope recipient
    tls=none             plain `imap://` without STARTTLS (only sensible on loopback)
    cafile=PATH          trust this CA (PEM) for the server's certificate
    verify=no            do not check the server's certificate (self-signed, testing)
    password_file=PATH   read the password from this file instead of the URL

A password never appears in a log line or an error: mailboxes are shown as
imaps://USER:***@HOST:PORT/FOLDER.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qsl, unquote, urlsplit

from config.env import SettingError

Security = Literal["tls", "starttls", "none"]
AfterFetch = Literal["move", "keyword", "seen"]

DEFAULT_DONE_FOLDER = "supportdesk-done"
OPTIONS = ("name", "after", "address", "tls", "cafile", "verify", "password_file")
# RFC 3501 atom characters a keyword may use (no specials, no backslash: system flags are
# not keywords).
KEYWORD = re.compile(r"[A-Za-z0-9$_.+-]{1,64}")


@dataclass(frozen=True)
class ImapMailbox:
    name: str
    host: str
    port: int
    security: Security
    username: str
    password: str = field(repr=False)
    folder: str
    after: AfterFetch
    # The folder messages are moved to (after="move") or the keyword (after="keyword").
    after_target: str
    address: str
    verify_certificate: bool = True
    cafile: Path | None = None

    @property
    def shown(self) -> str:
        """The mailbox as a URL with the password masked: safe for logs and errors."""
        scheme = "imaps" if self.security == "tls" else "imap"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{self.username}:***@{host}:{self.port}/{self.folder}"


def env_imap_mailboxes(name: str) -> list[ImapMailbox]:
    """The mailboxes of variable `name` (none when unset or empty)."""
    raw = os.environ.get(name, "")
    mailboxes = [parse_mailbox_url(name, url, index) for index, url in enumerate(raw.split(), 1)]
    seen: set[str] = set()
    for mailbox in mailboxes:
        if mailbox.name in seen:
            raise SettingError(
                name,
                f"two mailboxes are called {mailbox.name!r}: give each its own name=",
            )
        seen.add(mailbox.name)
    return mailboxes


def parse_mailbox_url(variable: str, url: str, index: int = 1) -> ImapMailbox:
    """One mailbox URL. SettingError names the variable and the mailbox's position, never
    the URL itself: it holds a password."""

    def fail(problem: str) -> SettingError:
        return SettingError(variable, f"mailbox {index}: {problem}")

    if "#" in url:  # else read as the start of a fragment, cutting a password in two
        raise fail("a '#' must be written %23")
    try:
        parts = urlsplit(url)
        port_number = parts.port
    except ValueError as exc:
        # urlsplit's messages quote no part of the URL, except the port text.
        raise fail(f"not a URL ({'bad port' if 'Port' in str(exc) else exc})") from None
    if parts.scheme not in ("imap", "imaps"):
        raise fail("expected imaps://USER:PASSWORD@HOST/FOLDER (or imap://)")
    if not parts.hostname:
        raise fail("no host name")
    if not parts.username:
        raise fail("no user name (imaps://USER:PASSWORD@HOST/FOLDER)")
    try:
        options = dict(parse_qsl(parts.query, keep_blank_values=True, strict_parsing=False))
    except ValueError:
        raise fail("cannot read the options after '?'") from None
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise fail(f"unknown option {unknown[0]!r} (known: {', '.join(OPTIONS)})")

    username = unquote(parts.username)
    password = unquote(parts.password or "")
    if "password_file" in options:
        path = Path(options["password_file"]).expanduser()
        try:
            password = path.read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as exc:
            raise fail(f"password_file: cannot read {path} ({exc.strerror})") from None
    if not password:
        raise fail("no password (imaps://USER:PASSWORD@HOST/FOLDER, or password_file=)")

    if parts.scheme == "imaps":
        security: Security = "tls"
        if "tls" in options:
            raise fail("tls= is for imap:// URLs; imaps:// always uses TLS")
    else:
        tls = options.get("tls", "starttls")
        if tls not in ("starttls", "none"):
            raise fail(f"tls: expected starttls or none, got {tls!r}")
        security = "starttls" if tls == "starttls" else "none"
    port = port_number or (993 if security == "tls" else 143)

    folder = unquote(parts.path.lstrip("/")) or "INBOX"
    after, after_target = _after(options.get("after", f"move:{DEFAULT_DONE_FOLDER}"), fail)
    if after == "move" and after_target == folder:
        raise fail(f"after=move:{after_target} moves messages to the folder they are fetched from")

    address = options.get("address", username if "@" in username else "")
    if address and ("@" not in address or any(c.isspace() or c in "<>," for c in address)):
        raise fail(f"address: expected an address like support@example.com, got {address!r}")

    verify = options.get("verify", "yes").lower()
    if verify not in ("yes", "no"):
        raise fail(f"verify: expected yes or no, got {verify!r}")
    cafile = Path(options["cafile"]).expanduser() if options.get("cafile") else None
    if cafile is not None and not cafile.is_file():
        raise fail(f"cafile: no such file: {cafile}")

    name = options.get("name", username)
    if not name or any(c.isspace() for c in name):
        raise fail("name: expected a name without spaces")
    return ImapMailbox(
        name=name,
        host=parts.hostname,
        port=port,
        security=security,
        username=username,
        password=password,
        folder=folder,
        after=after,
        after_target=after_target,
        address=address.lower(),
        verify_certificate=verify == "yes",
        cafile=cafile,
    )


def _after(text: str, fail: Callable[[str], SettingError]) -> tuple[AfterFetch, str]:
    kind, _, target = text.partition(":")
    problem = None
    if kind == "seen" and not target:
        return "seen", "\\Seen"
    if kind == "move" and target:
        return "move", target
    if kind == "keyword" and KEYWORD.fullmatch(target):
        return "keyword", target
    if kind == "keyword":
        problem = f"after: {target!r} is not a usable IMAP keyword (letters, digits, $_.+-)"
    problem = problem or f"after: expected move:FOLDER, keyword:WORD or seen, got {text!r}"
    raise fail(problem)
