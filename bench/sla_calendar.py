"""Deadline computations per second of the business-time engine (supportdesk.sla.calendar).

The demo calendar: Europe/Paris, Monday-Friday 09:00-12:00 and 14:00-18:00, French public
holidays. Random arrival instants over several years; three kinds of deadline:
add_working_time (1-48 working hours), add_working_days (1 or 2: the free plan's 24/48 h) and
same_day_deadline (cut-off 16:00, else 8 working hours: Direct Assistance).

Each run times every kind over the same instants on a warm calendar (the way the server
uses one long-lived calendar per business calendar) and prints the median of the runs. The
first, cold pass (building the per-week caches for the whole span) is reported apart.

    .venv/bin/python bench/sla_calendar.py [--runs 7] [--n 50000] [--years 4]
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from datetime import time as time_of_day

from supportdesk.sla.calendar import WorkingCalendar
from supportdesk.sla.public_holidays import PublicHolidays

DEMO_HOURS = {str(day): [["09:00", "12:00"], ["14:00", "18:00"]] for day in range(1, 6)}
CUTOFF = time_of_day(16, 0)
FALLBACK = timedelta(hours=8)


def demo_calendar() -> WorkingCalendar:
    return WorkingCalendar(
        name="Demo Paris",
        time_zone="Europe/Paris",
        weekly_hours=DEMO_HOURS,
        holiday_source=PublicHolidays("FR"),
    )


def workload(n: int, years: int, seed: int) -> tuple[list[datetime], list[timedelta], list[int]]:
    rng = random.Random(seed)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    span = int(timedelta(days=365 * years).total_seconds())
    instants = [start + timedelta(seconds=rng.randrange(span)) for _ in range(n)]
    durations = [timedelta(minutes=rng.randrange(60, 48 * 60)) for _ in range(n)]
    days = [rng.choice((1, 2)) for _ in range(n)]
    return instants, durations, days


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--n", type=int, default=50_000, help="instants per kind and run")
    parser.add_argument("--years", type=int, default=4)
    args = parser.parse_args()

    instants, durations, days = workload(args.n, args.years, seed=5)
    calendar = demo_calendar()

    kinds: dict[str, Callable[[], object]] = {
        "add_working_time": lambda: [
            calendar.add_working_time(at, d) for at, d in zip(instants, durations, strict=True)
        ],
        "add_working_days": lambda: [
            calendar.add_working_days(at, n) for at, n in zip(instants, days, strict=True)
        ],
        "same_day_deadline": lambda: [
            calendar.same_day_deadline(at, CUTOFF, FALLBACK) for at in instants
        ],
    }

    began = time.perf_counter()
    for run in kinds.values():
        run()
    cold = 3 * args.n / (time.perf_counter() - began)

    rates: dict[str, list[float]] = {name: [] for name in kinds}
    mixed: list[float] = []
    for _ in range(args.runs):
        total_time = 0.0
        for name, run in kinds.items():
            began = time.perf_counter()
            run()
            elapsed = time.perf_counter() - began
            total_time += elapsed
            rates[name].append(args.n / elapsed)
        mixed.append(3 * args.n / total_time)

    print(f"python {platform.python_version()}, {args.n} instants over {args.years} years")
    print(f"cold first pass (caches built): {cold:,.0f} computations/s")
    for name, values in rates.items():
        print(
            f"{name:>18}: median {statistics.median(values):,.0f}/s "
            f"(min {min(values):,.0f}, max {max(values):,.0f}, {args.runs} runs)"
        )
    print(f"{'all three, mixed':>18}: median {statistics.median(mixed):,.0f} computations/s")

    # What a caller pays when it builds a fresh calendar for every deadline (cold caches):
    # the reason to keep one calendar object per business calendar.
    sample = list(zip(instants, durations, strict=True))[: max(args.n // 25, 100)]
    began = time.perf_counter()
    for at, duration in sample:
        demo_calendar().add_working_time(at, duration)
    fresh = len(sample) / (time.perf_counter() - began)
    print(f"fresh calendar per computation (anti-pattern): {fresh:,.0f}/s")


if __name__ == "__main__":
    main()
