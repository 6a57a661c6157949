"""Entitlement at intake: may this request be served under the customer's plan?

Free support is for a registered licence, on the version on sale, for a number of requests
per licence (the seed's 15); Direct Assistance is not counted. The outcome never stops a
request: the ticket is opened anyway, shows the outcome, and the customer is told plainly.

Out of scope: some requests belong to Direct Assistance whatever the licence (writing or
debugging the customer's own code; categories an operator lists in
SUPPORTDESK_OUT_OF_SCOPE_CATEGORIES). They are detected by a modest, explainable signal.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db.models import F

from supportdesk.accounts.models import License, Organization
from supportdesk.catalog.models import Product, ProductVersion
from supportdesk.core.deferred import held_counts
from supportdesk.plans.models import Plan


class EntitlementStatus:
    ENTITLED = "entitled"
    PAID_PLAN = "paid_plan"
    NO_LICENCE = "no_licence"
    SERIAL_UNKNOWN = "serial_unknown"
    VERSION_NOT_COVERED = "version_not_covered"
    NO_REQUESTS_LEFT = "no_requests_left"
    # Nothing to check against: no plan at all, or mail that names no product while the
    # organization holds licences of several.
    NOT_CHECKED = "not_checked"

    CHOICES = [
        (ENTITLED, "Entitled (free support, counted against the licence)"),
        (PAID_PLAN, "Paid plan (not counted)"),
        (NO_LICENCE, "No licence registered for this product"),
        (SERIAL_UNKNOWN, "Serial unknown or not this organization's"),
        (VERSION_NOT_COVERED, "Version not covered by the plan"),
        (NO_REQUESTS_LEFT, "No requests left on the licence"),
        (NOT_CHECKED, "Not checked (product unknown)"),
    ]


# Served anyway, but tagged "not-entitled" and after the entitled requests: the technician
# decides how far to go. "No licence" is not among them: it is most often a prospect
# evaluating the product, or a customer who has not registered yet (and every unknown
# mail sender), and answering them is in the vendor's interest.
DEPRIORITIZED = frozenset(
    {
        EntitlementStatus.SERIAL_UNKNOWN,
        EntitlementStatus.VERSION_NOT_COVERED,
        EntitlementStatus.NO_REQUESTS_LEFT,
    }
)


@dataclass(frozen=True)
class Entitlement:
    status: str
    license: License | None = None
    # The request takes one of the licence's free requests (see count_request).
    counted: bool = False
    # For the customer's message: which version free support covers, what is left.
    version_on_sale: ProductVersion | None = None
    requests_per_license: int | None = None


def check_entitlement(
    *,
    plan: Plan | None,
    organization: Organization | None,
    product: Product | None,
    version: ProductVersion | None,
    serial: str | None,
    on: date,
) -> Entitlement:
    """The outcome for a new request (reads only; count_request takes the request)."""
    if plan is None:
        return Entitlement(EntitlementStatus.NOT_CHECKED)
    if plan.is_paid:
        return Entitlement(EntitlementStatus.PAID_PLAN)
    limit = plan.requests_per_license
    if serial:
        license = License.objects.select_related("product").filter(serial=serial.strip()).first()
        # Another organization's serial gets the same answer as an unknown one: the
        # customer learns nothing about who holds it.
        if (
            license is None
            or organization is None
            or license.organization_id != organization.pk
            or (product is not None and license.product_id != product.pk)
        ):
            return Entitlement(EntitlementStatus.SERIAL_UNKNOWN, requests_per_license=limit)
    else:
        if organization is None:
            return Entitlement(EntitlementStatus.NO_LICENCE, requests_per_license=limit)
        candidates = _candidate_licences(organization, product)
        if not candidates:
            return Entitlement(EntitlementStatus.NO_LICENCE, requests_per_license=limit)
        if product is None and len({item.product_id for item in candidates}) > 1:
            return Entitlement(EntitlementStatus.NOT_CHECKED)
        # Several licences of the product: the one with the most requests left.
        license = candidates[0]
    product = product or license.product
    on_sale = _version_on_sale(product) if plan.covers_only_version_on_sale else None
    outcome = {"license": license, "version_on_sale": on_sale, "requests_per_license": limit}
    if version is not None and (
        (plan.covers_only_version_on_sale and not version.on_sale)
        or (version.supported_until is not None and version.supported_until < on)
    ):
        return Entitlement(EntitlementStatus.VERSION_NOT_COVERED, **outcome)  # type: ignore[arg-type]
    if limit is not None and license.requests_used >= limit:
        return Entitlement(EntitlementStatus.NO_REQUESTS_LEFT, **outcome)  # type: ignore[arg-type]
    return Entitlement(
        EntitlementStatus.ENTITLED,
        counted=limit is not None,
        **outcome,  # type: ignore[arg-type]
    )


def _version_on_sale(product: Product) -> ProductVersion | None:
    kept = _kept_on_sale.get()
    if kept is not None and product.pk in kept:
        return kept[product.pk]
    found = ProductVersion.objects.filter(product=product, on_sale=True).order_by("-rank").first()
    if kept is not None:
        kept[product.pk] = found
    return found


# Bounded: an organization with more licences of the product than this is asked for the
# serial.
MAX_CANDIDATE_LICENCES = 50


def _candidate_licences(organization: Organization, product: Product | None) -> list[License]:
    """The organization's licences (of the product, when known), most requests left first."""
    kept = kept_licences(organization.pk)
    if kept is not None:
        return sorted(
            (item for item in kept if product is None or item.product_id == product.pk),
            key=lambda item: (item.requests_used, item.pk),
        )[:MAX_CANDIDATE_LICENCES]
    licenses = License.objects.select_related("product").filter(organization=organization)
    if product is not None:
        licenses = licenses.filter(product=product)
    return list(licenses.order_by("requests_used", "id")[:MAX_CANDIDATE_LICENCES])


# Licences kept by `licences_kept`, by organization id, when one is open in this context;
# and each product's version on sale, as read.
_kept: ContextVar[dict[int, list[License]] | None] = ContextVar("kept_licences", default=None)
_kept_on_sale: ContextVar[dict[int, ProductVersion | None] | None] = ContextVar(
    "kept_versions_on_sale", default=None
)
# The paid plan's sales contact, once read (a batch's acknowledgements may each quote it).
_kept_sales_contact: ContextVar[dict[str, str] | None] = ContextVar(
    "kept_sales_contact", default=None
)
# An organization with more licences than this is read from the database each time.
MAX_KEPT_LICENCES = 200


@contextmanager
def licences_kept() -> Iterator[dict[int, list[License]]]:
    """Within the block, the licences read by `keep_licences_of` answer the entitlement
    check and the product guess (a batch of mail reads its senders' organizations' once),
    and each product's version on sale, and the paid plan's sales contact, are read once.
    count_request keeps the licences' counts current; the caller empties the dict yielded
    when a change it made to them rolls back."""
    kept: dict[int, list[License]] = {}
    token = _kept.set(kept)
    on_sale_token = _kept_on_sale.set({})
    sales_contact_token = _kept_sales_contact.set({})
    try:
        yield kept
    finally:
        _kept_sales_contact.reset(sales_contact_token)
        _kept_on_sale.reset(on_sale_token)
        _kept.reset(token)


def keep_licences_of(organization_ids: Iterable[int]) -> None:
    """Within `licences_kept`, read these organizations' licences in one query."""
    kept = _kept.get()
    if kept is None:
        return
    missing = [org_id for org_id in set(organization_ids) if org_id not in kept]
    if not missing:
        return
    found: dict[int, list[License]] = {org_id: [] for org_id in missing}
    for license in License.objects.select_related("product").filter(organization_id__in=missing):
        found[license.organization_id].append(license)
    kept.update(
        {org_id: items for org_id, items in found.items() if len(items) <= MAX_KEPT_LICENCES}
    )


def hold_licences_running_out(batch_requests: Mapping[int, tuple[int | None, int]]) -> None:
    """Within `licences_kept`, lock the kept licences that a batch and another writer could
    together use up, and read their counts again under the lock. `batch_requests` gives,
    by organization id, its plan's limit (None: not counted) and how many of the batch's
    mails come from it. A licence is held when its requests left are no more than twice
    those mails (this batch's, and as many again from another worker's) and its
    organization's mail is counted on it whatever product it names (its licences are all
    of one product). The batch's counts, written at its end, then do not conflict with
    another worker's batch, which waits for this one before opening anything instead of
    rolling back whole (see licence_counts_held).

    Other licences are not locked (but for the lower-numbered ones below), or batches from
    a busy customer would take turns: one far from its end, or of an organization licensed
    for several products (counted only on the product a mail names, not known yet). Should
    two batches use such a licence up together, the later one runs again.

    Every writer takes licence locks in id order, or two batches could each hold one the
    other counts on at its end and wait in a circle: so a batch that holds licences also
    holds, now, every licence it may count on whose id is lower than theirs (those above
    come later, in order, when its counts are written). The locks are FOR NO KEY UPDATE,
    as the counts' UPDATE is: a ticket written with the licence checks its foreign key
    with a lock that these do not block."""
    kept = _kept.get()
    if kept is None:
        return
    # By organization whose requests are counted: its kept licences, limit, mails.
    counted = {
        org_id: (kept.get(org_id, []), limit, mails)
        for org_id, (limit, mails) in batch_requests.items()
        if limit is not None
    }
    running_out = [
        licence
        for licences, limit, mails in counted.values()
        if len({item.product_id for item in licences}) == 1
        for licence in licences
        if 0 < limit - licence.requests_used <= 2 * mails
    ]
    if not running_out:
        return
    highest = max(licence.pk for licence in running_out)
    held = {
        licence.pk: licence
        for licences, _limit, _mails in counted.values()
        for licence in licences
        if licence.pk <= highest
    }
    counts = dict(
        License.objects.select_for_update(no_key=True)
        .filter(pk__in=list(held))
        .order_by("pk")
        .values_list("pk", "requests_used")
    )
    for pk, licence in held.items():
        licence.requests_used = counts.get(pk, licence.requests_used)


def kept_licences(organization_id: int) -> list[License] | None:
    """The organization's licences when `licences_kept` has them, else None."""
    kept = _kept.get()
    return kept.get(organization_id) if kept is not None else None


def count_request(entitlement: Entitlement) -> Entitlement:
    """Take one request from the licence, in the caller's transaction. The UPDATE is
    conditional on a request being left, so two requests racing for the last one cannot
    both have it: the loser's outcome becomes "no requests left"."""
    if not entitlement.counted or entitlement.license is None:
        return entitlement
    limit = entitlement.requests_per_license
    assert limit is not None  # counted: the plan has a limit
    held = _held_counts.get()
    if held is not None:
        # In a batch: taken from the count as read (kept current below for the batch's
        # next requests), written at its end (licence_counts_held).
        taken = entitlement.license.requests_used < limit
        if taken:
            held[(entitlement.license.pk, limit)] += 1
    else:
        taken = bool(
            License.objects.filter(pk=entitlement.license.pk, requests_used__lt=limit).update(
                requests_used=F("requests_used") + 1
            )
        )
    if taken:
        # For the customer's message, without reading the row again (requests racing with
        # this one may have taken more, never fewer), and for a batch's next requests.
        entitlement.license.requests_used += 1
        return entitlement
    return Entitlement(
        EntitlementStatus.NO_REQUESTS_LEFT,
        license=entitlement.license,
        version_on_sale=entitlement.version_on_sale,
        requests_per_license=limit,
    )


# Requests taken within `licence_counts_held`, by licence id and the plan's limit, written
# when it ends.
_held_counts: ContextVar[Counter[tuple[int, int]] | None] = ContextVar(
    "held_licence_counts", default=None
)


class LicenceCountConflict(Exception):
    """A batch took requests another transaction took first: its licence has fewer left
    than the batch counted on. The batch rolls back; its requests are opened again one at
    a time, each counted as it opens."""


def licence_counts_held() -> AbstractContextManager[None]:
    """Within the block, count_request takes requests from the licence rows' counts as
    read (the batch's kept licences), and the block writes them when it ends without an
    exception: in a batch of mail, a licence row stays locked for the commit only, not
    while the batch's other mails are opened (another worker's batch would wait on it).
    Nested blocks (a mail's savepoint) hand theirs to the enclosing one, or drop them on
    an exception. The outermost writes each licence's count with a condition that no more
    than its limit is ever taken: else LicenceCountConflict."""
    return held_counts(_held_counts, _write_licence_counts)


def _write_licence_counts(taken_by_licence: Counter[tuple[int, int]]) -> None:
    for license_id, limit in sorted(taken_by_licence):  # one order for every writer
        taken = taken_by_licence[(license_id, limit)]
        written = License.objects.filter(pk=license_id, requests_used__lte=limit - taken).update(
            requests_used=F("requests_used") + taken
        )
        if not written:
            raise LicenceCountConflict(f"licence {license_id} has fewer than {taken} left")


def give_back_request(license_id: int) -> bool:
    """Return one free request to the licence (a counted request turned out not to be one
    of its own, e.g. a duplicate merged away), in the caller's transaction. Never below
    zero; False when there was nothing to give back."""
    given = License.objects.filter(pk=license_id, requests_used__gt=0).update(
        requests_used=F("requests_used") - 1
    )
    return bool(given)


# -- out of scope ------------------------------------------------------------------------------

OUT_OF_SCOPE_CATEGORY = "category"
OUT_OF_SCOPE_OWN_CODE = "own_code"

# Asking us to write, debug or review the customer's own code, in the three languages we
# answer in. Phrases, not words: "debug" alone is how many bug reports begin, and "debug my
# project" is what the product's debugger does.
_OWN_CODE = re.compile(
    r"\b(?:"
    r"(?:debug|fix|review|correct|write|rewrite|optimi[sz]e)\s+(?:my|our)\s+(?:own\s+)?"
    r"(?:code|script|function|macro|procedure|algorithm)"
    r"|(?:write|code)\s+(?:me\s+)?(?:a|the)\s+(?:function|program|script|macro)\s+(?:for|that)"
    r"|(?:depurar|revisar|corregir|escribir)\s+(?:mi|nuestro)\s+(?:propio\s+)?"
    r"(?:código|codigo|script|función|funcion|macro|procedimiento)"
    r"|(?:déboguer|deboguer|débugger|corriger|relire|écrire|ecrire)\s+(?:mon|notre)\s+"
    r"(?:propre\s+)?(?:code|script|macro|fonction|procédure)"
    r")\b",
    re.IGNORECASE,
)
# The verbs each of _OWN_CODE's phrases begins with, lower case: a mail that has none of
# them is not searched (the search costs about 1.5 ms on 10 KB, looking them up 0.1 ms).
_OWN_CODE_VERBS = (
    *("debug", "fix", "review", "correct", "write", "optimi", "code"),
    *("depurar", "revisar", "corregir", "escribir"),
    *("déboguer", "deboguer", "débugger", "corriger", "relire", "écrire", "ecrire"),
)


def out_of_scope_reason(*, category: str, text: str) -> str:
    """Why a request is outside free support ("" when it is not): a category the operator
    listed, or a request to write or debug the customer's own code."""
    if category in settings.SUPPORTDESK["OUT_OF_SCOPE_CATEGORIES"]:
        return OUT_OF_SCOPE_CATEGORY
    text = text[:20_000]
    lowered = text.lower()
    if any(verb in lowered for verb in _OWN_CODE_VERBS) and _OWN_CODE.search(text):
        return OUT_OF_SCOPE_OWN_CODE
    return ""


# -- what the customer reads -------------------------------------------------------------------

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        EntitlementStatus.ENTITLED: (
            "This request is covered by free support for your licence {serial}: "
            "{requests_left} of its {limit} requests remain."
        ),
        EntitlementStatus.NO_LICENCE: (
            "We found no registered licence of {product} for your account. Free support is "
            "for registered licences: please register yours, or give its serial number in "
            "your next request. We will still look at this request."
        ),
        EntitlementStatus.SERIAL_UNKNOWN: (
            "The serial number {serial} is not a licence of {product} registered to your "
            "organization. Please check it, or register the licence. We will still look at "
            "this request, after the requests of registered licences."
        ),
        EntitlementStatus.VERSION_NOT_COVERED: (
            "Free support covers {covered} of {product}, and this request is about version "
            "{version}. We will still look at it, after covered requests; Direct Assistance "
            "covers every version."
        ),
        EntitlementStatus.NO_REQUESTS_LEFT: (
            "The {limit} free support requests of your licence {serial} are used up. We will "
            "still look at this request, after covered requests. Direct Assistance offers "
            "unlimited requests, same-day handling and a designated engineer."
        ),
        "out_of_scope": (
            "Writing, reviewing or debugging your own code is not part of free support: it "
            "is a Direct Assistance service. A technician will tell you what we can do for "
            "this request."
        ),
        "out_of_scope_category": (
            "Requests of this kind are not part of free support: they are a Direct Assistance "
            "service. A technician will tell you what we can do for this request."
        ),
        "covered_default": "the version on sale",
        "covered": "the version on sale ({version})",
        "contact": "To subscribe to Direct Assistance: {contact}.",
    },
    "es": {
        EntitlementStatus.ENTITLED: (
            "Esta solicitud está cubierta por el soporte gratuito de su licencia {serial}: "
            "le quedan {requests_left} de sus {limit} solicitudes."
        ),
        EntitlementStatus.NO_LICENCE: (
            "No hemos encontrado ninguna licencia registrada de {product} para su cuenta. El "
            "soporte gratuito es para licencias registradas: registre la suya o indique su "
            "número de serie en su próxima solicitud. Revisaremos igualmente esta solicitud."
        ),
        EntitlementStatus.SERIAL_UNKNOWN: (
            "El número de serie {serial} no corresponde a una licencia de {product} "
            "registrada a nombre de su organización. Compruébelo o registre la licencia. "
            "Revisaremos igualmente esta solicitud, después de las de licencias registradas."
        ),
        EntitlementStatus.VERSION_NOT_COVERED: (
            "El soporte gratuito cubre {covered} de {product}, y esta solicitud trata de la "
            "versión {version}. La revisaremos igualmente, después de las solicitudes "
            "cubiertas; la Asistencia Directa cubre todas las versiones."
        ),
        EntitlementStatus.NO_REQUESTS_LEFT: (
            "Ha agotado las {limit} solicitudes de soporte gratuito de su licencia {serial}. "
            "Revisaremos igualmente esta solicitud, después de las solicitudes cubiertas. La "
            "Asistencia Directa ofrece solicitudes ilimitadas, atención el mismo día y un "
            "ingeniero asignado."
        ),
        "out_of_scope": (
            "Escribir, revisar o depurar su propio código no forma parte del soporte "
            "gratuito: es un servicio de Asistencia Directa. Un técnico le dirá qué podemos "
            "hacer con esta solicitud."
        ),
        "out_of_scope_category": (
            "Las solicitudes de este tipo no forman parte del soporte gratuito: son un "
            "servicio de Asistencia Directa. Un técnico le dirá qué podemos hacer con esta "
            "solicitud."
        ),
        "covered_default": "la versión a la venta",
        "covered": "la versión a la venta ({version})",
        "contact": "Para suscribirse a la Asistencia Directa: {contact}.",
    },
    "fr": {
        EntitlementStatus.ENTITLED: (
            "Cette demande est couverte par le support gratuit de votre licence {serial} : "
            "il vous reste {requests_left} de ses {limit} demandes."
        ),
        EntitlementStatus.NO_LICENCE: (
            "Nous n'avons trouvé aucune licence de {product} enregistrée pour votre compte. "
            "Le support gratuit est réservé aux licences enregistrées : enregistrez la vôtre, "
            "ou indiquez son numéro de série dans votre prochaine demande. Nous examinerons "
            "tout de même cette demande."
        ),
        EntitlementStatus.SERIAL_UNKNOWN: (
            "Le numéro de série {serial} n'est pas une licence de {product} enregistrée au "
            "nom de votre organisation. Vérifiez-le, ou enregistrez la licence. Nous "
            "examinerons tout de même cette demande, après celles des licences enregistrées."
        ),
        EntitlementStatus.VERSION_NOT_COVERED: (
            "Le support gratuit couvre {covered} de {product}, et cette demande porte sur la "
            "version {version}. Nous l'examinerons tout de même, après les demandes "
            "couvertes ; l'Assistance Directe couvre toutes les versions."
        ),
        EntitlementStatus.NO_REQUESTS_LEFT: (
            "Les {limit} demandes de support gratuit de votre licence {serial} sont épuisées. "
            "Nous examinerons tout de même cette demande, après les demandes couvertes. "
            "L'Assistance Directe offre des demandes illimitées, un traitement le jour même "
            "et un ingénieur attitré."
        ),
        "out_of_scope": (
            "Écrire, relire ou déboguer votre propre code ne fait pas partie du support "
            "gratuit : c'est un service de l'Assistance Directe. Un technicien vous dira ce "
            "que nous pouvons faire pour cette demande."
        ),
        "out_of_scope_category": (
            "Les demandes de ce type ne font pas partie du support gratuit : elles relèvent "
            "de l'Assistance Directe. Un technicien vous dira ce que nous pouvons faire pour "
            "cette demande."
        ),
        "covered_default": "la version en vente",
        "covered": "la version en vente ({version})",
        "contact": "Pour souscrire à l'Assistance Directe : {contact}.",
    },
}
NO_PRODUCT = {"en": "our products", "es": "nuestros productos", "fr": "nos produits"}


def requests_left(*, license: License | None, limit: int | None) -> int | None:
    if license is None or limit is None:
        return None
    return max(limit - license.requests_used, 0)


def entitlement_message(
    *,
    status: str,
    out_of_scope: str,
    language: str,
    license: License | None,
    limit: int | None,
    product: Product | None,
    version: ProductVersion | None,
    version_on_sale: ProductVersion | None,
    serial: str | None = None,
) -> str:
    """What the customer reads about their entitlement, in their language ("" when there
    is nothing to say: a subscriber, or nothing checked)."""
    texts = TEXTS.get(language, TEXTS["en"])
    paragraphs: list[str] = []
    template = texts.get(status)
    if template:
        product_name = product or (license.product if license else None) or None
        paragraphs.append(
            template.format(
                serial=(license.serial if license else None) or serial or "",
                product=product_name.name if product_name else NO_PRODUCT.get(language, ""),
                version=version.name if version else "",
                covered=(
                    texts["covered"].format(version=version_on_sale.name)
                    if version_on_sale
                    else texts["covered_default"]
                ),
                limit=limit if limit is not None else "",
                requests_left=requests_left(license=license, limit=limit),
            )
        )
    if out_of_scope == OUT_OF_SCOPE_CATEGORY:
        paragraphs.append(texts["out_of_scope_category"])
    elif out_of_scope:
        paragraphs.append(texts["out_of_scope"])
    if out_of_scope or status in (
        EntitlementStatus.NO_REQUESTS_LEFT,
        EntitlementStatus.VERSION_NOT_COVERED,
    ):
        contact = direct_assistance_contact()
        if contact:
            paragraphs.append(texts["contact"].format(contact=contact))
    return " ".join(paragraphs)


def direct_assistance_contact() -> str:
    """How to subscribe, as the paid plan states it (Plan.sales_contact), if one does.
    Read once within `licences_kept`."""
    kept = _kept_sales_contact.get()
    if kept is not None and "contact" in kept:
        return kept["contact"]
    contact = (
        Plan.objects.filter(is_paid=True)
        .exclude(sales_contact="")
        .order_by("-rank")
        .values_list("sales_contact", flat=True)
        .first()
        or ""
    )
    if kept is not None:
        kept["contact"] = contact
    return contact
