"""A ticket's entitlement outcome as the customer and the technicians read it."""

from __future__ import annotations

from typing import Any

from supportdesk.plans.entitlement import (
    EntitlementStatus,
    entitlement_message,
    requests_left,
)
from supportdesk.tickets.models import Ticket


def was_counted(ticket: Ticket) -> bool:
    """Whether opening `ticket` took one of its licence's free requests (count_request):
    entitled under a plan that counts requests. The other outcomes take nothing."""
    plan = ticket.plan
    return (
        ticket.entitlement == EntitlementStatus.ENTITLED
        and ticket.license_id is not None
        and plan is not None
        and not plan.is_paid
        and plan.requests_per_license is not None
    )


def entitlement_facts(ticket: Ticket, *, language: str | None = None) -> dict[str, Any]:
    """{status, message, requests_left, out_of_scope} for the customer (message in
    `language`, else the ticket's). requests_left is what the licence has now."""
    license = ticket.license
    plan = ticket.plan
    limit = plan.requests_per_license if plan is not None and not plan.is_paid else None
    version_on_sale = None
    product = ticket.product or (license.product if license is not None else None)
    if (
        ticket.entitlement == EntitlementStatus.VERSION_NOT_COVERED
        and product is not None
        and plan is not None
        and plan.covers_only_version_on_sale
    ):
        version_on_sale = product.versions.filter(on_sale=True).order_by("-rank").first()
    details = ticket.details if isinstance(ticket.details, dict) else {}
    customer = details.get("customer")
    serial = customer.get("serial") if isinstance(customer, dict) else None
    return {
        "status": ticket.entitlement or None,
        "message": entitlement_message(
            status=ticket.entitlement,
            out_of_scope=ticket.out_of_scope,
            language=language or ticket.language,
            license=license,
            limit=limit,
            product=product,
            version=ticket.product_version,
            version_on_sale=version_on_sale,
            serial=serial if isinstance(serial, str) else None,
        ),
        "requests_left": requests_left(license=license, limit=limit),
        "out_of_scope": ticket.out_of_scope or None,
    }
