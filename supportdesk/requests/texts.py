"""What a customer reads when a request is refused, in English, Spanish and French: every
text of the requests app in one place, so a translator edits one file.

Each problem has a code; its text takes the named values of the problem (`{limit}`,
`{known}`...). A language without a text for a code falls back to English."""

from __future__ import annotations

from collections.abc import Mapping

SUPPORTED_LANGUAGES = ("en", "es", "fr")

PROBLEM_TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "required": "this field is required",
        "unknown_field": "unknown field (the format has no field of this name)",
        "type": "expected {expected}",
        "enum": "expected one of: {allowed}",
        "const": "expected {allowed}",
        "too_short": "too short: at least {limit} characters",
        "too_long": "too long: at most {limit} characters",
        "too_few_items": "give at least {limit}",
        "too_many_items": "at most {limit} entries",
        "too_small": "must be at least {limit}",
        "pattern": "not in the expected form",
        "format": "not a valid {format}",
        "invalid": "not valid here",
        "code_too_long": (
            "a code extract is at most {limit} lines ({lines} sent): "
            "keep the lines that show the problem"
        ),
        "unknown_product": "unknown product {value!r}; known products: {known}",
        "unknown_version": "unknown version {value!r} of {product}; known versions: {known}",
        "email_not_yours": (
            "{value!r} is not an address of the account this API token belongs to; "
            "known addresses: {known}"
        ),
        "email_not_sender": (
            "{value!r} is not an address of the sender of this mail; "
            "the sender's addresses: {known}"
        ),
        "file_missing": "no file named {value!r} was sent with the request",
        "size_mismatch": "the file {name!r} has {actual} bytes, the manifest says {value}",
        "sha256_mismatch": "the SHA-256 of the file {name!r} is {actual}, not the manifest's",
        "unlisted_file": "the file {name!r} was sent but is not in the attachment manifest",
        "duplicate_file": "the file {name!r} is listed twice",
        "unknown_ticket": "no ticket {value} of yours (a follow-up names one of your tickets)",
        "ticket_closed": "{value} is closed: send a new request",
        "not_json": "the request is not a JSON document: {detail}",
        "not_object": "the request must be a JSON object",
        "missing_document": "send the request as JSON, or as the multipart part 'request'",
    },
    "es": {
        "required": "este campo es obligatorio",
        "unknown_field": "campo desconocido (el formato no tiene ningún campo con este nombre)",
        "type": "se esperaba {expected}",
        "enum": "se esperaba uno de: {allowed}",
        "const": "se esperaba {allowed}",
        "too_short": "demasiado corto: al menos {limit} caracteres",
        "too_long": "demasiado largo: como máximo {limit} caracteres",
        "too_few_items": "indique al menos {limit}",
        "too_many_items": "como máximo {limit} elementos",
        "too_small": "debe ser al menos {limit}",
        "pattern": "no tiene la forma esperada",
        "format": "{format} no válido",
        "invalid": "no es válido aquí",
        "code_too_long": (
            "un extracto de código tiene como máximo {limit} líneas (se enviaron {lines}): "
            "conserve las líneas que muestran el problema"
        ),
        "unknown_product": "producto desconocido {value!r}; productos conocidos: {known}",
        "unknown_version": (
            "versión desconocida {value!r} de {product}; versiones conocidas: {known}"
        ),
        "email_not_yours": (
            "{value!r} no es una dirección de la cuenta a la que pertenece este token de API; "
            "direcciones conocidas: {known}"
        ),
        "email_not_sender": (
            "{value!r} no es una dirección del remitente de este correo; "
            "direcciones del remitente: {known}"
        ),
        "file_missing": "no se envió ningún archivo llamado {value!r} con la solicitud",
        "size_mismatch": "el archivo {name!r} tiene {actual} bytes, el manifiesto dice {value}",
        "sha256_mismatch": ("el SHA-256 del archivo {name!r} es {actual}, no el del manifiesto"),
        "unlisted_file": (
            "se envió el archivo {name!r}, pero no figura en el manifiesto de adjuntos"
        ),
        "duplicate_file": "el archivo {name!r} aparece dos veces",
        "unknown_ticket": (
            "no tiene ningún ticket {value} (un seguimiento nombra uno de sus tickets)"
        ),
        "ticket_closed": "{value} está cerrado: envíe una nueva solicitud",
        "not_json": "la solicitud no es un documento JSON: {detail}",
        "not_object": "la solicitud debe ser un objeto JSON",
        "missing_document": "envíe la solicitud en JSON, o como la parte multipart 'request'",
    },
    "fr": {
        "required": "ce champ est obligatoire",
        "unknown_field": "champ inconnu (le format n'a pas de champ de ce nom)",
        "type": "attendu : {expected}",
        "enum": "attendu : l'un de {allowed}",
        "const": "attendu : {allowed}",
        "too_short": "trop court : au moins {limit} caractères",
        "too_long": "trop long : au plus {limit} caractères",
        "too_few_items": "indiquez-en au moins {limit}",
        "too_many_items": "au plus {limit} éléments",
        "too_small": "doit valoir au moins {limit}",
        "pattern": "n'a pas la forme attendue",
        "format": "{format} non valide",
        "invalid": "n'est pas valide ici",
        "code_too_long": (
            "un extrait de code compte au plus {limit} lignes ({lines} envoyées) : "
            "gardez les lignes qui montrent le problème"
        ),
        "unknown_product": "produit inconnu {value!r} ; produits connus : {known}",
        "unknown_version": "version inconnue {value!r} de {product} ; versions connues : {known}",
        "email_not_yours": (
            "{value!r} n'est pas une adresse du compte auquel appartient ce jeton d'API ; "
            "adresses connues : {known}"
        ),
        "email_not_sender": (
            "{value!r} n'est pas une adresse de l'expéditeur de ce message ; "
            "adresses de l'expéditeur : {known}"
        ),
        "file_missing": "aucun fichier nommé {value!r} n'a été envoyé avec la demande",
        "size_mismatch": "le fichier {name!r} fait {actual} octets, le manifeste dit {value}",
        "sha256_mismatch": "le SHA-256 du fichier {name!r} est {actual}, pas celui du manifeste",
        "unlisted_file": (
            "le fichier {name!r} a été envoyé mais ne figure pas "
            "dans le manifeste des pièces jointes"
        ),
        "duplicate_file": "le fichier {name!r} est listé deux fois",
        "unknown_ticket": (
            "vous n'avez pas de ticket {value} (une relance nomme l'un de vos tickets)"
        ),
        "ticket_closed": "{value} est clos : envoyez une nouvelle demande",
        "not_json": "la demande n'est pas un document JSON : {detail}",
        "not_object": "la demande doit être un objet JSON",
        "missing_document": ("envoyez la demande en JSON, ou dans la partie multipart « request »"),
    },
}

# JSON types as the customer reads them.
TYPE_NAMES: dict[str, dict[str, str]] = {
    "en": {"string": "text", "integer": "a whole number", "array": "a list", "object": "an object"},
    "es": {
        "string": "texto",
        "integer": "un número entero",
        "array": "una lista",
        "object": "un objeto",
    },
    "fr": {
        "string": "du texte",
        "integer": "un nombre entier",
        "array": "une liste",
        "object": "un objet",
    },
}

FORMAT_NAMES: dict[str, dict[str, str]] = {
    "en": {"email": "email address"},
    "es": {"email": "correo electrónico"},
    "fr": {"email": "adresse e-mail"},
}

REFUSAL_SUMMARY = {
    "en": "The request was not accepted: {count} problem(s) to correct.",
    "es": "La solicitud no fue aceptada: {count} problema(s) por corregir.",
    "fr": "La demande n'a pas été acceptée : {count} problème(s) à corriger.",
}


def supported(language: str | None) -> str:
    return language if language in SUPPORTED_LANGUAGES else "en"


def problem_text(code: str, language: str, values: Mapping[str, object]) -> str:
    language = supported(language)
    texts = PROBLEM_TEXTS[language]
    if code == "type":
        values = {**values, "expected": type_name(str(values.get("expected")), language)}
    elif code == "format":
        values = {**values, "format": format_name(str(values.get("format")), language)}
    template = texts.get(code) or PROBLEM_TEXTS["en"].get(code) or PROBLEM_TEXTS["en"]["invalid"]
    return template.format_map(_Lenient(values))


def type_name(json_type: str, language: str) -> str:
    return TYPE_NAMES[supported(language)].get(json_type, json_type)


def format_name(name: str, language: str) -> str:
    return FORMAT_NAMES[supported(language)].get(name, name)


def refusal_summary(count: int, language: str) -> str:
    return REFUSAL_SUMMARY[supported(language)].format(count=count)


class _Lenient(dict[str, object]):
    """Format values where a missing one shows as '?' rather than raising in an error path."""

    def __missing__(self, key: str) -> object:
        return "?"


# Refusals of the API's ticket actions (reply, not satisfied, upload link), by code: the
# codes of InvalidTransition and the API's own. `{reference}` is the ticket's.
ACTION_TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "ticket_closed": "{reference} is closed: send a new request",
        "merged": "{reference} was merged into another ticket: write on that one",
        "not_answered": (
            "{reference} has not been answered yet: you can say you are not satisfied "
            "once we have answered"
        ),
        "already_rereview": "{reference} is already being reviewed again by another technician",
        "no_agreement": (
            "no attachment agreement covers {reference}: files over your plan's limit need "
            "a technician's agreement first; ask for one in a reply on the ticket"
        ),
        "conflict": "{reference} cannot take this now",
        "empty_text": "the field '{field}' is required and must not be empty",
        "too_many_files": "at most {limit} files per reply ({count} sent)",
        "bad_before": "'before' must be a ticket number, e.g. before=100042",
        "bad_limit": "'limit' must be a whole number between 1 and {limit}",
    },
    "es": {
        "ticket_closed": "{reference} está cerrado: envíe una nueva solicitud",
        "merged": "{reference} se fusionó con otro ticket: escriba en ese",
        "not_answered": (
            "{reference} aún no ha sido respondido: podrá indicar que no está satisfecho "
            "cuando le hayamos respondido"
        ),
        "already_rereview": "{reference} ya está siendo revisado de nuevo por otro técnico",
        "no_agreement": (
            "ningún acuerdo de adjuntos cubre {reference}: los archivos que superan el límite "
            "de su plan requieren antes el acuerdo de un técnico; pídalo respondiendo en el "
            "ticket"
        ),
        "conflict": "{reference} no admite esta acción ahora",
        "empty_text": "el campo '{field}' es obligatorio y no puede estar vacío",
        "too_many_files": "como máximo {limit} archivos por respuesta (se enviaron {count})",
        "bad_before": "'before' debe ser un número de ticket, p. ej. before=100042",
        "bad_limit": "'limit' debe ser un número entero entre 1 y {limit}",
    },
    "fr": {
        "ticket_closed": "{reference} est clos : envoyez une nouvelle demande",
        "merged": "{reference} a été fusionné avec un autre ticket : écrivez sur celui-ci",
        "not_answered": (
            "{reference} n'a pas encore reçu de réponse : vous pourrez dire que vous n'êtes "
            "pas satisfait une fois que nous aurons répondu"
        ),
        "already_rereview": "{reference} est déjà en cours de réexamen par un autre technicien",
        "no_agreement": (
            "aucun accord de pièces jointes ne couvre {reference} : les fichiers au-delà de la "
            "limite de votre offre demandent d'abord l'accord d'un technicien ; demandez-le en "
            "répondant sur le ticket"
        ),
        "conflict": "{reference} ne peut pas recevoir cette action maintenant",
        "empty_text": "le champ « {field} » est obligatoire et ne doit pas être vide",
        "too_many_files": "au plus {limit} fichiers par réponse ({count} envoyés)",
        "bad_before": "« before » doit être un numéro de ticket, par ex. before=100042",
        "bad_limit": "« limit » doit être un nombre entier entre 1 et {limit}",
    },
}


def action_text(code: str, language: str, **values: object) -> str:
    texts = ACTION_TEXTS[supported(language)]
    template = texts.get(code) or ACTION_TEXTS["en"].get(code) or ACTION_TEXTS["en"]["conflict"]
    return template.format_map(_Lenient(values))
