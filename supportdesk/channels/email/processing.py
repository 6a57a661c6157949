"""Turning an accepted mail into a ticket or a reply: the processing task's one service.

The row is claimed with a conditional UPDATE inside the transaction that changes the ticket,
so a second run (a retry, a duplicate task, a second worker) finds it done and does nothing.
Whatever fails rolls back, and the row goes to the quarantine with its error, in a
transaction of its own: the mail behind it is not held up, and nothing is deleted.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Subquery

from supportdesk.accounts.actors import SYSTEM
from supportdesk.accounts.models import Contact, ContactEmail

# By module: acknowledgements -> outbound -> tasks -> processing is a cycle.
from supportdesk.channels.email import acknowledgements, standard_requests
from supportdesk.channels.email.admission import admit, welcome_colleague
from supportdesk.channels.email.authenticity import Authenticity, Verdict, check_authenticity
from supportdesk.channels.email.fax import fax_sender, is_fax_gateway, read_fax
from supportdesk.channels.email.models import InboundMail
from supportdesk.channels.email.parsing import ParsedMail, parse_mail
from supportdesk.channels.email.threading import (
    find_thread,
    subject_without_references,
)
from supportdesk.core.blobs import read_blob
from supportdesk.core.choices import Language
from supportdesk.core.clock import now
from supportdesk.tickets.choices import Channel
from supportdesk.tickets.models import Message, Ticket
from supportdesk.tickets.product_guess import guess_product
from supportdesk.tickets.services import (
    NewAttachment,
    add_note,
    open_ticket,
    reply_to_ticket,
)
from supportdesk.tickets.services.common import without_nul

logger = logging.getLogger(__name__)

NO_SUBJECT = "(no subject)"
NO_TEXT = "(This mail has no text.)"
MAX_SUBJECT_LENGTH = 250
MAX_ERROR_LENGTH = 2000
MAX_ADDRESS_LENGTH = 254  # RFC 5321's path limit, and ContactEmail.address's
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
    sender: Authenticity | None = None
    try:
        raw = read_blob(mail.raw)
        parsed = parse_mail(
            raw,
            return_path=_return_path(mail),
            max_expanded_bytes=settings.SUPPORTDESK["MAIL_MAX_EXPANDED_BYTES"],
        )
        # Before the transaction: the local checks, when enabled, wait on DNS.
        sender = sender_authenticity(mail, raw, parsed)
        with transaction.atomic():
            claimed = InboundMail.objects.filter(
                pk=mail.pk, status=InboundMail.Status.RECEIVED
            ).update(attempts=F("attempts") + 1)
            if not claimed:  # another run finished it while we were parsing
                return "skipped: processed by another run"
            return _apply(mail, parsed, sender)
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
                **_authenticity_fields(sender),
            )
        return f"quarantined: {error}"


def _return_path(mail: InboundMail) -> str | None:
    return mail.envelope_from if mail.source in ENVELOPE_SOURCES else None


def sender_authenticity(mail: InboundMail, raw: bytes, parsed: ParsedMail) -> Authenticity:
    """The verdict on the From address, as configured (see authenticity.py)."""
    config = settings.SUPPORTDESK
    return check_authenticity(
        raw,
        from_address=parsed.from_address,
        trusted_authserv_ids=config["MAIL_TRUSTED_AUTHSERV_IDS"],
        verify=config["MAIL_VERIFY"],
        envelope_from=mail.envelope_from if mail.source in ENVELOPE_SOURCES else "",
        client_ip=mail.client_address or "",
        client_helo=mail.client_helo,
    )


def _authenticity_fields(sender: Authenticity | None) -> dict[str, Any]:
    if sender is None:
        return {}
    return {"authenticity": sender.verdict, "authenticity_details": sender.as_details()}


def _apply(mail: InboundMail, parsed: ParsedMail, sender: Authenticity) -> str:
    if parsed.limit_exceeded:
        raise UnprocessableMail(f"MIME limit: {parsed.limit_exceeded}")
    # Before the machine check: a gateway's mail is machine-written, and still a fax.
    if is_fax_gateway(parsed.from_address) and not _is_bounce(parsed):
        return _open_fax(mail, parsed, sender)
    if parsed.is_automatic:
        _finish(
            mail, sender=sender, status=InboundMail.Status.IGNORED, error=parsed.automatic_reason
        )
        return f"ignored: {parsed.automatic_reason}"
    if not parsed.from_address:
        raise UnprocessableMail("no sender address in From")
    if parsed.request_part is not None:
        # A standardized email (CONTRACTS.md C): a ticket with every field of its document.
        return standard_requests.process_request_mail(mail, parsed, sender)
    contact = _contact_for(parsed)
    attachments = _attachments(parsed)
    body_text = parsed.text or NO_TEXT
    origin = _origin(mail, parsed, sender)
    thread = find_thread(parsed)
    admission = admit(contact, parsed.from_address, thread.ticket, sender) if thread else None
    if thread is not None and admission is not None and admission.accepted:
        if admission.as_colleague:
            welcome_colleague(contact, thread.ticket)
        message = reply_to_ticket(
            actor=contact,
            ticket=thread.ticket,
            body_text=body_text,
            body_html=parsed.html,
            channel=Channel.EMAIL,
            attachments=attachments,
            origin=origin,
        )
        if sender.verdict == Verdict.FAIL:
            add_note(actor=SYSTEM, ticket=thread.ticket, body_text=_unverified_warning(sender))
        _finish(mail, sender=sender, ticket=thread.ticket, message=message)
        return f"replied {thread.ticket.reference}"
    subject = subject_without_references(parsed.subject) if thread else parsed.subject
    # Free-form mail names no product field: guessed, so it reaches the product's team.
    guess = guess_product(subject=subject, text=parsed.text, requester=contact)
    ticket = open_ticket(
        actor=SYSTEM,
        requester=contact,
        channel=Channel.EMAIL,
        subject=_ticket_subject(subject),
        body_text=body_text,
        body_html=parsed.html,
        product=guess.product,
        product_version=guess.version,
        details=guess.as_details(),
        language=contact.language,
        attachments=attachments,
        origin=origin,
    )
    if thread is not None and admission is not None:
        add_note(actor=SYSTEM, ticket=ticket, body_text=admission.reason)
    if sender.verdict == Verdict.FAIL:
        # The From is likely forged: an acknowledgement would go to someone who never wrote.
        add_note(
            actor=SYSTEM,
            ticket=ticket,
            body_text=f"No acknowledgement was sent: the sender could not be verified "
            f"({sender.reason}).",
        )
    else:
        acknowledgements.acknowledge_new_request(
            ticket=ticket,
            inbound=mail,
            to_address=parsed.from_address,
            had_files=bool(attachments),
        )
    _finish(mail, sender=sender, ticket=ticket, message=_first_message(ticket))
    return f"opened {ticket.reference}"


def _attachments(parsed: ParsedMail) -> list[NewAttachment]:
    return [
        NewAttachment(filename=item.filename, content=item.content, content_type=item.content_type)
        for item in parsed.attachments
    ]


def _origin(mail: InboundMail, parsed: ParsedMail, sender: Authenticity) -> dict[str, Any]:
    """What the ticket message keeps of where it came from (Message.origin)."""
    return {
        "inbound_mail": mail.pk,
        "from": parsed.from_address,
        "sender_verified": sender.verdict,
        "sender_check": sender.reason,
    }


def _unverified_warning(sender: Authenticity) -> str:
    return (
        f"The mail above could not be verified as coming from its sender ({sender.reason}). "
        f"Check with the requester before acting on it."
    )


# -- faxes -------------------------------------------------------------------------------------


def _is_bounce(parsed: ParsedMail) -> bool:
    return parsed.automatic_reason.startswith(("bounce", "delivery report"))


def _open_fax(mail: InboundMail, parsed: ParsedMail, sender: Authenticity) -> str:
    """A fax opens a ticket in the caller's name, on channel "fax". No acknowledgement:
    the caller has no mail address, and the gateway's is nobody's."""
    fax = read_fax(parsed)
    trusted = sender.verdict != Verdict.FAIL
    contact = fax_sender(
        fax, language=guess_language(parsed.subject, parsed.text), trust_number=trusted
    )
    ticket = open_ticket(
        actor=SYSTEM,
        requester=contact,
        channel=Channel.FAX,
        subject=_ticket_subject(parsed.subject),
        body_text=parsed.text or NO_TEXT,
        body_html=parsed.html,
        language=contact.language,
        attachments=_attachments(parsed),
        origin={
            **_origin(mail, parsed, sender),
            "fax_number": fax.number,
            "fax_pages": fax.pages,
        },
    )
    if not trusted:
        add_note(
            actor=SYSTEM,
            ticket=ticket,
            body_text=(
                f"This fax came by a mail that failed sender authentication ({sender.reason}): "
                f"its number was not matched to a contact."
            ),
        )
    _finish(mail, sender=sender, ticket=ticket, message=ticket.messages.order_by("id").first())
    return f"opened {ticket.reference} (fax)"


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
    sender: Authenticity,
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
        **_authenticity_fields(sender),
    )


def _contact_for(parsed: ParsedMail) -> Contact:
    """The contact who owns the sender's address, or a new one for an unknown sender."""
    address = parsed.from_address
    if len(address) > MAX_ADDRESS_LENGTH:
        raise UnprocessableMail(f"sender address longer than {MAX_ADDRESS_LENGTH} characters")
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
