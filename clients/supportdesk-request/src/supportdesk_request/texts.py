"""Every text the customer reads from the request tool (the commands, the wizard, the local
checks, the collected items' labels), in English, Spanish and French, the languages the
support desk answers in: one catalogue, so a translator edits one file (no gettext: the tool
is standard library only and a catalogue this small needs no compilation). Messages about
the configuration and local file errors stay in English, like the server's logs.

`MESSAGES` maps a message id to its text in each language, with str.format placeholders
(`{path}`, `{count}`...); every language of an id has the same placeholders
(tests/request_tool/test_texts.py holds them to it). `CHOICE_LABELS` names the values of
the format's enumerations (frequency, urgency, type, role) as the customer reads them; the
document keeps the English values. `pick_language` is the one way the tool chooses the
language it speaks."""

from __future__ import annotations

import os
from collections.abc import Mapping

LANGUAGES = ("en", "es", "fr")
DEFAULT_LANGUAGE = "en"

# Answers to a yes/no question, whatever the language the customer types in.
YES_WORDS = frozenset({"y", "yes", "o", "oui", "s", "si", "sí"})
NO_WORDS = frozenset({"n", "no", "non"})

MESSAGES: dict[str, dict[str, str]] = {
    # --- the terminal -----------------------------------------------------------------
    "prompt": {
        "en": "{question}{shown}: ",
        "es": "{question}{shown}: ",
        "fr": "{question}{shown} : ",
    },
    "yes_no.default_yes": {
        "en": "{question} [Y/n]: ",
        "es": "{question} [S/n]: ",
        "fr": "{question} [O/n] : ",
    },
    "yes_no.default_no": {
        "en": "{question} [y/N]: ",
        "es": "{question} [s/N]: ",
        "fr": "{question} [o/N] : ",
    },
    "yes_no.again": {
        "en": "  Please answer y or n.",
        "es": "  Responda s (sí) o n (no).",
        "fr": "  Répondez par o (oui) ou n (non).",
    },
    "choice.expected": {
        "en": "  ! expected one of: {choices}",
        "es": "  ! se esperaba uno de: {choices}",
        "fr": "  ! attendu : l'un de {choices}",
    },
    # --- the run ----------------------------------------------------------------------
    "intro": {
        "en": (
            "A few questions about your request: Enter keeps the value in [brackets]; "
            "Ctrl-D cancels. You will see the whole request before it is sent."
        ),
        "es": (
            "Unas preguntas sobre su solicitud: Intro conserva el valor entre [corchetes]; "
            "Ctrl-D cancela. Verá la solicitud completa antes de que se envíe."
        ),
        "fr": (
            "Quelques questions sur votre demande : Entrée garde la valeur entre [crochets] ; "
            "Ctrl-D annule. Vous verrez la demande complète avant son envoi."
        ),
    },
    "cancelled": {
        "en": "Cancelled: nothing was sent.",
        "es": "Cancelado: no se ha enviado nada.",
        "fr": "Annulé : rien n'a été envoyé.",
    },
    "answered_by_similar": {
        "en": "Good: nothing was sent.",
        "es": "Perfecto: no se ha enviado nada.",
        "fr": "Très bien : rien n'a été envoyé.",
    },
    # --- the questions ----------------------------------------------------------------
    "ask.email": {
        "en": "Your email address",
        "es": "Su dirección de correo electrónico",
        "fr": "Votre adresse e-mail",
    },
    "ask.serial": {
        "en": "Licence serial number (Enter to skip)",
        "es": "Número de serie de la licencia (Intro para omitir)",
        "fr": "Numéro de série de la licence (Entrée pour passer)",
    },
    "ask.type_header": {
        "en": "What kind of request is it?",
        "es": "¿Qué tipo de solicitud es?",
        "fr": "De quel type de demande s'agit-il ?",
    },
    "ask.type": {
        "en": "Type (1-{count})",
        "es": "Tipo (1-{count})",
        "fr": "Type (1-{count})",
    },
    "ask.product_code": {
        "en": "Product code{known}",
        "es": "Código del producto{known}",
        "fr": "Code du produit{known}",
    },
    "ask.product_unknown": {
        "en": "  ! unknown product {code!r}; known products: {known}",
        "es": "  ! producto desconocido {code!r}; productos conocidos: {known}",
        "fr": "  ! produit inconnu {code!r} ; produits connus : {known}",
    },
    "ask.product_version": {
        "en": "Product version{known}",
        "es": "Versión del producto{known}",
        "fr": "Version du produit{known}",
    },
    "ask.version_unknown": {
        "en": "  ! unknown version {version!r} of {code}; known versions: {known}",
        "es": "  ! versión desconocida {version!r} de {code}; versiones conocidas: {known}",
        "fr": "  ! version inconnue {version!r} de {code} ; versions connues : {known}",
    },
    "ask.build": {
        "en": "Build (Enter to skip)",
        "es": "Número de build (Intro para omitir)",
        "fr": "Numéro de build (Entrée pour passer)",
    },
    "ask.subject": {
        "en": "Subject, one line",
        "es": "Asunto, en una sola línea",
        "fr": "Objet, en une seule ligne",
    },
    "ask.steps": {
        "en": "Steps to reproduce, one per line (an empty line ends):",
        "es": "Pasos para reproducirlo, uno por línea (una línea vacía termina):",
        "fr": "Étapes pour reproduire le problème, une par ligne (une ligne vide termine) :",
    },
    "ask.steps_keep": {
        "en": "  (an empty first line keeps these steps:)",
        "es": "  (una primera línea vacía conserva estos pasos:)",
        "fr": "  (une première ligne vide garde ces étapes :)",
    },
    "ask.expected": {
        "en": "Expected behaviour",
        "es": "Comportamiento esperado",
        "fr": "Comportement attendu",
    },
    "ask.actual": {
        "en": "What happens instead",
        "es": "Qué ocurre en su lugar",
        "fr": "Ce qui se passe à la place",
    },
    "ask.frequency": {
        "en": "How often does it happen",
        "es": "Con qué frecuencia ocurre",
        "fr": "À quelle fréquence cela se produit-il",
    },
    "ask.error_text": {
        "en": "Exact error text, copied",
        "es": "Texto exacto del error, copiado",
        "fr": "Texte exact de l'erreur, copié",
    },
    "ask.last_working_version": {
        "en": "Last version that worked (Enter if none)",
        "es": "Última versión que funcionaba (Intro si no hay ninguna)",
        "fr": "Dernière version qui fonctionnait (Entrée s'il n'y en a pas)",
    },
    "ask.slow_actual": {
        "en": "What is slow, and how slow (measured)",
        "es": "Qué es lento y cuánto (medido)",
        "fr": "Ce qui est lent, et à quel point (mesuré)",
    },
    "ask.slow_expected": {
        "en": "What speed do you expect",
        "es": "Qué velocidad espera",
        "fr": "Quelle vitesse attendez-vous",
    },
    "ask.last_fast_version": {
        "en": "Last version that was fast (Enter if none)",
        "es": "Última versión que era rápida (Intro si no hay ninguna)",
        "fr": "Dernière version qui était rapide (Entrée s'il n'y en a pas)",
    },
    "ask.description": {
        "en": "Your question or request, in full",
        "es": "Su pregunta o solicitud, completa",
        "fr": "Votre question ou demande, en entier",
    },
    "ask.workarounds": {
        "en": "Workarounds already tried",
        "es": "Soluciones alternativas ya probadas",
        "fr": "Contournements déjà essayés",
    },
    "ask.code_extract": {
        "en": "Code extract, at most {max_lines} lines",
        "es": "Extracto de código, como máximo {max_lines} líneas",
        "fr": "Extrait de code, au plus {max_lines} lignes",
    },
    "ask.urgency": {
        "en": "Urgency",
        "es": "Urgencia",
        "fr": "Urgence",
    },
    "ask.language": {
        "en": "Language of the answer",
        "es": "Idioma de la respuesta",
        "fr": "Langue de la réponse",
    },
    "ask.related_ticket": {
        "en": "Ticket this follows up, e.g. SD-100001 (- for none)",
        "es": "Ticket al que da seguimiento, p. ej. SD-100001 (- si ninguno)",
        "fr": "Ticket dont cette demande est la suite, p. ex. SD-100001 (- si aucun)",
    },
    "ask.lines": {
        "en": "{question} ({how}):",
        "es": "{question} ({how}):",
        "fr": "{question} ({how}) :",
    },
    "ask.lines_end": {
        "en": 'end with a line holding only "."',
        "es": 'termine con una línea que contenga solo "."',
        "fr": 'terminez par une ligne ne contenant que "."',
    },
    "ask.lines_end_or_skip": {
        "en": 'end with a line holding only "."; Enter alone to skip',
        "es": 'termine con una línea que contenga solo "."; Intro sola para omitir',
        "fr": 'terminez par une ligne ne contenant que "." ; Entrée seule pour passer',
    },
    "ask.lines_keep": {
        "en": '  (Enter alone keeps this text; "." alone clears it:)',
        "es": '  (Intro sola conserva este texto; "." solo lo borra:)',
        "fr": '  (Entrée seule garde ce texte ; "." seul l\'efface :)',
    },
    "answer.problem": {
        "en": "  ! {problem}",
        "es": "  ! {problem}",
        "fr": "  ! {problem}",
    },
    "answer.advice": {
        "en": "  Advice: {advice}.",
        "es": "  Consejo: {advice}.",
        "fr": "  Conseil : {advice}.",
    },
    "answer.keep_anyway": {
        "en": "Keep this answer anyway?",
        "es": "¿Conservar esta respuesta de todos modos?",
        "fr": "Garder cette réponse malgré tout ?",
    },
    # --- the files --------------------------------------------------------------------
    "files.left_out": {
        "en": "  ! {path}: no such file; it is left out.",
        "es": "  ! {path}: no existe ese archivo; se deja fuera.",
        "fr": "  ! {path} : fichier introuvable ; il est laissé de côté.",
    },
    "files.attached": {
        "en": "Attached: {path} ({role})",
        "es": "Adjunto: {path} ({role})",
        "fr": "Joint : {path} ({role})",
    },
    "files.intro": {
        "en": (
            "Files to attach: a screenshot, a log, a dump, a minimal project "
            "(never a whole application)."
        ),
        "es": (
            "Archivos para adjuntar: una captura de pantalla, un registro (log), un volcado, "
            "un proyecto mínimo (nunca una aplicación completa)."
        ),
        "fr": (
            "Fichiers à joindre : une capture d'écran, un journal (log), un dump, un projet "
            "minimal (jamais une application entière)."
        ),
    },
    "files.ask": {
        "en": "File to attach (Enter when done): ",
        "es": "Archivo para adjuntar (Intro para terminar): ",
        "fr": "Fichier à joindre (Entrée pour terminer) : ",
    },
    "files.missing": {
        "en": "  ! {path}: no such file",
        "es": "  ! {path}: no existe ese archivo",
        "fr": "  ! {path} : fichier introuvable",
    },
    "files.twice": {
        "en": "  ! {path} is attached already",
        "es": "  ! {path} ya está adjunto",
        "fr": "  ! {path} est déjà joint",
    },
    "files.role": {
        "en": "Role of {name}",
        "es": "Tipo de {name}",
        "fr": "Rôle de {name}",
    },
    "files.at_most": {
        "en": "  (at most {max_files} files per request)",
        "es": "  (como máximo {max_files} archivos por solicitud)",
        "fr": "  (au plus {max_files} fichiers par demande)",
    },
    "files.too_big": {
        "en": "  ! {name} is {size}; the server accepts at most {limit} per file.",
        "es": "  ! {name} ocupa {size}; el servidor acepta como máximo {limit} por archivo.",
        "fr": "  ! {name} fait {size} ; le serveur accepte au plus {limit} par fichier.",
    },
    "files.compress": {
        "en": "Compress it before sending?",
        "es": "¿Comprimirlo antes de enviarlo?",
        "fr": "Le compresser avant l'envoi ?",
    },
    "files.upload_link": {
        "en": "  It will go through the upload link of your attachment agreement.",
        "es": "  Se enviará por el enlace de subida de su acuerdo de adjuntos.",
        "fr": "  Il passera par le lien de dépôt de votre accord de pièces jointes.",
    },
    "files.uncompressed": {
        "en": "Attach it uncompressed anyway (the server will refuse it)?",
        "es": "¿Adjuntarlo sin comprimir de todos modos (el servidor lo rechazará)?",
        "fr": "Le joindre non compressé malgré tout (le serveur le refusera) ?",
    },
    "size.megabytes": {
        "en": "{size} MB",
        "es": "{size} MB",
        "fr": "{size} Mo",
    },
    "size.bytes": {
        "en": "{size} bytes",
        "es": "{size} bytes",
        "fr": "{size} octets",
    },
    # --- similar requests -------------------------------------------------------------
    "similar.failed": {
        "en": "(Could not look for similar requests: {error})",
        "es": "(No se pudieron buscar solicitudes similares: {error})",
        "fr": "(Impossible de chercher des demandes similaires : {error})",
    },
    "similar.header": {
        "en": "Similar requests already answered:",
        "es": "Solicitudes similares ya respondidas:",
        "fr": "Demandes similaires ayant déjà reçu une réponse :",
    },
    "similar.ask": {
        "en": "Does one of these answer your question?",
        "es": "¿Alguna de ellas responde a su pregunta?",
        "fr": "L'une d'elles répond-elle à votre question ?",
    },
    # --- the review -------------------------------------------------------------------
    "review.commands": {
        "en": "send, edit FIELD, remove N, cancel",
        "es": "enviar, editar CAMPO, quitar N, cancelar",
        "fr": "envoyer, modifier CHAMP, retirer N, annuler",
    },
    "review.prompt": {
        "en": "Command ({commands}): ",
        "es": "Comando ({commands}): ",
        "fr": "Commande ({commands}) : ",
    },
    "review.cannot_send": {
        "en": "Cannot send yet:",
        "es": "Todavía no se puede enviar:",
        "fr": "Envoi impossible pour l'instant :",
    },
    "review.problem": {
        "en": "  ! {where}: {message}",
        "es": "  ! {where}: {message}",
        "fr": "  ! {where} : {message}",
    },
    "review.whole_request": {
        "en": "request",
        "es": "solicitud",
        "fr": "demande",
    },
    "review.fix_with": {
        "en": "Fix them with: edit FIELD ({fields})",
        "es": "Corríjalos con: editar CAMPO ({fields})",
        "fr": "Corrigez-les avec : modifier CHAMP ({fields})",
    },
    "review.unknown_command": {
        "en": "  ! unknown command {command!r}",
        "es": "  ! comando desconocido {command!r}",
        "fr": "  ! commande inconnue {command!r}",
    },
    "review.help": {
        "en": "Commands: {commands}. Fields: {fields}.",
        "es": "Comandos: {commands}. Campos: {fields}.",
        "fr": "Commandes : {commands}. Champs : {fields}.",
    },
    "review.remove_usage": {
        "en": "  ! remove N: N is the number of a collected item (1-{count})",
        "es": "  ! quitar N: N es el número de un elemento recopilado (1-{count})",
        "fr": "  ! retirer N : N est le numéro d'un élément collecté (1-{count})",
    },
    "review.removed": {
        "en": "  Removed [{number}] {key}: it will not be sent.",
        "es": "  Quitado [{number}] {key}: no se enviará.",
        "fr": "  Retiré [{number}] {key} : il ne sera pas envoyé.",
    },
    "review.edit_usage": {
        "en": "  ! edit FIELD, where FIELD is one of: {fields}",
        "es": "  ! editar CAMPO, donde CAMPO es uno de: {fields}",
        "fr": "  ! modifier CHAMP, où CHAMP est l'un de : {fields}",
    },
    "show.title": {
        "en": "Your request, as it will be sent",
        "es": "Su solicitud, tal como se enviará",
        "fr": "Votre demande, telle qu'elle sera envoyée",
    },
    "show.missing": {
        "en": "(missing)",
        "es": "(falta)",
        "fr": "(manquant)",
    },
    "show.serial": {
        "en": "serial {serial}",
        "es": "n.º de serie {serial}",
        "fr": "n° de série {serial}",
    },
    "show.customer_number": {
        "en": "customer {number}",
        "es": "cliente {number}",
        "fr": "client {number}",
    },
    "show.from": {
        "en": "From: {email}{identity}",
        "es": "De: {email}{identity}",
        "fr": "De : {email}{identity}",
    },
    "show.build": {
        "en": ", build {build}",
        "es": ", build {build}",
        "fr": ", build {build}",
    },
    "show.product": {
        "en": "Product: {product}",
        "es": "Producto: {product}",
        "fr": "Produit : {product}",
    },
    "show.type": {
        "en": "Type: {value}",
        "es": "Tipo: {value}",
        "fr": "Type : {value}",
    },
    "show.subject": {
        "en": "Subject: {value}",
        "es": "Asunto: {value}",
        "fr": "Objet : {value}",
    },
    "show.urgency": {
        "en": "Urgency: {value}",
        "es": "Urgencia: {value}",
        "fr": "Urgence : {value}",
    },
    "show.language": {
        "en": "Language of the answer: {value}",
        "es": "Idioma de la respuesta: {value}",
        "fr": "Langue de la réponse : {value}",
    },
    "show.related_ticket": {
        "en": "Follows up: {value}",
        "es": "Da seguimiento a: {value}",
        "fr": "Fait suite à : {value}",
    },
    "show.description": {
        "en": "Description:",
        "es": "Descripción:",
        "fr": "Description :",
    },
    "show.steps": {
        "en": "Steps:",
        "es": "Pasos:",
        "fr": "Étapes :",
    },
    "show.expected": {
        "en": "Expected: {value}",
        "es": "Esperado: {value}",
        "fr": "Attendu : {value}",
    },
    "show.actual": {
        "en": "Actual: {value}",
        "es": "Real: {value}",
        "fr": "Constaté : {value}",
    },
    "show.frequency": {
        "en": "Frequency: {value}",
        "es": "Frecuencia: {value}",
        "fr": "Fréquence : {value}",
    },
    "show.last_working_version": {
        "en": "Last version that worked: {value}",
        "es": "Última versión que funcionaba: {value}",
        "fr": "Dernière version qui fonctionnait : {value}",
    },
    "show.error_text": {
        "en": "Error text:",
        "es": "Texto del error:",
        "fr": "Texte de l'erreur :",
    },
    "show.workarounds": {
        "en": "Workarounds tried:",
        "es": "Soluciones alternativas probadas:",
        "fr": "Contournements essayés :",
    },
    "show.code_extract_one": {
        "en": "Code extract ({lines} line):",
        "es": "Extracto de código ({lines} línea):",
        "fr": "Extrait de code ({lines} ligne) :",
    },
    "show.code_extract_many": {
        "en": "Code extract ({lines} lines):",
        "es": "Extracto de código ({lines} líneas):",
        "fr": "Extrait de code ({lines} lignes) :",
    },
    "show.files": {
        "en": "Files:",
        "es": "Archivos:",
        "fr": "Fichiers :",
    },
    "show.file": {
        "en": "  - {path} ({role})",
        "es": "  - {path} ({role})",
        "fr": "  - {path} ({role})",
    },
    "show.file_compressed": {
        "en": "  - {path} ({role}, compressed before sending)",
        "es": "  - {path} ({role}, comprimido antes de enviarlo)",
        "fr": "  - {path} ({role}, compressé avant l'envoi)",
    },
    "show.collected": {
        "en": "Collected automatically (remove N leaves an item out):",
        "es": "Recopilado automáticamente (quitar N deja fuera un elemento):",
        "fr": "Collecté automatiquement (retirer N laisse un élément de côté) :",
    },
    "show.item": {
        "en": "  [{number}] {key}: {value}{label}",
        "es": "  [{number}] {key}: {value}{label}",
        "fr": "  [{number}] {key} : {value}{label}",
    },
    "show.item_removed": {
        "en": "  [{number}] {key}: (removed, will not be sent)",
        "es": "  [{number}] {key}: (quitado, no se enviará)",
        "fr": "  [{number}] {key} : (retiré, ne sera pas envoyé)",
    },
    "show.masked": {
        "en": "Secrets masked: {count} (shown as {mask}) in {where}.",
        "es": "Secretos enmascarados: {count} (se muestran como {mask}) en {where}.",
        "fr": "Secrets masqués : {count} (affichés comme {mask}) dans {where}.",
    },
    "show.masked_none": {
        "en": "Secrets masked: 0 (no password or token found in the texts).",
        "es": (
            "Secretos enmascarados: 0 (no se encontró ninguna contraseña ni token en los textos)."
        ),
        "fr": "Secrets masqués : 0 (aucun mot de passe ni jeton trouvé dans les textes).",
    },
    "show.advice": {
        "en": "Advice ({field}): {message}.",
        "es": "Consejo ({field}): {message}.",
        "fr": "Conseil ({field}) : {message}.",
    },
    # The fields where secrets were masked ("in the error text, the code extract").
    "masked_in./subject": {"en": "the subject", "es": "el asunto", "fr": "l'objet"},
    "masked_in./description": {
        "en": "the description",
        "es": "la descripción",
        "fr": "la description",
    },
    "masked_in./error_text": {
        "en": "the error text",
        "es": "el texto del error",
        "fr": "le texte de l'erreur",
    },
    "masked_in./code_extract": {
        "en": "the code extract",
        "es": "el extracto de código",
        "fr": "l'extrait de code",
    },
    "masked_in./workarounds": {
        "en": "the workarounds",
        "es": "las soluciones alternativas",
        "fr": "les contournements",
    },
    "masked_in./expected": {
        "en": "the expected behaviour",
        "es": "el comportamiento esperado",
        "fr": "le comportement attendu",
    },
    "masked_in./actual": {
        "en": "the actual behaviour",
        "es": "el comportamiento real",
        "fr": "le comportement constaté",
    },
    "masked_in./steps": {"en": "the steps", "es": "los pasos", "fr": "les étapes"},
    # --- the local checks (checks.py) -------------------------------------------------
    "check.required": {
        "en": "this field is required",
        "es": "este campo es obligatorio",
        "fr": "ce champ est obligatoire",
    },
    "check.steps_required": {
        "en": "give at least one step: the support engineer repeats them",
        "es": "indique al menos un paso: el técnico de soporte los repite",
        "fr": "indiquez au moins une étape : le technicien du support les reproduit",
    },
    "check.too_few_steps": {
        "en": "give at least 1",
        "es": "indique al menos 1",
        "fr": "indiquez-en au moins 1",
    },
    "check.unknown_field": {
        "en": "unknown field (the format has no field of this name)",
        "es": "campo desconocido (el formato no tiene ningún campo con este nombre)",
        "fr": "champ inconnu (le format n'a pas de champ de ce nom)",
    },
    "check.unknown_subfield": {
        "en": "unknown field",
        "es": "campo desconocido",
        "fr": "champ inconnu",
    },
    "check.text": {
        "en": "expected text",
        "es": "se esperaba texto",
        "fr": "attendu : du texte",
    },
    "check.one_of": {
        "en": "expected one of: {choices}",
        "es": "se esperaba uno de: {choices}",
        "fr": "attendu : l'un de {choices}",
    },
    "check.one_line": {
        "en": "one line only: put the details in the other fields",
        "es": "una sola línea: ponga los detalles en los demás campos",
        "fr": "une seule ligne : mettez les détails dans les autres champs",
    },
    "check.too_short": {
        "en": "too short: at least {limit} characters",
        "es": "demasiado corto: al menos {limit} caracteres",
        "fr": "trop court : au moins {limit} caractères",
    },
    "check.too_long": {
        "en": "too long: at most {limit} characters ({given} given)",
        "es": "demasiado largo: como máximo {limit} caracteres (hay {given})",
        "fr": "trop long : au plus {limit} caractères ({given} saisis)",
    },
    "check.form": {
        "en": "not in the expected form",
        "es": "no tiene la forma esperada",
        "fr": "n'a pas la forme attendue",
    },
    "check.email": {
        "en": "not a valid email address",
        "es": "no es una dirección de correo electrónico válida",
        "fr": "adresse e-mail non valide",
    },
    "check.ticket_reference": {
        "en": "expected a ticket reference like SD-100001",
        "es": "se esperaba una referencia de ticket como SD-100001",
        "fr": "attendu : une référence de ticket comme SD-100001",
    },
    "check.count": {
        "en": "expected a whole number >= 0",
        "es": "se esperaba un número entero >= 0",
        "fr": "attendu : un nombre entier >= 0",
    },
    "check.constant": {
        "en": "expected {value}",
        "es": "se esperaba {value}",
        "fr": "attendu : {value}",
    },
    "check.object": {
        "en": "expected an object",
        "es": "se esperaba un objeto",
        "fr": "attendu : un objet",
    },
    "check.steps_list": {
        "en": "expected a list of steps",
        "es": "se esperaba una lista de pasos",
        "fr": "attendu : une liste d'étapes",
    },
    "check.too_many_steps": {
        "en": "at most {limit} steps ({given} given)",
        "es": "como máximo {limit} pasos (hay {given})",
        "fr": "au plus {limit} étapes ({given} données)",
    },
    "check.step_text": {
        "en": "a step is a line of text",
        "es": "un paso es una línea de texto",
        "fr": "une étape est une ligne de texte",
    },
    "check.step_too_long": {
        "en": "too long: at most {limit} characters",
        "es": "demasiado largo: como máximo {limit} caracteres",
        "fr": "trop long : au plus {limit} caractères",
    },
    "check.addons_list": {
        "en": "expected a list of at most {limit} add-ons",
        "es": "se esperaba una lista de como máximo {limit} complementos",
        "fr": "attendu : une liste d'au plus {limit} modules complémentaires",
    },
    "check.addon_fields": {
        "en": "an add-on has a name and a version, nothing else",
        "es": "un complemento tiene un nombre y una versión, nada más",
        "fr": "un module complémentaire a un nom et une version, rien d'autre",
    },
    "check.addon_name": {
        "en": "expected a name of 1 to 100 characters",
        "es": "se esperaba un nombre de 1 a 100 caracteres",
        "fr": "attendu : un nom de 1 à 100 caractères",
    },
    "check.addon_version": {
        "en": "expected a version (60 characters)",
        "es": "se esperaba una versión (60 caracteres)",
        "fr": "attendu : une version (60 caractères)",
    },
    "check.files_list": {
        "en": "expected a list of files",
        "es": "se esperaba una lista de archivos",
        "fr": "attendu : une liste de fichiers",
    },
    "check.too_many_files": {
        "en": "at most {limit} files ({given} given)",
        "es": "como máximo {limit} archivos (hay {given})",
        "fr": "au plus {limit} fichiers ({given} donnés)",
    },
    "check.file_name": {
        "en": "expected a file name (255 characters)",
        "es": "se esperaba un nombre de archivo (255 caracteres)",
        "fr": "attendu : un nom de fichier (255 caractères)",
    },
    "check.file_twice": {
        "en": "the file {name!r} is listed twice",
        "es": "el archivo {name!r} aparece dos veces",
        "fr": "le fichier {name!r} est listé deux fois",
    },
    "check.file_size": {
        "en": "expected a size in bytes",
        "es": "se esperaba un tamaño en bytes",
        "fr": "attendu : une taille en octets",
    },
    "check.sha256": {
        "en": "expected 64 lowercase hex digits",
        "es": "se esperaban 64 dígitos hexadecimales en minúsculas",
        "fr": "attendu : 64 chiffres hexadécimaux en minuscules",
    },
    "check.code_too_long": {
        "en": (
            "a code extract is at most {limit} lines ({lines} given): "
            "keep the lines that show the problem"
        ),
        "es": (
            "un extracto de código tiene como máximo {limit} líneas (hay {lines}): "
            "conserve las líneas que muestran el problema"
        ),
        "fr": (
            "un extrait de code compte au plus {limit} lignes ({lines} saisies) : "
            "gardez les lignes qui montrent le problème"
        ),
    },
    "check.not_object": {
        "en": "the request must be a JSON object",
        "es": "la solicitud debe ser un objeto JSON",
        "fr": "la demande doit être un objet JSON",
    },
    # --- advice: one incident per request ---------------------------------------------
    "advice.one_incident": {
        "en": (
            "this looks like more than one incident ({why}). One incident per request is "
            "answered sooner: send the others as separate requests"
        ),
        "es": (
            "parece más de una incidencia ({why}). Una incidencia por solicitud se responde "
            "antes: envíe las demás como solicitudes separadas"
        ),
        "fr": (
            "cela ressemble à plus d'un incident ({why}). Un incident par demande reçoit une "
            "réponse plus rapide : envoyez les autres dans des demandes séparées"
        ),
    },
    "advice.numbered_questions": {
        "en": "several numbered questions",
        "es": "varias preguntas numeradas",
        "fr": "plusieurs questions numérotées",
    },
    "advice.different_errors": {
        "en": "different errors: {errors}",
        "es": "errores distintos: {errors}",
        "fr": "erreurs différentes : {errors}",
    },
    "advice.words": {
        "en": '"{words}"',
        "es": "«{words}»",
        "fr": "« {words} »",
    },
    # --- the collected items, by their place in the document (collect.py) ----------------
    "item.product.code": {"en": "Product", "es": "Producto", "fr": "Produit"},
    "item.product.version": {
        "en": "Product version",
        "es": "Versión del producto",
        "fr": "Version du produit",
    },
    "item.product.build": {"en": "Build", "es": "Compilación", "fr": "Build"},
    "item.product.edition": {"en": "Edition", "es": "Edición", "fr": "Édition"},
    "item.environment.runtime": {
        "en": "Runtime",
        "es": "Entorno de ejecución",
        "fr": "Environnement d'exécution",
    },
    "item.environment.database": {
        "en": "Database",
        "es": "Base de datos",
        "fr": "Base de données",
    },
    "item.environment.addons": {"en": "Add-ons", "es": "Complementos", "fr": "Modules"},
    "item.environment.os": {
        "en": "Operating system",
        "es": "Sistema operativo",
        "fr": "Système d'exploitation",
    },
    "item.environment.architecture": {
        "en": "Architecture",
        "es": "Arquitectura",
        "fr": "Architecture",
    },
    "item.environment.language": {
        "en": "System language",
        "es": "Idioma del sistema",
        "fr": "Langue du système",
    },
    "item.environment.memory_mb": {
        "en": "Memory (MB)",
        "es": "Memoria (MB)",
        "fr": "Mémoire (Mo)",
    },
    "item.environment.disk_free_mb": {
        "en": "Free disk (MB)",
        "es": "Disco libre (MB)",
        "fr": "Disque libre (Mo)",
    },
    # --- the commands (send, reply, not-satisfied): cli.py, send_command.py... -----
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
    "command.cancelled": {
        "en": "cancelled: nothing was sent",
        "es": "cancelado: no se ha enviado nada",
        "fr": "annulé : rien n'a été envoyé",
    },
    "confirm_send": {
        "en": "Send it ({transport})? [Y/n] ",
        "es": "¿Enviarla ({transport})? [S/n] ",
        "fr": "L'envoyer ({transport}) ? [O/n] ",
    },
    "confirm.item": {
        "en": "  {item}: {value}{label}",
        "es": "  {item}: {value}{label}",
        "fr": "  {item} : {value}{label}",
    },
    "confirm.file": {
        "en": "  file: {path} ({role})",
        "es": "  archivo: {path} ({role})",
        "fr": "  fichier : {path} ({role})",
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

# The values of the format's enumerations as the customer reads them (the document keeps
# the English value; the wizard accepts the value, its label, or its number in the menu).
CHOICE_LABELS: dict[str, dict[str, str]] = {
    "question": {"en": "question", "es": "pregunta", "fr": "question"},
    "bug": {"en": "bug", "es": "error", "fr": "bug"},
    "crash": {"en": "crash", "es": "cierre inesperado", "fr": "plantage"},
    "performance": {"en": "performance", "es": "rendimiento", "fr": "performances"},
    "installation_licence": {
        "en": "installation/licence",
        "es": "instalación/licencia",
        "fr": "installation/licence",
    },
    "suggestion": {"en": "suggestion", "es": "sugerencia", "fr": "suggestion"},
    "always": {"en": "always", "es": "siempre", "fr": "toujours"},
    "often": {"en": "often", "es": "a menudo", "fr": "souvent"},
    "sometimes": {"en": "sometimes", "es": "a veces", "fr": "parfois"},
    "once": {"en": "once", "es": "una vez", "fr": "une fois"},
    "low": {"en": "low", "es": "baja", "fr": "faible"},
    "normal": {"en": "normal", "es": "normal", "fr": "normale"},
    "high": {"en": "high", "es": "alta", "fr": "haute"},
    "critical": {"en": "critical", "es": "crítica", "fr": "critique"},
    "screenshot": {"en": "screenshot", "es": "captura", "fr": "capture"},
    "log": {"en": "log", "es": "registro", "fr": "journal"},
    "dump": {"en": "dump", "es": "volcado", "fr": "dump"},
    "project": {"en": "project", "es": "proyecto", "fr": "projet"},
}

# The review's commands, as typed in any of the languages.
COMMAND_WORDS: dict[str, str] = {
    "send": "send",
    "enviar": "send",
    "envoyer": "send",
    "edit": "edit",
    "editar": "edit",
    "modifier": "edit",
    "remove": "remove",
    "quitar": "remove",
    "retirer": "remove",
    "cancel": "cancel",
    "cancelar": "cancel",
    "annuler": "cancel",
    "show": "show",
    "review": "show",
    "mostrar": "show",
    "afficher": "show",
}

# "edit FIELD" with the field named in Spanish or French (the help lists the format's
# English names, which are accepted in every language).
FIELD_WORDS: dict[str, str] = {
    "tipo": "type",
    "producto": "product",
    "produit": "product",
    "versión": "version",
    "asunto": "subject",
    "objet": "subject",
    "sujet": "subject",
    "descripción": "description",
    "pasos": "steps",
    "étapes": "steps",
    "esperado": "expected",
    "attendu": "expected",
    "real": "actual",
    "constaté": "actual",
    "frecuencia": "frequency",
    "fréquence": "frequency",
    "erreur": "error",
    "contournements": "workarounds",
    "soluciones": "workarounds",
    "código": "code",
    "urgencia": "urgency",
    "urgence": "urgency",
    "idioma": "language",
    "langue": "language",
    "archivos": "files",
    "fichiers": "files",
    "correo": "email",
    "serie": "serial",
    "série": "serial",
    "ticket": "related_ticket",
}


def supported(language: str | None) -> str:
    """The language itself if the catalogue has it, else English."""
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def text(message_id: str, language: str, /, **values: object) -> str:
    """The message in this language (English when it has none), its placeholders filled."""
    texts = MESSAGES[message_id]
    return texts.get(language, texts[DEFAULT_LANGUAGE]).format(**values)


def choice_label(value: str, language: str) -> str:
    """How the customer reads an enumeration's value (the value itself if unknown)."""
    labels = CHOICE_LABELS.get(value)
    return labels.get(language, value) if labels else value


def item_label(key: str, language: str = DEFAULT_LANGUAGE) -> str:
    """The label of a collected item (by its place in the document, "environment.os"), or
    its key when the catalogue has none."""
    message_id = f"item.{key}"
    return text(message_id, language) if message_id in MESSAGES else key


def shown_item_label(key: str, label: str, language: str) -> str:
    """The label a collected item is shown with: translated when it is the collector's own
    English label, else as its maker wrote it (an IDE's label is not ours to translate)."""
    if label and label == item_label(key):
        return item_label(key, language)
    return label


def locale_language(environ: Mapping[str, str] | None = None) -> str | None:
    """The language of the customer's locale, by POSIX precedence (LC_ALL, LC_MESSAGES,
    LANG): its first two letters when the catalogue has them ("C" or "de_DE" give None)."""
    environ = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "")
        if value:
            # The first variable set decides, even when it names a language we lack.
            language = value[:2].lower()
            return language if language in LANGUAGES else None
    return None


def pick_language(
    explicit: object = None,
    request: object = None,
    configured: object = None,
    *,
    environ: Mapping[str, str] | None = None,
) -> str:
    """The language the tool speaks: the one asked for (--ui-language, the wizard's
    `ui_language`), else the request's (the language the customer wants the answer in),
    else the configured one, else the locale's, else English. A value the catalogue lacks
    ("de", None) is passed over."""
    for candidate in (explicit, request, configured):
        if isinstance(candidate, str) and candidate.lower() in LANGUAGES:
            return candidate.lower()
    return locale_language(environ) or DEFAULT_LANGUAGE
