"""The generated help desk: its people, and a stream of realistic historical tickets.

Imported after django.setup() (see tickets.py).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.db import transaction

from supportdesk.accounts.models import Contact, ContactEmail, Organization, Team, Technician
from supportdesk.catalog.models import Product
from supportdesk.core.models import BusinessCalendar
from supportdesk.plans.models import Plan
from supportdesk.tickets.choices import Channel, MessageKind, Status
from supportdesk.tickets.services import ImportedMessage, ImportedTicket

# (slug, name, product code, share of tickets, languages)
TEAMS = [
    ("windev-fr", "WINDEV (French)", "windev", 0.35, ("fr",)),
    ("windev-intl", "WINDEV (English, Spanish)", "windev", 0.15, ("en", "es")),
    ("webdev", "WEBDEV", "webdev", 0.25, ("fr", "en", "es")),
    ("mobile", "WINDEV Mobile", "windev-mobile", 0.15, ("fr", "en", "es")),
    ("direct", "Direct Assistance", "windev", 0.10, ("fr", "en")),
]
TECHNICIANS_PER_TEAM = 6
SUPERVISORS = 2
TICKETS_PER_CONTACT = 50
CONTACTS_PER_ORGANIZATION = 4
HISTORY = timedelta(days=3 * 365)

# Most history is finished; the newest tickets are the live ones. Weights per status.
OLD_STATUSES = {
    Status.CLOSED: 72.0,
    Status.SOLVED: 23.5,
    Status.PENDING: 2.0,
    Status.OPEN: 1.5,
    Status.REREVIEW: 0.5,
    Status.NEW: 0.5,
}
RECENT_STATUSES = {
    Status.CLOSED: 10.0,
    Status.SOLVED: 20.0,
    Status.PENDING: 25.0,
    Status.OPEN: 25.0,
    Status.NEW: 15.0,
    Status.REREVIEW: 5.0,
}
RECENT_SHARE = 0.05
LONG_THREAD_SHARE = 0.01
LONG_THREAD = 20
# Messages in an ordinary thread: mean 2.85, so with 1 % of 20-message threads about 3.
THREAD_LENGTHS = (1, 2, 3, 4, 5)
THREAD_WEIGHTS = (15, 30, 25, 15, 15)
NOTE_SHARE = 0.08
BODY_BYTES = (600, 2000)
BODIES_PER_LANGUAGE = 1500

CHANNELS = {
    Channel.REQUEST_TOOL: 40,
    Channel.EMAIL: 35,
    Channel.PORTAL: 10,
    Channel.PHONE: 10,
    Channel.API: 4,
    Channel.FAX: 1,
}
PRIORITIES = {"normal": 70, "low": 10, "high": 16, "urgent": 4}
CATEGORIES = {
    "question": 40,
    "bug": 25,
    "crash": 8,
    "performance": 7,
    "installation": 12,
    "suggestion": 5,
    "other": 3,
}

SUBJECTS = {
    "en": [
        "Error {code} when compiling the project",
        "The report editor crashes when saving a report",
        "HFSQL query returns duplicate rows after migration to {version}",
        "License activation fails on a new workstation",
        "Generated PDF is blank on Windows Server",
        "How to call a REST web service with OAuth",
        "Slow opening of windows with many controls",
        "Setup: the installer stops at {code} %",
        "Table control does not refresh after a query",
        "Question about the deployment of the HFSQL client/server engine",
    ],
    "fr": [
        "Erreur {code} à la compilation du projet",
        "L'éditeur d'états plante à l'enregistrement",
        "Requête HFSQL en double après migration en {version}",
        "Activation de la licence impossible sur un nouveau poste",
        "Le PDF généré est vide sur Windows Server",
        "Comment appeler un webservice REST avec OAuth",
        "Ouverture lente des fenêtres avec beaucoup de champs",
        "Installation : l'installeur s'arrête à {code} %",
        "Le champ table ne se rafraîchit pas après une requête",
        "Question sur le déploiement du moteur HFSQL client/serveur",
    ],
    "es": [
        "Error {code} al compilar el proyecto",
        "El editor de informes se cierra al guardar",
        "Consulta HFSQL duplicada tras migrar a {version}",
        "No se puede activar la licencia en un nuevo puesto",
        "El PDF generado está vacío en Windows Server",
        "Cómo llamar a un servicio web REST con OAuth",
        "Apertura lenta de ventanas con muchos campos",
        "Instalación: el instalador se detiene en {code} %",
        "La tabla no se actualiza después de una consulta",
        "Pregunta sobre el despliegue del motor HFSQL cliente/servidor",
    ],
}

SENTENCES = {
    "en": [
        "Since we moved the project to the new version, the build stops with this error.",
        "It happens on every workstation of the team, but not on the build server.",
        "I attached the diagnostics collected by the request tool, including the event log.",
        "The same code worked for two years without any change on our side.",
        "We tried to reindex the HFSQL files and to clear the project cache, without success.",
        "Could you tell us whether this is a known issue and if a fix is planned?",
        "Please check that the runtime libraries match the version of the editor.",
        "The problem is fixed in the latest update; please install it and tell us the result.",
        "As a workaround, you can disable the option in the project description.",
        "We reproduced the issue here and forwarded it to the development team.",
        "The query plan shows a full scan: adding a composite key on these columns helps.",
        "Our customer is blocked in production, so an answer today would really help.",
        "The stack trace points to the printing module when the page is in landscape.",
        "After the update the window opens in one second instead of twelve.",
        "Thank you for your quick answer, everything works again.",
    ],
    "fr": [
        "Depuis le passage du projet à la nouvelle version, la compilation s'arrête.",
        "Cela arrive sur tous les postes de l'équipe, mais pas sur le serveur de build.",
        "J'ai joint les diagnostics collectés par l'outil de requête, avec le journal.",
        "Le même code fonctionnait depuis deux ans sans modification de notre côté.",
        "Nous avons réindexé les fichiers HFSQL et vidé le cache du projet, sans succès.",
        "Pouvez-vous nous dire s'il s'agit d'un problème connu et si un correctif est prévu ?",
        "Vérifiez que les bibliothèques d'exécution correspondent à la version de l'éditeur.",
        "Le problème est corrigé dans la dernière mise à jour ; merci de l'installer.",
        "En attendant, vous pouvez désactiver l'option dans la description du projet.",
        "Nous avons reproduit le problème et l'avons transmis à l'équipe de développement.",
        "Le plan de la requête montre un parcours complet : une clé composée aide.",
        "Notre client est bloqué en production, une réponse aujourd'hui nous aiderait.",
        "La pile d'appels désigne le module d'impression quand la page est en paysage.",
        "Après la mise à jour, la fenêtre s'ouvre en une seconde au lieu de douze.",
        "Merci pour votre réponse rapide, tout fonctionne de nouveau.",
    ],
    "es": [
        "Desde que pasamos el proyecto a la nueva versión, la compilación se detiene.",
        "Ocurre en todos los puestos del equipo, pero no en el servidor de compilación.",
        "Adjunto los diagnósticos recogidos por la herramienta de solicitud y el registro.",
        "El mismo código funcionaba desde hace dos años sin cambios por nuestra parte.",
        "Reindexamos los ficheros HFSQL y vaciamos la caché del proyecto, sin éxito.",
        "¿Pueden decirnos si es un problema conocido y si hay una corrección prevista?",
        "Compruebe que las bibliotecas de ejecución corresponden a la versión del editor.",
        "El problema está corregido en la última actualización; instálela, por favor.",
        "Mientras tanto, puede desactivar la opción en la descripción del proyecto.",
        "Reproducimos el problema y lo transmitimos al equipo de desarrollo.",
        "El plan de la consulta muestra un recorrido completo: una clave compuesta ayuda.",
        "Nuestro cliente está bloqueado en producción, una respuesta hoy nos ayudaría.",
        "La pila de llamadas apunta al módulo de impresión cuando la página es horizontal.",
        "Tras la actualización, la ventana se abre en un segundo en lugar de doce.",
        "Gracias por su rápida respuesta, todo funciona de nuevo.",
    ],
}
GREETINGS = {"en": "Hello,", "fr": "Bonjour,", "es": "Hola:"}
SIGN_OFFS = {"en": "Best regards,", "fr": "Cordialement,", "es": "Saludos cordiales,"}


@dataclass(frozen=True)
class TeamCast:
    team_id: int
    product_id: int
    languages: tuple[str, ...]
    technician_ids: tuple[int, ...]


@dataclass(frozen=True)
class Cast:
    """The people the generated tickets point to."""

    teams: tuple[TeamCast, ...]
    team_weights: tuple[float, ...]
    supervisor_ids: tuple[int, ...]
    contact_ids: tuple[int, ...]
    contact_languages: dict[int, str]


def create_cast(*, tickets: int, rng: random.Random) -> Cast:
    """Plans, products, teams with technicians, supervisors, organizations and contacts."""
    with transaction.atomic():
        calendar = BusinessCalendar.objects.create(
            name="Paris office",
            time_zone="Europe/Paris",
            weekly_hours={str(d): [["09:00", "12:00"], ["14:00", "18:00"]] for d in range(1, 6)},
            holiday_country="FR",
        )
        Plan.objects.create(code="free", name="Free support", calendar=calendar)
        Plan.objects.create(
            code="direct-assistance",
            name="Direct Assistance",
            calendar=calendar,
            is_paid=True,
            rank=10,
            has_designated_engineer=True,
        )
        products = {
            code: Product.objects.create(code=code, name=name)
            for code, name in [
                ("windev", "WINDEV"),
                ("webdev", "WEBDEV"),
                ("windev-mobile", "WINDEV Mobile"),
            ]
        }
        team_casts = []
        for slug, name, product_code, _, languages in TEAMS:
            team = Team.objects.create(name=name, slug=slug, languages=list(languages))
            team.products.add(products[product_code])
            members = [
                _technician(f"{slug}-{n}", f"{name} technician {n}")
                for n in range(1, TECHNICIANS_PER_TEAM + 1)
            ]
            team.members.set(members)
            team_casts.append(
                TeamCast(
                    team.pk,
                    products[product_code].pk,
                    languages,
                    tuple(t.pk for t in members),
                )
            )
        supervisors = [
            _technician(f"supervisor-{n}", f"Supervisor {n}", Technician.Role.SUPERVISOR)
            for n in range(1, SUPERVISORS + 1)
        ]
        contact_count = max(200, tickets // TICKETS_PER_CONTACT)
        organizations = Organization.objects.bulk_create(
            [
                Organization(name=f"Customer {n}", customer_number=f"C{n:07d}")
                for n in range(contact_count // CONTACTS_PER_ORGANIZATION + 1)
            ],
            batch_size=2000,
        )
        languages = ("fr",) * 6 + ("en",) * 3 + ("es",)
        contacts = Contact.objects.bulk_create(
            [
                Contact(
                    organization=organizations[n // CONTACTS_PER_ORGANIZATION],
                    name=f"Developer {n}",
                    language=rng.choice(languages),
                )
                for n in range(contact_count)
            ],
            batch_size=2000,
        )
        ContactEmail.objects.bulk_create(
            [
                ContactEmail(contact=c, address=f"dev{c.pk}@customer.example", is_primary=True)
                for c in contacts
            ],
            batch_size=2000,
        )
    return Cast(
        teams=tuple(team_casts),
        team_weights=tuple(t[3] for t in TEAMS),
        supervisor_ids=tuple(s.pk for s in supervisors),
        contact_ids=tuple(c.pk for c in contacts),
        contact_languages={c.pk: c.language for c in contacts},
    )


def _technician(username: str, name: str, role: str = Technician.Role.TECHNICIAN) -> Technician:
    user = User.objects.create(username=username, email=f"{username}@vendor.example")
    return Technician.objects.create(user=user, display_name=name, role=role)


def _bodies(rng: random.Random) -> dict[str, list[str]]:
    """A pool of message bodies of 600 B - 2 KB per language; messages pick from it."""
    pool: dict[str, list[str]] = {}
    for language, sentences in SENTENCES.items():
        bodies = []
        for _ in range(BODIES_PER_LANGUAGE):
            target = rng.randint(*BODY_BYTES)
            parts = [GREETINGS[language], ""]
            size = 0
            while size < target - 60:
                paragraph = " ".join(rng.sample(sentences, rng.randint(2, 4)))
                parts.append(paragraph)
                size += len(paragraph.encode()) + 2
            parts += ["", SIGN_OFFS[language]]
            bodies.append("\n".join(parts))
        pool[language] = bodies
    return pool


def _weighted(weights: dict[str, float]) -> tuple[list[str], list[float]]:
    keys = list(weights)
    total = 0.0
    cumulative = []
    for key in keys:
        total += weights[key]
        cumulative.append(total)
    return keys, cumulative


def generate_rows(
    *, cast: Cast, count: int, rng: random.Random, end: datetime
) -> Iterator[ImportedTicket]:
    """`count` tickets, oldest first, spread evenly over three years up to `end`."""
    bodies = _bodies(rng)
    old_statuses = _weighted(OLD_STATUSES)
    recent_statuses = _weighted(RECENT_STATUSES)
    channels = _weighted(CHANNELS)
    priorities = _weighted(PRIORITIES)
    categories = _weighted(CATEGORIES)
    team_cum = list(_cumulate(cast.team_weights))
    thread_cum = list(_cumulate(THREAD_WEIGHTS))
    start = end - HISTORY
    step = HISTORY / max(count, 1)
    recent_from = int(count * (1 - RECENT_SHARE))
    contacts = cast.contact_ids
    choices = rng.choices
    for index in range(count):
        created = start + step * index + timedelta(seconds=rng.randint(0, 59))
        keys, cum = recent_statuses if index >= recent_from else old_statuses
        (status,) = choices(keys, cum_weights=cum)
        (team,) = choices(cast.teams, cum_weights=team_cum)
        # A few customers write much more than others.
        requester = contacts[int(len(contacts) * rng.random() ** 1.6)]
        language = cast.contact_languages[requester]
        if language not in team.languages:
            language = team.languages[0]
        if rng.random() < LONG_THREAD_SHARE:
            length = LONG_THREAD
        elif status == Status.NEW:
            length = 1
        else:
            (length,) = choices(THREAD_LENGTHS, cum_weights=thread_cum)
        assignee = None if status == Status.NEW else rng.choice(team.technician_ids)
        messages = []
        at = created
        pool = bodies[language]
        for position in range(length):
            if position == 0:
                kind = MessageKind.INBOUND
            elif rng.random() < NOTE_SHARE:
                kind = MessageKind.NOTE
            else:
                kind = MessageKind.OUTBOUND if position % 2 else MessageKind.INBOUND
            ours = kind != MessageKind.INBOUND
            messages.append(
                ImportedMessage(
                    kind=kind,
                    body_text=pool[rng.randrange(len(pool))],
                    created_at=at,
                    author_contact_id=None if ours else requester,
                    author_technician_id=(assignee or team.technician_ids[0]) if ours else None,
                )
            )
            at += timedelta(minutes=rng.randint(20, 30 * 60))
        finished = status in (Status.SOLVED, Status.CLOSED)
        updated = at + timedelta(days=rng.randint(1, 7)) if finished else at
        (channel,) = choices(channels[0], cum_weights=channels[1])
        (priority,) = choices(priorities[0], cum_weights=priorities[1])
        (category,) = choices(categories[0], cum_weights=categories[1])
        subject = rng.choice(SUBJECTS[language]).format(
            code=rng.randint(10, 99999), version=rng.choice(("2024", "2025", "28", "29"))
        )
        yield ImportedTicket(
            requester_id=requester,
            subject=subject,
            status=status,
            priority=priority,
            category=category,
            channel=channel,
            language=language,
            team_id=team.team_id,
            assignee_id=assignee,
            product_id=team.product_id,
            created_at=created,
            updated_at=updated,
            messages=messages,
        )


def _cumulate(weights: tuple[float, ...]) -> Iterator[float]:
    total = 0.0
    for weight in weights:
        total += weight
        yield total
