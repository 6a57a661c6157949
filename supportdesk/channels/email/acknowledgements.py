"""Mail we write on our own: the acknowledgement of a new request, and a technician's reply
sent by mail. Both go through the outbox (outbound.queue_mail)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Subquery

from supportdesk.accounts.models import ContactEmail
from supportdesk.channels.email import outbound
from supportdesk.channels.email.models import InboundMail, OutboundMail
from supportdesk.core.choices import Language
from supportdesk.core.errors import InvalidInput
from supportdesk.plans.models import PlanNotice
from supportdesk.tickets.choices import Channel, MessageKind
from supportdesk.tickets.entitlement import entitlement_facts
from supportdesk.tickets.models import Attachment, Message, Ticket
from supportdesk.tickets.selectors import answer_promise
from supportdesk.tickets.services.uploads import invite_uploads_for_new_request


@dataclass(frozen=True)
class AcknowledgementText:
    subject: str
    greeting: str
    received: str
    promise: str
    no_promise: str
    notices: dict[str, str]
    removed: str
    removed_how: str
    request_tool: str
    signature: str
    decimal_mark: str
    # In a technician's reply: the files too large to go with it by mail.
    not_attached: str


TEXTS: dict[str, AcknowledgementText] = {
    Language.ENGLISH: AcknowledgementText(
        subject="Request received: {subject}",
        greeting="Hello {name},",
        received=(
            "We have received your request. Its reference is {reference}: please keep it "
            "in the subject when you write to us about it."
        ),
        promise="We will answer by {promise} ({zone} time).",
        no_promise="We will answer as soon as possible.",
        notices={
            PlanNotice.SUBSCRIPTION_EXPIRED: (
                "Your subscription has expired: this request is handled under free support."
            ),
            PlanNotice.CREDITS_EXHAUSTED: (
                "Your prepaid assistance time is used up: this request is handled under "
                "free support."
            ),
        },
        removed="These attachments were too large for mail and were not kept:",
        removed_how=(
            "To send them, reply to this mail and ask for an upload link: we will send you one."
        ),
        request_tool=(
            "Next time, try the request tool: it asks for what we need (product, version, "
            "steps, the exact error), checks your files, and sends your request straight to "
            "the right team, so it is answered sooner. Download and help: {url}"
        ),
        signature="The support team",
        decimal_mark=".",
        not_attached=(
            "These files are too large to be sent by mail and are not attached; reply to "
            "this mail if you need them and we will send them another way:"
        ),
    ),
    Language.SPANISH: AcknowledgementText(
        subject="Solicitud recibida: {subject}",
        greeting="Hola {name}:",
        received=(
            "Hemos recibido su solicitud. Su referencia es {reference}: consérvela en el "
            "asunto cuando nos escriba sobre ella."
        ),
        promise="Le responderemos antes del {promise} (hora de {zone}).",
        no_promise="Le responderemos lo antes posible.",
        notices={
            PlanNotice.SUBSCRIPTION_EXPIRED: (
                "Su suscripción ha caducado: esta solicitud se atiende con el soporte gratuito."
            ),
            PlanNotice.CREDITS_EXHAUSTED: (
                "Ha agotado su tiempo de asistencia prepagado: esta solicitud se atiende con "
                "el soporte gratuito."
            ),
        },
        removed="Estos archivos adjuntos eran demasiado grandes para el correo y no se guardaron:",
        removed_how=(
            "Para enviarlos, responda a este correo y pida un enlace de carga: se lo enviaremos."
        ),
        request_tool=(
            "La próxima vez, pruebe la herramienta de solicitudes: le pide lo que necesitamos "
            "(producto, versión, pasos, el error exacto), comprueba sus archivos y envía su "
            "solicitud directamente al equipo adecuado, para responderle antes. Descarga y "
            "ayuda: {url}"
        ),
        signature="El equipo de soporte",
        decimal_mark=",",
        not_attached=(
            "Estos archivos son demasiado grandes para enviarlos por correo y no van adjuntos; "
            "responda a este correo si los necesita y se los enviaremos de otra forma:"
        ),
    ),
    Language.FRENCH: AcknowledgementText(
        subject="Demande reçue : {subject}",
        greeting="Bonjour {name},",
        received=(
            "Nous avons bien reçu votre demande. Sa référence est {reference} : gardez-la "
            "dans l'objet quand vous nous écrivez à son sujet."
        ),
        promise="Nous vous répondrons avant le {promise} (heure de {zone}).",
        no_promise="Nous vous répondrons dès que possible.",
        notices={
            PlanNotice.SUBSCRIPTION_EXPIRED: (
                "Votre abonnement a expiré : cette demande est traitée par le support gratuit."
            ),
            PlanNotice.CREDITS_EXHAUSTED: (
                "Votre crédit d'assistance prépayé est épuisé : cette demande est traitée par "
                "le support gratuit."
            ),
        },
        removed="Ces pièces jointes étaient trop volumineuses pour le courrier et n'ont pas "
        "été conservées :",
        removed_how=(
            "Pour nous les envoyer, répondez à ce message en demandant un lien de dépôt : "
            "nous vous l'enverrons."
        ),
        request_tool=(
            "La prochaine fois, essayez l'outil de demande : il vous demande ce dont nous "
            "avons besoin (produit, version, étapes, l'erreur exacte), vérifie vos fichiers "
            "et envoie votre demande directement à la bonne équipe, pour une réponse plus "
            "rapide. Téléchargement et aide : {url}"
        ),
        signature="L'équipe support",
        decimal_mark=",",
        not_attached=(
            "Ces fichiers sont trop volumineux pour être envoyés par courrier et ne sont pas "
            "joints ; répondez à ce message si vous en avez besoin et nous vous les ferons "
            "parvenir autrement :"
        ),
    ),
}

# City names of time zones that differ by language; others are read from the zone's name.
_CITY_NAMES: dict[tuple[str, str], str] = {("Europe/Paris", Language.SPANISH): "París"}


def acknowledge_new_request(
    *,
    ticket: Ticket,
    inbound: InboundMail,
    to_address: str = "",
    had_files: bool = True,
    recommend_request_tool: bool = True,
) -> OutboundMail | None:
    """Queue the acknowledgement of a ticket opened from `inbound`, threaded on it, to
    `to_address` (the From of the mail; the requester's address when not given).
    `had_files=False` says the request carried no file, so none can have been removed: the
    files are not looked up (most mail has none). `recommend_request_tool=False` leaves out
    the advice to use the request tool (for a sender who just did; see acknowledgement_text).

    Returns None when nothing is sent: mail from a machine (the null sender) is never
    answered, and an address gets at most MAIL_AUTO_REPLIES_PER_HOUR automatic mails an hour.
    """
    if inbound.source in (InboundMail.Source.SMTP, InboundMail.Source.LMTP) and (
        inbound.envelope_from.strip("<> ") == ""
    ):
        return None  # a bounce or a report: RFC 3834 forbids answering it
    address = to_address or _requester_address(ticket)
    if not address:
        return None
    subject, body = acknowledgement_text(
        ticket, had_files=had_files, recommend_request_tool=recommend_request_tool
    )
    return outbound.queue_mail(
        kind=OutboundMail.Kind.ACKNOWLEDGEMENT,
        to=address,
        subject=subject,
        body_text=body,
        ticket=ticket,
        in_reply_to=inbound.header_message_id,
        references=[inbound.header_message_id],
        is_automatic=True,
    )


def acknowledgement_text(
    ticket: Ticket, *, had_files: bool = True, recommend_request_tool: bool = True
) -> tuple[str, str]:
    """The subject and body of the acknowledgement, in the ticket's language.
    `recommend_request_tool=False`: the mail came from the request tool but its document
    was refused, so it was opened as ordinary mail; the problems mail says what to correct,
    and advising the tool its sender just used would only confuse."""
    texts = TEXTS.get(ticket.language, TEXTS[Language.ENGLISH])
    promise = answer_promise(ticket)
    if promise is not None and ticket.plan is not None:
        zone = _city(ticket.plan.calendar.time_zone, ticket.language)
        promise_line = texts.promise.format(promise=promise[1], zone=zone)
    else:
        promise_line = texts.no_promise
    paragraphs = [
        texts.greeting.format(name=ticket.requester.name),
        texts.received.format(reference=ticket.reference),
        promise_line,
    ]
    if ticket.plan_notice:
        paragraphs.append(texts.notices.get(ticket.plan_notice, ticket.get_plan_notice_display()))
    # The entitlement check's outcome, plainly: the request is handled either way.
    entitlement = entitlement_facts(ticket)["message"]
    if entitlement:
        paragraphs.append(entitlement)
    removed = _removed_attachments(ticket) if had_files else []
    # An agreement for the customer: a link for this request's files that mail cannot carry.
    upload = invite_uploads_for_new_request(ticket)
    if removed:
        listing = "\n".join(
            f"- {outbound.header_text(item.filename, limit=255)} "
            f"({_size(item.size, texts.decimal_mark)})"
            for item in removed
        )
        paragraphs.append(f"{texts.removed}\n{listing}\n\n{upload or texts.removed_how}")
    elif upload:
        paragraphs.append(upload)
    if ticket.channel == Channel.EMAIL and recommend_request_tool:
        # Free-form mail needs a human to triage it; a standardized request does not.
        paragraphs.append(texts.request_tool.format(url=settings.SUPPORTDESK["REQUEST_TOOL_URL"]))
    paragraphs.append(texts.signature)
    subject = texts.subject.format(subject=ticket.subject)
    return subject, "\n\n".join(paragraphs) + "\n"


def send_reply_mail(*, message: Message) -> OutboundMail | None:
    """Queue a technician's answer to the requester by mail, threaded on the conversation.
    Safe to call twice: one message is one mail."""
    if message.kind != MessageKind.OUTBOUND:
        raise InvalidInput({"message": "only a technician's answer is sent by mail"})
    existing = OutboundMail.objects.filter(ticket_message=message).first()
    if existing is not None:
        return existing
    ticket = message.ticket
    address = _requester_address(ticket)
    if not address:
        return None
    references = _conversation_ids(ticket)
    last_inbound = (
        InboundMail.objects.filter(ticket=ticket)
        .exclude(header_message_id="")
        .order_by("-id")
        .values_list("header_message_id", flat=True)
        .first()
    )
    return outbound.queue_mail(
        kind=OutboundMail.Kind.REPLY,
        to=address,
        subject=ticket.subject,
        body_text=reply_text(message),
        ticket=ticket,
        in_reply_to=last_inbound or "",
        references=references,
        ticket_message_id=message.pk,
    )


def reply_text(message: Message) -> str:
    """A technician's answer as mailed: its text, then the files it has that are too large
    to be attached (outbound.reply_attachments attaches the others when the mail is sent)."""
    _attached, left_out = outbound.reply_attachments(message.pk)
    if not left_out:
        return message.body_text
    texts = TEXTS.get(message.ticket.language, TEXTS[Language.ENGLISH])
    listing = "\n".join(
        f"- {outbound.header_text(item.filename, limit=255)} "
        f"({_size(item.size, texts.decimal_mark)})"
        for item in left_out
    )
    return f"{message.body_text.rstrip()}\n\n{texts.not_attached}\n{listing}\n"


def _requester_address(ticket: Ticket) -> str:
    email = (
        ContactEmail.objects.filter(contact_id=ticket.requester_id, failing_since__isnull=True)
        .order_by("-is_primary", "id")
        .values_list("address", flat=True)
        .first()
    )
    return email or ""


def _conversation_ids(ticket: Ticket) -> list[str]:
    """The Message-IDs of the ticket's mail both ways, oldest first (the last few)."""
    limit = outbound.MAX_REFERENCES
    received = list(
        InboundMail.objects.filter(ticket=ticket)
        .exclude(header_message_id="")
        .order_by("-id")
        .values_list("received_at", "header_message_id")[:limit]
    )
    sent = list(
        OutboundMail.objects.filter(ticket=ticket)
        .order_by("-id")
        .values_list("created_at", "message_id")[:limit]
    )
    return [message_id for _at, message_id in sorted(received + sent)][-limit:]


def _removed_attachments(ticket: Ticket) -> list[Attachment]:
    """The files removed from the request (its first inbound message), in one query."""
    first = ticket.messages.filter(kind=MessageKind.INBOUND).order_by("id").values("id")[:1]
    return list(
        Attachment.objects.filter(message_id=Subquery(first))
        .exclude(removed_reason="")
        .order_by("id")
    )


def _city(time_zone: str, language: str) -> str:
    named = _CITY_NAMES.get((time_zone, language))
    return named or time_zone.rsplit("/", 1)[-1].replace("_", " ")


def _size(size: int, decimal_mark: str) -> str:
    # Decimal units, as the limit is stated ("9 MB"): a 9.2 MB file must not read "8.8 MB".
    if size >= 1_000_000:
        text = f"{size / 1_000_000:.1f} MB"
    elif size >= 1000:
        text = f"{size / 1000:.0f} KB"
    else:
        text = f"{size} B"
    return text.replace(".", decimal_mark)
