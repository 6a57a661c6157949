"""The customers of the demo: organizations in France, Belgium, Switzerland, Canada, Morocco,
Spain, Latin America, the United Kingdom, Ireland and the United States, with their
contacts, licences and Direct Assistance subscriptions.

Every address is under the reserved `.example` top-level domain (RFC 2606) and the French
and British numbers are in the ranges kept for fiction, so a demo that sends mail or dials
never reaches a real person.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from supportdesk.accounts.models import ContactPhone

WORK, MOBILE, FAX = ContactPhone.Kind.WORK, ContactPhone.Kind.MOBILE, ContactPhone.Kind.FAX


def _ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@dataclass(frozen=True)
class ContactSpec:
    name: str
    emails: tuple[str, ...]  # the first is the primary address
    phones: tuple[tuple[str, str], ...] = ()  # (E.164 number, ContactPhone.Kind)
    language: str = ""  # empty: the organization's
    sees_organization_tickets: bool = False


@dataclass(frozen=True)
class SubscriptionSpec:
    designated: str  # username
    backup: str
    dedicated_phone: str
    credit_minutes: int
    credit_minutes_used: int
    started_days_ago: int
    expired: bool = False


@dataclass(frozen=True)
class OrganizationSpec:
    number: str
    name: str
    country: str
    language: str
    contacts: tuple[ContactSpec, ...]
    # (product code, first version, last version)
    licences: tuple[tuple[str, str, str], ...]
    subscription: SubscriptionSpec | None = None
    integration: str = ""  # the name of their software that calls our API


def person(
    name: str,
    domain: str,
    *phones: tuple[str, str],
    aliases: tuple[str, ...] = (),
    language: str = "",
    sees_all: bool = False,
) -> ContactSpec:
    local = _ascii(name).lower().replace(" ", ".").replace("'", "")
    emails = (f"{local}@{domain}.example", *(f"{a}@{domain}.example" for a in aliases))
    return ContactSpec(name, emails, tuple(phones), language, sees_all)


WD, WB, WM = "windev", "webdev", "windev-mobile"

ORGANIZATIONS: tuple[OrganizationSpec, ...] = (
    # France
    OrganizationSpec(
        "C200101",
        "Fontaine Informatique SARL",
        "FR",
        "fr",
        (
            person(
                "Claire Fontaine",
                "fontaine-informatique",
                ("+33199001234", WORK),
                ("+33639981234", MOBILE),
                aliases=("c.fontaine",),
                sees_all=True,
            ),
            person("Marc Vidal", "fontaine-informatique", ("+33199001235", WORK)),
        ),
        ((WD, "2024", "2026"), (WB, "2025", "2026")),
        integration="Fontaine ERP",
    ),
    OrganizationSpec(
        "C200102",
        "Transports Lemoine SA",
        "FR",
        "fr",
        (
            person("Hugo Lemoine", "transports-lemoine", ("+33465711001", WORK)),
            person(
                "Sandrine Petit",
                "transports-lemoine",
                ("+33465711002", WORK),
                ("+33465711009", FAX),
                aliases=("informatique",),
            ),
        ),
        ((WD, "2024", "2026"), (WM, "2025", "2026")),
        SubscriptionSpec("technician", "j.moreau", "+33465711700", 1200, 340, 200),
    ),
    OrganizationSpec(
        "C200103",
        "Cabinet Dufour Expertise Comptable",
        "FR",
        "fr",
        (person("Anne Dufour", "cabinet-dufour", ("+33199002201", WORK), ("+33199002209", FAX)),),
        ((WD, "2025", "2026"),),
    ),
    OrganizationSpec(
        "C200104",
        "Mutuelle des Artisans du Sud-Ouest",
        "FR",
        "fr",
        (
            person("Pierre Lacoste", "mutuelle-artisans-so", ("+33536490101", WORK)),
            person("Isabelle Garnier", "mutuelle-artisans-so", ("+33536490102", WORK)),
        ),
        ((WD, "2024", "2026"), (WB, "2024", "2026")),
    ),
    OrganizationSpec(
        "C200105",
        "Boulangeries Maison Roussel",
        "FR",
        "fr",
        (
            person(
                "Lucas Roussel", "maison-roussel", ("+33353010101", WORK), ("+33639980001", MOBILE)
            ),
        ),
        ((WM, "2026", "2026"),),
    ),
    OrganizationSpec(
        "C200106",
        "Groupe Hospitalier Saint-Roch",
        "FR",
        "fr",
        (
            person("Émilie Carpentier", "gh-saint-roch", ("+33465712001", WORK), sees_all=True),
            person("Olivier Marchand", "gh-saint-roch", ("+33465712002", WORK)),
        ),
        ((WM, "2024", "2026"), (WD, "2024", "2026")),
        SubscriptionSpec("k.haddad", "e.fabre", "+33465711701", 2400, 910, 150),
    ),
    OrganizationSpec(
        "C200107",
        "Vinicole Bordelaise SAS",
        "FR",
        "fr",
        (person("Julie Arnaud", "vinicole-bordelaise", ("+33536490201", WORK)),),
        ((WD, "2026", "2026"),),
    ),
    OrganizationSpec(
        "C200108",
        "AgriTech Normandie",
        "FR",
        "fr",
        (person("Thibault Lefèvre", "agritech-normandie", ("+33261910101", WORK)),),
        ((WM, "2025", "2026"), (WD, "2025", "2026")),
    ),
    OrganizationSpec(
        "C200109",
        "Mairie de Saint-Aubin-sur-Mer",
        "FR",
        "fr",
        (
            person(
                "Nicolas Perrin",
                "saint-aubin-sur-mer",
                ("+33261910201", WORK),
                ("+33261910209", FAX),
                aliases=("informatique",),
            ),
        ),
        ((WB, "2024", "2026"),),
    ),
    OrganizationSpec(
        "C200110",
        "Optique Vision Plus",
        "FR",
        "fr",
        (person("Sarah Benali", "optique-vision-plus", ("+33199003301", WORK)),),
        ((WD, "2026", "2026"),),
    ),
    OrganizationSpec(
        "C200111",
        "Logiciels Durand & Fils",
        "FR",
        "fr",
        (
            person(
                "Éric Durand",
                "durand-logiciels",
                ("+33353010201", WORK),
                ("+33639980002", MOBILE),
                aliases=("contact", "support"),
            ),
        ),
        ((WD, "2024", "2026"), (WB, "2024", "2026"), (WM, "2024", "2026")),
        integration="DurandSoft Helpdesk",
    ),
    OrganizationSpec(
        "C200112",
        "Atelier Numérique Lyonnais",
        "FR",
        "fr",
        (person("Chloé Masson", "atelier-numerique-lyon", ("+33465713001", WORK)),),
        ((WB, "2025", "2026"), (WM, "2026", "2026")),
    ),
    # Belgium
    OrganizationSpec(
        "C200201",
        "Agence Web Horizon SPRL",
        "BE",
        "fr",
        (
            person("Maxime Dubois", "horizon-web", ("+3225550101", WORK)),
            person("Laura Peeters", "horizon-web", ("+3225550102", WORK)),
        ),
        ((WB, "2024", "2026"),),
        SubscriptionSpec("n.roux", "t.girard", "+33465711702", 1200, 150, 90),
        integration="Horizon CMS",
    ),
    OrganizationSpec(
        "C200202",
        "Informatique Liégeoise SC",
        "BE",
        "fr",
        (person("Jérôme Lambert", "info-liege", ("+3243330101", WORK)),),
        ((WD, "2025", "2026"),),
    ),
    OrganizationSpec(
        "C200203",
        "Van den Berg Logistics NV",
        "BE",
        "en",
        (person("Pieter Van den Berg", "vdberg-logistics", ("+3232220101", WORK)),),
        ((WD, "2024", "2026"), (WM, "2025", "2026")),
    ),
    # Switzerland
    OrganizationSpec(
        "C200301",
        "Horlogerie Numérique Genève SA",
        "CH",
        "fr",
        (person("Florian Rochat", "horlogerie-numerique", ("+41225550101", WORK)),),
        ((WD, "2026", "2026"),),
    ),
    # Canada
    OrganizationSpec(
        "C200401",
        "Solutions Informatiques Boréal inc.",
        "CA",
        "fr",
        (
            person(
                "Geneviève Tremblay",
                "boreal-solutions",
                ("+14185550101", WORK),
                ("+14185550199", MOBILE),
            ),
        ),
        ((WD, "2024", "2026"), (WB, "2025", "2026")),
    ),
    OrganizationSpec(
        "C200402",
        "Coopérative agricole du Lac-Saint-Jean",
        "CA",
        "fr",
        (person("Mathieu Gagnon", "coop-lac-saint-jean", ("+14185550102", WORK)),),
        ((WM, "2025", "2026"),),
    ),
    OrganizationSpec(
        "C200403",
        "Maple Leaf Dispatch Corp.",
        "CA",
        "en",
        (person("Ryan Mitchell", "mapleleaf-dispatch", ("+14165550103", WORK)),),
        ((WM, "2024", "2026"), (WD, "2025", "2026")),
        integration="Dispatch Console",
    ),
    # Morocco
    OrganizationSpec(
        "C200501",
        "Atlas Systèmes Casablanca",
        "MA",
        "fr",
        (person("Youssef El Amrani", "atlas-systemes", ("+212522000101", WORK)),),
        ((WD, "2025", "2026"), (WB, "2025", "2026")),
    ),
    # Spain
    OrganizationSpec(
        "C200601",
        "Logística Ibérica SL",
        "ES",
        "es",
        (
            person("Javier Martín", "logistica-iberica", ("+34910000101", WORK)),
            person(
                "Lucía Fernández",
                "logistica-iberica",
                ("+34910000102", WORK),
                ("+34600000102", MOBILE),
                aliases=("sistemas",),
                sees_all=True,
            ),
        ),
        ((WD, "2024", "2026"), (WM, "2024", "2026")),
        SubscriptionSpec("m.lopez", "j.whitaker", "+33465711703", 1800, 620, 240),
        integration="SGA Ibérica",
    ),
    OrganizationSpec(
        "C200602",
        "Clínica Dental Sonrisa",
        "ES",
        "es",
        (person("Carmen Ruiz", "clinica-sonrisa", ("+34930000101", WORK), ("+34930000109", FAX)),),
        ((WD, "2026", "2026"),),
    ),
    OrganizationSpec(
        "C200603",
        "Software Mediterráneo SL",
        "ES",
        "es",
        (
            person(
                "Pablo Navarro",
                "softmed",
                ("+34960000101", WORK),
                ("+34600000201", MOBILE),
                aliases=("desarrollo", "pnavarro"),
            ),
        ),
        ((WD, "2024", "2026"), (WB, "2024", "2026"), (WM, "2025", "2026")),
    ),
    OrganizationSpec(
        "C200604",
        "Bodegas Rioja Alta Gestión",
        "ES",
        "es",
        (person("Ana Jiménez", "bodegas-rioja-alta", ("+34941000101", WORK)),),
        ((WD, "2025", "2026"),),
    ),
    OrganizationSpec(
        "C200605",
        "Ayuntamiento de Villanueva",
        "ES",
        "es",
        (
            person(
                "Sergio Moreno",
                "villanueva-ayto",
                ("+34950000101", WORK),
                ("+34950000109", FAX),
                aliases=("informatica",),
            ),
        ),
        ((WB, "2024", "2026"),),
    ),
    OrganizationSpec(
        "C200606",
        "Talleres Hernández e Hijos",
        "ES",
        "es",
        (person("Miguel Hernández", "talleres-hernandez", ("+34980000101", WORK)),),
        ((WM, "2026", "2026"),),
    ),
    # Mexico
    OrganizationSpec(
        "C200701",
        "Grupo Comercial Azteca SA de CV",
        "MX",
        "es",
        (
            person("Alejandro Ramírez", "grupo-azteca", ("+525555000101", WORK)),
            person("Fernanda Torres", "grupo-azteca", ("+525555000102", WORK)),
        ),
        ((WD, "2024", "2026"), (WB, "2025", "2026")),
        integration="Azteca POS",
    ),
    OrganizationSpec(
        "C200702",
        "Farmacias del Bajío",
        "MX",
        "es",
        (person("Daniela Castillo", "farmacias-bajio", ("+524770000101", WORK)),),
        ((WM, "2025", "2026"), (WD, "2026", "2026")),
    ),
    OrganizationSpec(
        "C200703",
        "Sistemas Integrales de Monterrey",
        "MX",
        "es",
        (person("Roberto Garza", "sim-monterrey", ("+528180000101", WORK)),),
        ((WD, "2025", "2026"), (WB, "2026", "2026")),
    ),
    # Argentina
    OrganizationSpec(
        "C200801",
        "Estudio Contable Pampa",
        "AR",
        "es",
        (person("Martín González", "estudio-pampa", ("+541140000101", WORK)),),
        ((WD, "2024", "2026"),),
    ),
    OrganizationSpec(
        "C200802",
        "Agroexport Patagonia SA",
        "AR",
        "es",
        (person("Valentina Rossi", "agroexport-patagonia", ("+542990000101", WORK)),),
        ((WM, "2025", "2026"), (WD, "2025", "2026")),
    ),
    # Colombia
    OrganizationSpec(
        "C200901",
        "Soluciones TIC Andinas SAS",
        "CO",
        "es",
        (person("Camilo Vargas", "tic-andinas", ("+576010000101", WORK)),),
        ((WB, "2025", "2026"), (WD, "2026", "2026")),
    ),
    OrganizationSpec(
        "C200902",
        "Transportes Caribe Ltda",
        "CO",
        "es",
        (person("Andrea Mejía", "transportes-caribe", ("+576050000101", WORK)),),
        ((WM, "2026", "2026"),),
    ),
    # Chile
    OrganizationSpec(
        "C201001",
        "Viña Los Andes SpA",
        "CL",
        "es",
        (person("Felipe Soto", "vina-los-andes", ("+56220000101", WORK)),),
        ((WD, "2025", "2026"),),
    ),
    # Peru: a Direct Assistance subscription that has ended, so free support applies again.
    OrganizationSpec(
        "C201101",
        "Distribuidora Andina SAC",
        "PE",
        "es",
        (person("Rosa Quispe", "distribuidora-andina", ("+5110000101", WORK)),),
        ((WD, "2024", "2026"), (WB, "2024", "2025")),
        SubscriptionSpec("m.lopez", "j.whitaker", "+33465711704", 600, 600, 430, expired=True),
    ),
    # United Kingdom
    OrganizationSpec(
        "C201201",
        "Northbridge Retail Ltd",
        "GB",
        "en",
        (
            person("Oliver Bennett", "northbridge-retail", ("+441632960101", WORK)),
            person(
                "Hannah Clarke",
                "northbridge-retail",
                ("+441632960102", WORK),
                ("+447700900102", MOBILE),
                aliases=("it-support",),
            ),
        ),
        ((WB, "2024", "2026"), (WM, "2025", "2026")),
        SubscriptionSpec("j.whitaker", "m.lopez", "+33465711705", 1200, 480, 120),
        integration="Northbridge Stores",
    ),
    OrganizationSpec(
        "C201202",
        "Harbour Accounting Services",
        "GB",
        "en",
        (person("George Patel", "harbour-accounting", ("+441632960201", WORK)),),
        ((WD, "2025", "2026"),),
    ),
    OrganizationSpec(
        "C201203",
        "Pennine Engineering Ltd",
        "GB",
        "en",
        (person("Emma Walsh", "pennine-engineering", ("+441632960301", WORK)),),
        ((WD, "2024", "2026"), (WM, "2026", "2026")),
    ),
    # Ireland
    OrganizationSpec(
        "C201301",
        "Shannon Medical Devices",
        "IE",
        "en",
        (person("Ciarán Byrne", "shannon-medical", ("+35361000101", WORK)),),
        ((WD, "2025", "2026"), (WB, "2026", "2026")),
    ),
    # United States
    OrganizationSpec(
        "C201401",
        "Lakeside Software Consulting LLC",
        "US",
        "en",
        (person("Jessica Moore", "lakeside-consulting", ("+13125550101", WORK)),),
        ((WB, "2025", "2026"), (WM, "2025", "2026")),
    ),
)

# The contact who gets the demo's customer (portal) account.
PORTAL_ORGANIZATION = "C200101"
PORTAL_CONTACT_EMAIL = "claire.fontaine@fontaine-informatique.example"


def organization_spec(number: str) -> OrganizationSpec:
    return next(spec for spec in ORGANIZATIONS if spec.number == number)
