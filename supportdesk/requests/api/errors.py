"""Every API refusal has the same shape, {"error", "message"}, including those DRF raises
itself (authentication, throttling, a method not allowed), so a client reads one shape.
"detail" stays beside them for clients written against DRF's own shape."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import APIException
from rest_framework.response import Response
from rest_framework.views import exception_handler


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    response = exception_handler(exc, context)
    if response is None or not isinstance(exc, APIException):
        return response
    data = response.data
    if isinstance(data, dict) and set(data) == {"detail"}:
        detail = data["detail"]
        response.data = {
            "error": str(getattr(detail, "code", None) or exc.default_code),
            "message": str(detail),
            "detail": str(detail),
        }
    return response
