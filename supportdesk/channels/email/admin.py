"""Received mail in the admin, read-only: what came in, how it was judged, where it went.
Replaying a quarantined mail is `supportdesk mail quarantine replay`."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from supportdesk.channels.email.models import InboundMail


@admin.register(InboundMail)
class InboundMailAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "received_at",
        "source",
        "envelope_from",
        "status",
        "authenticity",
        "ticket",
    ]
    list_filter = ["status", "authenticity", "source"]
    search_fields = ["=header_message_id", "envelope_from"]
    list_select_related = ["ticket"]
    ordering = ["-id"]
    show_full_result_count = False
    readonly_fields = [field.name for field in InboundMail._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # nothing received is ever deleted
