"""Upload links: how a customer sends files that mail cannot carry, under a technician's
attachment agreement (its size cap, until its expiry).

A link is issued for one ticket; the customer receives it in a message on the ticket (the
channels deliver it like any answer) or in the acknowledgement of a new request. A file
sent through it becomes the customer's message on the ticket, with the file attached.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files.base import File
from django.db import transaction
from django.urls import reverse
from django.utils import formats, translation

from supportdesk.accounts.actors import SYSTEM, Actor, SystemActor
from supportdesk.accounts.models import Contact, Technician
from supportdesk.core.blobs import store_blob_from_file
from supportdesk.core.choices import Language
from supportdesk.core.clock import now
from supportdesk.core.errors import DomainError, InvalidTransition, NotFound
from supportdesk.tickets.choices import Channel, EventKind, MessageKind, Status
from supportdesk.tickets.delivery import deliver_answer
from supportdesk.tickets.events import record_event
from supportdesk.tickets.models import AttachmentAgreement, Message, Ticket, UploadLink
from supportdesk.tickets.services.attachments import agreement_covering, customer_wide_agreement
from supportdesk.tickets.services.common import (
    lock_ticket,
    require_can_view,
    require_staff,
)
from supportdesk.tickets.services.conversation import reply_to_ticket
from supportdesk.tickets.services.messages import StoredAttachment, add_message, safe_filename

TOKEN_BYTES = 32  # 256 bits: guessing a link is hopeless, so a wrong token is a plain 404
UPLOAD_CHANNELS = (Channel.PORTAL, Channel.API)


class UploadRefusal(StrEnum):
    """Why a file was not taken; the pages say it in the customer's language."""

    EXPIRED = "expired"
    REVOKED = "revoked"
    USED_UP = "used_up"
    TICKET_CLOSED = "ticket_closed"
    NO_FILE = "no_file"
    EMPTY = "empty"
    TOO_LARGE = "too_large"


class UploadRefused(DomainError):
    def __init__(self, reason: UploadRefusal, link: UploadLink, detail: str) -> None:
        self.reason = reason
        self.link = link
        super().__init__(detail)


@dataclass(frozen=True)
class IssuedUploadLink:
    """A new link with its token: the only moment the token is known in clear. The URLs
    are found by name in config/urls.py: the pages live in portal/, which the core does
    not import."""

    link: UploadLink
    token: str

    @property
    def url(self) -> str:
        return settings.SITE_URL + reverse("upload-page", args=[self.token])

    @property
    def api_url(self) -> str:
        return settings.SITE_URL + reverse("upload-api", args=[self.token])


@dataclass(frozen=True)
class IncomingUpload:
    """A file as an interface received it. `file` is None when the interface stopped
    receiving it because it passed the link's cap (`size` is then the bytes seen so far)."""

    filename: str
    file: File | None
    size: int
    content_type: str = "application/octet-stream"
    sha256: str | None = None  # when the bytes were hashed as they arrived

    @property
    def stopped_over_cap(self) -> bool:
        return self.file is None


@dataclass(frozen=True)
class InvitationText:
    greeting: str
    invitation: str
    from_terminal: str
    signature: str
    decimal_mark: str


INVITATIONS: dict[str, InvitationText] = {
    Language.ENGLISH: InvitationText(
        greeting="Hello {name},",
        invitation=(
            "You may send us files too large for mail, up to {cap} each, until {expiry} "
            "({zone} time), on this page: {url}"
        ),
        from_terminal="From a terminal: curl -F file=@FILE {api_url}",
        signature="The support team",
        decimal_mark=".",
    ),
    Language.SPANISH: InvitationText(
        greeting="Hola {name}:",
        invitation=(
            "Puede enviarnos los archivos demasiado grandes para el correo, de hasta {cap} "
            "cada uno, hasta el {expiry} (hora de {zone}), en esta página: {url}"
        ),
        from_terminal="Desde un terminal: curl -F file=@ARCHIVO {api_url}",
        signature="El equipo de soporte",
        decimal_mark=",",
    ),
    Language.FRENCH: InvitationText(
        greeting="Bonjour {name},",
        invitation=(
            "Vous pouvez nous envoyer les fichiers trop volumineux pour le courrier, "
            "jusqu'à {cap} chacun, jusqu'au {expiry} (heure de {zone}), sur cette page : {url}"
        ),
        from_terminal="Depuis un terminal : curl -F file=@FICHIER {api_url}",
        signature="L'équipe support",
        decimal_mark=",",
    ),
}


def issue_upload_link(*, actor: Actor, ticket: Ticket) -> IssuedUploadLink:
    """A new link for `ticket`, under the agreement in force that covers it (the ticket's
    own, its requester's or their organization's: the largest cap). Technicians or the
    system only; refused when no agreement covers the ticket."""
    require_staff(actor, "issue upload links")
    require_can_view(actor, ticket)
    at = now()
    agreement = agreement_covering(ticket, at=at)
    if agreement is None:
        raise InvalidTransition(
            f"No attachment agreement in force covers {ticket.reference}: grant one first"
        )
    return _create_link(ticket=ticket, agreement=agreement, actor=actor, at=at)


def request_upload_link(*, contact: Contact, ticket: Ticket) -> IssuedUploadLink:
    """A customer asks for a link on their own ticket (the request tool, before sending a
    file over the plan's limit): granted when an agreement in force covers the ticket, as
    a technician would grant it. The agreement is the technician's consent; asking for the
    link only saves a round trip."""
    require_can_view(contact, ticket)
    if ticket.merged_into_id is not None:
        raise InvalidTransition(f"{ticket.reference} was merged into another ticket", code="merged")
    if ticket.status == Status.CLOSED:
        raise InvalidTransition(
            f"{ticket.reference} is closed; send a new request", code="ticket_closed"
        )
    at = now()
    agreement = agreement_covering(ticket, at=at)
    if agreement is None:
        raise InvalidTransition(
            f"No attachment agreement covers {ticket.reference}: files over your plan's "
            "limit need a technician's agreement; ask on the ticket",
            code="no_agreement",
        )
    return _create_link(ticket=ticket, agreement=agreement, actor=contact, at=at)


def _create_link(
    *, ticket: Ticket, agreement: AttachmentAgreement, actor: Actor, at: datetime
) -> IssuedUploadLink:
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with transaction.atomic():
        link = UploadLink.objects.create(
            ticket=ticket,
            agreement=agreement,
            token_sha256=token_digest(token),
            issued_by=actor if isinstance(actor, Technician) else None,
            created_at=at,
        )
        record_event(
            ticket=ticket,
            kind=EventKind.UPLOAD_LINK_ISSUED,
            actor=actor,
            at=at,
            data={
                "link": link.pk,
                "agreement": agreement.pk,
                "max_bytes": agreement.max_bytes,
                "expires_at": agreement.expires_at.isoformat(),
            },
        )
    return IssuedUploadLink(link=link, token=token)


def send_upload_link(*, actor: Technician, ticket: Ticket) -> Message:
    """Issue a link and tell the customer, in their language, as a message on the ticket
    that the channels deliver like any answer. Not an answer to the request: the status
    and the service-level clocks do not move."""
    with transaction.atomic():
        lock_ticket(ticket)
        issued = issue_upload_link(actor=actor, ticket=ticket)
        texts = INVITATIONS.get(ticket.language, INVITATIONS[Language.ENGLISH])
        body = "\n\n".join(
            [
                texts.greeting.format(name=ticket.requester.name),
                upload_invitation(issued, ticket=ticket),
                texts.signature,
            ]
        )
        at = now()
        message = add_message(
            ticket=ticket,
            kind=MessageKind.OUTBOUND,
            channel=Channel.DESK,
            author=actor,
            body_text=body,
            body_html="",
            attachments=(),
            at=at,
        )
        deliver_answer(message)
        ticket.updated_at = at
        ticket.save(update_fields=["message_count", "updated_at"])
    return message


def upload_invitation(issued: IssuedUploadLink, *, ticket: Ticket) -> str:
    """The sentences that give the customer the link, in the ticket's language."""
    texts = INVITATIONS.get(ticket.language, INVITATIONS[Language.ENGLISH])
    zone_name = customer_time_zone(ticket)
    invitation = texts.invitation.format(
        cap=readable_size(issued.link.max_bytes, texts.decimal_mark),
        expiry=format_expiry(issued.link.expires_at, zone_name, ticket.language),
        zone=zone_name.rsplit("/", 1)[-1].replace("_", " "),
        url=issued.url,
    )
    return f"{invitation}\n{texts.from_terminal.format(api_url=issued.api_url)}"


def invite_uploads_for_new_request(ticket: Ticket) -> str | None:
    """For the acknowledgement of a new request: when an agreement covers it (one for the
    customer or their organization), a new link and the sentences that give it; else None."""
    # A new request has no agreement of its own yet: only the customer's can cover it.
    if customer_wide_agreement(ticket.requester, at=now()) is None:
        return None
    return upload_invitation(issue_upload_link(actor=SYSTEM, ticket=ticket), ticket=ticket)


def find_upload_link(token: str) -> UploadLink:
    """The link a token opens, usable or not (the page says why not). NotFound otherwise."""
    link = (
        UploadLink.objects.select_related("ticket", "ticket__plan__calendar", "agreement")
        .filter(token_sha256=token_digest(token))
        .first()
    )
    if link is None:
        raise NotFound("No such upload link")
    return link


def check_upload_link(link: UploadLink, *, at: datetime) -> None:
    """Raise UploadRefused when the link no longer takes files."""
    if link.revoked_at is not None:
        raise UploadRefused(UploadRefusal.REVOKED, link, "This upload link was withdrawn")
    if link.expires_at <= at:
        raise UploadRefused(
            UploadRefusal.EXPIRED,
            link,
            f"This upload link expired on {link.expires_at.isoformat(timespec='minutes')}",
        )
    if link.upload_count >= settings.SUPPORTDESK["UPLOAD_LINK_MAX_FILES"]:
        raise UploadRefused(
            UploadRefusal.USED_UP,
            link,
            f"This upload link has taken its {link.upload_count} files; ask for a new one",
        )
    if destination_ticket(link.ticket).status == Status.CLOSED:
        raise UploadRefused(
            UploadRefusal.TICKET_CLOSED,
            link,
            f"{link.ticket.reference} is closed; send a new request",
        )


def accept_upload(
    *, token: str, upload: IncomingUpload | None, channel: str, client: str = ""
) -> Message:
    """Take a file sent through an upload link: checked against the link (in force, not
    revoked, the cap), stored as a blob (streamed, never whole in memory), and recorded as
    the customer's message on the ticket with the file attached, like a reply: a pending
    or solved ticket reopens. `upload` is None when no file was sent."""
    link = find_upload_link(token)
    check_upload_link(link, at=now())
    check_upload_size(link, upload)
    assert upload is not None and upload.file is not None  # checked just above
    # The bytes go to storage before any lock is taken: moving (or copying) a large file
    # must not hold the ticket. A file whose message then fails is an orphan blob, which
    # the next upload of the same bytes reuses.
    blob = store_blob_from_file(upload.file, sha256=upload.sha256)
    filename = safe_filename(upload.filename)
    with transaction.atomic():
        # The link's row lock makes the file count exact under concurrent uploads.
        link = UploadLink.objects.select_for_update().select_related("agreement").get(pk=link.pk)
        at = now()
        check_upload_link(link, at=at)
        ticket = destination_ticket(link.ticket)
        message = reply_to_ticket(
            actor=ticket.requester,
            ticket=ticket,
            body_text=(
                f"File sent through the upload link: {filename} "
                f"({readable_size(blob.size)}, SHA-256 {blob.sha256})"
            ),
            channel=channel if channel in UPLOAD_CHANNELS else Channel.PORTAL,
            attachments=[
                StoredAttachment(filename=filename, blob=blob, content_type=upload.content_type)
            ],
        )
        link.upload_count += 1
        link.last_used_at = at
        link.save(update_fields=["upload_count", "last_used_at"])
        record_event(
            ticket=ticket,
            kind=EventKind.FILE_UPLOADED,
            actor=ticket.requester,
            at=at,
            data={
                "link": link.pk,
                "message": message.pk,
                "filename": filename,
                "size": blob.size,
                "sha256": blob.sha256,
                "client": client[:100],
            },
        )
    return message


def check_upload_size(link: UploadLink, upload: IncomingUpload | None) -> None:
    if upload is None:
        raise UploadRefused(UploadRefusal.NO_FILE, link, "No file was sent (field 'file')")
    if upload.stopped_over_cap or upload.size > link.max_bytes:
        raise UploadRefused(
            UploadRefusal.TOO_LARGE,
            link,
            f"{upload.filename} is larger than {readable_size(link.max_bytes)}, "
            "the most this link accepts",
        )
    if upload.size == 0:
        raise UploadRefused(UploadRefusal.EMPTY, link, f"{upload.filename} is empty")


def revoke_upload_link(*, actor: Technician | SystemActor, link: UploadLink) -> UploadLink:
    """Withdraw a link: it takes no more files. Revoking twice changes nothing."""
    require_staff(actor, "revoke upload links")
    if isinstance(actor, Technician):
        require_can_view(actor, link.ticket)
    with transaction.atomic():
        link = UploadLink.objects.select_for_update().get(pk=link.pk)
        if link.revoked_at is not None:
            return link
        at = now()
        link.revoked_at = at
        link.revoked_by = actor.display_name if isinstance(actor, Technician) else actor.name
        link.save(update_fields=["revoked_at", "revoked_by"])
        record_event(
            ticket=link.ticket,
            kind=EventKind.UPLOAD_LINK_REVOKED,
            actor=actor,
            at=at,
            data={"link": link.pk},
        )
    return link


def destination_ticket(ticket: Ticket) -> Ticket:
    """Where files sent for `ticket` land: the ticket it was merged into, if it was."""
    seen = {ticket.pk}
    while ticket.merged_into_id is not None and ticket.merged_into_id not in seen:
        seen.add(ticket.merged_into_id)
        ticket = Ticket.objects.select_related("merged_into").get(pk=ticket.merged_into_id)
    return ticket


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def customer_time_zone(ticket: Ticket) -> str:
    """The zone the customer's promises are stated in (their plan's calendar)."""
    if ticket.plan is not None:
        return ticket.plan.calendar.time_zone
    return str(settings.TIME_ZONE)


def readable_size(size: int, decimal_mark: str = ".") -> str:
    """Decimal units, as the 9 MB rule is stated, to one decimal: "50 MB", "1.2 GB"."""
    for unit, factor in (("GB", 10**9), ("MB", 10**6), ("KB", 10**3)):
        if size >= factor:
            number = f"{size / factor:.1f}".removesuffix(".0")
            return f"{number} {unit}".replace(".", decimal_mark)
    return f"{size} bytes"


def format_expiry(at: datetime, zone_name: str, language: str) -> str:
    local = at.astimezone(ZoneInfo(zone_name))
    with translation.override(language):
        return f"{formats.date_format(local, 'DATE_FORMAT')} {local:%H:%M}"
