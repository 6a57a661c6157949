"""Error signatures: the same error with different numbers, paths, addresses or quoted
values groups tickets; a different error, or another product's, does not."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from supportdesk.tickets.signatures import error_line, error_signature, normalize_error

TEMPLATE = (
    'Error {code} in HReadSeek: file "{name}" not found at {path} '
    "(address 0x{address:08X}, thread {thread}, request {uuid})"
)

names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_.", min_size=1, max_size=12)
paths = st.one_of(
    st.builds(lambda a, b: f"C:\\Users\\{a}\\{b}.fic", names, names),
    st.builds(lambda a, b: f"/home/{a}/data/{b}.fic", names, names),
)


@given(
    first=st.tuples(
        st.integers(0, 10**6),
        names,
        paths,
        st.integers(0, 2**32 - 1),
        st.integers(1, 999),
        st.uuids(),
    ),
    second=st.tuples(
        st.integers(0, 10**6),
        names,
        paths,
        st.integers(0, 2**32 - 1),
        st.integers(1, 999),
        st.uuids(),
    ),
)
def test_the_same_error_in_other_circumstances_has_the_same_signature(first, second):
    def text(values):  # type: ignore[no-untyped-def]
        code, name, path, address, thread, uuid = values
        return TEMPLATE.format(
            code=code, name=name, path=path, address=address, thread=thread, uuid=uuid
        )

    assert error_signature(text(first), product_code="windev") == error_signature(
        text(second), product_code="windev"
    )


def test_case_and_spacing_do_not_matter():
    assert error_signature("Access  violation\nat 0x00401000", product_code="wd") == (
        error_signature("access violation at 0x7ff6a1b2", product_code="wd")
    )


def test_a_different_error_has_a_different_signature():
    assert error_signature("Error 12: file not found", product_code="wd") != error_signature(
        "Error 12: access denied", product_code="wd"
    )


def test_the_same_message_of_another_product_is_another_error():
    text = "Error 70012: footer block not found"
    assert error_signature(text, product_code="windev") != error_signature(
        text, product_code="webdev"
    )


def test_nothing_but_numbers_makes_no_signature():
    assert error_signature("", product_code="wd") == ""
    assert error_signature("12 0x7f 3.4", product_code="wd") == ""


def test_what_normalization_keeps_is_readable():
    assert (
        normalize_error("Error 70012 at C:\\Projets\\Compta\\main.wdw line 42: 'Invoice' unknown")
        == "error <n> at <path> line <n>: <q> unknown"
    )


def test_the_error_line_of_a_mail_skips_quoted_history():
    body = (
        "Hello,\n\n> Error 1 in the old thread\nSince this morning I get:\n"
        "Fatal error 70012: footer block not found in report INV\nThanks"
    )

    assert error_line(body) == "Fatal error 70012: footer block not found in report INV"
    assert error_line("Hello, how do I change the logo?") is None


def test_the_error_line_is_found_whatever_the_case_and_only_as_a_whole_word():
    assert error_line("Bonjour,\r\nÉCHEC de la génération du PDF\r\nMerci") == (
        "ÉCHEC de la génération du PDF"
    )
    assert error_line("The terrorist movie player hangs, no message at all") is None
    assert error_line("Short error\nThe export failed with code 12") == (
        "The export failed with code 12"
    )


_LINE_PARTS = st.sampled_from(
    [
        "error",
        "Error:",
        "> error in the quote",
        "FATAL",
        "échec",
        "errors",
        "the",
        "ok text",
        "\n",
        "\r\n",
        " ",
        "access violation",
        "1234567890123",
        "EXCEPCIÓN",
    ]
)


@given(st.lists(_LINE_PARTS, max_size=20))
def test_the_error_line_is_the_first_unquoted_long_line_with_an_error_word(parts):
    body = " ".join(parts)
    words = re.compile(
        r"\b(?:error|exception|fatal|failed|failure|traceback|access violation|"
        r"segmentation fault|erreur|échec|excepción|fallo)\b",
        re.IGNORECASE,
    )
    expected = next(
        (
            line.strip()[:500]
            for line in body.split("\n")
            if words.search(line) and not line.strip().startswith(">") and len(line.strip()) >= 12
        ),
        None,
    )
    assert error_line(body) == expected
