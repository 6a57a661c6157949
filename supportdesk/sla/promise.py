"""The promise stated to a customer: "we will answer by Tuesday 26 November, 12:00"."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import translation
from django.utils.dateformat import format as format_date

# Django's date format characters; names of days and months come from Django's own
# translations of the language in force.
_FORMATS = {
    "en": "l j F, H:i",
    "es": r"l j \d\e F, H:i",
    "fr": "l j F, H:i",
}


def format_promise(at: datetime, *, time_zone: str, language: str) -> str:
    local = at.astimezone(ZoneInfo(time_zone))
    with translation.override(language):
        return format_date(local, _FORMATS.get(language, _FORMATS["en"]))
