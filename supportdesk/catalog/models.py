from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

MAX_ALIAS_LENGTH = 60


class Product(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100, unique=True)
    is_active = models.BooleanField(default=True)
    # How customers write the product in free-form mail, besides its name and code
    # (catalog.matching): abbreviations such as "WD" for WINDEV.
    aliases = models.JSONField(
        default=list,
        blank=True,
        help_text='Other ways customers write it, e.g. ["WD", "Win Dev"]; matched without case '
        "on whole words.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not isinstance(self.aliases, list) or not all(
            isinstance(alias, str) and alias.strip() and len(alias) <= MAX_ALIAS_LENGTH
            for alias in self.aliases
        ):
            raise ValidationError(
                {
                    "aliases": f"expected a list of names of at most {MAX_ALIAS_LENGTH} "
                    'characters, e.g. ["WD", "Win Dev"]'
                }
            )
        self.aliases = [" ".join(alias.split()) for alias in self.aliases]


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
