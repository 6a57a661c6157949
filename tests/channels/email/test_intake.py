"""accept_messages, the group commit behind every door: small mail inline in its blob row,
large mail in a file, one transaction for a batch (all or nothing), repeats found."""

from __future__ import annotations

import pytest
from django.db import IntegrityError
from django_tasks_db.models import DBTaskResult

from supportdesk.channels.email.intake import Incoming, accept_message, accept_messages
from supportdesk.channels.email.models import InboundMail
from supportdesk.core.blobs import read_blob
from supportdesk.core.models import Blob


def message(n: int, body: bytes = b"It crashes.") -> bytes:
    return (
        (
            b"From: Alice <alice@customer.example>\r\n"
            b"To: support@example.com\r\n"
            b"Message-ID: <batch-%d@customer.example>\r\n"
            b"Subject: WINDEV crashes\r\n"
            b"\r\n" % n
        )
        + body
        + b"\r\n"
    )


def incoming(raw: bytes, source: str = "smtp") -> Incoming:
    return Incoming(raw, source, "alice@customer.example", ("support@example.com",))


@pytest.fixture(params=["one transaction", "one statement"])
def database(request: pytest.FixtureRequest) -> None:
    """Both paths: inside a test transaction (`db`), and with commits of their own
    (`transactional_db`, where PostgreSQL stores a batch with one statement)."""
    request.getfixturevalue("db" if request.param == "one transaction" else "transactional_db")


def test_a_small_mail_is_stored_in_its_row_and_read_back_exactly(database, settings):
    settings.SUPPORTDESK = {**settings.SUPPORTDESK, "MAIL_INLINE_MAX_BYTES": 4096}
    raw = message(1, b"\x00\xff binary \r\n.\r\n" * 10)

    mail, created = accept_message(raw, source="smtp")

    assert created
    blob = Blob.objects.get(pk=mail.raw_id)
    assert bytes(blob.inline) == raw
    assert not blob.content
    assert read_blob(mail.raw) == raw


def test_a_mail_over_the_inline_limit_goes_to_a_file(database, settings):
    settings.SUPPORTDESK = {**settings.SUPPORTDESK, "MAIL_INLINE_MAX_BYTES": 100}
    raw = message(2, b"x" * 500)

    mail, _created = accept_message(raw, source="smtp")

    blob = Blob.objects.get(pk=mail.raw_id)
    assert blob.inline is None
    assert blob.content.storage.exists(blob.content.name)
    assert read_blob(blob) == raw


def test_a_batch_is_stored_with_one_task_each_and_repeats_answered_by_the_first(database):
    first = accept_messages([incoming(message(1))])
    raws = [message(1), message(2), message(3), message(3)]

    results = accept_messages([incoming(raw) for raw in raws])

    [(first_id, _)] = first
    assert results[0] == (first_id, False)
    assert results[1][1] and results[2][1]
    assert results[3] == (results[2][0], False)
    assert InboundMail.objects.count() == 3
    assert Blob.objects.count() == 3
    tasks = DBTaskResult.objects.filter(task_path__endswith="process_inbound_mail")
    assert sorted(task.args_kwargs["kwargs"]["mail_id"] for task in tasks) == sorted(
        {first_id, results[1][0], results[2][0]}
    )
    for (mail_id, _new), raw in zip(results, raws, strict=True):
        assert read_blob(InboundMail.objects.get(pk=mail_id).raw) == raw


def test_a_failure_in_a_batch_stores_none_of_it(transactional_db):
    # A NULL source breaks a NOT NULL column: the database refuses the third mail.
    batch = [incoming(message(1)), incoming(message(2)), incoming(message(3), None)]  # type: ignore[arg-type]

    with pytest.raises(IntegrityError):
        accept_messages(batch)

    assert InboundMail.objects.count() == 0
    assert Blob.objects.count() == 0
    assert DBTaskResult.objects.count() == 0
