"""Customers authenticate with `Authorization: Bearer <token>`, their personal API token."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from supportdesk.requests.models import ApiToken
from supportdesk.requests.tokens import TokenRefused, authenticate_token


class ContactTokenAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise AuthenticationFailed("expected the header Authorization: Bearer <your API token>")
        try:
            record = authenticate_token(secret)
        except TokenRefused as refused:
            raise AuthenticationFailed(str(refused)) from refused
        return record.contact, record

    def authenticate_header(self, request: Request) -> str:
        # Makes a missing or refused token a 401 (with this challenge), not a 403.
        return 'Bearer realm="supportdesk"'


class HasApiToken(BasePermission):
    message = "send your API token: Authorization: Bearer <token> (ask your support desk for one)"

    def has_permission(self, request: Request, view: Any) -> bool:
        return isinstance(request.auth, ApiToken)


class ContactTokenScheme(OpenApiAuthenticationExtension):
    target_class = "supportdesk.requests.api.authentication.ContactTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "description": "a personal API token"}
