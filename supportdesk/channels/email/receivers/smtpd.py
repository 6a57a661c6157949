"""The SMTP and LMTP door (aiosmtpd): refuse what we do not serve before the body is sent,
store what we accept, and say "250" only once it is committed.

The handler does three things. RCPT: a recipient we do not serve gets `550` before the body.
DATA: the bytes go to `accept_message` in a thread of our own (the Django ORM is
synchronous), and only when it returns is the sender told `250`. Any exception anywhere is
answered `451` (temporary, the sender's MTA retries), never aiosmtpd's default `500`, which
would make the sender bounce a mail we merely failed to store. Intake is idempotent, so a
retry after a `451` (or after a lost `250`) makes no duplicate.

The protocol classes add a bound on concurrent connections per client address: over it, the
client gets `421` and the connection is closed.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import ssl
import threading
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.db import InterfaceError, OperationalError, close_old_connections, connections

from supportdesk.channels.email.intake import accept_message

log = logging.getLogger(__name__)

TEMPORARY_FAILURE = "451 4.3.0 Temporary failure, try again later"
TOO_MANY_CONNECTIONS = "421 4.7.0 Too many connections from your address, try again later"
IDENT = "supportdesk"
# RFC 5321 limits lines to 1,000 octets, and aiosmtpd answers a permanent 500 above it; real
# mail breaks the rule (one-line HTML from some mailers), and Postfix accepts it. We take lines
# up to this length rather than bounce a customer's mail.
LONGEST_LINE = 1024 * 1024
# Threads that run accept_message; each keeps its own database connection.
DEFAULT_DB_THREADS = 8


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


Accept = Callable[..., Any]


class MailHandler:
    """The aiosmtpd handler: the same for SMTP and LMTP, `source` tells them apart."""

    def __init__(
        self,
        *,
        addresses: Collection[str],
        source: str,
        executor: concurrent.futures.ThreadPoolExecutor | None = None,
    ) -> None:
        self.addresses = frozenset(address.lower() for address in addresses)
        self.source = source
        self.executor = executor or database_executor()
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
        status = await self.accept(
            raw, envelope_from=envelope.mail_from or "", envelope_to=recipients
        )
        if isinstance(server, LMTP):
            # LMTP answers DATA once per accepted recipient (RFC 2033 section 4.2).
            return "\r\n".join([status] * max(1, len(recipients)))
        return status

    async def accept(self, raw: bytes, *, envelope_from: str, envelope_to: Sequence[str]) -> str:
        """Commit the mail in a database thread; the reply for the sender."""
        loop = asyncio.get_running_loop()
        self.in_flight += 1
        try:
            mail_id, created = await loop.run_in_executor(
                self.executor, self._accept_sync, raw, envelope_from, list(envelope_to)
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
        log.info(
            "%s mail %s (%d bytes) from <%s> to %s",
            "accepted" if created else "already had",
            mail_id,
            len(raw),
            envelope_from,
            ", ".join(envelope_to),
        )
        return f"250 2.0.0 Accepted as {mail_id}"

    def _accept_sync(
        self, raw: bytes, envelope_from: str, envelope_to: list[str]
    ) -> tuple[int, bool]:
        try:
            mail, created = self._accept_retrying(raw, envelope_from, envelope_to)
        except Exception:
            close_old_connections()  # do not keep a connection left unusable
            raise
        close_expired_connections()
        return mail.pk, created

    def _accept_retrying(
        self, raw: bytes, envelope_from: str, envelope_to: list[str]
    ) -> tuple[Any, bool]:
        # Not close_old_connections() before each mail, as Django does around a request: it
        # re-arms the health check, a "SELECT 1" round trip before every mail (13% of an
        # intake thread's time). A connection broken while idle (a database restart) fails
        # the first statement instead; it is dropped and the mail tried once more on a new
        # connection, so intake resumes as soon as the database is back. The failed attempt
        # was rolled back, and intake is idempotent (a COMMIT whose answer was lost is found
        # by the retry, not stored twice).
        try:
            return accept_message(
                raw, source=self.source, envelope_from=envelope_from, envelope_to=envelope_to
            )
        except (OperationalError, InterfaceError):
            close_old_connections()
            return accept_message(
                raw, source=self.source, envelope_from=envelope_from, envelope_to=envelope_to
            )

    async def handle_exception(self, error: Exception) -> str:
        """Called by aiosmtpd for an exception raised while handling any command."""
        log.error("SMTP session error, answered 451: %r", error, exc_info=error)
        return TEMPORARY_FAILURE


def close_expired_connections() -> None:
    """Close this thread's connections older than CONN_MAX_AGE (what close_old_connections
    does, without re-arming the per-use health check)."""
    for conn in connections.all(initialized_only=True):
        if conn.close_at is not None and time.monotonic() >= conn.close_at:
            conn.close()


def database_executor(threads: int = DEFAULT_DB_THREADS) -> concurrent.futures.ThreadPoolExecutor:
    return concurrent.futures.ThreadPoolExecutor(
        max_workers=threads, thread_name_prefix="mail-intake"
    )


def close_executor(executor: concurrent.futures.ThreadPoolExecutor, timeout: float = 10) -> None:
    """Wait for the commits in progress, close each thread's database connection, stop."""
    threads = len(getattr(executor, "_threads", ())) or 1
    barrier = threading.Barrier(threads)

    def close_connections() -> None:
        connections.close_all()
        # Hold this thread until every thread has taken one, so each closes its own.
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout)

    for _ in range(threads):
        executor.submit(close_connections)
    executor.shutdown(wait=True)


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
    ) -> None:
        if protocol not in ("smtp", "lmtp"):
            raise ValueError(f"unknown mail protocol {protocol!r}")
        self.protocol = protocol
        self.mail_handler = handler or MailHandler(addresses=config.addresses, source=protocol)
        self.limit = limit or ConnectionLimit(config.max_connections_per_client)
        self.config = config
        super().__init__(self.mail_handler, hostname=host, port=port)

    def factory(self) -> SMTP:
        kwargs = protocol_kwargs(self.config)
        if self.protocol == "lmtp":
            return LimitedLMTP(self.mail_handler, limit=self.limit, **kwargs)
        return LimitedSMTP(self.mail_handler, limit=self.limit, **kwargs)
