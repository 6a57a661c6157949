"""The `supportdesk-request` command: send a request, follow a ticket, manage the outbox and
the configuration. Machine-readable with --json (one JSON object on stdout, nothing else)."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from supportdesk_request import __version__, outbox
from supportdesk_request.collect import (
    ProductInfoError,
    collect_machine,
    collect_product,
    read_product_info,
)
from supportdesk_request.config import (
    Config,
    ConfigError,
    config_path,
    load_config,
    set_value,
    shown_settings,
    unset_value,
)
from supportdesk_request.document import (
    FILES_KEY,
    FREQUENCIES,
    TYPES,
    URGENCIES,
    DocumentError,
    build_draft,
    get_path,
    merge_collected,
    missing_fields,
    parse_attach,
    public_document,
    read_request_file,
    set_path,
)
from supportdesk_request.masking import mask_secrets
from supportdesk_request.rendering import render_request_text
from supportdesk_request.sending import TRANSPORTS, deliver_outbox, fetch_policy, send_document
from supportdesk_request.server import (
    EXIT_CANCELLED,
    EXIT_INVALID,
    EXIT_OK,
    EXIT_QUEUED,
    EXIT_UNEXPECTED,
    ApiClient,
    Cancelled,
    FilePart,
    Invalid,
    ToolError,
)
from supportdesk_request.texts import NO, YES, pick_language, text
from supportdesk_request.values import CollectedItem, Sent, Similar

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

# Flag -> document path, for the flags holding one text each.
TEXT_FIELDS: dict[str, str] = {
    "subject": "subject",
    "type": "type",
    "product": "product.code",
    "product_version": "product.version",
    "build": "product.build",
    "edition": "product.edition",
    "description": "description",
    "expected": "expected",
    "actual": "actual",
    "frequency": "frequency",
    "error_text": "error_text",
    "workarounds": "workarounds",
    "urgency": "urgency",
    "last_working_version": "last_working_version",
    "related": "related_ticket",
    "language": "language",
    "email": "customer.email",
    "customer_number": "customer.customer_number",
    "serial": "customer.serial",
}


class Output:
    """Where messages go: people read stderr and stdout; with --json, stdout carries only
    the final object."""

    def __init__(self, json_mode: bool, stdout: TextIO, stderr: TextIO) -> None:
        self.json_mode = json_mode
        self.stdout = stdout
        self.stderr = stderr
        self.language = pick_language()

    def text(self, key: str, **values: Any) -> str:
        return text(key, self.language, **values)

    def say(self, text: str) -> None:
        print(text, file=self.stderr if self.json_mode else self.stdout)

    def note(self, text: str) -> None:
        print(f"supportdesk-request: {text}", file=self.stderr)

    def result(self, payload: dict[str, Any]) -> None:
        if self.json_mode:
            print(json.dumps(payload, ensure_ascii=False), file=self.stdout)


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
    # A broken configuration is reported by the command that needs it, not here.
    with contextlib.suppress(ConfigError):
        output.language = pick_language(load_config().language)
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


def _input_allowed(args: argparse.Namespace, stdin: TextIO) -> bool:
    return not args.no_input and not args.json and stdin.isatty()


# send ------------------------------------------------------------------------------------


def flag_layer(args: argparse.Namespace) -> dict[str, Any]:
    """The fields given as flags, as a partial document."""
    layer: dict[str, Any] = {}
    for flag, path in TEXT_FIELDS.items():
        value = getattr(args, flag)
        if value is not None:
            set_path(layer, path, value)
    if args.step:
        layer["steps"] = list(args.step)
    if args.error_file is not None:
        layer["error_text"] = _read_text(args.error_file, "--error-file")
    if args.code_file is not None:
        layer["code_extract"] = _read_text(args.code_file, "--code-file").rstrip("\n")
    if args.attach:
        layer[FILES_KEY] = [parse_attach(spec) for spec in args.attach]
    return layer


def _read_text(path: Path, flag: str) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError as error:
        raise Invalid(f"{flag}: cannot read {path}: {error.strerror}") from None


def collected_items(args: argparse.Namespace) -> list[CollectedItem]:
    info = read_product_info(args.product_info)
    # The caller's product information was handed over on purpose; --no-collect stops
    # only what the tool would measure on the machine.
    items = collect_product(info) + ([] if args.no_collect else collect_machine(info))
    omitted = set(args.omit)
    return [
        item for item in items if item.key not in omitted and item.key.split(".")[0] not in omitted
    ]


def _files_of_draft(draft: dict[str, Any]) -> list[dict[str, Any]]:
    return [dict(entry) for entry in draft.get(FILES_KEY) or []]


def cmd_send(args: argparse.Namespace, output: Output, stdin: TextIO) -> int:
    config = load_config()
    file_layer: dict[str, Any] = {}
    if args.from_file is not None and str(args.from_file) == "-":
        # An IDE may pipe the request in: then there is no terminal to ask anything on.
        file_layer = read_request_file(Path("-"), stdin.read().encode("utf-8"))
        args.no_input = True
    elif args.from_file is not None:
        file_layer = read_request_file(args.from_file)
    flags = flag_layer(args)
    files = _files_of_draft(file_layer) + _files_of_draft(flags)
    draft = build_draft(file_layer, flags, config=config)
    output.language = pick_language(draft.get("language"))
    if files:
        draft[FILES_KEY] = files  # the file's attachments and the flags' together
    collected = collected_items(args)
    if args.transport != "eml" and not args.dry_run:
        _deliver_waiting(config, output)

    similar: list[Similar] = []
    interactive = _input_allowed(args, stdin)
    if interactive and missing_fields(merge_collected(draft, collected)):
        from supportdesk_request.wizard import run_wizard

        policy = fetch_policy(config)
        client = ApiClient(config) if config.server and config.token else None
        document = run_wizard(
            draft,
            collected,
            policy=policy,
            find_similar=client.similar if client is not None else None,
            stdin=stdin,
            stdout=output.stdout,
        )
        if document is None:
            raise Cancelled(output.text("cancelled"))
    else:
        document = mask_text_fields(merge_collected(draft, collected), output)
        missing = missing_fields(document)
        if missing:
            raise Invalid(
                output.text("incomplete", fields=", ".join(_flag_name(name) for name in missing)),
                problems=[
                    {
                        "field": "/" + name.replace(".", "/"),
                        "code": "required",
                        "message": "missing",
                    }
                    for name in missing
                ],
            )
        if (interactive or args.show_similar) and config.server and config.token:
            similar = ApiClient(config).similar(document)
            _show_similar(similar, output)
        if interactive and not args.dry_run:
            confirm_sending(document, collected, args, output, stdin)

    if args.dry_run:
        shown = public_document(document)
        if output.json_mode:
            output.result({"ok": True, "dry_run": True, "document": shown, "files": files})
        else:
            print(json.dumps(shown, indent=2, ensure_ascii=False), file=output.stdout)
        return EXIT_OK

    sent = send_document(
        document,
        config,
        transport=args.transport,
        out=args.out,
        to=args.to,
        compress=args.compress,
        note=output.note,
        language=output.language,
    )
    return _report_sent(sent, output, similar)


MASKED_FIELDS = ("description", "expected", "actual", "error_text", "workarounds", "code_extract")


def mask_text_fields(document: dict[str, Any], output: Output) -> dict[str, Any]:
    """Obvious secrets (passwords, tokens) out of the texts, as the wizard does while asking;
    the customer is told how many, never which."""
    total = 0
    for name in MASKED_FIELDS:
        if isinstance(document.get(name), str):
            document[name], count = mask_secrets(document[name])
            total += count
    if total:
        output.note(output.text("masked", count=total))
    return document


def confirm_sending(
    document: dict[str, Any],
    collected: list[CollectedItem],
    args: argparse.Namespace,
    output: Output,
    stdin: TextIO,
) -> None:
    """A complete request given on the command line is still shown before it leaves, with
    what was collected, so the customer knows what is sent (the wizard does this for the
    requests it completes)."""
    shown = public_document(document)
    print(f"Subject: {shown.get('subject')}", file=output.stdout)
    print(render_request_text(shown), file=output.stdout)
    kept = [item for item in collected if get_path(shown, item.key) == item.value]
    if kept:
        print("\n" + output.text("collected"), file=output.stdout)
        for item in kept:
            print(f"  {item.key}: {item.value}", file=output.stdout)
    files = document.get(FILES_KEY) or []
    for entry in files:
        print(f"  file: {entry.get('path')} ({entry.get('role')})", file=output.stdout)
    prompt = output.text("confirm_send", transport=args.transport)
    print("\n" + prompt, end="", file=output.stdout, flush=True)
    answer = stdin.readline()
    if not answer or answer.strip().lower() in NO:
        raise Cancelled(output.text("cancelled"))


def _flag_name(path: str) -> str:
    for flag, target in TEXT_FIELDS.items():
        if target == path:
            return "--" + flag.replace("_", "-")
    return {"steps": "--step"}.get(path, path)


def _show_similar(similar: list[Similar], output: Output) -> None:
    if not similar or output.json_mode:
        return
    print(output.text("similar"), file=output.stderr)
    for item in similar:
        reference = f"[{item.reference}] " if item.reference else ""
        print(f"  {reference}{item.title}\n    {item.url}", file=output.stderr)
        if item.excerpt:
            print(f"    {item.excerpt}", file=output.stderr)


def _report_sent(sent: Sent, output: Output, similar: list[Similar] | None = None) -> int:
    payload = {"ok": True, **sent.as_json(), "problems": []}
    if similar is not None:
        payload["similar"] = [vars(item) for item in similar]
    if sent.queued:
        output.note(output.text("queued", reason=sent.reason, id=sent.queue_id))
        payload["ok"] = False
        payload["exit_code"] = EXIT_QUEUED
        output.result(payload)
        return EXIT_QUEUED
    if sent.transport == "eml":
        output.say(output.text("written", path=sent.out, to=sent.to))
    elif sent.transport == "smtp":
        output.say(output.text("mailed", to=sent.to))
    else:
        key = "follow_up" if sent.follow_up else "ticket"
        output.say(output.text(key, reference=sent.reference, url=sent.url))
        if sent.answer_by_text:
            output.say(output.text("answer_by", when=sent.answer_by_text))
        for item in sent.attachments:
            if not item.get("kept", True):
                output.say(
                    output.text(
                        "not_kept", name=item.get("name"), reason=item.get("removed_reason")
                    )
                )
    payload["exit_code"] = EXIT_OK
    output.result(payload)
    return EXIT_OK


def _deliver_waiting(config: Config, output: Output) -> None:
    if not outbox.waiting():
        return
    try:
        deliveries = deliver_outbox(config, note=output.note)
    except ToolError as error:
        output.note(f"the requests waiting in the outbox stay there: {error.message}")
        return
    for delivery in deliveries:
        if delivery.sent is not None:
            where = delivery.sent.reference or delivery.sent.to
            output.note(f"sent the waiting request {delivery.entry_id!s} ({where})")
        elif delivery.error is not None:
            output.note(f"the waiting request {delivery.entry_id} is not sent: {delivery.error}")


# status, reply, not-satisfied ------------------------------------------------------------


def cmd_status(args: argparse.Namespace, output: Output, stdin: TextIO) -> int:
    client = ApiClient(load_config())
    if args.reference:
        ticket = client.ticket(args.reference)
        output.result({"ok": True, "ticket": ticket})
        if not output.json_mode:
            _print_ticket(ticket, output)
        return EXIT_OK
    tickets = client.tickets()
    output.result({"ok": True, "tickets": tickets})
    if not output.json_mode:
        if not tickets:
            output.say("No tickets.")
        for ticket in tickets:
            output.say(
                f"{ticket.get('reference')}  {ticket.get('status', ''):<12} "
                f"{ticket.get('subject', '')}"
            )
    return EXIT_OK


def _print_ticket(ticket: dict[str, Any], output: Output) -> None:
    output.say(f"{ticket.get('reference')}: {ticket.get('subject', '')}")
    output.say(f"  Status: {ticket.get('status')}")
    product = " ".join(
        str(part) for part in (ticket.get("product"), ticket.get("product_version")) if part
    )
    if product:
        output.say(f"  Product: {product}")
    if ticket.get("answer_by_text"):
        output.say(f"  Answer expected: {ticket['answer_by_text']}")
    if ticket.get("url"):
        output.say(f"  {ticket['url']}")
    for message in ticket.get("messages") or []:
        output.say("")
        output.say(f"--- {message.get('author', '?')}, {message.get('at', '')}")
        output.say(str(message.get("text", "")).rstrip())
        for attachment in message.get("attachments") or []:
            output.say(f"  [{attachment.get('name')}, {attachment.get('size')} bytes]")


def cmd_reply(args: argparse.Namespace, output: Output, stdin: TextIO) -> int:
    text = args.text if args.text is not None else _read_text(args.file, "--file")
    if not text.strip():
        raise Invalid("the reply is empty")
    parts = []
    for spec in args.attach:
        path = Path(parse_attach(spec)["path"]).expanduser()
        if not path.is_file():
            raise Invalid(f"--attach: {path} is not a file")
        parts.append(FilePart("files", path.name, path))
    answer = ApiClient(load_config()).reply(args.reference, text, parts)
    output.say(output.text("reply_added", reference=answer.get("reference", args.reference)))
    output.result({"ok": True, **answer})
    return EXIT_OK


def _question_and_answer(ticket: dict[str, Any]) -> tuple[str, str]:
    messages = ticket.get("messages") or []
    question = next(
        (str(m.get("text", "")) for m in messages if m.get("author") == "you"),
        str(ticket.get("subject", "")),
    )
    answers = [str(m.get("text", "")) for m in messages if m.get("author") not in (None, "you")]
    return question, answers[-1].rstrip() if answers else ""


def cmd_not_satisfied(args: argparse.Namespace, output: Output, stdin: TextIO) -> int:
    if not args.comment.strip():
        raise Invalid("--comment: say what is missing or wrong in the answer")
    client = ApiClient(load_config())
    ticket = client.ticket(args.reference)
    question, answer = _question_and_answer(ticket)
    if not output.json_mode:
        output.say(output.text("second_look", reference=ticket.get("reference", args.reference)))
        output.say(f"\n== {output.text('your_question')}\n" + question.rstrip())
        output.say(f"\n== {output.text('the_answer')}\n" + (answer or output.text("no_answer")))
        output.say(f"\n== {output.text('your_comment')}\n" + args.comment.rstrip())
    if _input_allowed(args, stdin):
        print("\n" + output.text("confirm_rereview"), end="", file=output.stdout, flush=True)
        if stdin.readline().strip().lower() not in YES:
            raise Cancelled(output.text("cancelled"))
    result = client.not_satisfied(args.reference, args.comment)
    output.say(
        output.text(
            "rereview_sent",
            reference=result.get("reference", args.reference),
            status=result.get("status"),
        )
    )
    output.result({"ok": True, **result})
    return EXIT_OK


# queue, config ---------------------------------------------------------------------------


def cmd_queue(args: argparse.Namespace, output: Output, stdin: TextIO) -> int:
    if args.action == "list":
        listed: list[dict[str, Any]] = [
            {
                "id": entry.id,
                "created_at": entry.created_at,
                "transport": entry.transport,
                "subject": entry.subject,
                "files": [attached.name for attached in entry.files + entry.deferred],
                "refused": entry.refused,
            }
            for entry in outbox.entries()
            if entry.sent is None
        ]
        output.result({"ok": True, "queue": listed})
        if not output.json_mode:
            if not listed:
                output.say("The outbox is empty.")
            for item in listed:
                state = "refused" if item["refused"] else "waiting"
                output.say(f"{item['id']}  {state:<8} {item['transport']:<5} {item['subject']}")
                if item["refused"]:
                    output.say(f"    {item['refused'].get('message', '')}")
        return EXIT_OK
    if args.action == "drop":
        entry = outbox.find(args.id or "")
        if entry is None:
            raise Invalid(f"no entry {args.id!r} in the outbox (see queue list)")
        outbox.forget(entry)
        output.say(f"Dropped {entry.id}.")
        output.result({"ok": True, "dropped": entry.id})
        return EXIT_OK
    deliveries = deliver_outbox(load_config(), note=output.note)
    results = []
    exit_code = EXIT_OK
    for delivery in deliveries:
        if delivery.sent is not None:
            where = delivery.sent.reference or f"mailed to {delivery.sent.to}"
            output.say(f"{delivery.entry_id}: sent ({where}) {delivery.subject}")
            results.append({"id": delivery.entry_id, "ok": True, **delivery.sent.as_json()})
        else:
            error = delivery.error
            assert error is not None
            output.note(f"{delivery.entry_id}: {error.message}")
            results.append(
                {
                    "id": delivery.entry_id,
                    "ok": False,
                    "error": error.error,
                    "message": error.message,
                    "problems": error.problems,
                }
            )
            exit_code = max(exit_code, error.exit_code)
    if not deliveries:
        output.say("Nothing waits in the outbox.")
    output.result({"ok": exit_code == EXIT_OK, "exit_code": exit_code, "sent": results})
    return exit_code


def cmd_config(args: argparse.Namespace, output: Output, stdin: TextIO) -> int:
    if args.action == "path":
        output.say(str(config_path()))
        output.result({"ok": True, "path": str(config_path())})
        return EXIT_OK
    if args.action in ("set", "unset") and not args.key:
        raise Invalid(f"config {args.action} KEY{' VALUE' if args.action == 'set' else ''}")
    if args.action == "set":
        if args.value is None:
            raise Invalid("config set KEY VALUE: the value is missing")
        path = set_value(args.key, args.value)
        output.say(f"{args.key} set in {path}")
        output.result({"ok": True, "path": str(path), "key": args.key})
        return EXIT_OK
    if args.action == "unset":
        path = unset_value(args.key)
        output.say(f"{args.key} removed from {path}")
        output.result({"ok": True, "path": str(path), "key": args.key})
        return EXIT_OK
    config = load_config()
    shown = shown_settings(config)
    output.result({"ok": True, "path": str(config.path), "settings": dict(shown)})
    if not output.json_mode:
        output.say(f"# {config.path}")
        for key, text in shown:
            output.say(f"{key} = {text}")
    return EXIT_OK
