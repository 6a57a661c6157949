"""Creating, finding and revoking customers' API tokens."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import QuerySet

from supportdesk.accounts.models import Contact
from supportdesk.core.clock import now
from supportdesk.core.errors import DomainError, NotFound
from supportdesk.requests.models import ApiToken

# Recognizable in a leaked log or a secret scanner; the random part is 256 bits.
TOKEN_PREFIX = "sdk_"  # noqa: S105 (a prefix, not a secret)
# A token's last use is written at most this often: one write per request would make every
# API call a write.
LAST_USED_RESOLUTION = timedelta(minutes=5)


class TokenRefused(DomainError):
    """An unknown or revoked token, with the message the client shows."""


@dataclass(frozen=True)
class IssuedToken:
    record: ApiToken
    secret: str  # shown once, never stored


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def issue_api_token(*, contact: Contact, name: str = "", created_by: str) -> IssuedToken:
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    record = ApiToken.objects.create(
        contact=contact,
        name=name.strip()[:100],
        token_sha256=token_digest(secret),
        created_at=now(),
        created_by=created_by[:200],
    )
    return IssuedToken(record=record, secret=secret)


def authenticate_token(secret: str) -> ApiToken:
    """The live token for `secret`, its use recorded; TokenRefused otherwise."""
    record = (
        ApiToken.objects.select_related("contact", "contact__organization")
        .filter(token_sha256=token_digest(secret.strip()))
        .first()
    )
    if record is None:
        raise TokenRefused("unknown API token: check the token, or ask your support desk for one")
    if record.revoked_at is not None:
        raise TokenRefused(
            f"this API token was revoked on {record.revoked_at:%Y-%m-%d}; "
            "ask your support desk for a new one"
        )
    at = now()
    if record.last_used_at is None or at - record.last_used_at >= LAST_USED_RESOLUTION:
        record.last_used_at = at
        ApiToken.objects.filter(pk=record.pk).update(last_used_at=at)
    return record


def revoke_api_token(token_id: int) -> ApiToken:
    record = ApiToken.objects.select_related("contact").filter(pk=token_id).first()
    if record is None:
        raise NotFound(f"No API token {token_id}")
    if record.revoked_at is None:
        record.revoked_at = now()
        record.save(update_fields=["revoked_at"])
    return record


def list_api_tokens(*, contact: Contact | None = None) -> QuerySet[ApiToken]:
    tokens = ApiToken.objects.select_related("contact").order_by("id")
    return tokens.filter(contact=contact) if contact is not None else tokens
