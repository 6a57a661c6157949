"""What a client must know before it sends a request: the limits that apply to this
customer and the catalog it may name. The request tool checks a request against these
before sending, so a customer corrects it on their machine, not after a refusal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone

from supportdesk.accounts.models import Contact
from supportdesk.catalog.models import Product, ProductVersion
from supportdesk.core.clock import now
from supportdesk.plans.selectors import coverage_for
from supportdesk.requests import texts
from supportdesk.requests.validation import CODE_EXTRACT_MAX_LINES, request_schema
from supportdesk.tickets.services.attachments import attachment_limit, customer_wide_agreement


@dataclass(frozen=True)
class VersionEntry:
    name: str
    on_sale: bool


@dataclass(frozen=True)
class ProductEntry:
    code: str
    name: str
    versions: list[VersionEntry]


@dataclass(frozen=True)
class UploadAgreement:
    max_bytes: int
    expires_at: datetime


@dataclass(frozen=True)
class RequestPolicy:
    attachment_max_bytes: int
    request_max_bytes: int
    max_files: int
    code_extract_max_lines: int
    languages: list[str]
    products: list[ProductEntry]
    upload_agreement: UploadAgreement | None


def max_files() -> int:
    """The most files one request lists: the format's own bound on its manifest."""
    return int(request_schema()["properties"]["attachments"]["maxItems"])


def request_policy(contact: Contact) -> RequestPolicy:
    """The limits for `contact` now: the plan that would serve their request (as
    open_ticket picks it), raised by any attachment agreement in force for them."""
    at = now()
    request_max: int = settings.SUPPORTDESK["API_REQUEST_MAX_BYTES"]
    plan = coverage_for(organization=contact.organization, on=timezone.localdate(at)).plan
    limit = attachment_limit(plan=plan, contact=contact, ticket=None, at=at)
    agreement = customer_wide_agreement(contact, at=at)
    products = Product.objects.filter(is_active=True).prefetch_related(
        Prefetch("versions", queryset=ProductVersion.objects.order_by("-rank"))
    )
    return RequestPolicy(
        # No plan means no limit of our own: the server's request size is then the bound.
        attachment_max_bytes=limit if limit is not None else request_max,
        request_max_bytes=request_max,
        max_files=max_files(),
        code_extract_max_lines=CODE_EXTRACT_MAX_LINES,
        languages=list(texts.SUPPORTED_LANGUAGES),
        products=[
            ProductEntry(
                code=product.code,
                name=product.name,
                versions=[VersionEntry(v.name, v.on_sale) for v in product.versions.all()],
            )
            for product in products
        ],
        upload_agreement=(
            UploadAgreement(agreement.max_bytes, agreement.expires_at) if agreement else None
        ),
    )
