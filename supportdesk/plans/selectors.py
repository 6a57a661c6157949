from __future__ import annotations

from datetime import date

from django.db.models import Q

from supportdesk.accounts.models import Organization
from supportdesk.plans.models import Plan, Subscription


def active_subscription(*, organization: Organization, on: date) -> Subscription | None:
    """The highest-ranked subscription in force on a day, or None (free support applies)."""
    return (
        Subscription.objects.filter(organization=organization, starts_on__lte=on)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))
        .select_related("plan", "designated_engineer", "backup_engineer")
        .order_by("-plan__rank", "-starts_on")
        .first()
    )


def default_plan() -> Plan | None:
    """The free plan that applies to anyone without a subscription."""
    return Plan.objects.filter(is_paid=False).order_by("-rank").first()
