"""`load_demo`: the demo profile of DESIGN.md, loaded in one transaction, idempotently."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import TextIO

from django.db import transaction
from django.utils import timezone

from supportdesk.demo.clock import demo_clock
from supportdesk.demo.customers import Customer, ensure_customers
from supportdesk.demo.planning import DEMO_TAG, Planner
from supportdesk.demo.playback import Player, routing_tasks_removed
from supportdesk.demo.reference import Reference, ensure_reference_data
from supportdesk.tickets.models import Ticket


def load_demo(*, tickets: int = 300, stdout: TextIO | None = None) -> None:
    """Load (or complete) the demo: the catalog, the Paris calendar, the plans, teams,
    technicians and customers of the seed, and `tickets` demo tickets.

    Everything is keyed by natural keys, and demo tickets carry the `demo` tag: a second
    load finds them and creates nothing; a load asking for more tickets adds the missing
    ones. All or nothing: one transaction.
    """
    if tickets < 0:
        raise ValueError("tickets must be zero or more")
    started = time.perf_counter()
    anchor = timezone.now().replace(microsecond=0)
    with transaction.atomic():
        reference = ensure_reference_data()
        customers = ensure_customers(reference, today=timezone.localdate(anchor))
        existing, created = _ensure_tickets(reference, customers, total=tickets, anchor=anchor)
    if stdout is not None:
        organizations = len({c.organization.pk for c in customers})
        stdout.write(
            f"Demo: {len(reference.products)} products, {len(reference.plans)} plans, "
            f"{len(reference.teams)} teams, {len(reference.technicians)} technicians, "
            f"{organizations} organizations, {len(customers)} contacts.\n"
            f"Demo: {created} tickets created, {existing} were already there "
            f"({time.perf_counter() - started:.1f} s).\n"
        )


def _ensure_tickets(
    reference: Reference, customers: list[Customer], *, total: int, anchor: datetime
) -> tuple[int, int]:
    existing = Ticket.objects.filter(tags__name=DEMO_TAG).count()
    if existing >= total:
        return existing, 0
    plans = Planner(reference, customers, anchor).plan(range(existing, total))
    start = min((p.steps[0].at for p in plans), default=anchor) - timedelta(minutes=1)
    with demo_clock(start) as clock, routing_tasks_removed():
        Player(reference, clock).play(plans)
    return existing, len(plans)
