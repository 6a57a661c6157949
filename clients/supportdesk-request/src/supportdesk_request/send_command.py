"""`supportdesk-request send`: the request from flags, a file, the configuration and what
is collected; completed by the wizard or confirmed in a terminal; then sent."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, TextIO

from supportdesk_request import outbox
from supportdesk_request.collect import collect_machine, collect_product, read_product_info
from supportdesk_request.config import Config, load_config
from supportdesk_request.document import (
    FILES_KEY,
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
from supportdesk_request.output import Output, input_allowed, read_text_argument
from supportdesk_request.rendering import render_request_text
from supportdesk_request.sending import deliver_outbox, fetch_policy, send_document
from supportdesk_request.server import (
    EXIT_OK,
    EXIT_QUEUED,
    ApiClient,
    Cancelled,
    Invalid,
    ToolError,
)
from supportdesk_request.texts import NO_WORDS, choice_label, pick_language, shown_item_label
from supportdesk_request.values import CollectedItem, Sent, Similar
from supportdesk_request.wizard import run_wizard

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
        layer["error_text"] = read_text_argument(args.error_file, "--error-file")
    if args.code_file is not None:
        layer["code_extract"] = read_text_argument(args.code_file, "--code-file").rstrip("\n")
    if args.attach:
        layer[FILES_KEY] = [parse_attach(spec) for spec in args.attach]
    return layer


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
    # The draft's language is the request's, else the configured one (build_draft).
    output.language = pick_language(args.ui_language, draft.get("language"), config.language)
    if files:
        draft[FILES_KEY] = files  # the file's attachments and the flags' together
    collected = collected_items(args)
    if args.transport != "eml" and not args.dry_run:
        _deliver_waiting(config, output)

    similar: list[Similar] = []
    interactive = input_allowed(args, stdin)
    if interactive and missing_fields(merge_collected(draft, collected)):
        policy = fetch_policy(config)
        client = ApiClient(config) if config.server and config.token else None
        document = run_wizard(
            draft,
            collected,
            policy=policy,
            find_similar=client.similar if client is not None else None,
            stdin=stdin,
            stdout=output.stdout,
            ui_language=output.language,
        )
        if document is None:
            raise Cancelled(output.text("command.cancelled"))
        # The language chosen in the wizard is the request's, as --language is: the tool's
        # last words (reference, promise) then match the server's texts.
        output.language = pick_language(args.ui_language, document.get("language"), config.language)
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
    print(output.text("show.subject", value=shown.get("subject")), file=output.stdout)
    # The text part of the mail, as support reads it (in English whatever the tool speaks).
    print(render_request_text(shown), file=output.stdout)
    kept = [item for item in collected if get_path(shown, item.key) == item.value]
    if kept:
        print("\n" + output.text("collected"), file=output.stdout)
        for item in kept:
            # The key stays: it is what --omit takes.
            label = shown_item_label(item.key, item.label, output.language)
            label = f"  ({label})" if label and label != item.key else ""
            line = output.text("confirm.item", item=item.key, value=item.value, label=label)
            print(line, file=output.stdout)
    files = document.get(FILES_KEY) or []
    for entry in files:
        role = choice_label(str(entry.get("role")), output.language)
        print(output.text("confirm.file", path=entry.get("path"), role=role), file=output.stdout)
    prompt = output.text("confirm_send", transport=args.transport)
    print("\n" + prompt, end="", file=output.stdout, flush=True)
    answer = stdin.readline()
    if not answer or answer.strip().lower() in NO_WORDS:
        raise Cancelled(output.text("command.cancelled"))


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
