#!/usr/bin/env python3
"""Service levels on the 1 M-ticket benchmark database: clocks for every live ticket, the
SLA columns of a queue page, and the catch-up sweep.

    .venv/bin/python bench/sla_list.py                  # PostgreSQL, supportdesk_bench
    .venv/bin/python bench/sla_list.py --db sqlite      # bench/out/tickets-1000000.sqlite3

It works on the database bench/tickets.py generated (never regenerates the tickets):

1. makes sure the Paris business calendar and the free plan's SLA targets exist, attaches
   the plan to tickets without one (one UPDATE), and gives every unresolved ticket its
   service-level clocks the way the product computes them (terms_for + compute_deadlines
   from created_at: first response and resolution; pending tickets paused; an answered
   ticket's first-response clock stopped at its first answer, as on_answer does), written in
   bulk (COPY on PostgreSQL, executemany on SQLite) together with Ticket.due_at/breach_at
   (what refresh_ticket_due copies: the nearest running, unpaused clock);
2. times, warm, a team's unresolved queue page with and without its SLA columns, the
   sweep's selection query (with its plan) and one sweep_deadlines(batch=500) run;
3. prints a Markdown section and writes it into bench/RESULTS.md.

A rerun deletes the Deadline rows and writes them again; tickets escalated by a previous
run's sweep keep their escalation and events (this is a benchmark database).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

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
SQLITE_PATH = OUT_DIR / "tickets-1000000.sqlite3"
PAGE_SIZE = 50
TARGET_COMPUTATIONS_PER_SECOND = 100_000
CALENDAR_NAME = "Paris office"
WEEKLY_HOURS = {str(d): [["09:00", "12:00"], ["14:00", "18:00"]] for d in range(1, 6)}
COPY_CHUNK = 20_000


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--samples", type=int, default=500, help="timed calls per measurement")
    parser.add_argument("--postgres-url", default=POSTGRES_URL)
    parser.add_argument("--sqlite-path", type=Path, default=SQLITE_PATH)
    parser.add_argument(
        "--no-record", action="store_true", help="print only; leave bench/RESULTS.md alone"
    )
    parser.add_argument(
        "--variant", default="", help="a name for a run with other settings (own section)"
    )
    args = parser.parse_args()
    if not urlsplit(args.postgres_url).path.lstrip("/").startswith("supportdesk_bench"):
        parser.error("--postgres-url: this script rewrites data; only supportdesk_bench*")
    if args.db == "sqlite" and not args.sqlite_path.exists():
        parser.error(f"{args.sqlite_path} does not exist: run bench/tickets.py --db sqlite")
    return args


def log(text: str) -> None:
    print(f"[{datetime.now().strftime('%H:%M:%S')}] {text}", flush=True)


@dataclass
class Clocks:
    unresolved: int = 0
    plan_attached: int = 0
    read_seconds: float = 0.0
    computations: int = 0
    compute_seconds: float = 0.0
    deadline_rows: int = 0
    deadline_seconds: float = 0.0
    ticket_rows: int = 0
    ticket_seconds: float = 0.0
    delete_seconds: float = 0.0
    maintenance: str = ""
    maintenance_seconds: float = 0.0
    by_state: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Row:
    label: str
    summary: Summary

    def cells(self) -> str:
        s = self.summary
        return (
            f"| {self.label} | {s.samples} | {s.p50:.2f} | {s.p95:.2f} | {s.p99:.2f} "
            f"| {s.worst:.2f} |"
        )


def main() -> int:
    args = parse_args()
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DATABASE_URL"] = (
        f"sqlite:///{args.sqlite_path}" if args.db == "sqlite" else str(args.postgres_url)
    )
    os.environ["SUPPORTDESK_DEBUG"] = "false"
    os.environ["SUPPORTDESK_DATA_DIR"] = str(OUT_DIR / "data")
    os.environ["SUPPORTDESK_LOG_LEVEL"] = "WARNING"

    import django

    django.setup()
    from django.core.management import call_command

    log(f"migrating the existing {args.db} database (no-op when up to date)")
    call_command("migrate", verbosity=0, interactive=False)
    return run(args)


# 1. The service-level clocks of every live ticket.


def ensure_plan() -> tuple[int, bool]:
    """The Paris calendar and the free plan's targets; returns the plan id and whether
    anything had to be created or changed."""
    from django.db import transaction

    from supportdesk.core.models import BusinessCalendar
    from supportdesk.plans.models import Plan, SlaTarget
    from supportdesk.sla.policy import clear_caches

    Metric, Unit = SlaTarget.Metric, SlaTarget.Unit
    wanted = {
        Metric.FIRST_RESPONSE: (1, 2),
        Metric.NEXT_RESPONSE: (1, 2),
        Metric.RESOLUTION: (10, None),
    }
    changed = False
    with transaction.atomic():
        calendar, created = BusinessCalendar.objects.get_or_create(
            name=CALENDAR_NAME,
            defaults={
                "time_zone": "Europe/Paris",
                "weekly_hours": WEEKLY_HOURS,
                "holiday_country": "FR",
            },
        )
        changed |= created
        if (calendar.time_zone, calendar.weekly_hours, calendar.holiday_country) != (
            "Europe/Paris",
            WEEKLY_HOURS,
            "FR",
        ):
            calendar.time_zone, calendar.weekly_hours = "Europe/Paris", WEEKLY_HOURS
            calendar.holiday_country = "FR"
            calendar.save()
            changed = True
        plan, created = Plan.objects.get_or_create(
            code="free", defaults={"name": "Free support", "calendar": calendar}
        )
        changed |= created
        if plan.calendar_id != calendar.pk:
            plan.calendar = calendar
            plan.save(update_fields=["calendar"])
            changed = True
        for metric, (target, limit) in wanted.items():
            _, created = SlaTarget.objects.update_or_create(
                plan=plan,
                metric=metric,
                priority="",
                defaults={"unit": Unit.WORKING_DAYS, "target": target, "limit": limit},
            )
            changed |= created
    clear_caches()
    return plan.pk, changed


def give_clocks(plan_id: int) -> Clocks:
    from django.db import connection, transaction

    from supportdesk.plans.models import SlaTarget
    from supportdesk.sla.policy import compute_deadlines, terms_for
    from supportdesk.tickets.choices import UNRESOLVED_STATUSES, Status
    from supportdesk.tickets.models import Deadline, Ticket

    Metric = SlaTarget.Metric
    clocks = Clocks()
    clocks.plan_attached = Ticket.objects.filter(plan__isnull=True).update(plan_id=plan_id)

    started = time.perf_counter()
    live = list(
        Ticket.objects.filter(status__in=list(UNRESOLVED_STATUSES))
        .order_by("pk")
        .values_list(
            "pk", "created_at", "updated_at", "status", "priority", "plan_id", "first_responded_at"
        )
    )
    clocks.read_seconds = time.perf_counter() - started
    clocks.unresolved = len(live)
    log(f"{len(live):,} unresolved tickets read in {clocks.read_seconds:.1f} s")

    # The computations alone, in this process: what start_clock does before its INSERT.
    deadline_rows: list[tuple[Any, ...]] = []
    ticket_rows: list[tuple[Any, ...]] = []
    met = Deadline.StopReason.MET
    started = time.perf_counter()
    for pk, created_at, updated_at, status, priority, ticket_plan, responded in live:
        # pause_clocks stamps the moment the ticket went pending: its last change here.
        paused_at = max(updated_at, created_at) if status == Status.PENDING else None
        nearest: tuple[datetime, datetime] | None = None
        for metric in (Metric.FIRST_RESPONSE, Metric.RESOLUTION):
            found = terms_for(plan_id=ticket_plan, metric=metric, priority=priority)
            if found is None:
                continue
            calendar, terms = found
            due = compute_deadlines(calendar, terms, created_at)
            clocks.computations += 1
            stopped_at = None
            if metric == Metric.FIRST_RESPONSE and responded and status != Status.REREVIEW:
                stopped_at = responded  # on_answer stopped it; re-review owes a new answer
            deadline_rows.append(
                (
                    pk,
                    metric,
                    created_at,
                    due.target_at,
                    due.breach_at,
                    due.warn_at,
                    None if stopped_at else paused_at,
                    stopped_at,
                    met if stopped_at else "",
                )
            )
            running = stopped_at is None and paused_at is None
            if running and (nearest is None or due.target_at < nearest[0]):
                nearest = (due.target_at, due.breach_at)
        ticket_rows.append((pk, *(nearest or (None, None))))
    clocks.compute_seconds = time.perf_counter() - started
    log(
        f"{clocks.computations:,} deadline computations in {clocks.compute_seconds:.2f} s: "
        f"{clocks.computations / clocks.compute_seconds:,.0f}/s"
    )

    with transaction.atomic():
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM tickets_deadline")
        clocks.delete_seconds = time.perf_counter() - started
        started = time.perf_counter()
        write_deadlines(deadline_rows)
        clocks.deadline_seconds = time.perf_counter() - started
        clocks.deadline_rows = len(deadline_rows)
        log(
            f"{len(deadline_rows):,} Deadline rows in {clocks.deadline_seconds:.2f} s: "
            f"{len(deadline_rows) / clocks.deadline_seconds:,.0f} rows/s"
        )
        started = time.perf_counter()
        write_ticket_due(ticket_rows)
        clocks.ticket_seconds = time.perf_counter() - started
        clocks.ticket_rows = len(ticket_rows)
        log(
            f"{len(ticket_rows):,} tickets' due_at/breach_at in {clocks.ticket_seconds:.2f} s: "
            f"{len(ticket_rows) / clocks.ticket_seconds:,.0f} rows/s"
        )

    # What autovacuum / PRAGMA optimize would do after such a load, done now so the reads
    # below do not depend on when it happens.
    statement = (
        "VACUUM ANALYZE tickets_deadline, tickets_ticket"
        if connection.vendor == "postgresql"
        else "ANALYZE tickets_deadline"
    )
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(statement)
    clocks.maintenance, clocks.maintenance_seconds = statement, time.perf_counter() - started
    log(f"{statement}: {clocks.maintenance_seconds:.1f} s")

    now = datetime.now(UTC)
    for row in deadline_rows:
        state = deadline_state(row, now)
        clocks.by_state[state] = clocks.by_state.get(state, 0) + 1
    return clocks


def deadline_state(row: tuple[Any, ...], at: datetime) -> str:
    _, _, _, target_at, breach_at, warn_at, paused_at, stopped_at, _ = row
    if stopped_at is not None:
        return "met" if stopped_at <= breach_at else "missed"
    if paused_at is not None:
        return "paused"
    if at >= breach_at:
        return "breached"
    if at >= target_at:
        return "overdue"
    return "warning" if at >= warn_at else "running"


DEADLINE_COLUMNS = (
    "ticket_id",
    "metric",
    "started_at",
    "target_at",
    "breach_at",
    "warn_at",
    "paused_at",
    "stopped_at",
    "stop_reason",
)


def write_deadlines(rows: list[tuple[Any, ...]]) -> None:
    """Plain rows, as import_tickets writes tickets: COPY on PostgreSQL, executemany on
    SQLite; every column not named takes its field default (paused_seconds 0)."""
    from django.db import connection

    columns = (*DEADLINE_COLUMNS, "paused_seconds")
    rows = [(*row, 0) for row in rows]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(
                f"COPY tickets_deadline ({', '.join(columns)}) FROM STDIN"
            ) as copy:
                for row in rows:
                    copy.write_row(row)
            return
        adapt = connection.ops.adapt_datetimefield_value
        names, marks = ", ".join(columns), ", ".join("%s" for _ in columns)
        sql = f"INSERT INTO tickets_deadline ({names}) VALUES ({marks})"  # noqa: S608 (constants)
        for start in range(0, len(rows), COPY_CHUNK):
            cursor.executemany(
                sql,
                [
                    tuple(adapt(v) if isinstance(v, datetime) else v for v in row)
                    for row in rows[start : start + COPY_CHUNK]
                ],
            )


def write_ticket_due(rows: list[tuple[Any, ...]]) -> None:
    """Ticket.due_at/breach_at: COPY into a temporary table and one UPDATE ... FROM on
    PostgreSQL; executemany of UPDATE by primary key on SQLite."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE TEMPORARY TABLE sla_due (id bigint PRIMARY KEY, due_at timestamptz, "
                "breach_at timestamptz) ON COMMIT DROP"
            )
            with cursor.cursor.copy("COPY sla_due (id, due_at, breach_at) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute(
                "UPDATE tickets_ticket AS t SET due_at = s.due_at, breach_at = s.breach_at "
                "FROM sla_due AS s WHERE t.id = s.id"
            )
            return
        adapt = connection.ops.adapt_datetimefield_value
        for start in range(0, len(rows), COPY_CHUNK):
            cursor.executemany(
                "UPDATE tickets_ticket SET due_at = %s, breach_at = %s WHERE id = %s",
                [
                    (adapt(due), adapt(breach), pk)
                    for pk, due, breach in rows[start : start + COPY_CHUNK]
                ],
            )


# 2. Reads.


def span(seconds: float) -> str:
    minutes = int(abs(seconds)) // 60
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} h"
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


def sla_column(
    summary: dict[str, Any], due_at: datetime | None, breach_at: datetime | None, at: datetime
) -> dict[str, Any]:
    """What a queue row shows: the state of the nearest promise and the time left."""
    if due_at is None:
        state, text = "none", "-"
    elif breach_at is not None and breach_at <= at:
        state, text = "breached", f"breached {span((at - breach_at).total_seconds())} ago"
    elif due_at <= at:
        state, text = "overdue", f"overdue by {span((at - due_at).total_seconds())}"
    else:
        state, text = "due", f"due in {span((due_at - at).total_seconds())}"
    summary["sla"] = {"state": state, "text": text}
    return summary


@dataclass(frozen=True)
class PageTimes:
    with_sla: list[float]
    without_sla: list[float]
    states: dict[str, int]


def queue_pages(samples: int) -> PageTimes:
    """Each team's unresolved queue, as a technician of the team, page after page. Every
    page is served twice, with and without its SLA columns, in alternating order, so the
    neighbours' load falls on both alike."""
    from supportdesk.accounts.models import Team, Technician
    from supportdesk.core.clock import now
    from supportdesk.tickets.selectors import TicketFilters, list_tickets
    from supportdesk.tickets.serializers import ticket_summary

    teams = list(Team.objects.order_by("pk"))
    viewers = [
        Technician.objects.filter(teams=team, role=Technician.Role.TECHNICIAN)
        .order_by("pk")
        .first()
        for team in teams
    ]

    def plain(viewer: Any, filters: TicketFilters, before: int | None) -> Any:
        page = list_tickets(viewer=viewer, filters=filters, limit=PAGE_SIZE, before=before)
        rows = [ticket_summary(t) for t in page.tickets]
        for row in rows:  # the queue without the SLA columns
            del row["due_at"], row["breach_at"]
        return page, rows

    def with_sla(viewer: Any, filters: TicketFilters, before: int | None) -> Any:
        page = list_tickets(viewer=viewer, filters=filters, limit=PAGE_SIZE, before=before)
        at = now()
        rows = [sla_column(ticket_summary(t), t.due_at, t.breach_at, at) for t in page.tickets]
        return page, rows

    times: dict[str, list[float]] = {"with": [], "without": []}
    states: dict[str, int] = {}
    walk = 0
    while min(len(v) for v in times.values()) < samples:
        team, viewer = teams[walk % len(teams)], viewers[walk % len(teams)]
        filters = TicketFilters(team_id=team.pk, unresolved=True)
        before: int | None = None
        page_number = 0
        while True:
            order = [("with", with_sla), ("without", plain)]
            if page_number % 2:
                order.reverse()
            for name, call in order:
                started = time.perf_counter()
                page, rows = call(viewer, filters, before)
                times[name].append(time.perf_counter() - started)
                if name == "with":
                    for row in rows:
                        states[row["sla"]["state"]] = states.get(row["sla"]["state"], 0) + 1
            page_number += 1
            if page.next_before is None or min(len(v) for v in times.values()) >= samples:
                break
            before = page.next_before
        walk += 1
    return PageTimes(times["with"], times["without"], states)


def sweep_selection(at: datetime | None = None) -> list[int]:
    """What sweep_deadlines selects, at `now()` or at another instant."""
    from supportdesk.core.clock import now
    from supportdesk.tickets.services.escalation import overdue_deadline_ids

    return overdue_deadline_ids(at or now(), limit=500)


def timed(call: Callable[[], Any], samples: int) -> list[float]:
    times = []
    for _ in range(samples):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return times


def small_backlog_at() -> datetime:
    """An instant at which only a few hundred clocks are overdue (the steady state, when
    the scheduled checks run on time): the 300th earliest pending warning."""
    from supportdesk.tickets.models import Deadline

    pending = Deadline.objects.filter(
        stopped_at__isnull=True, paused_at__isnull=True, warned_at__isnull=True
    )
    return pending.order_by("warn_at").values_list("warn_at", flat=True)[299]


def explain_sweep(at: datetime | None = None) -> tuple[str, list[str]]:
    """The selection query's plan, explained with the parameters it was sent with."""
    from django.db import connection

    sent: list[tuple[str, Any]] = []

    def capture(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        sent.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        sweep_selection(at)
    sql, params = sent[0]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            lines = [row[0] for row in cursor.fetchall()]
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            lines = [row[3] for row in cursor.fetchall()]
    return sql % tuple(repr(p) for p in params or ()), lines


@dataclass(frozen=True)
class Sweep:
    looked_at: int
    seconds: float
    warned: int
    escalated: int
    backlog_before: int
    queries: int


def run_sweep() -> Sweep:
    from django.db import connection
    from django.db.models import Q

    from supportdesk.core.clock import now
    from supportdesk.tickets.models import Deadline
    from supportdesk.tickets.services.escalation import sweep_deadlines

    at = now()
    running = Deadline.objects.filter(stopped_at__isnull=True, paused_at__isnull=True)
    backlog = running.filter(
        Q(breached_at__isnull=True, breach_at__lte=at) | Q(warned_at__isnull=True, warn_at__lte=at)
    ).count()
    warned = Deadline.objects.filter(warned_at__isnull=False).count()
    escalated = Deadline.objects.filter(breached_at__isnull=False).count()
    sent = 0

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal sent
        sent += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        started = time.perf_counter()
        looked_at = sweep_deadlines(batch=500)
        seconds = time.perf_counter() - started
    return Sweep(
        looked_at,
        seconds,
        Deadline.objects.filter(warned_at__isnull=False).count() - warned,
        Deadline.objects.filter(breached_at__isnull=False).count() - escalated,
        backlog,
        sent,
    )


def join_collapse_limit() -> str:
    from django.db import connection

    if connection.vendor != "postgresql":
        return "n/a (SQLite)"
    with connection.cursor() as cursor:
        cursor.execute("SHOW join_collapse_limit")
        return str(cursor.fetchone()[0])


def run(args: argparse.Namespace) -> int:
    from django.db import connection

    from supportdesk.tickets.models import Deadline, Ticket

    collapse = join_collapse_limit()
    log(f"join_collapse_limit: {collapse}")
    plan_id, plan_changed = ensure_plan()
    log(f"free plan {plan_id}: {'created or updated' if plan_changed else 'already in place'}")
    clocks = give_clocks(plan_id)

    total_tickets = Ticket.objects.count()
    samples = args.samples
    log("warming up: one walk of a queue, the sweep query")
    queue_pages(60)
    timed(sweep_selection, 20)

    log(f"queue pages with and without SLA columns, {samples} each")
    pages = queue_pages(samples)
    log(f"sweep selection query, {samples} times, at now() and with a small backlog")
    selection_times = timed(sweep_selection, samples)
    selection_rows = len(sweep_selection())
    quiet_at = small_backlog_at()
    quiet_times = timed(lambda: sweep_selection(quiet_at), samples)
    quiet_rows = len(sweep_selection(quiet_at))
    plans = [
        ("at now(), the whole backlog", *explain_sweep()),
        (f"at {quiet_at:%Y-%m-%d %H:%M} UTC, a small backlog", *explain_sweep(quiet_at)),
    ]
    log("one sweep_deadlines(batch=500)")
    sweep = run_sweep()
    log(f"sweep: {sweep.looked_at} deadlines in {sweep.seconds:.2f} s")

    results = [
        Row(
            "team queue page WITH SLA columns: list_tickets(limit=50) + ticket_summary + state",
            summarize(pages.with_sla),
        ),
        Row(
            "same pages WITHOUT SLA columns: list_tickets(limit=50) + ticket_summary",
            summarize(pages.without_sla),
        ),
        Row(
            f"sweep selection (overdue_deadline_ids: breach, then warning, each by its index, "
            f"LIMIT 500; {selection_rows} rows)",
            summarize(selection_times),
        ),
        Row(
            f"the same query with a small backlog ({quiet_rows} rows overdue)",
            summarize(quiet_times),
        ),
    ]
    plans_file = OUT_DIR / f"plans-sla-{args.db}{'-' + args.variant if args.variant else ''}.txt"
    plans_file.write_text(
        "\n\n".join(f"## {label}\n{sql}\n\n" + "\n".join(lines) for label, sql, lines in plans)
        + "\n"
    )
    report = render(
        args,
        clocks=clocks,
        results=results,
        pages=pages,
        plans=plans,
        plans_file=plans_file,
        sweep=sweep,
        total_tickets=total_tickets,
        deadlines=Deadline.objects.count(),
        collapse=collapse,
        vendor=connection.vendor,
    )
    print(report)
    if not args.no_record:
        key = f"bench/sla_list.py {args.db}"
        write_section(f"{key} {args.variant}" if args.variant else key, report)
        log("bench/RESULTS.md updated")
    rate = clocks.computations / clocks.compute_seconds if clocks.compute_seconds else 0
    return 0 if rate >= TARGET_COMPUTATIONS_PER_SECOND else 1


def render(
    args: argparse.Namespace,
    *,
    clocks: Clocks,
    results: list[Row],
    pages: PageTimes,
    plans: list[tuple[str, str, list[str]]],
    plans_file: Path,
    sweep: Sweep,
    total_tickets: int,
    deadlines: int,
    collapse: str,
    vendor: str,
) -> str:
    name = "SQLite" if args.db == "sqlite" else "PostgreSQL"
    rate = clocks.computations / clocks.compute_seconds
    ratio_p50 = results[0].summary.p50 / results[1].summary.p50
    ratio_p95 = results[0].summary.p95 / results[1].summary.p95
    states = ", ".join(f"{k} {v:,}" for k, v in sorted(clocks.by_state.items()))
    row_states = ", ".join(f"{k} {v:,}" for k, v in sorted(pages.states.items()))
    lines = [
        f"## Service levels on the ticket list (`bench/sla_list.py`), {name}, "
        f"{total_tickets:,} tickets" + (f", {args.variant}" if args.variant else ""),
        "",
        f"- Command: `{command_line()}`",
        *machine_lines(str(args.postgres_url)),
        f"- PostgreSQL `join_collapse_limit` on the Django connection: {collapse}"
        if vendor == "postgresql"
        else "- SQLite: no planner join limit (n/a)",
        f"- Data: the bench/tickets.py database as it was (not regenerated); "
        f"{clocks.unresolved:,} unresolved tickets (new/open/pending/rereview), free plan "
        f"(Paris calendar; first response 1 working day, limit 2; resolution 10 working days); "
        f"plan attached to {clocks.plan_attached:,} tickets that had none",
        f"- Clocks written: {clocks.deadline_rows:,} Deadline rows ({deadlines:,} in the "
        f"table after the sweep): {states} (at the time of writing)",
        "",
        "| giving every live ticket its clocks | value |",
        "|---|---|",
        f"| read the unresolved tickets (one query) | {clocks.read_seconds:.2f} s |",
        f"| deadline computations (terms_for + compute_deadlines, one process) | "
        f"{clocks.computations:,} in {clocks.compute_seconds:.2f} s: **{rate:,.0f}/s** "
        f"(target ≥ {TARGET_COMPUTATIONS_PER_SECOND:,}: "
        f"{'met' if rate >= TARGET_COMPUTATIONS_PER_SECOND else '**missed**'}) |",
        f"| Deadline rows written ({'COPY' if vendor == 'postgresql' else 'executemany'}) | "
        f"{clocks.deadline_rows:,} in {clocks.deadline_seconds:.2f} s: "
        f"**{clocks.deadline_rows / clocks.deadline_seconds:,.0f} rows/s** |",
        "| Ticket.due_at/breach_at written ("
        + (
            "COPY to a temporary table + one UPDATE ... FROM"
            if vendor == "postgresql"
            else "executemany of UPDATE by id"
        )
        + f") | {clocks.ticket_rows:,} in {clocks.ticket_seconds:.2f} s: "
        f"**{clocks.ticket_rows / clocks.ticket_seconds:,.0f} rows/s** |",
        f"| DELETE of the previous run's Deadline rows | {clocks.delete_seconds:.2f} s |",
        f"| {clocks.maintenance} afterwards | {clocks.maintenance_seconds:.1f} s |",
        "",
        "Reads: wall time in this one process, warm (a walk and 20 sweep queries first), one "
        "call at a time, ORM hydration included. Queue pages: each team's unresolved queue "
        "as a technician of the team, keyset pages of 50 from the first to the last, each "
        "page served with and without the SLA columns in alternating order. The SLA column "
        "is due_at/breach_at from `ticket_summary` plus the state a row shows (breached / "
        "overdue / due in …) against `now()`; without it, the same summaries with due_at and "
        f"breach_at removed. Row states seen: {row_states}.",
        "",
        "| read path (warm) | samples | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|---|---|---|---|---|",
        *(row.cells() for row in results),
        "",
        f"- SLA columns cost: with / without = {ratio_p50:.2f}x at p50, {ratio_p95:.2f}x at p95.",
        f"- Sweep: one `sweep_deadlines(batch=500)` on a backlog of {sweep.backlog_before:,} "
        f"overdue clocks looked at {sweep.looked_at} deadlines in {sweep.seconds:.2f} s "
        f"(**{sweep.looked_at / sweep.seconds:,.0f} deadlines/s**): {sweep.warned} warnings "
        f"and {sweep.escalated} escalations recorded, {sweep.queries:,} SQL statements "
        f"({sweep.queries / max(sweep.looked_at, 1):.1f} per deadline).",
        "Plans of the sweep's selection query ("
        + ("EXPLAIN (ANALYZE, BUFFERS)" if vendor == "postgresql" else "EXPLAIN QUERY PLAN")
        + f"; SQL in `bench/out/{plans_file.name}`):",
    ]
    index_names = ("deadline_breach_pending", "deadline_warning_pending")
    for label, _, plan_lines in plans:
        used = [n for n in index_names if any(n in line for line in plan_lines)]
        verdict = (
            f"uses {' and '.join(f'`{n}`' for n in used)}"
            if used
            else "**uses neither** `deadline_breach_pending` nor `deadline_warning_pending`"
        )
        lines += ["", f"- {label}: {verdict}", "", "```", *plan_lines, "```"]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
