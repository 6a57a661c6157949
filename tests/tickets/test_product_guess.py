"""The product of a free-form request: from what the customer wrote, else from the one
product their organization is licensed for."""

from __future__ import annotations

import pytest

from supportdesk.accounts.models import Contact, License
from supportdesk.catalog.models import Product
from supportdesk.tickets.product_guess import guess_product
from tests.factories import ContactFactory, ProductFactory, ProductVersionFactory


@pytest.fixture
def windev(db: None) -> Product:
    product = ProductFactory(code="windev", name="WINDEV", aliases=["WD"])
    ProductVersionFactory(product=product, name="2026", rank=2026)
    return product


@pytest.fixture
def webdev(db: None) -> Product:
    return ProductFactory(code="webdev", name="WEBDEV", aliases=["WB"])


def licensed(contact: Contact, *products: Product) -> None:
    for number, product in enumerate(products):
        License.objects.create(
            organization=contact.organization, product=product, serial=f"{product.code}-{number}"
        )


def test_the_product_written_in_the_mail_is_guessed_with_its_version(customer, windev, webdev):
    licensed(customer, webdev)  # what the customer wrote wins over the licence

    guess = guess_product(subject="WD 2026 crash", text="It crashes.", requester=customer)

    assert (guess.product, guess.version.name if guess.version else None) == (windev, "2026")
    assert guess.as_details() == {
        "product_guess": {
            "from": "subject",
            "matched": "WD 2026",
            "product": "windev",
            "version": "2026",
        }
    }


def test_without_a_product_in_the_mail_the_sole_licensed_product_is_guessed(
    customer, windev, webdev
):
    licensed(customer, webdev, webdev)  # two licences of one product

    guess = guess_product(subject="Publishing fails", text="Error 500.", requester=customer)

    assert guess.product == webdev
    assert guess.version is None
    assert guess.as_details()["product_guess"]["from"] == "licence"


def test_licences_for_two_products_guess_nothing(customer, windev, webdev):
    licensed(customer, windev, webdev)

    guess = guess_product(subject="Publishing fails", text="", requester=customer)

    assert guess.product is None
    assert guess.as_details() == {}


def test_a_licence_for_an_inactive_product_does_not_count(customer, windev, webdev):
    webdev.is_active = False
    webdev.save()
    licensed(customer, windev, webdev)

    assert guess_product(subject="Help", text="", requester=customer).product == windev


def test_the_licence_settles_a_tie_only_between_the_products_named(customer, windev, webdev):
    mobile = ProductFactory(code="windev-mobile", name="WINDEV Mobile", aliases=["WM"])
    tie = {"subject": "WINDEV or WEBDEV?", "text": ""}

    licensed(customer, webdev)
    assert guess_product(requester=customer, **tie).product == webdev

    License.objects.all().delete()
    licensed(customer, mobile)
    assert guess_product(requester=customer, **tie).product is None


def test_a_contact_without_an_organization_gets_no_licence_guess(windev):
    loner = ContactFactory(organization=None)

    assert guess_product(subject="Help", text="", requester=loner).product is None
