#!/usr/bin/env python3
"""Upload links under the real web server: a large file sent with curl, time and memory.

    .venv/bin/python bench/uploads.py                    # 1000 MB, 3 runs, SQLite
    .venv/bin/python bench/uploads.py --mb 200 --runs 5

Builds a fresh SQLite database in a temporary SUPPORTDESK_DATA_DIR (the upload temporary
directory inside it, so storing a file is a rename), makes a ticket with a 5 GB agreement
and one upload link, starts `supportdesk web` with one sync worker on a free port, then
sends a random file of --mb megabytes with `curl -F file=@...` to the JSON endpoint, --runs
times (a new file each run: every run stores new bytes). It reports the wall time and the
rate of each upload (curl's own figure), and the web worker's resident memory before the
first upload and its peak (VmHWM) after the last: the file must never be in memory. It
writes the "uploads" section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
sys.path[:0] = [str(BENCH_DIR), str(REPO_DIR)]

from benchlib import command_line, machine_lines, write_section  # noqa: E402

SUPPORTDESK = REPO_DIR / ".venv" / "bin" / "supportdesk"
SETUP = """
from supportdesk.accounts.models import Contact, ContactEmail, Team, Technician
from django.contrib.auth.models import User
from supportdesk.accounts.actors import SYSTEM
from supportdesk.core.models import BusinessCalendar
from supportdesk.plans.models import Plan
from supportdesk.tickets.services import open_ticket, grant_attachment_agreement
from supportdesk.tickets.services import issue_upload_link
calendar = BusinessCalendar.objects.create(name="bench", weekly_hours={})
Plan.objects.create(code="free", name="Free", calendar=calendar)
team = Team.objects.create(name="Bench", slug="bench", languages=["en"])
technician = Technician.objects.create(user=User.objects.create(username="bench"),
                                       display_name="Bench")
technician.teams.add(team)
contact = Contact.objects.create(name="Bench customer")
ContactEmail.objects.create(contact=contact, address="bench@example.org", is_primary=True)
ticket = open_ticket(actor=SYSTEM, requester=contact, subject="Bench", body_text="Bench.",
                     channel="email", team=team)
grant_attachment_agreement(actor=technician, ticket=ticket, max_bytes=5 * 10**9, days=7,
                           send_link=False)
print("TOKEN", issue_upload_link(actor=technician, ticket=ticket).token)
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def kib(status: str, field: str) -> int:
    match = re.search(rf"^{field}:\s+(\d+) kB", status, re.MULTILINE)
    return int(match.group(1)) if match else 0


def worker_pid(master: int) -> int:
    for _ in range(100):
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.1)
    raise RuntimeError("the web worker never started")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=int, default=1000, help="file size in MB (10^6 bytes)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="sd-bench-uploads-") as scratch:
        data_dir = Path(scratch)
        (data_dir / "tmp").mkdir()
        port = free_port()
        env = {
            **os.environ,
            "SUPPORTDESK_DATA_DIR": str(data_dir),
            "SUPPORTDESK_UPLOAD_TEMP_DIR": str(data_dir / "tmp"),
            "SUPPORTDESK_SITE_URL": f"http://127.0.0.1:{port}",
            "SUPPORTDESK_WEB_WORKERS": "1",
            "PYTHONPATH": str(REPO_DIR),
        }
        env.pop("DATABASE_URL", None)
        subprocess.run([SUPPORTDESK, "migrate"], env=env, check=True, capture_output=True)
        setup = subprocess.run(
            [SUPPORTDESK, "manage", "shell", "-c", SETUP],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        token = re.search(r"TOKEN (\S+)", setup.stdout)
        assert token is not None, setup.stdout + setup.stderr
        url = f"http://127.0.0.1:{port}/api/v1/uploads/{token[1]}"
        web = subprocess.Popen(
            [SUPPORTDESK, "web", "--bind", f"127.0.0.1:{port}"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            worker = 0
            for _ in range(150):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    worker = worker_pid(web.pid)
                    break
                except OSError:
                    time.sleep(0.1)
            subprocess.run(["curl", "-sf", url], check=True, capture_output=True)
            before = kib(Path(f"/proc/{worker}/status").read_text(), "VmRSS")
            seconds: list[float] = []
            rates: list[float] = []
            for run in range(args.runs):
                sample = data_dir / f"sample-{run}.bin"
                with sample.open("wb") as out:
                    for _ in range(args.mb):
                        out.write(os.urandom(10**6))
                result = subprocess.run(
                    [
                        "curl",
                        "-sf",
                        "-F",
                        f"file=@{sample}",
                        "-w",
                        "\n%{time_total} %{speed_upload}",
                        url,
                    ],
                    check=True,
                    capture_output=True,
                    text=True,
                )
                body, timing = result.stdout.rsplit("\n", 1)
                assert json.loads(body)["size"] == args.mb * 10**6
                total, speed = timing.split()
                seconds.append(float(total))
                rates.append(float(speed) / 10**6)
                sample.unlink()
            peak = kib(Path(f"/proc/{worker}/status").read_text(), "VmHWM")
            leftovers = list((data_dir / "tmp").iterdir())
        finally:
            web.terminate()
            web.wait(timeout=30)

    lines = [
        "## Upload links under gunicorn (`bench/uploads.py`)",
        "",
        f"- Command: `{command_line()}`",
        *machine_lines(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1/postgres")),
        "- One gunicorn sync worker, SQLite; curl on the same machine over loopback; the "
        "upload temporary directory on the file system of the media root.",
        "",
        "| what | figure |",
        "|---|---|",
        f"| file | {args.mb} MB, random bytes, {args.runs} runs |",
        f"| wall time per upload, median (min-max) | {statistics.median(seconds):.2f} s "
        f"({min(seconds):.2f}-{max(seconds):.2f}) |",
        f"| rate, median | {statistics.median(rates):.0f} MB/s |",
        f"| worker resident memory before the first upload | {before / 1024:.1f} MiB |",
        f"| worker peak resident memory (VmHWM) after the last | {peak / 1024:.1f} MiB |",
        f"| temporary files left behind | {len(leftovers)} |",
        "",
        "The rate is bound by hashing and writing the bytes once (the temporary file becomes "
        "the blob by a rename); memory stays flat whatever the file size.",
    ]
    report = "\n".join(lines)
    print(report)
    write_section("uploads", report)


if __name__ == "__main__":
    main()
