"""GET /api/v1/similar: answers a customer may read before sending a request (deflection).

Thin: the lookups and who may see what are tickets/similar.py's. A published answer is
read at /api/v1/similar/<id>; a customer's own ticket at /api/v1/tickets/<reference>."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from supportdesk.catalog.models import Product
from supportdesk.requests.api.views import CustomerApiView, request_language
from supportdesk.tickets.models import PublishedAnswer
from supportdesk.tickets.similar import Suggestion, suggestions_for_customer

# The tool shows a handful; the lookups are bounded whatever is asked.
MAX_RESULTS = 5
MAX_QUERY_CHARS = 4000

UNKNOWN_PRODUCT = {
    "en": "unknown product {code!r}",
    "es": "producto desconocido {code!r}",
    "fr": "produit inconnu {code!r}",
}
NOTHING_TO_SEARCH = {
    "en": "give a subject or an error text",
    "es": "indique un asunto o un texto de error",
    "fr": "indiquez un objet ou un texte d'erreur",
}
NOT_FOUND = {
    "en": "no published answer {value}",
    "es": "no hay ninguna respuesta publicada {value}",
    "fr": "aucune réponse publiée {value}",
}

_similar = inline_serializer(
    "Similar",
    {
        "title": serializers.CharField(),
        "url": serializers.URLField(),
        "excerpt": serializers.CharField(),
        "reference": serializers.CharField(
            allow_null=True, help_text="your own ticket's reference; null for a published answer"
        ),
    },
)


def _url(item: Suggestion) -> str:
    if item.reference is not None:
        return settings.SITE_URL + reverse("api-ticket", args=[item.reference])
    return settings.SITE_URL + reverse("api-similar", kwargs={"answer_id": str(item.answer_id)})


class SimilarView(CustomerApiView):
    @extend_schema(
        operation_id="similar_answers",
        summary="Answers like the request you are about to send",
        description=(
            "Your (or your organization's) solved tickets and the answers published for "
            "every customer, the same error first. /api/v1/similar/<id> reads one "
            "published answer."
        ),
        parameters=[
            OpenApiParameter("subject", str),
            OpenApiParameter("error_text", str),
            OpenApiParameter("product", str, description="product code"),
        ],
        responses={
            200: inline_serializer("SimilarAnswers", {"similar": _similar.__class__(many=True)}),
            400: OpenApiResponse(description="nothing to search, or an unknown product"),
            401: OpenApiResponse(description="missing, unknown or revoked token"),
        },
    )
    def get(self, request: Request, answer_id: str | None = None) -> Response:
        language = request_language(request, request.user.language)
        if answer_id is not None:
            return self._answer(int(answer_id), language)
        subject = request.query_params.get("subject", "")[:MAX_QUERY_CHARS]
        error_text = request.query_params.get("error_text", "")[:MAX_QUERY_CHARS]
        code = request.query_params.get("product", "").strip()
        if not subject.strip() and not error_text.strip():
            return _bad_request("nothing_to_search", NOTHING_TO_SEARCH[language])
        product = None
        if code:
            product = Product.objects.filter(code__iexact=code, is_active=True).first()
            if product is None:
                return _bad_request("unknown_product", UNKNOWN_PRODUCT[language].format(code=code))
        found = suggestions_for_customer(
            request.user,
            subject=subject,
            error_text=error_text,
            product=product,
            limit=MAX_RESULTS,
        )
        return Response(
            {
                "similar": [
                    {
                        "title": item.title,
                        "url": _url(item),
                        "excerpt": item.excerpt,
                        "reference": item.reference,
                    }
                    for item in found
                ]
            }
        )

    def _answer(self, answer_id: int, language: str) -> Response:
        answer = PublishedAnswer.objects.filter(pk=answer_id, withdrawn_at__isnull=True).first()
        if answer is None:
            return Response(
                {"error": "not_found", "message": NOT_FOUND[language].format(value=answer_id)},
                status=status.HTTP_404_NOT_FOUND,
            )
        return Response(
            {
                "title": answer.title,
                "answer": answer.answer_text,
                "published_at": answer.published_at.isoformat(),
            }
        )


def _bad_request(error: str, message: str) -> Response:
    return Response({"error": error, "message": message}, status=status.HTTP_400_BAD_REQUEST)
