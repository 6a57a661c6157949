from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from supportdesk.plans.models import SlaTarget


def target(**fields):  # type: ignore[no-untyped-def]
    values = {
        "metric": SlaTarget.Metric.FIRST_RESPONSE,
        "unit": SlaTarget.Unit.WORKING_DAYS,
        "target": Decimal(1),
    }
    values.update(fields)
    return SlaTarget(**values)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"target": Decimal("1.5")}, "target"),
        ({"target": Decimal(0)}, "target"),
        ({"limit": Decimal("0.5")}, "limit"),
        ({"unit": SlaTarget.Unit.SAME_DAY, "target": Decimal(8)}, "same_day_cutoff"),
    ],
    ids=["half a working day", "zero", "limit before target", "same day without cut-off"],
)
def test_a_promise_the_arithmetic_cannot_keep_is_refused_by_field(fields, field):
    with pytest.raises(ValidationError) as error:
        target(**fields).clean()
    assert field in error.value.message_dict


def test_the_seed_promise_is_accepted():
    target(limit=Decimal(2)).clean()
