"""The one place that reads the time, so tests can move it (time-machine) and code can't drift."""

from datetime import datetime

from django.utils import timezone


def now() -> datetime:
    return timezone.now()
