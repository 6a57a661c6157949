from __future__ import annotations

from django.db import models


class Product(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100, unique=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ProductVersion(models.Model):
    """A released version. `rank` orders versions: names like "28 Update 3" don't sort."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="versions")
    name = models.CharField(max_length=40)
    rank = models.PositiveIntegerField()
    released_on = models.DateField(null=True, blank=True)
    on_sale = models.BooleanField(
        default=False, help_text="The version currently sold; free support covers it."
    )
    supported_until = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["product", "-rank"]
        constraints = [
            models.UniqueConstraint(fields=["product", "name"], name="unique_version_name"),
            models.UniqueConstraint(fields=["product", "rank"], name="unique_version_rank"),
        ]

    def __str__(self) -> str:
        return f"{self.product.name} {self.name}"
