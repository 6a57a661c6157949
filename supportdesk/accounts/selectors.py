from __future__ import annotations

from datetime import datetime

from supportdesk.accounts.models import Absence, Technician


def is_available(technician: Technician, at: datetime) -> bool:
    """Active and not away at that moment (outside working hours still counts as
    available: the request waits for their next working day, as the plan promises)."""
    if not technician.is_active:
        return False
    return not Absence.objects.filter(
        technician=technician, starts_at__lte=at, ends_at__gt=at
    ).exists()
