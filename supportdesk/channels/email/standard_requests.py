"""The standardized email (CONTRACTS.md section C): a mail with a request part
(application/vnd.supportdesk.request+json) becomes a ticket with every field filled, exactly
as over the API (requests.services.submit_standard_request), on channel "request_tool".

The mail is read like any other: the requester is the contact of the From address (a new
contact for an unknown sender), its authenticity is recorded on the message, and a
`related_ticket` is honoured only where an ordinary reply would be (admission.admit): a
sender that failed authentication, or who is not a contact of that ticket, opens a new
ticket with a note instead, never lands on someone else's.

A request that fails validation is neither lost nor held back: it is opened as ordinary
mail (the text part as the body, the document kept as a file, the problems in an internal
note), so a technician reads it within the promised time, and the sender gets one automatic
mail listing every problem by field, in their language. The quarantine stays for mail we
cannot process at all; a customer's mistake is not that, and an administrator's replay could
not correct it anyway.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from supportdesk.accounts.actors import SYSTEM
from supportdesk.accounts.models import Contact

# By module: processing calls this module from _apply, and this module reuses its steps.
from supportdesk.channels.email import acknowledgements, outbound, processing
from supportdesk.channels.email.admission import admit, welcome_colleague
from supportdesk.channels.email.authenticity import Authenticity, Verdict
from supportdesk.channels.email.models import InboundMail, OutboundMail
from supportdesk.channels.email.parsing import ParsedAttachment, ParsedMail
from supportdesk.core.choices import Language
from supportdesk.requests import texts as request_texts
from supportdesk.requests.services import submit_standard_request
from supportdesk.requests.validation import Problem, RequestInvalid, UploadedFile, parse_document
from supportdesk.tickets.choices import Channel
from supportdesk.tickets.models import Message, Ticket
from supportdesk.tickets.references import parse_reference
from supportdesk.tickets.services import add_note


def process_request_mail(mail: InboundMail, parsed: ParsedMail, sender: Authenticity) -> str:
    """Turn a standardized mail into a ticket (or a follow-up); returns what happened.
    Runs inside processing's transaction, after the checks every mail goes through."""
    request = parsed.request_part
    assert request is not None  # the caller checks
    files = [
        UploadedFile(name=item.filename, content=item.content, content_type=item.content_type)
        for item in parsed.attachments
    ]
    try:
        document = parse_document(request.content)
    except RequestInvalid as refused:
        return _as_ordinary_mail(mail, parsed, sender, refused.request_problems, language="")
    contact = processing._contact_for(parsed)
    language = _document_language(document)
    document, refused_follow_up = _admitted_follow_up(contact, parsed, document, sender)
    origin = {
        **processing._origin(mail, parsed, sender),
        "transport": "email",
        "message_id": parsed.message_id,
    }
    if refused_follow_up:
        origin["related_ticket_refused"] = refused_follow_up.reference
    try:
        submitted = submit_standard_request(
            contact=contact,
            document=document,
            files=files,
            origin=origin,
            channel=Channel.REQUEST_TOOL,
        )
    except RequestInvalid as refused:
        problems = [_for_mail(problem) for problem in refused.request_problems]
        return _as_ordinary_mail(mail, parsed, sender, problems, language=language)
    ticket = submitted.ticket
    if submitted.follow_up:
        if sender.verdict == Verdict.FAIL:
            add_note(actor=SYSTEM, ticket=ticket, body_text=processing._unverified_warning(sender))
        elif files:
            mail_removed_files(
                ticket=ticket,
                message=submitted.message,
                inbound=mail,
                to_address=parsed.from_address,
            )
        processing._finish(mail, sender=sender, ticket=ticket, message=submitted.message)
        return f"replied {ticket.reference} (standard request)"
    if refused_follow_up:
        add_note(actor=SYSTEM, ticket=ticket, body_text=refused_follow_up.reason)
    processing.acknowledge_unless_forged(ticket, mail, parsed, sender, had_files=bool(files))
    processing._finish(mail, sender=sender, ticket=ticket, message=submitted.message)
    return f"opened {ticket.reference} (standard request)"


@dataclass(frozen=True)
class _RefusedFollowUp:
    reference: str
    reason: str  # admission's, for the note on the new ticket


def _admitted_follow_up(
    contact: Contact, parsed: ParsedMail, document: dict[str, Any], sender: Authenticity
) -> tuple[dict[str, Any], _RefusedFollowUp | None]:
    """The document to submit: its `related_ticket` kept only when an ordinary reply from
    this sender would be accepted on that ticket. A reference to no ticket at all is left
    for the validation to name (unknown_ticket)."""
    reference = document.get("related_ticket")
    number = parse_reference(reference) if isinstance(reference, str) else None
    ticket = Ticket.objects.filter(number=number).first() if number is not None else None
    if ticket is None:
        return document, None
    # A merged ticket's conversation continues on the ticket it was merged into.
    seen = {ticket.pk}
    while ticket.merged_into_id is not None and ticket.merged_into_id not in seen:
        seen.add(ticket.merged_into_id)
        ticket = Ticket.objects.get(pk=ticket.merged_into_id)
    admission = admit(contact, parsed.from_address, ticket, sender)
    if admission.accepted:
        if admission.as_colleague:
            welcome_colleague(contact, ticket)
        return document, None
    without = {key: value for key, value in document.items() if key != "related_ticket"}
    return without, _RefusedFollowUp(reference=str(reference), reason=admission.reason)


def _for_mail(problem: Problem) -> Problem:
    """The API's identity check speaks of a token; by mail the identity is the sender's."""
    if problem.code == "email_not_yours":
        return dataclasses.replace(problem, code="email_not_sender")
    return problem


def _document_language(document: Mapping[str, Any]) -> str:
    language = document.get("language")
    return language if isinstance(language, str) and language in Language.values else ""


# -- a request that fails validation ------------------------------------------------------


def _as_ordinary_mail(
    mail: InboundMail,
    parsed: ParsedMail,
    sender: Authenticity,
    problems: Sequence[Problem],
    *,
    language: str,
) -> str:
    """Process the mail as if it had no request part (the document kept as a file), then
    note the problems on the ticket and tell the sender what to correct."""
    request = parsed.request_part
    assert request is not None
    as_file = ParsedAttachment(
        filename=request.filename, content_type=request.content_type, content=request.content
    )
    ordinary = dataclasses.replace(
        parsed, request_part=None, attachments=(*parsed.attachments, as_file)
    )
    outcome = processing._apply(mail, ordinary, sender, from_request_tool=True)
    ticket_id = InboundMail.objects.filter(pk=mail.pk).values_list("ticket_id", flat=True).get()
    ticket = Ticket.objects.select_related("requester").filter(pk=ticket_id).first()
    if ticket is None:  # nothing was opened (not expected past processing's own checks)
        return outcome
    add_note(actor=SYSTEM, ticket=ticket, body_text=_problems_note(problems))
    if sender.verdict != Verdict.FAIL:
        mail_problems(
            ticket=ticket,
            inbound=mail,
            to_address=parsed.from_address,
            problems=problems,
            language=language or ticket.requester.language,
        )
    return f"{outcome} (standard request refused: {len(problems)} problem(s))"


def _problems_note(problems: Sequence[Problem]) -> str:
    listing = "\n".join(
        f"- {problem.pointer or '/'}: {problem.message('en')}" for problem in problems
    )
    return (
        "This mail carried a standardized request that could not be read automatically, "
        "so it was opened as ordinary mail (the request document is attached). Fill in the "
        f"ticket's fields by hand. The problems, also sent to the customer:\n{listing}"
    )


@dataclass(frozen=True)
class ProblemsText:
    subject: str
    greeting: str
    registered: str
    whole_request: str
    next_time: str
    signature: str


PROBLEMS_TEXTS: dict[str, ProblemsText] = {
    Language.ENGLISH: ProblemsText(
        subject="Your request needs corrections: {subject}",
        greeting="Hello {name},",
        registered=(
            "Your request from the request tool could not be read automatically. It is "
            "registered all the same, as {reference}: a technician will read it and may ask "
            "you for what is missing."
        ),
        whole_request="the whole request",
        next_time=(
            "Please correct these for your next requests: a request that passes these checks "
            "goes straight to the right team."
        ),
        signature="The support team",
    ),
    Language.SPANISH: ProblemsText(
        subject="Su solicitud necesita correcciones: {subject}",
        greeting="Hola {name}:",
        registered=(
            "Su solicitud enviada con la herramienta de solicitudes no se pudo leer "
            "automáticamente. Aun así queda registrada, como {reference}: un técnico la leerá "
            "y puede pedirle lo que falte."
        ),
        whole_request="la solicitud completa",
        next_time=(
            "Corrija estos puntos en sus próximas solicitudes: una solicitud que los supera "
            "llega directamente al equipo adecuado."
        ),
        signature="El equipo de soporte",
    ),
    Language.FRENCH: ProblemsText(
        subject="Votre demande est à corriger : {subject}",
        greeting="Bonjour {name},",
        registered=(
            "Votre demande envoyée avec l'outil de demande n'a pas pu être lue "
            "automatiquement. Elle est tout de même enregistrée, sous la référence "
            "{reference} : un technicien la lira et pourra vous demander ce qui manque."
        ),
        whole_request="la demande entière",
        next_time=(
            "Corrigez ces points pour vos prochaines demandes : une demande qui passe ces "
            "contrôles va directement à la bonne équipe."
        ),
        signature="L'équipe support",
    ),
}


def problems_text(
    *, ticket: Ticket, subject: str, problems: Sequence[Problem], language: str
) -> tuple[str, str]:
    """The subject and body of the mail listing a refused request's problems."""
    language = request_texts.supported(language)
    text = PROBLEMS_TEXTS.get(language, PROBLEMS_TEXTS[Language.ENGLISH])
    listing = "\n".join(
        f"- {problem.pointer or text.whole_request}: {problem.message(language)}"
        for problem in problems
    )
    body = "\n\n".join(
        [
            text.greeting.format(name=ticket.requester.name),
            text.registered.format(reference=ticket.reference),
            f"{request_texts.refusal_summary(len(problems), language)}\n{listing}",
            text.next_time,
            text.signature,
        ]
    )
    return text.subject.format(subject=subject or ticket.subject), body + "\n"


def mail_problems(
    *,
    ticket: Ticket,
    inbound: InboundMail,
    to_address: str,
    problems: Sequence[Problem],
    language: str,
) -> OutboundMail | None:
    """Queue the mail listing the problems: automatic (Auto-Submitted: auto-replied), so
    counted by the hourly cap per address, and never sent to the null sender."""
    if inbound.source in (InboundMail.Source.SMTP, InboundMail.Source.LMTP) and (
        inbound.envelope_from.strip("<> ") == ""
    ):
        return None
    subject, body = problems_text(
        ticket=ticket, subject=ticket.subject, problems=problems, language=language
    )
    return outbound.queue_mail(
        kind=OutboundMail.Kind.NOTICE,
        to=to_address,
        subject=subject,
        body_text=body,
        ticket=ticket,
        in_reply_to=inbound.header_message_id,
        references=[inbound.header_message_id],
        is_automatic=True,
    )


# -- a follow-up's files over the limit ---------------------------------------------------

REMOVED_SUBJECT: dict[str, str] = {
    Language.ENGLISH: "Files not kept: {subject}",
    Language.SPANISH: "Archivos no conservados: {subject}",
    Language.FRENCH: "Fichiers non conservés : {subject}",
}


def mail_removed_files(
    *, ticket: Ticket, message: Message, inbound: InboundMail, to_address: str
) -> OutboundMail | None:
    """A follow-up has no acknowledgement to list the files removed by the size rule:
    one automatic mail says which, and how to send them."""
    removed = list(message.attachments.exclude(removed_reason="").order_by("id"))
    if not removed:
        return None
    language = ticket.language if ticket.language in REMOVED_SUBJECT else Language.ENGLISH
    text = acknowledgements.TEXTS[language]
    listing = "\n".join(
        f"- {outbound.header_text(item.filename, limit=255)} "
        f"({acknowledgements._size(item.size, text.decimal_mark)})"
        for item in removed
    )
    body = "\n\n".join(
        [
            text.greeting.format(name=ticket.requester.name),
            f"{text.removed}\n{listing}",
            text.removed_how,
            text.signature,
        ]
    )
    return outbound.queue_mail(
        kind=OutboundMail.Kind.NOTICE,
        to=to_address,
        subject=REMOVED_SUBJECT[language].format(subject=ticket.subject),
        body_text=body + "\n",
        ticket=ticket,
        in_reply_to=inbound.header_message_id,
        references=[inbound.header_message_id],
        is_automatic=True,
    )
