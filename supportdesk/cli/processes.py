"""The processes of supportdesk: `run` (all of them, supervised), `web`, `worker`, and the
one-shot commands around them (`migrate`, `demo`, `check`, `manage`)."""

from __future__ import annotations

import argparse
import os
import socket
import sys
from collections.abc import Sequence
from typing import TextIO

from supportdesk.cli.common import (
    EXIT_ERROR,
    EXIT_OK,
    EXIT_USAGE,
    PROG,
    CommandFailed,
    apply_migrations,
    describe_database,
    ensure_data_dirs,
    error,
    in_production,
    one_line,
    pending_migrations,
    positive_int,
    require_database,
)
from supportdesk.core.supervisor import ProcessSpec, Supervisor, port_accepts_connections

DEFAULT_DEMO_TICKETS = 300
# The catch-up sweep of `run`: warnings and escalations whose scheduled check was missed.
SCHEDULER_EVERY_SECONDS = 60
# An idle worker looks for work this often: mail waits at most this long before a worker
# starts on it (a busy worker takes the next task at once).
WORKER_POLL_SECONDS = 0.5

Account = tuple[str, str, str]


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run = commands.add_parser(
        "run",
        help="everything on one machine: migrate, demo data, web server, task worker, scheduler",
        description="Migrate the database, load the demo profile into an empty database, then "
        "run the web server, a task worker and the service-level scheduler as one supervised "
        "group until Ctrl-C.",
    )
    run.add_argument(
        "--bind", metavar="HOST:PORT", help="web server address (default: SUPPORTDESK_WEB_BIND)"
    )
    run.add_argument("--no-demo", action="store_true", help="do not load the demo profile")
    run.set_defaults(handler=run_command)

    web = commands.add_parser("web", help="the web server alone (gunicorn, sync workers)")
    web.add_argument(
        "--bind", metavar="HOST:PORT", help="address to listen on (default: SUPPORTDESK_WEB_BIND)"
    )
    web.add_argument(
        "--workers", type=positive_int, help="worker processes (default: SUPPORTDESK_WEB_WORKERS)"
    )
    web.set_defaults(handler=web_command)

    worker = commands.add_parser("worker", help="a background task worker alone")
    worker.add_argument(
        "--queues", default="*", help="comma-separated queue names, or * for all (default: *)"
    )
    worker.add_argument(
        "--interval",
        type=float,
        default=WORKER_POLL_SECONDS,
        help=f"seconds between polls when idle (default: {WORKER_POLL_SECONDS})",
    )
    worker.set_defaults(handler=worker_command)

    migrate = commands.add_parser("migrate", help="create or update the database tables")
    migrate.set_defaults(handler=migrate_command)

    demo = commands.add_parser(
        "demo", help="load the demo profile (idempotent) and print the demo accounts"
    )
    demo.add_argument(
        "--tickets", type=positive_int, default=DEFAULT_DEMO_TICKETS, help="tickets to generate"
    )
    demo.add_argument(
        "--force", action="store_true", help="load it even when SUPPORTDESK_PRODUCTION is on"
    )
    demo.set_defaults(handler=demo_command)

    check = commands.add_parser(
        "check", help="check the configuration, the database and the migrations"
    )
    check.add_argument("--deploy", action="store_true", help="also run Django's deploy checks")
    check.set_defaults(handler=check_command)

    # Listed for --help only: main() hands `manage ...` to Django before argparse sees it.
    commands.add_parser(
        "manage",
        help="any Django management command, e.g. `supportdesk manage createsuperuser`",
        add_help=False,
    )


# -- run, web, worker -------------------------------------------------------------------------


def parse_bind(bind: str) -> tuple[str, int] | None:
    """(host, port) of a gunicorn TCP bind ("127.0.0.1:8000", "[::1]:8000", "0.0.0.0");
    None for the other forms (unix:PATH, fd://N), which have no URL to print."""
    if bind.startswith(("unix:", "fd://")):
        return None
    if bind.startswith("["):
        host, _, rest = bind[1:].partition("]")
        port_text = rest.removeprefix(":")
    elif bind.count(":") == 1:
        host, port_text = bind.split(":")
    else:
        host, port_text = bind, ""
    host = host or "0.0.0.0"  # noqa: S104 - gunicorn's meaning of a missing host
    if not port_text:
        return host, 8000
    try:
        port = int(port_text)
    except ValueError:
        port = -1
    if not 0 < port < 65536:
        raise CommandFailed(f"bad bind address {bind!r}: expected HOST:PORT", EXIT_USAGE)
    return host, port


def site_root(host: str, port: int) -> str:
    """The URL a person opens for a server bound to host:port."""
    if host in ("0.0.0.0", ""):  # noqa: S104
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}/"


def require_free_port(host: str, port: int, bind: str) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise CommandFailed(
                f"cannot listen on {bind}: {exc.strerror}. Is supportdesk already running? "
                f"Choose another address with --bind or SUPPORTDESK_WEB_BIND.",
                EXIT_USAGE,
            ) from None


def web_argv(*, bind: str, workers: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        "python:config.gunicorn_conf",
        "--bind",
        bind,
        "--workers",
        str(workers),
    ]


def worker_argv(*, queues: str = "*") -> list[str]:
    return [sys.executable, "-m", "supportdesk.cli", "worker", "--queues", queues]


def scheduler_argv(*, every: float = SCHEDULER_EVERY_SECONDS) -> list[str]:
    return [sys.executable, "-m", "supportdesk.cli", "sla", "sweep", "--every", str(every)]


def smtpd_argv() -> list[str]:
    return [sys.executable, "-m", "supportdesk.cli", "smtpd"]


def smtpd_spec() -> ProcessSpec | None:
    """The mail listener on SUPPORTDESK_SMTP_BIND (127.0.0.1:2525), and LMTP when configured;
    None when both are off."""
    from django.conf import settings

    smtp = settings.SUPPORTDESK["SMTP_BIND"]
    lmtp = settings.SUPPORTDESK["LMTP_BIND"]
    if smtp is None and lmtp is None:
        return None
    host, port = smtp or lmtp
    if host in ("", "0.0.0.0", "::"):  # noqa: S104 - every address: check on loopback
        host = "::1" if host == "::" else "127.0.0.1"
    return ProcessSpec("smtpd", smtpd_argv(), ready_check=port_accepts_connections(host, port))


def mail_fetch_argv() -> list[str]:
    return [sys.executable, "-m", "supportdesk.cli", "mail", "fetch"]


def mail_fetch_spec() -> ProcessSpec | None:
    """The IMAP fetcher, when SUPPORTDESK_IMAP_MAILBOXES names mailboxes; None otherwise."""
    from django.conf import settings

    if not settings.SUPPORTDESK["IMAP_MAILBOXES"]:
        return None
    return ProcessSpec("fetch", mail_fetch_argv())


def process_specs(*, bind: str, workers: int, task_workers: int = 1) -> list[ProcessSpec]:
    """The processes of `supportdesk run`. The phone front door joins this list when it is
    built."""
    address = parse_bind(bind)
    ready = port_accepts_connections(*address) if address is not None else None
    specs = [ProcessSpec("web", web_argv(bind=bind, workers=workers), ready_check=ready)]
    # A worker runs one task at a time and waits on the database for half of it: more
    # processes than cores still add throughput (bench/RESULTS.md, mail processing).
    specs += [
        ProcessSpec("worker" if n == 1 else f"worker-{n}", worker_argv())
        for n in range(1, task_workers + 1)
    ]
    specs.append(ProcessSpec("scheduler", scheduler_argv()))
    smtpd = smtpd_spec()
    if smtpd is not None:
        specs.append(smtpd)
    fetch = mail_fetch_spec()
    if fetch is not None:
        specs.append(fetch)
    return specs


def prepare_demo(out: TextIO) -> list[Account] | None:
    """Load the demo profile into an empty database and return the demo accounts, or None
    when there is no demo to show. A database holding anything else is left alone: the demo
    accounts would reset the password of an existing `admin` user."""
    if in_production():
        print(
            "SUPPORTDESK_PRODUCTION is on: no demo data and no demo accounts are created.",
            file=out,
        )
        return None
    try:
        from supportdesk import demo
        from supportdesk.demo.planning import DEMO_TAG
    except ImportError as exc:
        error(f"the demo profile is not available ({exc}); starting without demo data")
        return None
    from supportdesk.catalog.models import Product
    from supportdesk.tickets.models import Ticket

    if not Ticket.objects.filter(tags__name=DEMO_TAG).exists():
        if Ticket.objects.exists() or Product.objects.exists():
            print(
                f"The database already holds data: no demo loaded (`{PROG} demo` adds it).",
                file=out,
            )
            return None
        print("Loading the demo profile (first start only)...", file=out, flush=True)
        demo.load_demo(stdout=out)
    accounts: list[Account] = demo.ensure_demo_accounts()
    return accounts


def print_accounts(accounts: Sequence[Account], out: TextIO) -> None:
    width = max(len(role) for role, _, _ in accounts) + len(" account:")
    for role, username, password in accounts:
        label = f"{role} account:"
        print(f"  {label:<{width}}  {username} / {password}", file=out)


def print_welcome(*, bind: str, accounts: Sequence[Account] | None, out: TextIO) -> None:
    address = parse_bind(bind)
    lines = ["", "supportdesk is running."]
    if address is not None:
        root = site_root(*address)
        lines += [f"  Open:  {root}", f"  Admin: {root}admin/"]
    else:
        lines.append(f"  Listening on {bind}")
    lines.append(f"  Mail out: {describe_mail_delivery()}")
    print("\n".join(lines), file=out)
    if accounts:
        print_accounts(accounts, out)
    else:
        print(
            f"  No demo accounts: create an administrator with `{PROG} manage createsuperuser`.",
            file=out,
        )
    print("Press Ctrl-C to stop.\n", file=out, flush=True)


def describe_mail_delivery() -> str:
    from django.conf import settings

    product = settings.SUPPORTDESK
    if product["MAIL_DELIVERY"] == "file":
        return (
            f"written to {product['MAIL_OUTBOX_DIR']} as .eml files, not sent "
            "(set SUPPORTDESK_SMTP_RELAY=host:port to send it)"
        )
    host, port = product["SMTP_RELAY"]
    return f"sent through the smarthost {host}:{port}"


def run_command(args: argparse.Namespace) -> int:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    out = sys.stdout
    bind: str = args.bind or settings.SUPPORTDESK["WEB_BIND"]
    workers: int = settings.SUPPORTDESK["WEB_WORKERS"]
    task_workers: int = settings.SUPPORTDESK["TASK_WORKERS"]
    address = parse_bind(bind)
    if address is not None:
        require_free_port(*address, bind)
        # Links in mail (request tool, upload links) point at the address being served,
        # unless the site's public address is set.
        os.environ.setdefault("SUPPORTDESK_SITE_URL", site_root(*address))
    ensure_data_dirs()
    require_database()
    apply_migrations(out)
    accounts = None if args.no_demo else prepare_demo(out)
    # Served by whitenoise from here; quiet, and fast when nothing changed.
    call_command("collectstatic", interactive=False, verbosity=0)
    connections.close_all()

    print(
        f"Starting the web server on {bind} ({workers} workers), "
        f"{task_workers} task worker{'s' if task_workers > 1 else ''} "
        "and the service-level scheduler...",
        file=out,
        flush=True,
    )
    supervisor = Supervisor(
        process_specs(bind=bind, workers=workers, task_workers=task_workers), output=out
    )
    return supervisor.run(on_ready=lambda: print_welcome(bind=bind, accounts=accounts, out=out))


def web_command(args: argparse.Namespace) -> int:
    from django.conf import settings
    from django.db import connections

    bind: str = args.bind or settings.SUPPORTDESK["WEB_BIND"]
    workers: int = args.workers or settings.SUPPORTDESK["WEB_WORKERS"]
    parse_bind(bind)
    ensure_data_dirs()
    require_database()
    argv = web_argv(bind=bind, workers=workers)
    connections.close_all()
    sys.stdout.flush()
    sys.stderr.flush()
    # Replaced by gunicorn: signals from a process manager go straight to its master.
    os.execv(argv[0], argv)  # noqa: S606 - our own argv, no shell involved
    return EXIT_OK  # pragma: no cover - execv does not return


def worker_command(args: argparse.Namespace) -> int:
    from django.utils.crypto import get_random_string

    from supportdesk.core.worker import Worker

    if args.interval < 0:
        raise CommandFailed("--interval: expected zero or more seconds", EXIT_USAGE)
    ensure_data_dirs()
    require_database()
    # No autoreload: a supervisor (ours, systemd, Kubernetes) restarts the worker instead.
    worker = Worker(
        queue_names=args.queues.split(","),
        interval=args.interval,
        batch=False,
        backend_name="default",
        startup_delay=True,
        max_tasks=None,
        worker_id=get_random_string(32),
        excluded_queue_names=[],
    )
    worker.configure_signals()
    worker.run()
    return EXIT_OK


def migrate_command(args: argparse.Namespace) -> int:
    from django.core.management import call_command

    ensure_data_dirs()
    require_database()
    call_command("migrate", interactive=False)
    return EXIT_OK


def demo_command(args: argparse.Namespace) -> int:
    if in_production() and not args.force:
        raise CommandFailed(
            "SUPPORTDESK_PRODUCTION is on: the demo adds accounts with known passwords "
            "(use --force if you mean it)",
            EXIT_USAGE,
        )
    try:
        from supportdesk import demo
    except ImportError as exc:
        raise CommandFailed(f"the demo profile is not available ({exc})") from None
    ensure_data_dirs()
    require_database()
    apply_migrations(sys.stdout)
    demo.load_demo(tickets=args.tickets, stdout=sys.stdout)
    print("Demo accounts:")
    print_accounts(demo.ensure_demo_accounts(), sys.stdout)
    return EXIT_OK


def check_command(args: argparse.Namespace) -> int:
    from django.conf import settings
    from django.core.management import call_command
    from django.core.management.base import CommandError

    try:
        call_command("check", deploy=args.deploy)
    except CommandError as exc:
        raise CommandFailed(f"system checks failed: {one_line(exc)}") from None
    require_database()
    pending = pending_migrations()
    product = settings.SUPPORTDESK
    rows = [
        ("database", describe_database()),
        ("migrations", f"{pending} to apply: run `{PROG} migrate`" if pending else "applied"),
        ("data dir", str(settings.DATA_DIR)),
        ("media", str(settings.MEDIA_ROOT)),
        ("tasks", settings.TASKS["default"]["BACKEND"]),
        ("web", f"{product['WEB_BIND']}, {product['WEB_WORKERS']} sync workers"),
        ("site URL", settings.SITE_URL),
        ("mail out", describe_mail_delivery()),
        ("time zone", settings.TIME_ZONE),
        ("production", "yes" if in_production() else "no (embedded default)"),
    ]
    for label, value in rows:
        print(f"{label + ':':<12} {value}")
    if pending:
        return EXIT_ERROR
    print("Configuration OK.")
    return EXIT_OK


def manage(arguments: Sequence[str]) -> int:
    from django.core.management import execute_from_command_line

    ensure_data_dirs()
    execute_from_command_line([f"{PROG} manage", *arguments])
    return EXIT_OK
