"""Customers' personal API tokens."""

from __future__ import annotations

from django.db import models

from supportdesk.accounts.models import Contact


class ApiToken(models.Model):
    """A contact's personal token for the REST API and the request tool.

    Only the SHA-256 of the token is kept (like UploadLink): the token is shown once, when
    an operator creates it, and is found again by an indexed equality on the digest. A
    random 256-bit token needs no slow hash: there is nothing to guess."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True, help_text="What it is for, e.g. laptop.")
    token_sha256 = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=200)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"API token {self.pk} of {self.contact}"
