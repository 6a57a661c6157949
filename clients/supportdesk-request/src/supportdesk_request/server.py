"""Talking to the support desk's API (/api/v1/) with urllib: JSON in and out, multipart for
files, and every failure turned into one of the tool's errors (each with its exit code)."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from supportdesk_request import CLIENT_NAME, __version__
from supportdesk_request.config import Config
from supportdesk_request.values import Policy, Similar

# Exit codes, documented in `supportdesk-request --help` and the README.
EXIT_OK = 0
EXIT_UNEXPECTED = 1
EXIT_INVALID = 2
EXIT_REFUSED = 3
EXIT_AUTH = 4
EXIT_QUEUED = 5
EXIT_CANCELLED = 130


class ToolError(Exception):
    """A failure the customer can act on: a message, an exit code, the server's problems."""

    exit_code = EXIT_UNEXPECTED
    error = "error"

    def __init__(
        self,
        message: str,
        *,
        problems: list[dict[str, Any]] | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.problems = problems or []
        self.status = status


class Invalid(ToolError):
    exit_code = EXIT_INVALID
    error = "invalid"


class Refused(ToolError):
    exit_code = EXIT_REFUSED
    error = "refused"


class AuthenticationFailed(ToolError):
    exit_code = EXIT_AUTH
    error = "authentication"


class Unreachable(ToolError):
    """The server (or mail server) could not be reached, or failed (5xx): worth retrying.

    `maybe_delivered`: the request may have reached the server before the failure (a
    timeout, a connection cut during the answer, a gateway error), so before sending it
    again the tool looks for the ticket it may already have made."""

    exit_code = EXIT_QUEUED
    error = "unreachable"

    def __init__(self, message: str, *, maybe_delivered: bool = False, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.maybe_delivered = maybe_delivered


class Cancelled(ToolError):
    exit_code = EXIT_CANCELLED
    error = "cancelled"


@dataclass(frozen=True)
class FilePart:
    field: str
    filename: str
    path: Path
    content_type: str = "application/octet-stream"


def encode_multipart(
    fields: Mapping[str, tuple[str, bytes]], files: Iterable[FilePart]
) -> tuple[bytes, str]:
    """multipart/form-data: `fields` maps a name to (content type, bytes)."""
    boundary = f"sdr-{uuid.uuid4().hex}"
    chunks: list[bytes] = []

    def header(disposition: str, content_type: str) -> None:
        chunks.append(
            f"--{boundary}\r\nContent-Disposition: {disposition}\r\n"
            f"Content-Type: {content_type}\r\n\r\n".encode()
        )

    for name, (content_type, data) in fields.items():
        header(f'form-data; name="{name}"', content_type)
        chunks.extend([data, b"\r\n"])
    for part in files:
        # RFC 7578: the filename as UTF-8 between quotes; quotes and line breaks escaped.
        quoted = part.filename.replace("\\", "\\\\").replace('"', "%22").replace("\r", "%0D")
        quoted = quoted.replace("\n", "%0A")
        header(f'form-data; name="{part.field}"; filename="{quoted}"', part.content_type)
        chunks.extend([part.path.read_bytes(), b"\r\n"])
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"


def _problems_text(problems: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"  {problem.get('field') or '(the request)'}: {problem.get('message')}"
        for problem in problems
    )


class ApiClient:
    def __init__(self, config: Config, *, language: str | None = None) -> None:
        if not config.server:
            raise Invalid(
                "no server configured: supportdesk-request config set server https://support.example"
                " (or set SUPPORTDESK_REQUEST_SERVER)"
            )
        self.config = config
        # The server's refusals come in this language: the request's own, else the config's.
        self.language = language or config.language

    def url(self, path: str) -> str:
        return f"{self.config.api_base}/{path.lstrip('/')}"

    def call(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        body: bytes | None = None,
        content_type: str | None = None,
        url: str | None = None,
        authenticated: bool = True,
    ) -> tuple[int, dict[str, Any]]:
        """The status and JSON answer of a 2xx or 4xx; 5xx and network failures raise
        Unreachable, 401 raises AuthenticationFailed."""
        headers = {
            "Accept": "application/json",
            "User-Agent": f"{CLIENT_NAME}/{__version__}",
        }
        if self.language:
            headers["Accept-Language"] = self.language
        if authenticated:
            if not self.config.token:
                raise AuthenticationFailed(
                    "no API token configured: ask your support desk for one, then "
                    "supportdesk-request config set token sdk_... "
                    "(or set SUPPORTDESK_REQUEST_TOKEN)"
                )
            headers["Authorization"] = f"Bearer {self.config.token}"
        if json_body is not None:
            body = json.dumps(json_body).encode("utf-8")
            content_type = "application/json"
        if content_type:
            headers["Content-Type"] = content_type
        target = url or self.url(path)
        if not target.startswith(("https://", "http://")):
            raise Invalid(f"not an http(s) URL: {target}")
        # The scheme is checked just above: never file:// or another opener.
        request = urllib.request.Request(target, data=body, method=method, headers=headers)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=self.config.timeout) as response:  # noqa: S310
                return response.status, _json_of(response.read())
        except urllib.error.HTTPError as error:
            status, answer = error.code, _json_of(error.read())
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            reason = getattr(error, "reason", error)
            # Refused or not found: nothing was sent. Anything else may have been received.
            never_sent = isinstance(reason, ConnectionRefusedError | socket.gaierror)
            raise Unreachable(
                f"cannot reach {_origin(target)}: {reason}",
                maybe_delivered=method == "POST" and not never_sent,
            ) from None
        message = str(
            answer.get("message") or answer.get("detail") or f"HTTP {status} from {target}"
        )
        if status >= 500:
            raise Unreachable(
                f"{_origin(target)} failed ({status}): {message}",
                status=status,
                maybe_delivered=method == "POST" and status in (502, 504),
            )
        if status == 401:
            raise AuthenticationFailed(f"the server refused the API token: {message}", status=401)
        return status, answer

    def expect(self, status: int, answer: dict[str, Any], *ok: int) -> dict[str, Any]:
        """The answer if its status is one of `ok`; otherwise Refused with every problem."""
        if status in ok:
            return answer
        problems = list(answer.get("problems") or [])
        message = str(answer.get("message") or answer.get("detail") or "")
        if not message:
            message = (
                "not found (a wrong reference, or a server too old for this command)"
                if status == 404
                else f"the server answered HTTP {status}"
            )
        if problems:
            message = f"{message}\n{_problems_text(problems)}"
        raise Refused(message, problems=problems, status=status)

    # The endpoints ---------------------------------------------------------------------------

    def submit(self, document: Mapping[str, Any], files: Iterable[FilePart]) -> dict[str, Any]:
        parts = list(files)
        if parts:
            body, content_type = encode_multipart(
                {"request": ("application/json", json.dumps(document).encode("utf-8"))}, parts
            )
            status, answer = self.call("POST", "requests", body=body, content_type=content_type)
        else:
            status, answer = self.call("POST", "requests", json_body=document)
        return self.expect(status, answer, 201)

    def policy(self) -> Policy:
        """The server's policy, or the defaults when it cannot tell (offline, older server)."""
        try:
            status, answer = self.call("GET", "policy")
        except (Unreachable, AuthenticationFailed):
            return Policy()
        if status != 200:
            return Policy()
        defaults = Policy()
        return Policy(
            attachment_max_bytes=int(
                answer.get("attachment_max_bytes") or defaults.attachment_max_bytes
            ),
            request_max_bytes=int(answer.get("request_max_bytes") or defaults.request_max_bytes),
            max_files=int(answer.get("max_files") or defaults.max_files),
            upload_agreement=answer.get("upload_agreement") or None,
            products=list(answer.get("products") or []),
        )

    def similar(self, document: Mapping[str, Any]) -> list[Similar]:
        """Solved requests like this one; none from a server that does not offer them."""
        query = {
            "subject": str(document.get("subject") or ""),
            "error_text": str(document.get("error_text") or "")[:500],
            "product": str((document.get("product") or {}).get("code") or ""),
        }
        path = "similar?" + urllib.parse.urlencode({k: v for k, v in query.items() if v})
        try:
            status, answer = self.call("GET", path)
        except (Unreachable, AuthenticationFailed):
            return []
        if status != 200:
            return []  # 404 from a server older than deflection
        return [
            Similar(
                title=str(item.get("title") or ""),
                url=str(item.get("url") or ""),
                excerpt=str(item.get("excerpt") or ""),
                reference=item.get("reference"),
            )
            for item in answer.get("similar") or []
            if isinstance(item, Mapping)
        ]

    def ticket(self, reference: str) -> dict[str, Any]:
        status, answer = self.call("GET", f"tickets/{urllib.parse.quote(reference)}")
        return self.expect(status, answer, 200)

    def tickets(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        next_url: str | None = None
        for _page in range(50):
            status, answer = self.call("GET", "tickets", url=next_url)
            answer = self.expect(status, answer, 200)
            found.extend(answer.get("tickets") or [])
            next_url = answer.get("next")
            if not next_url:
                break
        return found

    def reply(self, reference: str, text: str, files: Iterable[FilePart]) -> dict[str, Any]:
        path = f"tickets/{urllib.parse.quote(reference)}/replies"
        parts = list(files)
        if parts:
            body, content_type = encode_multipart(
                {"text": ("text/plain; charset=utf-8", text.encode("utf-8"))}, parts
            )
            status, answer = self.call("POST", path, body=body, content_type=content_type)
        else:
            status, answer = self.call("POST", path, json_body={"text": text})
        return self.expect(status, answer, 201)

    def not_satisfied(self, reference: str, comment: str) -> dict[str, Any]:
        path = f"tickets/{urllib.parse.quote(reference)}/not-satisfied"
        status, answer = self.call("POST", path, json_body={"comment": comment})
        return self.expect(status, answer, 201)

    def upload_link(self, reference: str) -> dict[str, Any]:
        path = f"tickets/{urllib.parse.quote(reference)}/upload-links"
        status, answer = self.call("POST", path, json_body={})
        return self.expect(status, answer, 201)

    def upload(self, api_url: str, part: FilePart) -> dict[str, Any]:
        body, content_type = encode_multipart({}, [part])
        # The upload link is its own credential; the API token is not sent along.
        status, answer = self.call(
            "POST", "", body=body, content_type=content_type, url=api_url, authenticated=False
        )
        return self.expect(status, answer, 201)


def _origin(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _json_of(raw: bytes) -> dict[str, Any]:
    # A proxy's or an older server's HTML error page says nothing useful to print.
    try:
        value = json.loads(raw.decode("utf-8")) if raw else {}
    except (UnicodeDecodeError, json.JSONDecodeError):
        return {}
    return value if isinstance(value, dict) else {"value": value}
