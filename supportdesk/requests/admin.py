"""Customers' API tokens in the admin: listed, searched by the contact's address, revoked.

Only the token's digest is stored and it is never shown, not even here. Tokens are created
by the command line, which prints the token once: an admin form would have nowhere safe
to show it."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from supportdesk.requests.models import ApiToken
from supportdesk.requests.tokens import revoke_api_token

CREATE_HINT = (
    "API tokens are created with `supportdesk token create --contact EMAIL [--name LABEL]`, "
    "which prints the token once; only its SHA-256 is kept."
)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["id", "contact", "name", "created_at", "created_by", "last_used_at", "revoked"]
    list_select_related = ["contact"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["contact__emails__address", "contact__name", "name"]
    exclude = ["token_sha256"]
    readonly_fields = ["contact", "name", "created_at", "created_by", "last_used_at", "revoked_at"]
    ordering = ["-id"]
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Revoked, not deleted: a revoked token is refused by name ("revoked on ...").
        return False

    @admin.display(boolean=True, description="revoked", ordering="revoked_at")
    def revoked(self, token: ApiToken) -> bool:
        return token.revoked_at is not None

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if request.method == "GET":
            self.message_user(request, CREATE_HINT, messages.INFO)
        return super().changelist_view(request, extra_context)

    @admin.action(description="Revoke the selected API tokens", permissions=["view"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        revoked = 0
        for token in queryset.filter(revoked_at__isnull=True):
            revoke_api_token(token.pk)
            revoked += 1
        self.message_user(request, f"{revoked} API token(s) revoked.", messages.SUCCESS)
