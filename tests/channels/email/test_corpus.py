"""The corpus: tricky real-world mail, each delivered as the SMTP door delivers it and
processed by the worker's task, with its expected outcome in corpus/expected.toml."""

from __future__ import annotations

import io
import tomllib
import zipfile
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings

from supportdesk.channels.email.models import InboundMail
from supportdesk.tickets.models import Ticket

CORPUS = Path(__file__).parent / "corpus"
EXPECTED: list[dict[str, Any]] = tomllib.loads((CORPUS / "expected.toml").read_text())["message"]

Deliver = Callable[..., tuple[str, InboundMail]]


def _mail(subject: str, text: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = "Dev Eloper <dev@customer.example>"
    mail["To"] = "support@example.com"
    mail["Subject"] = subject
    mail["Message-ID"] = f"<generated-{abs(hash(subject))}@customer.example>"
    mail.set_content(text)
    return mail


def huge_header() -> bytes:
    mail = _mail("A 100 KB header", "The header above is huge.")
    mail["X-Long"] = " ".join(f"word{number}" for number in range(12_000))  # ~100 KB, folded
    raw = mail.as_bytes()
    # And one unfolded 100 KB line, as a broken mailer writes it.
    return raw.replace(b"MIME-Version", b"X-Unfolded: " + b"u" * 100_000 + b"\r\nMIME-Version", 1)


def long_line() -> bytes:
    text = "start of a line of a million characters " + "x" * 1_000_000
    mail = _mail("One very long line", "")
    mail.set_content(text.encode(), maintype="text", subtype="plain", cte="8bit")
    return mail.as_bytes()


def many_parts() -> bytes:
    mail = _mail("Many parts", "Six hundred files.")
    for number in range(600):
        mail.add_attachment(b"x", maintype="application", subtype="octet-stream",
                            filename=f"{number}.bin")  # fmt: skip
    return mail.as_bytes()


def expanded_over_the_limit() -> bytes:
    mail = _mail("Over the decoded limit", "Two files.")
    for number in range(2):
        mail.add_attachment(b"y" * 600_000, maintype="application", subtype="octet-stream",
                            filename=f"{number}.bin")  # fmt: skip
    return mail.as_bytes()


def zip_bomb() -> bytes:
    """50 MB of zeros in a 50 KB zip: kept as the file it is, never expanded."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open("zeros.bin", "w") as member,
    ):
        for _ in range(50):
            member.write(bytes(1_000_000))
    mail = _mail("Archive", "Please unpack this archive.")
    mail.add_attachment(buffer.getvalue(), maintype="application", subtype="zip",
                        filename="bomb.zip")  # fmt: skip
    return mail.as_bytes()


def big_attachment() -> bytes:
    """Over the free plan's 9 MB: removed and recorded, the rest of the mail kept."""
    mail = _mail("Project", "The project is attached, with its readme.")
    mail.add_attachment(b"z" * 9_500_000, maintype="application", subtype="zip",
                        filename="project.zip")  # fmt: skip
    mail.add_attachment(b"Read me first.", maintype="text", subtype="plain",
                        filename="readme.txt")  # fmt: skip
    return mail.as_bytes()


GENERATED: dict[str, Callable[[], bytes]] = {
    builder.__name__: builder
    for builder in (
        huge_header, long_line, many_parts, expanded_over_the_limit, zip_bomb, big_attachment
    )
}  # fmt: skip


def _raw(case: dict[str, Any], reference: str) -> bytes:
    if "generated" in case:
        return GENERATED[case["generated"]]()
    raw = (CORPUS / f"{case['file']}.eml").read_bytes()
    return raw.replace(b"{REFERENCE}", reference.encode())


def test_every_corpus_file_has_an_expected_outcome() -> None:
    files = {path.stem for path in CORPUS.glob("*.eml")}
    described = {case["file"] for case in EXPECTED if "file" in case}
    assert files == described
    assert len(EXPECTED) >= 50
    assert {case["generated"] for case in EXPECTED if "generated" in case} == set(GENERATED)


@pytest.mark.parametrize(
    "case", EXPECTED, ids=[case.get("file") or case["generated"] for case in EXPECTED]
)
def test_corpus_mail_has_its_expected_outcome(
    deliver: Deliver,
    ticket: Ticket,
    settings: Any,
    case: dict[str, Any],
) -> None:
    settings.SUPPORTDESK = {**django_settings.SUPPORTDESK, **case.get("settings", {})}
    outcome, mail = deliver(_raw(case, ticket.reference))

    assert mail.status == case["status"], outcome
    if case["status"] != InboundMail.Status.PROCESSED:
        assert case["reason"] in mail.error, mail.error
        assert mail.ticket is None
        assert Ticket.objects.count() == 1
        return

    message = mail.ticket_message
    assert message is not None
    if case["outcome"] == "reply":
        assert outcome == f"replied {ticket.reference}"
        assert mail.ticket == ticket
    else:
        assert outcome == f"opened {mail.ticket.reference}", outcome
        assert mail.ticket != ticket
        if "subject" in case:
            assert mail.ticket.subject == case["subject"]
        assert mail.ticket.language == case.get("language", "en")
    assert message.channel == case.get("channel", "email")
    for piece in case.get("text", []):
        assert piece in message.body_text
    for piece in case.get("not_text", []):
        assert piece not in message.body_text
    for piece in case.get("html", []):
        assert piece in message.body_html
    for piece in case.get("not_html", []):
        assert piece not in message.body_html
    stored = message.attachments.order_by("id")
    assert [a.filename for a in stored if a.blob_id] == case.get("attachments", [])
    assert [a.filename for a in stored if not a.blob_id] == case.get("removed", [])
