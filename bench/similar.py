#!/usr/bin/env python3
"""Similar requests at scale: similar_tickets (the technicians' "similar solved tickets")
and suggestions_for_customer (GET /api/v1/similar) on a table of a million tickets.

    .venv/bin/python bench/similar.py                      # SQLite, 1,000,000 tickets
    .venv/bin/python bench/similar.py --tickets 100000     # quicker
    .venv/bin/python bench/similar.py --reuse              # measure the same database again

It builds its own SQLite database (bench/out/similar-<N>.sqlite3), migrates it, writes the
tickets in bulk (plain INSERTs: 2,000 organizations with a contact each, 20 products, 70 %
solved or closed, 60 % with one of 20,000 error signatures drawn with a long tail, subjects
from a 400-word vocabulary), then times both lookups, warm, for random tickets and
customers, and writes its section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH_DIR), str(BENCH_DIR.parent)]

from benchlib import OUT_DIR, command_line, machine_lines, summarize, write_section  # noqa: E402

ORGANIZATIONS = 2000
PRODUCTS = 20
SIGNATURES = 20_000
WORDS = 400
CHUNK = 20_000


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--reuse", action="store_true")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    OUT_DIR.mkdir(exist_ok=True)
    path = OUT_DIR / f"similar-{args.tickets}.sqlite3"
    if not args.reuse and path.exists():
        path.unlink()
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    random.seed(4)
    if not args.reuse:
        started = time.perf_counter()
        generate(args.tickets)
        print(f"generated {args.tickets} tickets in {time.perf_counter() - started:.0f} s")
    measure(args, path)


def generate(total: int) -> None:
    from django.db import connection, transaction

    from supportdesk.accounts.models import Contact, Organization
    from supportdesk.catalog.models import Product
    from supportdesk.tickets.models import Ticket

    products = Product.objects.bulk_create(
        Product(code=f"p{n}", name=f"Product {n}") for n in range(PRODUCTS)
    )
    organizations = Organization.objects.bulk_create(
        Organization(name=f"Org {n}", customer_number=f"C{n:06d}") for n in range(ORGANIZATIONS)
    )
    contacts = Contact.objects.bulk_create(
        Contact(name=f"Contact {n}", organization=org, sees_organization_tickets=True)
        for n, org in enumerate(organizations)
    )
    words = [f"word{n}" for n in range(WORDS)]
    signatures = [hashlib.sha256(str(n).encode()).hexdigest() for n in range(SIGNATURES)]
    fields = [f for f in Ticket._meta.concrete_fields if f.column != "id"]
    columns = ", ".join(f'"{f.column}"' for f in fields)
    marks = ", ".join("%s" for _ in fields)
    # Column names from the model, not input.
    sql = f'INSERT INTO "tickets_ticket" ({columns}) VALUES ({marks})'  # noqa: S608
    start = datetime(2022, 1, 1, tzinfo=UTC)
    statuses = ["closed"] * 5 + ["solved"] * 2 + ["new", "open", "pending"]
    with transaction.atomic(), connection.cursor() as cursor:
        rows = []
        for n in range(total):
            contact = random.choice(contacts)
            at = (start + timedelta(seconds=n * 90)).isoformat()
            signature = (
                signatures[min(int(random.paretovariate(0.6)) - 1, SIGNATURES - 1)]
                if random.random() < 0.6
                else ""
            )
            values = {
                "number": 100_000 + n,
                "subject": " ".join(random.sample(words, 5)),
                "requester_id": contact.pk,
                "organization_id": contact.organization_id,
                "product_id": products[n % PRODUCTS].pk,
                "category": "bug",
                "priority": "normal",
                "channel": "email",
                "language": "en",
                "status": random.choice(statuses),
                "plan_notice": "",
                "entitlement": "entitled",
                "out_of_scope": "",
                "error_signature": signature,
                "details": "{}",
                "rereview_count": 0,
                "satisfaction": "",
                "message_count": 1,
                "created_at": at,
                "updated_at": at,
            }
            rows.append([values.get(f.column) for f in fields])
            if len(rows) == CHUNK:
                cursor.executemany(sql, rows)
                rows = []
        if rows:
            cursor.executemany(sql, rows)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def measure(args: argparse.Namespace, path: Path) -> None:
    from django.db import connection

    from supportdesk.accounts.models import Contact
    from supportdesk.catalog.models import Product
    from supportdesk.tickets.models import Ticket
    from supportdesk.tickets.similar import similar_tickets, suggestions_for_customer

    top = Ticket.objects.order_by("-number").values_list("number", flat=True).first() or 0
    numbers = [random.randint(top - args.tickets + 1, top) for _ in range(args.samples)]
    tickets = list(Ticket.objects.filter(number__in=numbers))
    contacts = list(Contact.objects.all()[: args.samples])
    products = list(Product.objects.all())

    def timed(call) -> list[float]:  # type: ignore[no-untyped-def]
        seconds = []
        for item in range(args.samples):
            started = time.perf_counter()
            call(item)
            seconds.append(time.perf_counter() - started)
        return seconds

    found: list[int] = []

    def technician(item: int) -> None:
        found.append(len(similar_tickets(tickets[item % len(tickets)])))

    def customer(item: int) -> None:
        ticket = tickets[item % len(tickets)]
        suggestions_for_customer(
            contacts[item % len(contacts)],
            subject=ticket.subject,
            error_text="Error 12: footer block not found",
            product=products[item % len(products)],
        )

    timed(technician)  # warm the caches
    rows = [
        ("similar_tickets (technician, 10 solved)", summarize(timed(technician))),
        ("suggestions_for_customer (GET /api/v1/similar)", summarize(timed(customer))),
    ]
    lines = [
        f"## Similar requests (`bench/similar.py`), SQLite, {args.tickets:,} tickets",
        "",
        f"Command: `{command_line()}`. Database: `{path.relative_to(BENCH_DIR.parent)}`, "
        f"{connection.vendor}. {len(tickets)} random tickets, warm; each lookup reads at most "
        "200 rows by signature and 300 per status by product (indexed, in order).",
        "",
        *machine_lines("postgres://postgres@127.0.0.1:5432/postgres"),
        "",
        "| lookup | samples | p50 ms | p95 ms | p99 ms | worst ms |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for label, summary in rows:
        lines.append(
            f"| {label} | {summary.samples} | {summary.p50:.2f} | {summary.p95:.2f} | "
            f"{summary.p99:.2f} | {summary.worst:.2f} |"
        )
    lines.append("")
    lines.append(f"Average similar solved tickets found: {sum(found) / len(found):.1f}.")
    body = "\n".join(lines)
    print(body)
    write_section(f"similar-sqlite-{args.tickets}", body)


if __name__ == "__main__":
    main()
