"""The upload page and its JSON twin, through Django's test client (and once through the
WSGI handler with a 30 MB body read from disk, to see memory stay bounded)."""

from __future__ import annotations

import hashlib
import io
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from django.utils import timezone

from supportdesk.core.models import Blob
from supportdesk.tickets.models import Attachment
from supportdesk.tickets.services import (
    IssuedUploadLink,
    grant_attachment_agreement,
    issue_upload_link,
    revoke_upload_link,
)
from tests.factories import make_ticket

MB = 1_000_000


def link_for(technician, ticket, *, max_bytes: int = 50 * MB) -> IssuedUploadLink:  # type: ignore[no-untyped-def]
    grant_attachment_agreement(
        actor=technician, ticket=ticket, max_bytes=max_bytes, days=7, send_link=False
    )
    return issue_upload_link(actor=technician, ticket=ticket)


@pytest.fixture
def issued(technician, ticket) -> IssuedUploadLink:  # type: ignore[no-untyped-def]
    return link_for(technician, ticket)


def page(issued: IssuedUploadLink) -> str:
    return f"/upload/{issued.token}/"


def api(issued: IssuedUploadLink) -> str:
    return f"/api/v1/uploads/{issued.token}"


def send(client: Client, url: str, data: bytes, name: str = "crash.dmp"):  # type: ignore[no-untyped-def]
    return client.post(url, {"file": SimpleUploadedFile(name, data)})


# The page


def test_the_page_shows_the_reference_the_cap_and_the_expiry(client, issued, ticket):
    response = client.get(page(issued))

    assert response.status_code == 200
    html = response.content.decode()
    assert f"Send files for {ticket.reference}" in html
    assert "up to 50 MB" in html
    assert "(Paris time)" in html
    assert '<html lang="en">' in html
    assert 'type="file"' in html
    assert "csrfmiddlewaretoken" in html


def test_the_page_speaks_the_customer_language(client, technician, customer, team):
    ticket = make_ticket(requester=customer, team=team, language="es")
    issued = link_for(technician, ticket, max_bytes=2_500_000)

    html = client.get(page(issued)).content.decode()

    assert '<html lang="es">' in html
    assert f"Enviar archivos para {ticket.reference}" in html
    assert "hasta 2,5 MB" in html


def test_a_file_sent_from_the_page_lands_on_the_ticket(client, issued, ticket):
    data = b"stack trace\n" * 100

    response = send(client, page(issued), data, "trace.txt")

    assert response.status_code == 200
    html = response.content.decode()
    assert "File received" in html
    assert f"trace.txt (1.2 KB) for {ticket.reference}" in html
    assert hashlib.sha256(data).hexdigest() in html
    attachment = Attachment.objects.get(message__ticket=ticket, filename="trace.txt")
    assert attachment.message.channel == "portal"
    assert attachment.sha256 == hashlib.sha256(data).hexdigest()


def test_a_file_over_the_cap_is_refused_with_the_cap_named(client, technician, ticket):
    issued = link_for(technician, ticket, max_bytes=1 * MB)

    response = send(client, page(issued), b"x" * (MB + 1), "video.mp4")

    assert response.status_code == 413
    html = response.content.decode()
    assert "video.mp4 is larger than 1 MB" in html
    assert 'role="alert"' in html
    assert 'type="file"' in html  # the customer may try a smaller file
    assert not Blob.objects.filter(size__gt=MB).exists()
    assert not Attachment.objects.filter(filename="video.mp4").exists()


def test_a_file_over_the_cap_leaves_nothing_on_disk(client, technician, ticket, settings, tmp_path):
    issued = link_for(technician, ticket, max_bytes=1 * MB)
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    (tmp_path / "media").mkdir(exist_ok=True)
    before = set(tmp_path.iterdir())

    send(client, page(issued), b"x" * (3 * MB), "video.mp4")

    assert set(tmp_path.iterdir()) == before
    assert not any((tmp_path / "media").rglob("*"))


def test_one_request_keeps_one_file(client, issued, ticket, settings, tmp_path):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    files = [SimpleUploadedFile("first.log", b"first"), SimpleUploadedFile("second.log", b"2")]

    response = client.post(page(issued), {"file": files, "other": SimpleUploadedFile("o", b"o")})

    assert response.status_code == 200
    names = set(
        Attachment.objects.filter(message__ticket=ticket).values_list("filename", flat=True)
    )
    assert names == {"first.log"}
    assert [path.name for path in tmp_path.iterdir()] == ["media"]  # no temporary file left


def test_an_empty_file_is_refused(client, issued):
    response = send(client, page(issued), b"", "empty.log")

    assert response.status_code == 400
    assert "empty.log is empty" in response.content.decode()


def test_a_post_without_a_file_asks_for_one(client, issued):
    response = client.post(page(issued), {})

    assert response.status_code == 400
    assert "No file was sent" in response.content.decode()


def test_an_expired_link_says_so_and_shows_no_form(client, issued):
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        shown = client.get(page(issued))
        posted = send(client, page(issued), b"late")

    for response in (shown, posted):
        assert response.status_code == 410
        html = response.content.decode()
        assert "This link expired on" in html
        assert 'type="file"' not in html


def test_a_revoked_link_says_so(client, issued, technician):
    revoke_upload_link(actor=technician, link=issued.link)

    response = send(client, page(issued), b"x")

    assert response.status_code == 410
    assert "withdrawn" in response.content.decode()


def test_a_wrong_token_is_not_found(client, issued):
    response = client.get(f"/upload/{issued.token[:-2]}xy/")

    assert response.status_code == 404
    assert "does not exist" in response.content.decode()


def test_the_form_is_protected_against_cross_site_posts(issued):
    browser = Client(enforce_csrf_checks=True)

    forged = send(browser, page(issued), b"x")
    browser.get(page(issued))
    genuine = browser.post(
        page(issued),
        {
            "file": SimpleUploadedFile("a.txt", b"ok"),
            "csrfmiddlewaretoken": browser.cookies["csrftoken"].value,
        },
    )

    assert forged.status_code == 403
    assert genuine.status_code == 200


# The JSON twin (curl -F file=@x URL)


def test_curl_gets_json_with_the_sha256(issued, ticket):
    data = b"\x00\x01binary" * 50

    response = send(Client(enforce_csrf_checks=True), api(issued), data, "core.bin")

    assert response.status_code == 201
    assert response.json() == {
        "reference": ticket.reference,
        "filename": "core.bin",
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    assert Attachment.objects.get(filename="core.bin").message.channel == "api"


def test_curl_over_the_cap_gets_a_json_error_naming_the_cap(client, technician, ticket):
    issued = link_for(technician, ticket, max_bytes=1 * MB)

    response = send(client, api(issued), b"x" * (MB + 1))

    assert response.status_code == 413
    body = response.json()
    assert body["error"] == "too_large"
    assert body["max_bytes"] == MB
    assert "1 MB" in body["message"]


def test_a_get_on_the_json_link_describes_it(client, issued, ticket):
    body = client.get(api(issued)).json()

    assert body["reference"] == ticket.reference
    assert body["max_bytes"] == 50 * MB
    assert body["usable"] is True
    assert body["files_left"] == 20


def test_a_wrong_token_is_a_json_404(client, issued):
    response = client.post(f"/api/v1/uploads/{issued.token}x", {})

    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


# Memory


@contextmanager
def request_outside_the_test_client() -> Iterator[None]:
    # As Django's test client does: the request signals would close the connection that
    # holds the test's transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def test_a_30_mb_upload_streams_through_a_temporary_file_in_bounded_memory(
    issued, tmp_path, settings
):
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(incoming)
    boundary = "supportdesk-boundary-7f3a"
    block = bytes(range(256)) * 4096  # 1 MiB
    digest = hashlib.sha256()
    body = tmp_path / "body"
    with body.open("wb") as out:
        out.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
        )
        for _ in range(30):
            out.write(block)
            digest.update(block)
        out.write(f"\r\n--{boundary}--\r\n".encode())
    size = 30 * len(block)
    statuses: list[str] = []
    with body.open("rb") as wsgi_input, request_outside_the_test_client():
        environ = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": api(issued),
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "wsgi.url_scheme": "http",
            "wsgi.input": wsgi_input,
            "wsgi.errors": io.StringIO(),
            "CONTENT_TYPE": f"multipart/form-data; boundary={boundary}",
            "CONTENT_LENGTH": str(body.stat().st_size),
        }
        tracemalloc.start()
        try:
            response = WSGIHandler()(environ, lambda status, headers: statuses.append(status))
            content = b"".join(response)
            response.close()
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    assert statuses == ["201 Created"], content
    attachment = Attachment.objects.get(filename="big.bin")
    assert (attachment.size, attachment.sha256) == (size, digest.hexdigest())
    assert attachment.blob.size == size
    # Python allocated a small fraction of the file: it never was in memory whole.
    assert peak < 4 * 1024 * 1024, f"peak {peak} bytes"
    # It went through a temporary file, which became the blob (nothing left behind).
    assert list(incoming.iterdir()) == []
    with attachment.blob.content.open("rb") as stored:
        assert hashlib.file_digest(stored, "sha256").hexdigest() == digest.hexdigest()


def test_a_body_without_a_length_is_refused_with_the_reason(client, issued):
    # curl reading from a pipe sends a chunked body, which WSGI does not hand to Django.
    response = client.post(api(issued), {}, headers={"Transfer-Encoding": "chunked"})

    assert response.status_code == 411
    assert "known size" in response.json()["message"]
