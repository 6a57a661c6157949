"""When things happen in the demo: technicians work the Paris office hours (the seed's
9:00-12:00 and 14:00-18:00, Monday to Friday), customers write while awake.

Public holidays are ignored here: the demo only needs plausible dates; the service-level
arithmetic lives in `supportdesk.sla`.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
WORKING_HOURS = ((9, 12), (14, 18))


def working_moment(at: datetime, rng: random.Random) -> datetime:
    """`at` if the Paris office is open then, else a few minutes after it next opens."""
    local = at.astimezone(PARIS)
    for _ in range(8):
        if local.weekday() < 5:
            for start, end in WORKING_HOURS:
                opens = local.replace(hour=start, minute=0, second=0, microsecond=0)
                closes = local.replace(hour=end, minute=0, second=0, microsecond=0)
                if local < opens:
                    return (opens + timedelta(minutes=rng.randint(2, 40))).astimezone(at.tzinfo)
                if local < closes:
                    return at
        local = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return at


def waking_moment(at: datetime, rng: random.Random) -> datetime:
    """Customers write from 7:00 to 21:00 their time (roughly: Paris time)."""
    local = at.astimezone(PARIS)
    if local.hour < 7:
        local = local.replace(hour=8, minute=rng.randint(0, 59))
    elif local.hour >= 21:
        local = (local + timedelta(days=1)).replace(hour=8, minute=rng.randint(0, 59))
    return local.astimezone(at.tzinfo)


class Timeline:
    def __init__(self, start: datetime, rng: random.Random) -> None:
        self.at = start
        self.rng = rng

    def _after(self, low_hours: float, high_hours: float) -> datetime:
        return self.at + timedelta(hours=self.rng.uniform(low_hours, high_hours))

    def technician(self, low_hours: float, high_hours: float) -> datetime:
        self.at = working_moment(self._after(low_hours, high_hours), self.rng)
        return self.at

    def customer(self, low_hours: float, high_hours: float) -> datetime:
        self.at = waking_moment(self._after(low_hours, high_hours), self.rng)
        return self.at

    def system(self, low_hours: float, high_hours: float) -> datetime:
        self.at = self._after(low_hours, high_hours)
        return self.at
