"""Thin views: parse the transport, call the service, shape the answer."""

from __future__ import annotations

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
from supportdesk.tickets.entitlement import entitlement_facts
from supportdesk.tickets.models import Attachment, Ticket
from supportdesk.tickets.selectors import answer_promise

DOCUMENT_PART = "request"
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
_ticket_status = inline_serializer(
    "TicketStatus",
    {
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
    return min(ranked)[2] if ranked else texts.supported(fallback)


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


def promise_facts(ticket: Ticket) -> dict[str, Any]:
    promise = answer_promise(ticket)
    return {
        "answer_by": promise[0].isoformat() if promise else None,
        "answer_by_text": promise[1] if promise else None,
    }


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
        too_large = self._size_refusal(request)
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
                **promise_facts(ticket),
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

    def _size_refusal(self, request: Request) -> Response | None:
        """Files are read into memory to be hashed and stored: bound the request first."""
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
        summary="The status of one of your tickets",
        responses={200: _ticket_status, 401: OpenApiResponse(), 404: OpenApiResponse()},
    )
    def get(self, request: Request, reference: str) -> Response:
        try:
            ticket = access_ticket_for_customer(request.user, reference)
        except NotFound as missing:
            return Response(
                {"error": "not_found", "message": str(missing)}, status=status.HTTP_404_NOT_FOUND
            )
        return Response(
            {
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
                **promise_facts(ticket),
            }
        )


def request_schema_file(request: HttpRequest) -> FileResponse:
    """The JSON Schema of the format, as published in the repository."""
    return FileResponse(
        SCHEMA_PATH.open("rb"), content_type="application/schema+json", filename=SCHEMA_PATH.name
    )
