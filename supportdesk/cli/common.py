"""What every subcommand shares: exit codes, the error that stops a command, argument types,
and the steps that turn a broken environment into one clear line (data directories, the
database connection, pending migrations)."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import TextIO

from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool

PROG = "supportdesk"
EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_TEMPFAIL = 75  # sysexits EX_TEMPFAIL: an MTA keeps the message and retries


class CommandFailed(Exception):
    """Stop the command with a message on stderr and an exit code."""

    def __init__(self, message: str, code: int = EXIT_ERROR) -> None:
        self.code = code
        super().__init__(message)


# -- messages ---------------------------------------------------------------------------------


def error(message: str) -> None:
    print(f"{PROG}: {message}", file=sys.stderr)


def one_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return " ".join(lines) or type(exc).__name__


def migrate_hint(exc: BaseException) -> str:
    text = str(exc).lower()
    if "no such table" in text or ("relation" in text and "does not exist" in text):
        return f" (has `{PROG} migrate` run on this database?)"
    return ""


def usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return EXIT_USAGE


# -- argument types ---------------------------------------------------------------------------


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, got {text}")
    return value


# -- shared steps -----------------------------------------------------------------------------


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
            f"configuration error: DATABASE_URL: {one_line(exc)}", EXIT_USAGE
        ) from None
    except OperationalError as exc:
        raise CommandFailed(
            f"cannot reach the database ({describe_database()}; DATABASE_URL): {one_line(exc)}",
            EXIT_USAGE,
        ) from None


def pending_migrations() -> int:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def apply_migrations(out: TextIO) -> None:
    from django.core.management import call_command

    from supportdesk.core.db import refresh_planner_statistics

    pending = pending_migrations()
    if pending:
        print(f"Applying {pending} database migrations...", file=out, flush=True)
        call_command("migrate", interactive=False, verbosity=0)
    refresh_planner_statistics()


def in_production() -> bool:
    return env_bool("SUPPORTDESK_PRODUCTION", False)
