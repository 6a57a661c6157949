"""The vendor's side of the demo: products and versions, the Paris calendar, the two plans
of the seed, the teams and the technicians.

Everything is keyed by a natural key (product code, version name, calendar name, plan code,
team slug, username) and only filled in where missing: loading twice changes nothing, and
an administrator's later edits survive a new load.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal

from django.contrib.auth.models import Group, Permission, User
from django.db.models import Q

from supportdesk.accounts.models import Skill, Team, Technician
from supportdesk.catalog.models import Product, ProductVersion
from supportdesk.core.models import BusinessCalendar
from supportdesk.plans.models import Plan, SlaTarget

# (code, name, prefix of licence serials)
PRODUCTS = (
    ("windev", "WINDEV", "WD"),
    ("webdev", "WEBDEV", "WB"),
    ("windev-mobile", "WINDEV Mobile", "WM"),
)
# How developers write them in mail ("WD28", "WB 2026", "WDM"), besides name and code;
# spaces and hyphens inside one are optional ("Web Dev" also reads "web-dev", "WebDev").
ALIASES = {
    "windev": ["WD", "Win Dev"],
    "webdev": ["WB", "Web Dev"],
    "windev-mobile": ["WM", "WDM", "WD Mobile"],
}
# (name, rank, released on); the newest is the one on sale.
VERSIONS = (
    ("2024", 2024, date(2023, 12, 5)),
    ("2025", 2025, date(2024, 12, 3)),
    ("2026", 2026, date(2025, 12, 2)),
)
VERSION_ON_SALE = "2026"

CALENDAR_NAME = "Paris"
PARIS_HOURS = [["09:00", "12:00"], ["14:00", "18:00"]]

FREE_PLAN = "free"
DIRECT_ASSISTANCE_PLAN = "direct-assistance"
# The seed: "attachments over 9 MB are deleted"; the plan field counts bytes, in SI megabytes.
ATTACHMENT_LIMIT_BYTES = 9 * 1000 * 1000

TECHNICIANS_GROUP = "Technicians"
# The apps whose admin pages technicians may read.
STAFF_READABLE_APPS = ("core", "catalog", "accounts", "plans", "tickets")


@dataclass(frozen=True)
class TeamSpec:
    slug: str
    name: str
    products: tuple[str, ...]
    languages: tuple[str, ...]
    lead: str  # username
    is_default: bool = False


@dataclass(frozen=True)
class TechnicianSpec:
    username: str
    display_name: str
    teams: tuple[str, ...]
    languages: tuple[str, ...]
    skills: tuple[tuple[str, int], ...]  # (product code, Skill.Level)
    role: str = Technician.Role.TECHNICIAN
    time_zone: str = "Europe/Paris"

    @property
    def email(self) -> str:
        return f"{self.username}@support.example"


TEAMS = (
    TeamSpec("windev-fr", "WINDEV — français", ("windev",), ("fr",), lead="j.moreau"),
    TeamSpec("webdev", "WEBDEV", ("webdev",), ("fr",), lead="n.roux"),
    TeamSpec("windev-mobile", "WINDEV Mobile", ("windev-mobile",), ("fr",), lead="k.haddad"),
    # Serves every product, so English and Spanish requests come here first; also the
    # default queue for whatever no other team matches.
    TeamSpec(
        "international",
        "International (EN/ES)",
        ("windev", "webdev", "windev-mobile"),
        ("en", "es"),
        lead="m.lopez",
        is_default=True,
    ),
)

# The demo's technician account (see accounts.py) is one of them: "technician".
TECHNICIANS = (
    TechnicianSpec(
        "s.bernard",
        "Sophie Bernard",
        teams=(),
        languages=("fr", "en", "es"),
        skills=(("windev", 3), ("webdev", 2), ("windev-mobile", 2)),
        role=Technician.Role.SUPERVISOR,
    ),
    TechnicianSpec(
        "technician",
        "Camille Laurent",
        teams=("windev-fr",),
        languages=("fr", "en"),
        skills=(("windev", 3), ("webdev", 2)),
    ),
    TechnicianSpec(
        "j.moreau",
        "Julien Moreau",
        teams=("windev-fr",),
        languages=("fr",),
        skills=(("windev", 3),),
    ),
    TechnicianSpec(
        "e.fabre",
        "Élodie Fabre",
        teams=("windev-fr", "windev-mobile"),
        languages=("fr", "en"),
        skills=(("windev", 2), ("windev-mobile", 2)),
    ),
    TechnicianSpec(
        "n.roux",
        "Nathalie Roux",
        teams=("webdev",),
        languages=("fr", "en"),
        skills=(("webdev", 3),),
    ),
    TechnicianSpec(
        "t.girard",
        "Thomas Girard",
        teams=("webdev",),
        languages=("fr",),
        skills=(("webdev", 2), ("windev", 1)),
    ),
    TechnicianSpec(
        "k.haddad",
        "Karim Haddad",
        teams=("windev-mobile",),
        languages=("fr", "en"),
        skills=(("windev-mobile", 3),),
    ),
    TechnicianSpec(
        "m.lopez",
        "María López",
        teams=("international",),
        languages=("es", "en", "fr"),
        skills=(("windev", 3), ("webdev", 2)),
        time_zone="Europe/Madrid",
    ),
    TechnicianSpec(
        "j.whitaker",
        "James Whitaker",
        teams=("international",),
        languages=("en", "fr"),
        skills=(("webdev", 3), ("windev-mobile", 2)),
        time_zone="Europe/London",
    ),
)

DEMO_TECHNICIAN_USERNAME = "technician"


@dataclass
class Reference:
    products: dict[str, Product]
    # Versions of each product, oldest first.
    versions: dict[str, list[ProductVersion]]
    serial_prefixes: dict[str, str]
    calendar: BusinessCalendar
    plans: dict[str, Plan]
    teams: dict[str, Team]
    technicians: dict[str, Technician]


def ensure_catalog() -> tuple[dict[str, Product], dict[str, list[ProductVersion]]]:
    products: dict[str, Product] = {}
    versions: dict[str, list[ProductVersion]] = {}
    for code, name, _prefix in PRODUCTS:
        product, _ = Product.objects.get_or_create(
            code=code, defaults={"name": name, "aliases": ALIASES[code]}
        )
        if not product.aliases:  # a database loaded before products had aliases
            product.aliases = ALIASES[code]
            product.save(update_fields=["aliases"])
        products[code] = product
        versions[code] = [
            ProductVersion.objects.get_or_create(
                product=product,
                name=version,
                defaults={
                    "rank": rank,
                    "released_on": released_on,
                    "on_sale": version == VERSION_ON_SALE,
                },
            )[0]
            for version, rank, released_on in VERSIONS
        ]
    return products, versions


def ensure_calendar() -> BusinessCalendar:
    calendar, _ = BusinessCalendar.objects.get_or_create(
        name=CALENDAR_NAME,
        defaults={
            "time_zone": "Europe/Paris",
            # ISO weekdays, Monday (1) to Friday (5).
            "weekly_hours": {str(day): PARIS_HOURS for day in range(1, 6)},
            "holiday_country": "FR",
        },
    )
    return calendar


def ensure_plans(calendar: BusinessCalendar) -> dict[str, Plan]:
    free, _ = Plan.objects.get_or_create(
        code=FREE_PLAN,
        defaults={
            "name": "Free support",
            "is_paid": False,
            "calendar": calendar,
            "rank": 0,
            "requests_per_license": 15,
            "covers_only_version_on_sale": True,
            "attachment_limit_bytes": ATTACHMENT_LIMIT_BYTES,
            "has_designated_engineer": False,
        },
    )
    # The seed: "in most cases an email is processed within 24 or 48 hours" — the first
    # one and each reply after it.
    for metric in (SlaTarget.Metric.FIRST_RESPONSE, SlaTarget.Metric.NEXT_RESPONSE):
        SlaTarget.objects.get_or_create(
            plan=free,
            metric=metric,
            priority="",
            defaults={
                "unit": SlaTarget.Unit.WORKING_DAYS,
                "target": Decimal("1"),
                "limit": Decimal("2"),
            },
        )
    direct, _ = Plan.objects.get_or_create(
        code=DIRECT_ASSISTANCE_PLAN,
        defaults={
            "name": "Direct Assistance",
            "is_paid": True,
            "calendar": calendar,
            "rank": 10,
            "requests_per_license": None,
            "covers_only_version_on_sale": False,
            "attachment_limit_bytes": ATTACHMENT_LIMIT_BYTES,
            "has_designated_engineer": True,
            # Told to free-support customers whose request Direct Assistance would cover
            # (used-up requests, an older version, their own code).
            "sales_contact": "direct@example.com or +33 1 99 00 12 00",
        },
    )
    # "Your call is processed the same day": by the end of the working day when the request
    # (or the customer's reply) arrives before 16:00, otherwise within 8 working hours.
    for metric in (SlaTarget.Metric.FIRST_RESPONSE, SlaTarget.Metric.NEXT_RESPONSE):
        SlaTarget.objects.get_or_create(
            plan=direct,
            metric=metric,
            priority="",
            defaults={
                "unit": SlaTarget.Unit.SAME_DAY,
                "target": Decimal("8"),
                "limit": Decimal("8"),
                "same_day_cutoff": time(16, 0),
            },
        )
    return {FREE_PLAN: free, DIRECT_ASSISTANCE_PLAN: direct}


def ensure_technicians_group() -> Group:
    """Staff who may read (never change) the configuration and tickets in the admin."""
    group, _ = Group.objects.get_or_create(name=TECHNICIANS_GROUP)
    readable = Permission.objects.filter(
        Q(content_type__app_label__in=STAFF_READABLE_APPS) & Q(codename__startswith="view_")
    )
    missing = readable.exclude(pk__in=group.permissions.values("pk"))
    if missing.exists():
        group.permissions.add(*missing)
    return group


def ensure_technician(spec: TechnicianSpec, group: Group) -> Technician:
    """A technician and their user. A new user gets no usable password: the demo's one
    technician account receives its password from `ensure_demo_accounts`."""
    first_name, _, last_name = spec.display_name.partition(" ")
    user, created = User.objects.get_or_create(
        username=spec.username,
        defaults={
            "first_name": first_name,
            "last_name": last_name,
            "email": spec.email,
            "is_staff": True,
        },
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    if not user.groups.filter(pk=group.pk).exists():
        user.groups.add(group)
    technician, _ = Technician.objects.get_or_create(
        user=user,
        defaults={
            "display_name": spec.display_name,
            "role": spec.role,
            "languages": list(spec.languages),
            "time_zone": spec.time_zone,
        },
    )
    return technician


def technician_spec(username: str) -> TechnicianSpec:
    return next(spec for spec in TECHNICIANS if spec.username == username)


def ensure_staff(
    products: dict[str, Product], group: Group
) -> tuple[dict[str, Team], dict[str, Technician]]:
    teams: dict[str, Team] = {}
    for spec in TEAMS:
        team, _ = Team.objects.get_or_create(
            slug=spec.slug,
            defaults={
                "name": spec.name,
                "languages": list(spec.languages),
                "is_default": spec.is_default,
            },
        )
        team.products.add(*(products[code] for code in spec.products))
        teams[spec.slug] = team
    technicians: dict[str, Technician] = {}
    for tech_spec in TECHNICIANS:
        technician = ensure_technician(tech_spec, group)
        technician.teams.add(*(teams[slug] for slug in tech_spec.teams))
        for code, level in tech_spec.skills:
            Skill.objects.get_or_create(
                technician=technician, product=products[code], defaults={"level": level}
            )
        technicians[tech_spec.username] = technician
    for spec in TEAMS:
        team = teams[spec.slug]
        if team.lead_id is None:
            team.lead = technicians[spec.lead]
            team.save(update_fields=["lead"])
    return teams, technicians


def ensure_reference_data() -> Reference:
    products, versions = ensure_catalog()
    calendar = ensure_calendar()
    plans = ensure_plans(calendar)
    teams, technicians = ensure_staff(products, ensure_technicians_group())
    return Reference(
        products=products,
        versions=versions,
        serial_prefixes={code: prefix for code, _name, prefix in PRODUCTS},
        calendar=calendar,
        plans=plans,
        teams=teams,
        technicians=technicians,
    )
