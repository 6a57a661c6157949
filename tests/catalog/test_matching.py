"""Which product a free-form mail is about, from its subject and body, as customers write
them in English, Spanish and French."""

from __future__ import annotations

import pytest

from supportdesk.catalog.matching import (
    BODY,
    SUBJECT,
    Catalog,
    build_catalog,
    match_product,
    product_catalog,
)
from supportdesk.catalog.models import Product
from tests.factories import ProductFactory, ProductVersionFactory


@pytest.fixture
def catalog(db: None) -> Catalog:
    """The demo's three products, with their aliases and versions."""
    products = [
        ProductFactory(code="windev", name="WINDEV", aliases=["WD", "Win Dev"]),
        ProductFactory(code="webdev", name="WEBDEV", aliases=["WB", "Web Dev"]),
        ProductFactory(
            code="windev-mobile", name="WINDEV Mobile", aliases=["WM", "WDM", "WD Mobile"]
        ),
    ]
    for product in products:
        for rank, name in enumerate(["2024", "2025", "2026"], start=1):
            ProductVersionFactory(product=product, name=name, rank=rank)
    return build_catalog(Product.objects.prefetch_related("versions"))


def guess(catalog: Catalog, subject: str, body: str = "") -> tuple[str, str | None, str, str]:
    """(product code, version name, where, matched), or fails when nothing is matched."""
    match = match_product(subject=subject, body=body, catalog=catalog).match
    assert match is not None, f"no product in {subject!r} / {body!r}"
    version = match.version.name if match.version else None
    return match.product.code, version, match.where, match.matched


def nothing_in(catalog: Catalog, subject: str, body: str = "") -> bool:
    return match_product(subject=subject, body=body, catalog=catalog).match is None


@pytest.mark.parametrize(
    ("subject", "body", "expected"),
    [
        # French: the longer name wins over the name it starts with.
        (
            "Problème avec WINDEV Mobile 2026",
            "Bonjour, l'application plante.",
            ("windev-mobile", "2026", SUBJECT, "WINDEV Mobile 2026"),
        ),
        # Spanish, in the body, without a version.
        (
            "Consulta",
            "Hola, tengo un error en WEBDEV al publicar el sitio.",
            ("webdev", None, BODY, "WEBDEV"),
        ),
        # English, an abbreviation with a version.
        ("WD 2026 crash", "", ("windev", "2026", SUBJECT, "WD 2026")),
        ("windev 2026: report editor", "", ("windev", "2026", SUBJECT, "windev 2026")),
        # Glued to its version, a version no longer in the catalog: the product alone.
        ("Crash in WD28 since this morning", "", ("windev", None, SUBJECT, "WD28")),
        # Not 2026: the seed numbered its versions 25, 26, 27, 28 before 2024.
        ("WB26 deployment", "", ("webdev", None, SUBJECT, "WB26")),
        # A "v" prefix, and an update of a known version.
        ("Question", "Using WEBDEV v2025 on IIS", ("webdev", "2025", BODY, "WEBDEV v2025")),
        ("WINDEV 2026 Update 2 crash", "", ("windev", "2026", SUBJECT, "WINDEV 2026 Update 2")),
        # Spaces and hyphens inside a name or an alias are optional; case never matters.
        ("Pregunta sobre Web-Dev", "", ("webdev", None, SUBJECT, "Web-Dev")),
        ("Bug windevmobile", "", ("windev-mobile", None, SUBJECT, "windevmobile")),
        ("WD Mobile app", "", ("windev-mobile", None, SUBJECT, "WD Mobile")),
        ("Win dev 2024 install", "", ("windev", "2024", SUBJECT, "Win dev 2024")),
    ],
)
def test_a_product_mentioned_is_found(catalog, subject, body, expected):
    assert guess(catalog, subject, body) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Mail me at webdev@agency.example",
        "See https://www.windev.example/forum",
        "Our WINDEVX tool",
        "The WDX format",
        "A question about reports",
    ],
)
def test_no_product_is_read_inside_words_addresses_or_domains(catalog, text):
    assert nothing_in(catalog, text, text)


def test_the_subject_weighs_more_than_the_body(catalog):
    assert guess(catalog, "WEBDEV site", "Ported from WINDEV; WINDEV works, WD is fine")[0] == (
        "webdev"
    )


def test_the_most_mentioned_product_of_the_body_wins(catalog):
    body = "I moved from WINDEV to WEBDEV last year. Since then WEBDEV hangs on publish."
    assert guess(catalog, "Hangs on publish", body)[:3] == ("webdev", None, BODY)


def test_two_products_mentioned_equally_is_no_guess(catalog):
    outcome = match_product(subject="WINDEV or WEBDEV?", body="", catalog=catalog)

    assert outcome.match is None
    assert {product.code for product in outcome.tied} == {"windev", "webdev"}


def test_a_product_named_only_in_the_quoted_history_is_no_guess(catalog):
    body = "Thanks, it still fails.\n\n> Which version of WINDEV do you use?\n> WINDEV 2026\n"
    assert nothing_in(catalog, "Still failing", body)


def test_a_product_named_only_in_the_signature_is_no_guess(catalog):
    body = "Le bouton ne répond plus.\n\n-- \nJean Dupont\nExpert WEBDEV certifié\n"
    assert nothing_in(catalog, "Bouton", body)


def test_two_versions_written_for_the_product_name_none(catalog):
    assert guess(catalog, "WINDEV 2025 and WINDEV 2026 differ")[:2] == ("windev", None)


def test_a_version_of_the_subject_wins_over_one_of_the_body(catalog):
    assert guess(catalog, "WINDEV 2026 crash", "It worked in WINDEV 2025.")[:2] == (
        "windev",
        "2026",
    )


def test_an_alias_two_products_share_names_neither(db):
    ProductFactory(code="alpha", name="Alpha", aliases=["AX"])
    ProductFactory(code="beta", name="Beta", aliases=["AX"])
    clashing = build_catalog(Product.objects.prefetch_related("versions"))

    assert nothing_in(clashing, "AX crash")
    assert guess(clashing, "Beta crash")[0] == "beta"


def test_an_inactive_product_is_never_guessed(db):
    ProductFactory(code="windev", name="WINDEV", is_active=False)

    assert match_product(subject="WINDEV crash", body="").match is None


def test_a_saved_alias_applies_at_once_in_the_process(db):
    product = ProductFactory(code="hfsql", name="HFSQL")
    assert match_product(subject="HF crash", body="").match is None  # the catalog is now cached

    product.aliases = ["HF"]
    product.save()

    match = match_product(subject="HF crash", body="").match
    assert match is not None and match.product == product


def test_the_catalog_is_read_once_per_process(db, django_assert_num_queries):
    ProductVersionFactory(product=ProductFactory(code="windev", name="WINDEV"), name="2026")
    product_catalog()

    with django_assert_num_queries(0):
        match = match_product(subject="WINDEV 2026", body="").match

    assert match is not None and match.version is not None and match.version.name == "2026"


def test_aliases_must_be_a_list_of_names(db):
    from django.core.exceptions import ValidationError

    product = ProductFactory(code="windev", name="WINDEV", aliases="WD")
    with pytest.raises(ValidationError, match="aliases"):
        product.full_clean()

    product.aliases = ["  Win   Dev "]
    product.full_clean()
    assert product.aliases == ["Win Dev"]


def test_a_name_is_found_whatever_its_first_character_and_case(db):
    # The pattern first looks ahead for a name's first character: digits, lower case
    # aliases and a name written with a leading hyphen still begin a mention.
    products = [
        ProductFactory(code="4gl", name="4GL Studio", aliases=["-hx"]),
        ProductFactory(code="zeta", name="Zeta", aliases=["éclair"]),
    ]
    for product in products:
        ProductVersionFactory(product=product, name="7", rank=1)
    catalog = build_catalog(Product.objects.prefetch_related("versions"))

    assert guess(catalog, "Crash in 4gl studio 7")[:2] == ("4gl", "7")
    assert guess(catalog, "HX keeps freezing")[0] == "4gl"
    assert guess(catalog, "Problème avec ÉCLAIR")[0] == "zeta"
    assert guess(catalog, "zETA")[0] == "zeta"
    assert nothing_in(catalog, "Prezeta and hxa are not names")
