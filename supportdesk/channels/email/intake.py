"""Accepting mail durably: the functions every door (SMTP, LMTP, IMAP, pipe) calls."""

from __future__ import annotations

import functools
import hashlib
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from email.policy import compat32
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django_tasks import task_backends
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult, get_date_max

from supportdesk.channels.email import tasks as mail_tasks
from supportdesk.channels.email.models import InboundMail
from supportdesk.core.blobs import insert_blobs, prepare_blobs
from supportdesk.core.clock import now
from supportdesk.core.models import Blob
from supportdesk.core.rows import (
    insert_rows,
    raw_cursor,
    row_params,
    typed_placeholder,
    typed_row,
    writable_fields,
)

MAX_MESSAGE_ID_LENGTH = 255


def read_message_id(raw: bytes) -> str:
    """The Message-ID header, trimmed of brackets and blanks; "" when absent or unusable.
    Read with the lenient compat32 policy: a broken header must never refuse the mail."""
    # The header section only: the parser would otherwise go through the whole body.
    end = raw.find(b"\r\n\r\n")
    if end < 0:
        end = raw.find(b"\n\n")
    head = raw if end < 0 else raw[: end + 2]
    try:
        headers = BytesHeaderParser(policy=compat32).parsebytes(head, headersonly=True)
        value = str(headers.get("Message-ID", "") or "")
    except Exception:  # any parse failure means "no usable id"
        return ""
    # Printable characters only: a NUL (refused by PostgreSQL in text) would make every
    # delivery attempt fail with 451, forever.
    value = "".join(ch for ch in value if ch.isprintable() and not ch.isspace()).strip("<>")
    return value[:MAX_MESSAGE_ID_LENGTH]


def printable(text: str, limit: int) -> str:
    return "".join(ch for ch in text if ch.isprintable())[:limit]


@dataclass(frozen=True)
class Incoming:
    """One message as a door received it."""

    raw: bytes
    source: str
    envelope_from: str = ""
    envelope_to: Sequence[str] = field(default_factory=tuple)
    # The SMTP client, as the door saw it (the local SPF check needs both); unknown: "".
    client_address: str = ""
    client_helo: str = ""


def _ip_address(text: str) -> str | None:
    """The client's IP address for the row, None when the door knows none (a pipe, IMAP,
    a Unix socket)."""
    try:
        return str(ipaddress.ip_address(text.split("%")[0]))
    except ValueError:
        return None


def accept_message(
    raw: bytes, *, source: str, envelope_from: str = "", envelope_to: Sequence[str] = ()
) -> tuple[InboundMail, bool]:
    """Store the bytes and commit a row, with its processing task, in one transaction.
    Returns the row and whether it is new (False: the same message was accepted before).

    Raises on any storage or database failure: the caller answers 451 (SMTP) or exits 75
    (pipe) so the sender retries. Only after this returns may the sender be told "250".
    """
    [(mail_id, created)] = accept_messages(
        [Incoming(raw, source, envelope_from, tuple(envelope_to))]
    )
    return InboundMail.objects.get(pk=mail_id), created


def accept_messages(batch: Sequence[Incoming]) -> list[tuple[int, bool]]:
    """Store several messages, their rows and their processing tasks in ONE transaction
    (group commit: one commit, one WAL flush for all of them); for each, in order, the row
    id and whether it is new. All or nothing: on any failure it raises and none of them is
    stored, so every sender of the batch is answered 451 and retries.

    Three statements whatever the batch size (blobs, rows, tasks), plus one read when some
    message was accepted before: no lookup first, the unique constraint on (Message-ID,
    hash) decides, and a repeat (a retry after a lost 250) is found after the insert."""
    if not batch:
        return []
    message_ids = [read_message_id(item.raw) for item in batch]
    digests = [hashlib.sha256(item.raw).hexdigest() for item in batch]
    keys = list(zip(message_ids, digests, strict=True))
    blobs = prepare_blobs(
        [item.raw for item in batch],
        digests,
        inline_max_bytes=settings.SUPPORTDESK["MAIL_INLINE_MAX_BYTES"],
    )
    rows = [
        {
            "received_at": now(),
            "source": item.source,
            "envelope_from": printable(item.envelope_from, 320),
            "envelope_to": [printable(address, 320) for address in item.envelope_to],
            "client_address": _ip_address(item.client_address),
            "client_helo": printable(item.client_helo, 255),
            "header_message_id": message_id,
            "sha256": digest,
            "size": len(item.raw),
        }
        for item, (message_id, digest) in zip(batch, keys, strict=True)
    ]
    if (
        connection.vendor == "postgresql"
        and not connection.in_atomic_block
        and isinstance(task_backends[mail_tasks.process_inbound_mail.backend], DatabaseBackend)
    ):
        stored = _store_in_one_statement(blobs, rows)
    else:
        stored = _store_in_one_transaction(blobs, rows)
    # Each message's row; the first of two equal messages in one batch is the new one.
    results = []
    for key in keys:
        mail_id, created = stored[key]
        results.append((mail_id, created))
        stored[key] = (mail_id, False)
    return results


def _store_in_one_transaction(
    blobs: list[dict[str, Any]], rows: list[dict[str, Any]]
) -> dict[tuple[str, str], tuple[int, bool]]:
    """Blobs, rows and tasks in three statements of one transaction (SQLite, or inside a
    caller's transaction); (id, new) by (Message-ID, hash)."""
    _sqlite_durable_commit()
    with transaction.atomic(), raw_cursor() as cursor:
        blob_ids = insert_blobs(cursor, blobs, [row["sha256"] for row in rows])
        for row, blob_id in zip(rows, blob_ids, strict=True):
            row["raw_id"] = blob_id
        inserted = insert_rows(
            cursor,
            InboundMail,
            rows,
            skip_conflicts_on=["header_message_id", "sha256"],
            returning=["id", "header_message_id", "sha256"],
        )
        stored = {(message_id, digest): (mail_id, True) for mail_id, message_id, digest in inserted}
        _enqueue_processing(cursor, [mail_id for mail_id, _new in stored.values()])
    repeats = {(row["header_message_id"], row["sha256"]) for row in rows} - stored.keys()
    if repeats:
        # Accepted before (or twice in this batch): the first one's row answers.
        stored.update((key, (mail_id, False)) for key, mail_id in _existing_ids(repeats).items())
    return stored


def _store_in_one_statement(
    blobs: list[dict[str, Any]], rows: list[dict[str, Any]]
) -> dict[tuple[str, str], tuple[int, bool]]:
    """PostgreSQL: blobs, rows and tasks in ONE statement (a statement is a transaction of
    its own in autocommit: one round trip and one WAL flush for the batch, where BEGIN,
    three inserts and COMMIT took five round trips); (id, new) by (Message-ID, hash).

    A message whose blob another transaction stored while this statement ran gets no row
    (the statement cannot see that blob yet): it goes again in a second statement."""
    stored: dict[tuple[str, str], tuple[int, bool]] = {}
    pending = rows
    for _attempt in range(3):
        shas = {row["sha256"] for row in pending}
        sql, params = _one_statement_sql(
            [blob for blob in blobs if blob["sha256"] in shas], pending
        )
        with raw_cursor() as cursor:
            cursor.execute(sql, params)
            stored.update(
                ((message_id, digest), (mail_id, created))
                for mail_id, message_id, digest, created in cursor.fetchall()
            )
        pending = [
            row for row in pending if (row["header_message_id"], row["sha256"]) not in stored
        ]
        if not pending:
            return stored
    raise RuntimeError(f"{len(pending)} mail(s) not stored after 3 attempts: try again")


def _one_statement_sql(
    blobs: list[dict[str, Any]], rows: list[dict[str, Any]]
) -> tuple[str, list[Any]]:
    blob_fields, mail_fields, task_fields = _statement_fields()
    task = mail_tasks.process_inbound_mail
    backend = task_backends[task.backend]
    backend.validate_task(task)
    # What the database backend's `enqueue` writes (run_after as its pre_save sets it).
    task_values = {
        "enqueued_at": now(),
        "priority": task.priority,
        "task_path": task.module_path,
        "queue_name": task.queue_name,
        "run_after": task.run_after or get_date_max(),
        "backend_name": backend.alias,
    }
    return _statement(len(blobs), len(rows)), [
        *row_params(blob_fields, blobs),
        [blob["sha256"] for blob in blobs],
        *row_params(mail_fields, rows),
        *row_params(task_fields, [task_values]),
        *(value for row in rows for value in (row["header_message_id"], row["sha256"])),
    ]


# Fields of the one statement, with a value from Python; the others have an SQL expression.
TASK_EXPRESSIONS = {
    "id": "gen_random_uuid()",
    "args_kwargs": (
        "jsonb_build_object('args', '[]'::jsonb,"
        " 'kwargs', jsonb_build_object('mail_id', new_mail.id))"
    ),
}


@functools.cache
def _statement_fields() -> tuple[list[Any], list[Any], list[Any]]:
    return (
        writable_fields(Blob, leave_out=["id"]),
        writable_fields(InboundMail, leave_out=["id", "raw_id"]),
        writable_fields(DBTaskResult, leave_out=list(TASK_EXPRESSIONS)),
    )


@functools.lru_cache(maxsize=256)
def _statement(blob_count: int, row_count: int) -> str:
    """The statement for a batch shape (its text is then the same, and psycopg prepares
    it after a few runs). Blobs, rows with their blob's id, the processing task of each
    new row, then the id of every message: new ones, and those accepted before."""
    quote = connection.ops.quote_name
    blob_fields, mail_fields, task_fields = _statement_fields()
    blob_table = quote(Blob._meta.db_table)
    mail_table = quote(InboundMail._meta.db_table)
    blob_columns = ", ".join(quote(f.column) for f in blob_fields)
    mail_columns = [quote(f.column) for f in mail_fields]
    computed = [f for f in DBTaskResult._meta.concrete_fields if f.attname in TASK_EXPRESSIONS]
    task_columns = [quote(f.column) for f in [*task_fields, *computed]]
    task_expressions = [typed_placeholder(f) for f in task_fields] + [
        TASK_EXPRESSIONS[f.attname] for f in computed
    ]
    blob_values = ", ".join([typed_row(blob_fields)] * blob_count)
    mail_values = ", ".join([typed_row(mail_fields)] * row_count)
    key_values = ", ".join(["(%s::text, %s::text)"] * row_count)
    # Names come from the models; every value is a parameter.
    return f"""
        WITH new_blob AS (
            INSERT INTO {blob_table} ({blob_columns}) VALUES {blob_values}
            ON CONFLICT (sha256) DO NOTHING RETURNING id, sha256
        ), blob AS (
            SELECT id, sha256 FROM new_blob
            UNION ALL SELECT id, sha256 FROM {blob_table} WHERE sha256 = ANY(%s)
        ), new_mail AS (
            INSERT INTO {mail_table} ({", ".join(mail_columns)}, raw_id)
            SELECT {", ".join("v." + c for c in mail_columns)}, blob.id
            FROM (VALUES {mail_values}) AS v ({", ".join(mail_columns)})
            JOIN blob ON blob.sha256 = v.sha256
            ON CONFLICT (header_message_id, sha256) DO NOTHING
            RETURNING id, header_message_id, sha256
        ), new_task AS (
            INSERT INTO {quote(DBTaskResult._meta.db_table)} ({", ".join(task_columns)})
            SELECT {", ".join(task_expressions)} FROM new_mail
        )
        SELECT id, header_message_id, sha256, true FROM new_mail
        UNION ALL
        SELECT id, header_message_id, sha256, false FROM {mail_table}
        WHERE (header_message_id, sha256) IN (VALUES {key_values})
    """  # noqa: S608


def _existing_ids(keys: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
    found: dict[tuple[str, str], int] = {}
    for message_id, digest in keys:
        found[(message_id, digest)] = InboundMail.objects.values_list("pk", flat=True).get(
            header_message_id=message_id, sha256=digest
        )
    return found


def _enqueue_processing(cursor: Any, mail_ids: list[int]) -> None:
    """The processing task of each new row, in the same transaction: with the database
    task backend, one multi-row insert of what its `enqueue` writes, row for row (without
    its debug-log signal; run_after as its pre_save handler sets it); any other backend
    gets its own `enqueue` per mail."""
    task = mail_tasks.process_inbound_mail
    backend = task_backends[task.backend]
    if not isinstance(backend, DatabaseBackend):
        for mail_id in mail_ids:
            task.enqueue(mail_id=mail_id)
        return
    if not mail_ids:
        return
    backend.validate_task(task)
    enqueued_at = now()
    insert_rows(
        cursor,
        DBTaskResult,
        [
            {
                "id": backend._get_id(),
                "enqueued_at": enqueued_at,
                "args_kwargs": {"args": [], "kwargs": {"mail_id": mail_id}},
                "priority": task.priority,
                "task_path": task.module_path,
                "queue_name": task.queue_name,
                "run_after": task.run_after or get_date_max(),
                "backend_name": backend.alias,
            }
            for mail_id in mail_ids
        ],
    )


def _sqlite_durable_commit() -> None:
    """SQLite runs with synchronous=NORMAL (WAL), which may lose the last commits on a
    power loss; a mail is answered 250 after its commit, so intake's commits sync the WAL
    (FULL; the setting is per connection, and group commit pays it once per batch)."""
    # Inside a caller's transaction the commit is the caller's (and SQLite refuses the
    # change there). In-process, no round trip: cheaper than remembering which connection
    # had it.
    if connection.vendor == "sqlite" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=FULL")
