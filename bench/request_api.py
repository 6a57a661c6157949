#!/usr/bin/env python3
"""Standard Requests through the API under the real web server, against PostgreSQL:
requests per second, and the time from a request to a routed, acknowledged ticket against
the same request sent as free-form mail.

    .venv/bin/python bench/request_api.py                      # 8 clients, 3 runs of 300
    .venv/bin/python bench/request_api.py --clients 4 --requests 200 --samples 5

Builds a fresh PostgreSQL database (--database-url, dropped first), migrates it, creates a
small catalog (WINDEV and WEBDEV, a team for each, a default triage team), a customer with
an API token, then:

1. Throughput: starts `supportdesk web` (gunicorn, sync workers, as `supportdesk run` starts
   it) and sends --requests complete Standard Requests (JSON, no files) from --clients
   threads, each with its own http.client connection; --runs runs, median reported. No task
   worker runs meanwhile (routing tasks wait in the queue): the figure is the web tier's.
2. Time to a ticket: starts `supportdesk worker` (default poll interval, as `run` does) and,
   --samples times each, (a) POSTs the request and waits until the ticket is routed; (b)
   pipes the same request as free-form mail to `supportdesk mail ingest` and waits until
   the ticket is opened, acknowledged (the acknowledgement queued) and routed. Times come
   from the database's own timestamps where the server records them.

Writes the "request_api" section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
sys.path[:0] = [str(BENCH_DIR), str(REPO_DIR)]

import psycopg  # noqa: E402
from benchlib import (  # noqa: E402
    command_line,
    free_port,
    machine_lines,
    summarize,
    write_section,
)
from benchlib import fresh_postgres as fresh_database  # noqa: E402

from tests.requests.documents import full_request  # noqa: E402

SUPPORTDESK = REPO_DIR / ".venv" / "bin" / "supportdesk"
CUSTOMER = "dev@customer.example"
SETUP = f"""
from decimal import Decimal
from supportdesk.accounts.models import Contact, ContactEmail, Organization, Team, Technician
from django.contrib.auth.models import User
from supportdesk.catalog.models import Product, ProductVersion
from supportdesk.core.models import BusinessCalendar
from supportdesk.plans.models import Plan, SlaTarget
from supportdesk.requests.tokens import issue_api_token
hours = {{str(d): [["09:00", "12:00"], ["14:00", "18:00"]] for d in range(1, 6)}}
calendar = BusinessCalendar.objects.create(name="Paris office", time_zone="Europe/Paris",
                                           weekly_hours=hours, holiday_country="FR")
plan = Plan.objects.create(code="free", name="Free", calendar=calendar)
SlaTarget.objects.create(plan=plan, metric=SlaTarget.Metric.FIRST_RESPONSE,
                         unit=SlaTarget.Unit.WORKING_DAYS, target=Decimal(1), limit=Decimal(2))
windev = Product.objects.create(code="windev", name="WINDEV")
ProductVersion.objects.create(product=windev, name="2025", rank=25)
ProductVersion.objects.create(product=windev, name="2026", rank=26, on_sale=True)
webdev = Product.objects.create(code="webdev", name="WEBDEV")
ProductVersion.objects.create(product=webdev, name="2026", rank=26, on_sale=True)
for name, slug, product, languages in [("WINDEV support", "windev", windev, ["en", "fr"]),
                                       ("WEBDEV support", "webdev", webdev, ["en", "fr"])]:
    team = Team.objects.create(name=name, slug=slug, languages=languages)
    team.products.add(product)
    Technician.objects.create(user=User.objects.create(username=slug),
                              display_name=name + " technician").teams.add(team)
Team.objects.create(name="Triage", slug="triage", languages=[], is_default=True)
organization = Organization.objects.create(name="Customer", customer_number="C100042")
contact = Contact.objects.create(name="Dev Eloper", organization=organization, language="fr")
ContactEmail.objects.create(contact=contact, address="{CUSTOMER}", is_primary=True)
print("TOKEN", issue_api_token(contact=contact, name="bench", created_by="bench").secret)
"""


def wait_for_port(port: int, process: subprocess.Popen[bytes]) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the web server never listened")


def post_request(
    connection: http.client.HTTPConnection, token: str, body: bytes
) -> tuple[int, dict[str, Any]]:
    connection.request(
        "POST",
        "/api/v1/requests",
        body=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    response = connection.getresponse()
    payload = response.read()
    if response.getheader("Connection", "").lower() == "close":
        connection.close()  # gunicorn's sync workers close each connection
    try:
        return response.status, json.loads(payload)
    except ValueError:
        return response.status, {"not_json": payload[:300].decode("utf-8", "replace")}


def throughput_run(port: int, token: str, clients: int, total: int) -> tuple[float, list[float]]:
    body = json.dumps(full_request()).encode()
    remaining = [total]
    lock = threading.Lock()
    latencies: list[float] = []
    failures: list[str] = []

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine: list[float] = []
        while True:
            with lock:
                if remaining[0] == 0:
                    break
                remaining[0] -= 1
            started = time.perf_counter()
            status, answer = post_request(connection, token, body)
            mine.append(time.perf_counter() - started)
            if status != 201:
                failures.append(f"{status} {answer}")
        connection.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise RuntimeError(f"{len(failures)} requests failed, e.g. {failures[0]}")
    return total / elapsed, latencies


def free_form_mail(document: dict[str, Any]) -> EmailMessage:
    """The same request as a customer would write it in a mail: the same facts in prose."""
    environment = document["environment"]
    steps = "\n".join(f"{n}. {step}" for n, step in enumerate(document["steps"], 1))
    body = (
        f"Hello,\n\n{document['description']}\n\n"
        f"I use WINDEV {document['product']['version']} (build {document['product']['build']}) "
        f"on {environment['os']}.\n\nSteps:\n{steps}\n\n"
        f"I expected: {document['expected']}\nInstead: {document['actual']}\n"
        f"The error: {document['error_text']}\n\nWhat I tried: {document['workarounds']}\n\n"
        "Regards,\nDev Eloper\n"
    )
    message = EmailMessage()
    message["From"] = f"Dev Eloper <{CUSTOMER}>"
    message["To"] = "support@example.com"
    message["Subject"] = document["subject"]
    message["Message-ID"] = make_msgid(domain="customer.example")
    message.set_content(body)
    return message


TICKET_FACTS = """
SELECT t.id, t.number, t.created_at, tm.name AS team, p.code AS product,
       v.name AS version, t.category, t.priority, t.channel, t.details::text
FROM tickets_ticket t
LEFT JOIN accounts_team tm ON tm.id = t.team_id
LEFT JOIN catalog_product p ON p.id = t.product_id
LEFT JOIN catalog_productversion v ON v.id = t.product_version_id
WHERE t.number = %s
"""


def wait_routed(conn: psycopg.Connection[Any], ticket_id: int, timeout: float = 60) -> float:
    """The moment (epoch seconds) the server recorded the ticket's routing."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        row = conn.execute(
            "SELECT created_at FROM tickets_ticketevent WHERE ticket_id = %s AND kind = 'routed'",
            [ticket_id],
        ).fetchone()
        if row is not None:
            return float(row[0].timestamp())
        time.sleep(0.01)
    raise RuntimeError(f"ticket {ticket_id} was not routed within {timeout} s")


def api_sample(port: int, token: str, conn: psycopg.Connection[Any]) -> dict[str, Any]:
    body = json.dumps(full_request(subject="Footer lost on save (timed)")).encode()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    started = time.time()
    status, answer = post_request(connection, token, body)
    acknowledged = time.time()
    connection.close()
    assert status == 201, answer
    number = int(answer["reference"].split("-")[1])
    facts = conn.execute(TICKET_FACTS, [number]).fetchone()
    assert facts is not None
    routed = wait_routed(conn, facts[0])
    facts = conn.execute(TICKET_FACTS, [number]).fetchone()
    return {
        "acknowledged": acknowledged - started,
        "routed": routed - started,
        "promise": bool(answer.get("answer_by_text")),
        "facts": facts,
    }


def mail_sample(env: dict[str, str], conn: psycopg.Connection[Any]) -> dict[str, Any]:
    message = free_form_mail(full_request())
    message_id = message["Message-ID"].strip("<>")
    started = time.time()
    subprocess.run(
        [SUPPORTDESK, "mail", "ingest", "--from", CUSTOMER, "--to", "support@example.com"],
        input=bytes(message),
        env=env,
        check=True,
        capture_output=True,
    )
    stored_by_pipe = time.time()
    deadline = started + 60
    row = None
    while time.time() < deadline:
        row = conn.execute(
            "SELECT m.received_at, m.ticket_id, t.number FROM email_channel_inboundmail m "
            "LEFT JOIN tickets_ticket t ON t.id = m.ticket_id WHERE m.header_message_id = %s",
            [message_id],
        ).fetchone()
        if row is not None and row[1] is not None:
            break
        time.sleep(0.01)
    assert row is not None and row[1] is not None, "the mail never became a ticket"
    received = float(row[0].timestamp())
    routed = wait_routed(conn, row[1])
    acknowledgement = None
    while acknowledgement is None and time.time() < deadline:
        acknowledgement = conn.execute(
            "SELECT created_at FROM email_channel_outboundmail "
            "WHERE ticket_id = %s AND kind = 'acknowledgement'",
            [row[1]],
        ).fetchone()
        time.sleep(0.01)
    assert acknowledgement is not None, "no acknowledgement was queued"
    facts = conn.execute(TICKET_FACTS, [row[2]]).fetchone()
    assert facts is not None
    return {
        "pipe": stored_by_pipe - started,
        "opened": float(facts[2].timestamp()) - received,
        "acknowledged": float(acknowledgement[0].timestamp()) - received,
        "routed": routed - received,
        "facts": facts,
    }


def seconds_line(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} s ({min(values):.2f}-{max(values):.2f})"


def filled(facts: tuple[Any, ...]) -> dict[str, str]:
    _, _, _, team, product, version, category, priority, channel, details = facts
    details_keys = sorted(json.loads(details or "{}"))
    return {
        "team": team or "—",
        "product": product or "**empty**",
        "version": version or "**empty**",
        "category": category,
        "priority": priority,
        "channel": channel,
        "environment, steps, error text (structured)": (
            "filled" if {"environment", "steps", "error_text"} <= set(details_keys) else "**empty**"
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=300, help="per run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--samples", type=int, default=5, help="timed requests per path")
    parser.add_argument("--web-workers", type=int, default=2, help="the default of WEB_WORKERS")
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/sd_api_bench")
    args = parser.parse_args()

    fresh_database(args.database_url)
    with tempfile.TemporaryDirectory(prefix="sd-bench-request-api-") as scratch:
        port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": args.database_url,
            "SUPPORTDESK_DATA_DIR": scratch,
            "SUPPORTDESK_SITE_URL": f"http://127.0.0.1:{port}",
            "SUPPORTDESK_MAIL_DELIVERY": "file",
            "PYTHONPATH": str(REPO_DIR),
        }
        subprocess.run([SUPPORTDESK, "migrate"], env=env, check=True, capture_output=True)
        setup = subprocess.run(
            [SUPPORTDESK, "manage", "shell", "-c", SETUP],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        token = setup.stdout.split("TOKEN ", 1)[1].split()[0]
        # The server's own log, to read when a request fails.
        web_log = (BENCH_DIR / "out").joinpath("request_api_web.log").open("wb")
        web = subprocess.Popen(
            [
                SUPPORTDESK,
                "web",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(args.web_workers),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=web_log,
        )
        worker: subprocess.Popen[bytes] | None = None
        try:
            wait_for_port(port, web)
            throughput_run(port, token, args.clients, 20)  # warm the workers
            load_before = os.getloadavg()
            rates: list[float] = []
            latencies: list[float] = []
            for _ in range(args.runs):
                rate, run_latencies = throughput_run(port, token, args.clients, args.requests)
                rates.append(rate)
                latencies += run_latencies
            load_after = os.getloadavg()

            worker = subprocess.Popen(
                [SUPPORTDESK, "worker"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            with psycopg.connect(args.database_url, autocommit=True) as conn:
                # The throughput runs left routing tasks queued: let the worker catch up.
                while conn.execute(
                    "SELECT count(*) FROM tickets_ticket WHERE team_id IS NULL"
                ).fetchone()[0]:  # type: ignore[index]
                    time.sleep(0.5)
                api_samples = [api_sample(port, token, conn) for _ in range(args.samples)]
                mail_samples = [mail_sample(env, conn) for _ in range(args.samples)]
        finally:
            for process in (worker, web):
                if process is not None:
                    process.terminate()
                    process.wait(timeout=30)

    latency = summarize(latencies)
    api_fields = filled(api_samples[-1]["facts"])
    mail_fields = filled(mail_samples[-1]["facts"])
    lines = [
        "## Standard Requests through the API (`bench/request_api.py`)",
        "",
        f"- Command: `{command_line()}`",
        *machine_lines(args.database_url),
        f"- Load average (1 min) before / after the throughput runs: {load_before[0]:.2f} / "
        f"{load_after[0]:.2f}",
        f"- `supportdesk web` (gunicorn, {args.web_workers} sync workers) against PostgreSQL on "
        "the same machine; clients: Python threads with http.client over loopback, the same "
        "complete Standard Request (JSON, every field, no files) each time.",
        "",
        "| what | figure |",
        "|---|---|",
        f"| **requests/s, POST /api/v1/requests, {args.clients} clients** | "
        f"**{statistics.median(rates):.1f}** (median of {args.runs} runs of {args.requests}; "
        f"{min(rates):.1f}-{max(rates):.1f}) |",
        f"| latency per request, p50 / p95 / p99 | {latency.p50:.0f} / {latency.p95:.0f} / "
        f"{latency.p99:.0f} ms |",
        "",
        f"Time to a ticket, median of {args.samples} (min-max), with `supportdesk worker` at its "
        "default 0.5 s poll interval (one worker, as `supportdesk run` starts it):",
        "",
        "| path | acknowledged | routed to a team |",
        "|---|---|---|",
        "| Standard Request over the API (from the POST) | "
        f"{seconds_line([s['acknowledged'] for s in api_samples])} (the 201 states the "
        f"reference and the promise) | {seconds_line([s['routed'] for s in api_samples])} |",
        "| the same request as free-form mail (from the mail stored by `mail ingest`) | "
        f"{seconds_line([s['acknowledged'] for s in mail_samples])} (acknowledgement queued; "
        f"opened at {seconds_line([s['opened'] for s in mail_samples])}) | "
        f"{seconds_line([s['routed'] for s in mail_samples])} |",
        "",
        f"`mail ingest` itself (a new process per mail, as an MTA pipe runs it) took "
        f"{seconds_line([s['pipe'] for s in mail_samples])} before the mail was stored.",
        "",
        "What each ticket holds once routed (no human has touched either):",
        "",
        "| field | Standard Request | free-form mail |",
        "|---|---|---|",
        *[f"| {key} | {api_fields[key]} | {mail_fields[key]} |" for key in api_fields],
        "",
        "The free-form ticket's product and version are guessed from what the mail says "
        '(`catalog/matching.py`: "I use WINDEV 2026" in its body; else the sender\'s only '
        "licensed product; else nothing, and the default team), and it is routed by them; "
        f"its category ({mail_fields['category']}) and priority ({mail_fields['priority']}) "
        "are defaults, and its structured fields stay empty: a technician reads the mail for "
        "those. A mail naming no product, or two equally, goes to the default (triage) team.",
    ]
    report = "\n".join(lines)
    print(report)
    write_section("request_api", report)


if __name__ == "__main__":
    main()
