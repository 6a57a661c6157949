"""What the parser's shortcuts must not change: header objects shared between mails, the
structure scans on lowered bytes, base64 set aside while the structure is read, the sender
check reading the header block alone. Pure."""

from __future__ import annotations

import base64
import random
from pathlib import Path

import pytest

from supportdesk.channels.email import parsing
from supportdesk.channels.email.authenticity import check_authenticity
from supportdesk.channels.email.parsing import MAX_PARTS, parse_mail
from tests.channels.email.conftest import base64_runs_set_aside

CORPUS = Path(__file__).parent / "corpus"


def _mail(number: int, *, to: str = "Support <support@example.com>") -> bytes:
    return (
        f"From: Customer {number} <customer{number}@customer.example>\r\n"
        f"To: {to}\r\nSubject: Question {number}\r\n"
        f"Message-ID: <q{number}@customer.example>\r\n"
        'Content-Type: text/plain; charset="utf-8"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n'
        f"Question number {number}, déjà vu.\r\n"
    ).encode()


def test_a_mail_reads_the_same_whatever_was_read_before_it() -> None:
    corpus = [path.read_bytes() for path in sorted(CORPUS.glob("*.eml"))]
    parsing._HEADER_OBJECTS.clear()
    first = [parse_mail(raw) for raw in corpus]
    # Read again, now with every header object of the corpus kept from the first reading.
    assert [parse_mail(raw) for raw in corpus] == first
    assert [parse_mail(raw) for raw in reversed(corpus)] == first[::-1]


def test_kept_header_objects_are_bounded_in_number_and_size() -> None:
    for number in range(parsing._MAX_MEMOIZED * 2):
        parse_mail(_mail(number))
    assert 0 < len(parsing._HEADER_OBJECTS) <= parsing._MAX_MEMOIZED
    long_to = ", ".join(f"person{number}@example.com" for number in range(100))
    parsed = parse_mail(_mail(1, to=long_to))
    assert len(parsed.to) == 100
    assert all(len(value) <= parsing._MAX_MEMOIZED_VALUE for _, value in parsing._HEADER_OBJECTS)


def _parts(boundary: bytes, delimiter: bytes, count: int) -> bytes:
    head = b"From: dev@customer.example\r\nContent-Type: MULTIPART/Mixed; BOUNDARY=" + boundary
    part = b"--" + delimiter + b"\r\nContent-Type: text/plain\r\n\r\nx\r\n"
    return head + b"\r\n\r\n" + part * count + b"--" + boundary + b"--\r\n"


def test_parts_are_counted_by_the_boundary_as_written_in_any_letter_case() -> None:
    # The header's words in capitals count as in lower case; the boundary itself is
    # case-sensitive: lines of another case delimit nothing.
    assert parse_mail(_parts(b"AbC", b"AbC", MAX_PARTS + 1)).limit_exceeded == (
        f"more than {MAX_PARTS} MIME parts"
    )
    other_case = _parts(b"AbC", b"abc", MAX_PARTS + 1)
    assert parsing._delimiter_count(other_case, other_case.lower()) == 1  # "--AbC--" alone


def test_a_delimiter_on_the_first_line_of_the_message_counts() -> None:
    raw = b"--b\r\n" + b'Content-Type: multipart/mixed; boundary="b"\r\n--b\r\n--c\r\n--b--'
    lowered = raw.lower()
    assert parsing._delimiter_count(raw, lowered) == 3
    assert parsing._delimiter_count(raw[5:], lowered[5:]) == 2


def test_nested_containers_are_counted_in_any_letter_case_and_folded() -> None:
    declarations = b"CONTENT-TYPE: Multipart/Mixed\r\nContent-type:\r\n\tmessage/RFC822\r\n"
    assert len(parsing._CONTAINER_DECLARATION.findall(declarations.lower())) == 2


def test_authentication_results_in_the_body_are_not_read() -> None:
    header = b"Authentication-Results: mx.example.com; dmarc=pass header.from=customer.example"
    raw = b"From: dev@customer.example\r\nSubject: Hi\r\n\r\n" + header + b"\r\n"
    result = check_authenticity(
        raw, from_address="dev@customer.example", trusted_authserv_ids=["mx.example.com"]
    )
    assert (result.verdict, result.reason) == ("none", "no authentication results")
    passed = check_authenticity(
        header + b"\r\n" + raw,
        from_address="dev@customer.example",
        trusted_authserv_ids=["mx.example.com"],
    )
    assert (passed.verdict, passed.reason) == ("pass", "DMARC passed for customer.example")


def _with_attachment(data: bytes, *, end: bytes = b"\r\n", nested: bool = False) -> bytes:
    """A multipart mail: 8-bit text, then `data` as a base64 attachment (inside an attached
    message when `nested`), each closing delimiter right after the last base64 line."""
    encoded = base64.encodebytes(data).replace(b"\n", end)
    boundary = b"nested" if nested else b"outer"
    attachment = (
        b"--" + boundary + end + b"Content-Type: application/octet-stream; name=trace.bin"
        + end + b"Content-Transfer-Encoding: base64" + end + end + encoded
        + b"--" + boundary + b"--" + end
    )  # fmt: skip
    if nested:
        attachment = (
            b"--outer" + end + b"Content-Type: message/rfc822" + end + end
            + b"Subject: forwarded" + end
            + b'Content-Type: multipart/mixed; boundary="nested"' + end + end
            + attachment + b"--outer--" + end
        )  # fmt: skip
    return (
        b"From: dev@customer.example" + end + b"Subject: trace" + end
        + b'Content-Type: multipart/mixed; boundary="outer"' + end + end
        + b"--outer" + end + b"Content-Type: text/plain; charset=iso-8859-1" + end
        + b"Content-Transfer-Encoding: 8bit" + end + end
        + b"Voil\xe0 la trace." + end + b"ABCDEFGHIJKLMNOPQRSTUVWX" * 2 + end
        + attachment
    )  # fmt: skip


@pytest.mark.parametrize("nested", [False, True])
@pytest.mark.parametrize("end", [b"\r\n", b"\n"])
def test_a_large_attachment_is_read_whole_with_its_base64_set_aside(
    end: bytes, nested: bool
) -> None:
    data = random.Random(7).randbytes(900_000)
    raw = _with_attachment(data, end=end, nested=nested)
    assert len(parsing._set_aside_base64(raw)[1]) == 1  # the default figures set it aside

    parsed = parse_mail(raw)

    if nested:
        [attached] = parsed.attachments  # kept whole, as an .eml
        assert base64.encodebytes(data) in attached.content
    else:
        [attachment] = parsed.attachments
        assert attachment.content == data
    assert parsed.text.startswith("Voilà la trace.\nABCDEFGHIJKLMNOPQRSTUVWX")
    assert parsed.defects == ()
    with base64_runs_set_aside(always=False):
        assert parse_mail(raw) == parsed


def test_the_corpus_reads_the_same_with_every_base64_run_set_aside() -> None:
    corpus = [path.read_bytes() for path in sorted(CORPUS.glob("*.eml"))]
    with base64_runs_set_aside(always=False):
        expected = [parse_mail(raw) for raw in corpus]
    with base64_runs_set_aside(always=True):
        assert sum(len(parsing._set_aside_base64(raw)[1]) > 0 for raw in corpus) > 10
        assert [parse_mail(raw) for raw in corpus] == expected
