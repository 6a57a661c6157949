"""The IMAP door: fetch mail from mailboxes hosted elsewhere (imap-tools), one thread each.

For every message not yet marked as fetched: read its exact bytes (BODY.PEEK, so fetching
itself changes nothing on the server), commit them with `accept_message`, and only then mark
the message: move it to a folder, tag it with a keyword, or flag it \\Seen. A crash between
commit and mark leaves the message unmarked; the next pass fetches it again, and intake,
idempotent on Message-ID and content, makes no second row. Nothing is marked that is not
committed here, so nothing is lost.

One message is held in memory at a time. Between passes the fetcher waits in IDLE when the
server offers it, else polls. A lost connection is retried with a growing back-off; a refused
login waits minutes, not seconds, so a wrong password does not hammer the server.
"""

from __future__ import annotations

import imaplib
import logging
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import InterfaceError, OperationalError, close_old_connections, connection
from imap_tools import BaseMailBox, MailBox, MailBoxStartTls, MailBoxUnencrypted
from imap_tools.errors import (
    ImapToolsError,
    MailboxFolderCreateError,
    MailboxFolderSelectError,
    MailboxLoginError,
)
from imap_tools.utils import encode_folder

from config.imap import ImapMailbox
from supportdesk.channels.email.intake import accept_message

log = logging.getLogger(__name__)

SOCKET_TIMEOUT_SECONDS = 60.0
# RFC 2177: re-issue IDLE well within 29 minutes; many NAT boxes forget a silent connection
# sooner, hence a few minutes.
IDLE_RENEW_SECONDS = 4 * 60.0
# How often a waiting fetcher looks at its stop event.
STOP_CHECK_SECONDS = 1.0
RETRY_FIRST_SECONDS = 2.0
RETRY_MAX_SECONDS = 5 * 60.0
LOGIN_RETRY_FIRST_SECONDS = 5 * 60.0
LOGIN_RETRY_MAX_SECONDS = 60 * 60.0
BAD_MESSAGE_RETRY_SECONDS = 15 * 60.0
# Pauses between attempts to store one message after a database error; None: give up.
STORE_RETRY_PAUSES = (0.1, 0.5, None)
# Committed messages marked per IMAP command.
MARK_BATCH = 100

# A line like `12 (UID 345 BODY[] {2048}`: which message a FETCH literal belongs to.
FETCH_UID = re.compile(rb"\bUID (\d+)\b")


class MailboxError(Exception):
    """A mailbox cannot be fetched now (network, server, storage); the message names it."""


class BadMessage(MailboxError):
    """The server dropped the connection while sending one message: skip it for a while."""


class MailboxRefused(MailboxError):
    """The server refuses what the settings ask (a login, a folder, a keyword): retrying
    soon would not help, so the fetcher waits minutes, not seconds."""


class LoginRefused(MailboxRefused):
    """The server refused the user name or password."""


@dataclass
class FetchReport:
    stored: int = 0  # new InboundMail rows
    repeated: int = 0  # committed before (a crash between commit and mark), now marked
    failed: int = 0  # left on the server for the next pass

    def add(self, other: FetchReport) -> None:
        self.stored += other.stored
        self.repeated += other.repeated
        self.failed += other.failed


Accept = Callable[..., Any]


class MailboxFetcher:
    """Fetches one mailbox: `fetch_once()` for what is there now, `run()` until `stop`."""

    def __init__(
        self,
        mailbox: ImapMailbox,
        *,
        stop: threading.Event | None = None,
        poll_seconds: float = 60.0,
        accept: Accept = accept_message,
    ) -> None:
        self.mailbox = mailbox
        self.stop = stop or threading.Event()
        self.poll_seconds = poll_seconds
        self.accept = accept
        # UIDs whose fetch broke the connection, and when to try them again.
        self.bad_messages: dict[str, float] = {}

    # -- the loops ----------------------------------------------------------------------------

    def fetch_once(self) -> FetchReport:
        """Connect, fetch every message not yet marked, log out. Raises MailboxError.
        A message whose fetch broke the connection is skipped after one reconnection."""
        report = FetchReport()
        while True:
            try:
                with self._session() as box:
                    self._fetch_pending(box, report)
                    return report
            except BadMessage as exc:
                log.warning("%s; reconnecting to fetch the others", exc)

    def run(self) -> None:
        """Fetch, wait for new mail, fetch again, until `stop` is set; never raises on
        network, server or storage trouble: it logs and retries."""
        failures = 0
        while not self.stop.is_set():
            try:
                with self._session() as box:
                    while not self.stop.is_set():
                        self._fetch_pending(box)
                        failures = 0
                        self._wait_for_mail(box)
            except MailboxRefused as exc:
                failures += 1
                delay = _backoff(failures, LOGIN_RETRY_FIRST_SECONDS, LOGIN_RETRY_MAX_SECONDS)
                log.error("%s; retrying in %.0f s", exc, delay)
                self.stop.wait(delay)
            except BadMessage as exc:
                log.warning("%s; reconnecting to fetch the others", exc)
            except MailboxError as exc:
                failures += 1
                delay = _backoff(failures, RETRY_FIRST_SECONDS, RETRY_MAX_SECONDS)
                log.warning("%s; retrying in %.0f s", exc, delay)
                self.stop.wait(delay)
        connection.close()

    # -- one connection -----------------------------------------------------------------------

    @contextmanager
    def _session(self) -> Iterator[BaseMailBox]:
        """A logged-in connection with the folder selected; every failure as MailboxError."""
        box: BaseMailBox | None = None
        try:
            box = self._login()
            yield box
        except MailboxError:
            raise
        except (OSError, imaplib.IMAP4.error, ImapToolsError, ssl.SSLError) as exc:
            raise MailboxError(f"{self._label()}: {_describe(exc)}") from exc
        finally:
            if box is not None:
                _logout_quietly(box)

    def _login(self) -> BaseMailBox:
        mailbox = self.mailbox
        try:
            box = self._connect()
        except (OSError, imaplib.IMAP4.error, ssl.SSLError) as exc:
            raise MailboxError(f"{self._label()}: cannot connect: {_describe(exc)}") from exc
        try:
            if mailbox.username.isascii() and mailbox.password.isascii():
                box.login(mailbox.username, mailbox.password, initial_folder=None)
            else:
                box.login_utf8(mailbox.username, mailbox.password, initial_folder=None)
        except MailboxLoginError as exc:
            _logout_quietly(box)
            raise LoginRefused(
                f"{self._label()}: login refused for user {mailbox.username!r}: "
                f"{_server_text(exc.command_result)}"
            ) from None
        except imaplib.IMAP4.abort:
            _logout_quietly(box)
            raise  # the connection broke: not a refusal
        except imaplib.IMAP4.error as exc:
            _logout_quietly(box)
            raise LoginRefused(
                f"{self._label()}: login refused for user {mailbox.username!r}: {_describe(exc)}"
            ) from None
        try:
            self._prepare(box)
        except BaseException:
            _logout_quietly(box)
            raise
        return box

    def _prepare(self, box: BaseMailBox) -> None:
        """Learn what the server offers, make the done folder, select the folder to fetch."""
        mailbox = self.mailbox
        # The greeting's capabilities are those before login; servers announce more after.
        typ, data = box.client.capability()
        if typ == "OK" and data and data[0]:
            box.client.capabilities = tuple(data[0].decode("ascii", "replace").upper().split())
        if mailbox.after == "move" and not box.folder.exists(mailbox.after_target):
            log.info("%s: creating folder %r for fetched mail", self._label(), mailbox.after_target)
            try:
                box.folder.create(mailbox.after_target)
            except MailboxFolderCreateError as exc:
                raise MailboxRefused(
                    f"{self._label()}: cannot create folder {mailbox.after_target!r} "
                    f"(after=move:): {_server_text(exc.command_result)}"
                ) from None
        try:
            box.folder.set(mailbox.folder)
        except MailboxFolderSelectError as exc:
            raise MailboxRefused(
                f"{self._label()}: cannot open folder {mailbox.folder!r}: "
                f"{_server_text(exc.command_result)}"
            ) from None
        if mailbox.after == "keyword":
            self._require_keywords(box)
        idle = "IDLE" in box.client.capabilities
        log.info(
            "%s: connected (%s), fetched mail is %s",
            self._label(),
            "IDLE" if idle else f"polling every {self.poll_seconds:g} s",
            _describe_after(mailbox),
        )

    def _connect(self) -> BaseMailBox:
        mailbox = self.mailbox
        if mailbox.security == "none":
            return MailBoxUnencrypted(mailbox.host, mailbox.port, timeout=SOCKET_TIMEOUT_SECONDS)
        context = ssl.create_default_context(cafile=str(mailbox.cafile) if mailbox.cafile else None)
        if not mailbox.verify_certificate:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        if mailbox.security == "starttls":
            return MailBoxStartTls(
                mailbox.host, mailbox.port, timeout=SOCKET_TIMEOUT_SECONDS, ssl_context=context
            )
        return MailBox(
            mailbox.host, mailbox.port, timeout=SOCKET_TIMEOUT_SECONDS, ssl_context=context
        )

    def _require_keywords(self, box: BaseMailBox) -> None:
        """A server that cannot keep our keyword would have us fetch the same mail forever."""
        _typ, data = box.client.response("PERMANENTFLAGS")
        flags = b" ".join(item for item in data if isinstance(item, bytes)).decode(
            "ascii", "replace"
        )
        if flags and "\\*" not in flags and self.mailbox.after_target not in flags.split():
            raise MailboxRefused(
                f"{self._label()}: the server cannot store the keyword "
                f"{self.mailbox.after_target!r} in {self.mailbox.folder!r} (PERMANENTFLAGS "
                f"{flags}); use after=move:FOLDER or after=seen"
            )

    # -- one pass -----------------------------------------------------------------------------

    def _fetch_pending(self, box: BaseMailBox, report: FetchReport | None = None) -> FetchReport:
        """Every unmarked message, oldest first, one at a time; again while new ones came.
        `report` (when given) is filled as it goes, so a caller still has it after a raise."""
        report = report if report is not None else FetchReport()
        handled: set[str] = set()
        failed: set[str] = set()
        while not self.stop.is_set():
            found = box.uids(self._unmarked_criteria())
            skipped = {uid for uid in found if self._blamed(uid)}
            todo = [uid for uid in found if uid not in handled and uid not in skipped]
            if not todo:
                report.failed += len(failed | skipped)
                marked_yet_found = len(set(found) - failed - skipped)
                if marked_yet_found:
                    log.warning(
                        "%s: %d messages are still unmarked after marking them: does the server "
                        "keep the mark?",
                        self._label(),
                        marked_yet_found,
                    )
                break
            committed: list[str] = []
            try:
                for uid in todo:
                    if self.stop.is_set():
                        break
                    handled.add(uid)
                    outcome = self._fetch_one(box, uid)
                    if outcome == "failed":
                        failed.add(uid)
                        continue
                    if outcome == "stored":
                        report.stored += 1
                    elif outcome == "repeated":
                        report.repeated += 1
                    if outcome != "gone":
                        committed.append(uid)
                    if len(committed) >= MARK_BATCH:
                        self._mark(box, committed)
                        committed = []
            finally:
                # Committed ones are marked even when the pass stops at a storage failure;
                # if marking fails too, they are fetched again later and stored once.
                if committed:
                    self._mark_quietly(box, committed)
        if report.stored or report.repeated or report.failed:
            log.info(
                "%s: %d stored, %d already here, %d left on the server for later",
                self._label(),
                report.stored,
                report.repeated,
                report.failed,
            )
        return report

    def _blamed(self, uid: str) -> bool:
        retry_at = self.bad_messages.get(uid)
        if retry_at is None:
            return False
        if time.monotonic() >= retry_at:
            del self.bad_messages[uid]
            return False
        return True

    def _unmarked_criteria(self) -> str:
        after = self.mailbox.after
        if after == "keyword":
            return f"UNDELETED UNKEYWORD {self.mailbox.after_target}"
        if after == "seen":
            return "UNDELETED UNSEEN"
        return "UNDELETED"

    def _fetch_one(self, box: BaseMailBox, uid: str) -> str:
        """One message into the database: its outcome, one of stored, repeated, gone or
        failed. Raises MailboxError when the connection or the database is gone."""
        try:
            typ, data = box.client.uid("FETCH", uid, "(BODY.PEEK[])")
        except (OSError, imaplib.IMAP4.error) as exc:
            # Dovecot, for one, says BYE when it cannot read a message file: without this,
            # every reconnection would stop at the same message.
            self.bad_messages[uid] = time.monotonic() + BAD_MESSAGE_RETRY_SECONDS
            raise BadMessage(
                f"{self._label()}: the connection broke while fetching message UID {uid} "
                f"({_describe(exc)}); it stays on the server, retried in "
                f"{BAD_MESSAGE_RETRY_SECONDS / 60:.0f} min"
            ) from exc
        raw = _literal_for(uid, data) if typ == "OK" else None
        if raw is None:
            # Expunged meanwhile, or a message the server cannot read: the others go on.
            if typ == "OK" and not any(isinstance(item, tuple) for item in data):
                return "gone"  # expunged by someone else: nothing to fetch or mark
            log.warning(
                "%s: cannot fetch message UID %s (%s %s); left on the server",
                self._label(),
                uid,
                typ,
                _server_text((typ, data)),
            )
            return "failed"
        try:
            created = self._store(raw)
        except Exception as exc:
            # Unmarked, so fetched again later; the database is probably down: stop the pass.
            raise MailboxError(
                f"{self._label()}: cannot store message UID {uid}: {_describe(exc)}"
            ) from exc
        return "stored" if created else "repeated"

    def _store(self, raw: bytes) -> bool:
        """accept_message, tried again on a fresh connection after a database error (a
        restart, a lock): the failed attempt was rolled back, and intake is idempotent."""
        for pause in STORE_RETRY_PAUSES:
            try:
                _mail, created = self.accept(
                    raw, source="imap", envelope_from="", envelope_to=self._envelope_to()
                )
                return bool(created)
            except (OperationalError, InterfaceError):
                close_old_connections()
                if pause is None:
                    raise
                self.stop.wait(pause)
        raise AssertionError("unreachable")  # pragma: no cover

    def _envelope_to(self) -> list[str]:
        return [self.mailbox.address] if self.mailbox.address else []

    def _mark(self, box: BaseMailBox, uids: list[str]) -> None:
        """Mark committed messages as fetched: one command for many, as each costs the server
        a write to disk (per-message MOVEs took more time than our own commits)."""
        mailbox = self.mailbox
        client = box.client
        uid_set = ",".join(uids)
        what = f"UID {uid_set}" if len(uids) == 1 else f"{len(uids)} UIDs from {uids[0]}"
        if mailbox.after == "move":
            folder = encode_folder(mailbox.after_target).decode("ascii")
            if "MOVE" in client.capabilities:
                _check(client.uid("MOVE", uid_set, folder), f"move {what}", self._label())
                return
            _check(client.uid("COPY", uid_set, folder), f"copy {what}", self._label())
            _check(
                client.uid("STORE", uid_set, "+FLAGS.SILENT", "(\\Deleted)"),
                f"delete {what}",
                self._label(),
            )
            if "UIDPLUS" in client.capabilities:
                _check(client.uid("EXPUNGE", uid_set), f"expunge {what}", self._label())
            # Without UIDPLUS the copies stay flagged \Deleted (and out of our search) until
            # someone expunges: a plain EXPUNGE would also remove other people's deletions.
            return
        _check(
            client.uid("STORE", uid_set, "+FLAGS.SILENT", f"({mailbox.after_target})"),
            f"mark {what}",
            self._label(),
        )

    def _mark_quietly(self, box: BaseMailBox, uids: list[str]) -> None:
        try:
            self._mark(box, uids)
        except (MailboxError, OSError, imaplib.IMAP4.error) as exc:
            log.warning("%s (fetched again later, stored once)", exc)

    # -- waiting ------------------------------------------------------------------------------

    def _wait_for_mail(self, box: BaseMailBox) -> None:
        # imaplib keeps every untagged answer (EXISTS, EXPUNGE...) it was not asked for; on a
        # connection that lives for days that would grow without end. We search anyway.
        box.client.untagged_responses.clear()
        if "IDLE" not in box.client.capabilities:
            # A short NOOP keeps the connection known to be alive between polls.
            self.stop.wait(self.poll_seconds)
            if not self.stop.is_set():
                box.client.noop()
            return
        box.idle.start()
        try:
            deadline = time.monotonic() + IDLE_RENEW_SECONDS
            while not self.stop.is_set() and time.monotonic() < deadline:
                if box.idle.poll(timeout=STOP_CHECK_SECONDS):
                    break  # EXISTS, or anything else: look again
        finally:
            box.idle.stop()

    def _label(self) -> str:
        return f"mailbox {self.mailbox.name} ({self.mailbox.shown})"


# -- helpers ----------------------------------------------------------------------------------


def _literal_for(uid: str, data: list[Any]) -> bytes | None:
    """The message bytes in a FETCH answer, skipping unsolicited FETCH lines for others."""
    for item in data:
        if isinstance(item, tuple) and len(item) == 2 and b"BODY[]" in item[0]:
            match = FETCH_UID.search(item[0])
            if match is None or match.group(1).decode() == uid:
                return bytes(item[1])
    return None


def _backoff(failures: int, first: float, most: float) -> float:
    return float(min(most, first * 2 ** min(failures - 1, 20)))


def _check(result: tuple[str, list[Any]], what: str, label: str) -> None:
    if result[0] != "OK":
        raise MailboxError(f"{label}: cannot {what}: {result[0]} {_server_text(result)}")


def _server_text(result: tuple[Any, Any]) -> str:
    data = result[1] if isinstance(result[1], list) else [result[1]]
    parts = []
    for item in data:
        if isinstance(item, bytes):
            parts.append(item.decode("utf-8", "replace"))
        elif isinstance(item, str):
            parts.append(item)
    return " ".join(parts)[:300]


def _describe(exc: BaseException) -> str:
    if isinstance(exc, socket.timeout | TimeoutError):
        return "timed out"
    text = " ".join(str(exc).split())[:300]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _describe_after(mailbox: ImapMailbox) -> str:
    if mailbox.after == "move":
        return f"moved to {mailbox.after_target!r}"
    if mailbox.after == "keyword":
        return f"tagged {mailbox.after_target}"
    return "flagged \\Seen"


def _logout_quietly(box: BaseMailBox) -> None:
    try:
        box.client.logout()
    except Exception:  # the connection may already be gone; nothing to keep
        log.debug("logout failed", exc_info=True)
        try:
            box.client.shutdown()
        except Exception:
            log.debug("socket shutdown failed", exc_info=True)


# -- several mailboxes ------------------------------------------------------------------------


def fetch_all_once(mailboxes: list[ImapMailbox], *, stop: threading.Event) -> bool:
    """Fetch every mailbox once, in parallel; True when all of them went through."""
    results: dict[str, bool] = {}

    def fetch(mailbox: ImapMailbox) -> None:
        fetcher = MailboxFetcher(mailbox, stop=stop)
        try:
            report = fetcher.fetch_once()
            results[mailbox.name] = report.failed == 0
            if report.failed:
                log.error(
                    "mailbox %s: %d messages could not be fetched", mailbox.name, report.failed
                )
        except MailboxError as exc:
            log.error("%s", exc)
            results[mailbox.name] = False
        except Exception:
            log.exception("mailbox %s: unexpected failure", mailbox.name)
            results[mailbox.name] = False
        finally:
            connection.close()

    threads = [
        threading.Thread(target=fetch, args=(mailbox,), name=f"imap-{mailbox.name}")
        for mailbox in mailboxes
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return all(results.get(mailbox.name, False) for mailbox in mailboxes)


def run_fetchers(
    mailboxes: list[ImapMailbox], *, stop: threading.Event, poll_seconds: float = 60.0
) -> None:
    """One fetcher thread per mailbox until `stop` is set; a fetcher that dies of a bug is
    logged and started again after a pause."""

    def keep_running(mailbox: ImapMailbox) -> None:
        while not stop.is_set():
            try:
                MailboxFetcher(mailbox, stop=stop, poll_seconds=poll_seconds).run()
            except Exception:
                log.exception("mailbox %s: unexpected failure; restarting in 30 s", mailbox.name)
                connection.close()
                stop.wait(30)

    threads = [
        threading.Thread(target=keep_running, args=(mailbox,), name=f"imap-{mailbox.name}")
        for mailbox in mailboxes
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
