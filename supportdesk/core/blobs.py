"""Content-addressed storage: files through Django's storage API, or small raw mail inline
in the row."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.db import connection

from supportdesk.core.clock import now
from supportdesk.core.models import Blob
from supportdesk.core.rows import insert_rows


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


def prepare_blobs(
    items: Sequence[bytes], digests: Sequence[str], *, inline_max_bytes: int = 0
) -> list[dict[str, Any]]:
    """The Blob rows for many byte strings (with their SHA-256 hex digests), once per
    digest, ready for a multi-row insert. Bytes up to `inline_max_bytes` go in the row
    itself: the commit of the insert makes them durable, no file or fsync of their own.
    Larger ones are written and fsynced as files here, before any row points at them, as
    `store_blob` does."""
    storage = Blob._meta.get_field("content").storage
    created_at = now()
    rows: dict[str, dict[str, Any]] = {}
    for digest, data in zip(digests, items, strict=True):
        if digest in rows:
            continue
        if len(data) <= inline_max_bytes:
            path, inline = "", data
        else:
            path, inline = blob_path(digest), None
            if not storage.exists(path):
                _flush_to_disk(storage, storage.save(path, ContentFile(data)))
        rows[digest] = {
            "sha256": digest,
            "size": len(data),
            "content": path,
            "inline": inline,
            "created_at": created_at,
        }
    return list(rows.values())


def insert_blobs(cursor: Any, rows: list[dict[str, Any]], digests: Sequence[str]) -> list[int]:
    """Insert the rows of `prepare_blobs` through `cursor` (core.rows.raw_cursor); the blob
    id of each digest, in order. Two statements at most, whatever the number: the
    multi-row insert, and a read of the ids of bytes stored before (ON CONFLICT DO NOTHING
    returns no row for them)."""
    inserted = insert_rows(
        cursor, Blob, rows, skip_conflicts_on=["sha256"], returning=["id", "sha256"]
    )
    ids = {sha256: blob_id for blob_id, sha256 in inserted}
    missing = [row["sha256"] for row in rows if row["sha256"] not in ids]
    if missing:
        ids.update(
            (sha256, blob_id)
            for blob_id, sha256 in Blob.objects.filter(sha256__in=missing).values_list(
                "id", "sha256"
            )
        )
    return [ids[digest] for digest in digests]


def read_blob(blob: Blob) -> bytes:
    if blob.inline is not None:
        return bytes(blob.inline)
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
