#!/usr/bin/env python3
"""The ticket core at scale: bulk generation, the ticket page and the ticket lists.

    .venv/bin/python bench/tickets.py --db sqlite --tickets 20000     # quick
    .venv/bin/python bench/tickets.py --db postgres                   # 1,000,000 tickets

Each run starts from a fresh database of its own (SQLite: bench/out/tickets-<N>.sqlite3;
PostgreSQL: the database supportdesk_bench, dropped and created), migrates it, generates
the tickets through supportdesk.tickets.services.import_tickets, then times the read paths
at the service/query level, prints a Markdown table and writes its section of
bench/RESULTS.md. `--reuse` skips the generation and measures an existing database again.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

BENCH_DIR = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH_DIR), str(BENCH_DIR.parent)]

from benchlib import (  # noqa: E402
    OUT_DIR,
    Summary,
    command_line,
    machine_lines,
    summarize,
    write_section,
)

POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/supportdesk_bench"
TARGET_TICKETS_PER_SECOND = 2000
TARGET_P95_MS = 50.0
PROGRESS_EVERY = 50_000


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=500, help="timed calls per measurement")
    parser.add_argument("--batch-size", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=20240304)
    parser.add_argument(
        "--postgres-url",
        default=POSTGRES_URL,
        help="its database is dropped and created; its name must start with supportdesk_bench",
    )
    parser.add_argument(
        "--reuse", action="store_true", help="measure an existing benchmark database again"
    )
    parser.add_argument(
        "--no-record", action="store_true", help="print only; leave bench/RESULTS.md alone"
    )
    parser.add_argument(
        "--variant",
        default="",
        help="a name for a run with other settings; it gets its own RESULTS.md section",
    )
    args = parser.parse_args()
    if args.tickets < 100:
        parser.error("--tickets: at least 100")
    if not urlsplit(args.postgres_url).path.lstrip("/").startswith("supportdesk_bench"):
        parser.error("--postgres-url: refusing to drop a database not named supportdesk_bench*")
    return args


def sqlite_path(tickets: int) -> Path:
    return OUT_DIR / f"tickets-{tickets}.sqlite3"


def database_url(args: argparse.Namespace) -> str:
    if args.db == "sqlite":
        return f"sqlite:///{sqlite_path(args.tickets)}"
    return str(args.postgres_url)


def fresh_database(args: argparse.Namespace) -> None:
    if args.db == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{sqlite_path(args.tickets)}{suffix}").unlink(missing_ok=True)
        return
    import psycopg

    parts = urlsplit(args.postgres_url)
    name = parts.path.lstrip("/")
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def log(text: str) -> None:
    print(f"[{datetime.now().strftime('%H:%M:%S')}] {text}", flush=True)


@dataclass
class Generation:
    tickets: int = 0
    messages: int = 0
    seconds: float = 0.0
    row_seconds: float = 0.0  # spent making rows in Python, not importing them
    vacuum_seconds: float = 0.0
    vacuum_statement: str = ""
    # CPU actually used, a figure the neighbours' load disturbs less than wall time:
    # this process (SQLite runs inside it) and the PostgreSQL backend serving it.
    cpu_seconds: float = 0.0
    server_cpu_seconds: float = 0.0
    load_before: float = 0.0
    load_after: float = 0.0


def cpu_seconds_of(pid: int) -> float:
    """utime + stime from /proc/<pid>/stat (fields 14 and 15)."""
    after_name = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(after_name[11]) + int(after_name[12])) / os.sysconf("SC_CLK_TCK")


def backend_pid() -> int | None:
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])


def counted(rows: Iterable[Any], generation: Generation, started: float) -> Iterator[Any]:
    """Pass rows through, timing their making and logging the rate as they go."""
    iterator = iter(rows)
    while True:
        before = time.perf_counter()
        try:
            row = next(iterator)
        except StopIteration:
            generation.row_seconds += time.perf_counter() - before
            return
        generation.row_seconds += time.perf_counter() - before
        generation.tickets += 1
        generation.messages += len(row.messages)
        if generation.tickets % PROGRESS_EVERY == 0:
            elapsed = time.perf_counter() - started
            log(
                f"{generation.tickets:>9,} rows handed over, "
                f"{generation.tickets / elapsed:,.0f} tickets/s overall"
            )
        yield row


@dataclass(frozen=True)
class Row:
    label: str
    summary: Summary
    target: bool  # held to the p95 target

    def cells(self) -> str:
        s = self.summary
        verdict = ""
        if self.target:
            verdict = "yes" if s.p95 <= TARGET_P95_MS else "**no**"
        target = f"≤ {TARGET_P95_MS:.0f}" if self.target else "—"
        return (
            f"| {self.label} | {s.samples} | {s.p50:.2f} | {s.p95:.2f} | {s.p99:.2f} "
            f"| {s.worst:.2f} | {target} | {verdict} |"
        )


def main() -> int:
    args = parse_args()
    OUT_DIR.mkdir(exist_ok=True)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DATABASE_URL"] = database_url(args)
    os.environ["SUPPORTDESK_DEBUG"] = "false"
    os.environ["SUPPORTDESK_DATA_DIR"] = str(OUT_DIR / "data")
    os.environ["SUPPORTDESK_LOG_LEVEL"] = "WARNING"
    if not args.reuse:
        fresh_database(args)

    import django

    django.setup()
    from django.core.management import call_command

    log(f"migrating {'the existing' if args.reuse else 'a fresh'} {args.db} database")
    call_command("migrate", verbosity=0, interactive=False)
    return run(args)


def run(args: argparse.Namespace) -> int:
    import ticket_data
    import ticket_reads
    from django.db import connection

    from supportdesk.accounts.models import Contact, Team, Technician
    from supportdesk.tickets.models import Message, Ticket, format_reference
    from supportdesk.tickets.selectors import TicketFilters
    from supportdesk.tickets.services import import_tickets

    rng = random.Random(args.seed)
    generation = Generation()
    if not args.reuse:
        cast = ticket_data.create_cast(tickets=args.tickets, rng=rng)
        log(f"cast: {len(cast.contact_ids):,} contacts, {len(cast.teams)} teams; generating")
        end = datetime.now(UTC).replace(microsecond=0)
        rows = ticket_data.generate_rows(cast=cast, count=args.tickets, rng=rng, end=end)
        server = backend_pid()
        server_cpu = cpu_seconds_of(server) if server else 0.0
        cpu = time.process_time()
        generation.load_before = os.getloadavg()[0]
        started = time.perf_counter()
        imported = import_tickets(
            rows=counted(rows, generation, started), batch_size=args.batch_size
        )
        generation.seconds = time.perf_counter() - started
        generation.cpu_seconds = time.process_time() - cpu
        if server:
            generation.server_cpu_seconds = cpu_seconds_of(server) - server_cpu
        generation.load_after = os.getloadavg()[0]
        assert imported == generation.tickets == args.tickets
        log(
            f"generated {imported:,} tickets and {generation.messages:,} messages in "
            f"{generation.seconds:,.1f} s: {imported / generation.seconds:,.0f} tickets/s"
        )

    total_tickets = Ticket.objects.count()
    total_messages = Message.objects.count()
    first_number, last_number = (
        Ticket.objects.order_by("number").values_list("number", flat=True).first(),
        Ticket.objects.order_by("-number").values_list("number", flat=True).first(),
    )
    assert first_number is not None and last_number is not None
    samples = args.samples
    results: list[Row] = []
    teams = list(Team.objects.order_by("pk"))
    technicians = {
        team.pk: Technician.objects.filter(teams=team, role=Technician.Role.TECHNICIAN)
        .order_by("pk")
        .first()
        for team in teams
    }
    supervisor = Technician.objects.filter(role=Technician.Role.SUPERVISOR).order_by("pk").first()
    assert supervisor is not None

    positions = ticket_reads.random_positions(rng, first_number, last_number, samples)

    def technician_list(n: int) -> list[ticket_reads.PageTime]:
        viewer = technicians[teams[0].pk]
        return ticket_reads.walk(
            viewer, TicketFilters(), before=positions[n % len(positions)], max_pages=10
        )

    if not args.reuse and connection.vendor == "sqlite":
        # Nothing gathers planner statistics on SQLite by itself (PostgreSQL's autovacuum
        # does): measure one list that depends on them, then ANALYZE as an operator would.
        log("a technician's list before ANALYZE")
        times = ticket_reads.walk_until(100, technician_list)
        results.append(
            Row(
                "all tickets visible to a technician, before ANALYZE (no statistics)",
                summarize([t.seconds for t in times]),
                True,
            )
        )
        plans_before = [
            ticket_reads.explain(
                "all tickets visible to a technician, a deep page, before ANALYZE",
                lambda: ticket_reads.walk(
                    technicians[teams[0].pk],
                    TicketFilters(),
                    before=(first_number + last_number) // 2,
                    max_pages=1,
                ),
                expected_index=("sqlite_autoindex_tickets_ticket",),
            )
        ]
        statement = "ANALYZE"
    else:
        plans_before = []
        # What autovacuum does shortly after a bulk load; done now so that the
        # measurements do not depend on when it runs.
        statement = "VACUUM ANALYZE"
    if not args.reuse:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(statement)
        generation.vacuum_seconds = time.perf_counter() - started
        generation.vacuum_statement = statement
        log(f"{statement} took {generation.vacuum_seconds:.1f} s")
    read_loads = [os.getloadavg()[0]]

    # The ticket page: random tickets among those with 20 messages.
    long_threads = list(
        Ticket.objects.filter(message_count=ticket_data.LONG_THREAD).values_list(
            "number", flat=True
        )
    )
    chosen = (
        rng.sample(long_threads, samples)
        if len(long_threads) >= samples
        else rng.choices(long_threads, k=samples)
    )
    references = [format_reference(n) for n in chosen]
    assert len(ticket_reads.open_ticket_page(references[0]).messages) == ticket_data.LONG_THREAD
    log(f"ticket page: {samples} of {len(long_threads):,} tickets with 20 messages")
    first_touch = ticket_reads.time_ticket_pages(references)
    warm = ticket_reads.time_ticket_pages(references)
    results.append(
        Row("ticket page, 20 messages: access_ticket + get_ticket_detail", summarize(warm), True)
    )
    results.append(
        Row(
            "ticket page, same tickets on first touch (before warm-up)",
            summarize(first_touch),
            False,
        )
    )

    # A team's unresolved tickets, page by page, as a technician of the team and a supervisor.
    def queue(team: Team) -> TicketFilters:
        return TicketFilters(team_id=team.pk, unresolved=True)

    log("team queues")
    for viewer_name in ("technician", "supervisor"):
        times = ticket_reads.walk_until(
            samples,
            lambda n, viewer_name=viewer_name: ticket_reads.walk(
                technicians[teams[n % len(teams)].pk]
                if viewer_name == "technician"
                else supervisor,
                queue(teams[n % len(teams)]),
            ),
            min_walks=len(teams),  # every team's queue from its first page to its last
        )
        deepest = max(t.page for t in times) + 1
        results.append(
            Row(
                f"team queue, unresolved, as a {viewer_name}: every page (1 to {deepest})",
                summarize([t.seconds for t in times]),
                True,
            )
        )
        if viewer_name == "technician":
            deep = [t.seconds for t in times if t.page >= 100]
            if deep:
                results.append(
                    Row(
                        "team queue, unresolved, as a technician: pages 101 and deeper",
                        summarize(deep),
                        True,
                    )
                )
    first_pages = []
    for n in range(samples):
        team = teams[n % len(teams)]
        first_pages += ticket_reads.walk(technicians[team.pk], queue(team), max_pages=1)
    results.append(
        Row(
            "team queue, unresolved, as a technician: first page only",
            summarize([t.seconds for t in first_pages]),
            True,
        )
    )

    # Every ticket newest first: from the top, then from random places (deep pages).
    log("global lists")
    for label, walks in (
        (
            "all tickets newest first, as a supervisor",
            lambda n: ticket_reads.walk(
                supervisor, TicketFilters(), before=positions[n % len(positions)], max_pages=10
            ),
        ),
        ("all tickets visible to a technician, newest first", technician_list),
    ):
        times = ticket_reads.walk_until(samples, walks)
        results.append(
            Row(
                f"{label}: 10 pages from the top and from random places",
                summarize([t.seconds for t in times]),
                True,
            )
        )

    # A customer's own requests, as that customer.
    log("customer lists")
    contact_ids = list(Contact.objects.values_list("pk", flat=True))

    def customer_walk(n: int) -> list[ticket_reads.PageTime]:
        contact = Contact.objects.get(pk=rng.choice(contact_ids))
        return ticket_reads.walk(contact, TicketFilters(requester_id=contact.pk))

    times = ticket_reads.walk_until(samples, customer_walk)
    results.append(
        Row(
            "a customer's own requests, as that customer: every page",
            summarize([t.seconds for t in times]),
            True,
        )
    )

    read_loads.append(os.getloadavg()[0])

    # Plans of the list queries.
    log("plans")
    team = teams[0]
    technician = technicians[team.pk]
    deep_before = first_number + (last_number - first_number) // 2
    customer = Contact.objects.get(pk=contact_ids[0])
    plans = [
        *plans_before,
        ticket_reads.explain(
            "team queue (technician), first page",
            lambda: ticket_reads.walk(technician, queue(team), max_pages=1),
            expected_index=("ticket_team_unresolved",),
        ),
        ticket_reads.explain(
            "team queue (technician), a deep page",
            lambda: ticket_reads.walk(technician, queue(team), before=deep_before, max_pages=1),
            expected_index=("ticket_team_unresolved",),
        ),
        ticket_reads.explain(
            "team queue (supervisor), first page",
            lambda: ticket_reads.walk(supervisor, queue(team), max_pages=1),
            expected_index=("ticket_team_unresolved",),
        ),
        ticket_reads.explain(
            "all tickets (supervisor), a deep page",
            lambda: ticket_reads.walk(supervisor, TicketFilters(), before=deep_before, max_pages=1),
            expected_index=("tickets_ticket_number_key", "sqlite_autoindex_tickets_ticket"),
        ),
        ticket_reads.explain(
            "all tickets visible to a technician, a deep page",
            lambda: ticket_reads.walk(technician, TicketFilters(), before=deep_before, max_pages=1),
            expected_index=("tickets_ticket_number_key", "sqlite_autoindex_tickets_ticket"),
        ),
        ticket_reads.explain(
            "a customer's own requests",
            lambda: ticket_reads.walk(
                customer, TicketFilters(requester_id=customer.pk), max_pages=1
            ),
            expected_index=("ticket_requester_number",),
        ),
    ]

    report = render(
        args, generation, results, plans, total_tickets, total_messages, database_size(), read_loads
    )
    print(report)
    plans_file = plans_path(args)
    plans_file.write_text(
        "\n\n".join(f"## {p.label}\n{p.sql}\n\n" + "\n".join(p.lines) for p in plans) + "\n"
    )
    if not args.no_record:
        key = f"bench/tickets.py {args.db} {args.tickets}"
        write_section(f"{key} {args.variant}" if args.variant else key, report)
        log("bench/RESULTS.md updated")
    missed = [r for r in results if r.target and r.summary.p95 > TARGET_P95_MS]
    slow_import = (
        generation.seconds and generation.tickets / generation.seconds < TARGET_TICKETS_PER_SECOND
    )
    return 1 if missed or slow_import else 0


def plans_path(args: argparse.Namespace) -> Path:
    variant = "".join(c if c.isalnum() else "-" for c in args.variant)
    return OUT_DIR / f"plans-{args.db}-{args.tickets}{'-' + variant if variant else ''}.txt"


def database_size() -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
            return str(cursor.fetchone()[0])
    path = Path(connection.settings_dict["NAME"])
    size = sum(
        Path(f"{path}{suffix}").stat().st_size
        for suffix in ("", "-wal")
        if Path(f"{path}{suffix}").exists()
    )
    return f"{size / 1024**3:.1f} GiB"


def render(
    args: argparse.Namespace,
    generation: Generation,
    results: list[Row],
    plans: list[Any],
    total_tickets: int,
    total_messages: int,
    size: str,
    read_loads: list[float],
) -> str:
    name = "SQLite" if args.db == "sqlite" else "PostgreSQL"
    lines = [
        f"## Ticket core, {name}, {args.tickets:,} tickets"
        + (f", {args.variant}" if args.variant else ""),
        "",
        f"- Command: `{command_line()}`",
        *machine_lines(str(args.postgres_url)),
        f"- Data: {total_tickets:,} tickets, {total_messages:,} messages "
        f"({total_messages / total_tickets:.2f} per ticket, 1 % with 20, bodies 600 B - 2 KB), "
        f"database {size}",
        "",
    ]
    if generation.seconds:
        import_only = generation.seconds - generation.row_seconds
        rate = generation.tickets / generation.seconds
        lines += [
            "| bulk generation (import_tickets, batches of "
            f"{args.batch_size:,}) | value | target |",
            "|---|---|---|",
            f"| wall time | {generation.seconds:,.1f} s | |",
            f"| tickets/s | {rate:,.0f} | ≥ {TARGET_TICKETS_PER_SECOND:,} "
            f"({'met' if rate >= TARGET_TICKETS_PER_SECOND else '**missed**'}) |",
            f"| messages/s | {generation.messages / generation.seconds:,.0f} | |",
            f"| tickets/s in import_tickets alone (without making the rows: "
            f"{generation.row_seconds:,.1f} s) | {generation.tickets / import_only:,.0f} | |",
        ]
        cpu_total = generation.cpu_seconds + generation.server_cpu_seconds
        lines += [
            f"| CPU used: this process / PostgreSQL backend | {generation.cpu_seconds:,.1f} s"
            f" / {generation.server_cpu_seconds:,.1f} s | |",
            f"| tickets per CPU second (both) | {generation.tickets / cpu_total:,.0f} | |",
            f"| load average (1 min) before / after | {generation.load_before:.1f} / "
            f"{generation.load_after:.1f} | |",
        ]
        if generation.vacuum_seconds:
            statement, seconds = generation.vacuum_statement, generation.vacuum_seconds
            lines.append(f"| {statement} afterwards | {seconds:,.1f} s | |")
        lines.append("")
    else:
        lines += ["Generation not timed in this run (`--reuse`).", ""]
    lines += [
        "Reads: wall time around each service call in this one process, one call at a time, "
        "ORM hydration included; keyset pages of 50. The technician viewer keeps its team ids "
        "cached, as within one request. Load average (1 min) "
        f"{read_loads[0]:.1f} when the reads began, {read_loads[-1]:.1f} when they ended.",
        "",
        "| read path (service/query level, warm) | samples | p50 ms | p95 ms | p99 ms "
        "| max ms | target p95 | met |",
        "|---|---|---|---|---|---|---|---|",
        *(row.cells() for row in results),
        "",
        "Plans of the list queries ("
        + ("EXPLAIN ANALYZE" if args.db == "postgres" else "EXPLAIN QUERY PLAN")
        + f"; full text in `bench/out/{plans_path(args).name}`):",
        "",
    ]
    for plan in plans:
        uses = "uses" if plan.uses_expected_index else "**does not use**"
        index = " or ".join(f"`{name}`" for name in plan.expected_index)
        lines.append(f"- {plan.label} ({uses} {index}): {plan.summary()}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
