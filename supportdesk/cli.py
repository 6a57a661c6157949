"""The `supportdesk` command line: every process of the product, and tickets for operators.

Thin on purpose: each subcommand parses its arguments, calls a selector, a service or the
supervisor, and prints. Django is set up only after the arguments are parsed, so `--help` works
with a broken environment, and a bad setting becomes one line on stderr (exit 2) instead of a
traceback. Exit codes: 0 ok, 1 not found or refused by the domain, 2 usage or configuration.

Django models are imported inside the handlers: they cannot be imported before django.setup().
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import socket
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError

from config.env import env_bool
from supportdesk.core.errors import DomainError, InvalidInput
from supportdesk.core.supervisor import ProcessSpec, Supervisor, port_accepts_connections

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from supportdesk.tickets.models import Ticket
    from supportdesk.tickets.selectors import TicketDetail, TicketFilters

PROG = "supportdesk"
EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
DEFAULT_DEMO_TICKETS = 300

Account = tuple[str, str, str]


class CommandFailed(Exception):
    """Stop the command with a message on stderr and an exit code."""

    def __init__(self, message: str, code: int = EXIT_ERROR) -> None:
        self.code = code
        super().__init__(message)


# -- entry point ------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["manage"]:
        # Handed to Django untouched: its own options (--help included) are not ours to parse.
        return _dispatch(lambda: manage(arguments[1:]))
    parser = build_parser()
    try:
        args = parser.parse_args(arguments)
    except SystemExit as exc:
        return _exit_code(exc)
    return _dispatch(lambda: args.handler(args))


def _dispatch(handler: Callable[[], int]) -> int:
    try:
        setup_django()
        return handler()
    except CommandFailed as exc:
        _error(str(exc))
        return exc.code
    except ImproperlyConfigured as exc:
        _error(f"configuration error: {_one_line(exc)}")
        return EXIT_USAGE
    except InvalidInput as exc:
        _error(str(exc))
        return EXIT_USAGE
    except DomainError as exc:
        _error(str(exc))
        return EXIT_ERROR
    except DatabaseError as exc:
        _error(f"database error: {_one_line(exc)}{_migrate_hint(exc)}")
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `supportdesk ticket list | head`: the reader left; say nothing more.
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_ERROR
    except SystemExit as exc:
        return _exit_code(exc)


def setup_django() -> None:
    import django
    from django.apps import apps

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # The web server's settings come from the environment too; reading them here turns a
    # bad value into the same one-line error as any other setting.
    import config.gunicorn_conf  # noqa: F401

    if not apps.ready:
        django.setup()


def _error(message: str) -> None:
    print(f"{PROG}: {message}", file=sys.stderr)


def _one_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return " ".join(lines) or type(exc).__name__


def _migrate_hint(exc: BaseException) -> str:
    text = str(exc).lower()
    if "no such table" in text or ("relation" in text and "does not exist" in text):
        return f" (has `{PROG} migrate` run on this database?)"
    return ""


def _exit_code(exc: SystemExit) -> int:
    if exc.code is None:
        return EXIT_OK
    if isinstance(exc.code, int):
        return exc.code
    print(exc.code, file=sys.stderr)
    return EXIT_ERROR


# -- arguments --------------------------------------------------------------------------------


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="supportdesk, the technical-support desk. Settings come from environment "
        "variables (see the README); with none set it runs on SQLite under ./var.",
    )
    parser.set_defaults(handler=lambda args: _usage(parser))
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help="everything on one machine: migrate, demo data, web server and task worker",
        description="Migrate the database, load the demo profile into an empty database, then "
        "run the web server and a task worker as one supervised group until Ctrl-C.",
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
        "--workers", type=_positive_int, help="worker processes (default: SUPPORTDESK_WEB_WORKERS)"
    )
    web.set_defaults(handler=web_command)

    worker = commands.add_parser("worker", help="a background task worker alone")
    worker.add_argument(
        "--queues", default="*", help="comma-separated queue names, or * for all (default: *)"
    )
    worker.add_argument(
        "--interval", type=float, default=1.0, help="seconds between polls when idle"
    )
    worker.set_defaults(handler=worker_command)

    migrate = commands.add_parser("migrate", help="create or update the database tables")
    migrate.set_defaults(handler=migrate_command)

    demo = commands.add_parser(
        "demo", help="load the demo profile (idempotent) and print the demo accounts"
    )
    demo.add_argument(
        "--tickets", type=_positive_int, default=DEFAULT_DEMO_TICKETS, help="tickets to generate"
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

    commands.add_parser(
        "manage",
        help="any Django management command, e.g. `supportdesk manage createsuperuser`",
        add_help=False,
    )

    ticket = commands.add_parser("ticket", help="list and show tickets (for scripts, --json)")
    ticket.set_defaults(handler=lambda args: _usage(ticket))
    ticket_commands = ticket.add_subparsers(title="ticket commands", metavar="COMMAND")

    listing = ticket_commands.add_parser("list", help="tickets, newest first, one page at a time")
    listing.add_argument(
        "--status",
        action="append",
        default=[],
        metavar="STATUS",
        help="new, open, pending, rereview, solved or closed (repeatable)",
    )
    listing.add_argument("--unresolved", action="store_true", help="new, open, pending or rereview")
    listing.add_argument("--team", metavar="SLUG", help="in this team's queue")
    listing.add_argument("--assignee", metavar="USERNAME", help="assigned to this technician")
    listing.add_argument("--product", metavar="CODE", help="about this product, e.g. windev")
    listing.add_argument("--requester", metavar="EMAIL", help="sent by the contact with this email")
    listing.add_argument(
        "--organization", metavar="CUSTOMER_NUMBER", help="of this customer organization"
    )
    listing.add_argument(
        "--limit", metavar="N", type=_positive_int, default=20, help="page size (default 20)"
    )
    listing.add_argument(
        "--before", metavar="NUMBER", help="next page: tickets older than this number"
    )
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(handler=ticket_list_command)

    show = ticket_commands.add_parser(
        "show", help="one ticket with its messages, attachments and audit trail"
    )
    show.add_argument("ref", metavar="REF", help="e.g. SD-100001")
    show.add_argument("--json", action="store_true", help="print JSON")
    show.set_defaults(handler=ticket_show_command)
    return parser


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return EXIT_USAGE


# -- shared steps ---------------------------------------------------------------------------


def ensure_data_dirs() -> None:
    from django.conf import settings

    for name, path in (
        ("SUPPORTDESK_DATA_DIR", Path(settings.DATA_DIR)),
        ("SUPPORTDESK_MEDIA_ROOT", Path(settings.MEDIA_ROOT)),
    ):
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CommandFailed(
                f"configuration error: {name}: cannot create {path} ({exc.strerror})", EXIT_USAGE
            ) from None


def describe_database() -> str:
    from django.db import connection

    config = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"SQLite {config['NAME']}"
    host = config.get("HOST") or "localhost"
    port = f":{config['PORT']}" if config.get("PORT") else ""
    user = f"{config['USER']}@" if config.get("USER") else ""
    return f"PostgreSQL {user}{host}{port}/{config.get('NAME') or ''}"


def require_database() -> None:
    """Connect once, so an unreachable database is one clear line, not a traceback later."""
    from django.db import OperationalError, connection

    try:
        connection.ensure_connection()
    except ImproperlyConfigured as exc:
        raise CommandFailed(
            f"configuration error: DATABASE_URL: {_one_line(exc)}", EXIT_USAGE
        ) from None
    except OperationalError as exc:
        raise CommandFailed(
            f"cannot reach the database ({describe_database()}; DATABASE_URL): {_one_line(exc)}",
            EXIT_USAGE,
        ) from None


def pending_migrations() -> int:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def apply_migrations(out: TextIO) -> None:
    from django.core.management import call_command

    pending = pending_migrations()
    if pending:
        print(f"Applying {pending} database migrations...", file=out, flush=True)
        call_command("migrate", interactive=False, verbosity=0)


def in_production() -> bool:
    return env_bool("SUPPORTDESK_PRODUCTION", False)


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


def process_specs(*, bind: str, workers: int) -> list[ProcessSpec]:
    """The processes of `supportdesk run`. The mail listener, the mail fetcher and the phone
    front door join this list as they are built."""
    address = parse_bind(bind)
    ready = port_accepts_connections(*address) if address is not None else None
    return [
        ProcessSpec("web", web_argv(bind=bind, workers=workers), ready_check=ready),
        ProcessSpec("worker", worker_argv()),
    ]


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
        _error(f"the demo profile is not available ({exc}); starting without demo data")
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
    print("\n".join(lines), file=out)
    if accounts:
        print_accounts(accounts, out)
    else:
        print(
            f"  No demo accounts: create an administrator with `{PROG} manage createsuperuser`.",
            file=out,
        )
    print("Press Ctrl-C to stop.\n", file=out, flush=True)


def run_command(args: argparse.Namespace) -> int:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    out = sys.stdout
    bind: str = args.bind or settings.SUPPORTDESK["WEB_BIND"]
    workers: int = settings.SUPPORTDESK["WEB_WORKERS"]
    address = parse_bind(bind)
    if address is not None:
        require_free_port(*address, bind)
    ensure_data_dirs()
    require_database()
    apply_migrations(out)
    accounts = None if args.no_demo else prepare_demo(out)
    # Served by whitenoise from here; quiet, and fast when nothing changed.
    call_command("collectstatic", interactive=False, verbosity=0)
    connections.close_all()

    print(
        f"Starting the web server on {bind} ({workers} workers) and a task worker...",
        file=out,
        flush=True,
    )
    supervisor = Supervisor(process_specs(bind=bind, workers=workers), output=out)
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
    from django.core.management import call_command

    ensure_data_dirs()
    require_database()
    # No autoreload: a supervisor (ours, systemd, Kubernetes) restarts the worker instead.
    call_command(
        "db_worker",
        "--queue-name",
        args.queues,
        "--interval",
        str(args.interval),
        "--no-reload",
    )
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
        raise CommandFailed(f"system checks failed: {_one_line(exc)}") from None
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


# -- tickets ----------------------------------------------------------------------------------


def _resolve_filters(args: argparse.Namespace) -> TicketFilters:
    from supportdesk.accounts.models import ContactEmail, Organization, Team, Technician
    from supportdesk.catalog.models import Product
    from supportdesk.tickets.choices import Status
    from supportdesk.tickets.selectors import TicketFilters

    unknown = [s for s in args.status if s not in Status.values]
    if unknown:
        raise CommandFailed(
            f"--status: unknown {', '.join(repr(s) for s in unknown)} "
            f"(expected {', '.join(Status.values)})",
            EXIT_USAGE,
        )

    return TicketFilters(
        statuses=tuple(args.status),
        unresolved=args.unresolved,
        team_id=_find_id("team", args.team, Team.objects.filter(slug=args.team)),
        assignee_id=_find_id(
            "technician", args.assignee, Technician.objects.filter(user__username=args.assignee)
        ),
        product_id=_find_id(
            "product", args.product, Product.objects.filter(code__iexact=args.product)
        ),
        requester_id=_find_id(
            "contact with the email",
            args.requester,
            ContactEmail.objects.filter(address__iexact=args.requester),
            column="contact_id",
        ),
        organization_id=_find_id(
            "organization",
            args.organization,
            Organization.objects.filter(customer_number=args.organization),
        ),
    )


def _find_id(
    kind: str, value: str | None, rows: QuerySet[Any], *, column: str = "id"
) -> int | None:
    """The id behind a name given on the command line; "no team 'xyz'" when there is none."""
    if value is None:
        return None
    found: int | None = rows.values_list(column, flat=True).first()
    if found is None:
        raise CommandFailed(f"no {kind} {value!r}")
    return found


def ticket_list_command(args: argparse.Namespace) -> int:
    from supportdesk.accounts.actors import SYSTEM
    from supportdesk.tickets.references import parse_reference
    from supportdesk.tickets.selectors import list_tickets
    from supportdesk.tickets.serializers import ticket_summary

    ensure_data_dirs()
    require_database()
    before = None
    if args.before is not None:
        before = parse_reference(args.before)
        if before is None:
            raise CommandFailed(f"--before: expected a ticket number, got {args.before!r}", 2)
    filters = _resolve_filters(args)
    page = list_tickets(viewer=SYSTEM, filters=filters, limit=args.limit, before=before)
    if args.json:
        data = {
            "tickets": [ticket_summary(t) for t in page.tickets],
            "next_before": page.next_before,
        }
        _print_json(data)
        return EXIT_OK
    if not page.tickets:
        print("No tickets.")
        return EXIT_OK
    print_ticket_table(page.tickets, sys.stdout)
    if page.next_before is not None:
        print(f"\nMore: add --before {page.next_before}")
    return EXIT_OK


def ticket_show_command(args: argparse.Namespace) -> int:
    from supportdesk.accounts.actors import SYSTEM
    from supportdesk.tickets.access import access_ticket
    from supportdesk.tickets.selectors import get_ticket_detail
    from supportdesk.tickets.serializers import ticket_detail

    ensure_data_dirs()
    require_database()
    # Operators see every ticket: the command line runs with the database's own rights.
    ticket = access_ticket(SYSTEM, args.ref)
    detail = get_ticket_detail(viewer=SYSTEM, ticket=ticket)
    if args.json:
        _print_json(ticket_detail(detail))
    else:
        print_ticket_detail(ticket_detail(detail), detail, sys.stdout)
    return EXIT_OK


def _print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def _local(value: Any) -> str:
    from django.utils import timezone

    if value is None:
        return "-"
    return str(timezone.localtime(value).strftime("%Y-%m-%d %H:%M"))


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: max(1, width - 1)] + "…"


def print_ticket_table(tickets: Sequence[Ticket], out: TextIO) -> None:
    columns = ("REF", "STATUS", "PRIORITY", "CREATED", "TEAM", "ASSIGNEE", "REQUESTER")
    rows = [
        (
            t.reference,
            t.status,
            t.priority,
            _local(t.created_at),
            t.team.slug if t.team else "-",
            _clip(t.assignee.display_name, 20) if t.assignee else "-",
            _clip(t.requester.name, 24),
        )
        for t in tickets
    ]
    widths = [max(len(columns[i]), *(len(r[i]) for r in rows)) for i in range(len(columns))]
    used = sum(widths) + 2 * len(widths)
    subject_width = max(30, shutil.get_terminal_size((120, 24)).columns - used)

    def line(cells: Sequence[str], subject: str) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + "  " + subject

    print(line(columns, "SUBJECT"), file=out)
    for ticket, row in zip(tickets, rows, strict=True):
        print(line(row, _clip(ticket.subject, subject_width)), file=out)


def _size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{size} B"  # pragma: no cover


def _plain(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_plain(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_plain(v) for v in value) + "]"
    return str(value)


def print_ticket_detail(data: dict[str, Any], detail: TicketDetail, out: TextIO) -> None:
    ticket = detail.ticket
    requester = data["requester"]
    who = requester["name"] + (f" <{requester['email']}>" if requester.get("email") else "")
    if data["organization"]:
        who += f", {data['organization']['name']} ({data['organization']['customer_number']})"
    product = "-"
    if data["product"]:
        product = data["product"]["name"] + (
            f" {data['product_version']}" if data["product_version"] else ""
        )
    fields = [
        ("Status", ticket.get_status_display()),
        ("Priority", ticket.get_priority_display()),
        ("Category", ticket.get_category_display()),
        ("Requester", who),
        ("Product", product),
        ("Plan", data["plan"] or "-"),
        ("Channel", ticket.get_channel_display()),
        ("Language", ticket.language),
        ("Team", data["team"]["name"] if data["team"] else "-"),
        ("Assignee", data["assignee"]["name"] if data["assignee"] else "-"),
        ("Tags", ", ".join(data["tags"]) or "-"),
        ("Created", _local(ticket.created_at)),
        ("Updated", _local(ticket.updated_at)),
    ]
    if ticket.merged_into is not None:
        fields.append(("Merged into", ticket.merged_into.reference))
    if ticket.rereview_count:
        fields.append(("Re-reviews", str(ticket.rereview_count)))
    print(f"{ticket.reference}  {ticket.subject}", file=out)
    for label, value in fields:
        print(f"  {label + ':':<11} {value}", file=out)

    print(f"\nMessages ({len(detail.messages)})", file=out)
    for message in detail.messages:
        author = message.author_technician or message.author_contact
        name = getattr(author, "display_name", None) or getattr(author, "name", "system")
        print(
            f"\n--- {message.get_kind_display()} · {name} · {message.get_channel_display()} · "
            f"{_local(message.created_at)}",
            file=out,
        )
        print(message.body_text.rstrip(), file=out)
        for attachment in message.attachments.all():
            state = (
                f"removed: {attachment.removed_reason}"
                if attachment.blob_id is None
                else f"sha256 {attachment.sha256[:12]}"
            )
            print(
                f"  [attachment] {attachment.filename} ({_size(attachment.size)}, "
                f"{attachment.content_type}, {state})",
                file=out,
            )

    print(f"\nAudit trail ({len(detail.events)})", file=out)
    for event in detail.events:
        extra = ", ".join(f"{k}={_plain(v)}" for k, v in sorted(event.data.items()))
        print(
            f"  {_local(event.created_at)}  {event.actor_name}: {event.get_kind_display()}"
            + (f" ({extra})" if extra else ""),
            file=out,
        )


if __name__ == "__main__":
    sys.exit(main())
