"""Free-form mail names no product field: its product is guessed from what it says (or from
the sender's licences) so it reaches the product's team, with no human in between, as in
the demo: French product teams, and an international team that is also the default one."""

from __future__ import annotations

from collections.abc import Callable
from email.message import EmailMessage
from email.utils import make_msgid

import pytest

from supportdesk.accounts.models import Contact, License, Team
from supportdesk.catalog.models import Product
from supportdesk.channels.email.models import InboundMail
from supportdesk.tickets.models import Ticket
from supportdesk.tickets.services import route_new_ticket
from tests.factories import ContactFactory, ProductFactory, ProductVersionFactory, TeamFactory

Deliver = Callable[..., tuple[str, InboundMail]]


@pytest.fixture
def products(db: None) -> dict[str, Product]:
    products = {
        "windev": ProductFactory(code="windev", name="WINDEV", aliases=["WD"]),
        "webdev": ProductFactory(code="webdev", name="WEBDEV", aliases=["WB"]),
        "windev-mobile": ProductFactory(
            code="windev-mobile", name="WINDEV Mobile", aliases=["WM", "WDM"]
        ),
    }
    for product in products.values():
        ProductVersionFactory(product=product, name="2026", rank=2026)
    return products


@pytest.fixture
def teams(products: dict[str, Product], free_plan: object) -> dict[str, Team]:
    teams = {}
    # Sorted by name, WEBDEV comes first among the French teams: where a product-less
    # French mail used to land.
    for slug, name, codes, languages, is_default in [
        ("windev-fr", "WINDEV — français", ["windev"], ["fr"], False),
        ("webdev", "WEBDEV", ["webdev"], ["fr"], False),
        ("windev-mobile", "WINDEV Mobile", ["windev-mobile"], ["fr"], False),
        ("international", "International (EN/ES)", list(products), ["en", "es"], True),
    ]:
        team = TeamFactory(slug=slug, name=name, languages=languages, is_default=is_default)
        team.products.set([products[code] for code in codes])
        teams[slug] = team
    return teams


def mail(subject: str, body: str, *, sender: str = "paul@client.example") -> bytes:
    message = EmailMessage()
    message["From"] = f"Paul <{sender}>"
    message["To"] = "support@example.com"
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="client.example")
    message.set_content(body)
    return message.as_bytes()


def routed(deliver: Deliver, raw: bytes) -> Ticket:
    outcome, _mail = deliver(raw)
    assert outcome.startswith("opened "), outcome
    ticket = Ticket.objects.get()
    route_new_ticket(ticket_id=ticket.pk)
    ticket.refresh_from_db()
    return ticket


FRENCH = (
    "Bonjour,\n\nLe générateur d'états plante quand je clique sur Enregistrer. "
    "Merci pour votre aide.\n"
)


def test_a_french_windev_mail_reaches_the_windev_team(deliver, teams):
    ticket = routed(deliver, mail("Plantage de WINDEV 2026 à l'enregistrement", FRENCH))

    assert ticket.language == "fr"
    assert ticket.product.code == "windev"
    assert ticket.product_version.name == "2026"
    assert ticket.team == teams["windev-fr"]
    # The technician sees why: where the product was read, and as what.
    assert ticket.details["product_guess"] == {
        "from": "subject",
        "matched": "WINDEV 2026",
        "product": "windev",
        "version": "2026",
    }


def test_a_windev_mobile_mail_is_not_taken_for_windev(deliver, teams):
    ticket = routed(deliver, mail("Problème avec WINDEV Mobile 2026", FRENCH))

    assert ticket.team == teams["windev-mobile"]


def test_a_spanish_mail_naming_webdev_in_its_body_goes_to_the_team_serving_it_in_spanish(
    deliver, teams
):
    body = "Hola, tengo un error en WEBDEV cuando publico el sitio. Gracias por su ayuda.\n"
    ticket = routed(deliver, mail("Consulta", body))

    assert (ticket.language, ticket.product.code) == ("es", "webdev")
    assert ticket.team == teams["international"]


def test_a_mail_naming_no_product_goes_to_the_default_team(deliver, teams):
    ticket = routed(deliver, mail("Question sur les états", FRENCH))

    assert ticket.product is None
    assert ticket.details == {}
    assert ticket.team == teams["international"]  # not WEBDEV, first French team by name


def test_a_product_named_only_in_the_quoted_history_is_not_guessed(deliver, teams):
    body = (
        "Merci, mais cela ne marche toujours pas pour nous.\n\n"
        "Le 24/11/2026 à 10:12, Support a écrit :\n"
        "> Quelle version de WEBDEV utilisez-vous ?\n"
    )
    ticket = routed(deliver, mail("RE: votre demande", body))

    assert ticket.product is None
    assert ticket.team == teams["international"]


def test_two_products_named_equally_are_not_guessed(deliver, teams):
    ticket = routed(deliver, mail("WINDEV ou WEBDEV ?", FRENCH))

    assert ticket.product is None
    assert ticket.team == teams["international"]


def test_a_known_customer_licensed_for_one_product_reaches_its_team(deliver, teams, products):
    customer: Contact = ContactFactory(email="paul@client.example", language="fr")
    License.objects.create(
        organization=customer.organization, product=products["webdev"], serial="WB-1"
    )

    ticket = routed(deliver, mail("Question sur les états", FRENCH))

    assert ticket.product == products["webdev"]
    assert ticket.details["product_guess"]["from"] == "licence"
    assert ticket.team == teams["webdev"]
