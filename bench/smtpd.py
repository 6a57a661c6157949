#!/usr/bin/env python3
"""SMTP intake speed: how many mails per second the real smtpd accepts durably.

    .venv/bin/python bench/smtpd.py --db postgres                  # both modes, 10 KB mails
    .venv/bin/python bench/smtpd.py --db postgres --kind large     # 1 MB mails
    .venv/bin/python bench/smtpd.py --db postgres --server bare    # the reference point
    .venv/bin/python bench/smtpd.py --db sqlite --runs 1 --seconds 15

Each invocation starts from a fresh database (PostgreSQL: sd_smtpspeed_bench, dropped and
created; SQLite: a file in a temporary SUPPORTDESK_DATA_DIR), migrates it, starts the
server as a subprocess on a free port: `supportdesk smtpd --processes N` (--server
supportdesk), or bench/smtpd_bare.py (--server bare: aiosmtpd committing each message to
PostgreSQL with one INSERT, nothing else, in as many processes). It then drives it from
--client-processes light asyncio clients holding --clients connections in all: "small"
mails of 10 KB or "large" ones of 1 MB (a 900 KB base64 attachment), each with its own
Message-ID. Mode "reuse" sends many messages per SMTP session; mode "connect" opens one
connection per message (EHLO, MAIL, RCPT, DATA, QUIT). A run stops at --messages or after
--seconds, whichever comes first; each mode runs --runs times and the median is printed.
Each line gives msg/s (250 answers / wall time), the p50/p99 of the DATA answer (from the
body sent to the 250 read), and the CPU used by the clients, the server processes and the
whole machine (PostgreSQL and other jobs included). It does not write bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import multiprocessing
import os
import resource
import shutil
import signal
import socket
import statistics
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

POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/sd_smtpspeed_bench"
RECIPIENT = "support@example.com"
SENDER = "customer@example.net"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--server", choices=["supportdesk", "bare"], default="supportdesk")
    parser.add_argument("--mode", choices=["reuse", "connect", "both"], default="both")
    parser.add_argument("--kind", choices=["small", "large"], default="small")
    parser.add_argument("--clients", type=int, default=8, help="connections in all")
    parser.add_argument("--client-processes", type=int, default=2)
    parser.add_argument("--processes", type=int, default=0, help="server processes (0: CPUs)")
    parser.add_argument("--runs", type=int, default=3, help="runs per mode (median printed)")
    parser.add_argument("--messages", type=int, default=20000, help="at most this many per run")
    parser.add_argument("--seconds", type=float, default=10.0, help="at most this long per run")
    parser.add_argument("--size", type=int, default=0, help="bytes (default 10 KB / 1 MB)")
    parser.add_argument(
        "--postgres-url",
        default=POSTGRES_URL,
        help="its database is dropped and created; its name must contain 'bench'",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="run a one-process smtpd under cProfile; the stats go to bench/out/smtpd-<db>.prof",
    )
    parser.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra environment for the smtpd (repeat)",
    )
    args = parser.parse_args()
    if not args.size:
        args.size = 10 * 1024 if args.kind == "small" else 1024 * 1024
    if args.server == "bare" and args.db != "postgres":
        parser.error("--server bare commits to PostgreSQL only")
    if args.profile:
        args.processes = 1
    args.processes = args.processes or len(os.sched_getaffinity(0))
    return args


# -- the server -------------------------------------------------------------------------------


def fresh_postgres(url: str) -> None:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    if "bench" not in name:
        raise SystemExit(f"refusing to drop {name!r}: the name must contain 'bench'")
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
    if args.server == "bare":
        argv += [str(BENCH_DIR / "smtpd_bare.py"), "--postgres-url", args.postgres_url]
    else:
        argv += ["-m", "supportdesk.cli", "smtpd"]
    argv += ["--bind", f"127.0.0.1:{port}", "--processes", str(args.processes)]
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


# -- the clients ------------------------------------------------------------------------------
#
# Light on purpose: the clients share the 2 cores with the server. Each client process runs
# an asyncio loop with several SMTP connections, speaks raw SMTP (EHLO, MAIL, RCPT, DATA,
# QUIT; no pipelining, which the server does not offer), and sends precomputed bytes.


def message(client: int, n: int, run: str, body: bytes) -> bytes:
    head = (
        f"From: Customer {client} <{SENDER}>\r\n"
        f"To: <{RECIPIENT}>\r\n"
        f"Subject: Bench {run} {client}-{n}\r\n"
        f"Message-ID: <bench-{run}-{client}-{n}@example.net>\r\n"
        "Date: Thu, 26 Nov 2026 09:00:00 +0000\r\n"
        "MIME-Version: 1.0\r\n"
    ).encode()
    return head + body


def message_body(kind: str, size: int) -> bytes:
    """The part after the varying headers: dot-stuffing free (no line starts with ".")."""
    line = b"The printer on the third floor is out of toner again, please help.  \r\n"
    if kind == "small":
        text = (line * (size // len(line) + 1))[: max(0, size - 200)]
        return b"Content-Type: text/plain; charset=utf-8\r\n\r\n" + text
    # "large": 1 MB in all, most of it a 900 KB (base64, as sent) PDF-like attachment.
    attachment = base64.encodebytes(os.urandom(900 * 1024 * 3 // 4)).replace(b"\n", b"\r\n")
    text = line * ((size - len(attachment) - 600) // len(line))
    return (
        b'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
        b"--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + text + b"\r\n"
        b"--b1\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n"
        b'Content-Disposition: attachment; filename="scan.pdf"\r\n\r\n'
        + attachment
        + b"\r\n--b1--\r\n"
    )


@dataclass
class ClientResult:
    sent: int
    failed: int
    data_seconds: list[float]
    cpu_seconds: float


async def _reply(reader: asyncio.StreamReader) -> int:
    while True:
        line = await reader.readline()
        if not line:
            raise ConnectionError("connection closed")
        if line[3:4] != b"-":
            return int(line[:3])


async def _command(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, line: bytes, expect: int
) -> None:
    writer.write(line)
    code = await _reply(reader)
    if code != expect:
        raise ConnectionError(f"{line[:4]!r} answered {code}")


async def _connection(
    port: int,
    mode: str,
    run: str,
    client: int,
    body: bytes,
    quota: int,
    deadline: float,
    result: ClientResult,
) -> None:
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None
    n = 0
    while n < quota and time.time() < deadline:
        raw = message(client, n, run, body) + b"\r\n.\r\n"
        n += 1
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=2**20)
                if await _reply(reader) != 220:
                    raise ConnectionError("no greeting")
                await _command(reader, writer, b"EHLO bench.example.net\r\n", 250)
            assert reader is not None
            await _command(reader, writer, f"MAIL FROM:<{SENDER}>\r\n".encode(), 250)
            await _command(reader, writer, f"RCPT TO:<{RECIPIENT}>\r\n".encode(), 250)
            await _command(reader, writer, b"DATA\r\n", 354)
            started = time.perf_counter()
            await _command(reader, writer, raw, 250)
            result.data_seconds.append(time.perf_counter() - started)
            result.sent += 1
            if mode == "connect":
                await _command(reader, writer, b"QUIT\r\n", 221)
                writer.close()
                writer = None
        except (OSError, ConnectionError, ValueError):
            result.failed += 1
            if writer is not None:
                writer.close()
            writer = None
    if writer is not None and reader is not None:
        with contextlib.suppress(OSError, ConnectionError, ValueError):
            await _command(reader, writer, b"QUIT\r\n", 221)
        writer.close()


def client_main(
    process: int,
    connections: int,
    port: int,
    mode: str,
    run: str,
    body: bytes,
    quota: int,
    deadline: float,
) -> ClientResult:
    result = ClientResult(0, 0, [], 0.0)

    async def all_connections() -> None:
        await asyncio.gather(
            *(
                _connection(port, mode, run, process * 1000 + c, body, quota, deadline, result)
                for c in range(connections)
            )
        )

    asyncio.run(all_connections())
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result.cpu_seconds = usage.ru_utime + usage.ru_stime
    return result


# -- CPU accounting ---------------------------------------------------------------------------


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    fields = [float(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its children, living ones included."""
    total = 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            stat = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        # utime, stime, cutime, cstime (fields 14-17; index 11-14 after the name).
        total += sum(float(x) for x in stat[11:15]) / ticks
        pending.extend(int(child) for child in children)
    return total


def drive(args: argparse.Namespace, port: int, mode: str, server_pid: int) -> float:
    run = f"{mode}-{int(time.time() * 1000)}"
    quota = -(-args.messages // args.clients)
    body = message_body(args.kind, args.size)
    per_process = [args.clients // args.client_processes] * args.client_processes
    for extra in range(args.clients % args.client_processes):
        per_process[extra] += 1
    busy_before, total_before = machine_busy()
    server_before = tree_cpu_seconds(server_pid)
    started = time.time()
    deadline = started + args.seconds
    with multiprocessing.get_context("fork").Pool(args.client_processes) as pool:
        results = pool.starmap(
            client_main,
            [
                (p, count, port, mode, run, body, quota, deadline)
                for p, count in enumerate(per_process)
            ],
        )
    wall = time.time() - started
    busy_after, total_after = machine_busy()
    server_cpu = tree_cpu_seconds(server_pid) - server_before
    sent = sum(r.sent for r in results)
    failed = sum(r.failed for r in results)
    client_cpu = sum(r.cpu_seconds for r in results)
    samples = [s for r in results for s in r.data_seconds]
    cores = os.cpu_count() or 1
    line = (
        f"{args.server:11} {args.db:8} {args.kind:5} {mode:8} conns={args.clients:<3} "
        f"sent={sent:<6} failed={failed:<4} wall={wall:5.1f}s {sent / wall:7.1f} msg/s"
    )
    if samples:
        summary = summarize(samples)
        line += f"  DATA p50={summary.p50:.1f} ms p99={summary.p99:.1f} ms"
    line += (
        f"  cpu: clients {100 * client_cpu / wall:.0f} %, server {100 * server_cpu / wall:.0f} %"
        f", machine {100 * cores * (busy_after - busy_before) / (total_after - total_before):.0f}"
        f" % of {cores * 100} %"
    )
    print(line, flush=True)
    return sent / wall


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
        log = BENCH_DIR / "out" / f"smtpd-{args.server}-{args.db}.log"
        print(f"load before: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}", flush=True)
        server = start_server(args, env, port, log)
        try:
            modes = ["reuse", "connect"] if args.mode == "both" else [args.mode]
            for mode in modes:
                rates = [drive(args, port, mode, server.pid) for _ in range(args.runs)]
                print(
                    f"{args.server:11} {args.db:8} {args.kind:5} {mode:8} "
                    f"processes={args.processes} median of {len(rates)}: "
                    f"{statistics.median(rates):.1f} msg/s",
                    flush=True,
                )
        finally:
            stop_server(server)
        print(f"load after: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}", flush=True)
        if args.server == "supportdesk":
            count_rows(args, env)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
