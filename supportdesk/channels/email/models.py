"""Inbound mail as received: the raw bytes (content-addressed), how they came in, and what
processing made of them. A row is committed before the sender is told "250": nothing
accepted is ever lost, and nothing is deleted automatically."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from supportdesk.core.models import Blob
from supportdesk.tickets.models import Message, Ticket


class InboundMail(models.Model):
    class Source(models.TextChoices):
        SMTP = "smtp", "SMTP"
        LMTP = "lmtp", "LMTP"
        IMAP = "imap", "IMAP"
        PIPE = "pipe", "Pipe from an MTA"

    class Authenticity(models.TextChoices):
        PASS = "pass", "Sender verified"
        FAIL = "fail", "Sender authentication failed"
        NONE = "none", "Sender not verified (no conclusive result)"

    class Status(models.TextChoices):
        RECEIVED = "received", "Received, waiting to be processed"
        PROCESSED = "processed", "Processed"
        IGNORED = "ignored", "Recorded, no action (auto-reply, bounce, loop)"
        QUARANTINED = "quarantined", "Quarantined: could not be processed"

    received_at = models.DateTimeField()
    source = models.CharField(max_length=10, choices=Source.choices)
    # The SMTP envelope (or the mailbox it was fetched from), not the headers.
    envelope_from = models.CharField(max_length=320, blank=True)
    envelope_to = models.JSONField(default=list)
    # Normalized Message-ID header ("" when the mail has none); with the hash of the
    # bytes it makes intake idempotent: the same message twice is one row.
    header_message_id = models.CharField(max_length=255, blank=True)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    raw = models.ForeignKey(Blob, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.RECEIVED)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    ticket = models.ForeignKey(
        Ticket, on_delete=models.SET_NULL, null=True, blank=True, related_name="inbound_mail"
    )
    ticket_message = models.ForeignKey(
        Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="inbound_mail"
    )
    # Whether the From is the real sender (authenticity.py), set when the mail is processed;
    # empty until then. The details list the DKIM, SPF and DMARC results it rests on.
    authenticity = models.CharField(max_length=4, choices=Authenticity.choices, blank=True)
    authenticity_details = models.JSONField(default=dict, blank=True)
    # The connecting client, where the door knows it: the local SPF check needs them.
    client_address = models.GenericIPAddressField(null=True, blank=True)
    client_helo = models.CharField(max_length=255, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["header_message_id", "sha256"], name="inbound_mail_once_per_id_and_content"
            )
        ]
        indexes = [
            models.Index(
                fields=["received_at"],
                condition=Q(status="received"),
                name="inbound_mail_waiting",
            ),
            models.Index(fields=["status", "-id"], name="inbound_mail_status"),
        ]

    def __str__(self) -> str:
        return f"mail {self.pk} ({self.get_status_display()})"


class OutboundMail(models.Model):
    """The outbox: one row per mail we send, sent by a task (outbound.send_outbound) that
    claims the row first, so each row goes out once even with several workers."""

    class Kind(models.TextChoices):
        ACKNOWLEDGEMENT = "acknowledgement", "Acknowledgement of a new request"
        REPLY = "reply", "Technician's reply"
        NOTICE = "notice", "Notice"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Being sent"
        SENT = "sent", "Sent"
        RETRYING = "retrying", "Temporary failure, will retry"
        FAILED = "failed", "Failed: bounced or given up"

    ticket = models.ForeignKey(
        Ticket, on_delete=models.SET_NULL, null=True, blank=True, related_name="outbound_mail"
    )
    # The ticket message a reply carries: one mail per message, however often it is queued.
    ticket_message = models.ForeignKey(
        Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="outbound_mail"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    to_address = models.CharField(max_length=320)
    subject = models.CharField(max_length=400)
    body_text = models.TextField()
    # Stored without angle brackets, like InboundMail.header_message_id, so a customer's
    # In-Reply-To can be matched directly.
    message_id = models.CharField(max_length=255, unique=True)
    in_reply_to = models.CharField(max_length=255, blank=True)
    references = models.TextField(blank=True, help_text="Message-IDs, oldest first, by spaces.")
    is_automatic = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    # When it may be tried next; while sending, until when the sender holds it.
    next_attempt_at = models.DateTimeField()
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["ticket_message"],
                condition=Q(ticket_message__isnull=False),
                name="outbound_mail_once_per_message",
            )
        ]
        indexes = [
            # The per-address cap on automatic mail counts the last hour's rows.
            models.Index(
                Lower("to_address"),
                "created_at",
                condition=Q(is_automatic=True),
                name="outbound_mail_automatic_to",
            ),
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status__in=["queued", "retrying", "sending"]),
                name="outbound_mail_pending",
            ),
            models.Index(fields=["ticket", "id"], name="outbound_mail_ticket_id"),
        ]

    def __str__(self) -> str:
        return f"outbound mail {self.pk} to {self.to_address} ({self.get_status_display()})"
