from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html")


def request_tool(request: HttpRequest) -> HttpResponse:
    """Where the free-form mail's acknowledgement sends customers: what the request tool
    is and how to get it (the default of SUPPORTDESK_REQUEST_TOOL_URL)."""
    context = {
        "site_url": settings.SITE_URL,
        "support_address": settings.SUPPORTDESK["MAIL_FROM"],
    }
    return render(request, "core/request_tool.html", context)


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers and `supportdesk run`: the process answers and the DB too."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
