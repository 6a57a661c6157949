"""What every conversation says whatever the problem: greetings, thanks, follow-ups,
"not satisfied" comments, and the wrappers of each channel, in the three languages."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Phrases:
    customer_greeting: str
    customer_signature: str  # {name}, {organization}
    technician_greeting: str  # {first_name}
    technician_signature: str  # {technician}
    info_request: str
    info_reply: str  # {build}
    thanks: tuple[str, ...]
    still_failing: tuple[str, ...]
    fix_delivered: str  # {version}
    rereview_comments: tuple[str, ...]
    second_answer: str  # {version}; for defects
    second_explanation: str  # for questions
    duplicate_intro: str
    fax_banner: str  # {fax}, {pages}
    api_banner: str  # {integration}
    request_tool_header: str  # {product}, {version}, {build}, {serial}, {os}, {category}
    phone_answer_intro: str
    weekdays: tuple[str, ...]
    notes: tuple[str, ...]


ENGLISH = Phrases(
    customer_greeting="Hello,",
    customer_signature="Best regards,\n{name}\n{organization}",
    technician_greeting="Hello {first_name},",
    technician_signature="Best regards,\n{technician}\nTechnical Support",
    info_request=(
        "To reproduce the problem we need a little more information: the exact version "
        'number (menu "?" > "About") and, if possible, a small project that shows the '
        "problem, without your data. You can reply to this message with the files attached "
        "(up to 9 MB per file; for larger files ask us for an upload link)."
    ),
    info_reply=(
        "Here is the information you asked for. The exact version is {build}. I attached "
        "the details; the problem also happens with a new, empty project."
    ),
    thanks=(
        "Thank you, it works now.",
        "That was it. Thanks a lot for the quick answer!",
        "Problem solved, you can close the request. Thanks.",
        "Thanks, we applied your advice and everything is back to normal.",
    ),
    still_failing=(
        "I followed your instructions, but the problem is still there. Is there anything "
        "else I can check?",
        "Thanks for the answer. Unfortunately it changes nothing here: same behaviour, same "
        "message.",
    ),
    fix_delivered=(
        "Thank you for testing. With your information we reproduced the problem in our "
        "laboratory: it is a bug, corrected by our development team, and the fix is part of "
        "the next update of version {version}. Until then, a corrected module is available "
        'in your customer area ("My downloads").'
    ),
    rereview_comments=(
        "Not satisfied: the answer describes a workaround, but we cannot ask all our "
        "customers to do that. We need a real solution, or at least a date for it.",
        "The answer does not solve my problem: I applied it and nothing changed. Please "
        "have someone look at it again.",
        "I don't think my question was understood. Here again are my initial question, your "
        "answer, and my comment: we need to know why it happens, not only how to avoid it.",
    ),
    second_answer=(
        "A second technician has reviewed your request together with your initial question, "
        "the first answer and your comment. You are right, the first answer was incomplete: "
        "the problem comes from a regression of version {version}, which we have reproduced. "
        "A corrected version is now available in your customer area, and the fix will be "
        "part of the next update. Thank you for insisting."
    ),
    second_explanation=(
        "A second technician has reviewed your request together with your initial question, "
        "the first answer and your comment. You are right, the first answer was too short. "
        "I have prepared a small example project that shows the whole procedure step by step, "
        'and put it in your customer area ("My downloads"). If you wish, we can also go '
        "through it together on the phone."
    ),
    duplicate_intro=("I sent this request earlier and have had no answer yet. Here it is again:"),
    fax_banner=("[Fax received from {fax}, {pages} pages, text recognised automatically]"),
    api_banner='[Submitted through the support API by the integration "{integration}"]',
    request_tool_header=(
        "--- TechSupportRequest: standard request ---\n"
        "Product: {product} {version} (build {build})\n"
        "Licence: {serial}\n"
        "System: {os}\n"
        "Category: {category}\n"
        "---"
    ),
    phone_answer_intro="Answered on the phone:",
    weekdays=("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    notes=(
        "Licence {serial} checked.",
        "Asked the development team for confirmation before answering.",
        "Similar request answered last month: same cause, same answer.",
    ),
)

SPANISH = Phrases(
    customer_greeting="Buenos días:",
    customer_signature="Saludos,\n{name}\n{organization}",
    technician_greeting="Buenos días, {first_name}:",
    technician_signature="Un saludo,\n{technician}\nSoporte Técnico",
    info_request=(
        "Para reproducir el problema necesitamos algo más de información: el número de "
        'versión exacto (menú "?" > "Acerca de") y, si es posible, un pequeño proyecto que '
        "muestre el problema, sin sus datos. Puede responder a este mensaje con los archivos "
        "adjuntos (hasta 9 MB por archivo; para archivos más grandes, pídanos un enlace de "
        "subida)."
    ),
    info_reply=(
        "Le envío la información solicitada. La versión exacta es {build}. Adjunto los "
        "detalles; el problema también ocurre con un proyecto nuevo y vacío."
    ),
    thanks=(
        "Gracias, ya funciona.",
        "Era eso. ¡Muchas gracias por la rapidez!",
        "Problema resuelto, pueden cerrar la solicitud. Gracias.",
        "Gracias, aplicamos su consejo y todo ha vuelto a la normalidad.",
    ),
    still_failing=(
        "He seguido sus indicaciones, pero el problema persiste. ¿Puedo comprobar algo más?",
        "Gracias por la respuesta. Por desgracia no cambia nada: mismo comportamiento, mismo "
        "mensaje.",
    ),
    fix_delivered=(
        "Gracias por sus pruebas. Con su información hemos reproducido el problema en "
        "nuestro laboratorio: es un fallo, ya corregido por nuestro equipo de desarrollo, y "
        "la corrección forma parte de la próxima actualización de la versión {version}. "
        'Mientras tanto, tiene un módulo corregido en su área de cliente ("Mis descargas").'
    ),
    rereview_comments=(
        "No estoy satisfecho: la respuesta describe una solución provisional, pero no podemos "
        "pedir eso a todos nuestros clientes. Necesitamos una solución real, o al menos una "
        "fecha.",
        "La respuesta no resuelve mi problema: la he aplicado y no cambia nada. Por favor, "
        "que alguien lo vuelva a revisar.",
        "Creo que no se entendió mi pregunta. Les reenvío mi pregunta inicial, su respuesta y "
        "mi comentario: necesitamos saber por qué ocurre, no solo cómo evitarlo.",
    ),
    second_answer=(
        "Un segundo técnico ha revisado su solicitud junto con su pregunta inicial, la "
        "primera respuesta y su comentario. Tiene razón, la primera respuesta era incompleta: "
        "el problema viene de una regresión de la versión {version}, que hemos reproducido. "
        "Ya tiene una versión corregida en su área de cliente, y la corrección formará parte "
        "de la próxima actualización. Gracias por insistir."
    ),
    second_explanation=(
        "Un segundo técnico ha revisado su solicitud junto con su pregunta inicial, la "
        "primera respuesta y su comentario. Tiene razón, la primera respuesta era demasiado "
        "breve. He preparado un pequeño proyecto de ejemplo que muestra todo el procedimiento "
        'paso a paso y lo he dejado en su área de cliente ("Mis descargas"). Si lo desea, '
        "también podemos revisarlo juntos por teléfono."
    ),
    duplicate_intro=(
        "Envié esta solicitud hace unas horas y todavía no he recibido respuesta. La reenvío:"
    ),
    fax_banner="[Fax recibido de {fax}, {pages} páginas, texto reconocido automáticamente]",
    api_banner='[Enviado por la API de soporte desde la integración "{integration}"]',
    request_tool_header=(
        "--- TechSupportRequest: solicitud estándar ---\n"
        "Producto: {product} {version} (build {build})\n"
        "Licencia: {serial}\n"
        "Sistema: {os}\n"
        "Categoría: {category}\n"
        "---"
    ),
    phone_answer_intro="Respuesta dada por teléfono:",
    weekdays=("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
    notes=(
        "Licencia {serial} comprobada.",
        "Consulto con el equipo de desarrollo antes de responder.",
        "Solicitud parecida respondida el mes pasado: misma causa, misma respuesta.",
    ),
)

FRENCH = Phrases(
    customer_greeting="Bonjour,",
    customer_signature="Cordialement,\n{name}\n{organization}",
    technician_greeting="Bonjour {first_name},",
    technician_signature="Cordialement,\n{technician}\nSupport Technique",
    info_request=(
        "Pour reproduire le problème, il nous faut un peu plus d'informations : le numéro de "
        'version exact (menu "?" > "À propos") et, si possible, un petit projet qui montre '
        "le problème, sans vos données. Vous pouvez répondre à ce message avec les fichiers "
        "en pièce jointe (9 Mo maximum par fichier ; au-delà, demandez-nous un lien de dépôt)."
    ),
    info_reply=(
        "Voici les informations demandées. La version exacte est {build}. Je joins le "
        "détail ; le problème se produit aussi avec un projet neuf et vide."
    ),
    thanks=(
        "Merci, cela fonctionne maintenant.",
        "C'était bien ça. Merci beaucoup pour la rapidité !",
        "Problème résolu, vous pouvez clore la demande. Merci.",
        "Merci, nous avons appliqué votre conseil et tout est rentré dans l'ordre.",
    ),
    still_failing=(
        "J'ai suivi vos indications, mais le problème est toujours là. Puis-je vérifier "
        "autre chose ?",
        "Merci pour la réponse. Malheureusement cela ne change rien : même comportement, "
        "même message.",
    ),
    fix_delivered=(
        "Merci pour vos tests. Grâce à vos informations, nous avons reproduit le problème "
        "dans notre laboratoire : il s'agit d'une anomalie, corrigée par notre équipe de "
        "développement, et la correction fera partie de la prochaine mise à jour de la "
        "version {version}. D'ici là, un module corrigé est disponible dans votre espace "
        'client ("Mes téléchargements").'
    ),
    rereview_comments=(
        "Pas satisfait : la réponse décrit un contournement, mais nous ne pouvons pas "
        "demander cela à tous nos clients. Il nous faut une vraie solution, ou au moins une "
        "date.",
        "La réponse ne résout pas mon problème : je l'ai appliquée et rien ne change. Merci "
        "de faire réexaminer ma demande.",
        "Je pense que ma question n'a pas été comprise. Je vous renvoie ma question initiale, "
        "votre réponse et mon commentaire : nous avons besoin de savoir pourquoi cela se "
        "produit, pas seulement comment l'éviter.",
    ),
    second_answer=(
        "Un second technicien a réexaminé votre demande avec votre question initiale, la "
        "première réponse et votre commentaire. Vous avez raison, la première réponse était "
        "incomplète : le problème vient d'une régression de la version {version}, que nous "
        "avons reproduite. Une version corrigée est disponible dans votre espace client, et "
        "la correction fera partie de la prochaine mise à jour. Merci d'avoir insisté."
    ),
    second_explanation=(
        "Un second technicien a réexaminé votre demande avec votre question initiale, la "
        "première réponse et votre commentaire. Vous avez raison, la première réponse était "
        "trop succincte. J'ai préparé un petit projet d'exemple qui montre toute la procédure "
        'pas à pas, et je l\'ai déposé dans votre espace client ("Mes téléchargements"). Si '
        "vous le souhaitez, nous pouvons aussi le parcourir ensemble au téléphone."
    ),
    duplicate_intro=(
        "J'ai envoyé cette demande il y a quelques heures et je n'ai pas encore de réponse. "
        "Je la renvoie :"
    ),
    fax_banner="[Télécopie reçue du {fax}, {pages} pages, texte reconnu automatiquement]",
    api_banner="[Transmis par l'API du support depuis l'intégration \"{integration}\"]",
    request_tool_header=(
        "--- TechSupportRequest : demande standard ---\n"
        "Produit : {product} {version} (build {build})\n"
        "Licence : {serial}\n"
        "Système : {os}\n"
        "Catégorie : {category}\n"
        "---"
    ),
    phone_answer_intro="Réponse donnée au téléphone :",
    weekdays=("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    notes=(
        "Licence {serial} vérifiée.",
        "Je vérifie avec le développement avant de répondre.",
        "Demande semblable traitée le mois dernier : même cause, même réponse.",
    ),
)

PHRASES = {"en": ENGLISH, "es": SPANISH, "fr": FRENCH}

# The phone line of the seed is French only: what the technician writes when a call opens
# a ticket.
PHONE_CALL_SUMMARY = "Appel téléphonique de {name} ({organization}), {phone}.\nLe client explique :"

# The duplicate's subject, prefixed so the technician sees it is a reminder.
REMINDER_PREFIX = {"en": "Reminder: ", "es": "Recordatorio: ", "fr": "Relance : "}

# The request tool writes the category in the customer's language.
CATEGORY_NAMES = {
    "en": {
        "question": "Question",
        "bug": "Bug",
        "crash": "Crash",
        "performance": "Performance",
        "installation": "Installation or licence",
        "suggestion": "Suggestion",
        "other": "Other",
    },
    "es": {
        "question": "Pregunta",
        "bug": "Error",
        "crash": "Cierre inesperado",
        "performance": "Rendimiento",
        "installation": "Instalación o licencia",
        "suggestion": "Sugerencia",
        "other": "Otro",
    },
    "fr": {
        "question": "Question",
        "bug": "Anomalie",
        "crash": "Plantage",
        "performance": "Performances",
        "installation": "Installation ou licence",
        "suggestion": "Suggestion",
        "other": "Autre",
    },
}
