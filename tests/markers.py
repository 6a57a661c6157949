"""Marks for tests that need real concurrent transactions.

SQLite lets one writer in at a time (its database lock), so what such a test proves there is
nothing; it runs on PostgreSQL, as in CI."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import pytest
from django.conf import settings

F = TypeVar("F", bound=Callable[..., object])

CONCURRENT_WRITERS = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="needs concurrent writers: SQLite runs one write transaction at a time",
    ),
    pytest.mark.django_db(transaction=True),
]


def concurrent_writers(test: F) -> F:
    """The CONCURRENT_WRITERS marks on one test."""
    for mark in reversed(CONCURRENT_WRITERS):
        test = mark(test)
    return test
