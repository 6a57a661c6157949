#!/usr/bin/env python3
"""Sending speed of the outbox: CPU and SQL statements per row sent by `send_outbound_rows`.

    .venv/bin/python bench/outbound_sending.py                        # SQLite, temporary
    .venv/bin/python bench/outbound_sending.py \\
        --database-url postgres://postgres@127.0.0.1:5432/sd_send      # dropped and created
    .venv/bin/python bench/outbound_sending.py --code-dir /tmp/old --no-record   # another tree

Each run queues --rows acknowledgement-like rows (automatic, threaded on a customer's mail,
an English or French body of about 1 KB: what a worker sends after opening a ticket), then
sends them in batches of --batch ids through `send_outbound_rows`, as the worker's batched
send task does, to a sink smarthost (aiosmtpd in a subprocess, answering 250 to
everything). Measured around the sending only: the CPU time of this process
(`time.process_time`, so the sink's and PostgreSQL's CPU are not in it) and the statements
Django sent. Queuing is not measured. The figures are the medians over --runs runs.

--code-dir runs the same measure against another checkout's code (its `supportdesk` and
`config`): how the figures before and after a change are taken, alternating, in the same
minutes.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent

SINK = """
import sys, time
from aiosmtpd.controller import Controller

class Sink:
    async def handle_DATA(self, server, session, envelope):
        return "250 2.0.0 Ok: queued"

controller = Controller(Sink(), hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
print("ready", flush=True)
sys.stdin.read()
controller.stop()
"""

GREETINGS = {
    "en": (
        "Request received: {subject}",
        "Hello {name},\n\nWe have received your request. Its reference is {reference}: please "
        "keep it in the subject when you write to us about it.\n\nWe will answer by Tuesday "
        "24 November 2026 at 10:00 (Paris time).\n\nNext time, try the request tool: it asks "
        "for what we need (product, version, steps, the exact error), checks your files, and "
        "sends your request straight to the right team, so it is answered sooner. Download "
        "and help: https://support.example.com/request-tool\n\nThe support team\n",
    ),
    "fr": (
        "Demande reçue : {subject}",
        "Bonjour {name},\n\nNous avons bien reçu votre demande. Sa référence est {reference} : "
        "gardez-la dans l'objet quand vous nous écrivez à son sujet.\n\nNous vous répondrons "
        "avant le mardi 24 novembre 2026 à 10:00 (heure de Paris).\n\nLa prochaine fois, "
        "essayez l'outil de demande : il vous demande ce dont nous avons besoin (produit, "
        "version, étapes, l'erreur exacte), vérifie vos fichiers et envoie votre demande "
        "directement à la bonne équipe, pour une réponse plus rapide. Téléchargement et "
        "aide : https://support.example.com/request-tool\n\nL'équipe support\n",
    ),
}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="", help="PostgreSQL; SQLite when not given")
    parser.add_argument("--rows", type=int, default=1000, help="rows sent per run")
    parser.add_argument("--batch", type=int, default=50, help="ids per send_outbound_rows call")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--code-dir", type=Path, default=REPO_DIR)
    parser.add_argument("--no-record", action="store_true", help="do not write RESULTS.md")
    return parser.parse_args()


def queue_rows(count: int, run: int) -> list[int]:
    from django.db import transaction

    from supportdesk.channels.email.models import OutboundMail
    from supportdesk.channels.email.outbound import one_send_task, queue_mail

    ids = []
    with transaction.atomic(), one_send_task():
        for number in range(count):
            language = "fr" if number % 3 == 0 else "en"
            subject, body = GREETINGS[language]
            reference = f"SD-{run * count + number + 1}"
            inbound_id = f"request-{run}-{number}@customer{number % 50}.example"
            outbound = queue_mail(
                kind=OutboundMail.Kind.ACKNOWLEDGEMENT,
                to=f"user{run}-{number}@customer{number % 50}.example",
                subject=subject.format(subject=f"[{reference}] The printer stopped working"),
                body_text=body.format(name=f"Customer {number}", reference=reference),
                in_reply_to=inbound_id,
                references=[inbound_id],
                is_automatic=True,
            )
            assert outbound is not None
            ids.append(outbound.pk)
    return ids


def one_run(ids: list[int], batch: int) -> tuple[float, int]:
    """CPU seconds and statements to send the rows."""
    from django.db import connection

    from supportdesk.channels.email.outbound import send_outbound_rows

    statements = 0

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal statements
        statements += 1
        return execute(sql, params, many, context)

    cpu = 0.0
    outcomes: list[str] = []
    with connection.execute_wrapper(count):
        for start in range(0, len(ids), batch):
            chunk = ids[start : start + batch]
            began = time.process_time()
            outcomes += send_outbound_rows(chunk)
            cpu += time.process_time() - began
    if outcomes != ["sent"] * len(ids):
        raise RuntimeError(f"not all sent: {sorted(set(outcomes))}")
    return cpu, statements


def main() -> None:
    args = parse_args()
    code_dir = args.code_dir.resolve()
    sys.path[:0] = [str(BENCH_DIR), str(code_dir)]
    from benchlib import command_line, free_port, fresh_postgres, machine_lines, write_section

    port = free_port()
    sink = subprocess.Popen(
        [sys.executable, "-c", SINK, str(port)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert sink.stdout is not None and sink.stdout.readline().strip() == "ready"
    scratch = tempfile.TemporaryDirectory(prefix="sd-bench-outbound-")
    try:
        os.environ.update(
            DJANGO_SETTINGS_MODULE="config.settings",
            SUPPORTDESK_DATA_DIR=scratch.name,
            SUPPORTDESK_SMTP_RELAY=f"127.0.0.1:{port}",
            SUPPORTDESK_MAIL_DELIVERY="smtp",
            SUPPORTDESK_MAIL_FROM="support@example.com",
            SUPPORTDESK_MAIL_DOMAIN="mail.example.com",
        )
        if args.database_url:
            fresh_postgres(args.database_url)
            os.environ["DATABASE_URL"] = args.database_url
        else:
            os.environ.pop("DATABASE_URL", None)
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        from django.db import connection

        vendor = connection.vendor
        cpu_per_row, statements_per_row = [], []
        for run in range(args.runs):
            ids = queue_rows(args.rows, run)
            cpu, statements = one_run(ids, args.batch)
            cpu_per_row.append(cpu * 1000 / args.rows)
            statements_per_row.append(statements / args.rows)
            print(
                f"run {run + 1}: {cpu_per_row[-1]:.3f} CPU ms/row, "
                f"{statements_per_row[-1]:.2f} statements/row",
                flush=True,
            )
    finally:
        assert sink.stdin is not None
        sink.stdin.close()
        sink.wait(timeout=10)
        scratch.cleanup()

    cpu_median = statistics.median(cpu_per_row)
    statements_median = statistics.median(statements_per_row)
    print(
        f"{vendor}, code {code_dir}: median {cpu_median:.3f} CPU ms/row "
        f"(min {min(cpu_per_row):.3f}, max {max(cpu_per_row):.3f}), "
        f"{statements_median:.2f} statements/row"
    )
    if args.no_record:
        return
    body = "\n".join(
        [
            f"## Outbox sending (`bench/outbound_sending.py`), {vendor}",
            "",
            f"- Command: `{command_line()}`",
            *machine_lines(args.database_url or "postgres://postgres@127.0.0.1/postgres"),
            f"- {args.runs} runs of {args.rows} acknowledgement-like rows, sent in batches of "
            f"{args.batch} to a sink smarthost (another process)",
            "",
            "| per row sent | median | min | max |",
            "|---|---|---|---|",
            f"| CPU ms of the sending process | {cpu_median:.3f} | {min(cpu_per_row):.3f} | "
            f"{max(cpu_per_row):.3f} |",
            f"| SQL statements | {statements_median:.2f} | {min(statements_per_row):.2f} | "
            f"{max(statements_per_row):.2f} |",
        ]
    )
    write_section(f"bench/outbound_sending.py {vendor}", body)


if __name__ == "__main__":
    main()
