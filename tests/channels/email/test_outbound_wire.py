"""The mail the sender writes directly (channels.email.wire) is, byte for byte, what smtplib
sent before: build_message's EmailMessage flattened by SMTP.send_message."""

from __future__ import annotations

import smtplib
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from supportdesk.channels.email import outbound as outbound_module
from supportdesk.channels.email.models import OutboundMail
from supportdesk.channels.email.outbound import build_message

FROM = "support@example.com"


class Capture(smtplib.SMTP):
    """send_message without a server: the bytes it would hand to sendmail."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: bytes = b""

    def ehlo_or_helo_if_needed(self) -> None:
        pass

    def sendmail(self, from_addr: str, to_addrs: Any, msg: Any, *args: Any, **kw: Any) -> Any:
        self.sent = msg
        return {}


def smtplib_bytes(row: OutboundMail) -> bytes:
    capture = Capture()
    capture.send_message(build_message(row, attached=[]), from_addr=FROM, to_addrs=[row.to_address])
    return capture.sent


def direct_bytes(row: OutboundMail) -> bytes:
    message = outbound_module._smtp_message(row, [])
    assert isinstance(message, bytes)
    return message


@pytest.fixture(autouse=True)
def mail_settings(settings: Any) -> None:
    settings.SUPPORTDESK = {**settings.SUPPORTDESK, "MAIL_FROM": FROM}


def row(**fields: Any) -> OutboundMail:
    values: dict[str, Any] = {
        "pk": 7,
        "kind": OutboundMail.Kind.ACKNOWLEDGEMENT,
        "to_address": "dev@customer.example",
        "subject": "Request received: [SD-12] The printer stopped working",
        "body_text": "Hello Zoé,\n\nWe have received your request.\n\nThe support team\n",
        "message_id": "4f1c0e@mail.supportdesk.test",
        "in_reply_to": "CAB+x=y_z@mail.gmail.com",
        "references": "first@customer.example CAB+x=y_z@mail.gmail.com",
        "is_automatic": True,
        "created_at": datetime(2026, 11, 23, 9, 0, 12, tzinfo=UTC),
    }
    values.update(fields)
    return OutboundMail(**values)


LONG_LINE = "word " * 40
EXAMPLES = {
    "english acknowledgement, 8bit body": {},
    "french subject (encoded words) and long lines (quoted-printable)": {
        "subject": "Demande reçue : [SD-13] L'imprimante ne marche plus depuis la mise à jour",
        "body_text": "Bonjour,\n\n" + "Nous avons bien reçu votre demande. " * 5 + "\n",
    },
    "more than ten lines, quoted-printable": {
        "body_text": "ligne à lire\n" * 12 + LONG_LINE + "é\n",
    },
    "cyrillic body: base64": {"body_text": "Здравствуйте! " * 20 + "\n" * 3},
    "plain ASCII, 7bit, with From lines and CRs": {
        "body_text": "From here on\r\nit works.\rFrom me\n\nFrom",
    },
    "empty subject and body": {"subject": "", "body_text": ""},
    "a long subject folded": {"subject": "Request received: " + "x" * 20 + " y" * 60},
    "twenty references folded": {
        "references": " ".join(f"id{n}.{'a' * 30}@customer.example" for n in range(20))
    },
    "odd ids and address": {
        "to_address": "a..b+c@customer.example",
        "in_reply_to": 'x"y(z)@host',
        "references": "=?utf-8?q?x?=@host a\\b@c",
        "message_id": "a..b@mail.supportdesk.test",
    },
    "a notice, not automatic": {"kind": OutboundMail.Kind.NOTICE, "is_automatic": False},
    "a reply by a person": {"kind": OutboundMail.Kind.REPLY, "is_automatic": False},
    "a date in another zone": {
        "created_at": datetime(2026, 3, 29, 1, 59, 59, 999, tzinfo=timezone(timedelta(hours=2)))
    },
}


@pytest.mark.parametrize("fields", EXAMPLES.values(), ids=EXAMPLES.keys())
def test_the_mail_written_directly_is_the_mail_smtplib_wrote(fields: dict[str, Any]) -> None:
    mail = row(**fields)
    assert direct_bytes(mail) == smtplib_bytes(mail)


def test_a_mail_to_an_address_beyond_ascii_is_left_to_smtplib() -> None:
    # smtplib sends it with SMTPUTF8 and headers in UTF-8: nothing to write directly.
    assert not isinstance(outbound_module._smtp_message(row(to_address="zoé@x.example"), []), bytes)


message_ids = st.from_regex(outbound_module._MESSAGE_ID, fullmatch=True)
# Ours, as new_message_id makes them (the email package cannot parse every id the checks
# let through: "<[@0>" raises inside it, in both ways of writing the mail).
own_message_ids = st.uuids().map(lambda u: f"{u.hex}@mail.supportdesk.test") | st.from_regex(
    r"[a-z0-9.+=_-]{1,20}@[a-z0-9.-]{1,20}", fullmatch=True
)
ascii_addresses = st.from_regex(outbound_module._ADDRESS, fullmatch=True).filter(str.isascii)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    subject=st.text(max_size=200),
    body=st.text(max_size=400)
    | st.lists(st.sampled_from(["From x", "é" * 50, "a" * 90, "\r", "\n", "\r\n", " "])).map(
        "".join
    ),
    to=ascii_addresses,
    message_id=own_message_ids,
    in_reply_to=message_ids | st.just(""),
    references=st.lists(message_ids, max_size=25).map(" ".join),
    kind=st.sampled_from(OutboundMail.Kind.values),
    automatic=st.booleans(),
    created_at=st.datetimes(
        min_value=datetime(2000, 1, 1),
        max_value=datetime(2100, 1, 1),
        timezones=st.sampled_from([UTC, timezone(timedelta(hours=-5, minutes=-30))]),
    ),
)
@example(
    subject="=?utf-8?q?caf=C3=A9?=", body="From", to="a@b", message_id="a@b", in_reply_to="",
    references="", kind="notice", automatic=False, created_at=datetime(2026, 1, 1, tzinfo=UTC),
)  # fmt: skip
def test_any_mail_written_directly_is_the_mail_smtplib_wrote(
    subject: str,
    body: str,
    to: str,
    message_id: str,
    in_reply_to: str,
    references: str,
    kind: str,
    automatic: bool,
    created_at: datetime,
) -> None:
    mail = row(
        subject=subject,
        body_text=body,
        to_address=to,
        message_id=message_id,
        in_reply_to=in_reply_to,
        references=references,
        kind=kind,
        is_automatic=automatic,
        created_at=created_at,
    )
    assert direct_bytes(mail) == smtplib_bytes(mail)
