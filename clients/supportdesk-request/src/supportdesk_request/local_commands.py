"""`queue` and `config`: what waits in the outbox, and the settings."""

from __future__ import annotations

import argparse
from typing import Any, TextIO

from supportdesk_request import outbox
from supportdesk_request.config import (
    config_path,
    load_config,
    set_value,
    shown_settings,
    unset_value,
)
from supportdesk_request.output import Output
from supportdesk_request.sending import deliver_outbox
from supportdesk_request.server import EXIT_OK, Invalid


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
