"""Inbound mail as received: the raw bytes (content-addressed), how they came in, and what
processing made of them. A row is committed before the sender is told "250": nothing
accepted is ever lost, and nothing is deleted automatically."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from supportdesk.core.models import Blob
from supportdesk.tickets.models import Message, Ticket


class InboundMail(models.Model):
    class Source(models.TextChoices):
        SMTP = "smtp", "SMTP"
        LMTP = "lmtp", "LMTP"
        IMAP = "imap", "IMAP"
        PIPE = "pipe", "Pipe from an MTA"

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
