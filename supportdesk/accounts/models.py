"""Customers (organizations, contacts, licenses) and staff (technicians, teams, skills)."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower

from supportdesk.catalog.models import Product, ProductVersion
from supportdesk.core.choices import Language
from supportdesk.core.models import BusinessCalendar


class Organization(models.Model):
    name = models.CharField(max_length=200)
    customer_number = models.CharField(max_length=40, unique=True)
    country = models.CharField(max_length=2, blank=True)
    language = models.CharField(max_length=2, choices=Language.choices, default=Language.ENGLISH)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


MAIL_DOMAIN = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9-]{2,}")


class OrganizationMailDomain(models.Model):
    """A mail domain of an organization: its senders are colleagues, whose replies are
    accepted on the organization's tickets (and who become its contacts when they write)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="mail_domains"
    )
    domain = models.CharField(max_length=253, help_text="e.g. acme.example, without @")

    class Meta:
        constraints = [
            # A domain belongs to one organization, matched without case.
            models.UniqueConstraint(Lower("domain"), name="unique_organization_mail_domain")
        ]

    def __str__(self) -> str:
        return self.domain

    def clean(self) -> None:
        self.domain = self.domain.strip().lower().removeprefix("@")
        if not MAIL_DOMAIN.fullmatch(self.domain):
            raise ValidationError({"domain": "expected a mail domain, like acme.example"})


class Contact(models.Model):
    """A person at a customer: sends requests, receives answers, may sign in to the portal."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="contacts", null=True, blank=True
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contact",
    )
    name = models.CharField(max_length=200)
    language = models.CharField(max_length=2, choices=Language.choices, default=Language.ENGLISH)
    sees_organization_tickets = models.BooleanField(
        default=False, help_text="May read every ticket of the organization, not only their own."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class ContactEmail(models.Model):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="emails")
    address = models.EmailField(max_length=254)
    is_primary = models.BooleanField(default=False)
    failing_since = models.DateTimeField(
        null=True, blank=True, help_text="Set when mail to this address bounces."
    )

    class Meta:
        constraints = [
            # Addresses are matched without case: one address belongs to one contact.
            models.UniqueConstraint(Lower("address"), name="unique_contact_email_address")
        ]

    def __str__(self) -> str:
        return self.address


class ContactPhone(models.Model):
    class Kind(models.TextChoices):
        WORK = "work", "Work"
        MOBILE = "mobile", "Mobile"
        FAX = "fax", "Fax"

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="phones")
    number = models.CharField(max_length=32, help_text="E.164, e.g. +33467031717")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.WORK)

    class Meta:
        indexes = [models.Index(fields=["number"])]

    def __str__(self) -> str:
        return self.number


class License(models.Model):
    """A registered product license, identified by its serial number."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="licenses"
    )
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="licenses")
    serial = models.CharField(max_length=64, unique=True)
    first_version = models.ForeignKey(
        ProductVersion, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    last_version = models.ForeignKey(
        ProductVersion, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    registered_at = models.DateTimeField(null=True, blank=True)
    requests_used = models.PositiveIntegerField(
        default=0, help_text="Free-support requests counted against this license."
    )

    def __str__(self) -> str:
        return f"{self.product} {self.serial}"


class Team(models.Model):
    """A queue of technicians, routed by product and language."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=50, unique=True)
    products = models.ManyToManyField(Product, blank=True, related_name="teams")
    languages = models.JSONField(default=list, blank=True, help_text='e.g. ["fr", "en"]')
    lead = models.ForeignKey(
        "Technician", on_delete=models.SET_NULL, null=True, blank=True, related_name="led_teams"
    )
    is_default = models.BooleanField(
        default=False, help_text="Receives what no other team's products and languages match."
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Technician(models.Model):
    class Role(models.TextChoices):
        TECHNICIAN = "technician", "Technician"
        SUPERVISOR = "supervisor", "Supervisor"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="technician"
    )
    display_name = models.CharField(max_length=100)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.TECHNICIAN)
    teams = models.ManyToManyField(Team, blank=True, related_name="members")
    languages = models.JSONField(default=list, blank=True, help_text='Spoken, e.g. ["fr", "en"]')
    time_zone = models.CharField(max_length=64, default="Europe/Paris")
    is_active = models.BooleanField(default=True)
    working_hours = models.ForeignKey(
        BusinessCalendar,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="When this technician works; empty means the service's hours.",
    )

    class Meta:
        ordering = ["display_name"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def is_supervisor(self) -> bool:
        return self.role == self.Role.SUPERVISOR


class Skill(models.Model):
    """What a technician knows well: a product, with a level used for routing."""

    class Level(models.IntegerChoices):
        BASIC = 1, "Basic"
        GOOD = 2, "Good"
        EXPERT = 3, "Expert"

    technician = models.ForeignKey(Technician, on_delete=models.CASCADE, related_name="skills")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="skills")
    level = models.PositiveSmallIntegerField(choices=Level.choices, default=Level.GOOD)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["technician", "product"], name="one_skill_per_product")
        ]

    def __str__(self) -> str:
        return f"{self.technician}: {self.product} ({self.get_level_display()})"


class Absence(models.Model):
    """Time a technician is away (holiday, sickness, training): routing skips them."""

    technician = models.ForeignKey(Technician, on_delete=models.CASCADE, related_name="absences")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [models.Index(fields=["technician", "ends_at"], name="absence_technician_end")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="absence_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.technician} away {self.starts_at:%Y-%m-%d} to {self.ends_at:%Y-%m-%d}"
