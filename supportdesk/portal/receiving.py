"""Receiving a file of any size from an HTTP request without holding it in memory."""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.files.uploadedfile import TemporaryUploadedFile, UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest

from supportdesk.tickets.services import IncomingUpload

FILE_FIELD = "file"


class CappedHashingUploadHandler(FileUploadHandler):
    """Streams the first file of the `file` field into a temporary file (never into
    memory, whatever its size), hashing it on the way so that storing it needs no second
    read. Past `max_bytes` the file is dropped and the rest of it read and thrown away, so
    the customer still gets a page saying why rather than a broken connection. Any other
    file in the request is read and thrown away too: a request puts at most one file, of
    at most the cap, on disk."""

    chunk_size = 256 * 1024

    def __init__(self, request: HttpRequest, *, max_bytes: int) -> None:
        super().__init__(request)
        self.max_bytes = max_bytes
        self.received: list[tuple[str, IncomingUpload]] = []
        self._digest = hashlib.sha256()
        self._keeping: TemporaryUploadedFile | None = None

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self._digest = hashlib.sha256()
        if self.field_name == FILE_FIELD and self.upload_in(FILE_FIELD) is None:
            self._keeping = TemporaryUploadedFile(
                self.file_name or "upload", self.content_type, 0, self.charset
            )
        else:
            self._keeping = None

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        if self._keeping is None:
            return None  # dropped
        end = start + len(raw_data)
        if end > self.max_bytes:
            self.received.append(
                (
                    self.field_name,
                    IncomingUpload(filename=self.file_name or "", file=None, size=end),
                )
            )
            self._drop()
            return None
        self._digest.update(raw_data)
        self._keeping.write(raw_data)
        return None

    def file_complete(self, file_size: int) -> UploadedFile | None:
        if self._keeping is None:
            return None
        uploaded, self._keeping = self._keeping, None
        uploaded.seek(0)
        uploaded.size = file_size
        self.received.append(
            (
                self.field_name,
                IncomingUpload(
                    filename=self.file_name or "",
                    file=uploaded,
                    size=file_size,
                    content_type=self.content_type or "application/octet-stream",
                    sha256=self._digest.hexdigest(),
                ),
            )
        )
        return uploaded

    def upload_interrupted(self) -> None:
        self._drop()

    def _drop(self) -> None:
        if self._keeping is not None:
            self._keeping.close()  # a temporary file: closing deletes it
            self._keeping = None

    def upload_in(self, field_name: str) -> IncomingUpload | None:
        """The first file sent in `field_name`, kept or dropped; None if none was sent."""
        return next((item for name, item in self.received if name == field_name), None)

    def read(self, request: HttpRequest) -> IncomingUpload | None:
        """Read the body (unless the CSRF check already did) and return the file sent in
        the form's `file` field. Raises MultiPartParserError on a malformed body."""
        request.FILES  # noqa: B018 (the body is parsed on first access)
        return self.upload_in(FILE_FIELD)


def receive_upload(request: HttpRequest, *, max_bytes: int) -> CappedHashingUploadHandler:
    """Install the handler; must run before anything reads request.POST or FILES."""
    handler = CappedHashingUploadHandler(request, max_bytes=max_bytes)
    request.upload_handlers = [handler]
    return handler
