"""The demo profile: the seed's service, loaded through the services, idempotently, with
accounts a newcomer can sign in with."""

from __future__ import annotations

import io
import stat
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django_tasks_db.models import DBTaskResult

from supportdesk.accounts.models import Contact, Organization, Team, Technician
from supportdesk.catalog.models import Product
from supportdesk.core.models import BusinessCalendar
from supportdesk.demo import ensure_demo_accounts, load_demo
from supportdesk.demo.accounts import accounts_file
from supportdesk.demo.customers import ensure_customers
from supportdesk.demo.planning import Planner
from supportdesk.demo.reference import ensure_reference_data
from supportdesk.plans.models import Plan, SlaTarget
from supportdesk.tickets.choices import Channel, EventKind, MessageKind, Status
from supportdesk.tickets.models import Attachment, Message, Ticket, TicketEvent
from supportdesk.tickets.selectors import count_by_status

DEMO_TICKETS = 40
CUSTOMER_CHANNELS = {
    Channel.REQUEST_TOOL,
    Channel.EMAIL,
    Channel.PORTAL,
    Channel.PHONE,
    Channel.FAX,
    Channel.API,
}


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _data_dir_in_tmp(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.DATA_DIR = tmp_path / "data"


@pytest.fixture(scope="class")
def loaded_demo(django_db_setup, django_db_blocker, tmp_path_factory):  # type: ignore[no-untyped-def]
    """The demo, loaded once for a class of tests. Each test's own transaction (the `db`
    fixture) nests in this one as a savepoint; this one is rolled back at the end."""
    media = tmp_path_factory.mktemp("demo-media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media), transaction.atomic():
        load_demo(tickets=DEMO_TICKETS)
        yield
        transaction.set_rollback(True)


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def password_of(accounts: list[tuple[str, str, str]], role: str) -> tuple[str, str]:
    (username, password) = next((u, p) for r, u, p in accounts if r == role)
    return username, password


@pytest.mark.usefixtures("loaded_demo", "db")
class TestTheLoadedDemo:
    """One demo, loaded once for the class in a transaction rolled back at its end; each
    test runs in a savepoint of it."""

    # -- the seed's service ---------------------------------------------------------------

    def test_the_demo_has_the_products_of_the_seed_with_the_newest_version_on_sale(self):
        products = {p.name: p for p in Product.objects.prefetch_related("versions")}

        assert set(products) == {"WINDEV", "WEBDEV", "WINDEV Mobile"}
        for product in products.values():
            versions = sorted(product.versions.all(), key=lambda v: v.rank)
            assert [v.name for v in versions] == ["2024", "2025", "2026"]
            assert [v.on_sale for v in versions] == [False, False, True]

    def test_the_paris_calendar_opens_weekdays_9_to_12_and_14_to_18_with_french_holidays(self):
        calendar = BusinessCalendar.objects.get(name="Paris")

        assert calendar.time_zone == "Europe/Paris"
        assert calendar.holiday_country == "FR"
        assert calendar.weekly_hours == {
            str(day): [["09:00", "12:00"], ["14:00", "18:00"]] for day in range(1, 6)
        }

    def test_free_support_promises_an_answer_within_one_working_day_and_at_most_two(self):
        free = Plan.objects.get(code="free")
        targets = {t.metric: t for t in free.sla_targets.all()}
        assert set(targets) == {SlaTarget.Metric.FIRST_RESPONSE, SlaTarget.Metric.NEXT_RESPONSE}

        assert free.name == "Free support"
        assert not free.is_paid
        assert free.requests_per_license == 15
        assert free.covers_only_version_on_sale
        assert free.attachment_limit_bytes == 9 * 1000 * 1000
        for target in targets.values():
            assert target.unit == SlaTarget.Unit.WORKING_DAYS
            assert (target.target, target.limit) == (Decimal("1"), Decimal("2"))

    def test_direct_assistance_is_paid_ranked_above_free_and_answers_the_same_day(self):
        direct = Plan.objects.get(code="direct-assistance")
        targets = {t.metric: t for t in direct.sla_targets.all()}
        assert set(targets) == {SlaTarget.Metric.FIRST_RESPONSE, SlaTarget.Metric.NEXT_RESPONSE}

        assert direct.is_paid
        assert direct.has_designated_engineer
        assert direct.rank > Plan.objects.get(code="free").rank
        for target in targets.values():
            assert target.unit == SlaTarget.Unit.SAME_DAY
            assert target.same_day_cutoff.isoformat() == "16:00:00"
            assert target.target == Decimal("8")

    def test_the_demo_has_teams_technicians_and_customers_around_the_world(self):
        assert Team.objects.filter(is_default=True).count() == 1
        assert Team.objects.filter(lead__isnull=False).count() == Team.objects.count()
        assert Technician.objects.filter(role=Technician.Role.SUPERVISOR).count() == 1
        assert Technician.objects.count() >= 8
        assert Organization.objects.count() >= 40
        assert {"FR", "ES", "BE", "CA", "GB", "MX"} <= set(
            Organization.objects.values_list("country", flat=True)
        )
        assert not Contact.objects.filter(emails__isnull=True).exists()

    # -- idempotence ---------------------------------------------------------------------

    def test_loading_the_demo_again_creates_and_changes_nothing(self):
        before = row_counts()
        tickets_before = list(Ticket.objects.order_by("number").values())
        output = io.StringIO()

        load_demo(tickets=DEMO_TICKETS, stdout=output)

        assert row_counts() == before
        assert list(Ticket.objects.order_by("number").values()) == tickets_before
        assert "0 tickets created" in output.getvalue()

    # -- the tickets ----------------------------------------------------------------------

    def test_the_demo_tickets_cover_three_languages_every_status_and_every_channel(self):
        tickets = Ticket.objects.all()

        assert tickets.count() == DEMO_TICKETS
        assert set(tickets.values_list("language", flat=True)) == {"en", "es", "fr"}
        assert set(tickets.values_list("status", flat=True)) == set(Status.values)
        assert set(tickets.values_list("channel", flat=True)) == CUSTOMER_CHANNELS
        assert len(set(tickets.values_list("priority", flat=True))) >= 3

    def test_phone_tickets_are_in_french_as_the_phone_line_is(self):
        phone = Ticket.objects.filter(channel=Channel.PHONE)

        assert phone.exists()
        assert set(phone.values_list("language", flat=True)) == {"fr"}

    def test_every_demo_ticket_was_opened_and_routed_and_has_a_team(self):
        for ticket in Ticket.objects.all():
            kinds = list(ticket.events.order_by("id").values_list("kind", flat=True))
            assert kinds[:2] == [EventKind.OPENED, EventKind.ROUTED], ticket.reference
            assert ticket.team_id is not None, ticket.reference

    def test_the_status_counters_equal_the_real_counts(self):
        assert count_by_status() == {
            status: Ticket.objects.filter(status=status).count() for status in Status.values
        }
        for team in Team.objects.all():
            assert count_by_status(scope=f"team:{team.pk}") == {
                status: Ticket.objects.filter(team=team, status=status).count()
                for status in Status.values
            }
        for technician in Technician.objects.all():
            assert count_by_status(scope=f"assignee:{technician.pk}") == {
                status: Ticket.objects.filter(assignee=technician, status=status).count()
                for status in Status.values
            }

    def test_every_ticket_counts_its_messages(self):
        for ticket in Ticket.objects.all():
            assert ticket.message_count == Message.objects.filter(ticket=ticket).count()

    def test_the_demo_tickets_are_spread_over_the_past_months(self):
        now = timezone.now()
        created = sorted(Ticket.objects.values_list("created_at", flat=True))

        assert created[0] < now - timedelta(days=60)
        assert created[-1] <= now
        assert len({moment.date() for moment in created}) > DEMO_TICKETS // 2

    def test_the_audit_trail_of_each_ticket_runs_forward_in_time(self):
        for ticket in Ticket.objects.all():
            moments = list(ticket.events.order_by("id").values_list("created_at", flat=True))
            assert moments == sorted(moments), ticket.reference
            assert moments[0] == ticket.created_at

    def test_no_routing_task_is_left_for_the_worker(self):
        assert not DBTaskResult.objects.exists()

    def test_the_conversations_have_answers_notes_attachments_merges_and_rereviews(self):
        kinds = Counter(Message.objects.values_list("kind", flat=True))

        assert kinds[MessageKind.INBOUND] > DEMO_TICKETS
        assert kinds[MessageKind.OUTBOUND] > 0
        assert kinds[MessageKind.NOTE] > 0
        assert Attachment.objects.filter(blob__isnull=False).exists()
        assert Ticket.objects.filter(merged_into__isnull=False).exists()
        assert Ticket.objects.filter(rereview_count__gt=0, status=Status.REREVIEW).exists()
        assert Ticket.objects.filter(rereview_count__gt=0, status=Status.CLOSED).exists()

    def test_direct_assistance_requests_go_to_the_designated_engineer(self):
        subscribed = Ticket.objects.filter(
            plan__code="direct-assistance", merged_into__isnull=True
        ).select_related("subscription__designated_engineer")

        assert subscribed.exists()
        for ticket in subscribed:
            routed = ticket.events.get(kind=EventKind.ROUTED)
            engineer = ticket.subscription.designated_engineer  # type: ignore[union-attr]
            assert routed.data["assignee"] == engineer.display_name

    def test_rereviews_go_to_a_second_technician(self):
        for event in TicketEvent.objects.filter(kind=EventKind.REREVIEW_REQUESTED):
            assert event.data["second_technician"] != event.data["previous_assignee"]

    # -- the admin ------------------------------------------------------------------------

    @pytest.mark.parametrize(
        "url_name",
        [
            "admin:tickets_ticket_changelist",
            "admin:accounts_organization_changelist",
            "admin:plans_plan_changelist",
            "admin:plans_subscription_changelist",
            "admin:accounts_technician_changelist",
        ],
    )
    def test_the_admin_lists_render_for_the_administrator(self, client, url_name):
        username, password = password_of(ensure_demo_accounts(), "admin")
        assert client.login(username=username, password=password)

        assert client.get(reverse(url_name)).status_code == 200

    def test_the_administrator_opens_a_demo_ticket_in_the_admin(self, client):
        ensure_demo_accounts()
        client.force_login(User.objects.get(username="admin"))
        ticket = Ticket.objects.filter(message_count__gt=2).first()
        assert ticket is not None

        response = client.get(reverse("admin:tickets_ticket_change", args=[ticket.pk]))

        assert response.status_code == 200
        assert escape(ticket.subject) in response.content.decode()

    def test_the_technician_account_reads_the_ticket_list_but_changes_nothing(self, client):
        username, password = password_of(ensure_demo_accounts(), "technician")
        assert client.login(username=username, password=password)

        assert client.get(reverse("admin:tickets_ticket_changelist")).status_code == 200
        assert client.get(reverse("admin:accounts_organization_add")).status_code == 403

    def test_the_customer_account_does_not_enter_the_admin(self, client):
        username, password = password_of(ensure_demo_accounts(), "customer")
        assert client.login(username=username, password=password)

        response = client.get(reverse("admin:tickets_ticket_changelist"))

        assert response.status_code == 302


# -- from an empty database -------------------------------------------------------------


def test_asking_for_more_tickets_adds_only_the_missing_ones(db):
    load_demo(tickets=10)
    first_ten = list(Ticket.objects.order_by("number").values_list("number", "subject"))

    load_demo(tickets=25)

    assert Ticket.objects.filter(tags__name="demo").count() == 25
    assert list(Ticket.objects.order_by("number").values_list("number", "subject"))[:10] == (
        first_ten
    )


def test_the_demo_tickets_say_the_same_whatever_the_day_they_are_loaded(db):
    reference = ensure_reference_data()
    today = timezone.now()
    customers = ensure_customers(reference, today=timezone.localdate(today))

    def content(anchor):  # type: ignore[no-untyped-def]
        return [
            (
                p.final,
                p.channel,
                p.language,
                p.customer.contact.pk,
                p.subject,
                p.body,
                [step.action for step in p.steps],
            )
            for p in Planner(reference, customers, anchor).plan(range(DEMO_TICKETS))
        ]

    assert content(today) == content(today - timedelta(days=3, hours=7))


# -- accounts --------------------------------------------------------------------------------


def test_the_demo_accounts_sign_in_with_their_printed_passwords(db, client):
    accounts = ensure_demo_accounts()

    assert [role for role, _username, _password in accounts] == [
        "admin",
        "technician",
        "customer",
    ]
    for _role, username, password in accounts:
        assert client.login(username=username, password=password), username


def test_the_passwords_are_kept_in_a_file_only_the_owner_reads(db):
    accounts = ensure_demo_accounts()

    assert stat.S_IMODE(accounts_file().stat().st_mode) == 0o600
    assert ensure_demo_accounts() == accounts


def test_losing_the_password_file_resets_the_passwords(db, client):
    old_username, old_password = password_of(ensure_demo_accounts(), "admin")
    accounts_file().unlink()

    username, password = password_of(ensure_demo_accounts(), "admin")

    assert username == old_username
    assert password != old_password
    assert not client.login(username=username, password=old_password)
    assert client.login(username=username, password=password)
    assert accounts_file().exists()


def test_the_accounts_have_their_roles(db):
    ensure_demo_accounts()

    admin = User.objects.get(username="admin")
    technician = User.objects.get(username="technician")
    customer = User.objects.get(username="customer")
    assert admin.is_superuser and admin.is_staff
    assert technician.is_staff and not technician.is_superuser
    assert technician.technician.display_name
    assert technician.has_perm("tickets.view_ticket")
    assert not technician.has_perm("tickets.change_ticket")
    assert not customer.is_staff
    assert customer.contact.organization is not None


def test_accounts_made_before_the_demo_join_it(db):
    ensure_demo_accounts()
    load_demo(tickets=5)
    before = row_counts()

    load_demo(tickets=5)
    ensure_demo_accounts()

    technician = Technician.objects.get(user__username="technician")
    assert technician.teams.exists()
    assert row_counts() == before


@pytest.mark.django_db
def test_every_unresolved_demo_ticket_waiting_on_us_has_a_deadline():
    load_demo(tickets=40)
    waiting_on_us = Ticket.objects.filter(status__in=[Status.NEW, Status.OPEN, Status.REREVIEW])
    assert waiting_on_us.exists()
    assert not waiting_on_us.filter(due_at__isnull=True).exists()
    assert not DBTaskResult.objects.exists()
