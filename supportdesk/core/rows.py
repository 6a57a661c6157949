"""Multi-row inserts for hot paths (mail intake): one statement for many rows, through a
cursor that sends values as parameters (server-side binding on PostgreSQL: Django's own
cursor there splices every value, 10 KB of mail included, into the SQL text)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connection, models


@contextmanager
def raw_cursor() -> Iterator[Any]:
    """A DB-API cursor on Django's connection (same transaction), its errors turned into
    Django's (OperationalError and the rest), as with `connection.cursor()`."""
    connection.ensure_connection()
    with connection.wrap_database_errors:
        if connection.vendor == "postgresql":
            import psycopg

            with psycopg.Cursor(connection.connection) as cursor:
                yield cursor
        else:
            with connection.cursor() as cursor:
                yield cursor


def insert_rows(
    cursor: Any,
    model: type[models.Model],
    rows: Sequence[Mapping[str, Any]],
    *,
    skip_conflicts_on: Sequence[str] = (),
    returning: Sequence[str] = (),
) -> list[tuple[Any, ...]]:
    """INSERT the rows (attribute name -> value) in one statement; the `returning` columns
    of the inserted rows (in no particular order). Every concrete field is written (the
    primary key only when given), with the model's default when a row has no value, so a
    field added later is filled as the ORM would fill it. With `skip_conflicts_on`
    (columns of a unique constraint), a row that would break it is skipped (ON CONFLICT
    DO NOTHING) and returns nothing."""
    fields = [
        f for f in model._meta.concrete_fields if not (f.primary_key and f.attname not in rows[0])
    ]
    quote = connection.ops.quote_name
    params: list[Any] = []
    for row in rows:
        for f in fields:
            value = row[f.attname] if f.attname in row else f.get_default()
            params.append(f.get_db_prep_save(value, connection))
    placeholders = "(" + ", ".join(["%s"] * len(fields)) + ")"
    # Names come from the model, never from input; every value goes as a parameter.
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} "  # noqa: S608
        f"({', '.join(quote(f.column) for f in fields)}) VALUES "
        + ", ".join([placeholders] * len(rows))
    )
    if skip_conflicts_on:
        sql += f" ON CONFLICT ({', '.join(quote(c) for c in skip_conflicts_on)}) DO NOTHING"
    if returning:
        sql += f" RETURNING {', '.join(quote(c) for c in returning)}"
    cursor.execute(sql, params)
    return [tuple(row) for row in cursor.fetchall()] if returning else []


def writable_fields(model: type[models.Model], *, leave_out: Sequence[str] = ()) -> list[Any]:
    """The concrete fields an insert writes, but `leave_out` (attribute names)."""
    return [f for f in model._meta.concrete_fields if f.attname not in leave_out]


def typed_placeholder(field: Any) -> str:
    """`%s::type` for PostgreSQL, where a value inside INSERT ... SELECT has no column to
    take its type from. The base type, without length: a cast to varchar(n) would cut a
    long value silently, where the insert into the column refuses it."""
    return "%s::" + re.sub(r"\(.*\)", "", field.cast_db_type(connection))


def typed_row(fields: Sequence[Any]) -> str:
    """`(%s::t1, %s::t2, ...)`: one row of a VALUES list on PostgreSQL."""
    return "(" + ", ".join(typed_placeholder(f) for f in fields) + ")"


def row_params(fields: Sequence[Any], rows: Sequence[Mapping[str, Any]]) -> list[Any]:
    """The parameters of the rows, field by field (the model's default for a field a row
    does not give), prepared for the database as the ORM would."""
    return [
        f.get_db_prep_save(row[f.attname] if f.attname in row else f.get_default(), connection)
        for row in rows
        for f in fields
    ]


def update_rows(
    model: type[models.Model], rows: Sequence[models.Model], fields: Sequence[str]
) -> None:
    """Write `fields` (attribute names) of the rows, each its own values, in one UPDATE ...
    FROM (VALUES ...) on PostgreSQL (one executemany elsewhere): Django's bulk_update
    builds a CASE a field, long to compile and to plan for a batch of rows."""
    if not rows:
        return
    meta = model._meta
    pk = meta.pk
    assert pk is not None
    columns: list[Any] = [meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    params = [
        [pk.get_db_prep_value(row.pk, connection)]
        + [f.get_db_prep_save(getattr(row, f.attname), connection) for f in columns]
        for row in rows
    ]
    # Names come from the model, never from input; every value goes as a parameter.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            names = ["id", *(f"v{i}" for i in range(len(columns)))]
            sets = ", ".join(f"{quote(f.column)} = v.v{i}" for i, f in enumerate(columns))
            cursor.execute(
                f"UPDATE {table} SET {sets} FROM (VALUES "  # noqa: S608
                + ", ".join([typed_row([pk, *columns])] * len(rows))
                + f") AS v ({', '.join(names)}) WHERE {table}.{quote(pk.column)} = v.id",
                [value for row in params for value in row],
            )
        else:
            sets = ", ".join(f"{quote(f.column)} = %s" for f in columns)
            cursor.executemany(
                f"UPDATE {table} SET {sets} WHERE {quote(pk.column)} = %s",  # noqa: S608
                [[*row[1:], row[0]] for row in params],
            )
