"""Content-addressed file storage through Django's storage API."""

from __future__ import annotations

import hashlib

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction

from supportdesk.core.models import Blob


def blob_path(sha256: str) -> str:
    # Two levels of fan-out keep directories small at millions of files.
    return f"blobs/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def store_blob(data: bytes) -> Blob:
    """Store bytes once; storing the same bytes again returns the existing blob."""
    digest = hashlib.sha256(data).hexdigest()
    existing = Blob.objects.filter(sha256=digest).first()
    if existing is not None:
        return existing
    blob = Blob(sha256=digest, size=len(data))
    # The file is written before the row: a crash leaves an orphan file (harmless, reused on
    # the next store of the same bytes), never a row that points at nothing.
    path = blob_path(digest)
    storage = blob.content.storage
    if not storage.exists(path):
        storage.save(path, ContentFile(data))
    blob.content.name = path
    try:
        with transaction.atomic():
            blob.save()
    except IntegrityError:
        return Blob.objects.get(sha256=digest)
    return blob


def read_blob(blob: Blob) -> bytes:
    with blob.content.open("rb") as handle:
        return handle.read()
