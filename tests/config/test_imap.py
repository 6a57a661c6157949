"""SUPPORTDESK_IMAP_MAILBOXES: mailbox URLs as a mail administrator writes them, and one
clear line naming the variable (never the password) when one is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.env import SettingError
from config.imap import env_imap_mailboxes, parse_mailbox_url

VARIABLE = "SUPPORTDESK_IMAP_MAILBOXES"


def parse(url: str):  # type: ignore[no-untyped-def]
    return parse_mailbox_url(VARIABLE, url)


def test_an_imaps_url_with_the_defaults():
    mailbox = parse("imaps://support%40example.com:p%40ss%3Aword@mail.example.com/INBOX")

    assert (mailbox.host, mailbox.port, mailbox.security) == ("mail.example.com", 993, "tls")
    assert (mailbox.username, mailbox.password) == ("support@example.com", "p@ss:word")
    assert (mailbox.folder, mailbox.after, mailbox.after_target) == (
        "INBOX",
        "move",
        "supportdesk-done",
    )
    assert mailbox.name == mailbox.address == "support@example.com"
    assert mailbox.verify_certificate is True
    assert mailbox.shown == "imaps://support@example.com:***@mail.example.com:993/INBOX"
    assert "p@ss:word" not in repr(mailbox)


def test_plain_imap_means_starttls_unless_told_otherwise():
    assert parse("imap://u:p@mail.example.com/").security == "starttls"
    assert parse("imap://u:p@mail.example.com/").port == 143
    plain = parse("imap://u:p@127.0.0.1:1143/Support/Incoming?tls=none&name=sales")
    assert (plain.security, plain.port, plain.folder, plain.name) == (
        "none",
        1143,
        "Support/Incoming",
        "sales",
    )


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        ("move:Processed", ("move", "Processed")),
        ("keyword:$SupportdeskDone", ("keyword", "$SupportdeskDone")),
        ("seen", ("seen", "\\Seen")),
    ],
)
def test_what_marks_a_fetched_message(after, expected):
    mailbox = parse(f"imaps://u:p@mail.example.com/INBOX?after={after}")
    assert (mailbox.after, mailbox.after_target) == expected


def test_the_password_can_come_from_a_file(tmp_path: Path):
    secret = tmp_path / "imap-password"
    secret.write_text("s3cret with spaces\n")
    mailbox = parse(f"imaps://u@mail.example.com/INBOX?password_file={secret}")
    assert mailbox.password == "s3cret with spaces"


def test_several_mailboxes_separated_by_spaces_or_lines(monkeypatch):
    monkeypatch.setenv(
        VARIABLE,
        "imaps://a%40example.com:x@mail.example.com/INBOX\n"
        "  imaps://b%40example.com:y@mail.example.com/INBOX?after=seen",
    )
    assert [mailbox.name for mailbox in env_imap_mailboxes(VARIABLE)] == [
        "a@example.com",
        "b@example.com",
    ]


def test_unset_means_no_mailbox(monkeypatch):
    monkeypatch.delenv(VARIABLE, raising=False)
    assert env_imap_mailboxes(VARIABLE) == []


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://u:hunter2@mail.example.com/", "expected imaps://USER:PASSWORD@HOST/FOLDER"),
        ("imaps://u:hunter2@/INBOX", "no host name"),
        ("imaps://:hunter2@mail.example.com/INBOX", "no user name"),
        ("imaps://u@mail.example.com/INBOX", "no password"),
        ("imaps://u:hunter2@mail.example.com:99999/INBOX", "not a URL (bad port)"),
        ("imaps://u:hunter2@mail.example.com/INBOX?after=delete", "after: expected move:FOLDER"),
        (
            "imaps://u:hunter2@mail.example.com/INBOX?after=keyword:a%5Cb",
            "not a usable IMAP keyword",
        ),
        ("imaps://u:hunter2@mail.example.com/INBOX?after=move:INBOX", "to the folder they are"),
        ("imaps://u:hunter2@mail.example.com/INBOX?tls=none", "tls= is for imap:// URLs"),
        ("imap://u:hunter2@mail.example.com/INBOX?tls=maybe", "tls: expected starttls or none"),
        ("imaps://u:hunter2@mail.example.com/INBOX?verify=perhaps", "verify: expected yes or no"),
        ("imaps://u:hunter2@mail.example.com/INBOX?cafile=/no/such.pem", "cafile: no such file"),
        ("imaps://u:hunter2@mail.example.com/INBOX?folder=x", "unknown option 'folder'"),
        ("imaps://u:hunter2@mail.example.com/INBOX?address=nobody", "address: expected"),
        ("imaps://u:hunt#er2@mail.example.com/INBOX", "'#' must be written %23"),
    ],
)
def test_a_bad_url_names_the_variable_and_hides_the_password(monkeypatch, url, problem):
    monkeypatch.setenv(VARIABLE, f"imaps://ok:fine@mail.example.com/INBOX {url}")

    with pytest.raises(SettingError) as refused:
        env_imap_mailboxes(VARIABLE)

    message = str(refused.value)
    assert message.startswith(f"{VARIABLE}: mailbox 2: ")
    assert problem in message
    assert "hunter2" not in message and "hunt" not in message


def test_two_mailboxes_with_one_name_are_refused(monkeypatch):
    monkeypatch.setenv(
        VARIABLE, "imaps://u:p@one.example.com/INBOX imaps://u:p@two.example.com/INBOX"
    )
    with pytest.raises(SettingError, match="two mailboxes are called 'u': give each its own name="):
        env_imap_mailboxes(VARIABLE)
