"""From a Standard Request to a ticket, with no human step: product, version, category,
priority, the structured details, the attachments and the language set from the document;
the ticket routed like any other (open_ticket enqueues route_ticket). A follow-up
(`related_ticket`) becomes the customer's reply on that ticket."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from supportdesk.accounts.models import Contact, ContactEmail
from supportdesk.catalog.models import Product, ProductVersion
from supportdesk.core.errors import NotFound
from supportdesk.requests.rendering import render_request_text
from supportdesk.requests.validation import (
    FORMAT_NAME,
    FORMAT_VERSION,
    Problem,
    RequestInvalid,
    UploadedFile,
    document_problems,
)
from supportdesk.tickets.access import access_ticket_for_customer
from supportdesk.tickets.choices import Category, Channel, Priority, Status
from supportdesk.tickets.models import Message, Ticket
from supportdesk.tickets.services import NewAttachment, open_ticket, reply_to_ticket

CATEGORY_OF_TYPE = {
    "question": Category.QUESTION,
    "bug": Category.BUG,
    "crash": Category.CRASH,
    "performance": Category.PERFORMANCE,
    "installation_licence": Category.INSTALLATION,
    "suggestion": Category.SUGGESTION,
}
PRIORITY_OF_URGENCY = {
    "low": Priority.LOW,
    "normal": Priority.NORMAL,
    "high": Priority.HIGH,
    "critical": Priority.URGENT,
}


@dataclass(frozen=True)
class SubmittedRequest:
    ticket: Ticket
    message: Message
    follow_up: bool


def submit_standard_request(
    *,
    contact: Contact,
    document: Mapping[str, Any],
    files: Sequence[UploadedFile] = (),
    origin: Mapping[str, Any] | None = None,
    channel: str | None = None,
) -> SubmittedRequest:
    """Open a ticket for `contact` from a Standard Request, or add it to the related ticket.
    RequestInvalid lists every problem (the document's and the catalog's) at once.
    `channel`: the transport's (the email desk's standardized mail); by default the request
    tool's when the document names its client, else the API's."""
    problems = document_problems(document, files)
    product, version = _catalog_entries(document, problems)
    _check_customer_email(contact, document, problems)
    related = _related_ticket(contact, document, problems)
    if problems:
        raise RequestInvalid(problems)

    if channel is None:
        channel = Channel.REQUEST_TOOL if document.get("client") else Channel.API
    body_text = render_request_text(document)
    attachments = [
        NewAttachment(filename=file.name, content=file.content, content_type=file.content_type)
        for file in files
    ]
    origin = {"format": f"{FORMAT_NAME} v{FORMAT_VERSION}", **(origin or {})}
    if related is not None:
        message = reply_to_ticket(
            actor=contact,
            ticket=related,
            body_text=f"{document['subject']}\n\n{body_text}",
            channel=channel,
            attachments=attachments,
            # The ticket keeps the first request's details; a follow-up's are on its message.
            origin={**origin, "request": dict(document)},
        )
        return SubmittedRequest(ticket=related, message=message, follow_up=True)
    ticket = open_ticket(
        actor=contact,
        requester=contact,
        subject=document["subject"],
        body_text=body_text,
        channel=channel,
        product=product,
        product_version=version,
        category=CATEGORY_OF_TYPE[document["type"]],
        priority=PRIORITY_OF_URGENCY[document.get("urgency", "normal")],
        language=document.get("language") or contact.language,
        attachments=attachments,
        origin=origin,
        details=document,
        # The entitlement is checked against this licence, the error groups similar tickets.
        serial=_text_at(document, "customer", "serial"),
        error_text=_text_at(document, "error_text") or "",
    )
    assert ticket.opening_message is not None  # open_ticket writes the first message
    return SubmittedRequest(ticket=ticket, message=ticket.opening_message, follow_up=False)


def _text_at(document: Mapping[str, Any], *path: str) -> str | None:
    value: Any = document
    for key in path:
        value = value.get(key) if isinstance(value, Mapping) else None
    return value if isinstance(value, str) and value else None


def _catalog_entries(
    document: Mapping[str, Any], problems: list[Problem]
) -> tuple[Product | None, ProductVersion | None]:
    code = _text_at(document, "product", "code")
    if code is None:
        return None, None
    product = Product.objects.filter(code__iexact=code, is_active=True).first()
    if product is None:
        known = (
            Product.objects.filter(is_active=True).order_by("code").values_list("code", flat=True)
        )
        problems.append(
            Problem("/product/code", "unknown_product", {"value": code, "known": ", ".join(known)})
        )
        return None, None
    name = _text_at(document, "product", "version")
    if name is None:
        return product, None
    version = ProductVersion.objects.filter(product=product, name__iexact=name).first()
    if version is None:
        names = ProductVersion.objects.filter(product=product).order_by("-rank")
        problems.append(
            Problem(
                "/product/version",
                "unknown_version",
                {
                    "value": name,
                    "product": product.name,
                    "known": ", ".join(names.values_list("name", flat=True)),
                },
            )
        )
    return product, version


def _check_customer_email(
    contact: Contact, document: Mapping[str, Any], problems: list[Problem]
) -> None:
    """The identity in the document is the token's: a request is never filed under
    someone else's address."""
    email = _text_at(document, "customer", "email")
    if email is None:
        return
    addresses = list(ContactEmail.objects.filter(contact=contact).values_list("address", flat=True))
    if email.lower() not in {address.lower() for address in addresses}:
        problems.append(
            Problem(
                "/customer/email",
                "email_not_yours",
                {"value": email, "known": ", ".join(addresses)},
            )
        )


def _related_ticket(
    contact: Contact, document: Mapping[str, Any], problems: list[Problem]
) -> Ticket | None:
    reference = _text_at(document, "related_ticket")
    if reference is None:
        return None
    try:
        ticket = access_ticket_for_customer(contact, reference)
    except NotFound:
        problems.append(Problem("/related_ticket", "unknown_ticket", {"value": reference}))
        return None
    # A merged ticket lives on in the one it was merged into.
    while ticket.merged_into is not None:
        ticket = ticket.merged_into
    if ticket.status == Status.CLOSED:
        problems.append(Problem("/related_ticket", "ticket_closed", {"value": ticket.reference}))
        return None
    return ticket
