"""Turning an accepted mail into a ticket or a reply: the processing task's one service.

The row is claimed with a conditional UPDATE inside the transaction that changes the ticket,
so a second run (a retry, a duplicate task, a second worker) finds it done and does nothing.
Whatever fails rolls back, and the row goes to the quarantine with its error, in a
transaction of its own: the mail behind it is not held up, and nothing is deleted.

Workers process mail in batches (`process_mails`, which the processing task's batches call):
one transaction for many mails, a savepoint for each, so a failing mail rolls back alone
and goes to the quarantine while the rest commit. Each mail takes the same path as in
`process_mail` (parse, then `_apply`).
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager, nullcontext
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, QuerySet, Value
from django.db.models.functions import Lower
from django.utils import timezone

from supportdesk.accounts.actors import SYSTEM
from supportdesk.accounts.models import Contact, ContactEmail, Organization

# By module: acknowledgements -> outbound -> tasks -> processing is a cycle.
from supportdesk.channels.email import acknowledgements, outbound, standard_requests
from supportdesk.channels.email.admission import Admission, admit, welcome_colleague
from supportdesk.channels.email.authenticity import Authenticity, Verdict, check_authenticity
from supportdesk.channels.email.fax import fax_sender, is_fax_gateway, read_fax
from supportdesk.channels.email.models import InboundMail
from supportdesk.channels.email.parsing import ParsedMail, parse_mail
from supportdesk.channels.email.threading import (
    ThreadMatch,
    find_thread,
    subject_without_references,
)
from supportdesk.core import deferred
from supportdesk.core.blobs import read_blob
from supportdesk.core.choices import Language
from supportdesk.core.clock import now
from supportdesk.core.rows import update_rows
from supportdesk.plans.entitlement import (
    LicenceCountConflict,
    hold_licences_running_out,
    keep_licences_of,
    licence_counts_held,
    licences_kept,
)
from supportdesk.plans.selectors import coverage_for, coverage_kept, keep_coverage_of
from supportdesk.tickets.choices import Channel
from supportdesk.tickets.counters import deferred_counts
from supportdesk.tickets.models import Message, Ticket
from supportdesk.tickets.product_guess import ProductGuess, guess_product
from supportdesk.tickets.references import reserved_numbers
from supportdesk.tickets.services import (
    NewAttachment,
    add_note,
    open_ticket,
    opening_a_batch,
    reply_to_ticket,
)
from supportdesk.tickets.services.attachments import (
    agreements_kept,
    customer_wide_agreement,
    keep_agreements_of,
    keep_no_agreements_for,
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
        return _quarantine(mail, exc, sender)


# A batch is cut into parts of at most this many bytes of raw mail: each part is parsed
# whole before its transaction, so this bounds a worker's memory (a few times the bytes).
BATCH_PART_BYTES = 16 * 1024 * 1024


@dataclass
class _Prepared:
    mail: InboundMail
    parsed: ParsedMail | None = None
    sender: Authenticity | None = None
    error: Exception | None = None


def process_mails(mail_ids: Sequence[int]) -> list[str]:
    """Process several accepted mails, each as `process_mail` would (the outcomes, in the
    order of `mail_ids`), in one transaction per part of the batch with a savepoint per
    mail: a mail that fails rolls back alone and is tried again on its own after the
    commit (where it may go to the quarantine), the others commit. Parsing and the sender
    checks (which may wait on DNS) happen before the transaction."""
    outcomes: dict[int, str] = {}
    mails = InboundMail.objects.select_related("raw").in_bulk(list(mail_ids))
    waiting: list[InboundMail] = []
    for mail_id in dict.fromkeys(mail_ids):
        mail = mails.get(mail_id)
        if mail is None:
            outcomes[mail_id] = "skipped: no such mail"
        elif mail.status != InboundMail.Status.RECEIVED:
            outcomes[mail_id] = f"skipped: already {mail.status}"
        else:
            waiting.append(mail)
    part: list[InboundMail] = []
    size = 0
    for mail in waiting:
        if part and size + mail.size > BATCH_PART_BYTES:
            outcomes.update(_process_part(part))
            part, size = [], 0
        part.append(mail)
        size += mail.size
    if part:
        outcomes.update(_process_part(part))
    return [outcomes[mail_id] for mail_id in mail_ids]


def _process_part(mails: list[InboundMail]) -> dict[int, str]:
    prepared = [_prepare(mail) for mail in mails]
    for attempt in range(2):
        try:
            return _process_prepared(prepared)
        except LicenceCountConflict as conflict:
            # Another worker took a licence's last free requests meanwhile: the batch
            # rolled back whole. Once more as a batch (the licences read again), then each
            # mail alone, its request counted as it opens.
            logger.info("a batch of mail rolled back (%s), attempt %d", conflict, attempt + 1)
    return {mail.pk: process_mail(mail_id=mail.pk) for mail in mails}


def _process_prepared(prepared: list[_Prepared]) -> dict[int, str]:
    mails = [item.mail for item in prepared]
    outcomes: dict[int, str] = {}
    # New tickets' numbers are reserved first, in a statement of their own: the sequence
    # row is not held locked for the whole transaction (see reserved_numbers).
    openings = sum(1 for item in prepared if item.parsed is not None)
    with (
        reserved_numbers(openings),
        transaction.atomic(),
        outbound.one_send_task(),
        deferred_counts(),
        licence_counts_held(),
        opening_a_batch(),
        deferred.deferred_inserts() as pending,
        _finished_at_the_end() as finished,
    ):
        # Locked in id order (two batches never wait on each other in a circle); a mail
        # another run finished meanwhile is left out, as process_mail's claim leaves it.
        claimed = set(
            InboundMail.objects.select_for_update()
            .filter(pk__in=[mail.pk for mail in mails], status=InboundMail.Status.RECEIVED)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if claimed:
            InboundMail.objects.filter(pk__in=claimed).update(attempts=F("attempts") + 1)
        alone: list[InboundMail] = []
        # What the batch reads of its senders first, with ordinary lock waits (a licence
        # about to run out is held: see hold_licences_running_out).
        with _kept_for_the_batch(prepared) as forget_kept, _brief_waits():
            for item in prepared:
                mail = item.mail
                if mail.pk not in claimed:
                    outcomes[mail.pk] = "skipped: processed by another run"
                elif item.error is not None:
                    outcomes[mail.pk] = _quarantine(mail, item.error, item.sender, counted=True)
                else:
                    assert item.parsed is not None and item.sender is not None
                    # What the mail kept for the end of the batch goes if it rolls back.
                    mark, finished_mark = pending.mark(), len(finished)
                    try:
                        with transaction.atomic(), deferred_counts(), licence_counts_held():
                            outcomes[mail.pk] = _apply(mail, item.parsed, item.sender)
                    except UnprocessableMail as exc:  # refused on purpose: the same alone
                        pending.discard_since(mark)
                        del finished[finished_mark:]
                        forget_kept(item.parsed.from_address)
                        outcomes[mail.pk] = _quarantine(mail, exc, item.sender, counted=True)
                    except Exception as exc:
                        pending.discard_since(mark)
                        del finished[finished_mark:]
                        forget_kept(item.parsed.from_address)
                        # Rolled back alone. It may be the batch's doing (a deadlock with
                        # another worker's batch over a ticket both had mail for): the mail
                        # is tried again on its own once the batch has committed, and only
                        # that try may put it in the quarantine.
                        logger.info(
                            "mail %s failed in a batch, tried again alone: %r",
                            mail.pk,
                            exc,
                            exc_info=logger.isEnabledFor(logging.DEBUG),
                        )
                        alone.append(mail)
        # The batch's new rows, a multi-row INSERT a table; should one fail, the whole
        # batch rolls back and the worker runs its mails again one at a time.
        pending.flush()
        _record_finished(finished)
    for mail in alone:
        outcomes[mail.pk] = process_mail(mail_id=mail.pk)
    return outcomes


# How long a mail of a batch waits for a row another transaction holds (PostgreSQL): a
# ticket another worker's batch is answering stays locked until that batch commits. Past
# this, the mail rolls back alone and is tried on its own after this batch's commit, when
# this batch holds nothing that the other could wait for (no deadlock, no convoy).
BATCH_LOCK_TIMEOUT = "50ms"


@contextmanager
def _brief_waits() -> Iterator[None]:
    """Within the block (and the transaction), waits for row locks are short; after it, as
    configured: the counters written at the end of the batch wait as long as they need."""
    if connection.vendor != "postgresql":
        yield  # SQLite: one writer at a time, the batch holds the database's write lock
        return
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL lock_timeout = '{BATCH_LOCK_TIMEOUT}'")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL lock_timeout TO DEFAULT")


def _prepare(mail: InboundMail) -> _Prepared:
    item = _Prepared(mail)
    try:
        raw = read_blob(mail.raw)
        item.parsed = parse_mail(
            raw,
            return_path=_return_path(mail),
            max_expanded_bytes=settings.SUPPORTDESK["MAIL_MAX_EXPANDED_BYTES"],
        )
        item.sender = sender_authenticity(mail, raw, item.parsed)
    except Exception as exc:
        item.error = exc
    return item


def _quarantine(
    mail: InboundMail, exc: Exception, sender: Authenticity | None, *, counted: bool = False
) -> str:
    """Put a mail in the quarantine with its error; `counted`: its attempt is counted."""
    error = without_nul(f"{type(exc).__name__}: {exc}")[:MAX_ERROR_LENGTH]
    # Mail we refuse on purpose needs no traceback; anything else is a bug to look at.
    expected = isinstance(exc, UnprocessableMail)
    logger.warning("mail %s quarantined: %s", mail.pk, error, exc_info=not expected)
    with transaction.atomic():
        InboundMail.objects.filter(pk=mail.pk, status=InboundMail.Status.RECEIVED).update(
            status=InboundMail.Status.QUARANTINED,
            error=error,
            attempts=F("attempts") + (0 if counted else 1),
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


def _apply(
    mail: InboundMail, parsed: ParsedMail, sender: Authenticity, *, from_request_tool: bool = False
) -> str:
    """Process one claimed mail. `from_request_tool` says the mail is a standardized request
    that failed validation, read as ordinary mail: its sender already uses the request tool."""
    if parsed.limit_exceeded:
        raise UnprocessableMail(f"MIME limit: {parsed.limit_exceeded}")
    # Before the machine check: a gateway's mail is machine-written, and still a fax.
    if is_fax_gateway(parsed.from_address) and not _is_bounce(parsed):
        with deferred.immediate_inserts():  # rare, and it reads back its files
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
        with deferred.immediate_inserts():  # it reads back what it writes
            return standard_requests.process_request_mail(mail, parsed, sender)
    contact = _contact_for(parsed)
    attachments = _attachments(parsed)
    thread = find_thread(parsed, lock=True)
    admission = admit(contact, parsed.from_address, thread.ticket, sender) if thread else None
    if thread is not None and admission is not None and admission.accepted:
        if admission.as_colleague:
            welcome_colleague(contact, thread.ticket)
        message = reply_to_ticket(
            actor=contact,
            ticket=thread.ticket,
            body_text=parsed.text or NO_TEXT,
            body_html=parsed.html,
            channel=Channel.EMAIL,
            attachments=attachments,
            origin=_origin(mail, parsed, sender),
            locked=thread.locked,
        )
        if sender.verdict == Verdict.FAIL:
            add_note(actor=SYSTEM, ticket=thread.ticket, body_text=_unverified_warning(sender))
        _finish(mail, sender=sender, ticket=thread.ticket, message=message)
        return f"replied {thread.ticket.reference}"
    subject = subject_without_references(parsed.subject) if thread else parsed.subject
    # Free-form mail names no product field: guessed, so it reaches the product's team.
    guess = guess_product(subject=subject, text=parsed.text, requester=contact)
    # In a batch, the new ticket's rows are written at its end (core.deferred), unless this
    # mail's next steps read back what they write: the acknowledgement lists the files it
    # removed or issues an upload link (under the customer's agreement) for the ticket,
    # and a note needs its ticket written.
    rows_now = (
        bool(attachments)
        or thread is not None
        or sender.verdict == Verdict.FAIL
        # Asked in a batch only (it read its senders' agreements): alone, rows are written
        # at once anyway.
        or (
            deferred.active() is not None and customer_wide_agreement(contact, at=now()) is not None
        )
    )
    with deferred.immediate_inserts() if rows_now else nullcontext():
        return _open(
            mail,
            parsed,
            sender,
            contact,
            subject,
            guess,
            attachments,
            thread,
            admission,
            from_request_tool=from_request_tool,
        )


def _open(
    mail: InboundMail,
    parsed: ParsedMail,
    sender: Authenticity,
    contact: Contact,
    subject: str,
    guess: ProductGuess,
    attachments: list[NewAttachment],
    thread: ThreadMatch | None,
    admission: Admission | None,
    *,
    from_request_tool: bool,
) -> str:
    ticket = open_ticket(
        actor=SYSTEM,
        requester=contact,
        channel=Channel.EMAIL,
        subject=_ticket_subject(subject),
        body_text=parsed.text or NO_TEXT,
        body_html=parsed.html,
        product=guess.product,
        product_version=guess.version,
        details=guess.as_details(),
        language=contact.language,
        attachments=attachments,
        origin=_origin(mail, parsed, sender),
    )
    if thread is not None and admission is not None:
        add_note(actor=SYSTEM, ticket=ticket, body_text=admission.reason)
    acknowledge_unless_forged(
        ticket,
        mail,
        parsed,
        sender,
        had_files=bool(attachments),
        recommend_request_tool=not from_request_tool,
    )
    _finish(mail, sender=sender, ticket=ticket, message=ticket.opening_message)
    return f"opened {ticket.reference}"


def acknowledge_unless_forged(
    ticket: Ticket,
    mail: InboundMail,
    parsed: ParsedMail,
    sender: Authenticity,
    *,
    had_files: bool,
    recommend_request_tool: bool = True,
) -> None:
    """Acknowledge a new request by mail, unless its sender failed authentication: the From
    is then likely forged, and an acknowledgement would go to someone who never wrote."""
    if sender.verdict == Verdict.FAIL:
        add_note(
            actor=SYSTEM,
            ticket=ticket,
            body_text=f"No acknowledgement was sent: the sender could not be verified "
            f"({sender.reason}).",
        )
        return
    acknowledgements.acknowledge_new_request(
        ticket=ticket,
        inbound=mail,
        to_address=parsed.from_address,
        had_files=had_files,
        recommend_request_tool=recommend_request_tool,
    )


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
    _finish(mail, sender=sender, ticket=ticket, message=ticket.opening_message)
    return f"opened {ticket.reference} (fax)"


def _ticket_subject(subject: str) -> str:
    subject = subject.strip() or NO_SUBJECT
    if len(subject) > MAX_SUBJECT_LENGTH:
        subject = subject[: MAX_SUBJECT_LENGTH - 1].rstrip() + "…"
    return subject


def _finish(
    mail: InboundMail,
    *,
    sender: Authenticity,
    status: str = InboundMail.Status.PROCESSED,
    error: str = "",
    ticket: Ticket | None = None,
    message: Message | None = None,
) -> None:
    """Record how the mail ended: at once, or (in a batch whose rows are written at its
    end) with the batch's other mails in one UPDATE after its rows are written."""
    mail.status = status
    mail.error = error
    mail.processed_at = now()
    mail.ticket = ticket
    mail.ticket_message = message
    mail.authenticity = sender.verdict
    mail.authenticity_details = sender.as_details()
    finished = _finished.get()
    if finished is not None and deferred.active() is not None:
        finished.append(mail)
        return
    InboundMail.objects.filter(pk=mail.pk).update(
        **{field: getattr(mail, field) for field in _FINISHED_FIELDS}
    )


_FINISHED_FIELDS = (
    "status",
    "error",
    "processed_at",
    "ticket",
    "ticket_message",
    "authenticity",
    "authenticity_details",
)

# Within a batch: the mails whose end is recorded after the batch's rows are written.
_finished: ContextVar[list[InboundMail] | None] = ContextVar("finished_mail", default=None)


@contextmanager
def _finished_at_the_end() -> Iterator[list[InboundMail]]:
    finished: list[InboundMail] = []
    token = _finished.set(finished)
    try:
        yield finished
    finally:
        _finished.reset(token)


def _record_finished(mails: list[InboundMail]) -> None:
    if not mails:
        return
    for mail in mails:  # the tickets and messages now have their ids
        mail.ticket_id = mail.ticket.pk if mail.ticket is not None else None
        mail.ticket_message_id = mail.ticket_message.pk if mail.ticket_message else None
    update_rows(InboundMail, mails, _FINISHED_FIELDS)


def _contact_for(parsed: ParsedMail) -> Contact:
    """The contact who owns the sender's address, or a new one for an unknown sender."""
    address = parsed.from_address
    if len(address) > MAX_ADDRESS_LENGTH:
        raise UnprocessableMail(f"sender address longer than {MAX_ADDRESS_LENGTH} characters")
    kept = _kept_contacts.get()
    if kept is None:
        return _find_or_create_contact(parsed)
    key = address.lower()
    if key not in kept:
        # Not among the batch's known senders: a new contact, unless a mail of another
        # batch just made it (the unique address settles that), or the address is one
        # the batch's lower-casing does not match as the database's does.
        kept[key] = _find_or_create_contact(parsed, look_first=not key.isascii())
        keep_no_agreements_for(kept[key])
    return kept[key]


def _addressed(address: str) -> QuerySet[ContactEmail]:
    # Lower on both sides: the unique index is on lower(address).
    return (
        ContactEmail.objects.select_related("contact__organization")
        .alias(lower=Lower("address"))
        .filter(lower=Lower(Value(address)))
    )


def _find_or_create_contact(parsed: ParsedMail, *, look_first: bool = True) -> Contact:
    address = parsed.from_address
    # With the organization: opening the ticket reads it for the customer's plan.
    known = _addressed(address).first() if look_first else None
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
        return _addressed(address).get().contact
    return contact


# Within a batch: its senders' contacts by lower-cased address, read in one query first.
_kept_contacts: ContextVar[dict[str, Contact] | None] = ContextVar("kept_contacts", default=None)


@contextmanager
def _kept_for_the_batch(prepared: Sequence[_Prepared]) -> Iterator[Callable[[str], None]]:
    """What a batch's mails read of their senders, read for all of them at once: the
    contacts, their organizations' plans and licences, their attachment agreements, the
    automatic mail sent to them this hour. Yields a function that forgets what a mail from
    an address, rolled back, may have changed (its new contact, its licence's count)."""
    addresses = {
        item.parsed.from_address.lower()
        for item in prepared
        if item.parsed is not None and 0 < len(item.parsed.from_address) <= MAX_ADDRESS_LENGTH
    }
    contacts: dict[str, Contact] = {}
    with ExitStack() as stack:
        stack.enter_context(coverage_kept())
        licences = stack.enter_context(licences_kept())
        stack.enter_context(agreements_kept())
        token = _kept_contacts.set(contacts)
        stack.callback(_kept_contacts.reset, token)
        for known in (
            ContactEmail.objects.select_related("contact__organization")
            .alias(lower=Lower("address"))
            .filter(lower__in=addresses)
        ):
            contacts[known.address.lower()] = known.contact
        organizations = {
            contact.organization
            for contact in contacts.values()
            if contact.organization is not None
        }
        at = now()
        today = timezone.localdate(at)
        keep_coverage_of(organizations, on=today)
        keep_licences_of(organization.pk for organization in organizations)
        hold_licences_running_out(_requests_by_organization(prepared, contacts, on=today))
        keep_agreements_of(contacts.values(), at=at)
        outbound.count_automatic_mail_to(addresses, at=at)

        def forget(address: str) -> None:
            contact = contacts.pop(address.lower(), None)
            if contact is not None and contact.organization_id is not None:
                licences.pop(contact.organization_id, None)

        yield forget


def _requests_by_organization(
    prepared: Sequence[_Prepared], contacts: dict[str, Contact], *, on: date
) -> dict[int, tuple[int | None, int]]:
    """By organization id: its plan's limit of requests a licence (None: not counted) and
    how many of the batch's mails its contacts sent (replies included: an upper bound)."""
    mails: Counter[Organization] = Counter()
    for item in prepared:
        contact = contacts.get(item.parsed.from_address.lower()) if item.parsed else None
        if contact is not None and contact.organization is not None:
            mails[contact.organization] += 1
    requests = {}
    for organization, count in mails.items():
        plan = coverage_for(organization=organization, on=on).plan
        limit = plan.requests_per_license if plan is not None and not plan.is_paid else None
        requests[organization.pk] = (limit, count)
    return requests


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
