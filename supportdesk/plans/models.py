"""Support plans (what a customer is entitled to) and subscriptions (who has which plan, when)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from supportdesk.accounts.models import Organization, Technician
from supportdesk.core.models import BusinessCalendar


class PlanNotice(models.TextChoices):
    """Why a request is served by another plan than the customer's subscription."""

    SUBSCRIPTION_EXPIRED = "subscription_expired", "Subscription expired: free support applies"
    CREDITS_EXHAUSTED = "credits_exhausted", "Prepaid time used up: free support applies"


class Plan(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100, unique=True)
    is_paid = models.BooleanField(default=False)
    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.PROTECT, related_name="plans")
    rank = models.PositiveSmallIntegerField(
        default=0, help_text="Higher ranks are served first when queues are sorted by plan."
    )
    requests_per_license = models.PositiveIntegerField(
        null=True, blank=True, help_text="Requests allowed per license; empty means no limit."
    )
    covers_only_version_on_sale = models.BooleanField(default=False)
    attachment_limit_bytes = models.PositiveBigIntegerField(
        default=9 * 1000 * 1000, help_text="Larger attachments are removed unless agreed."
    )
    has_designated_engineer = models.BooleanField(default=False)
    sales_contact = models.CharField(
        max_length=200,
        blank=True,
        help_text=(
            "How to subscribe (a phone number, an address): told to free-support customers "
            "whose request this plan would cover."
        ),
    )

    class Meta:
        ordering = ["-rank", "name"]

    def __str__(self) -> str:
        return self.name


class SlaTarget(models.Model):
    """One promise of a plan, e.g. "first response within 1 working day, at most 2".

    A target may apply to one priority only; the most specific matching target wins.
    """

    class Metric(models.TextChoices):
        FIRST_RESPONSE = "first_response", "First response"
        NEXT_RESPONSE = "next_response", "Next response after a customer reply"
        RESOLUTION = "resolution", "Resolution"

    class Unit(models.TextChoices):
        WORKING_HOURS = "working_hours", "Working hours"
        WORKING_DAYS = "working_days", "Working days"
        SAME_DAY = "same_day", "Same working day before the cut-off, else working hours"

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="sla_targets")
    metric = models.CharField(max_length=20, choices=Metric.choices)
    priority = models.CharField(max_length=10, blank=True, help_text="Empty: every priority.")
    unit = models.CharField(max_length=20, choices=Unit.choices)
    target = models.DecimalField(max_digits=6, decimal_places=2, help_text="In the unit.")
    limit = models.DecimalField(
        max_digits=6, decimal_places=2, null=True, blank=True, help_text="Breach after this."
    )
    same_day_cutoff = models.TimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "metric", "priority"], name="one_sla_target_per_metric"
            )
        ]

    def __str__(self) -> str:
        return f"{self.plan}: {self.get_metric_display()} {self.target} {self.get_unit_display()}"

    def clean(self) -> None:
        """Refuse promises the deadline arithmetic cannot keep, naming the field."""
        problems: dict[str, str] = {}
        amounts = {"target": self.target, "limit": self.limit}
        for field, amount in amounts.items():
            if amount is not None and amount <= 0:
                problems[field] = "must be more than zero"
            elif (
                amount is not None
                and self.unit == self.Unit.WORKING_DAYS
                and amount != amount.to_integral_value()
            ):
                problems[field] = "working days are counted whole"
        if self.limit is not None and self.target is not None and self.limit < self.target:
            problems["limit"] = "must not be shorter than the target"
        if self.unit == self.Unit.SAME_DAY and self.same_day_cutoff is None:
            problems["same_day_cutoff"] = "a same-day promise needs its cut-off time"
        if problems:
            raise ValidationError(problems)


class Subscription(models.Model):
    """An organization's plan for a term; Direct Assistance adds engineers and time credits."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="subscriptions"
    )
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="subscriptions")
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    designated_engineer = models.ForeignKey(
        Technician, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    backup_engineer = models.ForeignKey(
        Technician, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    dedicated_phone = models.CharField(max_length=32, blank=True)
    credit_minutes = models.PositiveIntegerField(default=0, help_text="Prepaid time bought.")
    credit_minutes_used = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "-starts_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="subscription_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization} — {self.plan}"
