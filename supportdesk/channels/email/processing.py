"""Turning an accepted mail into a ticket or a reply: the processing task's one service.

The row is claimed with a conditional UPDATE inside the transaction that changes the ticket,
so a second run (a retry, a duplicate task, a second worker) finds it done and does nothing.
Whatever fails rolls back, and the row goes to the quarantine with its error, in a
transaction of its own: the mail behind it is not held up, and nothing is deleted.
"""

from __future__ import annotations

import logging
import re

from django.db import IntegrityError, transaction
from django.db.models import F, Subquery

from supportdesk.accounts.actors import SYSTEM
from supportdesk.accounts.models import Contact, ContactEmail

# By module: acknowledgements -> outbound -> tasks -> processing is a cycle.
from supportdesk.channels.email import acknowledgements
from supportdesk.channels.email.models import InboundMail
from supportdesk.channels.email.parsing import ParsedMail, parse_mail
from supportdesk.channels.email.threading import (
    ThreadMatch,
    find_thread,
    subject_without_references,
)
from supportdesk.core.blobs import read_blob
from supportdesk.core.choices import Language
from supportdesk.core.clock import now
from supportdesk.tickets.access import contact_can_view
from supportdesk.tickets.choices import Channel, Status
from supportdesk.tickets.models import Message, Ticket
from supportdesk.tickets.services import NewAttachment, add_note, open_ticket, reply_to_ticket
from supportdesk.tickets.services.common import without_nul

logger = logging.getLogger(__name__)

NO_SUBJECT = "(no subject)"
NO_TEXT = "(This mail has no text.)"
MAX_SUBJECT_LENGTH = 250
MAX_ERROR_LENGTH = 2000
# Doors that know the SMTP envelope: there, an empty envelope sender is the null sender.
ENVELOPE_SOURCES = frozenset({InboundMail.Source.SMTP, InboundMail.Source.LMTP})


class UnprocessableMail(Exception):
    """Mail we cannot turn into a ticket: it waits in the quarantine for an administrator."""


def process_mail(*, mail_id: int) -> str:
    """Process one accepted mail; returns what happened, in a few words."""
    mail = InboundMail.objects.select_related("raw").filter(pk=mail_id).first()
    if mail is None:
        return "skipped: no such mail"
    if mail.status != InboundMail.Status.RECEIVED:
        return f"skipped: already {mail.status}"
    try:
        parsed = parse_mail(read_blob(mail.raw), return_path=_return_path(mail))
        with transaction.atomic():
            claimed = InboundMail.objects.filter(
                pk=mail.pk, status=InboundMail.Status.RECEIVED
            ).update(attempts=F("attempts") + 1)
            if not claimed:  # another run finished it while we were parsing
                return "skipped: processed by another run"
            return _apply(mail, parsed)
    except Exception as exc:
        error = without_nul(f"{type(exc).__name__}: {exc}")[:MAX_ERROR_LENGTH]
        # Mail we refuse on purpose needs no traceback; anything else is a bug to look at.
        expected = isinstance(exc, UnprocessableMail)
        logger.warning("mail %s quarantined: %s", mail_id, error, exc_info=not expected)
        with transaction.atomic():
            InboundMail.objects.filter(pk=mail.pk, status=InboundMail.Status.RECEIVED).update(
                status=InboundMail.Status.QUARANTINED,
                error=error,
                attempts=F("attempts") + 1,
            )
        return f"quarantined: {error}"


def _return_path(mail: InboundMail) -> str | None:
    return mail.envelope_from if mail.source in ENVELOPE_SOURCES else None


def _apply(mail: InboundMail, parsed: ParsedMail) -> str:
    if parsed.limit_exceeded:
        raise UnprocessableMail(f"MIME limit: {parsed.limit_exceeded}")
    if parsed.is_automatic:
        _finish(mail, status=InboundMail.Status.IGNORED, error=parsed.automatic_reason)
        return f"ignored: {parsed.automatic_reason}"
    if not parsed.from_address:
        raise UnprocessableMail("no sender address in From")
    contact = _contact_for(parsed)
    attachments = [
        NewAttachment(filename=item.filename, content=item.content, content_type=item.content_type)
        for item in parsed.attachments
    ]
    body_text = parsed.text or NO_TEXT
    thread = find_thread(parsed)
    if thread is not None and _may_reply(contact, thread.ticket):
        message = reply_to_ticket(
            actor=contact,
            ticket=thread.ticket,
            body_text=body_text,
            body_html=parsed.html,
            channel=Channel.EMAIL,
            attachments=attachments,
        )
        _finish(mail, ticket=thread.ticket, message=message)
        return f"replied {thread.ticket.reference}"
    subject = subject_without_references(parsed.subject) if thread else parsed.subject
    ticket = open_ticket(
        actor=SYSTEM,
        requester=contact,
        channel=Channel.EMAIL,
        subject=_ticket_subject(subject),
        body_text=body_text,
        body_html=parsed.html,
        language=contact.language,
        attachments=attachments,
    )
    if thread is not None:
        add_note(actor=SYSTEM, ticket=ticket, body_text=_why_not_threaded(thread, contact))
    acknowledgements.acknowledge_new_request(
        ticket=ticket, inbound=mail, to_address=parsed.from_address
    )
    _finish(mail, ticket=ticket, message=_first_message(ticket))
    return f"opened {ticket.reference}"


def _may_reply(contact: Contact, ticket: Ticket) -> bool:
    """Only a contact of the ticket may add to it, and only while it is not closed: a reply
    from anyone else never lands silently on someone else's ticket."""
    return ticket.status != Status.CLOSED and contact_can_view(contact, ticket)


def _why_not_threaded(thread: ThreadMatch, contact: Contact) -> str:
    if thread.ticket.status == Status.CLOSED and contact_can_view(contact, thread.ticket):
        return f"Follow-up to {thread.ticket.reference}, which was closed when this mail arrived."
    return (
        f"This mail refers to {thread.ticket.reference} ({thread.via}), but its sender is not "
        f"a contact of that ticket: it was opened as a new request."
    )


def _ticket_subject(subject: str) -> str:
    subject = subject.strip() or NO_SUBJECT
    if len(subject) > MAX_SUBJECT_LENGTH:
        subject = subject[: MAX_SUBJECT_LENGTH - 1].rstrip() + "…"
    return subject


def _first_message(ticket: Ticket) -> Subquery:
    """The ticket's first message, read by the UPDATE that records it (no query of its own)."""
    return Subquery(Message.objects.filter(ticket=ticket).order_by("id").values("id")[:1])


def _finish(
    mail: InboundMail,
    *,
    status: str = InboundMail.Status.PROCESSED,
    error: str = "",
    ticket: Ticket | None = None,
    message: Message | Subquery | None = None,
) -> None:
    InboundMail.objects.filter(pk=mail.pk).update(
        status=status,
        error=error,
        processed_at=now(),
        ticket=ticket,
        ticket_message=message,
    )


def _contact_for(parsed: ParsedMail) -> Contact:
    """The contact who owns the sender's address, or a new one for an unknown sender."""
    address = parsed.from_address
    # With the organization: opening the ticket reads it for the customer's plan.
    known = (
        ContactEmail.objects.select_related("contact__organization")
        .filter(address__iexact=address)
        .first()
    )
    if known is not None:
        return known.contact
    try:
        # A savepoint: two workers may meet the same new sender at once; the address is
        # unique (without case), and the loser reads the winner's contact.
        with transaction.atomic():
            contact = Contact.objects.create(
                name=_contact_name(parsed), language=guess_language(parsed.subject, parsed.text)
            )
            ContactEmail.objects.create(contact=contact, address=address, is_primary=True)
    except IntegrityError:
        return ContactEmail.objects.select_related("contact").get(address__iexact=address).contact
    return contact


def _contact_name(parsed: ParsedMail) -> str:
    name = " ".join(parsed.from_name.split())
    return (name or parsed.from_address.partition("@")[0] or parsed.from_address)[:200]


_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_COMMON_WORDS = {
    Language.FRENCH: frozenset(
        [
            "le",
            "la",
            "les",
            "des",
            "une",
            "est",
            "pas",
            "que",
            "qui",
            "pour",
            "dans",
            "avec",
            "sur",
            "vous",
            "nous",
            "bonjour",
            "merci",
            "cordialement",
            "je",
            "ne",
            "ce",
            "cette",
            "mon",
            "votre",
        ]
    ),
    Language.SPANISH: frozenset(
        [
            "el",
            "la",
            "los",
            "las",
            "una",
            "es",
            "que",
            "para",
            "con",
            "por",
            "del",
            "usted",
            "hola",
            "gracias",
            "saludos",
            "no",
            "mi",
            "su",
            "estoy",
            "tengo",
            "como",
            "pero",
        ]
    ),
    Language.ENGLISH: frozenset(
        [
            "the",
            "and",
            "is",
            "are",
            "you",
            "we",
            "to",
            "of",
            "for",
            "with",
            "on",
            "this",
            "that",
            "hello",
            "thanks",
            "regards",
            "my",
            "your",
            "not",
            "have",
            "it",
        ]
    ),
}


def guess_language(*texts: str) -> str:
    """A rough guess from common words, good enough to pick the team and the language of
    our answers; English when nothing stands out."""
    words = _WORD.findall(" ".join(text[:5000] for text in texts).lower())
    scores = {
        language: sum(1 for word in words if word in common)
        for language, common in _COMMON_WORDS.items()
    }
    best = max(scores, key=lambda language: scores[language])
    if scores[best] == 0 or scores[best] == scores[Language.ENGLISH]:
        return Language.ENGLISH
    return str(best)
