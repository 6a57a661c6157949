"""Content-addressed storage: files through Django's storage API, or small raw mail inline
in the row."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Sequence
from typing import Any

from django.core.files.base import ContentFile, File
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
    _write_once(Blob._meta.get_field("content").storage, path, ContentFile(data))
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
    copied into place. Storing the same bytes again returns the existing blob."""
    if sha256 is None:
        digest = hashlib.sha256()
        for chunk in content.chunks():
            digest.update(chunk)
        sha256 = digest.hexdigest()
    size = content.size
    path = blob_path(sha256)
    # As in store_blob: the file before the row, on disk before the row commits.
    content.seek(0)
    _write_once(Blob._meta.get_field("content").storage, path, content)
    blob, _created = Blob.objects.get_or_create(
        sha256=sha256, defaults={"size": size, "content": path}
    )
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
            _write_once(storage, path, ContentFile(data))
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


def _write_once(storage: Storage, name: str, content: File) -> None:
    """Put `content` at `name` unless a complete copy is there. The name is the hash of the
    whole content, so a file of the right size is that content; a shorter one is a write
    cut short (a process killed, a full disk) and is replaced.

    On local disk the bytes go to a temporary file in the same directory, are fsynced,
    and are renamed into place (then the directory is fsynced): a reader never sees a
    partial file, and the file survives a power loss before the row that points at it
    commits (mail is answered "250" right after that commit). Object storage writes
    whole objects and acknowledges durable writes itself."""
    try:
        final = storage.path(name)
    except NotImplementedError:
        if storage.exists(name) and storage.size(name) == content.size:
            return
        if storage.exists(name):
            storage.delete(name)
        storage.save(name, content)
        return
    if os.path.exists(final) and os.path.getsize(final) == content.size:
        return
    directory = os.path.dirname(final)
    os.makedirs(directory, exist_ok=True)
    if _moved_into_place(content, final):
        _fsync_directory(directory)
        return
    handle, partial = tempfile.mkstemp(dir=directory, prefix=".partial-")
    try:
        with os.fdopen(handle, "wb") as out:
            for chunk in content.chunks():
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        mode = getattr(storage, "file_permissions_mode", None)
        if mode is not None:
            os.chmod(partial, mode)
        os.replace(partial, final)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(partial)
        raise
    _fsync_directory(directory)


def _moved_into_place(content: File, final: str) -> bool:  # (files stay owner-only, 0600)
    """A temporary upload (already complete on disk) is renamed into place rather than
    copied, when it is on the same file system; False when it must be copied."""
    temporary_path = getattr(content, "temporary_file_path", None)
    if temporary_path is None:
        return False
    content.flush()
    os.fsync(content.fileno())
    try:
        os.replace(temporary_path(), final)
    except OSError:  # another file system: copy instead
        return False
    return True


def _fsync_directory(directory: str) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
