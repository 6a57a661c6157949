"""`status`, `reply` and `not-satisfied`: following a ticket already sent."""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from supportdesk_request.config import load_config
from supportdesk_request.document import parse_attach
from supportdesk_request.output import Output, input_allowed, read_text_argument
from supportdesk_request.server import EXIT_OK, ApiClient, Cancelled, FilePart, Invalid
from supportdesk_request.texts import YES_WORDS


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
        output.say(f"--- {message.get('author', '?')}, {_local_time(message.get('at'))}")
        output.say(str(message.get("text", "")).rstrip())
        for attachment in message.get("attachments") or []:
            output.say(f"  [{attachment.get('name')}, {attachment.get('size')} bytes]")


def _local_time(value: Any) -> str:
    """The server's ISO timestamp (UTC) as people read it: the machine's time, to the minute."""
    try:
        return datetime.fromisoformat(str(value)).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return str(value or "")


def cmd_reply(args: argparse.Namespace, output: Output, stdin: TextIO) -> int:
    text = args.text if args.text is not None else read_text_argument(args.file, "--file")
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
    if input_allowed(args, stdin):
        print("\n" + output.text("confirm_rereview"), end="", file=output.stdout, flush=True)
        if stdin.readline().strip().lower() not in YES_WORDS:
            raise Cancelled(output.text("command.cancelled"))
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
