#!/usr/bin/env python3
"""The least a mail turned into a ticket costs on this machine: a bare pipeline as the
reference for `bench/mail_processing.py`, as `bench/smtpd_bare.py` is for the smtpd.

    .venv/bin/python bench/mail_floor.py                  # 3 runs of 2,000 mails, 2 workers
    .venv/bin/python bench/mail_floor.py --no-send --no-record

Each worker process loops on one PostgreSQL connection, 50 mails a transaction:
claim accepted mails (`UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED)
RETURNING raw`), read each with supportdesk's own `parse_mail`, write a ticket and its
message (one multi-row INSERT a table), compose an acknowledgement with supportdesk's own
`wire.text_mail_bytes` and write it to an outbox table, commit; then send the batch's
acknowledgements over one reused SMTP connection to a sink (aiosmtpd, in this process) and
mark them sent.

What it leaves out is everything that makes it a support desk: no contact, organization,
plan, licence or agreement is read; no threading, duplicate check, routing, deadline,
event, tag, counter, attachment rule or quarantine; no Django. Its figures are therefore
a ceiling that supportdesk's workers cannot reach on the same machine: if 2 cores / (its
CPU a mail) is under 300 mails/s, so is supportdesk's.

Mails: the 10 KB mails of `bench/mail_processing.py` (`make_message`, kind "small"), all
new requests. CPU a mail: the workers' process CPU (from their first claim, imports done) and their
PostgreSQL backends' (from /proc), over the mails they handled. A fresh database
(supportdesk_bench_floor, dropped and created) a run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import smtplib
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from supportdesk.channels.email.parsing import ParsedMail

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
sys.path[:0] = [str(BENCH_DIR), str(REPO_DIR)]

POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/supportdesk_bench_floor"
TARGET_MAILS_PER_SECOND = 300

SCHEMA = """
CREATE TABLE inbound (id bigserial PRIMARY KEY, raw bytea NOT NULL, sender text NOT NULL,
    state text NOT NULL DEFAULT 'new', received_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX inbound_new ON inbound (id) WHERE state = 'new';
CREATE TABLE ticket (id bigserial PRIMARY KEY, subject text NOT NULL,
    requester text NOT NULL, language text NOT NULL, created_at timestamptz NOT NULL);
CREATE TABLE message (id bigserial PRIMARY KEY, ticket_id bigint NOT NULL REFERENCES ticket,
    inbound_id bigint NOT NULL REFERENCES inbound, message_id text NOT NULL,
    body text NOT NULL, created_at timestamptz NOT NULL);
CREATE INDEX message_ticket ON message (ticket_id);
CREATE TABLE outbox (id bigserial PRIMARY KEY, ticket_id bigint NOT NULL REFERENCES ticket,
    recipient text NOT NULL, raw bytea NOT NULL, sent_at timestamptz);
"""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=2000, help="mails a run (2000)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch", type=int, default=50, help="mails a transaction (50)")
    parser.add_argument("--no-send", action="store_true", help="write the outbox, send nothing")
    parser.add_argument("--postgres-url", default=POSTGRES_URL)
    parser.add_argument("--no-record", action="store_true", help="leave RESULTS.md alone")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--sink-port", type=int, default=0, help=argparse.SUPPRESS)
    return parser.parse_args()


# -- a worker ---------------------------------------------------------------------------------


def backend_cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rows_sql(table: str, columns: tuple[str, ...], count: int, returning: str = "") -> str:
    # The table and column names are this script's own constants.
    row = "(" + ", ".join(["%s"] * len(columns)) + ")"
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES "  # noqa: S608
    sql += ", ".join([row] * count)
    return sql + (f" RETURNING {returning}" if returning else "")


def acknowledgement(ticket_id: int, mail: ParsedMail, now: float) -> bytes:
    from email.utils import formatdate, make_msgid

    from supportdesk.channels.email.wire import text_mail_bytes

    headers = [
        ("From", "Support <support@example.com>"),
        ("To", mail.from_address),
        ("Subject", f"[SD-{ticket_id}] {mail.subject}"),
        ("Date", formatdate(now, localtime=False)),
        ("Message-ID", make_msgid(domain="example.com")),
        ("In-Reply-To", f"<{mail.message_id}>"),
        ("Auto-Submitted", "auto-replied"),
    ]
    text = (
        f"Hello,\n\nWe received your request; its reference is SD-{ticket_id}.\n"
        "We will answer within 24 hours (working days, Paris time).\n\nSupport\n"
    )
    return text_mail_bytes(headers, text)


def worker(args: argparse.Namespace) -> None:
    """Claim, read, write, acknowledge, send until no mail is left; print CPU as JSON."""
    from datetime import UTC, datetime

    import psycopg

    from supportdesk.channels.email.parsing import parse_mail

    conn = psycopg.connect(args.postgres_url)
    backend = conn.execute("SELECT pg_backend_pid()").fetchone()[0]  # type: ignore[index]
    conn.commit()
    smtp = None if args.no_send else smtplib.SMTP("127.0.0.1", args.sink_port)
    mails = 0
    started, cpu = time.perf_counter(), time.process_time()
    backend_cpu = backend_cpu_seconds(backend)
    while True:
        with conn.transaction():
            claimed = conn.execute(
                "UPDATE inbound SET state = 'done' WHERE id IN (SELECT id FROM inbound"
                " WHERE state = 'new' ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED)"
                " RETURNING id, raw, sender",
                (args.batch,),
            ).fetchall()
            if not claimed:
                break
            now = datetime.now(UTC)
            read = [
                (inbound_id, parse_mail(raw, return_path=sender))
                for inbound_id, raw, sender in claimed
            ]
            ticket_ids = [
                row[0]
                for row in conn.execute(
                    rows_sql(
                        "ticket",
                        ("subject", "requester", "language", "created_at"),
                        len(read),
                        "id",
                    ),
                    [v for _, m in read for v in (m.subject, m.from_address, "en", now)],
                ).fetchall()
            ]
            conn.execute(
                rows_sql(
                    "message",
                    ("ticket_id", "inbound_id", "message_id", "body", "created_at"),
                    len(read),
                ),
                [
                    v
                    for ticket_id, (inbound_id, m) in zip(ticket_ids, read, strict=True)
                    for v in (ticket_id, inbound_id, m.message_id, m.text, now)
                ],
            )
            outgoing = [
                (ticket_id, m.from_address, acknowledgement(ticket_id, m, now.timestamp()))
                for ticket_id, (_, m) in zip(ticket_ids, read, strict=True)
            ]
            outbox_ids = [
                row[0]
                for row in conn.execute(
                    rows_sql("outbox", ("ticket_id", "recipient", "raw"), len(outgoing), "id"),
                    [v for row in outgoing for v in row],
                ).fetchall()
            ]
        mails += len(claimed)
        if smtp is not None:
            for _, recipient, raw in outgoing:
                smtp.sendmail("support@example.com", [recipient], raw)
            conn.execute("UPDATE outbox SET sent_at = now() WHERE id = ANY(%s)", (outbox_ids,))
            conn.commit()
    result = {
        "mails": mails,
        "wall": time.perf_counter() - started,
        "cpu": time.process_time() - cpu,
        "backend_cpu": backend_cpu_seconds(backend) - backend_cpu,
    }
    if smtp is not None:
        smtp.quit()
    conn.close()
    print(json.dumps(result))


# -- a run ------------------------------------------------------------------------------------


def load_mails(url: str, count: int, run: int) -> None:
    import psycopg
    from benchlib import fresh_postgres
    from mail_processing import Senders, make_message

    fresh_postgres(url)
    senders = Senders(
        known=[f"contact{n}@customer{n % 7}.example" for n in range(40)], open_tickets=[]
    )
    rng = random.Random(f"floor-{run}")
    with psycopg.connect(url) as conn:
        conn.execute(SCHEMA)
        with conn.cursor().copy("COPY inbound (raw, sender) FROM STDIN") as copy:
            for n in range(count):
                copy.write_row(make_message(rng, f"floor{run}", n, "small", senders, 0.0))


def one_run(args: argparse.Namespace, run: int, sink_port: int) -> dict[str, float]:
    load_mails(args.postgres_url, args.messages, run)
    command = [
        sys.executable,
        __file__,
        "--worker",
        "--postgres-url",
        args.postgres_url,
        "--batch",
        str(args.batch),
        "--sink-port",
        str(sink_port),
    ]
    if args.no_send:
        command.append("--no-send")
    started = time.perf_counter()
    workers = [subprocess.Popen(command, stdout=subprocess.PIPE) for _ in range(args.workers)]
    results = [json.loads(process.communicate()[0]) for process in workers]
    wall = time.perf_counter() - started
    mails = sum(result["mails"] for result in results)
    assert mails == args.messages, f"{mails} mails handled of {args.messages}"
    return {
        "rate": mails / max(result["wall"] for result in results),
        "wall_with_start": wall,
        "worker_ms": 1000 * sum(result["cpu"] for result in results) / mails,
        "backend_ms": 1000 * sum(result["backend_cpu"] for result in results) / mails,
    }


def main() -> None:
    args = parse_args()
    if args.worker:
        worker(args)
        return
    from mail_processing import Sink

    sink = Sink()
    runs = []
    try:
        for run in range(args.runs):
            runs.append(one_run(args, run, sink.port))
            figures = runs[-1]
            print(
                f"run {run + 1}: {figures['rate']:.1f} mails/s, CPU a mail: workers "
                f"{figures['worker_ms']:.2f} ms + PostgreSQL {figures['backend_ms']:.2f} ms",
                flush=True,
            )
    finally:
        sink.stop()
    lines = report(args, runs, sink.count)
    print("\n".join(lines))
    if not args.no_record:
        from benchlib import write_section

        write_section("mail_floor", "\n".join(lines))


def report(args: argparse.Namespace, runs: list[dict[str, float]], sent: int) -> list[str]:
    import django
    from benchlib import command_line, machine_lines
    from django.conf import settings

    if not settings.configured:
        settings.configure()
    django.setup()

    def median(name: str) -> float:
        return statistics.median(run[name] for run in runs)

    cpu = median("worker_ms") + median("backend_ms")
    with open("/proc/loadavg") as loadavg:
        load = " ".join(loadavg.read().split()[:3])
    rates = ", ".join(f"{run['rate']:.1f}" for run in runs)
    return [
        "## The floor: a bare mail-to-ticket pipeline (`bench/mail_floor.py`)",
        "",
        f"Command: `{command_line()}`. {args.workers} workers, {args.messages} mails of 10 KB a "
        f"run, {args.batch} a transaction, acknowledgements "
        + (
            "written, not sent"
            if args.no_send
            else f"sent ({sent} over the {len(runs)} runs reached the sink)"
        )
        + ". No ORM, no business rule: a ceiling for `bench/mail_processing.py` on the same "
        "machine.",
        "",
        *machine_lines(args.postgres_url),
        f"- Load average when the run ended: {load}",
        "",
        "| PostgreSQL, 10 KB, all new requests | bare pipeline |",
        "|---|---|",
        f"| mails/s (median of runs; runs) | **{median('rate'):.1f}** ({rates}) |",
        f"| CPU a mail: workers + PostgreSQL backends, ms | {median('worker_ms'):.2f} + "
        f"{median('backend_ms'):.2f} = {cpu:.2f} |",
        f"| mails/s two idle cores could do at that CPU cost (2000 / ms) | {2000 / cpu:.0f} |",
        f"| target for supportdesk's workers | ≥ {TARGET_MAILS_PER_SECOND} |",
    ]


if __name__ == "__main__":
    main()
