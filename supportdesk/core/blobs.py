"""Content-addressed file storage through Django's storage API."""

from __future__ import annotations

import hashlib
import os

from django.core.files.base import ContentFile, File
from django.core.files.storage import Storage
from django.db import connection

from supportdesk.core.clock import now
from supportdesk.core.models import Blob


def blob_path(sha256: str) -> str:
    # Two levels of fan-out keep directories small at millions of files.
    return f"blobs/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def store_blob(data: bytes) -> Blob:
    """Store bytes once; storing the same bytes again returns the existing blob."""
    digest = hashlib.sha256(data).hexdigest()
    # The file is written before the row: a crash leaves an orphan file (harmless, reused on
    # the next store of the same bytes), never a row that points at nothing.
    path = blob_path(digest)
    storage = Blob._meta.get_field("content").storage
    if storage.exists(path) and storage.size(path) != len(data):
        # A write cut short (a process killed mid-write, a full disk): the name is the hash
        # of the whole content, so a shorter file is that, not other bytes. Write it again.
        storage.delete(path)
    if not storage.exists(path):
        saved = storage.save(path, ContentFile(data))
        _flush_to_disk(storage, saved)
    # One statement whether the bytes are new or not (ON CONFLICT DO NOTHING: no error, so
    # no savepoint, and no lookup first); the existing row is read only when it exists.
    # (The table name is the model's, not input: every value goes as a parameter.)
    table = connection.ops.quote_name(Blob._meta.db_table)
    created_at = now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (sha256, size, content, created_at) "  # noqa: S608
            "VALUES (%s, %s, %s, %s) ON CONFLICT (sha256) DO NOTHING RETURNING id",
            [digest, len(data), path, connection.ops.adapt_datetimefield_value(created_at)],
        )
        row = cursor.fetchone()
    if row is None:
        return Blob.objects.get(sha256=digest)
    blob = Blob(id=row[0], sha256=digest, size=len(data), content=path, created_at=created_at)
    blob._state.adding = False
    blob._state.db = connection.alias
    return blob


def store_blob_from_file(content: File, *, sha256: str | None = None) -> Blob:
    """Store a file's bytes once without holding them in memory: read in chunks to hash
    (skipped when the caller hashed the bytes as they arrived and passes `sha256`), then
    saved through the storage, which moves a temporary upload into place on the same file
    system instead of copying it. Storing the same bytes again returns the existing blob."""
    if sha256 is None:
        digest = hashlib.sha256()
        for chunk in content.chunks():
            digest.update(chunk)
        sha256 = digest.hexdigest()
    size = content.size
    path = blob_path(sha256)
    storage = Blob._meta.get_field("content").storage
    # As in store_blob: the file before the row, flushed to disk before the row commits.
    if not storage.exists(path):
        content.seek(0)
        saved = storage.save(path, content)
        _flush_to_disk(storage, saved)
    blob, _created = Blob.objects.get_or_create(
        sha256=sha256, defaults={"size": size, "content": path}
    )
    return blob


def read_blob(blob: Blob) -> bytes:
    with blob.content.open("rb") as handle:
        return handle.read()


def _flush_to_disk(storage: Storage, name: str) -> None:
    """On local disk, make the file (and its directory entry) survive a power loss before
    the row that points at it commits: mail is answered "250" right after that commit.
    Object storage acknowledges durable writes itself (no local path)."""
    try:
        path = storage.path(name)
    except NotImplementedError:
        return
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())
    directory = os.open(os.path.dirname(path), os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
