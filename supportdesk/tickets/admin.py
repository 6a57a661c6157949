"""Tickets in the admin are read-only: every change goes through the services, which keep
the audit trail and the counters. The technicians' desk is where tickets are worked."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from supportdesk.accounts.actors import SystemActor
from supportdesk.core.errors import DomainError
from supportdesk.tickets.models import (
    Attachment,
    AttachmentAgreement,
    Deadline,
    Message,
    PublishedAnswer,
    Tag,
    Ticket,
    TicketEvent,
    UploadLink,
)
from supportdesk.tickets.references import parse_reference
from supportdesk.tickets.services import (
    publish_answer,
    revoke_upload_link,
    send_upload_link,
    withdraw_answer,
)
from supportdesk.tickets.similar import similar_tickets


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
    readonly_fields = [f.name for f in Ticket._meta.fields] + ["reference", "similar_solved"]
    exclude = ["tags"]
    actions = ["publish"]

    @admin.display(description="Similar solved tickets")
    def similar_solved(self, obj: Ticket) -> str:
        found = similar_tickets(obj)
        if not found:
            return "-"
        return format_html_join(
            mark_safe("<br>"),
            '<a href="{}">{}</a> {} ({})',
            (
                (
                    reverse("admin:tickets_ticket_change", args=[item.ticket_id]),
                    item.reference,
                    item.subject,
                    "same error" if item.match == "signature" else "same product",
                )
                for item in found
            ),
        )

    @admin.action(
        description="Publish the answer for every customer (edit it under Published answers)",
        permissions=["view"],
    )
    def publish(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> None:
        technician = getattr(request.user, "technician", None)
        actor = technician or SystemActor(name=f"admin {request.user.get_username()}")
        for ticket in queryset:
            try:
                publish_answer(actor=actor, ticket=ticket)
            except DomainError as error:
                self.message_user(request, f"{ticket.reference}: {error}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    f"{ticket.reference}: answer published; review its text before customers "
                    "read it.",
                    messages.SUCCESS,
                )

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
    actions = ["send_link"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if not change and obj.ticket_id is not None:
            # As grant_attachment_agreement does: an agreement for a ticket sends its link.
            self._send_links(request, [obj])

    @admin.action(description="Send the customer an upload link", permissions=["view"])
    def send_link(self, request: HttpRequest, queryset: QuerySet[AttachmentAgreement]) -> None:
        self._send_links(request, list(queryset.select_related("ticket")))

    def _send_links(self, request: HttpRequest, agreements: list[AttachmentAgreement]) -> None:
        technician = getattr(request.user, "technician", None)
        if technician is None:
            self.message_user(
                request, "No upload link sent: only technicians send them.", messages.WARNING
            )
            return
        for agreement in agreements:
            if agreement.ticket is None:
                self.message_user(
                    request,
                    f"{agreement}: covers a customer, not a ticket; its link goes in the "
                    "acknowledgement of each new request.",
                    messages.WARNING,
                )
                continue
            try:
                send_upload_link(actor=technician, ticket=agreement.ticket)
            except DomainError as error:
                self.message_user(request, f"{agreement.ticket.reference}: {error}", messages.ERROR)
            else:
                self.message_user(
                    request, f"Upload link sent for {agreement.ticket.reference}.", messages.SUCCESS
                )


@admin.register(UploadLink)
class UploadLinkAdmin(admin.ModelAdmin):
    """Links are issued by the services (a grant, an acknowledgement) and only the digest
    of their token is kept: technicians see them here and may revoke them."""

    list_display = [
        "id",
        "ticket",
        "max_bytes",
        "expires_at",
        "issued_by",
        "created_at",
        "upload_count",
        "last_used_at",
        "revoked_at",
    ]
    list_select_related = ["ticket", "agreement", "issued_by"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    raw_id_fields = ["ticket", "agreement"]
    readonly_fields = [f.name for f in UploadLink._meta.fields if f.name != "token_sha256"] + [
        "max_bytes",
        "expires_at",
    ]
    exclude = ["token_sha256"]
    ordering = ["-id"]
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="Revoke the selected upload links", permissions=["view"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[UploadLink]) -> None:
        technician = getattr(request.user, "technician", None)
        actor = technician or SystemActor(name=f"admin {request.user.get_username()}")
        revoked = 0
        for link in queryset.select_related("ticket"):
            try:
                revoke_upload_link(actor=actor, link=link)
            except DomainError as error:
                self.message_user(request, f"Link {link.pk}: {error}", messages.ERROR)
            else:
                revoked += 1
        self.message_user(request, f"{revoked} upload link(s) revoked.", messages.SUCCESS)


@admin.register(PublishedAnswer)
class PublishedAnswerAdmin(admin.ModelAdmin):
    """Answers any customer may be shown (GET /api/v1/similar): edit the title and text
    here; every customer reads them, so no customer's private details belong in them."""

    list_display = ["title", "ticket", "product", "published_by", "published_at", "withdrawn_at"]
    list_select_related = ["ticket", "product", "published_by"]
    list_filter = ["product", ("withdrawn_at", admin.EmptyFieldListFilter)]
    search_fields = ["title"]
    fields = ["ticket_link", "title", "answer_text", "product", "published_by", "published_at"]
    readonly_fields = ["ticket_link", "product", "published_by", "published_at"]
    ordering = ["-id"]
    actions = ["withdraw"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # published from a solved ticket (the ticket list's action)

    @admin.display(description="Ticket")
    def ticket_link(self, obj: PublishedAnswer) -> str:
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:tickets_ticket_change", args=[obj.ticket_id]),
            obj.ticket.reference,
        )

    @admin.action(description="Withdraw: no customer is shown it any more")
    def withdraw(self, request: HttpRequest, queryset: QuerySet[PublishedAnswer]) -> None:
        technician = getattr(request.user, "technician", None)
        actor = technician or SystemActor(name=f"admin {request.user.get_username()}")
        for answer in queryset.select_related("ticket"):
            withdraw_answer(actor=actor, ticket=answer.ticket)
