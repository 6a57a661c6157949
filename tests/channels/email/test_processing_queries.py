"""How many statements processing one mail costs: each is a round trip to the database on
the path that turns mail into tickets (bench/mail_processing.py). A change that adds one
should be a choice, made here on purpose."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from supportdesk.accounts.models import Contact
from supportdesk.channels.email.intake import accept_message
from supportdesk.channels.email.models import InboundMail
from supportdesk.channels.email.processing import process_mail
from supportdesk.plans.models import Plan, SlaTarget
from supportdesk.sla.policy import clear_caches
from supportdesk.tickets.models import Ticket
from tests.channels.email.conftest import read_fixture

# Transaction control differs between the databases (SQLite's BEGIN IMMEDIATE is a
# statement, PostgreSQL's BEGIN is implicit); only statements that read or write rows count.
TRANSACTION_CONTROL = ("BEGIN", "SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK", "COMMIT")


@contextmanager
def statements() -> Iterator[list[str]]:
    found: list[str] = []
    with CaptureQueriesContext(connection) as captured:
        yield found
    found.extend(
        query["sql"]
        for query in captured.captured_queries
        if not query["sql"].lstrip().upper().startswith(TRANSACTION_CONTROL)
    )


@pytest.fixture
def plan_with_promises(free_plan: Plan) -> Plan:
    for metric in (SlaTarget.Metric.FIRST_RESPONSE, SlaTarget.Metric.RESOLUTION):
        SlaTarget.objects.create(
            plan=free_plan, metric=metric, unit=SlaTarget.Unit.WORKING_DAYS, target=Decimal(2)
        )
    return free_plan


def accepted(raw: bytes) -> InboundMail:
    mail, _created = accept_message(
        raw,
        source="smtp",
        envelope_from="dev@customer.example",
        envelope_to=["support@example.com"],
    )
    return mail


@pytest.fixture
def warm(plan_with_promises: Plan, customer: Contact) -> None:
    """One mail processed first: the plan's terms and calendar are read once per process
    (sla.policy's cache), not per mail; the counts below are a warm worker's."""
    clear_caches()
    process_mail(mail_id=accepted(read_fixture("plain_text")).pk)


def test_a_new_request_from_a_known_customer_costs_25_statements(warm: None) -> None:
    mail = accepted(read_fixture("plain_text").replace(b"plain-1@", b"plain-2@"))
    with statements() as executed:
        outcome = process_mail(mail_id=mail.pk)
    assert outcome.startswith("opened ")
    # Read the mail, claim it, find the contact (with its organization), the products its
    # organization is licensed for (the mail names none: the product guess; the catalog is
    # cached like the plan), the free plan (with its calendar), the subscription and
    # whether one lapsed, the organization's licences (the entitlement check; a licensed
    # request adds its count); number, ticket (with its due date, computed before it is
    # written), message, two deadlines and their four checks, the counter, the event, the
    # routing task; the acknowledgement (a customer-wide attachment agreement for an upload
    # link, hourly cap, outbox row, send task; the promise is the deadline just computed;
    # the files removed from the request are looked up only when the mail carried files);
    # and the mail's outcome.
    assert len(executed) == 25, "\n".join(executed)


def test_a_reply_on_a_ticket_costs_8_statements(warm: None) -> None:
    ticket = Ticket.objects.get()
    mail = accepted(read_fixture("reply_subject_reference", REFERENCE=ticket.reference))
    with statements() as executed:
        outcome = process_mail(mail_id=mail.pk)
    assert outcome == f"replied {ticket.reference}"
    # Read the mail, claim it, the contact, the ticket by number with its row lock (the
    # reply does not lock and read it again), the message, whether an answer is owed
    # already, the columns the reply changed, the event, the mail's outcome.
    assert len(executed) == 8, "\n".join(executed)
