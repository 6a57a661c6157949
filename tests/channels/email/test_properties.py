"""Property-based: whatever bytes arrive, parsing never raises, and processing never lets an
exception past the quarantine."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from supportdesk.channels.email.intake import accept_message
from supportdesk.channels.email.models import InboundMail
from supportdesk.channels.email.parsing import PARSER_FAILURE, ParsedMail, parse_mail
from supportdesk.channels.email.processing import process_mail
from tests.channels.email.conftest import FIXTURES, read_fixture

SEEDS = [path.read_bytes() for path in sorted(FIXTURES.glob("*.eml"))]

header_names = st.sampled_from(
    [
        "From", "To", "Cc", "Subject", "Date", "Message-ID", "In-Reply-To", "References",
        "Content-Type", "Content-Transfer-Encoding", "Content-Disposition", "Auto-Submitted",
        "Return-Path", "MIME-Version", "X-Autoreply", "Precedence",
    ]
)  # fmt: skip
header_values = st.one_of(
    st.binary(max_size=120),
    st.sampled_from(
        [
            b"=?utf-8?b?w6k=?=", b"=?unknown?q?x=ZZ?=", b"multipart/mixed; boundary=",
            b"multipart/mixed; boundary=\"x\"", b"text/plain; charset=\"nope\"", b"base64",
            b"quoted-printable", b"<>", b"<@>", b"\"\" <>", b"a@b, , <<c@d>>", b"=?", b"\xff\xfe",
            b"attachment; filename*=utf-8''%ff%fe", b"message/rfc822",
        ]
    ),
)  # fmt: skip


@st.composite
def generated_mail(draw: st.DrawFn) -> bytes:
    headers = draw(st.lists(st.tuples(header_names, header_values), max_size=12))
    body = draw(st.binary(max_size=400))
    separator = draw(st.sampled_from([b"\r\n", b"\n", b"\r"]))
    lines = [name.encode() + b": " + value for name, value in headers]
    return separator.join([*lines, b"", body])


@st.composite
def mutated_fixture(draw: st.DrawFn) -> bytes:
    raw = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(min_value=1, max_value=8))):
        operation = draw(st.sampled_from(["flip", "cut", "insert", "duplicate"]))
        at = draw(st.integers(min_value=0, max_value=max(0, len(raw) - 1)))
        if operation == "flip" and raw:
            raw[at] = draw(st.integers(min_value=0, max_value=255))
        elif operation == "cut":
            raw = raw[:at] + raw[at + draw(st.integers(min_value=1, max_value=50)) :]
        elif operation == "insert":
            raw[at:at] = draw(st.binary(min_size=1, max_size=40))
        else:
            raw[at:at] = raw[at : at + draw(st.integers(min_value=1, max_value=200))]
    return bytes(raw)


any_mail = st.one_of(generated_mail(), mutated_fixture(), st.binary(max_size=600))


@settings(max_examples=1000, deadline=None)
@given(raw=any_mail, return_path=st.one_of(st.none(), st.sampled_from(["", "<>", "a@b.c"])))
def test_parse_mail_never_raises(raw: bytes, return_path: str | None) -> None:
    parsed = parse_mail(raw, return_path=return_path)
    assert isinstance(parsed, ParsedMail)
    # The safety net in parse_mail is for production; here every failure is a bug to fix.
    assert not parsed.limit_exceeded.startswith(PARSER_FAILURE), parsed.limit_exceeded
    texts = [parsed.subject, parsed.from_address, parsed.from_name, parsed.text, parsed.html]
    texts += [*parsed.references, *parsed.to, *parsed.cc, *parsed.defects]
    texts += [item.filename for item in parsed.attachments]
    for text in texts:
        text.encode("utf-8")  # no surrogates left: the database must accept every field
    assert "\n" not in parsed.subject
    assert "\r" not in parsed.subject
    assert parsed.from_address == parsed.from_address.lower()
    assert parsed.is_automatic == bool(parsed.automatic_reason)


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(raw=any_mail)
def test_process_mail_never_raises_past_the_quarantine(free_plan: object, raw: bytes) -> None:
    mail, _created = accept_message(raw, source="smtp", envelope_from="sender@example.net")
    outcome = process_mail(mail_id=mail.pk)
    mail.refresh_from_db()
    assert mail.status != InboundMail.Status.RECEIVED, outcome
    if mail.status == InboundMail.Status.PROCESSED:
        assert mail.ticket_id is not None
        assert mail.ticket_message_id is not None
    if mail.status == InboundMail.Status.QUARANTINED:
        assert mail.error


def test_intake_accepts_a_nul_in_the_message_id(db: None) -> None:
    raw = read_fixture("plain_text").replace(b"Message-ID: <", b"Message-ID:\x00<")
    _mail, created = accept_message(raw, source="smtp", envelope_from="sender@example.net")
    assert created


def test_seeds_are_present() -> None:
    assert len(SEEDS) >= 19
    assert all(isinstance(seed, bytes) for seed in SEEDS)
    assert Path(FIXTURES).is_dir()
