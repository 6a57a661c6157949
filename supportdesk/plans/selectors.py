from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Q

from supportdesk.accounts.models import Organization
from supportdesk.plans.models import Plan, PlanNotice, Subscription


def active_subscription(*, organization: Organization, on: date) -> Subscription | None:
    """The highest-ranked subscription in force on a day, or None (free support applies)."""
    return (
        Subscription.objects.filter(organization=organization, starts_on__lte=on)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))
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


def coverage_for(*, organization: Organization | None, on: date) -> Coverage:
    if organization is None:
        return Coverage(plan=default_plan(), subscription=None)
    subscription = active_subscription(organization=organization, on=on)
    if subscription is not None:
        if has_credit_left(subscription):
            # The free plan is read only where it applies, not for a subscriber's request.
            return Coverage(plan=subscription.plan, subscription=subscription)
        return Coverage(plan=default_plan(), subscription=None, notice=PlanNotice.CREDITS_EXHAUSTED)
    lapsed = Subscription.objects.filter(
        organization=organization,
        plan__is_paid=True,
        ends_on__lt=on,
        ends_on__gte=on - timedelta(days=LAPSED_NOTICE_DAYS),
    ).exists()
    return Coverage(
        plan=default_plan(),
        subscription=None,
        notice=PlanNotice.SUBSCRIPTION_EXPIRED if lapsed else "",
    )
