#!/usr/bin/env python3
"""CPU cost of reading an accepted mail: `parse_mail` and the sender check without DNS.

    .venv/bin/python bench/parse_mail.py                              # this checkout alone
    .venv/bin/python bench/parse_mail.py --baseline /tmp/old-checkout  # before/after, alternated

Workloads (each mail built once, before the clock starts):
- small: the 10 KB text mails of `bench/mail_processing.py` (`make_message`, kind "small",
  20 % replies "Re: [SD-n]" with an In-Reply-To), --mails distinct mails;
- corpus: the 84 .eml files of tests/channels/email/corpus, each read once;
- large: 20 mails of 1.24 MB (`make_message` kind "large": a 900 KB attachment in base64);
- authenticity: `check_authenticity` on the small mails as a worker calls it when MAIL_VERIFY
  is empty (one trusted authserv-id, no local DKIM or SPF check).

Figure: CPU ms per call (time.process_time around all the calls of a workload), the median
of --runs runs. Each run is a fresh subprocess that first reads 100 other mails (imports,
compiled patterns); no mail is timed twice in a process. With --baseline, the runs of the two
checkouts alternate, so both see the same load.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent

WORKLOADS = ("small", "corpus", "large", "authenticity")
LARGE_MAILS = 20
CORPUS = REPO_DIR / "tests/channels/email/corpus"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mails", type=int, default=1000, help="calls per run (1000)")
    parser.add_argument("--runs", type=int, default=5, help="runs per checkout (5)")
    parser.add_argument("--baseline", type=Path, help="another checkout to compare with")
    parser.add_argument("--no-record", action="store_true", help="do not write RESULTS.md")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)  # the checkout to time
    return parser.parse_args()


def small_mails(count: int, run: str = "parse", kind: str = "small") -> list[tuple[bytes, str]]:
    from mail_processing import Senders, make_message

    senders = Senders(
        known=[f"contact{n}@customer{n % 7}.example" for n in range(40)],
        open_tickets=[
            (f"SD-{n}", f"Printer problem {n}", f"contact{n}@customer.example") for n in range(50)
        ],
    )
    rng = random.Random(f"{run}-20261126")
    return [make_message(rng, run, n, kind, senders, 0.2) for n in range(count)]


def corpus_mails() -> list[bytes]:
    return [path.read_bytes() for path in sorted(CORPUS.glob("*.eml"))]


def cpu_seconds(call: Callable[[], object]) -> float:
    start = time.process_time()
    call()
    return time.process_time() - start


def child(checkout: Path, mails: int) -> None:
    """One run of every workload in the checkout's code: CPU seconds per call, as JSON.
    Every mail timed is one the process has not read before: the parser keeps the header
    objects of recurring values, and a mail read twice would find all of its own."""
    sys.path[:0] = [str(checkout), str(BENCH_DIR)]
    from supportdesk.channels.email.authenticity import check_authenticity
    from supportdesk.channels.email.parsing import parse_mail

    assert Path(sys.modules[parse_mail.__module__].__file__ or "").is_relative_to(checkout)
    warm = small_mails(100, run="warm")
    small = small_mails(mails)
    corpus = corpus_mails()
    large = small_mails(LARGE_MAILS, kind="large")

    def parse_small() -> None:
        for raw, sender in small:
            parse_mail(raw, return_path=sender)

    def parse_corpus() -> None:
        for raw in corpus:
            parse_mail(raw, return_path="sender@example.com")

    def parse_large() -> None:
        for raw, sender in large:
            parse_mail(raw, return_path=sender)

    def authenticity() -> None:
        for raw, sender in small:
            check_authenticity(
                raw, from_address=sender, trusted_authserv_ids=("mx.example.com",), verify=()
            )

    for raw, sender in warm:  # imports, compiled patterns, the public suffix list
        parse_mail(raw, return_path=sender)
        check_authenticity(raw, from_address=sender, trusted_authserv_ids=("mx.example.com",))
    seconds = {
        "corpus": cpu_seconds(parse_corpus) / len(corpus),
        "small": cpu_seconds(parse_small) / len(small),
        "large": cpu_seconds(parse_large) / len(large),
        "authenticity": cpu_seconds(authenticity) / len(small),
    }
    print(json.dumps(seconds))


def run_child(checkout: Path, mails: int) -> dict[str, float]:
    output = subprocess.run(
        [sys.executable, __file__, "--child", str(checkout), "--mails", str(mails)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    ).stdout
    return {name: float(seconds) for name, seconds in json.loads(output).items()}


def main() -> None:
    args = parse_args()
    if args.child:
        child(args.child.resolve(), args.mails)
        return
    checkouts = {"this": REPO_DIR}
    if args.baseline:
        checkouts = {"before": args.baseline.resolve(), "after": REPO_DIR}
    seconds: dict[str, dict[str, list[float]]] = {label: {} for label in checkouts}
    for run in range(args.runs):
        for label, checkout in checkouts.items():
            for name, value in run_child(checkout, args.mails).items():
                seconds[label].setdefault(name, []).append(value)
            print(f"run {run + 1}/{args.runs} {label}: done", file=sys.stderr)
    ms = {
        label: {name: statistics.median(values) * 1000 for name, values in found.items()}
        for label, found in seconds.items()
    }
    lines = report(args, ms)
    print("\n".join(lines))
    if not args.no_record:
        from benchlib import write_section

        write_section("parse_mail", "\n".join(lines))


def report(args: argparse.Namespace, ms: dict[str, dict[str, float]]) -> list[str]:
    sys.path[:0] = [str(REPO_DIR), str(BENCH_DIR)]
    from benchlib import command_line, machine_lines

    labels = list(ms)
    header = "| workload | " + " | ".join(f"{label} ms/call" for label in labels) + " |"
    rule = "|---|" + "---:|" * len(labels)
    if len(labels) == 2:
        header += " after/before |"
        rule += "---:|"
    rows = []
    for name in WORKLOADS:
        cells = [f"{ms[label][name]:.3f}" for label in labels]
        if len(labels) == 2:
            cells.append(f"{ms['after'][name] / ms['before'][name]:.2f}")
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
    with open("/proc/loadavg") as loadavg:
        load = " ".join(loadavg.read().split()[:3])
    return [
        "## Reading a mail (`bench/parse_mail.py`): CPU per call",
        "",
        f"Command: `{command_line()}`. The median of {args.runs} runs (time.process_time, "
        "one subprocess per run, warmed by 100 other mails"
        + (", before and after alternated" if len(labels) == 2 else "")
        + f"). small: {args.mails} distinct 10 KB mails of `bench/mail_processing.py` "
        f"(20 % replies); corpus: the tests' .eml files, each read once; large: {LARGE_MAILS} "
        "mails of 1.24 MB (a 900 KB attachment); authenticity: "
        f"`check_authenticity` on the {args.mails} small mails with MAIL_VERIFY empty "
        "(one trusted authserv-id, no DNS).",
        "",
        *machine_lines(
            os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
        ),
        f"- Load average when the run ended: {load}",
        "",
        header,
        rule,
        *rows,
    ]


if __name__ == "__main__":
    main()
