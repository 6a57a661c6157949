"""Personas shared by every test: two teams, a technician in each, a supervisor, and two
customers of different organizations."""

from __future__ import annotations

import os
from decimal import Decimal

import pytest
from django.core.management import call_command
from hypothesis import settings as hypothesis_settings

from supportdesk.accounts.models import Contact, License, Team, Technician
from supportdesk.catalog.matching import clear_catalog_cache
from supportdesk.catalog.models import Product
from supportdesk.plans.models import SlaTarget
from supportdesk.sla.policy import clear_caches
from supportdesk.tickets.models import Ticket
from tests.factories import (
    ContactFactory,
    PlanFactory,
    ProductFactory,
    ProductVersionFactory,
    TeamFactory,
    TechnicianFactory,
    make_ticket,
)

# Property tests explore new random examples on a developer's run; CI (HYPOTHESIS_PROFILE=ci,
# set by .ci/run) replays the same ones every time, so its verdict on a commit is repeatable.
# A failure found while exploring is kept as an @example next to its test.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
hypothesis_settings.register_profile("explore")
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "explore"))


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):  # type: ignore[no-untyped-def]
    # Files a test writes stay in its own directory, not in the checkout's var/: uploads,
    # and the .eml files of "file" delivery (tests whose worker sends acknowledgements).
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SUPPORTDESK = {**settings.SUPPORTDESK, "MAIL_OUTBOX_DIR": tmp_path / "outbox"}


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):  # type: ignore[no-untyped-def]
    # Every technician persona has a user with a password; the real hasher is built to be
    # slow, and would make up most of the suite's run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_sla_caches():  # type: ignore[no-untyped-def]
    # Plans, calendars and products are cached per process; row ids are reused between tests.
    clear_caches()
    clear_catalog_cache()
    yield
    clear_caches()
    clear_catalog_cache()


@pytest.fixture
def product(db: None) -> Product:
    return ProductFactory(code="windev", name="WINDEV")


@pytest.fixture
def free_plan(db: None):  # type: ignore[no-untyped-def]
    return PlanFactory(code="free")


@pytest.fixture
def catalog(product: Product, free_plan, customer: Contact) -> Product:  # type: ignore[no-untyped-def]
    """WINDEV 2025 and 2026 (on sale); free support answers within one working day; the
    customer's licence WD-2026-0001, the one tests/requests/documents.full_request names, is
    registered (its requests are entitled, so their urgency stands)."""
    SlaTarget.objects.create(
        plan=free_plan,
        metric=SlaTarget.Metric.FIRST_RESPONSE,
        unit=SlaTarget.Unit.WORKING_DAYS,
        target=Decimal(1),
        limit=Decimal(2),
    )
    ProductVersionFactory(product=product, name="2025", rank=25)
    ProductVersionFactory(product=product, name="2026", rank=26, on_sale=True)
    License.objects.create(
        organization=customer.organization, product=product, serial="WD-2026-0001"
    )
    return product


@pytest.fixture
def team(product: Product) -> Team:
    team = TeamFactory(name="WINDEV support", slug="windev", languages=["en", "fr"])
    team.products.add(product)
    return team


@pytest.fixture
def other_team(db: None) -> Team:
    return TeamFactory(name="WEBDEV support", slug="webdev", languages=["en"])


@pytest.fixture
def technician(team: Team) -> Technician:
    return TechnicianFactory(display_name="Alice Martin", teams=[team])


@pytest.fixture
def colleague(team: Team) -> Technician:
    """A second technician of the same team (the one a re-review goes to)."""
    return TechnicianFactory(display_name="Bruno Petit", teams=[team])


@pytest.fixture
def technician_of_another_team(other_team: Team) -> Technician:
    return TechnicianFactory(display_name="Chloé Durand", teams=[other_team])


@pytest.fixture
def supervisor(db: None) -> Technician:
    return TechnicianFactory(display_name="Sofia Garcia", role=Technician.Role.SUPERVISOR)


@pytest.fixture
def customer(free_plan) -> Contact:  # type: ignore[no-untyped-def]
    return ContactFactory(name="Dev Eloper", email="dev@customer.example")


@pytest.fixture
def customer_of_another_organization(free_plan) -> Contact:  # type: ignore[no-untyped-def]
    return ContactFactory(name="Other Person", email="other@elsewhere.example")


@pytest.fixture
def customer_colleague(customer: Contact) -> Contact:
    """Another contact of the customer's organization, allowed to read its tickets."""
    return ContactFactory(
        name="Col League",
        email="colleague@customer.example",
        organization=customer.organization,
        sees_organization_tickets=True,
    )


@pytest.fixture
def ticket(customer: Contact, team: Team, product: Product) -> Ticket:
    """An unassigned ticket of the customer, in `team`'s queue."""
    return make_ticket(requester=customer, team=team, product=product)


@pytest.fixture
def run_tasks(transactional_db: None):  # type: ignore[no-untyped-def]
    """Run every queued background task now, with the real database worker. The worker
    closes its database connection, so tests using it run outside a wrapping transaction."""

    def run() -> None:
        call_command("db_worker", "--batch", "--no-startup-delay", "--queue-name", "*", verbosity=0)

    return run
