"""The `supportdesk` command line: every process of the product, and tickets for operators.

Thin on purpose: each subcommand parses its arguments, calls a selector, a service or the
supervisor, and prints. Django is set up only after the arguments are parsed, so `--help` works
with a broken environment, and a bad setting becomes one line on stderr (exit 2) instead of a
traceback. Exit codes: 0 ok, 1 not found or refused by the domain, 2 usage or configuration.

Django models are imported inside the handlers: they cannot be imported before django.setup().

    parser.py     the argument tree
    common.py     exit codes, CommandFailed, the checks every command shares
    processes.py  run, web, worker, migrate, demo, check, manage
    tickets.py    ticket list, ticket show
    sla.py        sla sweep (and periodic.py, its loop)
    tokens.py     token create, list, revoke (customers' API tokens)
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Sequence

from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError

from supportdesk.cli.common import (
    EXIT_ERROR,
    EXIT_OK,
    EXIT_USAGE,
    CommandFailed,
    error,
    migrate_hint,
    one_line,
)
from supportdesk.cli.parser import build_parser
from supportdesk.cli.processes import manage
from supportdesk.core.errors import DomainError, InvalidInput

__all__ = ["main"]


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
    return _dispatch(lambda: args.handler(args), failure_exit=getattr(args, "failure_exit", None))


def _dispatch(handler: Callable[[], int], *, failure_exit: int | None = None) -> int:
    """Run a command; a failure it did not handle itself exits with the command's own
    `failure_exit` when it has one (`mail ingest`: 75, so the MTA retries)."""
    try:
        setup_django()
        return handler()
    except CommandFailed as exc:
        error(str(exc))
        return failure_exit or exc.code
    except ImproperlyConfigured as exc:
        error(f"configuration error: {one_line(exc)}")
        return failure_exit or EXIT_USAGE
    except InvalidInput as exc:
        error(str(exc))
        return failure_exit or EXIT_USAGE
    except DomainError as exc:
        error(str(exc))
        return failure_exit or EXIT_ERROR
    except DatabaseError as exc:
        error(f"database error: {one_line(exc)}{migrate_hint(exc)}")
        return failure_exit or EXIT_ERROR
    except KeyboardInterrupt:
        return failure_exit or 130
    except BrokenPipeError:
        # `supportdesk ticket list | head`: the reader left; say nothing more.
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return failure_exit or EXIT_ERROR
    except SystemExit as exc:
        return _exit_code(exc)
    except Exception as exc:
        if failure_exit is None:
            raise
        error(f"{type(exc).__name__}: {one_line(exc)}")
        return failure_exit


def setup_django() -> None:
    import django
    from django.apps import apps

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # The web server's settings come from the environment too; reading them here turns a
    # bad value into the same one-line error as any other setting.
    import config.gunicorn_conf  # noqa: F401

    if not apps.ready:
        django.setup()


def _exit_code(exc: SystemExit) -> int:
    if exc.code is None:
        return EXIT_OK
    if isinstance(exc.code, int):
        return exc.code
    print(exc.code, file=sys.stderr)
    return EXIT_ERROR
