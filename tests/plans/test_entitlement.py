"""The entitlement check at intake: each outcome, what it does to the ticket, the licence's
request counter (once per new request, never for a reply or a subscriber), the customer's
message in their language, and requests outside free support."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from supportdesk.accounts.models import Contact, License
from supportdesk.catalog.models import Product, ProductVersion
from supportdesk.plans.entitlement import (
    EntitlementStatus,
    direct_assistance_contact,
    licences_kept,
    out_of_scope_reason,
)
from supportdesk.plans.models import Plan
from supportdesk.tickets.choices import Priority
from supportdesk.tickets.entitlement import entitlement_facts
from supportdesk.tickets.models import Ticket
from supportdesk.tickets.services import reply_to_ticket
from tests.factories import (
    ContactFactory,
    PlanFactory,
    ProductVersionFactory,
    SubscriptionFactory,
    make_ticket,
)
from tests.markers import concurrent_writers


@pytest.fixture
def versions(product: Product) -> dict[str, ProductVersion]:
    return {
        "2025": ProductVersionFactory(product=product, name="2025", rank=25),
        "2026": ProductVersionFactory(product=product, name="2026", rank=26, on_sale=True),
    }


@pytest.fixture
def free_plan(db: None) -> Plan:
    return PlanFactory(code="free", requests_per_license=3, covers_only_version_on_sale=True)


@pytest.fixture
def licence(customer: Contact, product: Product) -> License:
    return License.objects.create(
        organization=customer.organization, product=product, serial="WD-1"
    )


def open_for(customer: Contact, product: Product | None, version=None, **extra) -> Ticket:  # type: ignore[no-untyped-def]
    return make_ticket(requester=customer, product=product, product_version=version, **extra)


def used(licence: License) -> int:
    licence.refresh_from_db()
    return licence.requests_used


# Each outcome


def test_a_registered_licence_on_the_version_on_sale_is_entitled_and_counted(
    customer, product, versions, licence
):
    ticket = open_for(customer, product, versions["2026"])

    assert ticket.entitlement == EntitlementStatus.ENTITLED
    assert ticket.license == licence
    assert used(licence) == 1
    assert ticket.priority == Priority.NORMAL
    assert "not-entitled" not in ticket.tags.values_list("name", flat=True)


def test_without_a_licence_of_the_product_the_request_is_opened_as_no_licence(
    customer, product, versions
):
    ticket = open_for(customer, product, versions["2026"])

    assert ticket.entitlement == EntitlementStatus.NO_LICENCE
    assert ticket.license is None
    # A prospect or an unregistered customer: answered like anyone else, just not counted.
    assert ticket.priority == Priority.NORMAL


def test_a_contact_without_organization_has_no_licence(free_plan, product):
    stranger = ContactFactory(organization=None)

    assert open_for(stranger, product).entitlement == EntitlementStatus.NO_LICENCE


def test_an_unknown_serial_is_reported_and_the_request_goes_after_the_others(
    customer, product, versions, licence
):
    ticket = open_for(customer, product, versions["2026"], serial="NOPE-42", priority="high")

    assert ticket.entitlement == EntitlementStatus.SERIAL_UNKNOWN
    assert ticket.priority == Priority.LOW
    assert "not-entitled" in ticket.tags.values_list("name", flat=True)
    assert used(licence) == 0


def test_another_organizations_serial_counts_as_unknown_and_is_not_charged(
    customer, customer_of_another_organization, product, versions
):
    theirs = License.objects.create(
        organization=customer_of_another_organization.organization,
        product=product,
        serial="THEIRS-1",
    )

    ticket = open_for(customer, product, versions["2026"], serial="THEIRS-1")

    assert ticket.entitlement == EntitlementStatus.SERIAL_UNKNOWN
    assert ticket.license is None
    assert used(theirs) == 0


def test_the_given_serial_picks_the_licence(customer, product, versions, licence):
    second = License.objects.create(
        organization=customer.organization, product=product, serial="WD-2"
    )

    ticket = open_for(customer, product, versions["2026"], serial="WD-2")

    assert ticket.license == second
    assert (used(second), used(licence)) == (1, 0)


def test_the_free_plan_does_not_cover_an_older_version(customer, product, versions, licence):
    ticket = open_for(customer, product, versions["2025"])

    assert ticket.entitlement == EntitlementStatus.VERSION_NOT_COVERED
    assert ticket.priority == Priority.LOW
    assert used(licence) == 0


def test_a_version_past_its_support_date_is_not_covered(customer, product, licence):
    old = ProductVersionFactory(
        product=product,
        name="2024",
        rank=24,
        on_sale=True,
        supported_until=timezone.localdate() - timedelta(days=1),
    )

    assert open_for(customer, product, old).entitlement == EntitlementStatus.VERSION_NOT_COVERED


def test_when_the_licence_requests_are_used_up_the_request_is_still_opened(
    customer, product, versions, licence
):
    outcomes = [open_for(customer, product, versions["2026"]).entitlement for _ in range(4)]

    assert outcomes == [EntitlementStatus.ENTITLED] * 3 + [EntitlementStatus.NO_REQUESTS_LEFT]
    assert used(licence) == 3
    assert Ticket.objects.count() == 4


def test_a_subscriber_is_on_a_paid_plan_and_never_counted(customer, product, versions, licence):
    SubscriptionFactory(
        organization=customer.organization,
        plan=PlanFactory(code="direct", is_paid=True, requests_per_license=None, rank=10),
        starts_on=timezone.localdate() - timedelta(days=1),
    )

    ticket = open_for(customer, product, versions["2025"])

    assert ticket.entitlement == EntitlementStatus.PAID_PLAN
    assert used(licence) == 0


def test_mail_without_a_product_uses_the_organizations_only_licence(
    customer, product, versions, licence
):
    ticket = open_for(customer, None)

    assert ticket.entitlement == EntitlementStatus.ENTITLED
    assert ticket.license == licence


def test_mail_without_a_product_is_not_checked_when_the_licences_are_of_several_products(
    customer, product, licence
):
    other = Product.objects.create(code="webdev", name="WEBDEV")
    License.objects.create(organization=customer.organization, product=other, serial="WB-1")

    ticket = open_for(customer, None)

    assert ticket.entitlement == EntitlementStatus.NOT_CHECKED
    assert used(licence) == 0


# The counter


def test_a_reply_takes_no_request_from_the_licence(customer, product, versions, licence):
    ticket = open_for(customer, product, versions["2026"])

    reply_to_ticket(actor=customer, ticket=ticket, body_text="More details: it is on save.")
    reply_to_ticket(actor=customer, ticket=ticket, body_text="And on export.")

    assert used(licence) == 1


def test_a_request_that_fails_to_open_takes_nothing(customer, product, versions, licence):
    with pytest.raises(Exception):  # noqa: B017 - any refusal; the point is the counter
        open_for(customer, product, versions["2026"], category="nonsense")

    assert used(licence) == 0


def test_the_count_is_an_update_of_the_column_not_of_a_value_read_before(
    customer, product, versions, licence
):
    # Another process takes a request between our read and our write.
    License.objects.filter(pk=licence.pk).update(requests_used=2)

    open_for(customer, product, versions["2026"])

    assert used(licence) == 3


@concurrent_writers
def test_requests_racing_for_the_licence_never_take_more_than_its_limit(
    customer, product, versions, licence
):
    def open_two() -> list[str]:
        try:
            return [open_for(customer, product, versions["2026"]).entitlement for _ in range(2)]
        finally:
            connection.close()

    with ThreadPoolExecutor(4) as pool:
        outcomes = [o for batch in pool.map(lambda _: open_two(), range(4)) for o in batch]

    assert used(licence) == 3
    assert outcomes.count(EntitlementStatus.ENTITLED) == 3
    assert outcomes.count(EntitlementStatus.NO_REQUESTS_LEFT) == 5


# What the customer reads


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "2 of its 3 requests remain"),
        ("es", "le quedan 2 de sus 3 solicitudes"),
        ("fr", "il vous reste 2 de ses 3 demandes"),
    ],
)
def test_the_customer_is_told_what_remains_in_their_language(
    customer, product, versions, licence, language, expected
):
    ticket = open_for(customer, product, versions["2026"], language=language)

    facts = entitlement_facts(ticket)
    assert expected in facts["message"]
    assert "WD-1" in facts["message"]
    assert facts["requests_left"] == 2


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Free support covers the version on sale (2026)"),
        ("es", "El soporte gratuito cubre la versión a la venta (2026)"),
        ("fr", "Le support gratuit couvre la version en vente (2026)"),
    ],
)
def test_an_old_version_is_explained_with_the_version_on_sale(
    customer, product, versions, licence, language, expected
):
    ticket = open_for(customer, product, versions["2025"], language=language)

    assert expected in entitlement_facts(ticket)["message"]


def test_used_up_requests_point_to_direct_assistance_and_how_to_subscribe(
    customer, product, versions, licence
):
    PlanFactory(code="direct", is_paid=True, sales_contact="+33 4 67 03 16 16", rank=10)
    License.objects.filter(pk=licence.pk).update(requests_used=3)

    message = entitlement_facts(open_for(customer, product, versions["2026"]))["message"]

    assert "The 3 free support requests of your licence WD-1 are used up" in message
    assert "Direct Assistance" in message
    assert "+33 4 67 03 16 16" in message


def test_a_batch_reads_the_sales_contact_once_and_a_new_batch_reads_it_again(db):
    plan = PlanFactory(code="direct", is_paid=True, sales_contact="+33 4 67 03 16 16", rank=10)

    with licences_kept():
        with CaptureQueriesContext(connection) as first:
            assert direct_assistance_contact() == "+33 4 67 03 16 16"
        Plan.objects.filter(pk=plan.pk).update(sales_contact="sales@example.com")
        with CaptureQueriesContext(connection) as second:
            assert direct_assistance_contact() == "+33 4 67 03 16 16"
    with licences_kept():
        assert direct_assistance_contact() == "sales@example.com"

    assert (len(first), len(second)) == (1, 0)
    assert direct_assistance_contact() == "sales@example.com"


def test_a_subscriber_is_told_nothing_about_entitlement(customer, product, licence):
    SubscriptionFactory(
        organization=customer.organization,
        plan=PlanFactory(code="direct", is_paid=True, rank=10),
        starts_on=timezone.localdate() - timedelta(days=1),
    )

    facts = entitlement_facts(open_for(customer, product))

    assert facts == {
        "status": "paid_plan",
        "message": "",
        "requests_left": None,
        "out_of_scope": None,
    }


# Out of scope


@pytest.mark.parametrize(
    "text",
    [
        "Could you debug my code? The loop never ends.",
        "Please write me a function that parses our invoices",
        "¿Pueden revisar mi código? No compila.",
        "Pourriez-vous déboguer mon code ?",
        "PLEASE FIX OUR OWN MACRO",
        "Pouvez-vous ÉCRIRE NOTRE fonction ?",
        "¿Pueden ESCRIBIR MI PROPIO PROCEDIMIENTO?",
        "could you optimise my algorithm",
        "Code me a program that exports the orders",
    ],
)
def test_asking_us_to_debug_or_write_the_customers_code_is_out_of_scope(text, settings):
    assert out_of_scope_reason(category="question", text=text) == "own_code"


@pytest.mark.parametrize(
    "text",
    [
        "The debugger crashes when I debug my project on Windows 11",
        "Error 70012 when saving the report",
        "My code calls HReadSeek and gets error 12",
    ],
)
def test_an_ordinary_bug_report_is_in_scope(text):
    assert out_of_scope_reason(category="bug", text=text) == ""


def test_an_operator_may_list_categories_outside_free_support(settings):
    settings.SUPPORTDESK = {**settings.SUPPORTDESK, "OUT_OF_SCOPE_CATEGORIES": ["performance"]}

    assert out_of_scope_reason(category="performance", text="slow queries") == "category"
    assert out_of_scope_reason(category="bug", text="slow queries") == ""


def test_an_out_of_scope_request_is_opened_tagged_and_pointed_to_direct_assistance(
    customer, product, versions, licence
):
    PlanFactory(code="direct", is_paid=True, sales_contact="sales@example.com", rank=10)

    ticket = open_for(
        customer,
        product,
        versions["2026"],
        subject="Please debug my code",
        body_text="Here are 400 lines of my application: it does not do what I want.",
        language="fr",
    )

    assert ticket.out_of_scope == "own_code"
    assert "out-of-scope" in ticket.tags.values_list("name", flat=True)
    message = entitlement_facts(ticket)["message"]
    assert "service de l'Assistance Directe" in message
    assert "sales@example.com" in message


def test_a_subscriber_asking_for_code_help_is_in_scope(customer, product, licence):
    SubscriptionFactory(
        organization=customer.organization,
        plan=PlanFactory(code="direct", is_paid=True, rank=10),
        starts_on=timezone.localdate() - timedelta(days=1),
    )

    ticket = open_for(customer, product, subject="Please review my code")

    assert ticket.out_of_scope == ""


def test_a_standard_request_opened_by_another_channel_is_checked_against_its_serial(
    customer, product, versions, licence
):
    # The standardized mail may open the ticket with the document only.
    second = License.objects.create(
        organization=customer.organization, product=product, serial="WD-2"
    )
    document = {"format": "supportdesk-request", "customer": {"serial": "WD-2"}}

    ticket = open_for(customer, product, versions["2026"], details=document)

    assert ticket.license == second
    assert ticket.error_signature == ""  # the document has no error text


def test_a_listed_category_is_explained_as_such_in_spanish(settings, customer, product, licence):
    settings.SUPPORTDESK = {**settings.SUPPORTDESK, "OUT_OF_SCOPE_CATEGORIES": ["suggestion"]}

    ticket = open_for(customer, product, category="suggestion", language="es")

    assert ticket.out_of_scope == "category"
    message = entitlement_facts(ticket)["message"]
    assert "Las solicitudes de este tipo no forman parte del soporte gratuito" in message
    assert "código" not in message
