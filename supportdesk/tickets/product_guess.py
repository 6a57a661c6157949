"""The product of a free-form request, guessed so it reaches the product's team without a
human: what the customer wrote (catalog.matching), else the one product the customer's
organization is licensed for. No guess leaves the request to the default (triage) team.

The guess is kept on the ticket (details["product_guess"]): a technician sees where it came
from, and moves the ticket when it is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from supportdesk.accounts.models import Contact, License
from supportdesk.catalog.matching import Catalog, match_product, product_catalog
from supportdesk.catalog.models import Product, ProductVersion
from supportdesk.plans.entitlement import kept_licences

FROM_LICENCE = "licence"


@dataclass(frozen=True)
class ProductGuess:
    product: Product | None = None
    version: ProductVersion | None = None
    source: str = ""  # "subject", "body" or "licence"
    matched: str = ""  # what was read: the words of the mail, or the licensed product

    def as_details(self) -> dict[str, Any]:
        """What the ticket keeps of the guess (Ticket.details); nothing without one."""
        if self.product is None:
            return {}
        return {
            "product_guess": {
                "from": self.source,
                "matched": self.matched,
                "product": self.product.code,
                "version": self.version.name if self.version else None,
            }
        }


NO_GUESS = ProductGuess()


def guess_product(
    *, subject: str, text: str, requester: Contact, catalog: Catalog | None = None
) -> ProductGuess:
    """The product (and version, when written next to it) a free-form request is about."""
    catalog = catalog if catalog is not None else product_catalog()
    outcome = match_product(subject=subject, body=text, catalog=catalog)
    if outcome.match is not None:
        match = outcome.match
        return ProductGuess(
            product=match.product, version=match.version, source=match.where, matched=match.matched
        )
    licensed = _sole_licensed_product(requester, catalog)
    # Two products named equally: the licence settles it only when it is one of them.
    if licensed is None or (outcome.tied and licensed not in outcome.tied):
        return NO_GUESS
    return ProductGuess(product=licensed, source=FROM_LICENCE, matched=licensed.name)


def _sole_licensed_product(requester: Contact, catalog: Catalog) -> Product | None:
    if requester.organization_id is None:
        return None
    kept = kept_licences(requester.organization_id)
    if kept is not None:  # a batch of mail read them already
        product_ids = list({item.product_id for item in kept if item.product.is_active})
    else:
        # Two rows are enough to know there is more than one.
        product_ids = list(
            License.objects.filter(
                organization_id=requester.organization_id, product__is_active=True
            )
            .order_by()
            .values_list("product_id", flat=True)
            .distinct()[:2]
        )
    if len(product_ids) != 1:
        return None
    return catalog.products.get(product_ids[0])
