#!/usr/bin/env python3
"""SMTP intake speed: how many mails per second the real smtpd accepts durably.

    .venv/bin/python bench/smtpd.py --db postgres                  # both modes, 8 clients
    .venv/bin/python bench/smtpd.py --db sqlite --clients 4 --seconds 15
    .venv/bin/python bench/smtpd.py --db postgres --mode reuse --py-spy    # sample the server

Each run starts from a fresh database (PostgreSQL: supportdesk_bench_smtp, dropped and
created; SQLite: a file in a temporary SUPPORTDESK_DATA_DIR), migrates it, starts
`supportdesk smtpd` as a subprocess on a free port, then drives it from N client processes
(smtplib) with 10 KB messages, each with its own Message-ID. Mode "reuse" sends many
messages per SMTP session; mode "connect" opens one connection per message (EHLO, MAIL,
RCPT, DATA, QUIT). A run stops at --messages in total or after --seconds, whichever comes
first. It prints msg/s (250 answers / wall time) and the p50/p99 of the DATA answer (from
sending the body to reading the 250). It does not write bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import signal
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
sys.path[:0] = [str(BENCH_DIR), str(REPO_DIR)]

from benchlib import summarize  # noqa: E402

POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/supportdesk_bench_smtp"
RECIPIENT = "support@example.com"
SENDER = "customer@example.net"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--mode", choices=["reuse", "connect", "both"], default="both")
    parser.add_argument("--clients", type=int, default=8, help="client processes")
    parser.add_argument("--messages", type=int, default=5000, help="at most this many per mode")
    parser.add_argument("--seconds", type=float, default=30.0, help="at most this long per mode")
    parser.add_argument("--size", type=int, default=10 * 1024, help="message size in bytes")
    parser.add_argument(
        "--postgres-url",
        default=POSTGRES_URL,
        help="its database is dropped and created; its name must start with supportdesk_bench",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="run the smtpd under cProfile; the stats go to bench/out/smtpd-<db>.prof",
    )
    parser.add_argument(
        "--py-spy",
        action="store_true",
        help="sample the smtpd with py-spy (all threads); collapsed stacks go to "
        "bench/out/smtpd-<db>.pyspy.txt",
    )
    parser.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra environment for the smtpd (repeat)",
    )
    return parser.parse_args()


# -- the server -------------------------------------------------------------------------------


def fresh_postgres(url: str) -> None:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    if not name.startswith("supportdesk_bench"):
        raise SystemExit(f"refusing to drop {name!r}: the name must start with supportdesk_bench")
    maintenance = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(args: argparse.Namespace, data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    if args.db == "postgres":
        env["DATABASE_URL"] = args.postgres_url
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "SUPPORTDESK_DATA_DIR": str(data_dir),
            "SUPPORTDESK_MAIL_ADDRESSES": RECIPIENT,
            # All clients come from 127.0.0.1: the per-client bound must not get in the way.
            "SUPPORTDESK_MAIL_MAX_CONNECTIONS_PER_CLIENT": "1000",
            "PYTHONPATH": str(REPO_DIR),
        }
    )
    for item in args.server_env:
        name, _, value = item.partition("=")
        env[name] = value
    return env


def migrate(env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "-m", "django", "migrate", "--verbosity", "0"],
        env=env,
        cwd=REPO_DIR,
        check=True,
    )


def start_server(
    args: argparse.Namespace, env: dict[str, str], port: int, log: Path
) -> subprocess.Popen[bytes]:
    argv = [sys.executable]
    if args.profile:
        out = BENCH_DIR / "out" / f"smtpd-{args.db}.prof"
        argv += ["-m", "cProfile", "-o", str(out)]
    argv += ["-m", "supportdesk.cli", "smtpd", "--bind", f"127.0.0.1:{port}"]
    with log.open("wb") as handle:
        server = subprocess.Popen(
            argv, env=env, cwd=REPO_DIR, stdout=handle, stderr=subprocess.STDOUT
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the smtpd exited ({server.returncode}):\n{log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the smtpd did not listen within 60 s")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def sample(args: argparse.Namespace, pid: int, mode: str) -> subprocess.Popen[bytes] | None:
    """py-spy attached to the smtpd for the run (all threads, idle included)."""
    if not args.py_spy:
        return None
    out = BENCH_DIR / "out" / f"smtpd-{args.db}-{mode}.pyspy.txt"
    py_spy = Path(sys.executable).with_name("py-spy")
    argv = [str(py_spy), "record", "--pid", str(pid), "--format", "raw", "--rate", "200"]
    argv += ["--threads", "--idle", "--nonblocking", "--duration", str(int(args.seconds) - 2)]
    argv += ["-o", str(out)]
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


# -- the clients ------------------------------------------------------------------------------


def message(client: int, n: int, run: str, size: int) -> bytes:
    head = (
        f"From: Customer {client} <{SENDER}>\r\n"
        f"To: <{RECIPIENT}>\r\n"
        f"Subject: Bench {run} {client}-{n}\r\n"
        f"Message-ID: <bench-{run}-{client}-{n}@example.net>\r\n"
        "Date: Thu, 26 Nov 2026 09:00:00 +0000\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "\r\n"
    ).encode()
    line = b"The printer on the third floor is out of toner again, please help.  \r\n"
    body = (line * (size // len(line) + 1))[: max(0, size - len(head))]
    return head + body


@dataclass
class ClientResult:
    sent: int
    failed: int
    data_seconds: list[float]


def send_one(smtp: smtplib.SMTP, raw: bytes) -> float:
    """MAIL, RCPT, DATA; the seconds from sending the body to reading the answer."""
    code, reply = smtp.mail(SENDER)
    if code != 250:
        raise smtplib.SMTPResponseException(code, reply)
    code, reply = smtp.rcpt(RECIPIENT)
    if code != 250:
        raise smtplib.SMTPResponseException(code, reply)
    code, reply = smtp.docmd("data")
    if code != 354:
        raise smtplib.SMTPResponseException(code, reply)
    body = smtplib._quote_periods(raw)  # type: ignore[attr-defined]
    if body[-2:] != b"\r\n":
        body += b"\r\n"
    started = time.perf_counter()
    smtp.send(body + b".\r\n")
    code, reply = smtp.getreply()
    elapsed = time.perf_counter() - started
    if code != 250:
        raise smtplib.SMTPResponseException(code, reply)
    return elapsed


def client_main(
    client: int, port: int, mode: str, run: str, size: int, quota: int, deadline: float
) -> ClientResult:
    result = ClientResult(0, 0, [])
    smtp: smtplib.SMTP | None = None
    n = 0
    while n < quota and time.time() < deadline:
        raw = message(client, n, run, size)
        n += 1
        try:
            if smtp is None:
                smtp = smtplib.SMTP("127.0.0.1", port, timeout=60)
                smtp.ehlo("bench.example.net")
            result.data_seconds.append(send_one(smtp, raw))
            result.sent += 1
        except (OSError, smtplib.SMTPException):
            result.failed += 1
            if smtp is not None:
                smtp.close()
            smtp = None
            continue
        if mode == "connect":
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()
            smtp = None
    if smtp is not None:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()
    return result


def drive(args: argparse.Namespace, port: int, mode: str) -> None:
    run = f"{mode}-{int(time.time() * 1000)}"
    quota = -(-args.messages // args.clients)
    started = time.time()
    deadline = started + args.seconds
    with multiprocessing.get_context("fork").Pool(args.clients) as pool:
        results = pool.starmap(
            client_main,
            [(c, port, mode, run, args.size, quota, deadline) for c in range(args.clients)],
        )
    wall = time.time() - started
    sent = sum(r.sent for r in results)
    failed = sum(r.failed for r in results)
    samples = [s for r in results for s in r.data_seconds]
    line = (
        f"{args.db:8} {mode:8} clients={args.clients:<3} sent={sent:<6} failed={failed:<4} "
        f"wall={wall:6.1f}s  {sent / wall:7.1f} msg/s"
    )
    if samples:
        summary = summarize(samples)
        line += f"  DATA p50={summary.p50:.1f} ms p99={summary.p99:.1f} ms"
    print(line, flush=True)


def count_rows(args: argparse.Namespace, env: dict[str, str]) -> None:
    code = (
        "import django; django.setup();"
        "from supportdesk.channels.email.models import InboundMail;"
        "from supportdesk.core.models import Blob;"
        "print('rows: inbound_mail', InboundMail.objects.count(), 'blob', Blob.objects.count())"
    )
    subprocess.run([sys.executable, "-c", code], env=env, cwd=REPO_DIR, check=False)


def main() -> int:
    args = parse_args()
    (BENCH_DIR / "out").mkdir(exist_ok=True)
    data_dir = Path(tempfile.mkdtemp(prefix="supportdesk-bench-smtp-"))
    try:
        if args.db == "postgres":
            fresh_postgres(args.postgres_url)
        env = server_env(args, data_dir)
        migrate(env)
        port = free_port()
        log = BENCH_DIR / "out" / f"smtpd-{args.db}.log"
        server = start_server(args, env, port, log)
        try:
            modes = ["reuse", "connect"] if args.mode == "both" else [args.mode]
            for mode in modes:
                spy = sample(args, server.pid, mode)
                drive(args, port, mode)
                if spy is not None:
                    spy.wait()
        finally:
            stop_server(server)
        count_rows(args, env)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
