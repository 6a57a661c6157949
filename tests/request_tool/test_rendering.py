"""The tool renders a request's readable text itself (it cannot import the server); the
text it mails must stay the text the server writes for an API request, so a technician
reads the same layout whichever way a request came."""

from __future__ import annotations

from typing import Any

import pytest
from supportdesk_request.rendering import render_request_text as tool_text

from supportdesk.requests.rendering import render_request_text as server_text
from tests.requests.documents import full_request


@pytest.mark.parametrize(
    "document",
    [
        full_request(),
        full_request(type="question", steps=[], environment={}, code_extract=""),
        {k: v for k, v in full_request().items() if k not in ("environment", "steps")},
    ],
    ids=["every field", "question", "without environment and steps"],
)
def test_the_tool_and_the_server_render_a_request_alike(document: dict[str, Any]) -> None:
    assert tool_text(document) == server_text(document)
