"""Property-based: whatever bytes arrive, parsing never raises, and processing never lets an
exception past the quarantine."""

from __future__ import annotations

import base64
import re
from email.message import Message
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from supportdesk.channels.email import parsing
from supportdesk.channels.email.intake import accept_message
from supportdesk.channels.email.models import InboundMail
from supportdesk.channels.email.parsing import PARSER_FAILURE, ParsedMail, parse_mail
from supportdesk.channels.email.processing import process_mail
from supportdesk.channels.email.quoting import split_reply_html, split_reply_text
from tests.channels.email.conftest import FIXTURES, base64_runs_set_aside, read_fixture

CORPUS = Path(__file__).parent / "corpus"
SEEDS = [path.read_bytes() for path in sorted(FIXTURES.glob("*.eml"))]
# Real-world mail of every kind: charsets, MIME structures, replies, winmail.dat, reports.
REAL_MAIL = [
    path.read_bytes().replace(b"{REFERENCE}", b"SD-100001") for path in sorted(CORPUS.glob("*.eml"))
]

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


_BOUNDARY = re.compile(rb'boundary="?([^";\r\n]+)"?', re.IGNORECASE)


def _header_end(raw: bytes) -> int:
    found = re.search(rb"\r?\n\r?\n", raw)
    return found.start() if found else len(raw)


@st.composite
def damaged_real_mail(draw: st.DrawFn) -> bytes:
    """Real mail damaged the ways transport and broken software damage it."""
    raw = draw(st.sampled_from(REAL_MAIL))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        damage = draw(
            st.sampled_from(
                ["flip", "truncate", "duplicate_header", "boundary", "line_endings", "unfold"]
            )
        )
        if damage == "flip" and raw:
            at = draw(st.integers(min_value=0, max_value=len(raw) - 1))
            raw = raw[:at] + bytes([draw(st.integers(0, 255))]) + raw[at + 1 :]
        elif damage == "truncate":
            raw = raw[: draw(st.integers(min_value=0, max_value=len(raw)))]
        elif damage == "duplicate_header":
            lines = raw[: _header_end(raw)].splitlines(keepends=True)
            if lines:
                line = draw(st.sampled_from(lines))
                raw = raw.replace(line, line * draw(st.integers(2, 50)), 1)
        elif damage == "boundary":
            found = _BOUNDARY.search(raw)
            if found:
                boundary = found.group(1)
                damaged = draw(
                    st.sampled_from(
                        [b"", boundary[:-1], boundary + b"x", b"--" + boundary, boundary * 3]
                    )
                )
                if draw(st.booleans()):  # in the declaration, or in one delimiter line
                    raw = raw[: found.start(1)] + damaged + raw[found.end(1) :]
                else:
                    delimiters = [m.start() for m in re.finditer(b"--" + re.escape(boundary), raw)]
                    if delimiters:
                        at = draw(st.sampled_from(delimiters)) + 2
                        raw = raw[:at] + damaged + raw[at + len(boundary) :]
        elif damage == "line_endings":
            ending = draw(st.sampled_from([b"\n", b"\r", b"\r\r\n", b"\n\r"]))
            raw = raw.replace(b"\r\n", b"\n").replace(b"\n", ending)
        else:  # folded headers unfolded, or folds inserted where they do not belong
            raw = (
                raw.replace(b"\r\n ", b" ").replace(b"\r\n\t", b" ")
                if draw(st.booleans())
                else raw.replace(b": ", b":\r\n ", 3)
            )
    return raw


any_mail = st.one_of(
    generated_mail(), mutated_fixture(), damaged_real_mail(), st.binary(max_size=600)
)


@settings(max_examples=1000, deadline=None)
@given(raw=any_mail, return_path=st.one_of(st.none(), st.sampled_from(["", "<>", "a@b.c"])))
# Found by this test: an 8-bit body whose charset label holds a NUL.
@example(raw=b" \rContenT-type:charset=\x00\r\x80", return_path=None)
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


base64_lines = st.lists(
    st.tuples(
        st.text("ABCxyz019+/=", min_size=16, max_size=90),
        st.sampled_from(["\r\n", "\n"]),
    ),
    min_size=1,
    max_size=5,
).map(lambda lines: "".join(text + end for text, end in lines).encode())


@st.composite
def mail_with_base64_runs(draw: st.DrawFn) -> bytes:
    """Mail (real, generated or damaged) with runs of base64-like lines put at the start of
    some of its lines: in headers, bodies, before boundaries, in nested messages."""
    raw = draw(any_mail)
    line_starts = [0, *(found.end() for found in re.finditer(rb"\n", raw))]
    for at in sorted(draw(st.lists(st.sampled_from(line_starts), max_size=4)), reverse=True):
        raw = raw[:at] + draw(base64_lines) + raw[at:]
    return raw


@settings(max_examples=300, deadline=None)
@given(raw=mail_with_base64_runs())
def test_setting_base64_runs_aside_changes_nothing_read(raw: bytes) -> None:
    with base64_runs_set_aside(always=False):
        expected = parse_mail(raw)
    with base64_runs_set_aside(always=True):
        assert parse_mail(raw) == expected


@st.composite
def base64_body(draw: st.DrawFn) -> str:
    """Base64 text as mail carries it, sometimes damaged: lines of any length and ending,
    a character changed, padding cut or added, spaces."""
    text = base64.b64encode(draw(st.binary(max_size=300))).decode()
    width = draw(st.integers(min_value=1, max_value=100))
    end = draw(st.sampled_from(["\r\n", "\n", "\r"]))
    text = end.join(text[at : at + width] for at in range(0, len(text), width))
    for _ in range(draw(st.integers(min_value=0, max_value=2))):
        at = draw(st.integers(min_value=0, max_value=len(text)))
        text = text[:at] + draw(st.sampled_from(["=", "==", "A", "-", " ", "é", "\t"])) + text[at:]
    return text


@settings(max_examples=500, deadline=None)
@given(body=base64_body(), header=st.sampled_from(["base64", "BASE64", " base64", "7bit"]))
def test_valid_base64_is_read_as_the_stdlib_reads_it(body: str, header: str) -> None:
    part = Message()
    part["Content-Transfer-Encoding"] = header
    part.set_payload(body)

    fast = parsing._valid_base64(part)

    if fast is not None:
        assert fast == part.get_payload(decode=True)
        assert part.defects == []  # the stdlib found nothing wrong either


def test_only_base64_that_the_stdlib_takes_as_it_stands_is_read_without_it() -> None:
    part = Message()
    part["Content-Transfer-Encoding"] = "base64"
    for text, expected in [
        ("aGVs\r\nbG8h\r\n", b"hello!"),
        ("aGVsbG8=\n", b"hello"),
        ("aGVsbG8\n", None),  # padding missing
        ("aGVs bG8h\n", None),  # a space
        ("aGVsbG8===\n", None),  # padding in excess
        ("aGVs=G8h\n", None),  # padding inside
    ]:
        part.set_payload(text)
        assert parsing._valid_base64(part) == expected, text


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


@settings(max_examples=300, deadline=None)
@given(raw=damaged_real_mail())
def test_damaged_real_mail_never_breaks_the_parser(raw: bytes) -> None:
    parsed = parse_mail(raw, return_path=None)
    assert not parsed.limit_exceeded.startswith(PARSER_FAILURE), parsed.limit_exceeded
    assert "\x00" not in parsed.text + parsed.html + parsed.quoted_text


reply_lines = st.one_of(
    st.text(max_size=60),
    st.sampled_from(
        [
            "On Tue, Nov 24, 2026 at 9:12 AM Support <support@example.com> wrote:",
            "Le 24/11/2026 à 09:12, Support a écrit :", "El mar, 24 nov 2026, Soporte escribió:",
            "-----Original Message-----", "From: Support", "Sent: Tuesday", "De : Support",
            "Envoyé : mardi", "> quoted", ">> older", "-- ", "Sent from my iPhone", "",
            "---------- Forwarded message ---------", "________________________________",
        ]
    ),
)  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(lines=st.lists(reply_lines, max_size=30))
def test_cutting_history_never_loses_or_empties_a_reply(lines: list[str]) -> None:
    text = "\n".join(lines)
    split = split_reply_text(text)
    if text.strip():
        assert split.new.strip()
    # Every line of the reply is in the new part or in what was cut from it.
    kept = split.new.split("\n") + split.quoted.split("\n")
    for line in text.split("\n"):
        assert line.strip() in (piece.strip() for piece in kept) or not line.strip()


@settings(max_examples=300, deadline=None)
@given(html=st.text(max_size=300), marker=st.sampled_from(
    ['<div class="gmail_quote">', '<blockquote type="cite">', '<div id="appendonsend">', ""]
))  # fmt: skip
def test_cutting_html_splits_it_without_losing_a_character(html: str, marker: str) -> None:
    document = html + marker + html
    split = split_reply_html(document)
    if split is not None:
        assert split.new + split.quoted == document


atom = st.text(alphabet="abcXYZ019!#$%&'*+/=?^_`{|}~-", min_size=1, max_size=8)
dot_atom = st.lists(atom, min_size=1, max_size=3).map(".".join)
header_address = st.builds(lambda local, domain: f"{local}@{domain}", dot_atom, dot_atom)
address_header = st.one_of(
    header_address,
    header_address.map(lambda address: f"<{address}>"),
    st.builds(
        lambda words, address, space: f"{' '.join(words)}{space}<{address}>",
        st.lists(atom, min_size=1, max_size=4),
        header_address,
        st.sampled_from(["", " ", "  ", "\t"]),
    ),
    # Near misses, for the stdlib's parser: quotes, comments, lists, encoded words.
    st.builds(lambda address: f'"Dupont, Jean" <{address}>', header_address),
    st.builds(lambda address: f"{address} (Jean)", header_address),
    st.builds(lambda a, b: f"{a}, {b}", header_address, header_address),
    st.builds(lambda address: f"=?utf-8?q?Ren=C3=A9?= <{address}>", header_address),
)


@given(value=address_header)
@example(value="Customer 12 <contact1@customer1.example>")
@example(value="=?utf-8?q?a?= <a@b>")
def test_an_address_header_read_on_the_short_path_reads_as_the_stdlib_reads_it(value: str) -> None:
    from email.policy import default

    raw = f"From: {value}\r\nSubject: x\r\n\r\nBody\r\n".encode()
    expected = [
        (address.display_name, address.addr_spec.lower())
        for address in default.header_factory("from", value).addresses
    ]

    parsed = parse_mail(raw)

    assert (parsed.from_name, parsed.from_address) == expected[0]
