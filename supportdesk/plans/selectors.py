from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial

from django.db.models import Q, QuerySet

from supportdesk.accounts.models import Organization
from supportdesk.plans.models import Plan, PlanNotice, Subscription


def active_subscription(*, organization: Organization, on: date) -> Subscription | None:
    """The highest-ranked subscription in force on a day, or None (free support applies)."""
    return (
        _in_force(Subscription.objects.filter(organization=organization), on)
        # The calendar too: the acknowledgement states the promise in its time zone.
        .select_related("plan__calendar", "designated_engineer", "backup_engineer")
        .order_by("-plan__rank", "-starts_on")
        .first()
    )


def default_plan() -> Plan | None:
    """The free plan that applies to anyone without a subscription."""
    return Plan.objects.filter(is_paid=False).select_related("calendar").order_by("-rank").first()


# A subscription that ended this recently still earns the customer an explanation.
LAPSED_NOTICE_DAYS = 180


def has_credit_left(subscription: Subscription) -> bool:
    """Prepaid time remains (a subscription sold without credits never runs out)."""
    return subscription.credit_minutes == 0 or (
        subscription.credit_minutes_used < subscription.credit_minutes
    )


@dataclass(frozen=True)
class Coverage:
    """Which plan serves an organization's request, and why, when it is not the one the
    customer may expect: the customer is told plainly, never silently downgraded."""

    plan: Plan | None
    subscription: Subscription | None
    notice: str = ""


# Answers kept by `coverage_kept`, when one is open in this context.
_kept: ContextVar[dict[tuple[int | None, date], Coverage] | None] = ContextVar(
    "kept_coverage", default=None
)


@contextmanager
def coverage_kept() -> Iterator[None]:
    """Within the block, `coverage_for` reads each organization's coverage for a day once
    (the free plan once for every contact without an organization): a batch of mail,
    which lasts a second or two, opens many requests for few organizations. Nothing in
    opening a request changes a subscription or its credit."""
    token = _kept.set({})
    try:
        yield
    finally:
        _kept.reset(token)


def coverage_for(*, organization: Organization | None, on: date) -> Coverage:
    kept = _kept.get()
    if kept is None:
        return _coverage_for(organization=organization, on=on)
    key = (organization.pk if organization is not None else None, on)
    if key not in kept:
        kept[key] = _coverage_for(organization=organization, on=on)
    return kept[key]


def keep_coverage_of(organizations: Iterable[Organization], *, on: date) -> None:
    """Within `coverage_kept`, read the coverage of these organizations in three queries
    whatever their number (a batch of mail reads its senders' before opening anything);
    outside it, nothing."""
    kept = _kept.get()
    if kept is None:
        return
    missing = {org.pk: org for org in organizations if (org.pk, on) not in kept}
    if not missing:
        return
    best: dict[int, Subscription] = {}
    for subscription in (
        _in_force(Subscription.objects.filter(organization__in=list(missing)), on)
        .select_related("plan__calendar", "designated_engineer", "backup_engineer")
        .order_by("organization_id", "-plan__rank", "-starts_on")
    ):
        best.setdefault(subscription.organization_id, subscription)
    lapsed = set(
        _lapsed(Subscription.objects.filter(organization__in=list(missing)), on).values_list(
            "organization_id", flat=True
        )
    )
    free = coverage_for(organization=None, on=on).plan
    for org_id in missing:
        kept[(org_id, on)] = _coverage_from(
            best.get(org_id), lapsed=partial(operator.contains, lapsed, org_id), free=lambda: free
        )


def _in_force(subscriptions: QuerySet[Subscription], on: date) -> QuerySet[Subscription]:
    return subscriptions.filter(starts_on__lte=on).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=on)
    )


def _lapsed(subscriptions: QuerySet[Subscription], on: date) -> QuerySet[Subscription]:
    return subscriptions.filter(
        plan__is_paid=True,
        ends_on__lt=on,
        ends_on__gte=on - timedelta(days=LAPSED_NOTICE_DAYS),
    )


def _coverage_for(*, organization: Organization | None, on: date) -> Coverage:
    if organization is None:
        return Coverage(plan=default_plan(), subscription=None)
    return _coverage_from(
        active_subscription(organization=organization, on=on),
        lapsed=lambda: _lapsed(Subscription.objects.filter(organization=organization), on).exists(),
        free=default_plan,
    )


def _coverage_from(
    subscription: Subscription | None,
    *,
    lapsed: Callable[[], bool],
    free: Callable[[], Plan | None],
) -> Coverage:
    """The coverage an organization has with this subscription in force (or none); the
    free plan and whether a subscription lapsed are asked only where they matter."""
    if subscription is not None:
        if has_credit_left(subscription):
            return Coverage(plan=subscription.plan, subscription=subscription)
        return Coverage(plan=free(), subscription=None, notice=PlanNotice.CREDITS_EXHAUSTED)
    return Coverage(
        plan=free(),
        subscription=None,
        notice=PlanNotice.SUBSCRIPTION_EXPIRED if lapsed() else "",
    )
