"""The `supportdesk-request` command: send a request, follow a ticket, manage the outbox and
the configuration. Machine-readable with --json (one JSON object on stdout, nothing else)."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from supportdesk_request import __version__
from supportdesk_request.collect import ProductInfoError
from supportdesk_request.config import ConfigError, load_config
from supportdesk_request.document import FREQUENCIES, TYPES, URGENCIES, DocumentError
from supportdesk_request.local_commands import cmd_config, cmd_queue
from supportdesk_request.output import Output
from supportdesk_request.send_command import cmd_send
from supportdesk_request.sending import TRANSPORTS
from supportdesk_request.server import (
    EXIT_CANCELLED,
    EXIT_INVALID,
    EXIT_OK,
    EXIT_UNEXPECTED,
    ToolError,
)
from supportdesk_request.texts import LANGUAGES, pick_language
from supportdesk_request.ticket_commands import cmd_not_satisfied, cmd_reply, cmd_status

EXIT_CODES = f"""\
exit codes:
  {EXIT_OK}    sent (or written, or nothing to do)
  {EXIT_UNEXPECTED}    unexpected error
  2    usage error, or the request is incomplete or invalid (checked locally)
  3    refused by the server (every problem printed, by field) or by the mail server
  4    authentication failed (API token, or SMTP login)
  5    the server could not be reached: the request was saved in the outbox and will
       be sent by `supportdesk-request queue send` (or the next `send`)
  {EXIT_CANCELLED}  cancelled
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="supportdesk-request",
        description=(
            "Send a complete support request (supportdesk request v1) over the API, over SMTP, "
            "or as an .eml file; follow your tickets."
        ),
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", help="one JSON object on stdout")
    common.add_argument("--no-input", action="store_true", help="never ask anything")
    common.add_argument(
        "--ui-language",
        choices=LANGUAGES,
        help="the tool's language (default: the request's, the configured one, the locale's)",
    )

    send = commands.add_parser(
        "send",
        parents=[common],
        help="send a request (asks for what is missing unless --no-input)",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    send.add_argument(
        "--from-file",
        type=Path,
        metavar="FILE",
        help="the fields, TOML or JSON ('-': standard input)",
    )
    fields = send.add_argument_group("the request's fields (override --from-file)")
    fields.add_argument("--subject", help="one line")
    fields.add_argument("--type", choices=TYPES)
    fields.add_argument("--product", metavar="CODE", help="product code, e.g. windev")
    fields.add_argument("--product-version", metavar="VERSION")
    fields.add_argument("--build")
    fields.add_argument("--edition")
    fields.add_argument("--description")
    fields.add_argument("--expected", help="what should happen")
    fields.add_argument("--actual", help="what happens instead")
    fields.add_argument("--step", action="append", metavar="STEP", help="repeat, in order")
    fields.add_argument("--frequency", choices=FREQUENCIES)
    fields.add_argument("--error-text", help="the exact error message")
    fields.add_argument(
        "--error-file", type=Path, metavar="FILE", help="the error text, from a file"
    )
    fields.add_argument("--workarounds", help="what you tried already")
    fields.add_argument(
        "--code-file", type=Path, metavar="FILE", help="a code extract (<= 30 lines)"
    )
    fields.add_argument("--urgency", choices=URGENCIES)
    fields.add_argument("--last-working-version", metavar="VERSION")
    fields.add_argument("--related", metavar="REF", help="follow-up of this ticket")
    fields.add_argument("--language", choices=("en", "es", "fr"), help="of the answer")
    fields.add_argument("--email", help="default: the configured one")
    fields.add_argument("--customer-number")
    fields.add_argument("--serial", help="licence serial number")
    fields.add_argument(
        "--attach",
        action="append",
        metavar="PATH[:ROLE]",
        help="repeat; ROLE: screenshot, log, dump or project (guessed from the name)",
    )
    collected = send.add_argument_group("collected information")
    collected.add_argument(
        "--product-info",
        metavar="FILE|JSON",
        help="product information from the caller (also $SUPPORTDESK_REQUEST_PRODUCT_INFO)",
    )
    collected.add_argument("--no-collect", action="store_true", help="collect nothing")
    collected.add_argument(
        "--omit", action="append", default=[], metavar="KEY", help="e.g. environment.memory_mb"
    )
    how = send.add_argument_group("how to send")
    how.add_argument("--transport", choices=TRANSPORTS, default="api")
    how.add_argument("--out", type=Path, metavar="FILE", help="the .eml file (--transport eml)")
    how.add_argument("--to", metavar="ADDRESS", help="the support address (eml, smtp)")
    how.add_argument("--compress", action="store_true", help="zip files over the size limit")
    how.add_argument(
        "--show-similar", action="store_true", help="look up similar solved requests first"
    )
    how.add_argument("--dry-run", action="store_true", help="show the request (JSON), send nothing")

    status = commands.add_parser("status", parents=[common], help="your tickets, or one")
    status.add_argument("reference", nargs="?")

    reply = commands.add_parser("reply", parents=[common], help="add a message to a ticket")
    reply.add_argument("reference")
    text = reply.add_mutually_exclusive_group(required=True)
    text.add_argument("--text")
    text.add_argument("--file", type=Path, help="the message's text, from a file")
    reply.add_argument("--attach", action="append", metavar="PATH", default=[])

    unhappy = commands.add_parser(
        "not-satisfied",
        parents=[common],
        help="ask for a second look: your question, the answer and your comment go together",
    )
    unhappy.add_argument("reference")
    unhappy.add_argument("--comment", required=True)

    queue = commands.add_parser("queue", parents=[common], help="requests waiting to be sent")
    queue.add_argument("action", choices=("list", "send", "drop"))
    queue.add_argument("id", nargs="?", help="drop: the entry to delete")

    config = commands.add_parser("config", parents=[common], help="your settings")
    config.add_argument("action", choices=("show", "set", "unset", "path"))
    config.add_argument("key", nargs="?")
    config.add_argument("value", nargs="?")
    return parser


def main(
    argv: Sequence[str] | None = None,
    *,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    if args.command is None:
        parser.print_help(stdout)
        return EXIT_INVALID
    output = Output(bool(getattr(args, "json", False)), stdout, stderr)
    output.language = pick_language(args.ui_language)
    # A broken configuration is reported by the command that needs it, not here.
    with contextlib.suppress(ConfigError):
        output.language = pick_language(args.ui_language, configured=load_config().language)
    handlers: dict[str, Callable[[argparse.Namespace, Output, TextIO], int]] = {
        "send": cmd_send,
        "status": cmd_status,
        "reply": cmd_reply,
        "not-satisfied": cmd_not_satisfied,
        "queue": cmd_queue,
        "config": cmd_config,
    }
    try:
        return handlers[args.command](args, output, stdin)
    except ToolError as error:
        output.note(error.message)
        output.result(
            {
                "ok": False,
                "exit_code": error.exit_code,
                "error": error.error,
                "message": error.message,
                "problems": error.problems,
            }
        )
        return error.exit_code
    except (ConfigError, DocumentError, ProductInfoError) as error:
        output.note(str(error))
        output.result(
            {"ok": False, "exit_code": EXIT_INVALID, "error": "invalid", "message": str(error)}
        )
        return EXIT_INVALID
    except KeyboardInterrupt:
        output.note("cancelled")
        output.result({"ok": False, "exit_code": EXIT_CANCELLED, "error": "cancelled"})
        return EXIT_CANCELLED
    except Exception as error:  # a bug: one line for people, the traceback on request
        if os.environ.get("SUPPORTDESK_REQUEST_DEBUG"):
            traceback.print_exc(file=stderr)
        message = f"unexpected error: {type(error).__name__}: {error}"
        output.note(message + " (SUPPORTDESK_REQUEST_DEBUG=1 shows where)")
        output.result(
            {"ok": False, "exit_code": EXIT_UNEXPECTED, "error": "unexpected", "message": message}
        )
        return EXIT_UNEXPECTED
