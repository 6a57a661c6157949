from django.contrib import admin

from supportdesk.accounts.models import (
    Absence,
    Contact,
    ContactEmail,
    ContactPhone,
    License,
    Organization,
    OrganizationMailDomain,
    Skill,
    Team,
    Technician,
)


class ContactEmailInline(admin.TabularInline):
    model = ContactEmail
    extra = 0


class ContactPhoneInline(admin.TabularInline):
    model = ContactPhone
    extra = 0


class LicenseInline(admin.TabularInline):
    model = License
    extra = 0
    autocomplete_fields = ["product"]
    raw_id_fields = ["first_version", "last_version"]


class OrganizationMailDomainInline(admin.TabularInline):
    model = OrganizationMailDomain
    extra = 0
    verbose_name = "colleague mail domain"


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0
    fields = ["name", "language", "sees_organization_tickets"]
    show_change_link = True


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "customer_number", "country", "language"]
    search_fields = ["name", "customer_number"]
    list_filter = ["language", "country"]
    inlines = [OrganizationMailDomainInline, ContactInline, LicenseInline]


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "language", "primary_email"]
    search_fields = ["name", "emails__address", "organization__name"]
    list_filter = ["language"]
    list_select_related = ["organization"]
    autocomplete_fields = ["organization"]
    raw_id_fields = ["user"]
    inlines = [ContactEmailInline, ContactPhoneInline]

    @admin.display(description="Email")
    def primary_email(self, contact: Contact) -> str:
        emails = sorted(contact.emails.all(), key=lambda e: not e.is_primary)
        return emails[0].address if emails else ""

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return super().get_queryset(request).prefetch_related("emails")


@admin.register(License)
class LicenseAdmin(admin.ModelAdmin):
    list_display = ["serial", "product", "organization", "requests_used"]
    search_fields = ["serial", "organization__name"]
    list_filter = ["product"]
    list_select_related = ["product", "organization"]
    autocomplete_fields = ["organization", "product"]
    raw_id_fields = ["first_version", "last_version"]


class AbsenceInline(admin.TabularInline):
    model = Absence
    extra = 0


class SkillInline(admin.TabularInline):
    model = Skill
    extra = 0


@admin.register(Technician)
class TechnicianAdmin(admin.ModelAdmin):
    list_display = ["display_name", "role", "is_active", "time_zone"]
    list_filter = ["role", "is_active", "teams"]
    search_fields = ["display_name", "user__username", "user__email"]
    filter_horizontal = ["teams"]
    raw_id_fields = ["user"]
    inlines = [SkillInline, AbsenceInline]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "lead", "is_default"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["products"]
