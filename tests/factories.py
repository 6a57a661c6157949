"""Factories with valid defaults. Tickets are made through the real service (make_ticket)."""

from __future__ import annotations

from typing import Any

import factory
from django.contrib.auth.models import User

from supportdesk.accounts.actors import SYSTEM
from supportdesk.accounts.models import Contact, ContactEmail, Organization, Team, Technician
from supportdesk.catalog.models import Product, ProductVersion
from supportdesk.core.models import BusinessCalendar
from supportdesk.plans.models import Plan, Subscription
from supportdesk.tickets.models import Ticket
from supportdesk.tickets.services import open_ticket


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("correct horse battery staple")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"product-{n}")
    name = factory.LazyAttribute(lambda p: p.code.upper())


class ProductVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductVersion

    product = factory.SubFactory(ProductFactory)
    name = factory.Sequence(lambda n: f"{2020 + n}")
    rank = factory.Sequence(lambda n: n + 1)


class CalendarFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BusinessCalendar
        django_get_or_create = ("name",)

    name = "Paris office"
    time_zone = "Europe/Paris"
    weekly_hours = factory.LazyFunction(
        lambda: {str(d): [["09:00", "12:00"], ["14:00", "18:00"]] for d in range(1, 6)}
    )
    holiday_country = "FR"


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Plan
        django_get_or_create = ("code",)

    code = "free"
    name = factory.LazyAttribute(lambda p: p.code.replace("-", " ").title())
    calendar = factory.SubFactory(CalendarFactory)
    requests_per_license = 15


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Organization {n}")
    customer_number = factory.Sequence(lambda n: f"C{100000 + n}")


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact
        skip_postgeneration_save = True

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Customer {n}")

    @factory.post_generation
    def email(self, create: bool, extracted: str | None, **kwargs: Any) -> None:
        if create:
            address = extracted or f"customer{self.pk}@example.org"
            ContactEmail.objects.create(contact=self, address=address, is_primary=True)


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Team {n}")
    slug = factory.Sequence(lambda n: f"team-{n}")
    languages = factory.LazyFunction(lambda: ["en"])


class TechnicianFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Technician
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    display_name = factory.Sequence(lambda n: f"Technician {n}")
    languages = factory.LazyFunction(lambda: ["en", "fr"])

    @factory.post_generation
    def teams(self, create: bool, extracted: list[Team] | None, **kwargs: Any) -> None:
        if create and extracted:
            self.teams.set(extracted)


class SubscriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subscription

    organization = factory.SubFactory(OrganizationFactory)
    plan = factory.SubFactory(
        PlanFactory, code="direct-assistance", is_paid=True, rank=10, has_designated_engineer=True
    )
    starts_on = factory.Faker("date_this_year", before_today=True, after_today=False)


def make_ticket(*, requester: Contact, **overrides: Any) -> Ticket:
    """A ticket opened through the real service, as the system (mail intake) would."""
    fields: dict[str, Any] = {
        "subject": "The report editor crashes on save",
        "body_text": "Steps: open the report, press Save. It crashes.",
        "channel": "email",
    }
    fields.update(overrides)
    return open_ticket(actor=fields.pop("actor", SYSTEM), requester=requester, **fields)
