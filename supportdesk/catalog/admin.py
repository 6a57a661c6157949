from django.contrib import admin

from supportdesk.catalog.models import Product, ProductVersion


class ProductVersionInline(admin.TabularInline):
    model = ProductVersion
    extra = 0


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "aliases", "is_active"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}
    inlines = [ProductVersionInline]
