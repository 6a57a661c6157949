"""Loading the demo's customers: organizations, contacts, licences and subscriptions,
each found by its natural key (customer number, e-mail address, serial, organization and
plan) before anything is created."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.contrib.auth.models import User

from supportdesk.accounts.models import Contact, ContactEmail, ContactPhone, License, Organization
from supportdesk.demo.organizations import (
    FAX,
    ORGANIZATIONS,
    PORTAL_CONTACT_EMAIL,
    PORTAL_ORGANIZATION,
    WORK,
    ContactSpec,
    OrganizationSpec,
    SubscriptionSpec,
    organization_spec,
)
from supportdesk.demo.reference import DIRECT_ASSISTANCE_PLAN, Reference
from supportdesk.plans.models import Subscription

__all__ = ["FAX", "Customer", "ensure_customers", "ensure_portal_contact"]


@dataclass
class Customer:
    """A demo contact with what the ticket planner needs to know about them."""

    contact: Contact
    organization: Organization
    spec: ContactSpec
    org_spec: OrganizationSpec
    licences: dict[str, License] = field(default_factory=dict)
    has_direct_assistance: bool = False

    @property
    def language(self) -> str:
        return self.contact.language

    @property
    def first_name(self) -> str:
        return self.spec.name.split()[0]

    def phone(self, kind: str = WORK) -> str:
        return next((number for number, k in self.spec.phones if k == kind), "")


def ensure_organization(spec: OrganizationSpec) -> tuple[Organization, list[Contact]]:
    organization, _ = Organization.objects.get_or_create(
        customer_number=spec.number,
        defaults={"name": spec.name, "country": spec.country, "language": spec.language},
    )
    return organization, [ensure_contact(organization, c, spec) for c in spec.contacts]


def ensure_contact(
    organization: Organization, spec: ContactSpec, org_spec: OrganizationSpec
) -> Contact:
    """Contacts have no natural key of their own: their primary address is one (addresses
    are unique without case)."""
    primary = spec.emails[0]
    known = ContactEmail.objects.filter(address__iexact=primary).select_related("contact").first()
    if known is not None:
        contact = known.contact
    else:
        contact = Contact.objects.create(
            organization=organization,
            name=spec.name,
            language=spec.language or org_spec.language,
            sees_organization_tickets=spec.sees_organization_tickets,
        )
    for position, address in enumerate(spec.emails):
        if not ContactEmail.objects.filter(address__iexact=address).exists():
            ContactEmail.objects.create(contact=contact, address=address, is_primary=position == 0)
    numbers = set(contact.phones.values_list("number", flat=True))
    for number, kind in spec.phones:
        if number not in numbers:
            ContactPhone.objects.create(contact=contact, number=number, kind=kind)
    return contact


def serial_for(prefix: str, last_version: str, organization_number: str) -> str:
    """e.g. WD26-200101-47: product, version, customer, and two check digits."""
    digits = organization_number[1:]
    check = sum((position + 1) * int(d) for position, d in enumerate(digits + last_version)) % 97
    return f"{prefix}{last_version[-2:]}-{digits}-{check:02d}"


def ensure_licences(
    organization: Organization, spec: OrganizationSpec, reference: Reference
) -> dict[str, License]:
    licences: dict[str, License] = {}
    for code, first, last in spec.licences:
        versions = {v.name: v for v in reference.versions[code]}
        first_version = versions[first]
        serial = serial_for(reference.serial_prefixes[code], last, spec.number)
        released = first_version.released_on or date(2024, 1, 1)
        licence, _ = License.objects.get_or_create(
            serial=serial,
            defaults={
                "organization": organization,
                "product": reference.products[code],
                "first_version": first_version,
                "last_version": versions[last],
                "registered_at": datetime.combine(
                    released + timedelta(days=21), time(10, 0), tzinfo=UTC
                ),
            },
        )
        licences[code] = licence
    return licences


def ensure_subscription(
    organization: Organization, spec: SubscriptionSpec, reference: Reference, today: date
) -> Subscription:
    """Keyed by organization and plan: the dates count from the first load, so loading again
    on another day finds the same subscription."""
    starts_on = today - timedelta(days=spec.started_days_ago)
    ends_on = starts_on + timedelta(days=364)
    if spec.expired:
        ends_on = today - timedelta(days=spec.started_days_ago - 365)
    subscription, _ = Subscription.objects.get_or_create(
        organization=organization,
        plan=reference.plans[DIRECT_ASSISTANCE_PLAN],
        defaults={
            "starts_on": starts_on,
            "ends_on": ends_on,
            "designated_engineer": reference.technicians[spec.designated],
            "backup_engineer": reference.technicians[spec.backup],
            "dedicated_phone": spec.dedicated_phone,
            "credit_minutes": spec.credit_minutes,
            "credit_minutes_used": spec.credit_minutes_used,
        },
    )
    return subscription


def ensure_customers(reference: Reference, *, today: date) -> list[Customer]:
    customers: list[Customer] = []
    for org_spec in ORGANIZATIONS:
        organization, contacts = ensure_organization(org_spec)
        licences = ensure_licences(organization, org_spec, reference)
        has_direct_assistance = False
        if org_spec.subscription is not None:
            subscription = ensure_subscription(
                organization, org_spec.subscription, reference, today
            )
            has_direct_assistance = subscription.starts_on <= today and (
                subscription.ends_on is None or subscription.ends_on >= today
            )
        for contact, contact_spec in zip(contacts, org_spec.contacts, strict=True):
            customers.append(
                Customer(
                    contact=contact,
                    organization=organization,
                    spec=contact_spec,
                    org_spec=org_spec,
                    licences=licences,
                    has_direct_assistance=has_direct_assistance,
                )
            )
    return customers


def ensure_portal_contact(user: User) -> Contact:
    """The contact behind the demo's customer account (created with its organization if the
    demo has not been loaded yet)."""
    org_spec = organization_spec(PORTAL_ORGANIZATION)
    _organization, contacts = ensure_organization(org_spec)
    contact = next(
        c
        for c, spec in zip(contacts, org_spec.contacts, strict=True)
        if spec.emails[0] == PORTAL_CONTACT_EMAIL
    )
    if contact.user_id != user.pk:
        contact.user = user
        contact.save(update_fields=["user"])
    return contact
