"""The SMTP and LMTP door (aiosmtpd): refuse what we do not serve before the body is sent,
store what we accept, and say "250" only once it is committed.

The handler does three things. RCPT: a recipient we do not serve gets `550` before the body.
DATA: the bytes go to the group committer (threads of our own, the Django ORM is
synchronous), which commits the mails waiting together, and only once the mail's batch is
committed is the sender told `250`. Any exception anywhere is
answered `451` (temporary, the sender's MTA retries), never aiosmtpd's default `500`, which
would make the sender bounce a mail we merely failed to store. Intake is idempotent, so a
retry after a `451` (or after a lost `250`) makes no duplicate.

The protocol classes add a bound on concurrent connections per client address: over it, the
client gets `421` and the connection is closed.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import queue
import ssl
import threading
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import MISSING, SMTP, Envelope, Session
from django.db import InterfaceError, OperationalError, close_old_connections, connections

from supportdesk.channels.email.intake import Incoming, accept_messages

log = logging.getLogger(__name__)

TEMPORARY_FAILURE = "451 4.3.0 Temporary failure, try again later"
TOO_MANY_CONNECTIONS = "421 4.7.0 Too many connections from your address, try again later"
IDENT = "supportdesk"
# RFC 5321 limits lines to 1,000 octets, and aiosmtpd answers a permanent 500 above it; real
# mail breaks the rule (one-line HTML from some mailers), and Postfix accepts it. We take lines
# up to this length rather than bounce a customer's mail.
LONGEST_LINE = 1024 * 1024
# Threads that commit batches of mail; each keeps its own database connection.
DEFAULT_COMMIT_THREADS = 2


@dataclass(frozen=True)
class ListenerConfig:
    """What a listener needs, read once from settings by `listener_config()`."""

    addresses: Collection[str]
    max_bytes: int
    max_connections_per_client: int
    tls_context: ssl.SSLContext | None = None


def listener_config() -> ListenerConfig:
    from django.conf import settings

    product = settings.SUPPORTDESK
    return ListenerConfig(
        addresses=frozenset(product["MAIL_ADDRESSES"]),
        max_bytes=product["MAIL_MAX_BYTES"],
        max_connections_per_client=product["MAIL_MAX_CONNECTIONS_PER_CLIENT"],
        tls_context=tls_context(product["MAIL_TLS_CERT"], product["MAIL_TLS_KEY"]),
    )


def tls_context(cert: Path | None, key: Path | None) -> ssl.SSLContext | None:
    """A server context for STARTTLS, or None when no certificate is configured.
    Raises TLSSetupError naming the variable when the files cannot be used."""
    if cert is None or key is None:
        return None
    for name, path in (("SUPPORTDESK_MAIL_TLS_CERT", cert), ("SUPPORTDESK_MAIL_TLS_KEY", key)):
        if not path.is_file():
            raise TLSSetupError(name, f"no such file: {path}")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(certfile=cert, keyfile=key)
    except (OSError, ssl.SSLError) as exc:
        raise TLSSetupError(
            "SUPPORTDESK_MAIL_TLS_CERT", f"cannot load the certificate and key ({exc})"
        ) from None
    return context


class TLSSetupError(Exception):
    def __init__(self, name: str, problem: str) -> None:
        self.name = name
        super().__init__(f"{name}: {problem}")


# -- the handler ------------------------------------------------------------------------------


class MailHandler:
    """The aiosmtpd handler: the same for SMTP and LMTP, `source` tells them apart."""

    def __init__(
        self,
        *,
        addresses: Collection[str],
        source: str,
        committer: GroupCommitter | None = None,
    ) -> None:
        self.addresses = frozenset(address.lower() for address in addresses)
        self.source = source
        self.committer = committer or GroupCommitter()
        self.in_flight = 0

    async def handle_EHLO(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        hostname: str,
        responses: list[str],
    ) -> list[str]:
        # With this hook aiosmtpd leaves recording the client's name to us.
        session.host_name = hostname
        # RFC 2920: aiosmtpd reads commands from a buffered stream and answers them in order,
        # so a client may send MAIL, RCPT and DATA without waiting for each answer. Sending
        # MTAs (Postfix, Exim) do so only when it is advertised; it saves two round trips.
        return [*responses[:-1], "250-PIPELINING", responses[-1]]

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if address.lower() not in self.addresses:
            return f"550 5.1.1 <{address}>: no such mailbox here"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):  # only with decode_data=True, which we never set
            raw = raw.encode("utf-8", "surrogateescape")
        recipients = list(envelope.rcpt_tos)
        peer = session.peer
        status = await self.accept(
            raw,
            envelope_from=envelope.mail_from or "",
            envelope_to=recipients,
            client_address=str(peer[0]) if isinstance(peer, tuple) and peer else "",
            client_helo=session.host_name or "",
        )
        if isinstance(server, LMTP):
            # LMTP answers DATA once per accepted recipient (RFC 2033 section 4.2).
            return "\r\n".join([status] * max(1, len(recipients)))
        return status

    async def accept(
        self,
        raw: bytes,
        *,
        envelope_from: str,
        envelope_to: Sequence[str],
        client_address: str = "",
        client_helo: str = "",
    ) -> str:
        """Hand the mail to the group committer; the reply for the sender once its batch is
        committed (or has failed)."""
        self.in_flight += 1
        try:
            mail_id, created = await asyncio.wrap_future(
                self.committer.submit(
                    Incoming(
                        raw, self.source, envelope_from, envelope_to, client_address, client_helo
                    )
                )
            )
        except Exception:
            log.exception(
                "could not store a %d-byte mail from <%s> to %s: answered 451",
                len(raw),
                envelope_from,
                ", ".join(envelope_to),
            )
            return TEMPORARY_FAILURE
        finally:
            self.in_flight -= 1
        if log.isEnabledFor(logging.INFO):
            log.info(
                "%s mail %s (%d bytes) from <%s> to %s",
                "accepted" if created else "already had",
                mail_id,
                len(raw),
                envelope_from,
                ", ".join(envelope_to),
            )
        return f"250 2.0.0 Accepted as {mail_id}"

    async def handle_exception(self, error: Exception) -> str:
        """Called by aiosmtpd for an exception raised while handling any command."""
        log.error("SMTP session error, answered 451: %r", error, exc_info=error)
        return TEMPORARY_FAILURE


# -- group commit -----------------------------------------------------------------------------

_STOP = object()
Result = tuple[int, bool]


class GroupCommitter:
    """Commits mails in batches, the way mail servers do: a thread takes every mail waiting
    (up to `max_batch` mails or `max_batch_bytes`), stores them all in one transaction
    (`accept_messages`: one commit and one WAL flush for the batch), then answers each.
    Each sender still hears "250" only after its own mail is committed, and when the batch
    fails, every mail in it gets the exception (so 451) and none is stored.

    While one batch commits, the next one gathers, so batches grow with the load. A few
    threads let commits overlap (each keeps its own database connection)."""

    def __init__(
        self,
        *,
        threads: int = DEFAULT_COMMIT_THREADS,
        max_batch: int = 64,
        max_batch_bytes: int = 32 * 1024 * 1024,
        start: bool = True,
    ) -> None:
        self.max_batch = max_batch
        self.max_batch_bytes = max_batch_bytes
        self._waiting: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._threads = [
            threading.Thread(target=self._run, name=f"mail-commit-{n}", daemon=True)
            for n in range(threads)
        ]
        if start:
            self.start()

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def submit(self, item: Incoming) -> concurrent.futures.Future[Result]:
        future: concurrent.futures.Future[Result] = concurrent.futures.Future()
        self._waiting.put((item, future))
        return future

    def close(self, timeout: float = 10) -> None:
        """Commit what is waiting, close each thread's database connection, stop."""
        for _ in self._threads:
            self._waiting.put(_STOP)
        for thread in self._threads:
            thread.join(timeout)

    def _run(self) -> None:
        try:
            while (batch := self._next_batch()) is not None:
                if batch:
                    self._commit(batch)
        finally:
            connections.close_all()

    def _next_batch(self) -> list[tuple[Incoming, concurrent.futures.Future[Result]]] | None:
        first = self._waiting.get()
        if first is _STOP:
            return None
        batch = [first]
        size = len(first[0].raw)
        while len(batch) < self.max_batch and size < self.max_batch_bytes:
            try:
                entry = self._waiting.get_nowait()
            except queue.Empty:
                break
            if entry is _STOP:
                self._waiting.put(_STOP)  # this thread stops after this batch
                break
            batch.append(entry)
            size += len(entry[0].raw)
        return batch

    def _commit(self, batch: list[tuple[Incoming, concurrent.futures.Future[Result]]]) -> None:
        # A mail whose sender hung up before its commit is not stored: it was not answered.
        live = [(item, future) for item, future in batch if future.set_running_or_notify_cancel()]
        try:
            results = commit_retrying([item for item, _future in live])
        except Exception as exc:
            for _item, future in live:
                future.set_exception(exc)
            return
        for (_item, future), result in zip(live, results, strict=True):
            future.set_result(result)


def commit_retrying(items: list[Incoming]) -> list[Result]:
    # Not close_old_connections() before each batch, as Django does around a request: it
    # re-arms the health check, a "SELECT 1" round trip before every commit. A connection
    # broken while idle (a database restart) fails the first statement instead; it is
    # dropped and the batch tried once more on a new connection, so intake resumes as soon
    # as the database is back. The failed attempt was rolled back, and intake is idempotent
    # (a COMMIT whose answer was lost is found by the retry, not stored twice).
    try:
        try:
            results = accept_messages(items)
        except (OperationalError, InterfaceError):
            close_old_connections()
            results = accept_messages(items)
    except Exception:
        close_old_connections()  # do not keep a connection left unusable
        raise
    close_expired_connections()
    return results


def close_expired_connections() -> None:
    """Close this thread's connections older than CONN_MAX_AGE (what close_old_connections
    does, without re-arming the per-use health check)."""
    for conn in connections.all(initialized_only=True):
        if conn.close_at is not None and time.monotonic() >= conn.close_at:
            conn.close()


# -- the protocols ----------------------------------------------------------------------------


@dataclass
class ConnectionLimit:
    """Concurrent connections per client address, shared by the listeners of one process
    (all of them run in one event loop thread: no lock)."""

    per_client: int
    open: dict[str, int] = field(default_factory=dict)

    def take(self, client: str) -> bool:
        count = self.open.get(client, 0)
        if count >= self.per_client:
            return False
        self.open[client] = count + 1
        return True

    def give_back(self, client: str) -> None:
        count = self.open.get(client, 0) - 1
        if count > 0:
            self.open[client] = count
        else:
            self.open.pop(client, None)


class _LimitedMixin:
    """Counts the connection in `connection_made` and answers 421 over the limit."""

    line_length_limit = LONGEST_LINE

    limit: ConnectionLimit | None = None
    _counted_client: str | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        is_starttls_upgrade = getattr(self, "_original_transport", None) is not None
        super().connection_made(transport)  # type: ignore[misc]
        if is_starttls_upgrade or self.limit is None:
            return
        peer = transport.get_extra_info("peername")
        client = str(peer[0]) if isinstance(peer, tuple) and peer else "local"
        if self.limit.take(client):
            self._counted_client = client
            return
        # The session task has not run yet: cancel it before it sends the greeting.
        handler_task = getattr(self, "_handler_coroutine", None)
        if handler_task is not None:
            handler_task.cancel()
        log.warning("%s has too many connections open: answered 421", client)
        assert isinstance(transport, asyncio.WriteTransport)
        transport.write(f"{TOO_MANY_CONNECTIONS}\r\n".encode())
        transport.close()

    def connection_lost(self, error: Exception | None) -> None:
        client, self._counted_client = self._counted_client, None
        if client is not None and self.limit is not None:
            self.limit.give_back(client)
        super().connection_lost(error)  # type: ignore[misc]

    async def smtp_DATA(self, arg: str) -> None:
        """aiosmtpd's DATA, with the body read in large pieces instead of line by line
        (a 1 MB mail is 13,000 lines: 13,000 awaits in Python). Same answers: 552 over the
        size limit, 500 for a line over the line limit, both after the whole body is read;
        dot-stuffing undone (RFC 5321 section 4.5.2)."""
        this: Any = self
        if await this.check_helo_needed() or await this.check_auth_needed("DATA"):
            return
        assert this.envelope is not None
        if not this.envelope.rcpt_tos:
            await this.push("503 Error: need RCPT command")
            return
        if arg:
            await this.push("501 Syntax: DATA")
            return
        await this.push("354 End data with <CR><LF>.<CR><LF>")
        body, problem = await read_data(this._reader, this.data_size_limit, self.line_length_limit)
        if problem:
            await this.push(problem)
            this._set_post_data_state()
            return
        this.envelope.content = this.envelope.original_content = body
        status = await this._call_handler_hook("DATA")
        this._set_post_data_state()
        await this.push("250 OK" if status is MISSING else status)


TOO_MUCH_DATA = "552 Error: Too much mail data"
LINE_TOO_LONG = "500 Line too long (see RFC5321 4.5.3.1.6)"


async def read_data(
    reader: asyncio.StreamReader, max_bytes: int | None, longest_line: int
) -> tuple[bytes, str]:
    """The body of a DATA command up to the lone "." line, dot-stuffing undone, and the
    error to answer ("" when none). The whole body is read even when it is refused, so the
    session can go on. Past `max_bytes`, what comes is counted, not kept."""
    kept: bytearray | None = bytearray()
    tail = b""  # the last bytes, once the body is over the size limit and not kept
    size = 0  # bytes read, the terminator included
    while True:
        try:
            piece = await reader.readuntil(b".\r\n")
        except asyncio.LimitOverrunError as exc:
            # No ".\r\n" within the reader's buffer limit: take what cannot hold one.
            piece = await reader.readexactly(exc.consumed)
        size += len(piece)
        if kept is None:
            tail = (tail + piece)[-5:]
        else:
            kept += piece
            if max_bytes and size - 3 > max_bytes:
                tail, kept = bytes(kept[-5:]), None
        last = tail if kept is None else kept[-5:]
        # The end: "." alone on its line (the first line, or after a line break).
        if piece.endswith(b".\r\n") and (size == 3 or last[-5:-3] == b"\r\n"):
            break
    if kept is None or (max_bytes and size - 3 > max_bytes):
        return b"", TOO_MUCH_DATA
    body = bytes(kept[:-3])
    if len(body) > longest_line and max(map(len, body.split(b"\r\n"))) > longest_line:
        return b"", LINE_TOO_LONG
    if body.startswith(b"."):
        body = body[1:]
    return body.replace(b"\r\n.", b"\r\n"), ""


class LimitedSMTP(_LimitedMixin, SMTP):
    def __init__(self, handler: MailHandler, *, limit: ConnectionLimit, **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        self.limit = limit


class LimitedLMTP(_LimitedMixin, LMTP):
    def __init__(self, handler: MailHandler, *, limit: ConnectionLimit, **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        self.limit = limit


def protocol_kwargs(config: ListenerConfig) -> dict[str, Any]:
    return {
        "data_size_limit": config.max_bytes,
        "enable_SMTPUTF8": True,
        "decode_data": False,
        "ident": IDENT,
        "tls_context": config.tls_context,
        # Slow clients are fine, but not one that holds a slot forever.
        "timeout": 300,
    }


class MailListener(Controller):
    """One SMTP or LMTP listener running its own event loop in a thread (aiosmtpd's
    Controller): `start()` returns once it accepts connections, `stop()` ends it."""

    def __init__(
        self,
        *,
        protocol: str,
        host: str,
        port: int,
        config: ListenerConfig,
        handler: MailHandler | None = None,
        limit: ConnectionLimit | None = None,
        reuse_port: bool = False,
    ) -> None:
        if protocol not in ("smtp", "lmtp"):
            raise ValueError(f"unknown mail protocol {protocol!r}")
        self.protocol = protocol
        # SO_REUSEPORT: several processes listen on the same port, the kernel spreads the
        # connections among them (`supportdesk smtpd --processes N`).
        self.reuse_port = reuse_port
        self.mail_handler = handler or MailHandler(addresses=config.addresses, source=protocol)
        self.limit = limit or ConnectionLimit(config.max_connections_per_client)
        self.config = config
        super().__init__(self.mail_handler, hostname=host, port=port)

    def factory(self) -> SMTP:
        kwargs = protocol_kwargs(self.config)
        if self.protocol == "lmtp":
            return LimitedLMTP(self.mail_handler, limit=self.limit, **kwargs)
        return LimitedSMTP(self.mail_handler, limit=self.limit, **kwargs)

    def _create_server(self) -> Any:
        return self.loop.create_server(
            self._factory_invoker,
            host=self.hostname,
            port=self.port,
            ssl=self.ssl_context,
            reuse_port=self.reuse_port or None,
        )

    def _trigger_server(self) -> None:
        if self.reuse_port:
            # aiosmtpd's trial connection (which makes it build one protocol object, to
            # surface errors) could reach a sibling process sharing the port, and this one
            # would wait for it in vain: build it here, in the loop's thread, instead.
            self.loop.call_soon_threadsafe(self._factory_invoker)
            return
        super()._trigger_server()
