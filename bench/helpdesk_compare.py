#!/usr/bin/env python3
"""django-helpdesk's mail import beside ours: the same messages, one process each, one machine.

    .venv/bin/python bench/helpdesk_compare.py --db postgres
    .venv/bin/python bench/helpdesk_compare.py --db sqlite --kind large --messages 200

django-helpdesk is installed from PyPI into a venv of its own outside the checkout
(--helpdesk-venv, default ../helpdesk-venv beside this worktree; created when missing) and
gets a minimal Django project in a temporary directory, with one queue whose mailbox is a
local directory (its `get_email` importer, `email_box_type = "local"`). Its notifications go
over SMTP to a sink (aiosmtpd, in this process), as our acknowledgements do.

For each side, the same N messages (bench/mail_processing.py's generator: 10 KB text or
1 MB with a 900 KB attachment; 70 % of senders repeat, --reply-share are replies quoting a
ticket opened by a first batch of 50) are imported by one process, one after the other:
- django-helpdesk: `process_queue()` over the directory (what `manage.py get_email` runs);
- supportdesk: the mail is accepted first (not timed: that is the SMTP door's job), then
  one django-tasks-db worker drains every task in batch mode: processing, routing and the
  acknowledgement sent to the sink.
Each side gets a fresh database (PostgreSQL: supportdesk_bench_helpdesk and
supportdesk_bench_compare, dropped and created; SQLite: files in WAL mode in the temporary
directory). The median of --runs runs is reported, with the ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
sys.path[:0] = [str(BENCH_DIR), str(REPO_DIR)]

import mail_processing as mp  # noqa: E402
from benchlib import command_line, machine_lines, write_section  # noqa: E402

HELPDESK_VERSION = "2.6.1"
HELPDESK_URL = "postgres://postgres@127.0.0.1:5432/supportdesk_bench_helpdesk"
OURS_URL = "postgres://postgres@127.0.0.1:5432/supportdesk_bench_compare"
SEED_TICKETS = 50


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--kind", choices=["small", "large"], default="small")
    parser.add_argument("--messages", type=int, default=0, help="per run (default 500 / 150)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--reply-share", type=float, default=0.2)
    parser.add_argument("--helpdesk-venv", type=Path, default=REPO_DIR.parent / "helpdesk-venv")
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    args.messages = args.messages or (500 if args.kind == "small" else 150)
    return args


def log(text: str) -> None:
    mp.log(text)


# -- django-helpdesk --------------------------------------------------------------------------


def ensure_helpdesk_venv(venv: Path) -> Path:
    python = venv / "bin" / "python"
    if not python.exists():
        log(f"creating {venv} with django-helpdesk {HELPDESK_VERSION}")
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "--quiet",
                f"django-helpdesk=={HELPDESK_VERSION}",
                "psycopg[binary]",
            ],
            check=True,
        )
    return python


SETTINGS = """
import os
SECRET_KEY = "bench"
DEBUG = False
ALLOWED_HOSTS = ["*"]
USE_TZ = True
TIME_ZONE = "Europe/Paris"
INSTALLED_APPS = [
    "django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes",
    "django.contrib.sessions", "django.contrib.messages", "django.contrib.staticfiles",
    "django.contrib.sites", "django.contrib.humanize", "rest_framework", "helpdesk",
]
SITE_ID = 1
MIDDLEWARE = []
ROOT_URLCONF = "hdproject.urls"
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [],
              "APP_DIRS": True, "OPTIONS": {"context_processors": [
                  "django.template.context_processors.request",
                  "django.contrib.auth.context_processors.auth",
                  "django.contrib.messages.context_processors.messages"]}}]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
MEDIA_ROOT = os.environ["HD_MEDIA"]
STATIC_URL = "static/"
HELPDESK_TEAMS_MODE_ENABLED = False
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = "127.0.0.1"
EMAIL_PORT = int(os.environ["HD_SMTP_PORT"])
DEFAULT_FROM_EMAIL = "support@example.com"
if os.environ["HD_DB"] == "postgres":
    DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql",
                             "NAME": os.environ["HD_DB_NAME"], "USER": "postgres",
                             "HOST": "127.0.0.1", "PORT": "5432"}}
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3",
                             "NAME": os.environ["HD_DB_NAME"],
                             "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL; "
                                         "PRAGMA synchronous=NORMAL;"}}}
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "ERROR"}}
"""

URLS = """
from django.urls import include, path
urlpatterns = [path("helpdesk/", include("helpdesk.urls", namespace="helpdesk"))]
"""

MEASURE = """
import json, logging, os, sys, time
sys.path[:0] = [os.environ["HD_PROJECT"], os.environ["HD_BENCH"]]
os.environ["DJANGO_SETTINGS_MODULE"] = "hdproject.settings"
import django
django.setup()
from django.core.management import call_command
from helpdesk.email import process_queue
from helpdesk.models import FollowUp, Queue, Ticket

call_command("migrate", verbosity=0)
queue, _ = Queue.objects.get_or_create(
    slug="support",
    defaults=dict(title="Support", email_address="support@example.com",
                  email_box_type="local", allow_email_submission=True),
)
logger = logging.getLogger("bench.helpdesk")
logger.setLevel(logging.ERROR)
results = {}
for step in json.loads(os.environ["HD_STEPS"]):
    queue.email_box_local_dir = step["dir"]
    queue.save()
    files = len(os.listdir(step["dir"]))
    tickets, followups = Ticket.objects.count(), FollowUp.objects.count()
    started, cpu = time.perf_counter(), time.process_time()
    process_queue(queue, logger=logger)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    results[step["name"]] = {
        "messages": files, "seconds": seconds, "cpu": cpu, "left": len(os.listdir(step["dir"])),
        "tickets": Ticket.objects.count() - tickets,
        "written": FollowUp.objects.count() - followups,
    }
print("RESULT " + json.dumps(results))
"""


def write_project(root: Path) -> Path:
    project = root / "hdproject_root"
    package = project / "hdproject"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "settings.py").write_text(textwrap.dedent(SETTINGS))
    (package / "urls.py").write_text(textwrap.dedent(URLS))
    (project / "measure.py").write_text(textwrap.dedent(MEASURE))
    return project


def helpdesk_senders() -> mp.Senders:
    known = [f"customer{i}@org{i % 17}.example" for i in range(120)]
    tickets = [
        (f"support-{n}", f"Seed request {n}", known[n % len(known)])
        for n in range(1, SEED_TICKETS + 1)
    ]
    return mp.Senders(known=known, open_tickets=tickets)


def write_mailbox(directory: Path, messages: list[tuple[bytes, str]]) -> None:
    directory.mkdir(parents=True)
    for index, (raw, _sender) in enumerate(messages):
        (directory / f"{index:06d}.eml").write_bytes(raw)


def seed_messages(senders: mp.Senders, kind: str) -> list[tuple[bytes, str]]:
    """The first tickets, which replies quote: "Seed request n" from the n-th sender."""
    rng = random.Random(3)
    seeds = []
    for reference, _subject, sender in senders.open_tickets:
        raw, _ = mp.make_message(
            rng, "seed", int(reference.rsplit("-", 1)[1]), kind, mp.Senders([sender], []), 0.0, 1.0
        )
        raw = raw.replace(b"Subject: Printer problem seed-", b"Subject: Seed request ", 1)
        seeds.append((raw, sender))
    return seeds


def run_helpdesk(
    args: argparse.Namespace,
    python: Path,
    root: Path,
    sink_port: int,
    runs: list[list[tuple[bytes, str]]],
    seeds: list[tuple[bytes, str]],
) -> list[dict[str, float]]:
    project = write_project(root)
    env = dict(os.environ)
    env.update(
        {
            "HD_PROJECT": str(project),
            "HD_BENCH": str(BENCH_DIR),
            "HD_MEDIA": str(root / "hd-media"),
            "HD_SMTP_PORT": str(sink_port),
            "HD_DB": args.db,
            "HD_DB_NAME": "supportdesk_bench_helpdesk"
            if args.db == "postgres"
            else str(root / "helpdesk.sqlite3"),
        }
    )
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("DATABASE_URL", None)
    if args.db == "postgres":
        mp.fresh_postgres(HELPDESK_URL)
    steps = [{"name": "seed", "dir": str(root / "hd-seed")}]
    write_mailbox(root / "hd-seed", seeds)
    for index, messages in enumerate(runs):
        directory = root / f"hd-run-{index}"
        write_mailbox(directory, messages)
        steps.append({"name": f"run-{index}", "dir": str(directory)})
    env["HD_STEPS"] = json.dumps(steps)
    done = subprocess.run(
        [str(python), str(project / "measure.py")], env=env, capture_output=True, text=True
    )
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("RESULT ")), None)
    if done.returncode != 0 or line is None:
        raise SystemExit(
            f"django-helpdesk run failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        )
    results = json.loads(line.removeprefix("RESULT "))
    for name, result in results.items():
        log(f"  django-helpdesk {name}: {result}")
    return [results[f"run-{index}"] for index in range(len(runs))]


# -- supportdesk ------------------------------------------------------------------------------


def run_ours(
    args: argparse.Namespace,
    root: Path,
    sink_port: int,
    runs: list[list[tuple[bytes, str]]],
    seeds: list[tuple[bytes, str]],
) -> list[dict[str, float]]:
    """In this process: Django for supportdesk, one batch-mode worker per run."""
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SUPPORTDESK_DATA_DIR": str(root / "ours"),
        "SUPPORTDESK_SMTP_RELAY": f"127.0.0.1:{sink_port}",
        "SUPPORTDESK_MAIL_AUTO_REPLIES_PER_HOUR": "1000000",
        "SUPPORTDESK_LOG_LEVEL": "WARNING",
    }
    (root / "ours").mkdir()
    os.environ.pop("DATABASE_URL", None)
    if args.db == "postgres":
        mp.fresh_postgres(OURS_URL)
        env["DATABASE_URL"] = OURS_URL
    mp.setup_django(env)
    from django.core.management import call_command

    from supportdesk.channels.email.models import InboundMail
    from supportdesk.core.worker import Worker
    from supportdesk.tickets.models import Message, Ticket

    call_command("migrate", verbosity=0)

    def drain() -> tuple[float, float]:
        worker = Worker(
            queue_names=["*"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id="compare",
            excluded_queue_names=[],
        )
        started, cpu = time.perf_counter(), time.process_time()
        worker.run()
        return time.perf_counter() - started, time.process_time() - cpu

    for raw, sender in seeds:
        mp.accept(raw, sender)
    drain()
    results = []
    for index, messages in enumerate(runs):
        tickets, notes = Ticket.objects.count(), Message.objects.count()
        first = mp.next_mail_id()
        for raw, sender in messages:
            mp.accept(raw, sender)
        seconds, cpu = drain()
        result = {
            "messages": len(messages),
            "seconds": seconds,
            "cpu": cpu,
            "left": InboundMail.objects.filter(pk__gte=first, status="received").count(),
            "tickets": Ticket.objects.count() - tickets,
            "written": Message.objects.count() - notes,
        }
        log(f"  supportdesk run-{index}: {result}")
        results.append(result)
    return results


def main() -> int:
    args = parse_args()
    python = ensure_helpdesk_venv(args.helpdesk_venv)
    version = subprocess.run(
        [str(python), "-c", "import importlib.metadata as m; print(m.version('django-helpdesk'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    root = Path(tempfile.mkdtemp(prefix="supportdesk-bench-helpdesk-"))
    sink = mp.Sink()
    try:
        hd_senders = helpdesk_senders()
        runs_hd = []
        for run in range(args.runs):
            rng = random.Random(100 + run)
            runs_hd.append(
                [
                    mp.make_message(rng, f"c{run}", i, args.kind, hd_senders, args.reply_share)
                    for i in range(args.messages)
                ]
            )
        log(
            f"django-helpdesk {version}, {args.db}, {args.runs} x {args.messages} {args.kind} mails"
        )
        sent_before = sink.count
        hd = run_helpdesk(
            args, python, root, sink.port, runs_hd, seed_messages(hd_senders, args.kind)
        )
        hd_mails_sent = sink.count - sent_before
        # The same bytes for us, but replies quote our references: the seed tickets are
        # SD-100001..SD-100050 in a fresh database.
        ours_runs = [[(our_references(raw), sender) for raw, sender in run] for run in runs_hd]
        log("supportdesk")
        sent_before = sink.count
        ours = run_ours(args, root, sink.port, ours_runs, seed_messages(hd_senders, args.kind))
        ours_mails_sent = sink.count - sent_before
    finally:
        sink.stop()
        shutil.rmtree(root, ignore_errors=True)
    hd_rate = statistics.median(r["messages"] / r["seconds"] for r in hd)
    our_rate = statistics.median(r["messages"] / r["seconds"] for r in ours)
    label = "10 KB" if args.kind == "small" else "1 MB (900 KB attachment)"
    title = f"## django-helpdesk beside supportdesk, {label}, {args.db}"
    text = "\n".join(
        [
            f"{title} (`bench/helpdesk_compare.py`)",
            "",
            f"- Command: `{command_line()}`",
            *machine_lines(mp.POSTGRES_URL),
            f"- django-helpdesk {version} (PyPI, its own venv), `get_email`'s local-directory "
            "importer (`process_queue`); supportdesk: one task worker (`supportdesk worker`'s "
            "loop) in batch mode, draining the processing, routing and acknowledgement tasks. "
            f"One process each, one after the other; {args.runs} runs of {args.messages} mails, "
            f"{args.reply_share:.0%} replies; load average at the end: {mp.load_average()}",
            "- CPU: the importing process's own (the database server's is not counted).",
            "",
            "| one process | mails/s, median (runs) | CPU ms per mail | tickets / messages "
            "written | mails sent |",
            "|---|---|---|---|---|",
            side_row(f"django-helpdesk {version}", hd, hd_mails_sent),
            side_row("supportdesk", ours, ours_mails_sent),
            f"| **ratio supportdesk / django-helpdesk** | **{our_rate / hd_rate:.2f}** | "
            f"{cpu_ms(ours) / cpu_ms(hd):.2f} | | |",
            "",
        ]
    )
    print(text)
    if not args.no_record:
        write_section(f"bench/helpdesk_compare.py {args.db} {args.kind}", text)
    return 0


def rates(results: list[dict[str, float]]) -> list[float]:
    return [result["messages"] / result["seconds"] for result in results]


def cpu_ms(results: list[dict[str, float]]) -> float:
    return statistics.median(result["cpu"] / result["messages"] * 1000 for result in results)


def side_row(name: str, results: list[dict[str, float]], sent: int) -> str:
    runs = ", ".join(f"{rate:.1f}" for rate in rates(results))
    tickets = sum(result["tickets"] for result in results)
    written = sum(result["written"] for result in results)
    median = statistics.median(rates(results))
    cpu = cpu_ms(results)
    return f"| {name} | {median:.1f} ({runs}) | {cpu:.1f} | {tickets} / {written} | {sent} |"


def our_references(raw: bytes) -> bytes:
    """A reply to django-helpdesk's [support-3] quotes SD-100003 for us: our numbers start at
    100001, and both sides number the seed tickets in the order they open them."""
    return re.sub(rb"support-(\d+)", lambda m: b"SD-%d" % (100000 + int(m.group(1))), raw)


if __name__ == "__main__":
    sys.exit(main())
