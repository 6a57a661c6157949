"""What the tool says to customers, in English, Spanish and French (the languages the support
desk answers in). The language: the request's own, else the configured one, else the
system's, else English. Messages about the configuration and local file errors stay in
English, like the server's logs."""

from __future__ import annotations

import os
from typing import Any

LANGUAGES = ("en", "es", "fr")

TEXTS: dict[str, dict[str, str]] = {
    "ticket": {
        "en": "Ticket {reference}: {url}",
        "es": "Ticket {reference}: {url}",
        "fr": "Ticket {reference} : {url}",
    },
    "follow_up": {
        "en": "Added to {reference}: {url}",
        "es": "Añadido a {reference}: {url}",
        "fr": "Ajouté à {reference} : {url}",
    },
    "answer_by": {
        "en": "Answer expected: {when}",
        "es": "Respuesta prevista: {when}",
        "fr": "Réponse prévue : {when}",
    },
    "not_kept": {
        "en": "  {name} was not kept: {reason}",
        "es": "  {name} no se ha conservado: {reason}",
        "fr": "  {name} n'a pas été conservé : {reason}",
    },
    "written": {
        "en": "Written: {path} (to {to}); send it with your mail client.",
        "es": "Escrito: {path} (para {to}); envíelo con su programa de correo.",
        "fr": "Écrit : {path} (pour {to}) ; envoyez-le avec votre logiciel de messagerie.",
    },
    "mailed": {
        "en": "Mailed to {to}; the ticket reference comes back by email.",
        "es": "Enviado a {to}; la referencia del ticket le llegará por correo.",
        "fr": "Envoyé à {to} ; la référence du ticket vous parviendra par e-mail.",
    },
    "queued": {
        "en": (
            "the request could not be sent ({reason}); it is saved in the outbox as {id} and "
            "will be sent by `supportdesk-request queue send` (or your next `send`)"
        ),
        "es": (
            "la solicitud no se ha podido enviar ({reason}); está guardada en la bandeja de "
            "salida como {id} y se enviará con `supportdesk-request queue send` (o con su "
            "próximo `send`)"
        ),
        "fr": (
            "la demande n'a pas pu être envoyée ({reason}) ; elle est gardée dans la boîte "
            "d'envoi sous {id} et partira avec `supportdesk-request queue send` (ou votre "
            "prochain `send`)"
        ),
    },
    "incomplete": {
        "en": "the request is incomplete; missing: {fields}",
        "es": "la solicitud está incompleta; falta: {fields}",
        "fr": "la demande est incomplète ; il manque : {fields}",
    },
    "cancelled": {
        "en": "cancelled: nothing was sent",
        "es": "cancelado: no se ha enviado nada",
        "fr": "annulé : rien n'a été envoyé",
    },
    "confirm_send": {
        "en": "Send it ({transport})? [Y/n] ",
        "es": "¿Enviarla ({transport})? [S/n] ",
        "fr": "L'envoyer ({transport}) ? [O/n] ",
    },
    "collected": {
        "en": "Collected automatically (remove one with --omit KEY):",
        "es": "Recogido automáticamente (quite uno con --omit CLAVE):",
        "fr": "Collecté automatiquement (retirez-en un avec --omit CLÉ) :",
    },
    "similar": {
        "en": "Solved requests like yours (they may answer it already):",
        "es": "Solicitudes resueltas parecidas a la suya (quizá ya la respondan):",
        "fr": "Demandes résolues semblables à la vôtre (elles y répondent peut-être déjà) :",
    },
    "masked": {
        "en": "{count} secret(s) masked in the request's texts (passwords, tokens)",
        "es": "{count} secreto(s) ocultado(s) en los textos de la solicitud (contraseñas, tokens)",
        "fr": "{count} secret(s) masqué(s) dans les textes de la demande (mots de passe, jetons)",
    },
    "too_large": {
        "en": (
            "{name} is {size_mb} ({size} bytes), over the server's limit of {limit_mb} ({limit} "
            "bytes) per file.{compress} Ask your support desk for an attachment agreement (then "
            "send it again), or send a smaller file (a minimal project, the relevant part of "
            "the log)."
        ),
        "es": (
            "{name} ocupa {size_mb} ({size} bytes), más que el límite del servidor de {limit_mb} "
            "({limit} bytes) por archivo.{compress} Pida a su soporte un acuerdo de adjuntos "
            "(y vuelva a enviarla), o envíe un archivo más pequeño (un proyecto mínimo, la "
            "parte útil del log)."
        ),
        "fr": (
            "{name} fait {size_mb} ({size} octets), au-delà de la limite du serveur de "
            "{limit_mb} ({limit} octets) par fichier.{compress} Demandez à votre support un "
            "accord pour les pièces jointes (puis renvoyez-la), ou envoyez un fichier plus "
            "petit (un projet minimal, la partie utile du journal)."
        ),
    },
    "try_compress": {
        "en": " Try --compress.",
        "es": " Pruebe con --compress.",
        "fr": " Essayez --compress.",
    },
    "second_look": {
        "en": "A second look at {reference} will get:",
        "es": "La segunda revisión de {reference} recibirá:",
        "fr": "Le second examen de {reference} recevra :",
    },
    "your_question": {"en": "Your question", "es": "Su pregunta", "fr": "Votre question"},
    "the_answer": {"en": "The answer", "es": "La respuesta", "fr": "La réponse"},
    "your_comment": {"en": "Your comment", "es": "Su comentario", "fr": "Votre commentaire"},
    "no_answer": {
        "en": "(no answer shown)",
        "es": "(ninguna respuesta visible)",
        "fr": "(aucune réponse visible)",
    },
    "confirm_rereview": {
        "en": "Send? [y/N] ",
        "es": "¿Enviar? [s/N] ",
        "fr": "Envoyer ? [o/N] ",
    },
    "rereview_sent": {
        "en": "Sent: {reference} goes to a second technician (status {status}).",
        "es": "Enviado: {reference} pasa a un segundo técnico (estado {status}).",
        "fr": "Envoyé : {reference} passe à un second technicien (statut {status}).",
    },
    "reply_added": {
        "en": "Reply added to {reference}.",
        "es": "Respuesta añadida a {reference}.",
        "fr": "Réponse ajoutée à {reference}.",
    },
}

YES = frozenset({"y", "yes", "s", "si", "sí", "o", "oui"})
NO = frozenset({"n", "no", "non"})


def system_language() -> str | None:
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        primary = os.environ.get(variable, "").split(":")[0][:2].lower()
        if primary in LANGUAGES:
            return primary
        if os.environ.get(variable):
            return None  # set to another language (or C): English
    return None


def pick_language(*candidates: Any) -> str:
    for candidate in (*candidates, system_language()):
        if isinstance(candidate, str) and candidate[:2].lower() in LANGUAGES:
            return candidate[:2].lower()
    return "en"


def text(key: str, language: str, **values: Any) -> str:
    variants = TEXTS[key]
    return variants.get(language, variants["en"]).format(**values)
