"""The entitlement outcome in the answer to POST /api/v1/requests, and the deflection
endpoint GET /api/v1/similar: only what the caller may see."""

from __future__ import annotations

import pytest
from django.test import Client

from supportdesk.accounts.models import Contact, License
from supportdesk.catalog.models import Product
from supportdesk.plans.models import Plan
from supportdesk.requests.tokens import issue_api_token
from supportdesk.tickets.choices import Priority, Status
from supportdesk.tickets.models import Ticket
from supportdesk.tickets.services import publish_answer, reply_to_ticket
from tests.factories import ContactFactory, ProductVersionFactory, make_ticket
from tests.requests.documents import full_request
from tests.tickets.helpers import force_status, reload

ERROR = "Error 70012: footer block not found"


@pytest.fixture
def catalog(product: Product, free_plan: Plan) -> Product:
    # As the seed's free support: the version on sale only, 15 requests a licence.
    Plan.objects.filter(pk=free_plan.pk).update(
        covers_only_version_on_sale=True, requests_per_license=15
    )
    ProductVersionFactory(product=product, name="2025", rank=25)
    ProductVersionFactory(product=product, name="2026", rank=26, on_sale=True)
    return product


@pytest.fixture
def licence(customer: Contact, catalog: Product) -> License:
    return License.objects.create(
        organization=customer.organization, product=catalog, serial="WD-2026-0001"
    )


def api(contact: Contact, language: str = "en") -> Client:
    token = issue_api_token(contact=contact, name="laptop", created_by="test").secret
    return Client(headers={"Authorization": f"Bearer {token}", "Accept-Language": language})


def send(client: Client, **overrides):  # type: ignore[no-untyped-def]
    document = full_request(**overrides)
    return client.post("/api/v1/requests", document, content_type="application/json")


# POST /api/v1/requests tells the outcome


def test_an_entitled_request_says_how_many_requests_remain(customer, licence):
    response = send(api(customer))

    assert response.status_code == 201, response.content
    assert response.json()["entitlement"] == {
        "status": "entitled",
        "message": (
            "This request is covered by free support for your licence WD-2026-0001: "
            "14 of its 15 requests remain."
        ),
        "requests_left": 14,
        "out_of_scope": None,
    }
    licence.refresh_from_db()
    assert licence.requests_used == 1


def test_an_old_version_is_opened_and_explained_in_spanish(customer, licence):
    response = send(api(customer, "es"), product={"code": "windev", "version": "2025"})

    assert response.status_code == 201
    entitlement = response.json()["entitlement"]
    assert entitlement["status"] == "version_not_covered"
    assert "la versión a la venta (2026)" in entitlement["message"]
    assert Ticket.objects.get().priority == Priority.LOW


def test_a_used_up_licence_is_told_in_french_and_still_opened(customer, licence):
    License.objects.filter(pk=licence.pk).update(requests_used=15)

    response = send(api(customer, "fr"))

    assert response.status_code == 201
    entitlement = response.json()["entitlement"]
    assert entitlement["status"] == "no_requests_left"
    assert entitlement["requests_left"] == 0
    assert "sont épuisées" in entitlement["message"]
    licence.refresh_from_db()
    assert licence.requests_used == 15


def test_a_follow_up_takes_no_request(customer, licence):
    first = send(api(customer)).json()

    response = send(api(customer), related_ticket=first["reference"])

    assert response.status_code == 201
    assert response.json()["follow_up"] is True
    assert response.json()["entitlement"] is None
    licence.refresh_from_db()
    assert licence.requests_used == 1


def test_the_error_text_gives_the_ticket_its_signature(customer, licence):
    send(api(customer), error_text="Error 70012 at line 12: footer block not found")
    send(api(customer), error_text="Error 70012 at line 977: footer block not found")

    signatures = set(Ticket.objects.values_list("error_signature", flat=True))
    assert len(signatures) == 1
    assert signatures != {""}


# GET /api/v1/similar


def solved_ticket(requester: Contact, product: Product, subject: str, answer: str) -> Ticket:
    ticket = make_ticket(requester=requester, product=product, subject=subject, error_text=ERROR)
    reply_to_ticket(actor=_technician(), ticket=ticket, body_text=answer)
    return force_status(ticket, Status.SOLVED)


def _technician():  # type: ignore[no-untyped-def]
    from tests.factories import TechnicianFactory

    return TechnicianFactory()


def similar(client: Client, **params: str):  # type: ignore[no-untyped-def]
    return client.get("/api/v1/similar", params)


def test_the_customer_sees_their_own_solved_ticket_with_its_answer(customer, catalog):
    mine = solved_ticket(customer, catalog, "Footer lost on save", "Rebuild the footer block.")

    response = similar(
        api(customer), error_text="Error 70012: footer block not found", product="windev"
    )

    assert response.status_code == 200, response.content
    assert response.json() == {
        "similar": [
            {
                "title": "Footer lost on save",
                "url": f"http://testserver/api/v1/tickets/{mine.reference}".replace(
                    "http://testserver", _site()
                ),
                "excerpt": "Rebuild the footer block.",
                "reference": mine.reference,
            }
        ]
    }


def _site() -> str:
    from django.conf import settings

    return settings.SITE_URL


def test_another_organizations_private_ticket_is_never_shown(
    customer, customer_of_another_organization, catalog
):
    solved_ticket(
        customer_of_another_organization,
        catalog,
        "Footer lost on save at ACME",
        "ACME's private answer",
    )

    by_error = similar(api(customer), error_text=ERROR, product="windev").json()
    by_words = similar(api(customer), subject="Footer lost on save", product="windev").json()

    assert by_error == {"similar": []}
    assert by_words == {"similar": []}


def test_a_colleague_sees_the_organizations_tickets_only_when_allowed(customer, catalog):
    solved_ticket(customer, catalog, "Footer lost on save", "Rebuild it.")
    allowed = ContactFactory(organization=customer.organization, sees_organization_tickets=True)
    not_allowed = ContactFactory(organization=customer.organization)

    assert len(similar(api(allowed), error_text=ERROR, product="windev").json()["similar"]) == 1
    assert similar(api(not_allowed), error_text=ERROR, product="windev").json() == {"similar": []}


def test_a_published_answer_is_shown_to_everyone_without_the_ticket(
    customer, customer_of_another_organization, catalog
):
    theirs = solved_ticket(
        customer_of_another_organization, catalog, "ACME footer", "ACME's private answer"
    )
    publish_answer(
        actor=_technician(),
        ticket=reload(theirs),
        title="Footer block not found after saving",
        answer_text="Update to 2026 Update 2, then rebuild the footer block.",
    )

    found = similar(api(customer), error_text=ERROR, product="windev").json()["similar"]

    assert len(found) == 1
    assert found[0]["title"] == "Footer block not found after saving"
    assert found[0]["reference"] is None
    assert "ACME" not in str(found)
    answer = api(customer).get(found[0]["url"].replace(_site(), ""))
    assert answer.status_code == 200
    assert answer.json()["answer"] == "Update to 2026 Update 2, then rebuild the footer block."


def test_a_published_answer_is_also_found_by_the_words_of_its_title(customer, catalog):
    other = ContactFactory()
    ticket = solved_ticket(other, catalog, "x", "private")
    publish_answer(
        actor=_technician(), ticket=reload(ticket), title="Footer disappears", answer_text="Do Y."
    )

    found = similar(api(customer), subject="My footer disappears", product="windev").json()

    assert [item["title"] for item in found["similar"]] == ["Footer disappears"]


def test_nothing_to_search_or_an_unknown_product_is_a_clear_error(customer, catalog):
    empty = similar(api(customer, "fr"))
    unknown = similar(api(customer), subject="x", product="nope")

    assert empty.status_code == 400
    assert empty.json()["message"] == "indiquez un objet ou un texte d'erreur"
    assert unknown.status_code == 400
    assert unknown.json()["error"] == "unknown_product"


def test_without_a_token_nothing_is_answered(catalog):
    assert Client().get("/api/v1/similar", {"subject": "footer"}).status_code == 401


def test_the_lookup_is_a_few_bounded_queries(customer, catalog, django_assert_max_num_queries):
    for n in range(20):
        solved_ticket(customer, catalog, f"Footer lost {n}", f"Answer {n}")
    client = api(customer)

    # Token, contact, product; then at most 5 lookups and the excerpts.
    with django_assert_max_num_queries(10):
        response = similar(client, subject="Footer lost", error_text=ERROR, product="windev")
    assert len(response.json()["similar"]) == 5
