"""The standardized email (CONTRACTS.md C): a readable text part for people, the JSON
document as its own part for the email desk, then the attachments. Written to a .eml file
for any mail client, or sent over SMTP."""

from __future__ import annotations

import json
import mimetypes
import smtplib
import ssl
from collections.abc import Iterable, Mapping
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from supportdesk_request.config import Config
from supportdesk_request.document import AttachedFile
from supportdesk_request.rendering import render_request_text
from supportdesk_request.server import AuthenticationFailed, Invalid, Refused, Unreachable

REQUEST_CONTENT_TYPE = "application/vnd.supportdesk.request+json"
REQUEST_FILENAME = "supportdesk-request.json"
MARKER_HEADER = "X-Supportdesk-Request"


def email_subject(document: Mapping[str, Any]) -> str:
    subject = str(document.get("subject") or "").strip()
    related = document.get("related_ticket")
    return f"[{related}] {subject}" if related else subject


def build_email(
    document: Mapping[str, Any], files: Iterable[AttachedFile], *, to: str
) -> EmailMessage:
    sender = (document.get("customer") or {}).get("email")
    if not sender:
        raise Invalid("the request has no customer email (--email): it is the mail's sender")
    if not to:
        raise Invalid(
            "no support address: supportdesk-request config set support_address "
            "support@vendor.example (or --to)"
        )
    message = EmailMessage()
    message["From"] = str(sender)
    message["To"] = to
    message["Subject"] = email_subject(document)
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=str(sender).rpartition("@")[2] or None)
    message[MARKER_HEADER] = "1"
    message.set_content(render_request_text(document), charset="utf-8")
    message.add_attachment(
        json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8"),
        maintype="application",
        subtype=REQUEST_CONTENT_TYPE.split("/")[1],
        filename=REQUEST_FILENAME,
        params={"charset": "utf-8"},
    )
    for attached in files:
        guessed = mimetypes.guess_type(attached.name)[0] or "application/octet-stream"
        maintype, _, subtype = guessed.partition("/")
        message.add_attachment(
            attached.path.read_bytes(),
            maintype=maintype,
            subtype=subtype,
            filename=attached.name,
        )
    return message


def send_email(message: EmailMessage, config: Config) -> None:
    """Over the configured SMTP server; a server that cannot be reached is Unreachable
    (the request waits in the outbox), one that refuses the mail is Refused."""
    try:
        client: smtplib.SMTP
        if config.smtp_ssl:
            client = smtplib.SMTP_SSL(
                config.smtp_host,
                config.smtp_port,
                timeout=config.timeout,
                context=ssl.create_default_context(),
            )
        else:
            client = smtplib.SMTP(config.smtp_host, config.smtp_port, timeout=config.timeout)
        with client:
            client.ehlo()
            if config.smtp_starttls and not config.smtp_ssl:
                client.starttls(context=ssl.create_default_context())
                client.ehlo()
            if config.smtp_user:
                client.login(config.smtp_user, config.smtp_password)
            client.send_message(message)
    except smtplib.SMTPAuthenticationError as error:
        raise AuthenticationFailed(
            f"the mail server {config.smtp_host} refused the login: {error.smtp_error!r}"
        ) from None
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as error:
        raise Refused(f"the mail server {config.smtp_host} refused the mail: {error}") from None
    except smtplib.SMTPResponseException as error:
        if 400 <= error.smtp_code < 500:  # temporary: try again later
            raise Unreachable(
                f"the mail server {config.smtp_host} said {error.smtp_code}: {error.smtp_error!r}"
            ) from None
        raise Refused(
            f"the mail server {config.smtp_host} said {error.smtp_code}: {error.smtp_error!r}"
        ) from None
    except (TimeoutError, smtplib.SMTPException, OSError) as error:
        raise Unreachable(
            f"cannot send through {config.smtp_host}:{config.smtp_port}: {error}"
        ) from None
