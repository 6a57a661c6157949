"""Cutting quoted history from replies, as the common mail clients write it. Pure."""

from __future__ import annotations

import pytest

from supportdesk.channels.email.quoting import (
    looks_like_a_reply,
    split_reply_html,
    split_reply_text,
)

NEW = "The export works now, thank you."


@pytest.mark.parametrize(
    "attribution",
    [
        # Gmail (en, es, fr), one line
        "On Tue, Nov 24, 2026 at 9:12 AM Support <support@example.com> wrote:",
        "El mar, 24 nov 2026 a las 9:12, Support (<support@example.com>) escribió:",
        "Le mar. 24 nov. 2026 à 09:12, Support <support@example.com> a écrit :",
        # Gmail wraps a long attribution over two lines
        "On Tue, Nov 24, 2026 at 9:12 AM Support Desk of Example Corporation <\n"
        "support@example.com> wrote:",
        "Le mar. 24 nov. 2026 à 09:12, Support Desk of Example Corporation <\n"
        "support@example.com> a écrit :",
        # Thunderbird (en, fr, es)
        "On 24/11/2026 09:12, Support wrote:",
        "Le 24/11/2026 à 09:12, Support a écrit\u00a0:",
        "El 24/11/26 a las 9:12, Support escribió:",
        # Apple Mail
        "On 24 Nov 2026, at 09:12, Support <support@example.com> wrote:",
        "El 24 nov 2026, a las 9:12, Support <support@example.com> escribió:",
        "Le 24 nov. 2026 à 09:12, Support <support@example.com> a écrit :",
    ],
)
def test_an_attribution_line_and_the_quote_below_it_are_cut(attribution: str) -> None:
    text = f"{NEW}\n\n{attribution}\n> Please try again.\n> \n> Support"
    split = split_reply_text(text)
    assert split.new == NEW
    assert split.quoted.startswith(attribution.split("\n")[0])
    assert "Please try again." in split.quoted
    assert split.history_cut


@pytest.mark.parametrize(
    "header_block",
    [
        "-----Original Message-----\nFrom: Support <support@example.com>\n"
        "Sent: Tuesday, November 24, 2026 9:12 AM\nTo: Dev\nSubject: [SD-100001] Export",
        "-----Mensaje original-----\nDe: Support <support@example.com>\n"
        "Enviado el: martes, 24 de noviembre de 2026 9:12\nPara: Dev\nAsunto: Exportación",
        "-----Message d'origine-----\nDe : Support <support@example.com>\n"
        "Envoyé : mardi 24 novembre 2026 09:12\nÀ : Dev\nObjet : Export",
        # Outlook 365: a rule, then the header block without a separator line
        "________________________________\nFrom: Support <support@example.com>\n"
        "Sent: Tuesday, November 24, 2026 9:12 AM\nTo: Dev\nSubject: Export",
        "________________________________\nDe : Support <support@example.com>\n"
        "Envoyé : mardi 24 novembre 2026 09:12\nÀ : Dev\nObjet : Export",
        # Only the header block
        "From: Support <support@example.com>\nSent: Tuesday, November 24, 2026 9:12 AM",
        "De: Support <support@example.com>\nEnviado: martes, 24 de noviembre de 2026 9:12",
        "*From:* Support <support@example.com>\n*Sent:* Tuesday, November 24, 2026",
    ],
)
def test_outlook_separators_and_header_blocks_start_the_history(header_block: str) -> None:
    split = split_reply_text(f"{NEW}\n\n{header_block}\n\nPlease try again.\n")
    assert split.new == NEW
    assert "Please try again." in split.quoted


def test_a_trailing_block_of_quoted_lines_is_cut() -> None:
    split = split_reply_text(f"{NEW}\n\n> Please try again.\n>\n>> Older text\n")
    assert split.new == NEW
    assert split.quoted == "> Please try again.\n>\n>> Older text"


def test_answers_between_quoted_lines_are_kept() -> None:
    text = (
        "On 24/11/2026 09:12, Support wrote:\n> Which version?\n4.2\n> Which system?\nDebian 13\n"
    )
    split = split_reply_text(text)
    assert split.new == text.strip()
    assert not split.history_cut


def test_answers_below_an_attribution_after_a_greeting_are_kept() -> None:
    text = "Hi,\n\nOn 24/11/2026 09:12, Support wrote:\n> Which version?\n\n4.2, on Debian."
    assert split_reply_text(text).new == text


def test_a_reply_that_is_all_quote_is_kept_whole() -> None:
    text = "On 24/11/2026 09:12, Support wrote:\n> Which version?"
    split = split_reply_text(text)
    assert split.new == text
    assert split.quoted == ""


def test_a_marked_signature_is_kept_out_of_the_new_part() -> None:
    text = f"{NEW}\n\n-- \nDev Eloper\nCustomer Ltd\n\nOn 24/11/2026 09:12, Support wrote:\n> x"
    split = split_reply_text(text)
    assert split.new == NEW
    assert split.quoted.startswith("-- \nDev Eloper")
    assert split.quoted.endswith("> x")


@pytest.mark.parametrize(
    "line", ["Sent from my iPhone", "Enviado desde mi iPhone", "Envoyé de mon iPad"]
)
def test_a_mobile_signature_is_kept_out_of_the_new_part(line: str) -> None:
    split = split_reply_text(f"{NEW}\n\n{line}")
    assert split.new == NEW
    assert not split.history_cut


def test_a_long_text_after_two_dashes_is_not_a_signature() -> None:
    body = "\n".join(f"step {number}" for number in range(30))
    text = f"{NEW}\n--\n{body}"
    assert split_reply_text(text).new == text


def test_a_forwarded_message_is_never_cut() -> None:
    text = (
        "See the error our server sent.\n\n---------- Forwarded message ---------\n"
        "From: Server <root@customer.example>\nDate: Tue, Nov 24, 2026 at 9:12 AM\n"
        "Subject: Failure\n\nThe export failed.\n\nOn Mon, Admin wrote:\n> restart it"
    )
    assert split_reply_text(text).new == text


def test_history_above_a_forward_is_still_cut() -> None:
    text = (
        f"{NEW}\n\nOn 24/11/2026 09:12, Support wrote:\n> Send the log.\n"
        "> -------- Forwarded Message --------\n> log"
    )
    assert split_reply_text(text).new == NEW


@pytest.mark.parametrize(
    "marker",
    [
        "-------- Mensaje reenviado --------",
        "---------- Message transféré ---------",
        "Begin forwarded message:",
        "Début du message réexpédié :",
    ],
)
def test_forward_markers_in_each_language_stop_the_cut(marker: str) -> None:
    text = f"FYI\n\n{marker}\nFrom: A <a@b.example>\nDate: today\n\nbody"
    assert split_reply_text(text).new == text


def test_a_sentence_starting_with_on_is_not_an_attribution() -> None:
    text = "On Monday the export failed.\nI wrote: nothing to the log.\nThanks"
    assert split_reply_text(text).new == text


def test_a_ten_megabyte_line_is_not_searched() -> None:
    text = "On " + "x" * 10_000_000 + " wrote:\n> quote"
    assert split_reply_text(text).new.startswith("On xxx")


@pytest.mark.parametrize(
    ("subject", "in_reply_to", "references", "expected"),
    [
        ("Re: Export", "", (), True),
        ("RE : Export", "", (), True),
        ("AW: Export", "", (), True),
        ("Export", "a@b", (), True),
        ("Export", "", ("a@b",), True),
        ("Fwd: Export", "", (), False),
        ("TR: Export", "", (), False),
        ("RV: Exportación", "", (), False),
        ("Regarding the export", "", (), False),
    ],
)
def test_a_reply_is_told_by_its_headers_or_subject(
    subject: str, in_reply_to: str, references: tuple[str, ...], expected: bool
) -> None:
    assert (
        looks_like_a_reply(subject=subject, in_reply_to=in_reply_to, references=references)
        is expected
    )


# -- HTML ------------------------------------------------------------------------------


def test_gmail_html_is_cut_at_gmail_quote() -> None:
    html = (
        '<div dir="ltr">It works now.</div><br><div class="gmail_quote">'
        '<div dir="ltr" class="gmail_attr">On Tue, Support wrote:<br></div>'
        '<blockquote class="gmail_quote">Try again.</blockquote></div>'
    )
    split = split_reply_html(html)
    assert split is not None
    assert split.new == '<div dir="ltr">It works now.</div><br>'
    assert "Try again." in split.quoted


def test_thunderbird_html_is_cut_at_the_cite_prefix() -> None:
    html = (
        "<html><body><p>It works now.</p>\n"
        '<div class="moz-cite-prefix">On 24/11/2026 09:12, Support wrote:<br>\n</div>\n'
        '<blockquote type="cite" cite="mid:x@example.com">Try again.</blockquote>\n'
        "</body></html>"
    )
    split = split_reply_html(html)
    assert split is not None
    assert split.new == "<html><body><p>It works now.</p>\n"


def test_apple_mail_html_is_cut_at_the_cite_blockquote() -> None:
    html = (
        '<div>It works now.</div><div><br><blockquote type="cite"><div>On 24 Nov 2026, '
        "Support wrote:</div><div>Try again.</div></blockquote></div>"
    )
    split = split_reply_html(html)
    assert split is not None
    assert split.new == "<div>It works now.</div><div><br>"


def test_outlook_html_is_cut_at_append_on_send_with_everything_after_it() -> None:
    html = (
        '<div>It works now.</div><div id="appendonsend"></div>'
        '<hr style="display:inline-block;width:98%"><div id="divRplyFwdMsg">'
        "<b>From:</b> Support</div><div>Try again.</div>"
    )
    split = split_reply_html(html)
    assert split is not None
    assert split.new == "<div>It works now.</div>"
    assert split.quoted.endswith("<div>Try again.</div>")


def test_outlook_html_without_append_on_send_is_cut_at_the_rule() -> None:
    html = (
        '<p>It works now.</p><hr style="width:98%"><div id="divRplyFwdMsg" dir="ltr">'
        "<b>From:</b> Support</div><div>Try again.</div>"
    )
    split = split_reply_html(html)
    assert split is not None
    assert split.new == "<p>It works now.</p>"


def test_html_with_answers_after_the_quote_is_not_cut() -> None:
    html = '<blockquote type="cite">Which version?</blockquote><p>4.2</p>'
    assert split_reply_html(html) is None


def test_html_without_a_marker_is_not_cut() -> None:
    assert split_reply_html("<p>It works now.</p><blockquote>a quotation</blockquote>") is None


def test_outlook_history_that_quotes_older_mail_is_cut_whole() -> None:
    text = (
        f"{NEW}\n\nFrom: Support <support@example.com>\nSent: Tuesday\n\nTry again.\n\n"
        "> older quote\n\nregards"
    )
    assert split_reply_text(text).new == NEW


def test_outlook_for_windows_html_is_cut_at_its_ruled_header_block() -> None:
    html = (
        '<div class="WordSection1"><p class="MsoNormal">It works now.</p><div>'
        '<div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm">'
        '<p class="MsoNormal"><b>From:</b> Support<br><b>Sent:</b> Tuesday</p></div></div>'
        '<p class="MsoNormal">Try again.</p></div>'
    )
    split = split_reply_html(html)
    assert split is not None
    assert split.new == '<div class="WordSection1"><p class="MsoNormal">It works now.</p><div>'
    assert split.quoted.endswith("Try again.</p></div>")
