"""What the upload page says, in the customer's language (the ticket's), like the
acknowledgements: a few sentences each, kept side by side so a translation is easy to check."""

from __future__ import annotations

from dataclasses import dataclass

from supportdesk.core.choices import Language
from supportdesk.tickets.services import UploadRefusal


@dataclass(frozen=True)
class UploadPageText:
    title: str
    intro: str
    one_at_a_time: str
    label: str
    button: str
    from_terminal: str
    received_title: str
    received: str
    another: str
    refusals: dict[UploadRefusal, str]
    decimal_mark: str


TEXTS: dict[str, UploadPageText] = {
    Language.ENGLISH: UploadPageText(
        title="Send files for {reference}",
        intro=(
            "Files too large for mail can be sent here. Each file may be up to {cap}. "
            "This page takes files until {expiry} ({zone} time)."
        ),
        one_at_a_time=(
            "One file at a time; for several, send them one after the other or in one archive."
        ),
        label="File",
        button="Send the file",
        from_terminal="From a terminal:",
        received_title="File received",
        received="We have received {filename} ({size}) for {reference}.",
        another="Send another file",
        refusals={
            UploadRefusal.EXPIRED: (
                "This link expired on {expiry} ({zone} time). Reply to our mail to ask for "
                "a new one."
            ),
            UploadRefusal.REVOKED: (
                "This link has been withdrawn. Reply to our mail to ask for a new one."
            ),
            UploadRefusal.USED_UP: (
                "This link has taken all the files it may ({count}). Reply to our mail to "
                "ask for a new one."
            ),
            UploadRefusal.TICKET_CLOSED: (
                "Request {reference} is closed. Please send us a new request."
            ),
            UploadRefusal.NO_FILE: "No file was sent: choose a file, then press the button.",
            UploadRefusal.EMPTY: "The file {filename} is empty (0 bytes): nothing was sent.",
            UploadRefusal.TOO_LARGE: (
                "The file {filename} is larger than {cap}, the most this link accepts: it "
                "was not kept. Compress it, or split it into parts of at most {cap}."
            ),
        },
        decimal_mark=".",
    ),
    Language.SPANISH: UploadPageText(
        title="Enviar archivos para {reference}",
        intro=(
            "Aquí puede enviar los archivos demasiado grandes para el correo. Cada archivo "
            "puede ocupar hasta {cap}. Esta página acepta archivos hasta el {expiry} "
            "(hora de {zone})."
        ),
        one_at_a_time=(
            "Un archivo cada vez; si son varios, envíelos uno tras otro o en un solo archivo "
            "comprimido."
        ),
        label="Archivo",
        button="Enviar el archivo",
        from_terminal="Desde un terminal:",
        received_title="Archivo recibido",
        received="Hemos recibido {filename} ({size}) para {reference}.",
        another="Enviar otro archivo",
        refusals={
            UploadRefusal.EXPIRED: (
                "Este enlace caducó el {expiry} (hora de {zone}). Responda a nuestro correo "
                "para pedir uno nuevo."
            ),
            UploadRefusal.REVOKED: (
                "Este enlace ha sido retirado. Responda a nuestro correo para pedir uno nuevo."
            ),
            UploadRefusal.USED_UP: (
                "Este enlace ya ha recibido todos los archivos que admite ({count}). Responda "
                "a nuestro correo para pedir uno nuevo."
            ),
            UploadRefusal.TICKET_CLOSED: (
                "La solicitud {reference} está cerrada. Envíenos una nueva solicitud."
            ),
            UploadRefusal.NO_FILE: (
                "No se ha enviado ningún archivo: elija un archivo y pulse el botón."
            ),
            UploadRefusal.EMPTY: (
                "El archivo {filename} está vacío (0 bytes): no se ha enviado nada."
            ),
            UploadRefusal.TOO_LARGE: (
                "El archivo {filename} ocupa más de {cap}, el máximo que admite este enlace: "
                "no se ha guardado. Comprímalo o divídalo en partes de {cap} como máximo."
            ),
        },
        decimal_mark=",",
    ),
    Language.FRENCH: UploadPageText(
        title="Envoyer des fichiers pour {reference}",
        intro=(
            "Les fichiers trop volumineux pour le courrier peuvent être envoyés ici. Chaque "
            "fichier peut faire jusqu'à {cap}. Cette page accepte des fichiers jusqu'au "
            "{expiry} (heure de {zone})."
        ),
        one_at_a_time=(
            "Un fichier à la fois ; s'il y en a plusieurs, envoyez-les l'un après l'autre ou "
            "dans une seule archive."
        ),
        label="Fichier",
        button="Envoyer le fichier",
        from_terminal="Depuis un terminal :",
        received_title="Fichier reçu",
        received="Nous avons bien reçu {filename} ({size}) pour {reference}.",
        another="Envoyer un autre fichier",
        refusals={
            UploadRefusal.EXPIRED: (
                "Ce lien a expiré le {expiry} (heure de {zone}). Répondez à notre message "
                "pour en demander un nouveau."
            ),
            UploadRefusal.REVOKED: (
                "Ce lien a été retiré. Répondez à notre message pour en demander un nouveau."
            ),
            UploadRefusal.USED_UP: (
                "Ce lien a reçu tous les fichiers qu'il accepte ({count}). Répondez à notre "
                "message pour en demander un nouveau."
            ),
            UploadRefusal.TICKET_CLOSED: (
                "La demande {reference} est close. Envoyez-nous une nouvelle demande."
            ),
            UploadRefusal.NO_FILE: (
                "Aucun fichier n'a été envoyé : choisissez un fichier, puis appuyez sur le bouton."
            ),
            UploadRefusal.EMPTY: (
                "Le fichier {filename} est vide (0 octet) : rien n'a été envoyé."
            ),
            UploadRefusal.TOO_LARGE: (
                "Le fichier {filename} dépasse {cap}, le maximum que ce lien accepte : il n'a "
                "pas été conservé. Compressez-le, ou découpez-le en parties de {cap} au plus."
            ),
        },
        decimal_mark=",",
    ),
}

NOT_FOUND = (
    "This upload link does not exist. Check that the whole link was copied from our mail. / "
    "Este enlace de carga no existe. / Ce lien de dépôt n'existe pas."
)


def texts_for(language: str) -> UploadPageText:
    return TEXTS.get(language, TEXTS[Language.ENGLISH])
