"""Importing tickets in bulk: history migrated from another help desk, and the benchmarks.

One transaction per batch: a block of ticket numbers, the tickets, their messages, one
OPENED audit event each, and one adjustment of the counters. Rows are plain dataclasses
holding ids, so an importer can stream a million of them without loading model objects.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Any

from django.db import connection, transaction

from supportdesk.accounts.models import Contact, Team, Technician
from supportdesk.catalog.models import Product
from supportdesk.core.choices import Language
from supportdesk.core.db import refresh_planner_statistics
from supportdesk.core.errors import InvalidInput
from supportdesk.plans.selectors import default_plan
from supportdesk.tickets.choices import (
    Category,
    Channel,
    EventKind,
    MessageKind,
    Priority,
    Status,
)
from supportdesk.tickets.counters import CountedState, apply_count_changes, count_changes
from supportdesk.tickets.models import Message, Ticket, TicketEvent
from supportdesk.tickets.references import allocate_ticket_numbers
from supportdesk.tickets.services.common import clean_body, clean_line, without_nul

IMPORT_ACTOR_NAME = "import"
SUBJECT_MAX_LENGTH = 250

# Choices' .values builds a new list on every call (9 us); the import checks millions.
_TICKET_CHOICES = {
    "status": Status.values,
    "priority": Priority.values,
    "category": Category.values,
    "channel": Channel.values,
    "language": Language.values,
}
_ALLOWED = {name: frozenset(values) for name, values in _TICKET_CHOICES.items()}
_MESSAGE_KINDS = frozenset(MessageKind.values)
_FINISHED = frozenset({Status.SOLVED, Status.CLOSED})
_CHANNELS = frozenset(Channel.values)

# str.splitlines() breaks on all of these: a subject holding one could split a mail header.
_LINE_BREAKS = frozenset("\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029")


@dataclass(frozen=True)
class ImportedMessage:
    kind: str
    body_text: str
    created_at: datetime
    author_contact_id: int | None = None
    author_technician_id: int | None = None
    # None: the ticket's channel for the customer's messages, the desk for ours.
    channel: str | None = None
    # No HTML on purpose: stored HTML must be sanitized, and imports carry text only.


@dataclass(frozen=True)
class ImportedTicket:
    requester_id: int
    subject: str
    status: str
    priority: str
    category: str
    channel: str
    language: str
    team_id: int | None
    assignee_id: int | None
    product_id: int | None
    created_at: datetime
    updated_at: datetime
    messages: Sequence[ImportedMessage] = ()


def import_tickets(*, rows: Iterable[ImportedTicket], batch_size: int = 2000) -> int:
    """Create tickets with their messages as they were elsewhere; returns how many.

    Numbers are allocated in row order, continuing the live sequence. A bad row raises
    InvalidInput naming it (`rows[1234].status`); the batches before its batch are
    committed, so an import resumes at the first row of that batch. Imported tickets
    are not routed: they keep the team (or lack of one) they had. They get the free plan.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be positive")
    plan = default_plan()
    imported = 0
    for start, batch in _batches(rows, batch_size):
        _check_rows(batch, start)
        known = _KnownIds.load(batch, start)
        with transaction.atomic():
            _write_batch(batch, known, plan_id=plan.pk if plan else None)
        imported += len(batch)
    refresh_planner_statistics()
    return imported


def _batches(
    rows: Iterable[ImportedTicket], size: int
) -> Iterator[tuple[int, list[ImportedTicket]]]:
    iterator = iter(rows)
    start = 0
    while batch := list(islice(iterator, size)):
        yield start, batch
        start += len(batch)


def _check_rows(batch: Sequence[ImportedTicket], start: int) -> None:
    """Values only (no queries); stops at the first bad row and names every bad field in it."""
    for offset, row in enumerate(batch):
        problems = _row_problems(row)
        if problems:
            index = start + offset
            raise InvalidInput({f"rows[{index}].{name}": text for name, text in problems.items()})


def _row_problems(row: ImportedTicket) -> dict[str, str]:
    problems: dict[str, str] = {}
    subject = row.subject.strip() if isinstance(row.subject, str) else ""
    if _LINE_BREAKS.intersection(subject):
        problems["subject"] = "must be one line (no CR or LF)"
    else:
        try:
            clean_line(subject, field="subject", max_length=SUBJECT_MAX_LENGTH)
        except InvalidInput as refused:
            problems.update(refused.problems)
    for name, allowed in _ALLOWED.items():
        value = getattr(row, name)
        if value not in allowed:
            problems[name] = f"{value!r} is not one of {', '.join(_TICKET_CHOICES[name])}"
    for name in ("created_at", "updated_at"):
        if not _is_aware(getattr(row, name)):
            problems[name] = "must be a datetime with a time zone"
    times_known = "created_at" not in problems and "updated_at" not in problems
    if times_known and row.updated_at < row.created_at:
        problems["updated_at"] = "is before created_at"
    for position, message in enumerate(row.messages):
        prefix = f"messages[{position}]"
        if message.kind not in _MESSAGE_KINDS:
            problems[f"{prefix}.kind"] = (
                f"{message.kind!r} is not one of {', '.join(MessageKind.values)}"
            )
        if not isinstance(message.body_text, str) or not without_nul(message.body_text).strip():
            problems[f"{prefix}.body_text"] = "must not be empty"
        if not _is_aware(message.created_at):
            problems[f"{prefix}.created_at"] = "must be a datetime with a time zone"
        if message.channel is not None and message.channel not in _CHANNELS:
            problems[f"{prefix}.channel"] = f"{message.channel!r} is not a channel"
        if message.author_contact_id is not None and message.author_technician_id is not None:
            problems[f"{prefix}.author_contact_id"] = "a message has one author, not two"
    return problems


def _is_aware(value: Any) -> bool:
    return isinstance(value, datetime) and value.utcoffset() is not None


@dataclass(frozen=True)
class _KnownIds:
    """What the rows of one batch point to, read in one query per table."""

    organization_of_contact: dict[int, int | None]
    team_slugs: dict[int, str]
    technician_ids: frozenset[int]
    product_ids: frozenset[int]

    @classmethod
    def load(cls, batch: Sequence[ImportedTicket], start: int) -> _KnownIds:
        contact_ids = {row.requester_id for row in batch}
        technician_ids = {row.assignee_id for row in batch if row.assignee_id is not None}
        for row in batch:
            for message in row.messages:
                if message.author_contact_id is not None:
                    contact_ids.add(message.author_contact_id)
                if message.author_technician_id is not None:
                    technician_ids.add(message.author_technician_id)
        team_ids = {row.team_id for row in batch if row.team_id is not None}
        product_ids = {row.product_id for row in batch if row.product_id is not None}
        known = cls(
            organization_of_contact=dict(
                Contact.objects.filter(pk__in=contact_ids).values_list("pk", "organization_id")
            ),
            team_slugs=dict(Team.objects.filter(pk__in=team_ids).values_list("pk", "slug")),
            technician_ids=frozenset(
                Technician.objects.filter(pk__in=technician_ids).values_list("pk", flat=True)
            ),
            product_ids=frozenset(
                Product.objects.filter(pk__in=product_ids).values_list("pk", flat=True)
            ),
        )
        known._check(batch, start)
        return known

    def _check(self, batch: Sequence[ImportedTicket], start: int) -> None:
        for offset, row in enumerate(batch):
            problems: dict[str, str] = {}
            if row.requester_id not in self.organization_of_contact:
                problems["requester_id"] = f"no contact {row.requester_id}"
            if row.team_id is not None and row.team_id not in self.team_slugs:
                problems["team_id"] = f"no team {row.team_id}"
            if row.assignee_id is not None and row.assignee_id not in self.technician_ids:
                problems["assignee_id"] = f"no technician {row.assignee_id}"
            if row.product_id is not None and row.product_id not in self.product_ids:
                problems["product_id"] = f"no product {row.product_id}"
            for position, message in enumerate(row.messages):
                contact_id, technician_id = message.author_contact_id, message.author_technician_id
                if contact_id is not None and contact_id not in self.organization_of_contact:
                    problems[f"messages[{position}].author_contact_id"] = f"no contact {contact_id}"
                if technician_id is not None and technician_id not in self.technician_ids:
                    problems[f"messages[{position}].author_technician_id"] = (
                        f"no technician {technician_id}"
                    )
            if problems:
                index = start + offset
                raise InvalidInput(
                    {f"rows[{index}].{name}": text for name, text in problems.items()}
                )


def _write_batch(batch: Sequence[ImportedTicket], known: _KnownIds, *, plan_id: int | None) -> None:
    numbers = allocate_ticket_numbers(len(batch))
    ordered_messages = [sorted(row.messages, key=lambda m: m.created_at) for row in batch]
    at = connection.ops.adapt_datetimefield_value
    _insert_rows(
        Ticket,
        TICKET_FIELDS,
        (
            _ticket_values(row, messages, number, known, plan_id)
            for row, messages, number in zip(batch, ordered_messages, numbers, strict=True)
        ),
    )
    # The numbers were allocated as one block, so they find exactly this batch's tickets.
    id_of = dict(
        Ticket.objects.filter(number__range=(numbers[0], numbers[-1])).values_list("number", "pk")
    )
    ticket_ids = [id_of[number] for number in numbers]
    _insert_rows(
        Message,
        MESSAGE_FIELDS,
        (
            (
                ticket_id,
                message.kind,
                message.channel or _default_channel(message.kind, row.channel),
                message.author_contact_id,
                message.author_technician_id,
                clean_body(message.body_text),
                "",
                at(message.created_at),
            )
            for ticket_id, row, messages in zip(ticket_ids, batch, ordered_messages, strict=True)
            for message in messages
        ),
    )
    json = connection.ops.adapt_json_value
    _insert_rows(
        TicketEvent,
        EVENT_FIELDS,
        (
            (
                ticket_id,
                EventKind.OPENED,
                None,
                None,
                IMPORT_ACTOR_NAME,
                json(
                    {
                        "channel": row.channel,
                        "team": known.team_slugs.get(row.team_id) if row.team_id else None,
                        "imported": True,
                    },
                    None,
                ),
                at(row.created_at),
            )
            for ticket_id, row in zip(ticket_ids, batch, strict=True)
        ),
    )
    apply_count_changes(
        count_changes(
            (),
            [
                CountedState(team_id=r.team_id, assignee_id=r.assignee_id, status=r.status)
                for r in batch
            ],
        )
    )


# Rows go in as plain tuples, not through bulk_create, which builds a model object and
# compiles every value of it: measured, 130 us a ticket and 40 us a message, most of an
# import's time. Plain rows are COPY on PostgreSQL (3x faster again than executemany)
# and executemany elsewhere. Columns not named here get their field's default.
TICKET_FIELDS = (
    "number",
    "subject",
    "requester",
    "organization",
    "product",
    "category",
    "priority",
    "channel",
    "language",
    "status",
    "team",
    "assignee",
    "plan",
    "message_count",
    "created_at",
    "updated_at",
    "last_customer_message_at",
    "first_responded_at",
    "solved_at",
    "closed_at",
)
MESSAGE_FIELDS = (
    "ticket",
    "kind",
    "channel",
    "author_contact",
    "author_technician",
    "body_text",
    "body_html",
    "created_at",
)
EVENT_FIELDS = (
    "ticket",
    "kind",
    "actor_technician",
    "actor_contact",
    "actor_name",
    "data",
    "created_at",
)


def _insert_rows(
    model: type[Ticket] | type[Message] | type[TicketEvent],
    field_names: Sequence[str],
    rows: Iterable[tuple[Any, ...]],
) -> None:
    """Insert rows holding `field_names` in order, values already adapted for the database
    (connection.ops.adapt_*). Every other column gets its field's default, as bulk_create
    would give it (evaluated once per call), so a field added later cannot be forgotten
    here. The SQL holds only names from the model's metadata; values are parameters."""
    fields = {field.name: field for field in model._meta.concrete_fields}
    others = [
        field for name, field in fields.items() if name not in field_names and not field.primary_key
    ]
    defaults = tuple(field.get_db_prep_save(field.get_default(), connection) for field in others)
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    column_names = [fields[name].column for name in field_names] + [f.column for f in others]
    columns = ", ".join(quote(column) for column in column_names)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row + defaults)
        else:
            placeholders = ", ".join(["%s"] * len(column_names))
            insert = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608
            cursor.executemany(insert, [row + defaults for row in rows])


def _ticket_values(
    row: ImportedTicket,
    messages: Sequence[ImportedMessage],
    number: int,
    known: _KnownIds,
    plan_id: int | None,
) -> tuple[Any, ...]:
    """One ticket's values in TICKET_FIELDS order, adapted for the database."""
    at = connection.ops.adapt_datetimefield_value
    inbound = [m.created_at for m in messages if m.kind == MessageKind.INBOUND]
    outbound = [m.created_at for m in messages if m.kind == MessageKind.OUTBOUND]
    finished = row.status in _FINISHED
    return (
        number,
        # The same cleaning as a live ticket's: control characters become spaces, NULs go.
        clean_line(row.subject, field="subject", max_length=SUBJECT_MAX_LENGTH),
        row.requester_id,
        known.organization_of_contact[row.requester_id],
        row.product_id,
        row.category,
        row.priority,
        row.channel,
        row.language,
        row.status,
        row.team_id,
        row.assignee_id,
        plan_id,
        len(messages),
        at(row.created_at),
        at(row.updated_at),
        at(max(inbound)) if inbound else None,
        at(min(outbound)) if outbound else None,
        # The other desk's history rarely says when; the last change is the best estimate.
        at(row.updated_at) if finished else None,
        at(row.updated_at) if row.status == Status.CLOSED else None,
    )


def _default_channel(kind: str, ticket_channel: str) -> str:
    return ticket_channel if kind == MessageKind.INBOUND else Channel.DESK
