"""Storing a blob from a file: read in chunks, a temporary upload moved into place."""

from __future__ import annotations

import hashlib
from io import BytesIO
from pathlib import Path

from django.core.files.base import File
from django.core.files.uploadedfile import TemporaryUploadedFile

from supportdesk.core.blobs import read_blob, store_blob, store_blob_from_file
from supportdesk.core.models import Blob

DATA = b"core dump " * 100_000  # 1 MB: several chunks


def test_a_file_is_stored_like_the_same_bytes(db):
    blob = store_blob_from_file(File(BytesIO(DATA), name="dump"))

    assert (blob.sha256, blob.size) == (hashlib.sha256(DATA).hexdigest(), len(DATA))
    assert read_blob(blob) == DATA
    assert store_blob(DATA).pk == blob.pk


def test_the_same_file_twice_is_one_blob(db):
    first = store_blob_from_file(File(BytesIO(DATA), name="a"))
    second = store_blob_from_file(File(BytesIO(DATA), name="b"))

    assert first.pk == second.pk
    assert Blob.objects.count() == 1


def test_a_temporary_upload_is_moved_into_the_store_not_copied(db, settings, tmp_path):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    upload = TemporaryUploadedFile("dump", "application/octet-stream", 0, None)
    upload.write(DATA)
    upload.seek(0)
    upload.size = len(DATA)
    temporary = upload.temporary_file_path()

    blob = store_blob_from_file(upload, sha256=hashlib.sha256(DATA).hexdigest())

    assert read_blob(blob) == DATA
    assert not Path(temporary).exists()
    upload.close()  # as Django does at the end of the request: the file is gone already
