"""A clock the demo moves by hand, so tickets carry the dates of the past months.

Every service reads the time through `supportdesk.core.clock.now()`, which asks Django's
`timezone` module. The demo replaces that module, for `supportdesk.core.clock` only, by an
object whose `now()` returns the time the demo chose: the rest of Django (sessions, task
rows, `auto_now` fields) keeps the real time. The replacement is checked when it is put in
place, so a change in `supportdesk.core.clock` fails loudly instead of dating every demo
ticket today.

The clock is process-wide while it is in place: load the demo before serving requests.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from unittest import mock

from supportdesk.core import clock as core_clock


class DemoClock:
    def __init__(self, at: datetime) -> None:
        self._at = at

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("the demo clock takes aware datetimes")
        self._at = at


@contextmanager
def demo_clock(start: datetime) -> Iterator[DemoClock]:
    clock = DemoClock(start)
    with mock.patch.object(core_clock, "timezone", clock):
        if core_clock.now() != start:
            raise RuntimeError(
                "supportdesk.core.clock.now() no longer reads django.utils.timezone.now(); "
                "update supportdesk.demo.clock to move the clock the services read"
            )
        yield clock
