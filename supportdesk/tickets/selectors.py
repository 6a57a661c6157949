"""Reads: ticket lists (keyset pages, constant queries) and the ticket page."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import F, Lookup, Prefetch, QuerySet
from django.db.models.sql.compiler import SQLCompiler

from supportdesk.accounts.actors import Actor
from supportdesk.accounts.models import Contact
from supportdesk.core.errors import InvalidInput
from supportdesk.plans.models import Plan, SlaTarget
from supportdesk.sla.promise import format_promise
from supportdesk.tickets.access import TICKET_RELATIONS, tickets_visible_to
from supportdesk.tickets.choices import UNRESOLVED_STATUSES, MessageKind, Status
from supportdesk.tickets.counters import read_count
from supportdesk.tickets.models import Attachment, Deadline, Message, Ticket, TicketEvent
from supportdesk.tickets.similar import SimilarTicket, similar_tickets


@dataclass(frozen=True)
class TicketFilters:
    statuses: Sequence[str] = ()
    unresolved: bool = False
    team_id: int | None = None
    assignee_id: int | None = None
    product_id: int | None = None
    requester_id: int | None = None
    organization_id: int | None = None


@dataclass
class TicketPage:
    tickets: list[Ticket]
    # Pass as `before` to get the next page; None on the last page.
    next_before: int | None


@dataclass
class TicketDetail:
    ticket: Ticket
    messages: list[Message]
    events: list[TicketEvent]
    tags: list[str] = field(default_factory=list)
    # Service-level clocks, oldest first; empty for customers, like the audit trail.
    deadlines: list[Deadline] = field(default_factory=list)
    # Solved tickets like this one (the same error first), for technicians only.
    similar: list[SimilarTicket] = field(default_factory=list)


class _InConstants(Lookup[Any]):
    """`column IN ('new', 'open', ...)` with the values written into the SQL.

    SQLite uses a partial index only if the query repeats the index's condition with the
    same constants: `status IN (?, ?, ?, ?)` with bound values does not match the
    condition of ticket_team_unresolved, so a team's queue read every ticket of the team
    and sorted them (170 ms a page at 1 M tickets, bench/tickets.py). For our own
    constants only (checked to be plain words), never for user input."""

    lookup_name = "in_constants"
    prepare_rhs = False
    _WORD = re.compile(r"[a-z_]+")

    def __init__(self, lhs: Any, rhs: Sequence[str]) -> None:
        if not rhs or not all(self._WORD.fullmatch(value) for value in rhs):
            raise ValueError(f"not plain words: {rhs!r}")
        super().__init__(lhs, tuple(rhs))

    def as_sql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, list[Any]]:
        lhs, params = self.process_lhs(compiler, connection)
        constants = ", ".join(f"'{value}'" for value in self.rhs)
        return f"{lhs} IN ({constants})", list(params)


def _filtered(base: QuerySet[Ticket], filters: TicketFilters) -> QuerySet[Ticket]:
    tickets = base
    if filters.unresolved:
        # The same condition as the partial indexes (ticket_team_unresolved, ...).
        tickets = tickets.filter(_InConstants(F("status"), UNRESOLVED_STATUSES))
    if filters.statuses:
        unknown = [s for s in filters.statuses if s not in Status.values]
        if unknown:
            raise InvalidInput({"status": f"unknown {', '.join(unknown)}"})
        tickets = tickets.filter(status__in=list(filters.statuses))
    for name in ("team_id", "assignee_id", "product_id", "requester_id", "organization_id"):
        value = getattr(filters, name)
        if value is not None:
            tickets = tickets.filter(**{name: value})
    return tickets


def list_tickets(
    *,
    viewer: Actor,
    filters: TicketFilters = TicketFilters(),
    limit: int = 50,
    before: int | None = None,
) -> TicketPage:
    """Tickets newest first, one page at a time. `before` is a ticket number from the
    previous page (keyset pagination: the cost of page 1000 equals page 1). Two queries."""
    max_limit: int = settings.SUPPORTDESK["TICKET_LIST_MAX_LIMIT"]
    if not 1 <= limit <= max_limit:
        raise InvalidInput({"limit": f"between 1 and {max_limit}, got {limit}"})
    tickets = _filtered(tickets_visible_to(viewer), filters)
    if before is not None:
        tickets = tickets.filter(number__lt=before)
    rows = list(
        tickets.select_related(*TICKET_RELATIONS)
        .prefetch_related("tags")
        .order_by("-number")[: limit + 1]
    )
    has_more = len(rows) > limit
    rows = rows[:limit]
    return TicketPage(tickets=rows, next_before=rows[-1].number if has_more and rows else None)


def get_ticket_detail(*, viewer: Actor, ticket: Ticket) -> TicketDetail:
    """Everything a ticket page shows, in a constant number of queries. Customers never
    see internal notes or the internal audit trail."""
    messages = (
        Message.objects.filter(ticket=ticket)
        .select_related("author_contact", "author_technician")
        .prefetch_related(
            Prefetch(
                "attachments", queryset=Attachment.objects.select_related("blob").order_by("id")
            )
        )
        .order_by("id")
    )
    is_customer = isinstance(viewer, Contact)
    if is_customer:
        messages = messages.exclude(kind=MessageKind.NOTE)
    events: list[TicketEvent] = []
    if not is_customer:
        events = list(TicketEvent.objects.filter(ticket=ticket).order_by("id"))
    return TicketDetail(
        ticket=ticket,
        messages=list(messages),
        events=events,
        tags=sorted(ticket.tags.values_list("name", flat=True)),
        deadlines=[] if is_customer else list(ticket.deadlines.order_by("id")),
        similar=[] if is_customer else similar_tickets(ticket),
    )


def count_unresolved(*, team_id: int | None = None, assignee_id: int | None = None) -> int:
    """From the counters, never COUNT(*) over tickets."""
    if team_id is not None:
        scope = f"team:{team_id}"
    elif assignee_id is not None:
        scope = f"assignee:{assignee_id}"
    else:
        scope = "all"
    return read_count(scope, UNRESOLVED_STATUSES)


def count_by_status(*, scope: str = "all") -> dict[str, int]:
    return {status: read_count(scope, [status]) for status in Status.values}


def answer_promise(ticket: Ticket, *, language: str = "") -> tuple[datetime, str] | None:
    """When we promised to answer, and that promise as the customer reads it, in their
    language and the service's time zone ("Tuesday 24 November, 12:00"). `language`, when
    given, is the one the reader asked for (the ticket's otherwise)."""
    response_metrics = [SlaTarget.Metric.FIRST_RESPONSE, SlaTarget.Metric.NEXT_RESPONSE]
    if ticket.opening_deadlines is not None:
        # A ticket just opened has its deadlines at hand (in a batch of mail, they are not
        # even written yet).
        target_at = min(
            (
                deadline.target_at
                for deadline in ticket.opening_deadlines
                if deadline.stopped_at is None and deadline.metric in response_metrics
            ),
            default=None,
        )
    else:
        target_at = _response_target(ticket, response_metrics)
    if target_at is None or ticket.plan is None:
        return None
    text = format_promise(
        target_at, time_zone=ticket.plan.calendar.time_zone, language=language or ticket.language
    )
    return target_at, text


def _response_target(ticket: Ticket, metrics: Sequence[str]) -> datetime | None:
    # Only the moment: the ticket at hand has the plan (a new ticket's came with its
    # calendar), so no join and no model instances.
    return (
        Deadline.objects.filter(
            ticket=ticket,
            stopped_at__isnull=True,
            metric__in=metrics,
        )
        .order_by("target_at")
        .values_list("target_at", flat=True)
        .first()
    )


def public_messages(ticket: Ticket, *, last: int = 50) -> list[Message]:
    """The `last` messages the customer may read (never internal notes), oldest first,
    with their authors and attachments: two queries, however long the ticket."""
    newest_first = (
        Message.objects.filter(ticket=ticket)
        .exclude(kind=MessageKind.NOTE)
        .select_related("author_contact")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("id")))
        .order_by("-id")[:last]
    )
    return list(reversed(list(newest_first)))


def answer_promises(
    tickets: Sequence[Ticket], *, language: str = ""
) -> dict[int, tuple[datetime, str]]:
    """answer_promise for a page of tickets, by ticket id, in two queries (the open
    deadlines, then the plans' calendars), whatever the page's length; each in `language`
    when given, else in its ticket's."""
    by_ticket: dict[int, datetime] = {}
    rows = Deadline.objects.filter(
        ticket__in=[ticket.pk for ticket in tickets],
        stopped_at__isnull=True,
        metric__in=[SlaTarget.Metric.FIRST_RESPONSE, SlaTarget.Metric.NEXT_RESPONSE],
    ).values_list("ticket_id", "target_at")
    for ticket_id, target_at in rows:
        if ticket_id not in by_ticket or target_at < by_ticket[ticket_id]:
            by_ticket[ticket_id] = target_at
    plan_ids = {t.plan_id for t in tickets if t.pk in by_ticket and t.plan_id is not None}
    zones = dict(
        Plan.objects.filter(pk__in=plan_ids).values_list("pk", "calendar__time_zone")
        if plan_ids
        else []
    )
    promises: dict[int, tuple[datetime, str]] = {}
    for ticket in tickets:
        due = by_ticket.get(ticket.pk)
        zone = zones.get(ticket.plan_id) if ticket.plan_id is not None else None
        if due is None or zone is None:
            continue
        text = format_promise(due, time_zone=zone, language=language or ticket.language)
        promises[ticket.pk] = (due, text)
    return promises
