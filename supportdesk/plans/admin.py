from django.contrib import admin

from supportdesk.plans.models import Plan, SlaTarget, Subscription


class SlaTargetInline(admin.TabularInline):
    model = SlaTarget
    extra = 0


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "is_paid", "rank", "requests_per_license", "calendar"]
    prepopulated_fields = {"code": ["name"]}
    inlines = [SlaTargetInline]


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = [
        "organization",
        "plan",
        "starts_on",
        "ends_on",
        "designated_engineer",
        "backup_engineer",
        "dedicated_phone",
    ]
    list_filter = ["plan"]
    search_fields = ["organization__name", "dedicated_phone"]
    list_select_related = ["organization", "plan", "designated_engineer", "backup_engineer"]
    autocomplete_fields = ["organization"]
