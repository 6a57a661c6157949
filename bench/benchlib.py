"""What every benchmark here needs: the machine it ran on, percentiles, and RESULTS.md."""

from __future__ import annotations

import os
import platform
import re
import shlex
import socket
import sqlite3
import statistics
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
OUT_DIR = BENCH_DIR / "out"
RESULTS = BENCH_DIR / "RESULTS.md"
RESULTS_HEADER = """# Benchmark results

Figures from the scripts in `bench/`, on the machines named in each section. Every section
is written by its script (between its markers) and replaced when the same run is repeated.
"""


@dataclass(frozen=True)
class Summary:
    samples: int
    p50: float
    p95: float
    p99: float
    worst: float


def summarize(seconds: list[float]) -> Summary:
    """Percentiles in milliseconds (inclusive method: no extrapolation past the worst)."""
    ms = sorted(s * 1000 for s in seconds)
    if len(ms) == 1:
        return Summary(1, ms[0], ms[0], ms[0], ms[0])
    cuts = statistics.quantiles(ms, n=100, method="inclusive")
    return Summary(len(ms), cuts[49], cuts[94], cuts[98], ms[-1])


def command_line() -> str:
    """The exact command, with the interpreter relative to the checkout when it lives there."""
    python = Path(sys.executable)
    try:
        shown = str(python.relative_to(REPO_DIR))
    except ValueError:
        shown = str(python)
    script = Path(sys.argv[0]).resolve()
    try:
        script_shown = str(script.relative_to(REPO_DIR))
    except ValueError:
        script_shown = sys.argv[0]
    return shlex.join([shown, script_shown, *sys.argv[1:]])


def cpu_model() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or "unknown"
    match = re.search(r"^model name\s*:\s*(.+)$", text, re.MULTILINE)
    return match.group(1).strip() if match else "unknown"


def memory_gib() -> str:
    try:
        text = Path("/proc/meminfo").read_text()
    except OSError:
        return "unknown"
    match = re.search(r"^MemTotal:\s*(\d+) kB", text, re.MULTILINE)
    return f"{int(match.group(1)) / 1024 / 1024:.1f} GiB" if match else "unknown"


def postgres_server_version(url: str) -> str:
    """Asked of the server's maintenance database, which exists even before a run."""
    from urllib.parse import urlsplit, urlunsplit

    maintenance = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    try:
        import psycopg

        with psycopg.connect(maintenance, connect_timeout=3) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            return str(row[0]) if row else "unknown"
    except Exception as exc:  # a machine without PostgreSQL still gets a report
        return f"unavailable ({type(exc).__name__})"


def machine_lines(postgres_url: str) -> list[str]:
    import django

    try:
        nproc = subprocess.run(["nproc"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        nproc = str(os.cpu_count())
    return [
        f"- Machine: {nproc.strip()} cores (`nproc`), {memory_gib()} memory, CPU {cpu_model()}",
        f"- Python {platform.python_version()}, Django {django.get_version()}, "
        f"PostgreSQL {postgres_server_version(postgres_url)}, SQLite {sqlite3.sqlite_version}",
        f"- Date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        "- The machine is shared with other engineers running test suites on the same two "
        "cores: figures are noisy; percentiles are over the samples of one run.",
    ]


def write_section(key: str, body: str) -> None:
    """Replace the section between this key's markers in RESULTS.md, or append it."""
    begin, end = f"<!-- {key} begin -->", f"<!-- {key} end -->"
    block = f"{begin}\n{body.rstrip()}\n{end}\n"
    text = RESULTS.read_text() if RESULTS.exists() else RESULTS_HEADER
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end) + r"\n?", re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text, count=1)
    else:
        text = text.rstrip() + "\n\n" + block
    RESULTS.write_text(text)


def free_port() -> int:
    """A TCP port free on loopback now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def fresh_postgres(url: str) -> None:
    """Drop and create the database of a postgres:// URL (the bench's own)."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
