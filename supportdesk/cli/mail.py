"""The email desk's commands: `smtpd` (the SMTP and LMTP listener), `mail ingest` (the pipe
door for an MTA), `mail fetch` (IMAP), `mail status` and `mail quarantine list|show|replay`."""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import importlib
import json
import logging
import os
import signal
import socket
import sys
import threading
import time
from typing import Any

from config.env import parse_host_port
from supportdesk.cli.common import (
    EXIT_OK,
    EXIT_TEMPFAIL,
    EXIT_USAGE,
    CommandFailed,
    ensure_data_dirs,
    error,
    one_line,
    positive_int,
    require_database,
    usage,
)
from supportdesk.core.supervisor import describe_exit, on_stop_signals

log = logging.getLogger("supportdesk.smtpd")

GIL_SWITCH_SECONDS = 0.0005
GIL_SWITCH_SECONDS = 0.0005
# How long a stop waits for the mails being committed before closing the connections.
STOP_GRACE_SECONDS = 10.0
STATUSES = ("received", "processed", "ignored", "quarantined")


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    smtpd = commands.add_parser(
        "smtpd",
        help="the SMTP (and LMTP) listener for the support addresses",
        description="Accept mail for SUPPORTDESK_MAIL_ADDRESSES over SMTP "
        "(SUPPORTDESK_SMTP_BIND) and, when SUPPORTDESK_LMTP_BIND is set, LMTP, until SIGTERM "
        "or Ctrl-C. A mail is answered 250 only once it is stored and committed; any failure "
        "is answered 451 so the sender retries.",
    )
    smtpd.add_argument(
        "--bind", metavar="HOST:PORT", help="SMTP address (default: SUPPORTDESK_SMTP_BIND)"
    )
    smtpd.add_argument(
        "--lmtp-bind",
        metavar="HOST:PORT",
        help="LMTP address (default: SUPPORTDESK_LMTP_BIND, off when empty)",
    )
    smtpd.add_argument(
        "--processes",
        type=positive_int,
        metavar="N",
        help="listener processes sharing the ports (SO_REUSEPORT), restarted if one dies "
        "(default: SUPPORTDESK_SMTPD_PROCESSES, or one per CPU)",
    )
    smtpd.set_defaults(handler=smtpd_command)

    mail = commands.add_parser("mail", help="mail intake: pipe ingest, status, quarantine")
    mail.set_defaults(handler=lambda args: usage(mail))
    mail_commands = mail.add_subparsers(title="mail commands", metavar="COMMAND")

    ingest = mail_commands.add_parser(
        "ingest",
        help="store one message read from standard input (for an MTA pipe)",
        description="Read one message from standard input, store it and print its id. Exit "
        "status for the MTA: 0 stored, 75 (EX_TEMPFAIL) on any failure (retry later), "
        "65 (EX_DATAERR) for an empty input.",
    )
    ingest.add_argument("--from", dest="sender", default="", metavar="ADDR", help="envelope sender")
    ingest.add_argument(
        "--to",
        dest="recipients",
        action="append",
        default=[],
        metavar="ADDR",
        help="envelope recipient (repeat for several)",
    )
    # An MTA reads the exit status: whatever fails (a bad setting included) must say
    # "try again later", never "bounce".
    ingest.set_defaults(handler=ingest_command, failure_exit=EXIT_TEMPFAIL)

    fetch = mail_commands.add_parser(
        "fetch",
        help="fetch mail from the IMAP mailboxes of SUPPORTDESK_IMAP_MAILBOXES",
        description="Fetch mail from every mailbox of SUPPORTDESK_IMAP_MAILBOXES in parallel, "
        "waiting for new mail (IDLE, else polling) until SIGTERM or Ctrl-C. A message is "
        "marked as fetched (moved, tagged or flagged, as its URL says) only once it is stored "
        "and committed here.",
    )
    fetch.add_argument(
        "--once",
        action="store_true",
        help="fetch what is there and exit: 0 when every mailbox went through, "
        "75 (EX_TEMPFAIL) otherwise",
    )
    fetch.add_argument(
        "--mailbox",
        dest="mailboxes",
        action="append",
        default=[],
        metavar="NAME",
        help="only this mailbox (its name= option, else its user name; repeat for several)",
    )
    fetch.set_defaults(handler=fetch_command)

    status = mail_commands.add_parser("status", help="how many mails intake holds, by status")
    status.add_argument("--json", action="store_true", help="print JSON")
    status.set_defaults(handler=status_command)

    quarantine = mail_commands.add_parser(
        "quarantine", help="mails that could not be processed: list, show, replay"
    )
    quarantine.set_defaults(handler=lambda args: usage(quarantine))
    quarantine_commands = quarantine.add_subparsers(title="quarantine commands", metavar="COMMAND")
    listing = quarantine_commands.add_parser("list", help="quarantined mails, newest first")
    listing.add_argument("--limit", type=positive_int, default=50, help="at most N (default 50)")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(handler=quarantine_list_command)
    show = quarantine_commands.add_parser("show", help="one quarantined mail and its error")
    show.add_argument("mail_id", type=positive_int, metavar="ID")
    show.add_argument("--json", action="store_true", help="print JSON")
    show.set_defaults(handler=quarantine_show_command)
    replay = quarantine_commands.add_parser(
        "replay", help="process a quarantined mail again (after a fix)"
    )
    replay.add_argument("mail_id", type=positive_int, metavar="ID")
    replay.set_defaults(handler=quarantine_replay_command)


# -- smtpd ------------------------------------------------------------------------------------


def host_port(text: str) -> tuple[str, int] | None:
    try:
        return parse_host_port(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def format_address(address: tuple[str, int]) -> str:
    host, port = address
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def smtpd_command(args: argparse.Namespace) -> int:
    from django.conf import settings

    from supportdesk.channels.email.receivers.smtpd import TLSSetupError, listener_config

    product = settings.SUPPORTDESK
    smtp_bind = host_port(args.bind) if args.bind is not None else product["SMTP_BIND"]
    lmtp_bind = host_port(args.lmtp_bind) if args.lmtp_bind is not None else product["LMTP_BIND"]
    if smtp_bind is None and lmtp_bind is None:
        raise CommandFailed(
            "configuration error: SUPPORTDESK_SMTP_BIND: empty, and no LMTP listener either",
            EXIT_USAGE,
        )
    try:
        config = listener_config()
    except TLSSetupError as exc:
        raise CommandFailed(f"configuration error: {exc}", EXIT_USAGE) from None
    ensure_data_dirs()
    if logging.getLogger().getEffectiveLevel() > logging.DEBUG:
        # aiosmtpd logs every connection and command at INFO.
        logging.getLogger("mail.log").setLevel(logging.WARNING)
    binds = [
        (protocol, address)
        for protocol, address in (("smtp", smtp_bind), ("lmtp", lmtp_bind))
        if address is not None
    ]
    processes = args.processes or settings.SUPPORTDESK["SMTPD_PROCESSES"] or default_processes()
    if processes == 1:
        return _serve(binds, config)
    return _serve_in_processes(processes, binds, config)


def default_processes() -> int:
    """One process per CPU this process may run on: each has its own GIL."""
    return max(1, len(os.sched_getaffinity(0)))


def _serve(
    binds: list[tuple[str, tuple[str, int]]], config: Any, *, reuse_port: bool = False
) -> int:
    """Listen in this process until a stop signal; with `reuse_port`, as one of several
    processes sharing the ports (which the parent has announced)."""

    from supportdesk.channels.email.receivers.smtpd import (
        ConnectionLimit,
        GroupCommitter,
        MailHandler,
        MailListener,
    )

    # A commit thread whose database answer has come gets the GIL back from the event loop
    # sooner than after the default 5 ms (bench/RESULTS.md: 420 vs 340 msg/s, loaded box).
    sys.setswitchinterval(GIL_SWITCH_SECONDS)
    committer = GroupCommitter()
    limit = ConnectionLimit(config.max_connections_per_client)
    listeners: list[MailListener] = []
    stop = threading.Event()
    received: list[int] = []

    def on_signal(signum: int) -> None:
        received.append(signum)
        stop.set()

    restore = on_stop_signals(on_signal)
    try:
        for protocol, address in binds:
            handler = MailHandler(addresses=config.addresses, source=protocol, committer=committer)
            listener = MailListener(
                protocol=protocol,
                host=address[0],
                port=address[1],
                config=config,
                handler=handler,
                limit=limit,
                reuse_port=reuse_port,
            )
            try:
                listener.start()
            except Exception as exc:
                raise CommandFailed(
                    f"cannot listen on {format_address(address)} ({protocol.upper()}): "
                    f"{one_line(exc)}",
                    EXIT_USAGE,
                ) from None
            listeners.append(listener)
            if not reuse_port:
                _announce(protocol, address, config, processes=1)
        while not stop.wait(0.5):
            pass
    finally:
        restore()
        _stop_listeners(listeners)
        committer.close()
    for signum in received[:1]:
        log.log(
            logging.DEBUG if reuse_port else logging.INFO,
            "%s received: stopped",
            signal.Signals(signum).name,
        )
    return EXIT_OK


def _announce(protocol: str, address: tuple[str, int], config: Any, *, processes: int) -> None:
    log.info(
        "%s listening on %s for %s (max %d bytes%s%s)",
        protocol.upper(),
        format_address(address),
        ", ".join(sorted(config.addresses)),
        config.max_bytes,
        ", STARTTLS" if config.tls_context else "",
        f", {processes} processes" if processes > 1 else "",
    )


# A process that dies sooner than this after its start is restarted after a pause, so a
# broken setup does not spin.
RESTART_PAUSE_SECONDS = 1.0


def _serve_in_processes(
    processes: int, binds: list[tuple[str, tuple[str, int]]], config: Any
) -> int:
    """Fork `processes` listeners sharing the ports (SO_REUSEPORT), restart any that dies,
    and stop them all on a stop signal (each finishes the mails it is committing)."""
    reserved: list[socket.socket] = []
    try:
        resolved = []
        for protocol, address in binds:
            sock = _reserve_port(protocol, address)
            reserved.append(sock)
            resolved.append((protocol, (address[0], int(sock.getsockname()[1]))))
        children: dict[int, float] = {}
        stop = threading.Event()
        received: list[int] = []

        def on_signal(signum: int) -> None:
            received.append(signum)
            stop.set()

        restore = on_stop_signals(on_signal)
        try:
            for _ in range(processes):
                children[_fork_listener(resolved, config)] = time.monotonic()
            for protocol, address in resolved:
                _announce(protocol, address, config, processes=processes)
            restart_at: list[float] = []
            while not stop.wait(0.2):
                for pid, status in _reap():
                    started = children.pop(pid, None)
                    if started is None:
                        continue
                    log.warning(
                        "smtpd process %d %s: starting another",
                        pid,
                        describe_exit(os.waitstatus_to_exitcode(status)),
                    )
                    quick = time.monotonic() - started < RESTART_PAUSE_SECONDS
                    restart_at.append(time.monotonic() + (RESTART_PAUSE_SECONDS if quick else 0))
                due = [moment for moment in restart_at if moment <= time.monotonic()]
                for moment in due:
                    restart_at.remove(moment)
                    children[_fork_listener(resolved, config)] = time.monotonic()
        finally:
            restore()
            _stop_children(children)
    finally:
        for sock in reserved:
            sock.close()
    for signum in received[:1]:
        log.info("%s received: stopped", signal.Signals(signum).name)
    return EXIT_OK


def _reserve_port(protocol: str, address: tuple[str, int]) -> socket.socket:
    """A socket bound (not listening) with SO_REUSEPORT: it checks that the address is free
    for us (a busy port fails here, in one clear line), picks the port when 0 was asked,
    and keeps it ours while a listener process restarts. Not listening, it receives no
    connection."""
    host, port = address
    try:
        family, kind, proto, _name, sockaddr = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        sock = socket.socket(family, kind, proto)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind(sockaddr)
        except BaseException:
            sock.close()
            raise
    except OSError as exc:
        raise CommandFailed(
            f"cannot listen on {format_address(address)} ({protocol.upper()}): {one_line(exc)}",
            EXIT_USAGE,
        ) from None
    return sock


def _fork_listener(binds: list[tuple[str, tuple[str, int]]], config: Any) -> int:
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid:
        return pid
    code = 1
    try:
        _stop_with_parent()
        code = _serve(binds, config, reuse_port=True)
    except CommandFailed as exc:
        error(str(exc))
        code = exc.code
    except BaseException:
        log.exception("smtpd process %d failed", os.getpid())
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _stop_with_parent() -> None:
    """A listener whose parent is gone (even by SIGKILL) gets SIGTERM, and stops as on
    any stop signal: no orphan keeps the port."""
    parent = os.getppid()
    libc = ctypes.CDLL(None, use_errno=True)
    pr_set_pdeathsig = 1
    libc.prctl(pr_set_pdeathsig, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before prctl
        os.kill(os.getpid(), signal.SIGTERM)


def _reap() -> list[tuple[int, int]]:
    ended = []
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid == 0:
            break
        ended.append((pid, status))
    return ended


def _stop_children(children: dict[int, float]) -> None:
    for pid in children:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_SECONDS + 5
    waiting = set(children)
    while waiting and time.monotonic() < deadline:
        waiting -= {pid for pid, _status in _reap()}
        if waiting:
            time.sleep(0.05)
    for pid in waiting:
        log.warning("smtpd process %d did not stop in time: killed", pid)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)


def _stop_listeners(listeners: list[Any]) -> None:
    """Stop accepting, let the mails being committed finish (their sender gets its 250),
    then close every connection."""
    for listener in listeners:
        # Stop accepting first: a restarted smtpd (or a sibling process) takes the new
        # connections while this one finishes its commits.
        server = getattr(listener, "server", None)
        if server is not None:
            listener.loop.call_soon_threadsafe(server.close)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    while time.monotonic() < deadline and any(
        listener.mail_handler.in_flight for listener in listeners
    ):
        time.sleep(0.05)
    for listener in listeners:
        try:
            listener.stop()
        except Exception:
            log.exception("stopping the %s listener failed", listener.protocol.upper())


# -- mail ingest ------------------------------------------------------------------------------


def ingest_command(args: argparse.Namespace) -> int:
    from supportdesk.channels.email.receivers.pipe import EX_TEMPFAIL, ingest

    try:
        ensure_data_dirs()
    except CommandFailed as exc:
        error(f"mail ingest: temporary failure, try again later: {exc}")
        return EX_TEMPFAIL
    return ingest(
        sys.stdin.buffer,
        envelope_from=args.sender,
        envelope_to=args.recipients,
        out=sys.stdout,
        err=sys.stderr,
    )


# -- mail fetch -------------------------------------------------------------------------------


def fetch_command(args: argparse.Namespace) -> int:
    from django.conf import settings
    from django.db import connections

    from supportdesk.channels.email.receivers.imap import fetch_all_once, run_fetchers

    configured = settings.SUPPORTDESK["IMAP_MAILBOXES"]
    if not configured:
        raise CommandFailed(
            "configuration error: SUPPORTDESK_IMAP_MAILBOXES: no mailbox configured "
            "(expected URLs like imaps://USER:PASSWORD@HOST/INBOX)",
            EXIT_USAGE,
        )
    by_name = {mailbox.name: mailbox for mailbox in configured}
    for name in args.mailboxes:
        if name not in by_name:
            raise CommandFailed(
                f"no mailbox called {name!r} in SUPPORTDESK_IMAP_MAILBOXES "
                f"(there are: {', '.join(by_name)})",
                EXIT_USAGE,
            )
    mailboxes = [by_name[name] for name in dict.fromkeys(args.mailboxes)] or list(configured)
    ensure_data_dirs()
    try:
        require_database()
    except CommandFailed as exc:
        if args.once:  # the database will be back: the run can be tried again
            exc.code = EXIT_TEMPFAIL
        raise
    # Each fetcher thread opens its own connection.
    connections.close_all()

    stop = threading.Event()
    received: list[int] = []

    def on_signal(signum: int) -> None:
        received.append(signum)
        stop.set()

    restore = on_stop_signals(on_signal)
    outcome: list[bool] = []
    try:
        if args.once:
            worker = threading.Thread(
                target=lambda: outcome.append(fetch_all_once(mailboxes, stop=stop)),
                name="imap-once",
            )
        else:
            poll_seconds = float(settings.SUPPORTDESK["IMAP_POLL_SECONDS"])
            worker = threading.Thread(
                target=run_fetchers,
                args=(mailboxes,),
                kwargs={"stop": stop, "poll_seconds": poll_seconds},
                name="imap-fetchers",
            )
        worker.start()
        # The main thread only waits, so that it can take the stop signals.
        while worker.is_alive():
            worker.join(0.5)
    finally:
        stop.set()
        restore()
    for signum in received[:1]:
        logging.getLogger("supportdesk.fetch").info(
            "%s received: stopped", signal.Signals(signum).name
        )
    if args.once and not (outcome and outcome[0]):
        return EXIT_TEMPFAIL
    return EXIT_OK


# -- mail status ------------------------------------------------------------------------------


def status_counts() -> dict[str, int]:
    from django.db.models import Count

    from supportdesk.channels.email.models import InboundMail

    counts = dict.fromkeys(STATUSES, 0)
    rows = InboundMail.objects.order_by().values_list("status").annotate(count=Count("id"))
    for status, count in rows:
        counts[status] = count
    counts["pending"] = counts["received"]
    counts["total"] = sum(counts[status] for status in STATUSES)
    return counts


def status_command(args: argparse.Namespace) -> int:
    require_database()
    counts = status_counts()
    if args.json:
        print(json.dumps(counts, indent=2))
        return EXIT_OK
    labels = {
        "received": "received (waiting to be processed)",
        "processed": "processed",
        "ignored": "ignored (auto-replies, bounces, loops)",
        "quarantined": "quarantined",
        "total": "total",
    }
    width = max(len(str(value)) for value in counts.values())
    for key, label in labels.items():
        print(f"{counts[key]:>{width}}  {label}")
    return EXIT_OK


# -- mail quarantine --------------------------------------------------------------------------


def _describe(mail: Any, *, full_error: bool) -> dict[str, Any]:
    error_text = mail.error if full_error else (mail.error.splitlines() or [""])[0]
    return {
        "id": mail.pk,
        "status": mail.status,
        "received_at": mail.received_at.isoformat(),
        "source": mail.source,
        "envelope_from": mail.envelope_from,
        "envelope_to": list(mail.envelope_to),
        "message_id": mail.header_message_id,
        "size": mail.size,
        "sha256": mail.sha256,
        "attempts": mail.attempts,
        "error": error_text,
        # Whether the From is the real sender: pass, fail, none; null before processing.
        "authenticity": mail.authenticity or None,
        "authenticity_reason": (mail.authenticity_details or {}).get("reason", ""),
    }


def quarantine_list_command(args: argparse.Namespace) -> int:
    from supportdesk.channels.email.models import InboundMail

    require_database()
    mails = list(
        InboundMail.objects.filter(status=InboundMail.Status.QUARANTINED).order_by("-id")[
            : args.limit
        ]
    )
    rows = [_describe(mail, full_error=False) for mail in mails]
    if args.json:
        print(json.dumps({"mails": rows}, indent=2))
        return EXIT_OK
    if not rows:
        print("No quarantined mail.")
        return EXIT_OK
    print(f"{'ID':>8}  {'RECEIVED':<25}  {'SIZE':>9}  {'FROM':<30}  ERROR")
    for row in rows:
        print(
            f"{row['id']:>8}  {row['received_at']:<25}  {row['size']:>9}  "
            f"{row['envelope_from'][:30]:<30}  {row['error'][:80]}"
        )
    return EXIT_OK


def _quarantined(mail_id: int) -> Any:
    from supportdesk.channels.email.models import InboundMail

    mail = InboundMail.objects.filter(pk=mail_id).first()
    if mail is None:
        raise CommandFailed(f"no mail {mail_id}")
    if mail.status != InboundMail.Status.QUARANTINED:
        raise CommandFailed(f"mail {mail_id} is not quarantined (status: {mail.status})")
    return mail


def quarantine_show_command(args: argparse.Namespace) -> int:
    require_database()
    row = _describe(_quarantined(args.mail_id), full_error=True)
    if args.json:
        print(json.dumps(row, indent=2))
        return EXIT_OK
    for key in ("id", "status", "received_at", "source", "envelope_from", "message_id"):
        print(f"{key + ':':<15} {row[key]}")
    print(f"{'envelope_to:':<15} {', '.join(row['envelope_to'])}")
    print(f"{'size:':<15} {row['size']} bytes (sha256 {row['sha256']})")
    print(f"{'attempts:':<15} {row['attempts']}")
    if row["authenticity"]:
        print(f"{'sender:':<15} {row['authenticity']} ({row['authenticity_reason']})")
    print("error:")
    for line in (row["error"] or "(none recorded)").splitlines():
        print(f"  {line}")
    return EXIT_OK


def _replay_function() -> Any:
    """replay_quarantined, from wherever processing offers it (it is written separately)."""
    for module_name in (
        "supportdesk.channels.email.processing",
        "supportdesk.channels.email.quarantine",
    ):
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        replay = getattr(module, "replay_quarantined", None)
        if replay is not None:
            return replay
    raise CommandFailed("replay is not available in this version")


def quarantine_replay_command(args: argparse.Namespace) -> int:
    require_database()
    _quarantined(args.mail_id)
    replay_quarantined = _replay_function()
    result = replay_quarantined(mail_id=args.mail_id)
    status = getattr(result, "status", None)
    if status is not None:
        print(f"mail {args.mail_id}: {status}, queued for processing again")
    else:
        print(f"mail {args.mail_id}: {result if result is not None else 'replayed'}")
    return EXIT_OK
