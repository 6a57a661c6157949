from __future__ import annotations

from django.db import models


class Blob(models.Model):
    """Bytes stored once, addressed by their SHA-256 (attachments, raw mail): in a file
    (`content`), or, for small raw mail, in the row itself (`inline`), which the database's
    own commit makes durable without a file and an fsync of its own. Read with
    core.blobs.read_blob, which knows both."""

    sha256 = models.CharField(max_length=64, unique=True)
    size = models.BigIntegerField()
    content = models.FileField(upload_to="blobs/", max_length=200, blank=True)
    inline = models.BinaryField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.sha256[:12]} ({self.size} bytes)"


class BusinessCalendar(models.Model):
    """Working hours of a service: a time zone, a weekly schedule, public holidays, exceptions.

    `weekly_hours` maps ISO weekday numbers ("1" = Monday) to lists of ["HH:MM", "HH:MM"]
    intervals in the calendar's own time zone; the arithmetic lives in the SLA app.
    """

    name = models.CharField(max_length=100, unique=True)
    time_zone = models.CharField(max_length=64, default="Europe/Paris")
    weekly_hours = models.JSONField(default=dict)
    holiday_country = models.CharField(
        max_length=2, blank=True, help_text="ISO country code for public holidays, e.g. FR."
    )
    holiday_subdivision = models.CharField(max_length=10, blank=True)

    def __str__(self) -> str:
        return self.name


class CalendarException(models.Model):
    """A one-off closure (or opening, with its own hours) decided by a supervisor."""

    class Kind(models.TextChoices):
        CLOSED = "closed", "Closed"
        OPEN = "open", "Open with special hours"

    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="exceptions"
    )
    day = models.DateField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    hours = models.JSONField(default=list, blank=True)
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["calendar", "day"], name="one_exception_per_calendar_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.calendar}: {self.day} {self.kind}"
