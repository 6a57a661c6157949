"""Which ticket a mail belongs to: a reference in the subject, or a Message-ID it answers."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet

from supportdesk.channels.email.models import InboundMail, OutboundMail
from supportdesk.channels.email.parsing import ParsedMail
from supportdesk.tickets.models import Ticket
from supportdesk.tickets.references import parse_reference

# Reply and forward prefixes of the common mail clients, in several languages.
_REPLY_PREFIX = re.compile(
    r"^\s*(?:(?:re|aw|tr|sv|vs|wg|fw|fwd|rif|réf|ref|antw)\s*(?:\[\d+\])?\s*:\s*)+",
    re.IGNORECASE,
)
MAX_THREADING_IDS = 50


@dataclass(frozen=True)
class ThreadMatch:
    ticket: Ticket
    via: str  # "subject" or "message-id"
    reference: str
    # Read with its row lock (find_thread's `lock`): current, and held until the
    # transaction ends, so a reply need not lock and read it again.
    locked: bool = False


def _subject_reference_pattern() -> re.Pattern[str]:
    prefix = re.escape(settings.SUPPORTDESK["TICKET_PREFIX"])
    return re.compile(rf"\[\s*{prefix}\s*-\s*\d{{1,18}}\s*\]|\b{prefix}-\d{{1,18}}\b", re.I)


def subject_ticket_numbers(subject: str) -> list[int]:
    """Ticket numbers quoted in a subject ("Re: [SD-100001] ..."), first one first."""
    numbers: list[int] = []
    for token in _subject_reference_pattern().findall(subject):
        number = parse_reference(token)
        if number is not None and number not in numbers:
            numbers.append(number)
    return numbers


def subject_without_references(subject: str) -> str:
    """The subject for a new ticket: reply prefixes and our old references removed, so mail
    about the new ticket does not thread into the old one."""
    without = _subject_reference_pattern().sub(" ", subject)
    without = _REPLY_PREFIX.sub("", " ".join(without.split()))
    return " ".join(without.split())


def find_thread(parsed: ParsedMail, *, lock: bool = False) -> ThreadMatch | None:
    """The ticket this mail answers, if any (whoever sent it: the caller checks that).
    With `lock` (inside a transaction), a ticket named in the subject is read with its row
    lock: the mail's reply then reads it once, not twice."""
    tickets = Ticket.objects.select_for_update() if lock else Ticket.objects.all()
    for number in subject_ticket_numbers(parsed.subject):
        # The number is unique: no ORDER BY and LIMIT as first() would add (a reply's
        # costliest statement to compose).
        ticket = next(iter(tickets.filter(number=number)), None)
        if ticket is not None:
            return ThreadMatch(
                ticket=_final(ticket, tickets),
                via="subject",
                reference=ticket.reference,
                locked=lock,
            )
    ids = [parsed.in_reply_to, *reversed(parsed.references)]
    ids = [message_id for message_id in dict.fromkeys(ids) if message_id][:MAX_THREADING_IDS]
    if not ids:
        return None
    # A mail the customer sent us before, then one we sent (acknowledgement, a reply): the
    # second query runs only when the first finds nothing.
    for earlier in (
        InboundMail.objects.filter(header_message_id__in=ids, ticket__isnull=False),
        OutboundMail.objects.filter(message_id__in=ids, ticket__isnull=False),
    ):
        found = earlier.select_related("ticket").order_by("-id").first()
        if found is not None and found.ticket is not None:
            ticket = found.ticket
            return ThreadMatch(
                ticket=_final(ticket, Ticket.objects.all()),
                via="message-id",
                reference=ticket.reference,
            )
    return None


def _final(ticket: Ticket, tickets: QuerySet[Ticket]) -> Ticket:
    """A merged ticket's conversation continues on the ticket it was merged into."""
    seen = {ticket.pk}
    while ticket.merged_into_id is not None and ticket.merged_into_id not in seen:
        seen.add(ticket.merged_into_id)
        ticket = tickets.get(pk=ticket.merged_into_id)
    return ticket
