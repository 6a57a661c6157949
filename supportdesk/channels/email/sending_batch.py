"""The outbox rows one run of outbound.send_outbound_rows holds: claimed and read in one
statement, handed out in turn, each outcome recorded in one statement. Raw SQL: the ORM's
claim, SELECT and UPDATE of each row were a third of the CPU of sending it."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Field

from supportdesk.channels.email.models import OutboundMail
from supportdesk.core.clock import now

logger = logging.getLogger(__name__)


class SendingBatch:
    """The outbox rows one run of send_outbound_rows holds, handed out in the order asked.

    They are claimed, and read, in one UPDATE ... RETURNING: of two runs, one updates a row,
    the other finds nothing to do. A row still "sending" once its lease has run out is
    claimed too: its sender was killed, maybe after the smarthost's 250 and before our
    commit, so this send may be the second copy; it carries the same Message-ID.

    A row's attempt is counted, and its lease (MAIL_SENDING_LEASE_SECONDS) starts, just
    before it is tried: for the first row by the claim, for each next one by the statement
    that records the outcome of the row before it (one statement a row). A worker killed
    mid-batch thus leaves the rows it had not tried with their attempts uncounted, as when
    each row was claimed on its own; but they are "sending" now, not "queued", so they go
    out once the claim's lease runs out (once, like any row whose sender was killed), not
    at the next sweep.

    The lease end written for a row is this run's hold on it: every later write is
    conditional on it, so a row whose lease ran out mid-batch (a smarthost slow past the
    lease) and that another run claimed is neither tried nor recorded by this one."""

    def __init__(self, order: Sequence[int]) -> None:
        self.order = list(order)
        self.held: dict[int, OutboundMail] = {}
        self.leases: dict[int, datetime] = {}  # lease end as written: this run's hold
        self.counted: set[int] = set()  # rows whose attempt is counted
        self.position = -1

    @classmethod
    def claim(cls, order: Sequence[int]) -> SendingBatch:
        batch = cls(order)
        wanted = list(dict.fromkeys(order))
        if not wanted:
            return batch
        status = OutboundMail.Status
        batch._claim(wanted, [status.QUEUED, status.RETRYING])
        rest = [outbound_id for outbound_id in wanted if outbound_id not in batch.held]
        if rest:  # rarely: a task run twice, a retry not due yet, a sender killed
            for outbound_id in batch._claim(rest, [status.SENDING]):
                logger.warning(
                    "mail %s: an earlier send was interrupted; sending it again (same Message-ID)",
                    outbound_id,
                )
        return batch

    def _claim(self, ids: list[int], statuses: list[str]) -> list[int]:
        at = now()
        lease_end = at + _lease()
        first = self.order[0]
        table, pk, quote = _table()
        columns = ", ".join(quote(f.column) for f in OutboundMail._meta.concrete_fields)
        # Names from the model; every value is a parameter.
        sql = (
            f"UPDATE {table} SET {quote('status')} = %s, {quote('next_attempt_at')} = %s, "  # noqa: S608
            f"{quote('attempts')} = {quote('attempts')} + CASE WHEN {pk} = %s THEN 1 ELSE 0 END "
            f"WHERE {pk} IN ({', '.join(['%s'] * len(ids))}) "
            f"AND {quote('status')} IN ({', '.join(['%s'] * len(statuses))}) "
            f"AND {quote('next_attempt_at')} <= %s RETURNING {columns}"
        )
        params = [
            OutboundMail.Status.SENDING,
            _prep("next_attempt_at", lease_end),
            first,
            *ids,
            *statuses,
            _prep("next_attempt_at", at),
        ]
        claimed = list(OutboundMail.objects.raw(sql, params))
        for outbound in claimed:
            self.held[outbound.pk] = outbound
            self.leases[outbound.pk] = lease_end
            if outbound.pk == first:
                self.counted.add(first)
        return [outbound.pk for outbound in claimed]

    def __iter__(self) -> Iterator[OutboundMail | None]:
        """Each asked-for row in order, ready to be tried; None for a row not held (not
        due, sent by another run, asked for twice)."""
        for position, outbound_id in enumerate(self.order):
            self.position = position
            outbound = self.held.pop(outbound_id, None)
            if (
                outbound is not None
                and outbound_id not in self.counted
                and outbound_id not in self._write(None, {}, outbound)
            ):
                outbound = None  # its lease ran out and another run claimed it
            yield outbound

    def release(self) -> None:
        """End now the lease of the rows not handed out yet: for a run stopped by an error,
        after which the worker runs the batch's tasks one by one, and those rows go out
        then, not once the lease has run out."""
        if not self.held:
            return
        table, pk, quote = _table()
        holds = " OR ".join([f"({pk} = %s AND {quote('next_attempt_at')} = %s)"] * len(self.held))
        params = [_prep("next_attempt_at", now()), OutboundMail.Status.SENDING]
        for outbound_id in self.held:
            params += [outbound_id, _prep("next_attempt_at", self.leases[outbound_id])]
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET {quote('next_attempt_at')} = %s "  # noqa: S608
                f"WHERE {quote('status')} = %s AND ({holds})",
                params,
            )
        self.held.clear()

    def finish(self, outbound: OutboundMail, **fields: Any) -> None:
        """Record a tried row's outcome while this run holds it; the next row's attempt is
        counted in the same statement."""
        upcoming = next(
            (
                self.held[outbound_id]
                for outbound_id in self.order[self.position + 1 :]
                if outbound_id in self.held
            ),
            None,
        )
        written = self._write(outbound, fields, upcoming)
        if upcoming is not None and upcoming.pk not in written:
            del self.held[upcoming.pk]  # its lease ran out and another run claimed it

    def _write(
        self, done: OutboundMail | None, fields: dict[str, Any], upcoming: OutboundMail | None
    ) -> set[int]:
        """One UPDATE: `fields` on the row `done`, and the attempt of the row `upcoming`
        counted with its lease renewed; each only where this run still holds the row.
        The ids of the rows written."""
        table, pk, quote = _table()
        branches: dict[str, list[str]] = {}
        params: dict[str, list[Any]] = {}
        holds, hold_params = [], []
        if done is not None:
            for name, value in fields.items():
                branches.setdefault(name, []).append(f"WHEN {pk} = %s THEN %s")
                params.setdefault(name, []).extend([done.pk, _prep(name, value)])
            holds.append(f"({pk} = %s AND {quote('next_attempt_at')} = %s)")
            hold_params += [done.pk, _prep("next_attempt_at", self.leases[done.pk])]
        if upcoming is not None:
            lease_end = now() + _lease()
            attempts = quote("attempts")
            branches.setdefault("attempts", []).append(f"WHEN {pk} = %s THEN {attempts} + 1")
            params.setdefault("attempts", []).append(upcoming.pk)
            branches.setdefault("next_attempt_at", []).append(f"WHEN {pk} = %s THEN %s")
            params.setdefault("next_attempt_at", []).extend(
                [upcoming.pk, _prep("next_attempt_at", lease_end)]
            )
            holds.append(f"({pk} = %s AND {quote('next_attempt_at')} = %s)")
            hold_params += [upcoming.pk, _prep("next_attempt_at", self.leases[upcoming.pk])]
        sets = ", ".join(
            f"{quote(name)} = CASE {' '.join(cases)} ELSE {quote(name)} END"
            for name, cases in branches.items()
        )
        sql = (
            f"UPDATE {table} SET {sets} WHERE {quote('status')} = %s "  # noqa: S608
            f"AND ({' OR '.join(holds)}) RETURNING {pk}"
        )
        with connection.cursor() as cursor:
            cursor.execute(
                sql,
                [
                    *(value for name in branches for value in params[name]),
                    OutboundMail.Status.SENDING,
                    *hold_params,
                ],
            )
            written = {row[0] for row in cursor.fetchall()}
        if upcoming is not None and upcoming.pk in written:
            self.counted.add(upcoming.pk)
            upcoming.attempts += 1
            self.leases[upcoming.pk] = lease_end
        return written


def _lease() -> timedelta:
    return timedelta(seconds=settings.SUPPORTDESK["MAIL_SENDING_LEASE_SECONDS"])


def _table() -> tuple[str, str, Any]:
    quote = connection.ops.quote_name
    meta = OutboundMail._meta
    return quote(meta.db_table), quote(meta.pk.column), quote


def _prep(name: str, value: Any) -> Any:
    """A value for OutboundMail's field `name`, as the ORM would send it."""
    field = OutboundMail._meta.get_field(name)
    assert isinstance(field, Field)
    return field.get_db_prep_save(value, connection)
