"""core.deferred: new rows held until a batch's flush, then one INSERT a table."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from supportdesk.accounts.models import Contact, Organization
from supportdesk.core import deferred
from supportdesk.tickets import tasks as ticket_tasks

pytestmark = pytest.mark.django_db


def inserts(captured: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if q["sql"].startswith("INSERT")]


def test_outside_a_batch_rows_are_written_and_callbacks_run_at_once() -> None:
    ran: list[int | None] = []
    organization = Organization(name="Acme", customer_number="C-1")

    deferred.save_new(organization)
    deferred.after_saved(lambda: ran.append(organization.pk))

    assert Organization.objects.filter(pk=organization.pk).exists()
    assert ran == [organization.pk]


def test_a_batch_writes_nothing_before_its_flush_then_one_insert_a_table() -> None:
    with deferred.deferred_inserts() as pending:
        organizations = [Organization(name=f"Org {n}", customer_number=f"C-{n}") for n in range(3)]
        # Added before the organizations they point to: written after them all the same.
        contacts = [Contact(name=f"Person {n}", organization=organizations[n]) for n in range(3)]
        for row in [*contacts, *organizations]:
            deferred.save_new(row)
        assert not Organization.objects.exists()

        with CaptureQueriesContext(connection) as captured:
            written = pending.flush()

    assert written == 6
    assert len(inserts(captured)) == 2
    assert inserts(captured)[0].startswith('INSERT INTO "accounts_organization"')
    for contact, organization in zip(contacts, organizations, strict=True):
        assert Contact.objects.get(pk=contact.pk).organization_id == organization.pk


def test_what_a_rolled_back_item_kept_is_discarded_with_it() -> None:
    ran: list[str] = []
    with deferred.deferred_inserts() as pending:
        deferred.save_new(Organization(name="Kept", customer_number="C-1"))
        deferred.after_saved(lambda: ran.append("kept"))
        mark = pending.mark()
        deferred.save_new(Organization(name="Rolled back", customer_number="C-2"))
        deferred.after_saved(lambda: ran.append("rolled back"))
        pending.discard_since(mark)
        pending.flush()

    assert list(Organization.objects.values_list("name", flat=True)) == ["Kept"]
    assert ran == ["kept"]


def test_callbacks_see_the_ids_and_their_own_rows_are_written_by_the_same_flush() -> None:
    with deferred.deferred_inserts() as pending:
        organization = Organization(name="Acme", customer_number="C-1")
        deferred.save_new(organization)
        deferred.after_saved(
            lambda: deferred.save_new(
                Contact(name=f"of {organization.pk}", organization_id=organization.pk)
            )
        )
        pending.flush()

    assert Contact.objects.get().name == f"of {organization.pk}"


def test_immediate_inserts_write_at_once_inside_a_batch() -> None:
    with deferred.deferred_inserts():
        with deferred.immediate_inserts():
            deferred.save_new(Organization(name="Now", customer_number="C-1"))
        assert Organization.objects.filter(name="Now").exists()


def test_a_deferred_task_row_is_the_one_the_backend_would_write() -> None:
    run_after = timezone.now() + timedelta(hours=2)
    task = ticket_tasks.check_deadline.using(run_after=run_after)
    task.enqueue(deadline_id=7)
    enqueued = DBTaskResult.objects.get()

    with deferred.deferred_inserts() as pending:
        deferred.enqueue(task, deadline_id=7)
        assert DBTaskResult.objects.count() == 1
        pending.flush()

    kept = DBTaskResult.objects.exclude(pk=enqueued.pk).get()
    fields = ["args_kwargs", "priority", "task_path", "queue_name", "run_after", "backend_name"]
    fields += ["status"]
    assert {f: getattr(kept, f) for f in fields} == {f: getattr(enqueued, f) for f in fields}
    assert kept.task.func is ticket_tasks.check_deadline.func


# What an array literal would have to escape (quotes, backslashes, braces, commas, the word
# NULL, blanks), accents and a long text: on PostgreSQL the flush sends each column as one
# binary array parameter, and every value must come back as it went in.
AWKWARD_TEXTS = [
    'Say "hello"',
    "C:\\Users\\dev\\report.pdf",
    "{1,2}",
    "a, b",
    "NULL",
    "",
    " leading and trailing ",
    "Société Générale — à l'été",
    "x" * 20_000,
]


def test_a_flush_writes_every_text_and_json_value_as_it_was() -> None:
    task = ticket_tasks.check_deadline.using(run_after=timezone.now() + timedelta(hours=1))
    with deferred.deferred_inserts() as pending:
        organizations = [
            Organization(name=text[:200], customer_number=f"C-{n}")
            for n, text in enumerate(AWKWARD_TEXTS)
        ]
        contacts = [
            Contact(name=text[:200], organization=organization)
            for text, organization in zip(AWKWARD_TEXTS, organizations, strict=True)
        ]
        for row in [*organizations, *contacts]:
            deferred.save_new(row)
        deferred.enqueue(task, deadline_id=7, note=AWKWARD_TEXTS, nothing=None)
        deferred.enqueue(task, deadline_id=8, note={"q": '"{,}"', "n": [1, None]})
        pending.flush()

    assert [Organization.objects.get(pk=o.pk).name for o in organizations] == [
        text[:200] for text in AWKWARD_TEXTS
    ]
    assert [Contact.objects.get(pk=c.pk).organization_id for c in contacts] == [
        o.pk for o in organizations
    ]
    assert sorted(
        (row.args_kwargs["kwargs"] for row in DBTaskResult.objects.all()),
        key=lambda kwargs: kwargs["deadline_id"],
    ) == [
        {"deadline_id": 7, "note": AWKWARD_TEXTS, "nothing": None},
        {"deadline_id": 8, "note": {"q": '"{,}"', "n": [1, None]}},
    ]
