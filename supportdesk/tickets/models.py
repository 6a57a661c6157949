"""The ticket domain: tickets, their messages and attachments, the audit trail, counters."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q

from supportdesk.accounts.models import Contact, License, Organization, Team, Technician
from supportdesk.catalog.models import Product, ProductVersion
from supportdesk.core.choices import Language
from supportdesk.core.models import Blob
from supportdesk.plans.entitlement import EntitlementStatus
from supportdesk.plans.models import Plan, PlanNotice, SlaTarget, Subscription
from supportdesk.tickets.choices import (
    UNRESOLVED_STATUSES,
    Category,
    Channel,
    EventKind,
    MessageKind,
    Priority,
    Satisfaction,
    Status,
)


def format_reference(number: int) -> str:
    prefix = settings.SUPPORTDESK["TICKET_PREFIX"]
    return f"{prefix}-{number}"


class Tag(models.Model):
    name = models.SlugField(max_length=50, unique=True)

    def __str__(self) -> str:
        return self.name


class Ticket(models.Model):
    # The number behind the human reference (SD-100001); allocated from TicketNumberSequence,
    # never reused, so a reference in an old mail subject always finds the same ticket.
    number = models.BigIntegerField(unique=True, editable=False)
    subject = models.CharField(max_length=250)
    # No index of their own for these three: the composite indexes in Meta begin with them
    # and serve their lookups (each index is written at every ticket's insert).
    requester = models.ForeignKey(
        Contact, on_delete=models.PROTECT, related_name="tickets", db_index=False
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
        db_index=False,
    )
    product = models.ForeignKey(
        Product,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
        db_index=False,
    )
    product_version = models.ForeignKey(
        ProductVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="tickets"
    )
    category = models.CharField(max_length=20, choices=Category.choices, default=Category.QUESTION)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    language = models.CharField(max_length=2, choices=Language.choices, default=Language.ENGLISH)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW)
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, null=True, blank=True, related_name="tickets"
    )
    assignee = models.ForeignKey(
        Technician, on_delete=models.PROTECT, null=True, blank=True, related_name="tickets"
    )
    plan = models.ForeignKey(
        Plan, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    subscription = models.ForeignKey(
        Subscription, on_delete=models.SET_NULL, null=True, blank=True, related_name="tickets"
    )
    plan_notice = models.CharField(
        max_length=30,
        choices=PlanNotice.choices,
        blank=True,
        help_text="Set when the customer's subscription could not serve this request.",
    )
    # The entitlement check at intake (plans/entitlement.py); empty for tickets opened
    # before it existed or by an import.
    entitlement = models.CharField(
        max_length=20, choices=EntitlementStatus.CHOICES, blank=True, default=""
    )
    license = models.ForeignKey(
        License,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The licence the request was checked (and counted) against.",
    )
    out_of_scope = models.CharField(
        max_length=20,
        blank=True,
        help_text="Why free support does not cover it (category, own_code): Direct Assistance.",
    )
    # The normalized error's hash (tickets/signatures.py): the same error groups tickets.
    error_signature = models.CharField(max_length=64, blank=True, default="")
    tags = models.ManyToManyField(Tag, blank=True, related_name="tickets")
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged_tickets"
    )
    # Contacts besides the requester who take part (a colleague who replied by mail): they
    # may read the ticket and add to it.
    participants = models.ManyToManyField(Contact, blank=True, related_name="participating_tickets")
    # The structured fields of a Standard Request (environment, steps, error text...), as
    # the customer sent them; empty for a free-form request.
    details = models.JSONField(default=dict, blank=True)
    rereview_count = models.PositiveSmallIntegerField(default=0)
    satisfaction = models.CharField(max_length=12, choices=Satisfaction.choices, blank=True)
    message_count = models.PositiveIntegerField(default=0)
    # The nearest running service-level deadline (see service_levels.py), copied here so
    # queues can show and sort by it without reading the deadlines.
    due_at = models.DateTimeField(null=True, blank=True)
    breach_at = models.DateTimeField(null=True, blank=True)
    escalated_to = models.ForeignKey(
        Technician, on_delete=models.SET_NULL, null=True, blank=True, related_name="escalations"
    )
    escalated_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(db_index=True)
    updated_at = models.DateTimeField()
    last_customer_message_at = models.DateTimeField(null=True, blank=True)
    first_responded_at = models.DateTimeField(null=True, blank=True)
    solved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    # Not stored: what open_ticket wrote with the ticket, for its caller (the mail's record,
    # the acknowledgement's promise) without reading them back: a batch of mail writes them
    # only at its end (core.deferred).
    opening_message: Message | None = None
    opening_deadlines: tuple[Deadline, ...] | None = None

    class Meta:
        indexes = [
            # Queue pages: a team's (or a technician's) unresolved tickets, newest first,
            # read by keyset on the number. Partial: the index holds only the live tickets.
            models.Index(
                fields=["team", "-number"],
                condition=Q(status__in=UNRESOLVED_STATUSES),
                name="ticket_team_unresolved",
            ),
            models.Index(
                fields=["assignee", "-number"],
                condition=Q(status__in=UNRESOLVED_STATUSES),
                name="ticket_assignee_unresolved",
            ),
            models.Index(fields=["status", "-number"], name="ticket_status_number"),
            models.Index(fields=["requester", "-number"], name="ticket_requester_number"),
            models.Index(fields=["organization", "-number"], name="ticket_organization_number"),
            # Similar tickets: the same error first, then the same product's latest solved.
            # Not partial (on signature != ""): SQLite would use it only for queries that
            # repeat that condition with a literal, which Django's bound parameters are not.
            models.Index(fields=["error_signature", "-number"], name="ticket_error_signature"),
            models.Index(fields=["product", "status", "-number"], name="ticket_product_status"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.subject}"

    @property
    def reference(self) -> str:
        return format_reference(self.number)


class PublishedAnswer(models.Model):
    """A solved ticket's answer a technician made public: any customer may be shown it
    (title and answer text only, written for everyone) when they describe the same
    problem. The ticket itself stays private to its organization."""

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="published")
    title = models.CharField(max_length=250)
    answer_text = models.TextField()
    # Copied from the ticket when published: the deflection lookups read only this table.
    product = models.ForeignKey(
        Product, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    error_signature = models.CharField(max_length=64, blank=True, default="")
    published_by = models.ForeignKey(
        Technician, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["error_signature", "-id"], name="published_signature"),
            models.Index(fields=["product", "-id"], name="published_product"),
        ]

    def __str__(self) -> str:
        return self.title


class TicketNumberSequence(models.Model):
    """One row holding the last ticket number handed out (see references.allocate_numbers)."""

    name = models.CharField(max_length=20, unique=True)
    last_number = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.name}: {self.last_number}"


class Message(models.Model):
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="messages", db_index=False
    )  # indexed by message_ticket_id (ticket, id)
    kind = models.CharField(max_length=10, choices=MessageKind.choices)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    author_contact = models.ForeignKey(
        Contact, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    author_technician = models.ForeignKey(
        Technician, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    body_text = models.TextField()
    # Already sanitized when stored: nothing renders raw customer HTML.
    body_html = models.TextField(blank=True)
    # What the channel knows of where the message came from, for the technicians: for mail,
    # whether the sender was verified; for a fax, the caller's number. Set by the channel.
    origin = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["ticket", "id"], name="message_ticket_id")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.ticket_id}"


class Attachment(models.Model):
    """A file on a message. `blob` is empty when a policy removed the file: the name,
    size and hash are still recorded so the ticket shows what was sent."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    blob = models.ForeignKey(
        Blob, on_delete=models.PROTECT, null=True, blank=True, related_name="attachments"
    )
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100, default="application/octet-stream")
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    removed_reason = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return self.filename


class TicketEvent(models.Model):
    """The audit trail: one row per change, who made it and what it was."""

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="events", db_index=False
    )  # indexed by event_ticket_id (ticket, id)
    kind = models.CharField(max_length=30, choices=EventKind.choices)
    actor_technician = models.ForeignKey(
        Technician, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_name = models.CharField(max_length=200, help_text="Kept if the actor is later deleted.")
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["ticket", "id"], name="event_ticket_id")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.actor_name}"


class Deadline(models.Model):
    """One service-level clock of a ticket: when it started, when it is due, when the
    promise breaks, pauses while waiting on the customer, and how it ended."""

    class StopReason(models.TextChoices):
        MET = "met", "Met"
        CANCELLED = "cancelled", "No longer applies"

    # Indexed by deadline_ticket_id (ticket, id); a second index on ticket alone would only
    # cost every write.
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="deadlines", db_index=False
    )
    metric = models.CharField(max_length=20, choices=SlaTarget.Metric.choices)
    started_at = models.DateTimeField()
    target_at = models.DateTimeField()
    breach_at = models.DateTimeField()
    warn_at = models.DateTimeField()
    paused_at = models.DateTimeField(null=True, blank=True)
    paused_seconds = models.PositiveIntegerField(
        default=0, help_text="Working time spent waiting on the customer so far."
    )
    stopped_at = models.DateTimeField(null=True, blank=True)
    stop_reason = models.CharField(max_length=10, choices=StopReason.choices, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    escalated_to = models.ForeignKey(
        Technician, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        indexes = [
            models.Index(fields=["ticket", "id"], name="deadline_ticket_id"),
            # The catch-up sweep reads only running, unpaused, not yet escalated clocks.
            models.Index(
                fields=["breach_at"],
                condition=Q(
                    stopped_at__isnull=True, paused_at__isnull=True, breached_at__isnull=True
                ),
                name="deadline_breach_pending",
            ),
            models.Index(
                fields=["warn_at"],
                condition=Q(
                    stopped_at__isnull=True, paused_at__isnull=True, warned_at__isnull=True
                ),
                name="deadline_warning_pending",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.get_metric_display()} of {self.ticket_id} due {self.target_at:%Y-%m-%d %H:%M}"
        )

    @property
    def is_running(self) -> bool:
        return self.stopped_at is None and self.paused_at is None

    def state(self, at: datetime) -> str:
        """met, missed, cancelled, paused, breached, overdue, warning or running."""
        if self.stopped_at is not None:
            if self.stop_reason == self.StopReason.CANCELLED:
                return "cancelled"
            return "met" if self.stopped_at <= self.breach_at else "missed"
        if self.paused_at is not None:
            return "paused"
        if at >= self.breach_at:
            return "breached"
        if at >= self.target_at:
            return "overdue"  # the target is missed, the limit not yet
        if at >= self.warn_at:
            return "warning"
        return "running"


class AttachmentAgreement(models.Model):
    """A technician's prior agreement to receive larger files, as the seed allows ("unless
    the recipient agreed beforehand"): for one ticket, or for a whole customer, until it
    expires, up to a size."""

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    max_bytes = models.PositiveBigIntegerField()
    expires_at = models.DateTimeField()
    granted_by = models.ForeignKey(Technician, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(ticket__isnull=False)
                | Q(organization__isnull=False)
                | Q(contact__isnull=False),
                name="agreement_names_what_it_covers",
            )
        ]

    def __str__(self) -> str:
        return f"up to {self.max_bytes} bytes until {self.expires_at:%Y-%m-%d}"


class UploadLink(models.Model):
    """A link through which the customer sends us files that mail cannot carry, under an
    attachment agreement: valid while the agreement is in force, up to its size cap.

    Only the SHA-256 of the token is kept. The token itself appears once, in the message
    that carries the link to the customer; this table (its admin list, a copy of it) never
    holds a working link, and a link is found by an indexed equality on the digest, which
    leaks nothing through timing. Unlike a signed token, each link can be revoked on its
    own and its use counted, and it does not depend on SECRET_KEY (rotating the key does
    not break the links customers hold)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="upload_links")
    agreement = models.ForeignKey(
        AttachmentAgreement, on_delete=models.CASCADE, related_name="upload_links"
    )
    token_sha256 = models.CharField(max_length=64, unique=True, editable=False)
    issued_by = models.ForeignKey(
        Technician,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when the system issued it (an acknowledgement).",
    )
    created_at = models.DateTimeField()
    upload_count = models.PositiveIntegerField(default=0)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"upload link {self.pk} for ticket {self.ticket_id}"

    @property
    def max_bytes(self) -> int:
        return self.agreement.max_bytes

    @property
    def expires_at(self) -> datetime:
        return self.agreement.expires_at


class TimeEntry(models.Model):
    """Time a technician spent on a ticket or a call; for Direct Assistance it is taken from
    the subscription's prepaid credits."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="time_entries")
    technician = models.ForeignKey(Technician, on_delete=models.PROTECT, related_name="+")
    subscription = models.ForeignKey(
        Subscription, on_delete=models.SET_NULL, null=True, blank=True, related_name="time_entries"
    )
    minutes = models.PositiveIntegerField()
    call_reference = models.CharField(
        max_length=100, blank=True, help_text="The phone call this time was spent on, if any."
    )
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["subscription", "created_at"], name="time_subscription")]

    def __str__(self) -> str:
        return f"{self.minutes} min on {self.ticket_id}"


class TicketCounter(models.Model):
    """How many tickets a scope holds in each status, kept by the services, so that no
    page ever counts over the whole table. Scopes: "all", "team:<id>", "assignee:<id>"."""

    scope = models.CharField(max_length=40)
    status = models.CharField(max_length=10, choices=Status.choices)
    value = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "status"], name="one_counter_per_scope_status")
        ]

    def __str__(self) -> str:
        return f"{self.scope}/{self.status} = {self.value}"
