"""Outgoing mail: outbox rows (OutboundMail), the message built from a row, and the send task's
one service, which talks SMTP to the smarthost (or, with no smarthost set, writes .eml files).

Rows are claimed with a conditional UPDATE before anything is sent (a batch's rows in one
statement, see sending_batch), so two workers (or a task run twice) send each once. A 4xx
answer or a broken connection is retried with back-off for days; a 5xx answer is a bounce,
recorded on the row and on the contact's address.

Once per row, and the one window SMTP leaves open: SMTP has no two-phase commit. The row is
marked "sent" right after the smarthost's 250 to DATA, before QUIT, so the only unsafe moment
is between that 250 leaving the smarthost and our UPDATE committing (one network round trip
and one commit). A sender killed there leaves the row "sending"; when its lease
(MAIL_SENDING_LEASE_SECONDS) runs out the row is sent again, with the same Message-ID, so the
recipient's mail client shows it once. A sender killed earlier, before the 250, loses nothing:
the smarthost has not taken the mail, and the resend is its only copy.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import smtplib
import ssl
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextvars import ContextVar
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.policy import default as default_policy
from email.utils import format_datetime
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import Count
from django.db.models.functions import Lower

from supportdesk.accounts.models import ContactEmail
from supportdesk.channels.email import tasks as mail_tasks
from supportdesk.channels.email import wire
from supportdesk.channels.email.models import OutboundMail
from supportdesk.channels.email.sending_batch import SendingBatch
from supportdesk.core.blobs import read_blob
from supportdesk.core.choices import values_of
from supportdesk.core.clock import now
from supportdesk.core.deferred import after_saved, save_new
from supportdesk.core.errors import InvalidInput
from supportdesk.tickets.models import Attachment, Ticket

logger = logging.getLogger(__name__)

FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=1)
GIVE_UP_AFTER = timedelta(days=5)
# Each exchange with the smarthost; the sending lease (a setting) must be longer.
SMTP_TIMEOUT = 60
MAX_SUBJECT_LENGTH = 400
MAX_REFERENCES = 20
MAX_ERROR_LENGTH = 2000

# Characters that end or fold a header line in some reader: CR and LF, but also the other
# C0 controls, NEL and the Unicode line and paragraph separators. CPython 3.11.7 lacks the
# fix for header folding (gh-121650), so nothing reaches a header without passing here.
_LINE_BREAKS = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]+")
_ADDRESS = re.compile(r"[^\s<>()\[\],;:\\\"@]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?")
_MESSAGE_ID = re.compile(r"[!-;=?-~]+@[!-;=?-Z^-~]+")  # printable ASCII, no <, >, [, ]


def header_text(value: str, *, limit: int = MAX_SUBJECT_LENGTH) -> str:
    """One header line's worth of text: every line break and control becomes a space."""
    return " ".join(_LINE_BREAKS.sub(" ", value).split())[:limit]


def checked_address(address: str) -> str:
    """A bare addr-spec (local@domain) we may put in To and the SMTP envelope; InvalidInput
    for anything that could carry a second recipient or a header."""
    address = address.strip()
    if len(address) > 254 or not _ADDRESS.fullmatch(address):
        raise InvalidInput({"to": f"not a mail address we send to: {address!r}"})
    return address


def checked_message_ids(ids: Sequence[str]) -> list[str]:
    """Message-IDs without brackets; ids that do not look like one are dropped."""
    bare = (message_id.strip().strip("<>") for message_id in ids)
    return [message_id for message_id in dict.fromkeys(bare) if _MESSAGE_ID.fullmatch(message_id)]


def new_message_id() -> str:
    return f"{uuid.uuid4().hex}@{settings.SUPPORTDESK['MAIL_DOMAIN']}"


def subject_with_reference(subject: str, ticket: Ticket | None) -> str:
    subject = header_text(subject)
    if ticket is None or ticket.reference.lower() in subject.lower():
        return subject
    return header_text(f"[{ticket.reference}] {subject}")


def automatic_mail_allowed(address: str, *, at: datetime | None = None) -> bool:
    """At most MAIL_AUTO_REPLIES_PER_HOUR automatic mails to one address per hour: two
    robots answering each other stop after a few mails."""
    cap: int = settings.SUPPORTDESK["MAIL_AUTO_REPLIES_PER_HOUR"]
    address = address.strip().lower()
    counted = _automatic_counts.get()
    if counted is not None and address in counted:
        return counted[address] < cap
    since = (at or now()) - timedelta(hours=1)
    sent = (
        OutboundMail.objects.alias(address=Lower("to_address"))
        .filter(address=address, is_automatic=True, created_at__gte=since)
        .count()
    )
    if counted is not None:
        counted[address] = sent
    return sent < cap


# Within `one_send_task`: automatic mail per address, counted once from the database and
# then as the block queues more (its rows may not be written before its end).
_automatic_counts: ContextVar[dict[str, int] | None] = ContextVar("automatic_counts", default=None)


def count_automatic_mail_to(addresses: Iterable[str], *, at: datetime | None = None) -> None:
    """Within `one_send_task`, count the automatic mail of the last hour to these addresses
    in one query (a batch of mail counts its senders' before acknowledging any)."""
    counted = _automatic_counts.get()
    if counted is None:
        return
    wanted = {address.strip().lower() for address in addresses} - set(counted)
    if not wanted:
        return
    since = (at or now()) - timedelta(hours=1)
    counted.update(dict.fromkeys(wanted, 0))
    counted.update(
        OutboundMail.objects.annotate(address=Lower("to_address"))
        .filter(address__in=wanted, is_automatic=True, created_at__gte=since)
        .values("address")
        .annotate(sent=Count("id"))
        .values_list("address", "sent")
    )


# Outbox rows queued within `one_send_task`: sent by one task at its end.
_one_send_task: ContextVar[list[OutboundMail] | None] = ContextVar("one_send_task", default=None)


@contextlib.contextmanager
def one_send_task() -> Iterator[None]:
    """Within the block (inside a transaction), `queue_mail` enqueues no send task per row:
    the rows queued in it get ONE task at its end, in the same transaction, that sends them
    over one connection. A row whose savepoint rolled back is skipped by that task; a row
    whose task is lost is found by requeue_stalled_outbound, as any other. Rows written at
    a batch's flush (core.deferred) must be flushed before the block ends."""
    queued: list[OutboundMail] = []
    token = _one_send_task.set(queued)
    counts_token = _automatic_counts.set({})
    try:
        yield
    finally:
        _one_send_task.reset(token)
        _automatic_counts.reset(counts_token)
    ids = [row.pk for row in queued if row.pk is not None]
    if ids:
        mail_tasks.send_outbound_mails.enqueue(outbound_ids=ids)


def queue_mail(
    *,
    kind: str,
    to: str,
    subject: str,
    body_text: str,
    ticket: Ticket | None = None,
    in_reply_to: str = "",
    references: Sequence[str] = (),
    is_automatic: bool = False,
    ticket_message_id: int | None = None,
) -> OutboundMail | None:
    """Put a mail in the outbox and enqueue its send task, in one transaction (the caller's,
    when there is one: a rolled-back change sends nothing).

    Returns None, queuing nothing, when the mail is automatic and its address has had its
    share of automatic mail this hour."""
    if kind not in values_of(OutboundMail.Kind):
        raise InvalidInput({"kind": f"expected one of {', '.join(OutboundMail.Kind.values)}"})
    to = checked_address(to)
    threading_ids = checked_message_ids([*references, in_reply_to])[-MAX_REFERENCES:]
    parent = checked_message_ids([in_reply_to])
    at = now()
    # No savepoint of its own: the input was checked above, and a database error below
    # dooms the caller's transaction or savepoint, which is what must roll back.
    with transaction.atomic(savepoint=False):
        if is_automatic and not automatic_mail_allowed(to, at=at):
            logger.warning("automatic mail to %s not sent: hourly cap reached", to)
            return None
        outbound = OutboundMail(
            ticket=ticket,
            ticket_message_id=ticket_message_id,
            kind=kind,
            to_address=to,
            subject=subject_with_reference(subject, ticket),
            body_text=body_text.replace("\x00", ""),
            message_id=new_message_id(),
            in_reply_to=parent[0] if parent else "",
            references=" ".join(threading_ids),
            is_automatic=is_automatic,
            next_attempt_at=at,
            created_at=at,
        )
        # Nothing reads an outbox row back before sending it: a batch of mail writes its
        # rows at its end (core.deferred), then enqueues their one send task.
        save_new(outbound)
        counted = _automatic_counts.get()
        if is_automatic and counted is not None:
            counted[to.strip().lower()] = counted.get(to.strip().lower(), 0) + 1
        batched = _one_send_task.get()
        if batched is not None:
            batched.append(outbound)
        else:
            after_saved(lambda: mail_tasks.send_outbound_mail.enqueue(outbound_id=outbound.pk))
    return outbound


def message_headers(outbound: OutboundMail) -> list[tuple[str, str]]:
    """The mail's own headers, in order (the body's Content-* headers come with the body).
    Every value passes header_text or a check: a subject or an id holding a line break
    cannot add a header."""
    headers = [
        ("From", checked_address(settings.SUPPORTDESK["MAIL_FROM"])),
        ("To", checked_address(outbound.to_address)),
        ("Subject", header_text(outbound.subject)),
        ("Date", format_datetime(outbound.created_at)),
    ]
    if not checked_message_ids([outbound.message_id]):
        raise ValueError(f"outbound mail {outbound.pk} has a broken Message-ID")
    headers.append(("Message-ID", f"<{outbound.message_id}>"))
    parent = checked_message_ids([outbound.in_reply_to])
    if parent:
        headers.append(("In-Reply-To", f"<{parent[0]}>"))
    references = checked_message_ids(outbound.references.split())
    if references:
        headers.append(("References", " ".join(f"<{message_id}>" for message_id in references)))
    # RFC 3834, and Microsoft's equivalent: no out-of-office or robot answers to us. Staff
    # notices (service-level alerts) are machine-made too, though not answers to anyone.
    if outbound.is_automatic:
        headers += [("Auto-Submitted", "auto-replied"), ("X-Auto-Response-Suppress", "All")]
    elif outbound.kind == OutboundMail.Kind.NOTICE:
        headers += [("Auto-Submitted", "auto-generated"), ("X-Auto-Response-Suppress", "All")]
    return headers


def build_message(
    outbound: OutboundMail, *, attached: Sequence[Attachment] | None = None
) -> EmailMessage:
    """The mail as it goes on the wire, with the files a reply carries (`attached`, as
    reply_attachments gives them; read here when not given)."""
    message = EmailMessage(policy=default_policy)
    for name, value in message_headers(outbound):
        message[name] = value
    message.set_content(outbound.body_text)
    if attached is None:
        attached = _files_of(outbound)
    for attachment in attached:
        assert attachment.blob is not None  # reply_attachments keeps stored files only
        maintype, _, subtype = attachment.content_type.partition("/")
        if not maintype or not subtype or "\n" in attachment.content_type:
            maintype, subtype = "application", "octet-stream"
        message.add_attachment(
            read_blob(attachment.blob),
            maintype=maintype,
            subtype=subtype,
            filename=header_text(attachment.filename, limit=255) or "attachment",
        )
    return message


def _files_of(outbound: OutboundMail) -> list[Attachment]:
    if outbound.kind == OutboundMail.Kind.REPLY and outbound.ticket_message_id is not None:
        return reply_attachments(outbound.ticket_message_id)[0]
    return []


def _smtp_message(outbound: OutboundMail, attached: Sequence[Attachment]) -> bytes | EmailMessage:
    """What _send_by_smtp sends: for a text-only mail between ASCII addresses (nearly all),
    its bytes written by `wire`, the same bytes smtplib would make of build_message's
    EmailMessage for a fraction of the CPU; otherwise that EmailMessage, which smtplib
    sends with SMTPUTF8 when an address needs it."""
    if attached or not (settings.SUPPORTDESK["MAIL_FROM"] + outbound.to_address).isascii():
        return build_message(outbound, attached=attached)
    return wire.text_mail_bytes(message_headers(outbound), outbound.body_text)


def reply_attachments(ticket_message_id: int) -> tuple[list[Attachment], list[Attachment]]:
    """The stored files of a ticket message that its mail carries, oldest first, up to
    MAIL_REPLY_ATTACHMENTS_MAX_BYTES in all; and those left out (too large to fit).
    The same answer every time for the same message, so a resent mail is the same mail."""
    return _within_budget(_stored_files([ticket_message_id]).get(ticket_message_id, []))


def _stored_files(ticket_message_ids: Sequence[int]) -> dict[int, list[Attachment]]:
    """The stored files of these ticket messages, oldest first, in one query."""
    files: dict[int, list[Attachment]] = {}
    stored = Attachment.objects.filter(message_id__in=ticket_message_ids, blob__isnull=False)
    for attachment in stored.select_related("blob").order_by("id"):
        files.setdefault(attachment.message_id, []).append(attachment)
    return files


def _within_budget(files: Sequence[Attachment]) -> tuple[list[Attachment], list[Attachment]]:
    budget: int = settings.SUPPORTDESK["MAIL_REPLY_ATTACHMENTS_MAX_BYTES"]
    attached: list[Attachment] = []
    left_out: list[Attachment] = []
    for attachment in files:
        if attachment.size <= budget:
            attached.append(attachment)
            budget -= attachment.size
        else:
            left_out.append(attachment)
    return attached, left_out


def send_outbound(*, outbound_id: int) -> str:
    """Send one outbox row if it is due; returns what happened, in a few words."""
    return send_outbound_rows([outbound_id])[0]


def send_outbound_rows(outbound_ids: Sequence[int]) -> list[str]:
    """Send several outbox rows, each as `send_outbound` would (what happened to each, in
    order), over one connection to the smarthost: one TCP and TLS handshake and login for
    the lot, instead of one per mail. The due rows are claimed and read in one statement;
    each row's outcome is recorded right after its try (see SendingBatch)."""
    batch = SendingBatch.claim(outbound_ids)
    # One query for the files of the batch's replies; none for other mail.
    replies = {
        o.pk: o.ticket_message_id
        for o in batch.held.values()
        if o.kind == OutboundMail.Kind.REPLY and o.ticket_message_id is not None
    }
    stored = _stored_files(list(replies.values())) if replies else {}
    outcomes = []
    try:
        with _Relay() as relay:
            for outbound in batch:
                if outbound is None:
                    outcomes.append(_SKIPPED)
                    continue
                files = stored.get(replies.get(outbound.pk, 0), [])
                outcomes.append(_send_row(batch, outbound, _within_budget(files)[0], relay))
    except Exception:
        # A row that breaks the run (a broken Message-ID, the database gone) must not hold
        # the rows after it for the lease; a kill leaves them held (see SendingBatch).
        with contextlib.suppress(DatabaseError):
            batch.release()
        raise
    return outcomes


_SKIPPED = "skipped: not due, or sent by another run"


def _send_row(
    batch: SendingBatch, outbound: OutboundMail, attached: Sequence[Attachment], relay: _Relay
) -> str:
    file_delivery = settings.SUPPORTDESK["MAIL_DELIVERY"] == "file"
    try:
        message = (
            build_message(outbound, attached=attached)
            if file_delivery
            else _smtp_message(outbound, attached)
        )
    except OSError as exc:  # an attachment's file unreadable (storage not mounted?)
        return _retry(batch, outbound, f"cannot read an attachment: {_describe(exc)}")
    if file_delivery:
        assert isinstance(message, EmailMessage)
        return _write_to_outbox(batch, outbound, message)
    return _send_by_smtp(batch, outbound, message, relay)


class _Relay:
    """The connection to the smarthost, opened at the first mail and kept for the next
    ones; dropped after a failure, so the next mail starts on a fresh one."""

    def __init__(self) -> None:
        self.smtp: smtplib.SMTP | None = None
        # Why the smarthost could not be reached: the rest of the batch is not tried
        # against it (each attempt could wait SMTP_TIMEOUT), it is retried later.
        self.unreachable: Exception | None = None

    def __enter__(self) -> _Relay:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def connection(self) -> smtplib.SMTP:
        if self.unreachable is not None:
            raise self.unreachable
        if self.smtp is None:
            config = settings.SUPPORTDESK
            host, port = config["SMTP_RELAY"]
            try:
                smtp = smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT)
            except (OSError, smtplib.SMTPException) as exc:
                self.unreachable = exc
                raise
            try:
                if config["SMTP_RELAY_STARTTLS"]:
                    smtp.starttls(context=ssl.create_default_context())
                if config["SMTP_RELAY_USER"]:
                    smtp.login(config["SMTP_RELAY_USER"], config["SMTP_RELAY_PASSWORD"])
            except (OSError, smtplib.SMTPException) as exc:
                self.unreachable = exc
                smtp.close()
                raise
            self.smtp = smtp
        return self.smtp

    def close(self) -> None:
        smtp, self.smtp = self.smtp, None
        if smtp is not None:
            # The mails' fates are decided; a failing goodbye changes nothing.
            with contextlib.suppress(OSError, smtplib.SMTPException):
                smtp.quit()
            smtp.close()


def _send_by_smtp(
    batch: SendingBatch, outbound: OutboundMail, message: bytes | EmailMessage, relay: _Relay
) -> str:
    config = settings.SUPPORTDESK
    try:
        # Bounces come back to the support address, where intake records them.
        if isinstance(message, bytes):
            relay.connection().sendmail(config["MAIL_FROM"], [outbound.to_address], message)
        else:
            relay.connection().send_message(
                message, from_addr=config["MAIL_FROM"], to_addrs=[outbound.to_address]
            )
        # The smarthost has the mail: record it now, before QUIT or anything else that could
        # fail or be killed, so the window for a second copy is as short as it can be.
        batch.finish(outbound, status=OutboundMail.Status.SENT, sent_at=now(), last_error="")
        return "sent"
    except smtplib.SMTPAuthenticationError as exc:
        relay.close()
        # Our login is wrong, not the customer's address: retry once it is fixed.
        return _retry(batch, outbound, f"smarthost refused our login: {_describe(exc)}")
    except smtplib.SMTPRecipientsRefused as exc:
        # The connection stays usable (smtplib reset the transaction).
        code = min((answer[0] for answer in exc.recipients.values()), default=0)
        return _answered(batch, outbound, code, _describe(exc))
    except smtplib.SMTPResponseException as exc:
        relay.close()
        return _answered(batch, outbound, exc.smtp_code, _describe(exc))
    except (OSError, smtplib.SMTPException) as exc:
        relay.close()
        return _retry(batch, outbound, _describe(exc))


_told_about_file_delivery = False


def _write_to_outbox(batch: SendingBatch, outbound: OutboundMail, message: EmailMessage) -> str:
    """ "file" delivery: the mail as an .eml file in MAIL_OUTBOX_DIR, one file per row (a
    second write of the same row replaces the file), for a desk with no smarthost yet."""
    global _told_about_file_delivery
    directory = Path(settings.SUPPORTDESK["MAIL_OUTBOX_DIR"])
    name = f"{outbound.created_at:%Y%m%d-%H%M%S}-{outbound.pk}.eml"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        _write_durably(directory / name, message.as_bytes(policy=SMTP_POLICY))
    except OSError as exc:
        return _retry(batch, outbound, f"cannot write to {directory}: {_describe(exc)}")
    batch.finish(outbound, status=OutboundMail.Status.SENT, sent_at=now(), last_error="")
    if not _told_about_file_delivery:
        _told_about_file_delivery = True
        logger.warning(
            "outgoing mail is written to %s as .eml files, not sent: set "
            "SUPPORTDESK_SMTP_RELAY=host:port to send it through your smarthost",
            directory,
        )
    return f"written to {directory / name}"


def _write_durably(path: Path, data: bytes) -> None:
    partial = path.with_name(f".{path.name}.partial")
    with open(partial, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def _answered(batch: SendingBatch, outbound: OutboundMail, code: int, error: str) -> str:
    if 500 <= code < 600:
        at = now()
        batch.finish(outbound, status=OutboundMail.Status.FAILED, last_error=f"bounced: {error}")
        ContactEmail.objects.alias(lowered=Lower("address")).filter(
            lowered=outbound.to_address.lower(), failing_since__isnull=True
        ).update(failing_since=at)
        logger.warning("mail %s to %s bounced: %s", outbound.pk, outbound.to_address, error)
        return f"failed: {error}"
    return _retry(batch, outbound, error)


def _retry(batch: SendingBatch, outbound: OutboundMail, error: str) -> str:
    at = now()
    doublings = min(max(outbound.attempts - 1, 0), 16)  # 2**16 minutes is past the cap
    delay = min(FIRST_RETRY * 2**doublings, LONGEST_RETRY)
    next_at = at + delay
    if next_at - outbound.created_at > GIVE_UP_AFTER:
        batch.finish(outbound, status=OutboundMail.Status.FAILED, last_error=f"gave up: {error}")
        logger.warning("mail %s to %s given up: %s", outbound.pk, outbound.to_address, error)
        return f"failed: gave up after {outbound.attempts} attempts"
    with transaction.atomic():
        batch.finish(
            outbound,
            status=OutboundMail.Status.RETRYING,
            last_error=error,
            next_attempt_at=next_at,
        )
        task = mail_tasks.send_outbound_mail
        if task.get_backend().supports_defer:
            task.using(run_after=next_at).enqueue(outbound_id=outbound.pk)
    logger.info("mail %s to %s deferred: %s", outbound.pk, outbound.to_address, error)
    return f"retrying at {next_at.isoformat()}: {error}"


def _describe(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error
        detail = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
        error = f"{exc.smtp_code} {detail}"
    elif isinstance(exc, smtplib.SMTPRecipientsRefused):
        error = "; ".join(
            f"{address}: {code} {text.decode('utf-8', 'replace')}"
            for address, (code, text) in exc.recipients.items()
        )
    else:
        error = f"{type(exc).__name__}: {exc}"
    return error.replace("\x00", "")[:MAX_ERROR_LENGTH]


def requeue_stalled_outbound(*, batch: int = 500) -> int:
    """Enqueue again the outbox rows overdue by MAIL_STALLED_AFTER_SECONDS (their send task
    was lost: a worker killed, a task row pruned), including rows left "sending" by a killed
    worker once their lease has run out. Sending claims the row, so a spare task is
    harmless. Returns how many were enqueued."""
    at = now()
    stalled_after = timedelta(seconds=settings.SUPPORTDESK["MAIL_STALLED_AFTER_SECONDS"])
    stalled = list(
        OutboundMail.objects.filter(
            status__in=[
                OutboundMail.Status.QUEUED,
                OutboundMail.Status.RETRYING,
                OutboundMail.Status.SENDING,
            ],
            next_attempt_at__lte=at - stalled_after,
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:batch]
    )
    for outbound_id in stalled:
        with transaction.atomic():
            # Due now, so the next sweep does not enqueue it again before the worker runs.
            OutboundMail.objects.filter(pk=outbound_id).update(next_attempt_at=at)
            mail_tasks.send_outbound_mail.enqueue(outbound_id=outbound_id)
    return len(stalled)
