"""parse_mail on real .eml fixtures, one quirk each. Pure: no database."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage

from supportdesk.channels.email.parsing import MAX_DEPTH, html_to_text, parse_mail
from tests.channels.email.builders import tnef_object, winmail_dat
from tests.channels.email.conftest import read_fixture


def test_a_plain_text_mail_gives_its_headers_and_text() -> None:
    parsed = parse_mail(read_fixture("plain_text"))
    assert parsed.subject == "The report editor crashes on save"
    assert parsed.from_address == "dev@customer.example"
    assert parsed.from_name == "Dev Eloper"
    assert parsed.to == ("support@example.com",)
    assert parsed.message_id == "plain-1@customer.example"
    assert parsed.date == datetime(2026, 11, 24, 9, 12, tzinfo=UTC)
    assert parsed.text.startswith("Hello,\n\nWhen I press Save")
    assert "\r" not in parsed.text
    assert not parsed.is_automatic
    assert parsed.defects == ()


def test_an_html_only_mail_gets_a_text_version_without_scripts_or_styles() -> None:
    parsed = parse_mail(read_fixture("html_only"))
    assert "<script>" in parsed.html  # raw here: the ticket service sanitizes it
    assert (
        parsed.text == "Hello,\n\nThe export to PDF fails with error 42.\n\n- Step one\n- Step two"
    )


def test_multipart_alternative_keeps_the_plain_text_and_the_html() -> None:
    parsed = parse_mail(read_fixture("multipart_alternative"))
    assert parsed.text == "The plain version of the question."
    assert parsed.html == "<p>The <i>HTML</i> version of the question.</p>"
    assert parsed.attachments == ()


def test_latin1_body_and_undeclared_8bit_subject_are_decoded() -> None:
    parsed = parse_mail(read_fixture("latin1"))
    assert parsed.subject == "Problème"
    assert parsed.from_name == "René François"
    assert "je crée un état" in parsed.text


def test_iso_2022_jp_subject_and_body_are_decoded() -> None:
    parsed = parse_mail(read_fixture("iso_2022_jp"))
    assert parsed.subject == "保存エラー"
    assert parsed.text == "こんにちは。レポートが保存できません。"


def test_rfc2047_words_are_decoded_in_subject_sender_and_file_name() -> None:
    parsed = parse_mail(read_fixture("rfc2047_subject_and_filename"))
    assert parsed.subject == "Solicitud de ayuda: informe ¿roto?"
    assert parsed.from_name == "Élodée Martín"
    (attachment,) = parsed.attachments
    assert attachment.filename == "informe año.txt"
    assert attachment.content == b"contenido del informe"


def test_an_attachment_keeps_its_name_type_and_bytes() -> None:
    parsed = parse_mail(read_fixture("attachment"))
    (attachment,) = parsed.attachments
    assert attachment.filename == "crash log.zip"
    assert attachment.content_type == "application/zip"
    assert attachment.content.startswith(b"PK\x05\x06")
    assert parsed.text == "Here is the log file."


def test_an_inline_image_is_kept_as_an_inline_attachment() -> None:
    parsed = parse_mail(read_fixture("inline_image"))
    (image,) = parsed.attachments
    assert image.content_type == "image/png"
    assert image.inline
    assert image.content.startswith(b"\x89PNG")
    assert parsed.text == "See the screenshot."
    assert "cid:shot@customer.example" in parsed.html


def test_a_forwarded_message_is_an_attachment_not_the_body() -> None:
    parsed = parse_mail(read_fixture("nested_rfc822"))
    assert parsed.text == "Forwarding the mail our user sent us."
    (forwarded,) = parsed.attachments
    assert forwarded.content_type == "message/rfc822"
    assert forwarded.filename == "It broke.eml"
    assert b"The inner text must not become the body." in forwarded.content


def test_auto_submitted_marks_an_auto_reply() -> None:
    parsed = parse_mail(read_fixture("auto_submitted"))
    assert parsed.is_automatic
    assert parsed.automatic_reason == "auto-reply (Auto-Submitted: auto-replied)"


def test_auto_submitted_no_is_a_person() -> None:
    raw = read_fixture("plain_text").replace(b"MIME-Version", b"Auto-Submitted: no\r\nMIME-Version")
    assert not parse_mail(raw).is_automatic


def test_x_autoreply_marks_an_out_of_office() -> None:
    assert parse_mail(read_fixture("x_autoreply")).automatic_reason == "auto-reply (X-Autoreply)"


def test_x_auto_response_suppress_marks_automatic_mail() -> None:
    raw = read_fixture("plain_text").replace(
        b"MIME-Version", b"X-Auto-Response-Suppress: All\r\nMIME-Version"
    )
    assert parse_mail(raw).is_automatic


def test_a_dsn_is_a_delivery_report() -> None:
    parsed = parse_mail(read_fixture("dsn_bounce"))
    assert parsed.automatic_reason == "delivery report (multipart/report delivery-status)"


def test_precedence_bulk_is_automatic() -> None:
    parsed = parse_mail(read_fixture("precedence_bulk"))
    assert parsed.automatic_reason == "automatic mail (Precedence: bulk)"


def test_a_null_return_path_is_a_bounce() -> None:
    parsed = parse_mail(read_fixture("plain_text"), return_path="")
    assert parsed.automatic_reason == "bounce (null return path)"
    assert not parse_mail(read_fixture("plain_text"), return_path=None).is_automatic


def test_mail_from_mailer_daemon_is_a_bounce() -> None:
    raw = read_fixture("plain_text").replace(
        b"From: Dev Eloper <Dev@Customer.Example>", b"From: MAILER-DAEMON@mx.example"
    )
    assert parse_mail(raw).automatic_reason == "bounce (from mailer-daemon)"


def test_references_and_in_reply_to_are_read_without_brackets() -> None:
    parsed = parse_mail(read_fixture("reply_in_reply_to"))
    assert parsed.in_reply_to == "plain-1@customer.example"
    assert parsed.references == ("plain-1@customer.example",)


def test_broken_headers_and_unknown_charset_are_read_with_defects() -> None:
    parsed = parse_mail(read_fixture("broken_headers_8bit"))
    assert parsed.subject == "Fehler im Bericht äöü"
    assert parsed.from_address == "juergen@beispiel.example"
    assert parsed.text == "Der Bericht stürzt ab."
    assert parsed.date is None
    assert "body: unknown charset 'x-unknown-charset'" in parsed.defects
    assert any(defect.startswith("date:") for defect in parsed.defects)


def test_a_mail_with_no_text_part_has_an_empty_text_and_its_attachment() -> None:
    parsed = parse_mail(read_fixture("no_text_part"))
    assert parsed.text == ""
    assert parsed.subject == ""
    assert [a.filename for a in parsed.attachments] == ["invoice.pdf"]


def test_a_nesting_bomb_is_stopped_before_the_parser_with_a_defect() -> None:
    parsed = parse_mail(read_fixture("nesting_bomb"))
    assert parsed.limit_exceeded == "400 nested MIME containers declared (limit 200)"
    assert parsed.subject == "Nesting bomb"  # the headers are still read
    assert parsed.text == ""


def test_nesting_deeper_than_the_limit_is_stopped_with_a_defect() -> None:
    parsed = parse_mail(read_fixture("deep_nesting"))
    assert parsed.limit_exceeded == f"MIME parts nested deeper than {MAX_DEPTH}"


def test_a_subject_is_one_line() -> None:
    raw = read_fixture("plain_text").replace(
        b"Subject: The report editor crashes on save",
        b"Subject: first line\r\n\tsecond\x00 line",
    )
    assert parse_mail(raw).subject == "first line second line"


def test_empty_bytes_parse_to_an_empty_mail() -> None:
    parsed = parse_mail(b"")
    assert parsed.from_address == ""
    assert parsed.text == ""


def test_html_to_text_drops_markup_and_keeps_paragraphs() -> None:
    assert html_to_text("<p>a &amp; b</p><p>c<br>d</p>") == "a & b\n\nc\nd"


# -- replies: the new part apart from the quoted history ---------------------------------


def _reply(body: str, *, subject: str = "Re: [SD-100001] Export", html: str = "") -> bytes:
    mail = EmailMessage()
    mail["From"] = "Dev <dev@customer.example>"
    mail["To"] = "support@example.com"
    mail["Subject"] = subject
    mail["Message-ID"] = "<reply-9@customer.example>"
    mail.set_content(body)
    if html:
        mail.add_alternative(html, subtype="html")
    return mail.as_bytes()


def test_a_reply_keeps_its_new_part_as_text_and_the_history_apart() -> None:
    parsed = parse_mail(_reply("It works.\n\nOn Tue, Support wrote:\n> Try again.\n"))
    assert parsed.text == "It works."
    assert parsed.quoted_text == "On Tue, Support wrote:\n> Try again."


def test_a_new_request_that_quotes_something_is_kept_whole() -> None:
    body = "Our admin told us this:\n\nOn Tue, Admin wrote:\n> Ask the vendor.\n"
    parsed = parse_mail(_reply(body, subject="Export question"))
    assert parsed.text == body.strip()
    assert parsed.quoted_text == ""


def test_a_reply_keeps_its_html_cut_at_the_same_place() -> None:
    html = '<p>It works.</p><div class="gmail_quote">On Tue, Support wrote:<br>Try again.</div>'
    parsed = parse_mail(_reply("It works.\n\nOn Tue, Support wrote:\n> Try again.\n", html=html))
    assert parsed.text == "It works."
    assert parsed.html.strip() == "<p>It works.</p>"


def test_a_reply_whose_html_cannot_be_cut_like_its_text_keeps_only_the_text() -> None:
    html = "<p>It works.</p><p>On Tue, Support wrote:</p><p>Try again.</p>"
    parsed = parse_mail(_reply("It works.\n\nOn Tue, Support wrote:\n> Try again.\n", html=html))
    assert parsed.text == "It works."
    assert parsed.html == ""


def test_an_html_only_reply_is_cut_by_its_html_markers() -> None:
    mail = EmailMessage()
    mail["From"] = "dev@customer.example"
    mail["Subject"] = "RE: Export"
    mail.set_content(
        '<div>It works.</div><div id="appendonsend"></div><hr><div id="divRplyFwdMsg">'
        "<b>From:</b> Support<br><b>Sent:</b> Tuesday</div><div>Try again.</div>",
        subtype="html",
    )
    parsed = parse_mail(mail.as_bytes())
    assert parsed.text == "It works."
    assert parsed.html.strip() == "<div>It works.</div>"
    assert "Try again." in parsed.quoted_text


# -- winmail.dat --------------------------------------------------------------------------


def _with_winmail(content: bytes, *, text: str = "") -> bytes:
    mail = EmailMessage()
    mail["From"] = "dev@customer.example"
    mail["Subject"] = "Report"
    if text:
        mail.set_content(text)
    mail.add_attachment(content, maintype="application", subtype="ms-tnef", filename="winmail.dat")
    return mail.as_bytes()


def test_winmail_dat_gives_its_files_and_its_body() -> None:
    content = winmail_dat(body="Adjunto el informe.", files=(("report.pdf", b"%PDF-1.4 x"),))
    parsed = parse_mail(_with_winmail(content))
    assert [(a.filename, a.content_type, a.content) for a in parsed.attachments] == [
        ("report.pdf", "application/pdf", b"%PDF-1.4 x")
    ]
    assert parsed.text == "Adjunto el informe."


def test_winmail_dat_body_does_not_replace_the_mail_text() -> None:
    content = winmail_dat(body="The same, from Outlook.", files=(("a.txt", b"abc"),))
    parsed = parse_mail(_with_winmail(content, text="The text of the mail."))
    assert parsed.text == "The text of the mail."
    assert [a.filename for a in parsed.attachments] == ["a.txt"]


def test_a_broken_winmail_dat_is_kept_as_a_file_with_a_defect() -> None:
    parsed = parse_mail(_with_winmail(b"\x78\x9f\x3e\x22\x01\x00\x01\x06\x90\x08\x00\xff\xff"))
    (kept,) = parsed.attachments
    assert kept.filename == "winmail.dat"
    assert any(defect.startswith("winmail.dat") for defect in parsed.defects)


def test_a_truncated_winmail_dat_is_kept_as_a_file() -> None:
    content = winmail_dat(body="x", files=(("report.pdf", b"%PDF" * 100),))[:70]
    parsed = parse_mail(_with_winmail(content, text="See attached."))
    assert "winmail.dat" in [a.filename for a in parsed.attachments]


# -- limits -------------------------------------------------------------------------------


def test_a_mail_larger_than_the_expanded_limit_once_decoded_is_stopped() -> None:
    mail = EmailMessage()
    mail["From"] = "dev@customer.example"
    mail["Subject"] = "Big"
    mail.set_content("Files.")
    for number in range(3):
        mail.add_attachment(b"x" * 40_000, maintype="application", subtype="zip",
                            filename=f"{number}.zip")  # fmt: skip
    parsed = parse_mail(mail.as_bytes(), max_expanded_bytes=100_000)
    assert parsed.limit_exceeded == "more than 100000 bytes once decoded"
    assert len(parsed.attachments) == 2
    assert parse_mail(mail.as_bytes(), max_expanded_bytes=200_000).limit_exceeded == ""


def test_a_winmail_dat_with_a_bad_checksum_is_kept_as_a_file() -> None:
    content = bytearray(winmail_dat(body="x", files=(("report.pdf", b"%PDF" * 100),)))
    content[-10] ^= 0xFF  # inside the last attachment's data
    parsed = parse_mail(_with_winmail(bytes(content), text="See attached."))
    assert [a.filename for a in parsed.attachments] == ["winmail.dat"]
    assert "winmail.dat is truncated or corrupt: kept as a file" in parsed.defects


def test_a_megabyte_subject_is_read_without_the_slow_header_parser() -> None:
    raw = b"From: dev@customer.example\r\nSubject: " + b"s " * 500_000 + b"\r\n\r\nbody"
    parsed = parse_mail(raw)
    assert parsed.subject == "s " * 499  # cut at the 998 characters of a header line
    assert parsed.defects == ("subject: 1000000 characters, read without the header parser",)


def test_a_mail_with_too_many_parts_is_stopped_before_the_parser() -> None:
    part = b"--p\r\nContent-Type: text/plain\r\n\r\nx\r\n"
    raw = b'From: dev@customer.example\r\nContent-Type: multipart/mixed; boundary="p"\r\n\r\n'
    parsed = parse_mail(raw + part * 501 + b"--p--\r\n")
    assert parsed.limit_exceeded == "more than 500 MIME parts"
    assert parsed.attachments == ()
    assert parse_mail(raw + part * 400 + b"--p--\r\n").limit_exceeded == ""


def test_a_winmail_dat_of_many_tiny_objects_is_kept_as_a_file_unread() -> None:
    header = winmail_dat()[:6]
    content = header + tnef_object(1, 0x00089006, b"\x00\x00\x01\x00") * 10_001
    parsed = parse_mail(_with_winmail(content, text="See attached."))
    assert [a.filename for a in parsed.attachments] == ["winmail.dat"]
    assert "winmail.dat has more than 10000 objects: kept as a file" in parsed.defects
