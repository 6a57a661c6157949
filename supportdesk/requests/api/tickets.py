"""The customer's own tickets over the API: the policy a client checks a request against,
the list of tickets, and the actions on one ticket (reply, "not satisfied", upload link).
What the request tool's `status`, `reply` and `not-satisfied` subcommands call."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.exceptions import ParseError, UnsupportedMediaType
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from supportdesk.core.errors import InvalidInput, InvalidTransition, NotFound
from supportdesk.requests import texts
from supportdesk.requests.api.views import (
    CustomerApiView,
    _status_fields,
    asked_language,
    not_found,
    request_language,
    size_refusal,
    ticket_status,
)
from supportdesk.requests.policy import max_files, request_policy
from supportdesk.tickets.access import access_ticket_for_customer
from supportdesk.tickets.choices import Channel
from supportdesk.tickets.models import Attachment, Ticket
from supportdesk.tickets.selectors import answer_promises, list_tickets
from supportdesk.tickets.services import (
    NewAttachment,
    reply_to_ticket,
    request_rereview,
    request_upload_link,
)

# The request tool names itself in this header ("supportdesk-request/0.3.1"): its replies
# and re-review requests are then recorded as coming from the tool, like its requests
# (whose document names the client). Anything else is a plain API client.
CLIENT_HEADER = "X-Supportdesk-Client"
REQUEST_TOOL_NAME = "supportdesk-request"
TICKETS_PER_PAGE = 25

_error = inline_serializer(
    "Error",
    {
        "error": serializers.CharField(),
        "message": serializers.CharField(help_text="in the Accept-Language (en, es, fr)"),
    },
)
_client_header = OpenApiParameter(
    CLIENT_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description=(
        f"`{REQUEST_TOOL_NAME}/<version>` records the action as made with the request "
        "tool (channel request_tool); otherwise the channel is api"
    ),
)


def client_channel(request: Request) -> str:
    name = request.headers.get(CLIENT_HEADER, "").strip().split("/")[0].strip().lower()
    return Channel.REQUEST_TOOL if name == REQUEST_TOOL_NAME else Channel.API


def error(code: str, message: str, http_status: int, **extra: Any) -> Response:
    return Response({"error": code, "message": message, **extra}, status=http_status)


def refused_transition(refused: InvalidTransition, ticket: Ticket, language: str) -> Response:
    """409 (403 for a missing agreement), said in the customer's language."""
    code = refused.code or "conflict"
    message = texts.action_text(code, language, reference=ticket.reference)
    if code == "no_agreement":
        return error("no_agreement", message, status.HTTP_403_FORBIDDEN)
    return error("conflict", message, status.HTTP_409_CONFLICT, reason=code)


def missing_text(field: str, language: str) -> Response:
    message = texts.action_text("empty_text", language, field=field)
    return Response(
        {
            "error": "invalid_request",
            "message": message,
            "problems": [{"field": f"/{field}", "code": "required", "message": message}],
        },
        status=status.HTTP_422_UNPROCESSABLE_ENTITY,
    )


def text_field(request: Request, field: str) -> str | None:
    """The text field of a JSON or multipart body; None when the body is not readable."""
    try:
        data = request.data
    except (ParseError, UnsupportedMediaType):
        return None
    value = data.get(field) if hasattr(data, "get") else None
    return value if isinstance(value, str) else ""


def malformed(language: str) -> Response:
    return error(
        "malformed_request",
        texts.problem_text("not_object", language, {}),
        status.HTTP_400_BAD_REQUEST,
    )


class PolicyView(CustomerApiView):
    @extend_schema(
        operation_id="request_policy",
        summary="The limits your requests are checked against, and the product catalog",
        description=(
            "attachment_max_bytes: the largest file kept (your plan's limit, raised by an "
            "attachment agreement in force); request_max_bytes: the largest request this "
            "server reads; upload_agreement: a customer-wide agreement in force, under "
            "which POST /tickets/{reference}/upload-links grants a link for larger files."
        ),
        responses={
            200: inline_serializer(
                "RequestPolicy",
                {
                    "attachment_max_bytes": serializers.IntegerField(),
                    "request_max_bytes": serializers.IntegerField(),
                    "max_files": serializers.IntegerField(),
                    "code_extract_max_lines": serializers.IntegerField(),
                    "languages": serializers.ListField(child=serializers.CharField()),
                    "products": inline_serializer(
                        "PolicyProduct",
                        {
                            "code": serializers.CharField(),
                            "name": serializers.CharField(),
                            "versions": inline_serializer(
                                "PolicyVersion",
                                {
                                    "name": serializers.CharField(),
                                    "on_sale": serializers.BooleanField(),
                                },
                                many=True,
                            ),
                        },
                        many=True,
                    ),
                    "upload_agreement": inline_serializer(
                        "PolicyAgreement",
                        {
                            "max_bytes": serializers.IntegerField(),
                            "expires_at": serializers.DateTimeField(),
                        },
                        allow_null=True,
                    ),
                },
            ),
            401: OpenApiResponse(description="missing, unknown or revoked token"),
        },
    )
    def get(self, request: Request) -> Response:
        policy = request_policy(request.user)
        agreement = policy.upload_agreement
        return Response(
            {
                "attachment_max_bytes": policy.attachment_max_bytes,
                "request_max_bytes": policy.request_max_bytes,
                "max_files": policy.max_files,
                "code_extract_max_lines": policy.code_extract_max_lines,
                "languages": policy.languages,
                "products": [
                    {
                        "code": product.code,
                        "name": product.name,
                        "versions": [
                            {"name": v.name, "on_sale": v.on_sale} for v in product.versions
                        ],
                    }
                    for product in policy.products
                ],
                "upload_agreement": (
                    {
                        "max_bytes": agreement.max_bytes,
                        "expires_at": agreement.expires_at.isoformat(),
                    }
                    if agreement
                    else None
                ),
            }
        )


class TicketListView(CustomerApiView):
    @extend_schema(
        operation_id="list_tickets",
        summary="Your tickets, newest first",
        description=(
            "Yours, those you take part in, and your organization's if your account may read "
            "them. One page at a time: follow `next` (null on the last page)."
        ),
        parameters=[
            OpenApiParameter("before", int, description="a ticket number from `next`"),
            OpenApiParameter(
                "limit", int, description=f"tickets per page (default {TICKETS_PER_PAGE})"
            ),
        ],
        responses={
            200: inline_serializer(
                "TicketList",
                {
                    "tickets": inline_serializer("TicketListEntry", _status_fields(), many=True),
                    "next": serializers.URLField(allow_null=True),
                },
            ),
            400: OpenApiResponse(_error, description="before or limit not a number in range"),
            401: OpenApiResponse(description="missing, unknown or revoked token"),
        },
    )
    def get(self, request: Request) -> Response:
        language = request_language(request, request.user.language)
        max_limit: int = settings.SUPPORTDESK["TICKET_LIST_MAX_LIMIT"]
        try:
            before = _whole_number(request.query_params.get("before"))
        except ValueError:
            return error(
                "invalid_parameter",
                texts.action_text("bad_before", language),
                status.HTTP_400_BAD_REQUEST,
            )
        try:
            asked = _whole_number(request.query_params.get("limit"))
            limit = TICKETS_PER_PAGE if asked is None else asked
            if not 1 <= limit <= max_limit:
                raise ValueError(limit)
        except ValueError:
            return error(
                "invalid_parameter",
                texts.action_text("bad_limit", language, limit=max_limit),
                status.HTTP_400_BAD_REQUEST,
            )
        page = list_tickets(viewer=request.user, limit=limit, before=before)
        # Each promise in its ticket's language unless the client asked for one we speak.
        promises = answer_promises(page.tickets, language=asked_language(request))
        following = None
        if page.next_before is not None:
            query = {"before": page.next_before}
            if "limit" in request.query_params:
                query["limit"] = limit
            following = f"{settings.SITE_URL}{reverse('api-tickets')}?{urlencode(query)}"
        return Response(
            {
                "tickets": [ticket_status(t, promises.get(t.pk)) for t in page.tickets],
                "next": following,
            }
        )


def _whole_number(value: str | None) -> int | None:
    if value is None or value == "":
        return None
    if not value.isascii() or not value.isdigit():
        raise ValueError(value)
    return int(value)


class TicketRepliesView(CustomerApiView):
    parser_classes = [JSONParser, MultiPartParser]

    @extend_schema(
        operation_id="reply_to_ticket",
        summary="Reply on one of your tickets",
        description=(
            "application/json {text}, or multipart/form-data with the field `text` and file "
            "parts. A pending or solved ticket opens again. Files over your plan's limit are "
            "recorded (name, size) and not kept, as with a request."
        ),
        parameters=[_client_header],
        request={
            "application/json": inline_serializer("ReplyJson", {"text": serializers.CharField()}),
            "multipart/form-data": inline_serializer(
                "ReplyUpload",
                {
                    "text": serializers.CharField(),
                    "files": serializers.ListField(child=serializers.FileField()),
                },
            ),
        },
        responses={
            201: inline_serializer(
                "ReplyAccepted",
                {
                    "reference": serializers.CharField(),
                    "message_id": serializers.IntegerField(),
                    "status": serializers.CharField(),
                    "attachments": inline_serializer(
                        "ReplyAttachment",
                        {
                            "name": serializers.CharField(),
                            "size": serializers.IntegerField(),
                            "kept": serializers.BooleanField(),
                        },
                        many=True,
                    ),
                },
            ),
            400: OpenApiResponse(_error, description="not JSON or multipart"),
            401: OpenApiResponse(description="missing, unknown or revoked token"),
            404: OpenApiResponse(_error, description="no ticket of yours"),
            409: OpenApiResponse(_error, description="the ticket is closed or merged"),
            413: OpenApiResponse(description="over SUPPORTDESK_API_REQUEST_MAX_BYTES"),
            422: OpenApiResponse(description="no text, or too many files"),
        },
    )
    def post(self, request: Request, reference: str) -> Response:
        contact = request.user
        language = request_language(request, contact.language)
        try:
            ticket = access_ticket_for_customer(contact, reference)
        except NotFound as missing:
            return not_found(missing)
        too_large = size_refusal(request)
        if too_large is not None:
            return too_large
        text = text_field(request, "text")
        if text is None:
            return malformed(language)
        if not text.strip():
            return missing_text("text", language)
        uploads = [upload for field in request.FILES for upload in request.FILES.getlist(field)]
        if len(uploads) > max_files():
            return error(
                "invalid_request",
                texts.action_text(
                    "too_many_files", language, limit=max_files(), count=len(uploads)
                ),
                status.HTTP_422_UNPROCESSABLE_ENTITY,
            )
        try:
            message = reply_to_ticket(
                actor=contact,
                ticket=ticket,
                body_text=text,
                channel=client_channel(request),
                attachments=[
                    NewAttachment(
                        filename=upload.name or "attachment",
                        content=upload.read(),
                        content_type=upload.content_type or "application/octet-stream",
                    )
                    for upload in uploads
                ],
                origin={"transport": "api", "client": request.headers.get(CLIENT_HEADER, "")},
            )
        except InvalidTransition as refused:
            return refused_transition(refused, ticket, language)
        except InvalidInput:
            return missing_text("text", language)
        attachments = Attachment.objects.filter(message=message).order_by("id")
        return Response(
            {
                "reference": ticket.reference,
                "message_id": message.pk,
                "status": ticket.status,
                "attachments": [
                    {"name": a.filename, "size": a.size, "kept": a.blob_id is not None}
                    for a in attachments
                ],
            },
            status=status.HTTP_201_CREATED,
        )


class NotSatisfiedView(CustomerApiView):
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="not_satisfied",
        summary="Say you are not satisfied with the answer: another technician reviews it",
        parameters=[_client_header],
        request=inline_serializer(
            "NotSatisfied", {"comment": serializers.CharField(help_text="what is missing")}
        ),
        responses={
            201: inline_serializer(
                "RereviewRequested",
                {"reference": serializers.CharField(), "status": serializers.CharField()},
            ),
            400: OpenApiResponse(_error, description="not JSON"),
            401: OpenApiResponse(description="missing, unknown or revoked token"),
            404: OpenApiResponse(_error, description="no ticket of yours"),
            409: OpenApiResponse(
                _error, description="not answered yet, or already being reviewed again"
            ),
            422: OpenApiResponse(description="no comment"),
        },
    )
    def post(self, request: Request, reference: str) -> Response:
        contact = request.user
        language = request_language(request, contact.language)
        try:
            ticket = access_ticket_for_customer(contact, reference)
        except NotFound as missing:
            return not_found(missing)
        comment = text_field(request, "comment")
        if comment is None:
            return malformed(language)
        if not comment.strip():
            return missing_text("comment", language)
        try:
            ticket = request_rereview(
                actor=contact, ticket=ticket, comment=comment, channel=client_channel(request)
            )
        except InvalidTransition as refused:
            return refused_transition(refused, ticket, language)
        except InvalidInput:
            return missing_text("comment", language)
        return Response(
            {"reference": ticket.reference, "status": ticket.status},
            status=status.HTTP_201_CREATED,
        )


class UploadLinksView(CustomerApiView):
    @extend_schema(
        operation_id="request_upload_link",
        summary="An upload link for files larger than your plan allows",
        description=(
            "Granted when an attachment agreement in force covers the ticket (its own, yours "
            "or your organization's). Then: `curl -F file=@FILE <api_url>`, one file per "
            "call, up to max_files files of at most max_bytes each, until expires_at."
        ),
        request=None,
        responses={
            201: inline_serializer(
                "UploadLinkGranted",
                {
                    "url": serializers.URLField(help_text="a page to send files from"),
                    "api_url": serializers.URLField(help_text="POST multipart field `file`"),
                    "max_bytes": serializers.IntegerField(),
                    "max_files": serializers.IntegerField(),
                    "expires_at": serializers.DateTimeField(),
                },
            ),
            401: OpenApiResponse(description="missing, unknown or revoked token"),
            403: OpenApiResponse(_error, description="no_agreement: ask on the ticket first"),
            404: OpenApiResponse(_error, description="no ticket of yours"),
            409: OpenApiResponse(_error, description="the ticket is closed or merged"),
        },
    )
    def post(self, request: Request, reference: str) -> Response:
        contact = request.user
        language = request_language(request, contact.language)
        try:
            ticket = access_ticket_for_customer(contact, reference)
        except NotFound as missing:
            return not_found(missing)
        try:
            issued = request_upload_link(contact=contact, ticket=ticket)
        except InvalidTransition as refused:
            return refused_transition(refused, ticket, language)
        return Response(
            {
                "url": issued.url,
                "api_url": issued.api_url,
                "max_bytes": issued.link.max_bytes,
                "max_files": settings.SUPPORTDESK["UPLOAD_LINK_MAX_FILES"],
                "expires_at": issued.link.expires_at.isoformat(),
            },
            status=status.HTTP_201_CREATED,
        )
