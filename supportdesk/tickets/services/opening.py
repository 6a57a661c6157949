"""Opening a ticket."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from supportdesk.accounts.actors import SYSTEM, Actor
from supportdesk.accounts.models import Contact, Team
from supportdesk.catalog.models import Product, ProductVersion
from supportdesk.core.choices import Language, values_of
from supportdesk.core.clock import now
from supportdesk.core.deferred import after_saved, save_new
from supportdesk.core.errors import InvalidInput, PermissionDenied
from supportdesk.plans.entitlement import (
    DEPRIORITIZED,
    check_entitlement,
    count_request,
    out_of_scope_reason,
)
from supportdesk.plans.selectors import coverage_for
from supportdesk.tickets import service_levels
from supportdesk.tickets import tasks as ticket_tasks
from supportdesk.tickets.choices import (
    PRIORITY_RANK,
    Category,
    Channel,
    EventKind,
    MessageKind,
    Priority,
    Status,
)
from supportdesk.tickets.counters import move_in_counters
from supportdesk.tickets.events import record_event
from supportdesk.tickets.models import Tag, Ticket
from supportdesk.tickets.references import allocate_ticket_numbers
from supportdesk.tickets.services.attachments import attachment_limit
from supportdesk.tickets.services.common import clean_body, clean_line, counted_state
from supportdesk.tickets.services.messages import NewAttachment, add_message
from supportdesk.tickets.services.routing import (
    apply_route,
    needs_routing,
    routing_decision,
    teams_kept,
)
from supportdesk.tickets.services.status import normalize_tags
from supportdesk.tickets.signatures import error_line, error_signature


@dataclass
class _BatchOpening:
    tags: dict[str, Tag] = field(default_factory=dict)


# Set within `opening_a_batch`: open_ticket routes the ticket itself, and keeps the tags.
_batch: ContextVar[_BatchOpening | None] = ContextVar("batch_opening", default=None)


@contextmanager
def opening_a_batch() -> Iterator[None]:
    """Within the block, `open_ticket` routes a new ticket before writing it (team, and
    engineer for Direct Assistance), with its ROUTED event, instead of enqueueing a routing
    task: a batch of mail routes its tickets without a task, an UPDATE and a locking read
    each. The teams are read once for the block (routing.teams_kept), and so are the tags
    the tickets get ("not-entitled" on every request of a used-up licence)."""
    token = _batch.set(_BatchOpening())
    try:
        with teams_kept():
            yield
    finally:
        _batch.reset(token)


def _tags_named(names: Sequence[str]) -> list[Tag]:
    """The tags of these names, created when missing; within a batch, read once. (A tag
    that a rolled-back mail of the batch created is gone again: the batch's flush then
    fails on it, and the worker runs the batch's mails one at a time, which is correct.)"""
    if not names:
        return []
    batch = _batch.get()
    missing = [name for name in names if batch is None or name not in batch.tags]
    if missing:
        Tag.objects.bulk_create([Tag(name=name) for name in missing], ignore_conflicts=True)
        found = list(Tag.objects.filter(name__in=missing))
        if batch is None:
            return found
        batch.tags.update({tag.name: tag for tag in found})
    assert batch is not None
    return [batch.tags[name] for name in names]


def open_ticket(
    *,
    actor: Actor,
    requester: Contact,
    subject: str,
    body_text: str,
    channel: str,
    body_html: str = "",
    product: Product | None = None,
    product_version: ProductVersion | None = None,
    category: str = Category.QUESTION,
    priority: str = Priority.NORMAL,
    team: Team | None = None,
    language: str | None = None,
    tags: Sequence[str] = (),
    attachments: Sequence[NewAttachment] = (),
    origin: Mapping[str, Any] | None = None,
    details: Mapping[str, Any] | None = None,
    serial: str | None = None,
    error_text: str | None = None,
) -> Ticket:
    """Open a ticket with the customer's first message. Tickets without a team are routed
    by a background task enqueued in the same transaction.

    The entitlement is checked (plans/entitlement.py) against the licence of `serial`, or
    the organization's licence of the product; a covered free request is counted against
    the licence in the same transaction. Whatever the outcome, the ticket is opened: a
    request not entitled (see plans.entitlement.DEPRIORITIZED) is tagged "not-entitled" and
    served after the others (priority low); the technician decides. `error_text`
    (else an error-like line of the body) gives the ticket its error signature."""
    if isinstance(actor, Contact) and actor.pk != requester.pk:
        raise PermissionDenied("A customer can only open requests in their own name")
    problems: dict[str, str] = {}
    if channel not in values_of(Channel):
        problems["channel"] = f"unknown channel {channel!r}"
    if category not in values_of(Category):
        problems["category"] = f"expected one of {', '.join(Category.values)}"
    if priority not in values_of(Priority):
        problems["priority"] = f"expected one of {', '.join(Priority.values)}"
    # The language picks the team and the language of every mail we send: never store one
    # we have no team or template for.
    if language and language not in values_of(Language):
        problems["language"] = f"expected one of {', '.join(Language.values)}"
    if product_version is not None and product_version.product_id != getattr(product, "pk", None):
        problems["product_version"] = (
            f"{product_version} is not a version of {product or 'no product'}"
        )
    if problems:
        raise InvalidInput(problems)
    subject = clean_line(subject, field="subject", max_length=250)
    body_text = clean_body(body_text)
    tag_names = normalize_tags(tags)

    at = now()
    organization = requester.organization
    coverage = coverage_for(organization=organization, on=timezone.localdate(at))
    # Subscribers are served before free support.
    paid = coverage.plan is not None and coverage.plan.is_paid
    if paid and PRIORITY_RANK[Priority(priority)] < PRIORITY_RANK[Priority.HIGH]:
        priority = Priority.HIGH
    # A Standard Request's own fields, whichever channel brought it (API, standardized mail).
    if details and "format" in details:
        customer = details.get("customer")
        given = customer.get("serial") if isinstance(customer, Mapping) else None
        serial = serial or (given if isinstance(given, str) else None)
        if error_text is None:
            given = details.get("error_text")
            error_text = given if isinstance(given, str) else ""
    entitlement = check_entitlement(
        plan=coverage.plan,
        organization=organization,
        product=product,
        version=product_version,
        serial=serial,
        on=timezone.localdate(at),
    )
    # What a subscriber asks is the subscription's business; free support has a scope.
    out_of_scope = (
        "" if paid else out_of_scope_reason(category=category, text=f"{subject}\n{body_text}")
    )
    signature = error_signature(
        error_text if error_text is not None else error_line(body_text),
        product_code=product.code if product is not None else None,
    )
    # No savepoint of its own (a round trip each way, for each of a batch's mails): what
    # can be refused is refused above, and a database error below dooms the caller's
    # transaction or savepoint, which is what must roll back.
    with transaction.atomic(savepoint=False):
        # Counted here, so a request that fails to open takes nothing from the licence.
        entitlement = count_request(entitlement)
        if entitlement.status in DEPRIORITIZED:
            tag_names = normalize_tags([*tag_names, "not-entitled"])
            priority = Priority.LOW
        if out_of_scope:
            tag_names = normalize_tags([*tag_names, "out-of-scope"])
        (number,) = allocate_ticket_numbers(1)
        # Everything about the new ticket is settled before its row is written, so the row
        # is written once; in a batch of mail (core.deferred) the rows below are written
        # at the batch's end, many to a statement.
        ticket = Ticket(
            number=number,
            subject=subject,
            requester=requester,
            organization=organization,
            product=product,
            product_version=product_version,
            category=category,
            priority=priority,
            channel=channel,
            language=language or requester.language,
            status=Status.NEW,
            team=team,
            plan=coverage.plan,
            subscription=coverage.subscription,
            plan_notice=coverage.notice,
            entitlement=entitlement.status,
            license=entitlement.license,
            out_of_scope=out_of_scope,
            error_signature=signature,
            created_at=at,
            updated_at=at,
            last_customer_message_at=at,
            message_count=1,  # the first message, below
            details=dict(details or {}),
        )
        deadlines = service_levels.opening_deadlines(ticket)
        route = (
            routing_decision(ticket, at)
            if _batch.get() is not None and needs_routing(ticket)
            else None
        )
        routed = apply_route(ticket, *route, at) if route is not None else None
        save_new(ticket)
        ticket.opening_message = add_message(
            ticket=ticket,
            kind=MessageKind.INBOUND,
            channel=channel,
            author=requester,
            body_text=body_text,
            body_html=body_html,
            attachments=attachments,
            at=at,
            # Looked up only when there is a file to check: most requests carry none.
            size_limit=(
                attachment_limit(plan=coverage.plan, contact=requester, ticket=None, at=at)
                if attachments
                else None
            ),
            origin=origin,
            first_of_new_ticket=True,
        )
        service_levels.start_opening_deadlines(deadlines)
        ticket.opening_deadlines = tuple(deadlines)
        for tag in _tags_named(tag_names):
            save_new(Ticket.tags.through(ticket=ticket, tag=tag))
        move_in_counters(None, counted_state(ticket))
        record_event(
            ticket=ticket,
            kind=EventKind.OPENED,
            actor=actor,
            at=at,
            data={
                "channel": channel,
                "team": team.slug if team else None,
                "entitlement": entitlement.status,
                **({"out_of_scope": out_of_scope} if out_of_scope else {}),
            },
        )
        if routed is not None:
            record_event(ticket=ticket, kind=EventKind.ROUTED, actor=SYSTEM, at=at, data=routed)
        elif _batch.get() is None and needs_routing(ticket):
            after_saved(lambda: ticket_tasks.route_ticket.enqueue(ticket_id=ticket.pk))
    return ticket
