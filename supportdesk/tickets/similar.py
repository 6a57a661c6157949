"""Similar requests: for technicians, the solved tickets like the one at hand; for a
customer about to write, the answers they may already read (deflection).

Every lookup reads an index in order and stops after a fixed number of rows, so the cost
does not grow with the table (a million tickets cost what a thousand do): the same error
signature first (ticket_error_signature), then the latest solved tickets of the same
product (ticket_product_status), ranked here by the words their subjects share. Plain
SQL on both SQLite and PostgreSQL: no full-text index needed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from supportdesk.accounts.models import Contact
from supportdesk.catalog.models import Product
from supportdesk.tickets.choices import MessageKind, Status
from supportdesk.tickets.models import Message, PublishedAnswer, Ticket, format_reference
from supportdesk.tickets.signatures import error_signature

SOLVED_STATUSES = (Status.SOLVED, Status.CLOSED)
# Rows read per lookup, whatever the table holds.
SIGNATURE_WINDOW = 200
PRODUCT_WINDOW = 300
EXCERPT_CHARS = 300

_WORD = re.compile(r"[^\W\d_]{3,}", re.UNICODE)
# Words every subject has: sharing them says nothing.
_STOP_WORDS = frozenset(
    [
        "the",
        "and",
        "for",
        "with",
        "not",
        "does",
        "doesn't",
        "when",
        "after",
        "from",
        "this",
        "that",
        "have",
        "has",
        "into",
        "our",
        "your",
        "error",
        "problem",
        "issue",
        "question",
        "help",
        "please",
        "request",
        "urgent",
        "cannot",
        "can't",
        "work",
        "working",
        "version",
        "les",
        "des",
        "une",
        "pour",
        "avec",
        "dans",
        "sur",
        "pas",
        "est",
        "que",
        "qui",
        "erreur",
        "problème",
        "probleme",
        "question",
        "aide",
        "los",
        "las",
        "una",
        "para",
        "con",
        "por",
        "del",
        "que",
        "error",
        "problema",
        "pregunta",
        "ayuda",
    ]
)


def subject_words(text: str) -> frozenset[str]:
    return frozenset(word for word in _WORD.findall(text.lower()) if word not in _STOP_WORDS)


def _overlap(words: frozenset[str], other: str) -> float:
    if not words:
        return 0.0
    theirs = subject_words(other)
    if not theirs:
        return 0.0
    shared = len(words & theirs)
    return shared / len(words | theirs)


@dataclass(frozen=True)
class SimilarTicket:
    ticket_id: int
    reference: str
    subject: str
    status: str
    # "signature": the same error; "subject": the same product, words in common.
    match: str


_ROW_FIELDS = ("id", "number", "subject", "status", "organization_id", "requester_id")


def _by_signature(signature: str, window: int = SIGNATURE_WINDOW) -> list[dict[str, Any]]:
    if not signature:
        return []
    return list(
        Ticket.objects.filter(error_signature=signature)
        .order_by("-number")
        .values(*_ROW_FIELDS)[:window]
    )


def _by_product(product_id: int | None, statuses: tuple[str, ...]) -> list[dict[str, Any]]:
    """The latest tickets of the product in each status (one ordered index range each,
    merged here): an IN over statuses would make the database sort the whole product."""
    if product_id is None:
        return []
    rows: list[dict[str, Any]] = []
    for status in statuses:
        rows.extend(
            Ticket.objects.filter(product_id=product_id, status=status)
            .order_by("-number")
            .values(*_ROW_FIELDS)[:PRODUCT_WINDOW]
        )
    rows.sort(key=lambda row: -row["number"])
    return rows[:PRODUCT_WINDOW]


def similar_tickets(
    ticket: Ticket, *, solved_only: bool = True, limit: int = 10
) -> list[SimilarTicket]:
    """Tickets like `ticket`, for technicians: the same error signature first (newest
    first), then the same product's tickets whose subjects share the most words. At most
    1 + (2 or 6) queries of bounded size."""
    statuses = SOLVED_STATUSES if solved_only else tuple(Status.values)
    found: list[SimilarTicket] = []
    seen = {ticket.pk}
    for row in _by_signature(ticket.error_signature):
        if row["id"] in seen or row["status"] not in statuses:
            continue
        seen.add(row["id"])
        found.append(_similar(row, "signature"))
        if len(found) >= limit:
            return found
    words = subject_words(ticket.subject)
    ranked = sorted(
        (
            (_overlap(words, row["subject"]), row)
            for row in _by_product(ticket.product_id, statuses)
            if row["id"] not in seen
        ),
        key=lambda item: (-item[0], -item[1]["number"]),
    )
    for score, row in ranked:
        if score <= 0 or len(found) >= limit:
            break
        found.append(_similar(row, "subject"))
    return found


def _similar(row: dict[str, Any], match: str) -> SimilarTicket:
    return SimilarTicket(
        ticket_id=row["id"],
        reference=format_reference(row["number"]),
        subject=row["subject"],
        status=row["status"],
        match=match,
    )


# -- deflection: what a customer may see -------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    title: str
    excerpt: str
    # The customer's own ticket (its reference) or a published answer (its id).
    reference: str | None
    answer_id: int | None
    ticket_id: int | None = None


def suggestions_for_customer(
    contact: Contact,
    *,
    subject: str = "",
    error_text: str = "",
    product: Product | None = None,
    limit: int = 5,
) -> list[Suggestion]:
    """Answers the customer may read before sending a request: solved tickets they may
    see (their own; their organization's when they see its tickets) and answers a
    technician published for everyone. Never another organization's private ticket:
    every ticket row is checked against the customer's own scope. At most 5 queries,
    each reading a bounded index range."""
    signature = error_signature(error_text, product_code=product.code if product else None)
    words = subject_words(subject)
    in_scope = _scope_check(contact)
    picked: list[tuple[float, int, Suggestion]] = []
    seen_tickets: set[int] = set()

    # The same error: published answers, then the customer's own solved tickets.
    if signature:
        for answer in PublishedAnswer.objects.filter(
            error_signature=signature, withdrawn_at__isnull=True
        ).order_by("-id")[:limit]:
            seen_tickets.add(answer.ticket_id)
            picked.append((2.0, -answer.pk, _published(answer)))
        for row in _by_signature(signature):
            if row["status"] in SOLVED_STATUSES and in_scope(row) and row["id"] not in seen_tickets:
                seen_tickets.add(row["id"])
                picked.append((2.0, -row["number"], _own(row)))

    # Words in common with the subject, among the latest of the product.
    if words:
        answers = PublishedAnswer.objects.filter(withdrawn_at__isnull=True)
        if product is not None:
            answers = answers.filter(product=product)
        for answer in answers.order_by("-id")[:PRODUCT_WINDOW]:
            score = _overlap(words, answer.title)
            if score > 0 and answer.ticket_id not in seen_tickets:
                seen_tickets.add(answer.ticket_id)
                picked.append((score, -answer.pk, _published(answer)))
        for row in _own_latest(contact):
            if row["status"] not in SOLVED_STATUSES or row["id"] in seen_tickets:
                continue
            if product is not None and row["product_id"] != product.pk:
                continue
            score = _overlap(words, row["subject"])
            if score > 0:
                seen_tickets.add(row["id"])
                picked.append((score, -row["number"], _own(row)))

    picked.sort(key=lambda item: (-item[0], item[1]))
    return _with_excerpts([suggestion for _score, _order, suggestion in picked[:limit]])


def _scope_check(contact: Contact) -> Any:
    """Whether a ticket row is one this contact may read (as access.contact_can_view,
    without the participants: a suggestion is never someone else's ticket)."""
    organization_id = contact.organization_id if contact.sees_organization_tickets else None

    def in_scope(row: dict[str, Any]) -> bool:
        return row["requester_id"] == contact.pk or (
            organization_id is not None and row["organization_id"] == organization_id
        )

    return in_scope


def _own_latest(contact: Contact) -> list[dict[str, Any]]:
    """The latest tickets the contact may read, by the organization's (or the requester's)
    index in order, bounded."""
    if contact.sees_organization_tickets and contact.organization_id is not None:
        tickets = Ticket.objects.filter(organization_id=contact.organization_id)
    else:
        tickets = Ticket.objects.filter(requester_id=contact.pk)
    return list(tickets.order_by("-number").values(*_ROW_FIELDS, "product_id")[:PRODUCT_WINDOW])


def _published(answer: PublishedAnswer) -> Suggestion:
    return Suggestion(
        title=answer.title,
        excerpt=_clip(answer.answer_text),
        reference=None,
        answer_id=answer.pk,
    )


def _own(row: dict[str, Any]) -> Suggestion:
    # The excerpt (the answer the customer was given) is read for the chosen few only.
    return Suggestion(
        title=row["subject"],
        excerpt="",
        reference=format_reference(row["number"]),
        answer_id=None,
        ticket_id=row["id"],
    )


def _with_excerpts(chosen: list[Suggestion]) -> list[Suggestion]:
    """The last answer of each chosen own ticket, in one query."""
    ids = [item.ticket_id for item in chosen if item.ticket_id is not None]
    answers: dict[int, str] = {}
    if ids:
        for ticket_id, text in (
            Message.objects.filter(ticket_id__in=ids, kind=MessageKind.OUTBOUND)
            .order_by("ticket_id", "id")
            .values_list("ticket_id", "body_text")
        ):
            answers[ticket_id] = text  # the last one wins
    return [
        replace(item, excerpt=_clip(answers.get(item.ticket_id, "")))
        if item.ticket_id is not None
        else item
        for item in chosen
    ]


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1].rstrip() + "…"
