"""The upload page (/upload/<token>/) and its JSON twin for developers (curl -F file=@x).

No login: the token in the URL is the credential. Thin views: the services in
tickets/services/uploads.py decide; these pages only receive the file and say the outcome.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from supportdesk.core.clock import now
from supportdesk.core.errors import NotFound
from supportdesk.portal.receiving import FILE_FIELD, CappedHashingUploadHandler, receive_upload
from supportdesk.portal.texts import NOT_FOUND, texts_for
from supportdesk.tickets.choices import Channel
from supportdesk.tickets.models import Attachment, Message, UploadLink
from supportdesk.tickets.services import UploadRefusal, UploadRefused, accept_upload
from supportdesk.tickets.services.uploads import (
    check_upload_link,
    customer_time_zone,
    find_upload_link,
    format_expiry,
    readable_size,
)

REFUSAL_STATUS = {
    UploadRefusal.EXPIRED: 410,
    UploadRefusal.REVOKED: 410,
    UploadRefusal.USED_UP: 403,
    UploadRefusal.TICKET_CLOSED: 409,
    UploadRefusal.NO_FILE: 400,
    UploadRefusal.EMPTY: 400,
    UploadRefusal.TOO_LARGE: 413,
}


# The upload handler must be installed before anything reads the body, and the CSRF check
# reads it: so the outer view is exempt and the inner one is protected (Django's documented
# way to change upload handlers on a CSRF-protected view).
@csrf_exempt
@require_http_methods(["GET", "POST"])
def upload_page(request: HttpRequest, token: str) -> HttpResponse:
    try:
        link = find_upload_link(token)
    except NotFound:
        return render(request, "portal/upload_not_found.html", {"message": NOT_FOUND}, status=404)
    handler = (
        receive_upload(request, max_bytes=link.max_bytes) if request.method == "POST" else None
    )
    return _upload_page(request, token, link, handler)


@csrf_protect
def _upload_page(
    request: HttpRequest,
    token: str,
    link: UploadLink,
    handler: CappedHashingUploadHandler | None,
) -> HttpResponse:
    if handler is None:
        try:
            check_upload_link(link, at=now())
        except UploadRefused as refused:
            return _page(request, token, link, refused=refused)
        return _page(request, token, link)
    try:
        message = accept_upload(
            token=token,
            upload=handler.read(request),
            channel=Channel.PORTAL,
            client=request.META.get("REMOTE_ADDR", ""),
        )
    except UploadRefused as refused:
        return _page(request, token, refused.link, refused=refused, upload=handler)
    return _page(request, token, link, received=message.attachments.get())


# The token in the URL is the only credential: no cookie or session is read, so a
# cross-site request has nothing to borrow and a CSRF token would only stop curl.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def upload_api(request: HttpRequest, token: str) -> JsonResponse:
    try:
        link = find_upload_link(token)
    except NotFound:
        return JsonResponse({"error": "not_found", "message": "No such upload link"}, status=404)
    if request.method == "GET":
        return JsonResponse(_link_facts(link))
    if "chunked" in request.headers.get("Transfer-Encoding", "").lower():
        # WSGI gives Django no body without a Content-Length: say so rather than "no file".
        return JsonResponse(
            {
                "error": "length_required",
                "message": "send the file with a known size (curl -F file=@FILE, not from a pipe)",
            },
            status=411,
        )
    handler = receive_upload(request, max_bytes=link.max_bytes)
    try:
        message = accept_upload(
            token=token,
            upload=handler.read(request),
            channel=Channel.API,
            client=request.META.get("REMOTE_ADDR", ""),
        )
    except MultiPartParserError as error:
        return JsonResponse(
            {"error": "bad_request", "message": f"expected multipart/form-data: {error}"},
            status=400,
        )
    except UploadRefused as refused:
        return JsonResponse(
            {**_link_facts(refused.link), "error": refused.reason.value, "message": str(refused)},
            status=REFUSAL_STATUS[refused.reason],
        )
    return JsonResponse(_received_facts(message), status=201)


def _page(
    request: HttpRequest,
    token: str,
    link: UploadLink,
    *,
    refused: UploadRefused | None = None,
    upload: CappedHashingUploadHandler | None = None,
    received: Attachment | None = None,
) -> HttpResponse:
    ticket = link.ticket
    texts = texts_for(ticket.language)
    zone_name = customer_time_zone(ticket)
    facts: dict[str, Any] = {
        "reference": ticket.reference,
        "cap": readable_size(link.max_bytes, texts.decimal_mark),
        "expiry": format_expiry(link.expires_at, zone_name, ticket.language),
        "zone": zone_name.rsplit("/", 1)[-1].replace("_", " "),
        "count": link.upload_count,
    }
    sent = upload.upload_in(FILE_FIELD) if upload is not None else None
    if sent is not None:
        facts["filename"] = sent.filename
    if received is not None:
        facts["filename"] = received.filename
        facts["size"] = readable_size(received.size, texts.decimal_mark)
    # The form stays when the file was the problem, not the link.
    link_usable = refused is None or refused.reason in (
        UploadRefusal.NO_FILE,
        UploadRefusal.EMPTY,
        UploadRefusal.TOO_LARGE,
    )
    context = {
        "language": ticket.language,
        "title": texts.title.format(**facts),
        "intro": texts.intro.format(**facts),
        "texts": texts,
        "error": texts.refusals[refused.reason].format(**facts) if refused else "",
        "show_form": link_usable and received is None,
        "received": texts.received.format(**facts) if received else "",
        "sha256": received.sha256 if received else "",
        "page_url": reverse("upload-page", args=[token]),
        "curl": f"curl -F file=@FILE {settings.SITE_URL}{reverse('upload-api', args=[token])}",
    }
    status = REFUSAL_STATUS[refused.reason] if refused else 200
    return render(request, "portal/upload.html", context, status=status)


def _link_facts(link: UploadLink) -> dict[str, Any]:
    facts: dict[str, Any] = {
        "reference": link.ticket.reference,
        "max_bytes": link.max_bytes,
        "expires_at": link.expires_at.isoformat(),
        "files_left": max(0, settings.SUPPORTDESK["UPLOAD_LINK_MAX_FILES"] - link.upload_count),
    }
    try:
        check_upload_link(link, at=now())
    except UploadRefused as refused:
        facts["usable"], facts["refusal"] = False, refused.reason.value
    else:
        facts["usable"] = True
    return facts


def _received_facts(message: Message) -> dict[str, Any]:
    attachment = message.attachments.get()
    return {
        "reference": message.ticket.reference,
        "filename": attachment.filename,
        "size": attachment.size,
        "sha256": attachment.sha256,
    }
