"""Tickets in the admin are read-only: every change goes through the services, which keep
the audit trail and the counters. The technicians' desk is where tickets are worked."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from supportdesk.tickets.models import (
    Attachment,
    AttachmentAgreement,
    Deadline,
    Message,
    Tag,
    Ticket,
    TicketEvent,
)
from supportdesk.tickets.references import parse_reference


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class MessageInline(ReadOnlyInline):
    model = Message
    fields = (
        "created_at",
        "kind",
        "channel",
        "author_contact",
        "author_technician",
        "body_text",
        "origin",
    )
    readonly_fields = fields


class DeadlineInline(ReadOnlyInline):
    model = Deadline
    fields = (
        "metric",
        "started_at",
        "target_at",
        "breach_at",
        "paused_at",
        "stopped_at",
        "stop_reason",
        "breached_at",
        "escalated_to",
    )
    readonly_fields = fields


class EventInline(ReadOnlyInline):
    model = TicketEvent
    fields = ("created_at", "kind", "actor_name", "data")
    readonly_fields = fields


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = [
        "reference",
        "subject",
        "status",
        "priority",
        "channel",
        "team",
        "assignee",
        "requester",
        "due_at",
        "created_at",
    ]
    list_filter = ["status", "priority", "channel", "category", "team", "product", "language"]
    search_fields = ["=number", "subject"]
    list_select_related = ["team", "assignee", "requester"]
    ordering = ["-number"]
    show_full_result_count = False
    date_hierarchy = None
    inlines = [DeadlineInline, MessageInline, EventInline]
    readonly_fields = [f.name for f in Ticket._meta.fields] + ["reference"]
    exclude = ["tags"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_search_results(self, request: HttpRequest, queryset: Any, search_term: str) -> Any:
        # "SD-100001" finds ticket 100001, like in mail subjects.
        number = parse_reference(search_term)
        if number is not None:
            return queryset.filter(number=number), False
        return super().get_search_results(request, queryset, search_term)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ["filename", "size", "content_type", "removed_reason"]
    search_fields = ["filename", "sha256"]
    raw_id_fields = ["message", "blob"]


@admin.register(AttachmentAgreement)
class AttachmentAgreementAdmin(admin.ModelAdmin):
    list_display = ["__str__", "ticket", "organization", "contact", "granted_by", "created_at"]
    raw_id_fields = ["ticket", "organization", "contact", "granted_by"]
