"""Thin views: parse the transport, call the service, shape the answer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.http import FileResponse, HttpRequest
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotAuthenticated, ParseError, UnsupportedMediaType
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from supportdesk.accounts.models import Contact
from supportdesk.core.errors import InvalidTransition, NotFound
from supportdesk.requests import texts
from supportdesk.requests.api.authentication import ContactTokenAuthentication, HasApiToken
from supportdesk.requests.services import submit_standard_request
from supportdesk.requests.validation import (
    SCHEMA_PATH,
    Problem,
    RequestInvalid,
    UploadedFile,
    parse_document,
)
from supportdesk.tickets.access import access_ticket_for_customer
from supportdesk.tickets.choices import MessageKind
from supportdesk.tickets.entitlement import entitlement_facts
from supportdesk.tickets.models import Attachment, Message, Ticket
from supportdesk.tickets.selectors import answer_promise, public_messages

DOCUMENT_PART = "request"
# A ticket's page in the API shows its latest messages; the full history is on the desk.
MESSAGES_SHOWN = 50
# Problems with the transport itself (not JSON, no document): 400; with the document: 422.
MALFORMED = frozenset({"not_json", "not_object", "missing_document"})

_problem = inline_serializer(
    "Problem",
    {
        "field": serializers.CharField(help_text="JSON pointer of the field, '' for all"),
        "code": serializers.CharField(),
        "message": serializers.CharField(help_text="in the customer's language"),
    },
)
_refusal = inline_serializer(
    "Refusal",
    {
        "error": serializers.CharField(),
        "message": serializers.CharField(),
        "problems": _problem.__class__(many=True),
    },
)
_attachment = inline_serializer(
    "ReceivedAttachment",
    {
        "name": serializers.CharField(),
        "size": serializers.IntegerField(),
        "sha256": serializers.CharField(),
        "kept": serializers.BooleanField(),
        "removed_reason": serializers.CharField(),
    },
)


def _status_fields() -> dict[str, serializers.Field]:
    # Fresh fields each time: a field belongs to one serializer.
    return {
        "reference": serializers.CharField(),
        "url": serializers.URLField(),
        "subject": serializers.CharField(),
        "status": serializers.CharField(),
        "category": serializers.CharField(),
        "priority": serializers.CharField(),
        "product": serializers.CharField(allow_null=True),
        "product_version": serializers.CharField(allow_null=True),
        "language": serializers.CharField(),
        "created_at": serializers.DateTimeField(),
        "updated_at": serializers.DateTimeField(),
        "answer_by": serializers.DateTimeField(allow_null=True),
        "answer_by_text": serializers.CharField(allow_null=True),
    }


_ticket_status = inline_serializer("TicketStatus", _status_fields())

_message = inline_serializer(
    "TicketMessage",
    {
        "id": serializers.IntegerField(),
        "at": serializers.DateTimeField(),
        "author": serializers.CharField(help_text="you, support, or a colleague's name"),
        "text": serializers.CharField(),
        "attachments": inline_serializer(
            "MessageAttachment",
            {
                "name": serializers.CharField(),
                "size": serializers.IntegerField(),
                "kept": serializers.BooleanField(help_text="false: removed, over the limit"),
            },
            many=True,
        ),
    },
)
_ticket_detail = inline_serializer(
    "TicketDetail",
    {
        **_status_fields(),
        "messages": _message.__class__(many=True),
    },
)
_submitted = inline_serializer(
    "SubmittedRequest",
    {
        "reference": serializers.CharField(),
        "url": serializers.URLField(),
        "follow_up": serializers.BooleanField(),
        "channel": serializers.CharField(),
        "status": serializers.CharField(),
        "answer_by": serializers.DateTimeField(allow_null=True),
        "answer_by_text": serializers.CharField(allow_null=True),
        "attachments": _attachment.__class__(many=True),
        "entitlement": inline_serializer(
            "Entitlement",
            {
                "status": serializers.CharField(
                    allow_null=True,
                    help_text=(
                        "entitled, paid_plan, no_licence, serial_unknown, "
                        "version_not_covered, no_requests_left or not_checked"
                    ),
                ),
                "message": serializers.CharField(help_text="in the customer's language"),
                "requests_left": serializers.IntegerField(allow_null=True),
                "out_of_scope": serializers.CharField(allow_null=True),
            },
        ),
    },
)


def request_language(request: Request, fallback: str) -> str:
    """The first supported language of Accept-Language (by q), else `fallback`."""
    return asked_language(request) or texts.supported(fallback)


def asked_language(request: Request) -> str:
    """The first supported language of Accept-Language (by q); "" when it names none."""
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate(request.META.get("HTTP_ACCEPT_LANGUAGE", "").split(",")):
        tag, _, parameters = item.strip().partition(";")
        quality = 1.0
        if parameters.strip().startswith("q="):
            try:
                quality = float(parameters.strip()[2:])
            except ValueError:
                continue
        primary = tag.strip().split("-")[0].lower()
        if primary in texts.SUPPORTED_LANGUAGES and quality > 0:
            ranked.append((-quality, position, primary))
    return min(ranked)[2] if ranked else ""


def refusal(problems: RequestInvalid, language: str) -> Response:
    listed = problems.listed(language)
    malformed = all(problem["code"] in MALFORMED for problem in listed)
    return Response(
        {
            "error": "malformed_request" if malformed else "invalid_request",
            "message": texts.refusal_summary(len(listed), language),
            "problems": listed,
        },
        status=status.HTTP_400_BAD_REQUEST if malformed else status.HTTP_422_UNPROCESSABLE_ENTITY,
    )


def ticket_url(ticket: Ticket) -> str:
    return settings.SITE_URL + reverse("api-ticket", args=[ticket.reference])


def promise_facts(ticket: Ticket, request: Request) -> dict[str, Any]:
    """The answer promise, its text in the language the client asked for (the ticket's
    when it asked for none we speak)."""
    return promise_dict(answer_promise(ticket, language=asked_language(request)))


def promise_dict(promise: tuple[datetime, str] | None) -> dict[str, Any]:
    return {
        "answer_by": promise[0].isoformat() if promise else None,
        "answer_by_text": promise[1] if promise else None,
    }


def ticket_status(ticket: Ticket, promise: tuple[datetime, str] | None) -> dict[str, Any]:
    """A ticket as its customer sees it in the API (one entry of GET /tickets too)."""
    return {
        "reference": ticket.reference,
        "url": ticket_url(ticket),
        "subject": ticket.subject,
        "status": ticket.status,
        "category": ticket.category,
        "priority": ticket.priority,
        "product": ticket.product.code if ticket.product else None,
        "product_version": ticket.product_version.name if ticket.product_version else None,
        "language": ticket.language,
        "created_at": ticket.created_at.isoformat(),
        "updated_at": ticket.updated_at.isoformat(),
        **promise_dict(promise),
    }


def message_author(message: Message, reader: Contact) -> str:
    """Who wrote, as customers are shown it elsewhere: our answers go out from the support
    address and are signed by the team, so they are "support", never a technician's name."""
    if message.kind == MessageKind.OUTBOUND:
        return "support"
    if message.author_contact_id == reader.pk:
        return "you"
    # An imported message may have lost its author: still the customer's side.
    return message.author_contact.name if message.author_contact else "customer"


def message_facts(message: Message, reader: Contact) -> dict[str, Any]:
    return {
        "id": message.pk,
        "at": message.created_at.isoformat(),
        "author": message_author(message, reader),
        "text": message.body_text,
        "attachments": [
            {"name": item.filename, "size": item.size, "kept": item.blob_id is not None}
            for item in message.attachments.all()
        ],
    }


def not_found(missing: NotFound) -> Response:
    return Response(
        {"error": "not_found", "message": str(missing)}, status=status.HTTP_404_NOT_FOUND
    )


def size_refusal(request: Request) -> Response | None:
    """Files are read into memory to be hashed and stored: bound the request first.
    Every view that takes files calls this before reading the body."""
    limit = settings.SUPPORTDESK["API_REQUEST_MAX_BYTES"]
    if "chunked" in request.headers.get("Transfer-Encoding", "").lower():
        # WSGI gives Django no body without a Content-Length: say so, not "no document".
        return Response(
            {"error": "length_required", "message": "send the request with a known size"},
            status=status.HTTP_411_LENGTH_REQUIRED,
        )
    try:
        length = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        length = 0
    if length <= limit:
        return None
    return Response(
        {
            "error": "too_large",
            "message": (
                f"the request is {length} bytes, over the {limit} bytes this server reads: "
                "send the request without its largest files and ask on the ticket for an "
                "upload link"
            ),
            "max_bytes": limit,
        },
        status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    )


class CustomerApiView(APIView):
    """A view for a customer holding an API token."""

    authentication_classes = [ContactTokenAuthentication]
    permission_classes = [HasApiToken]

    def permission_denied(
        self, request: Request, message: str | None = None, code: str | None = None
    ) -> None:
        # DRF's own "credentials were not provided" does not say which credentials.
        if request.successful_authenticator is None:
            raise NotAuthenticated(HasApiToken.message)
        super().permission_denied(request, message, code)


class RequestsView(CustomerApiView):
    parser_classes = [JSONParser, MultiPartParser]

    @extend_schema(
        operation_id="submit_request",
        summary="Send a Standard Request (supportdesk request v1)",
        description=(
            "application/json: the document alone. multipart/form-data: the document in the "
            "part `request` (text or file), each attachment as a file part, listed in the "
            "document's `attachments` manifest with its size and SHA-256. A `related_ticket` "
            "adds the request to that ticket. Problems come in the Accept-Language (en, es, "
            "fr) or the contact's language. Schema: /api/v1/schema/request-v1.json"
        ),
        request={
            "application/json": OpenApiTypes.OBJECT,
            "multipart/form-data": inline_serializer(
                "RequestUpload",
                {
                    DOCUMENT_PART: serializers.CharField(help_text="the JSON document"),
                    "files": serializers.ListField(child=serializers.FileField()),
                },
            ),
        },
        responses={
            201: _submitted,
            400: OpenApiResponse(_refusal, description="not a JSON document"),
            401: OpenApiResponse(description="missing, unknown or revoked token"),
            411: OpenApiResponse(description="sent without a Content-Length"),
            413: OpenApiResponse(description="over SUPPORTDESK_API_REQUEST_MAX_BYTES"),
            422: OpenApiResponse(_refusal, description="every problem, by field"),
        },
    )
    def post(self, request: Request) -> Response:
        contact = request.user
        language = request_language(request, contact.language)
        too_large = size_refusal(request)
        if too_large is not None:
            return too_large
        try:
            document, files = self._read(request)
            submitted = submit_standard_request(
                contact=contact,
                document=document,
                files=files,
                origin={"transport": "api", "client_address": request.META.get("REMOTE_ADDR")},
            )
        except RequestInvalid as problems:
            return refusal(problems, language)
        except InvalidTransition as refused:
            return Response(
                {"error": "conflict", "message": str(refused)}, status=status.HTTP_409_CONFLICT
            )
        ticket = submitted.ticket
        attachments = Attachment.objects.filter(message=submitted.message).order_by("id")
        return Response(
            {
                "reference": ticket.reference,
                "url": ticket_url(ticket),
                "follow_up": submitted.follow_up,
                "channel": submitted.message.channel,
                "status": ticket.status,
                **promise_facts(ticket, request),
                "attachments": [
                    {
                        "name": item.filename,
                        "size": item.size,
                        "sha256": item.sha256,
                        "kept": item.blob_id is not None,
                        "removed_reason": item.removed_reason,
                    }
                    for item in attachments
                ],
                # Never a refusal: the request is opened whatever the outcome.
                "entitlement": (
                    None if submitted.follow_up else entitlement_facts(ticket, language=language)
                ),
            },
            status=status.HTTP_201_CREATED,
        )

    def _read(self, request: Request) -> tuple[Any, list[UploadedFile]]:
        try:
            data = request.data
        except ParseError as error:
            raise RequestInvalid([Problem("", "not_json", {"detail": str(error)})]) from error
        except UnsupportedMediaType as error:
            raise RequestInvalid([Problem("", "missing_document")]) from error
        if request.content_type.startswith("application/json"):
            return data, []
        part = request.FILES.get(DOCUMENT_PART)
        raw: bytes | str | None = part.read() if part is not None else data.get(DOCUMENT_PART)
        if raw is None:
            raise RequestInvalid([Problem("", "missing_document")])
        document = parse_document(raw)
        files = [
            UploadedFile(
                name=upload.name or "attachment",
                content=upload.read(),
                content_type=upload.content_type or "application/octet-stream",
            )
            for field in request.FILES
            if field != DOCUMENT_PART
            for upload in request.FILES.getlist(field)
        ]
        return document, files


class TicketStatusView(CustomerApiView):
    @extend_schema(
        operation_id="ticket_status",
        summary="The status of one of your tickets, with its conversation",
        description=(
            f"`messages`: the last {MESSAGES_SHOWN} messages you may read, oldest first "
            "(internal notes are never shown). `author` is `you` for your own messages, "
            "`support` for the support desk's answers, else the name of the colleague who "
            "wrote. An attachment that was not kept (over the size limit) has `kept` false."
        ),
        responses={200: _ticket_detail, 401: OpenApiResponse(), 404: OpenApiResponse()},
    )
    def get(self, request: Request, reference: str) -> Response:
        try:
            ticket = access_ticket_for_customer(request.user, reference)
        except NotFound as missing:
            return not_found(missing)
        messages = public_messages(ticket, last=MESSAGES_SHOWN)
        return Response(
            {
                **ticket_status(ticket, answer_promise(ticket, language=asked_language(request))),
                "messages": [message_facts(message, request.user) for message in messages],
            }
        )


def request_schema_file(request: HttpRequest) -> FileResponse:
    """The JSON Schema of the format, as published in the repository."""
    return FileResponse(
        SCHEMA_PATH.open("rb"), content_type="application/schema+json", filename=SCHEMA_PATH.name
    )
