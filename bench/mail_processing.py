#!/usr/bin/env python3
"""Mail processing speed: accepted mail turned into tickets by the task workers.

    .venv/bin/python bench/mail_processing.py --db postgres                 # 10 KB and 1 MB
    .venv/bin/python bench/mail_processing.py --db sqlite --kind small --runs 1 --no-record
    .venv/bin/python bench/mail_processing.py --db postgres --only throughput --workers 4

Each kind of mail gets a fresh database (PostgreSQL: supportdesk_bench_mail, dropped and
created; SQLite: a file in a temporary SUPPORTDESK_DATA_DIR, with the blobs), migrated and
loaded with the demo profile (plans, calendar, teams, customers, 50 tickets). Outgoing mail
goes to a sink smarthost (aiosmtpd, in this process) so acknowledgements are really sent.

Mail: "small" is 10 KB of text; "large" is 1 MB with a 900 KB attachment (900,000 random
bytes, base64 in the mail, so the message is about 1.24 MB). Senders: 70 % known demo
contacts (their organizations' plans apply), 30 % unknown addresses (a new contact each);
--reply-share of the mail (20 %) are replies "Re: [SD-n]" from a demo ticket's requester.
Every message has its own Message-ID and content.

Three measures, each with K worker processes (`supportdesk worker`, the django-tasks-db
worker) started as subprocesses:
1. throughput: N mails accepted first (accept_message, the function every door calls),
   then the workers start; mails/s = mails between the first and last `processed_at`,
   over that time. "All tasks" also waits for the routing and acknowledgement tasks each
   mail enqueues. The median of --runs runs.
2. latency: accept_message at --rate mails/s (100) for --seconds while the workers run;
   p50/p99 of processed_at - received_at (received_at is taken just before the intake
   commit, processed_at just before the processing commit).
3. burst: accept_message as fast as one process can for --burst-seconds while the
   workers run (the intake rate of a door), then the time until every mail is processed.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
sys.path[:0] = [str(BENCH_DIR), str(REPO_DIR)]

from benchlib import (  # noqa: E402
    OUT_DIR,
    command_line,
    free_port,
    fresh_postgres,
    machine_lines,
    summarize,
    write_section,
)

POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/supportdesk_bench_mail"
RECIPIENT = "support@example.com"
TARGET_MAILS_PER_SECOND = 300
TARGET_P99_MS = 2000.0
DEMO_TICKETS = 50
ATTACHMENT_BYTES = 900_000
SMALL_BYTES = 10 * 1024
INJECTORS = 4  # threads accepting mail in the latency run

FRENCH = (
    "Bonjour, notre imprimante ne fonctionne plus depuis la mise à jour. Merci pour votre aide."
)
SPANISH = "Hola, la impresora no funciona desde la actualización. Gracias por su ayuda, saludos."
ENGLISH = "Hello, the printer on the third floor stopped working after the update. Thanks."


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--kind", choices=["small", "large", "both"], default="both")
    parser.add_argument(
        "--only", choices=["throughput", "latency", "burst"], action="append", default=[]
    )
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument("--interval", type=float, default=None, help="worker poll interval")
    parser.add_argument("--messages", type=int, default=0, help="per throughput run")
    parser.add_argument("--runs", type=int, default=3, help="throughput runs (median)")
    parser.add_argument("--reply-share", type=float, default=0.2)
    parser.add_argument("--rate", type=float, default=100.0, help="latency run: mails/s")
    parser.add_argument("--seconds", type=float, default=30.0, help="latency run: duration")
    parser.add_argument(
        "--burst-seconds", type=float, default=60.0, help="burst: intake duration (300 = 5 min)"
    )
    parser.add_argument(
        "--postgres-url",
        default=POSTGRES_URL,
        help="its database is dropped and created; its name must start with supportdesk_bench",
    )
    parser.add_argument(
        "--worker-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra environment for the workers (repeat)",
    )
    parser.add_argument("--profile", action="store_true", help="cProfile the workers")
    parser.add_argument("--no-record", action="store_true", help="leave RESULTS.md alone")
    parser.add_argument("--variant", default="", help="a name for a run with other settings")
    args = parser.parse_args()
    if not urlsplit(args.postgres_url).path.lstrip("/").startswith("supportdesk_bench"):
        parser.error("--postgres-url: refusing to drop a database not named supportdesk_bench*")
    args.only = args.only or ["throughput", "latency", "burst"]
    return args


def log(text: str) -> None:
    print(f"[{datetime.now(UTC).strftime('%H:%M:%S')}] {text}", flush=True)


# -- the environment: database, Django, sink smarthost -----------------------------------------


class Sink:
    """A smarthost that accepts every mail and keeps nothing but a count."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.count = 0
        self.port = free_port()
        sink = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                sink.count += 1
                return "250 OK"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()


def environment(args: argparse.Namespace, data_dir: Path, sink_port: int) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    if args.db == "postgres":
        env["DATABASE_URL"] = args.postgres_url
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "SUPPORTDESK_DATA_DIR": str(data_dir),
            "SUPPORTDESK_SMTP_RELAY": f"127.0.0.1:{sink_port}",
            # The bench's few hundred customers stand for many: the per-address cap on
            # automatic mail would otherwise stop most acknowledgements.
            "SUPPORTDESK_MAIL_AUTO_REPLIES_PER_HOUR": "1000000",
            "SUPPORTDESK_LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(REPO_DIR),
        }
    )
    for item in args.worker_env:
        name, _, value = item.partition("=")
        env[name] = value
    return env


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    import django

    django.setup()


def prepare_database() -> None:
    from django.core.management import call_command

    from supportdesk.demo import load_demo

    call_command("migrate", verbosity=0)
    load_demo(tickets=DEMO_TICKETS)


# -- the mail ---------------------------------------------------------------------------------


@dataclass
class Senders:
    known: list[str]
    # (reference, subject, requester address) of demo tickets a reply may land on.
    open_tickets: list[tuple[str, str, str]]


def load_senders() -> Senders:
    from supportdesk.accounts.models import ContactEmail
    from supportdesk.tickets.choices import Status
    from supportdesk.tickets.models import Ticket

    known = list(ContactEmail.objects.filter(is_primary=True).values_list("address", flat=True))
    tickets = []
    for ticket in Ticket.objects.exclude(status=Status.CLOSED).select_related("requester"):
        address = (
            ContactEmail.objects.filter(contact=ticket.requester, is_primary=True)
            .values_list("address", flat=True)
            .first()
        )
        if address:
            tickets.append((ticket.reference, ticket.subject, address))
    return Senders(known=known, open_tickets=tickets)


def text_body(rng: random.Random, size: int) -> str:
    sentence = rng.choice([ENGLISH, ENGLISH, FRENCH, SPANISH])
    lines = []
    total = 0
    while total < size:
        line = f"{sentence} ({rng.randrange(10**9)})"
        lines.append(line)
        total += len(line) + 2
    return "\r\n".join(lines) + "\r\n"


def make_message(
    rng: random.Random,
    run: str,
    n: int,
    kind: str,
    senders: Senders,
    reply_share: float,
    known_share: float = 0.7,
) -> tuple[bytes, str]:
    """One mail and its envelope sender."""
    subject = f"Printer problem {run}-{n}"
    extra = ""
    if senders.open_tickets and rng.random() < reply_share:
        reference, ticket_subject, sender = rng.choice(senders.open_tickets)
        subject = f"Re: [{reference}] {ticket_subject}"
        extra = f"In-Reply-To: <ack-{reference}@example.com>\r\n"
    elif rng.random() < known_share and senders.known:
        sender = rng.choice(senders.known)
    else:
        sender = f"customer-{run}-{n}@new-customer-{n % 97}.example"
    head = (
        f"From: Customer {n} <{sender}>\r\n"
        f"To: <{RECIPIENT}>\r\n"
        f"Subject: {subject}\r\n"
        f"Message-ID: <bench-{run}-{n}@client.example>\r\n"
        f"{extra}"
        "Date: Thu, 26 Nov 2026 09:00:00 +0000\r\n"
        "MIME-Version: 1.0\r\n"
    )
    if kind == "small":
        body = text_body(rng, SMALL_BYTES - len(head) - 60)
        raw = (
            head
            + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
            + body
        )
        return raw.encode(), sender
    import base64

    boundary = f"=_bench_{run}_{n}"
    payload = base64.encodebytes(rng.randbytes(ATTACHMENT_BYTES)).decode().replace("\n", "\r\n")
    raw = (
        head
        + f'Content-Type: multipart/mixed; boundary="{boundary}"\r\n\r\n'
        + f"--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n"
        + "Content-Transfer-Encoding: 8bit\r\n\r\n"
        + text_body(rng, 2000)
        + f"--{boundary}\r\nContent-Type: application/pdf\r\n"
        + f'Content-Disposition: attachment; filename="report-{n}.pdf"\r\n'
        + "Content-Transfer-Encoding: base64\r\n\r\n"
        + payload
        + f"--{boundary}--\r\n"
    )
    return raw.encode(), sender


def accept(raw: bytes, sender: str) -> int:
    from supportdesk.channels.email.intake import accept_message

    mail, _ = accept_message(raw, source="smtp", envelope_from=sender, envelope_to=[RECIPIENT])
    return int(mail.pk)


# -- the workers ------------------------------------------------------------------------------


@dataclass
class Workers:
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)


def start_workers(args: argparse.Namespace, env: dict[str, str], tag: str) -> Workers:
    workers = Workers()
    for index in range(args.workers):
        argv = [sys.executable]
        if args.profile:
            argv += ["-m", "cProfile", "-o", str(OUT_DIR / f"worker-{tag}-{index}.prof")]
        argv += ["-m", "supportdesk.cli", "worker", "--queues", "*"]
        if args.interval is not None:
            argv += ["--interval", str(args.interval)]
        log_path = OUT_DIR / f"mail-worker-{index}.log"
        with log_path.open("ab") as handle:
            workers.processes.append(
                subprocess.Popen(
                    argv, env=env, cwd=REPO_DIR, stdout=handle, stderr=subprocess.STDOUT
                )
            )
    return workers


def stop_workers(workers: Workers) -> None:
    for process in workers.processes:
        process.send_signal(signal.SIGTERM)
    for process in workers.processes:
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def pending_mails(ids_from: int) -> int:
    from supportdesk.channels.email.models import InboundMail

    return InboundMail.objects.filter(pk__gte=ids_from, status=InboundMail.Status.RECEIVED).count()


def ready_tasks() -> int:
    """Tasks due now or running (the service-level checks due later are not counted)."""
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.ready().count() + DBTaskResult.objects.running().count()


def wait_until(condition: Any, *, timeout: float, every: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return False


def outcomes(ids_from: int) -> dict[str, int]:
    from django.db.models import Count

    from supportdesk.channels.email.models import InboundMail

    rows = InboundMail.objects.filter(pk__gte=ids_from).values("status").annotate(n=Count("id"))
    return {row["status"]: row["n"] for row in rows}


def processed_times(ids_from: int) -> list[tuple[datetime, datetime]]:
    from supportdesk.channels.email.models import InboundMail

    return list(
        InboundMail.objects.filter(pk__gte=ids_from, processed_at__isnull=False)
        .order_by("processed_at")
        .values_list("received_at", "processed_at")
    )


def last_task_finished(since: datetime) -> datetime | None:
    from django.db.models import Max
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(enqueued_at__gte=since).aggregate(last=Max("finished_at"))[
        "last"
    ]


def next_mail_id() -> int:
    from django.db.models import Max

    from supportdesk.channels.email.models import InboundMail

    return int(InboundMail.objects.aggregate(top=Max("id"))["top"] or 0) + 1


# -- CPU: what the load of the neighbours disturbs less than wall time --------------------------


def proc_cpu_seconds(pid: int) -> float:
    """utime + stime from /proc/<pid>/stat (fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class ServerCpu:
    """The CPU of the PostgreSQL backends serving the bench database (the workers'
    connections), sampled while they live: they exit with the workers."""

    def __init__(self, database: str | None) -> None:
        self.database = database
        self.seen: dict[int, float] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.sample, daemon=True)

    def __enter__(self) -> ServerCpu:
        if self.database:
            self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        if self.database:
            self.thread.join()

    def sample(self) -> None:
        import psycopg

        url = urlunsplit(urlsplit(POSTGRES_URL)._replace(path="/postgres"))
        with psycopg.connect(url, autocommit=True) as conn:
            while not self.stop.wait(0.25):
                rows = conn.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = %s "
                    "AND backend_type = 'client backend'",
                    [self.database],
                ).fetchall()
                for (pid,) in rows:
                    with contextlib.suppress(OSError, IndexError):  # ended meanwhile
                        self.seen[pid] = proc_cpu_seconds(pid)

    def mark(self) -> None:
        """Count from now: what each backend has used so far is left out."""
        self.start: dict[int, float] = {}
        for pid in list(self.seen):
            with contextlib.suppress(OSError, IndexError):
                self.start[pid] = proc_cpu_seconds(pid)

    def seconds(self, exclude: set[int]) -> float:
        start = getattr(self, "start", {})
        return sum(
            cpu - start.get(pid, 0.0) for pid, cpu in self.seen.items() if pid not in exclude
        )


def children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def own_backend_pids() -> set[int]:
    from django.db import connection

    if connection.vendor != "postgresql":
        return set()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return {int(cursor.fetchone()[0])}


# -- the measures -----------------------------------------------------------------------------


@dataclass
class Throughput:
    mails: int
    accept_per_second: float
    mails_per_second: float
    all_tasks_per_second: float
    outcomes: dict[str, int]
    worker_cpu_ms: float  # per mail, every task included, from the first mail on
    server_cpu_ms: float


def measure_throughput(
    args: argparse.Namespace, env: dict[str, str], kind: str, senders: Senders, run: int
) -> Throughput:
    from django.db import close_old_connections, transaction
    from django.utils import timezone

    n = args.messages or (2000 if kind == "small" else 400)
    rng = random.Random(1000 + run)
    tag = f"t{run}-{int(time.time())}"
    messages = [make_message(rng, tag, i, kind, senders, args.reply_share) for i in range(n)]
    cpu_before = children_cpu_seconds()
    database = urlsplit(args.postgres_url).path.lstrip("/") if args.db == "postgres" else None
    with ServerCpu(database) as server_cpu:
        workers = start_workers(args, env, f"{kind}-{run}")
        try:
            # A worker's start (Python, Django, the first connection: about 2.5 s of CPU)
            # is no mail's cost: the workers' CPU is counted from here.
            warm_workers(rng, tag, kind, senders)
            close_old_connections()
            started_cpu = sum(proc_cpu_seconds(p.pid) for p in workers.processes)
            server_cpu.mark()
            first_id = next_mail_id()
            enqueued_since = timezone.now()
            started = time.perf_counter()
            # All accepted in one transaction: the workers find them all at once, as after
            # an outage or in a burst, and the intake's own pace does not bound the rate.
            with transaction.atomic():
                for raw, sender in messages:
                    accept(raw, sender)
            accept_rate = n / (time.perf_counter() - started)
            del messages
            log(f"  run {run}: {n} {kind} mails accepted ({accept_rate:.0f}/s) in one commit")
            if not wait_until(lambda: pending_mails(first_id) == 0, timeout=3600, every=0.5):
                raise SystemExit("mail not processed within an hour")
            wait_until(lambda: ready_tasks() == 0, timeout=600, every=0.5)
        finally:
            stop_workers(workers)
    worker_cpu = children_cpu_seconds() - cpu_before - started_cpu
    server_seconds = server_cpu.seconds(exclude=own_backend_pids())
    times = processed_times(first_id)
    first, last = times[0][1], times[-1][1]
    span = max((last - first).total_seconds(), 1e-6)
    finished = last_task_finished(enqueued_since) or last
    all_span = max((finished - first).total_seconds(), 1e-6)
    result = Throughput(
        mails=n,
        accept_per_second=accept_rate,
        mails_per_second=(len(times) - 1) / span,
        all_tasks_per_second=(len(times) - 1) / all_span,
        outcomes=outcomes(first_id),
        worker_cpu_ms=worker_cpu / n * 1000,
        server_cpu_ms=server_seconds / n * 1000,
    )
    log(
        f"  run {run}: {result.mails_per_second:.1f} mails/s to tickets, "
        f"{result.all_tasks_per_second:.1f} mails/s with routing and acknowledgements; "
        f"CPU per mail: workers {result.worker_cpu_ms:.1f} ms, PostgreSQL "
        f"{result.server_cpu_ms:.1f} ms; {result.outcomes}"
    )
    return result


def warm_workers(rng: random.Random, tag: str, kind: str, senders: Senders) -> None:
    """Wait until the workers are up and have processed a mail: the clock starts then."""
    warm_id = next_mail_id()
    raw, sender = make_message(rng, tag + "w", 0, kind, senders, 0.0)
    accept(raw, sender)
    if not wait_until(lambda: pending_mails(warm_id) == 0, timeout=300):
        raise SystemExit("the workers did not start")


@dataclass
class Latency:
    mails: int
    rate: float
    p50_ms: float
    p99_ms: float
    worst_ms: float


def measure_latency(
    args: argparse.Namespace, env: dict[str, str], kind: str, senders: Senders
) -> Latency:
    rng = random.Random(7)
    tag = f"l-{int(time.time())}"
    workers = start_workers(args, env, f"{kind}-latency")
    try:
        warm_workers(rng, tag, kind, senders)
        count = int(args.rate * args.seconds)
        messages = [
            make_message(rng, tag, i, kind, senders, args.reply_share) for i in range(count)
        ]
        first_id = next_mail_id()
        log(f"  latency: {count} {kind} mails at {args.rate:g}/s")
        started = time.perf_counter()
        late = [0] * INJECTORS

        def inject(k: int) -> None:
            """Every INJECTORS-th mail, each on its due time (threads: one process could
            not always keep 100/s on a loaded machine)."""
            from django.db import connection

            try:
                for i in range(k, count, INJECTORS):
                    pause = started + i / args.rate - time.perf_counter()
                    if pause > 0:
                        time.sleep(pause)
                    elif pause < -0.05:
                        late[k] += 1
                    accept(*messages[i])
            finally:
                connection.close()

        threads = [threading.Thread(target=inject, args=(k,)) for k in range(INJECTORS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        behind = sum(late)
        achieved = count / (time.perf_counter() - started)
        if not wait_until(lambda: pending_mails(first_id) == 0, timeout=3600, every=0.5):
            raise SystemExit("mail not processed within an hour")
    finally:
        stop_workers(workers)
    times = processed_times(first_id)
    summary = summarize([(done - received).total_seconds() for received, done in times])
    log(
        f"  latency at {achieved:.1f}/s: p50 {summary.p50:.0f} ms, p99 {summary.p99:.0f} ms, "
        f"worst {summary.worst:.0f} ms (intake late {behind} times)"
    )
    return Latency(len(times), achieved, summary.p50, summary.p99, summary.worst)


@dataclass
class Burst:
    seconds: float
    mails: int
    intake_per_second: float
    backlog_at_end: int
    drain_seconds: float
    processed_per_second: float


def measure_burst(
    args: argparse.Namespace, env: dict[str, str], kind: str, senders: Senders
) -> Burst:
    rng = random.Random(11)
    tag = f"b-{int(time.time())}"
    first_id = next_mail_id()
    # The messages are made ahead (as a door receives them): only intake is timed.
    estimate = int(args.burst_seconds * (600 if kind == "small" else 60))
    log(f"  burst: making up to {estimate} {kind} mails")
    workers = start_workers(args, env, f"{kind}-burst")
    try:
        warm_workers(rng, tag, kind, senders)
        first_id = next_mail_id()
        started = time.perf_counter()
        deadline = started + args.burst_seconds
        sent = 0
        while time.perf_counter() < deadline:
            raw, sender = make_message(rng, tag, sent, kind, senders, args.reply_share)
            accept(raw, sender)
            sent += 1
        intake_end = time.perf_counter()
        backlog = pending_mails(first_id)
        log(f"  burst: {sent} mails in {intake_end - started:.0f} s, {backlog} waiting at the end")
        if not wait_until(lambda: pending_mails(first_id) == 0, timeout=7200, every=0.5):
            raise SystemExit("burst not drained within two hours")
        drained = time.perf_counter()
    finally:
        stop_workers(workers)
    total = drained - started
    result = Burst(
        seconds=intake_end - started,
        mails=sent,
        intake_per_second=sent / (intake_end - started),
        backlog_at_end=backlog,
        drain_seconds=drained - intake_end,
        processed_per_second=sent / total,
    )
    log(
        f"  burst: intake {result.intake_per_second:.0f}/s, drained {result.drain_seconds:.0f} s "
        f"after intake stopped ({result.processed_per_second:.0f} mails/s overall)"
    )
    return result


# -- report -----------------------------------------------------------------------------------


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def report(
    args: argparse.Namespace,
    results: dict[str, dict[str, Any]],
    loads: list[str],
) -> str:
    title = "## Mail processing (`bench/mail_processing.py`)"
    if args.variant:
        title += f": {args.variant}"
    lines = [
        title,
        "",
        f"- Command: `{command_line()}`",
        *machine_lines(args.postgres_url),
        f"- Database: {args.db}; {args.workers} worker processes (`supportdesk worker`); "
        f"load average (1, 5, 15 min) during the runs: {'; '.join(loads)}",
        "",
        f"| {args.db}, {args.workers} workers | " + " | ".join(results) + " | target |",
        "|---|" + "---|" * len(results) + "---|",
    ]

    def row(label: str, key: str, target: str) -> None:
        cells = [results[kind].get(key, "—") for kind in results]
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {target} |")

    row("mails accepted (accept_message, one process, one commit), mails/s", "accept", "")
    row(
        "**turned into tickets, mails/s** (median of runs; runs)",
        "throughput",
        f"≥ {TARGET_MAILS_PER_SECOND}",
    )
    row("… with routing and acknowledgements sent, mails/s", "all_tasks", "")
    row(
        "CPU per mail, all its tasks: workers (from their first mail) + PostgreSQL backends, ms",
        "cpu",
        "",
    )
    row("mails/s two idle cores could do at that CPU cost (2000 / ms)", "capacity", "")
    row(
        f"250 → ticket at {args.rate:g} mails/s: p50 / p99 / worst, ms",
        "latency",
        f"p99 ≤ {TARGET_P99_MS:.0f}",
    )
    row("burst: intake s, mails/s, backlog at the end, drain s", "burst", "drains")
    row("outcomes of the last throughput run", "outcomes", "")
    return "\n".join(lines) + "\n"


def main() -> int:
    args = parse_args()
    OUT_DIR.mkdir(exist_ok=True)
    kinds = ["small", "large"] if args.kind == "both" else [args.kind]
    sink = Sink()
    data_root = Path(tempfile.mkdtemp(prefix="supportdesk-bench-mail-"))
    results: dict[str, dict[str, Any]] = {}
    loads: list[str] = []
    try:
        env = environment(args, data_root, sink.port)
        if args.db == "postgres":
            fresh_postgres(args.postgres_url)
        setup_django(env)
        prepare_database()
        for kind in kinds:
            senders = load_senders()
            label = "10 KB" if kind == "small" else "1 MB (900 KB attachment)"
            log(f"{args.db}, {label}, {args.workers} workers")
            cells: dict[str, Any] = {}
            if "throughput" in args.only:
                runs = [
                    measure_throughput(args, env, kind, senders, run) for run in range(args.runs)
                ]
                rates = [r.mails_per_second for r in runs]
                cells["accept"] = f"{statistics.median(r.accept_per_second for r in runs):,.0f}"
                cells["throughput"] = (
                    f"**{statistics.median(rates):.1f}** ({', '.join(f'{r:.1f}' for r in rates)}; "
                    f"{runs[0].mails} mails each)"
                )
                cells["all_tasks"] = (
                    f"{statistics.median(r.all_tasks_per_second for r in runs):.1f}"
                )
                worker_ms = statistics.median(r.worker_cpu_ms for r in runs)
                server_ms = statistics.median(r.server_cpu_ms for r in runs)
                cells["cpu"] = (
                    f"{worker_ms:.1f} + {server_ms:.1f} = {worker_ms + server_ms:.1f}"
                    if args.db == "postgres"
                    else f"{worker_ms:.1f} (SQLite works inside the workers)"
                )
                cells["capacity"] = f"{2000 / (worker_ms + server_ms):.0f}"
                cells["outcomes"] = ", ".join(
                    f"{k} {v}" for k, v in sorted(runs[-1].outcomes.items())
                )
            if "latency" in args.only:
                latency = measure_latency(args, env, kind, senders)
                cells["latency"] = (
                    f"{latency.p50_ms:.0f} / {latency.p99_ms:.0f} / {latency.worst_ms:.0f} "
                    f"({latency.mails} mails at {latency.rate:.1f}/s)"
                )
            if "burst" in args.only:
                burst = measure_burst(args, env, kind, senders)
                cells["burst"] = (
                    f"{burst.seconds:.0f} s, {burst.intake_per_second:.0f}/s "
                    f"({burst.mails} mails), {burst.backlog_at_end}, {burst.drain_seconds:.0f} s"
                )
            loads.append(f"{kind}: {load_average()}")
            results[label] = cells
    finally:
        sink.stop()
        shutil.rmtree(data_root, ignore_errors=True)
    text = report(args, results, loads)
    print(text)
    if not args.no_record:
        key = f"bench/mail_processing.py {args.db} {args.kind} {args.workers}w"
        if args.variant:
            key += f" {args.variant}"
        write_section(key, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
