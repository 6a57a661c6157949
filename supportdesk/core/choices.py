from functools import cache

from django.db import models


class Language(models.TextChoices):
    ENGLISH = "en", "English"
    SPANISH = "es", "Español"
    FRENCH = "fr", "Français"


@cache
def values_of(choices: type[models.Choices]) -> frozenset[str]:
    """A choices class's values as a set, built once: Django's `.values` builds a new list
    at each call, and every new request checks four of them."""
    return frozenset(choices.values)
