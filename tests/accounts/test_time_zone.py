from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone

from supportdesk.accounts.middleware import TechnicianTimeZoneMiddleware


def zone_seen_by(user) -> str:  # type: ignore[no-untyped-def]
    seen: list[str] = []

    def view(request):  # type: ignore[no-untyped-def]
        seen.append(timezone.get_current_timezone_name())
        return HttpResponse()

    request = RequestFactory().get("/")
    request.user = user
    TechnicianTimeZoneMiddleware(view)(request)
    return seen[0]


def test_a_technician_reads_times_in_their_own_time_zone(technician):
    technician.time_zone = "America/Montreal"
    technician.save()
    assert zone_seen_by(technician.user) == "America/Montreal"


def test_anyone_else_reads_times_in_the_service_time_zone(db, settings):
    assert zone_seen_by(AnonymousUser()) == settings.TIME_ZONE


def test_an_unknown_time_zone_falls_back_to_the_service_one(technician, settings):
    technician.time_zone = "Mars/Olympus"
    technician.save()
    assert zone_seen_by(technician.user) == settings.TIME_ZONE
