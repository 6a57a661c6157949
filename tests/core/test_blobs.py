"""Content-addressed storage: bytes stored once, found by their SHA-256."""

from __future__ import annotations

import hashlib

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from supportdesk.core.blobs import blob_path, read_blob, store_blob
from supportdesk.core.models import Blob

DATA = b"%PDF-1.7\n" + b"\x00\xff" * 512
DIGEST = hashlib.sha256(DATA).hexdigest()


def test_a_blob_records_the_sha256_and_size_of_its_bytes(db):
    blob = store_blob(DATA)

    assert blob.sha256 == DIGEST
    assert blob.size == len(DATA)


def test_a_blob_lives_under_its_hash_fanned_out_in_two_levels():
    assert blob_path("ab" * 32) == f"blobs/ab/ab/{'ab' * 32}"


def test_the_bytes_read_back_unchanged(db):
    assert read_blob(store_blob(DATA)) == DATA


def test_the_file_is_in_the_storage_at_its_hashed_path(db):
    blob = store_blob(DATA)

    assert blob.content.name == blob_path(DIGEST)
    assert default_storage.exists(blob_path(DIGEST))


def test_storing_the_same_bytes_again_returns_the_same_blob(db):
    first = store_blob(DATA)

    second = store_blob(DATA)

    assert second.pk == first.pk
    assert Blob.objects.count() == 1


def test_storing_the_same_bytes_again_writes_no_second_file(db, settings):
    store_blob(DATA)
    store_blob(DATA)

    directory = settings.MEDIA_ROOT / "blobs" / DIGEST[:2] / DIGEST[2:4]
    assert [p.name for p in directory.iterdir()] == [DIGEST]


def test_an_orphan_file_left_by_a_crash_is_reused(db):
    default_storage.save(blob_path(DIGEST), ContentFile(DATA))

    blob = store_blob(DATA)

    assert blob.content.name == blob_path(DIGEST)
    assert read_blob(blob) == DATA


def test_a_file_cut_short_by_a_killed_process_is_written_again(db, settings):
    # A process killed between creating the file and writing it leaves it empty or short;
    # reusing it would commit a row (and answer "250") for bytes that are not on disk.
    default_storage.save(blob_path(DIGEST), ContentFile(DATA[:3]))

    blob = store_blob(DATA)

    assert blob.content.name == blob_path(DIGEST)
    assert read_blob(blob) == DATA
    directory = settings.MEDIA_ROOT / "blobs" / DIGEST[:2] / DIGEST[2:4]
    assert [p.name for p in directory.iterdir()] == [DIGEST]


def test_empty_bytes_are_a_blob_too(db):
    blob = store_blob(b"")

    assert (blob.size, blob.sha256) == (0, hashlib.sha256(b"").hexdigest())
    assert read_blob(blob) == b""
