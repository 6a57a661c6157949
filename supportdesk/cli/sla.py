"""`supportdesk sla sweep`: the catch-up for service-level warnings and escalations.

Every deadline has checks queued for its warning and breach times; the sweep finds those whose
check was missed (the worker was down, a task was lost) and runs them now. Each step is
claimed by a conditional UPDATE, so a sweep racing a worker's check acts once. `supportdesk
run` keeps one going every 60 s as its `scheduler` process.
"""

from __future__ import annotations

import argparse
import logging

from supportdesk.cli.common import (
    EXIT_OK,
    ensure_data_dirs,
    migrate_hint,
    one_line,
    positive_int,
    positive_seconds,
    require_database,
    usage,
)
from supportdesk.cli.periodic import Repeater

DEFAULT_BATCH = 500

log = logging.getLogger(__name__)


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sla = commands.add_parser("sla", help="service-level housekeeping: the catch-up sweep")
    sla.set_defaults(handler=lambda args: usage(sla))
    sla_commands = sla.add_subparsers(title="sla commands", metavar="COMMAND")

    sweep = sla_commands.add_parser(
        "sweep",
        help="send the warnings and escalations whose scheduled check was missed",
        description="Warn and escalate every deadline whose time has come but whose scheduled "
        "check did not run (downtime, a lost task). Once by default; with --every, again and "
        "again until SIGTERM or Ctrl-C, logging a failed sweep and retrying at the next one.",
    )
    sweep.add_argument(
        "--every",
        metavar="SECONDS",
        type=positive_seconds,
        help="sweep again SECONDS after each sweep ends, until stopped (default: sweep once)",
    )
    sweep.add_argument(
        "--batch",
        metavar="N",
        type=positive_int,
        default=DEFAULT_BATCH,
        help=f"deadlines per sweep at most, the most overdue first (default {DEFAULT_BATCH})",
    )
    sweep.set_defaults(handler=sla_sweep_command)


def sla_sweep_command(args: argparse.Namespace) -> int:
    from supportdesk.tickets.services.escalation import sweep_deadlines

    ensure_data_dirs()
    if args.every is not None:
        return sweep_every(args.every, batch=args.batch)
    require_database()
    count = sweep_deadlines(batch=args.batch)
    print(f"Looked at {_deadlines(count)} due for a warning or an escalation.")
    requeued = requeue_stalled_mail(batch=args.batch)
    if requeued:
        print(f"Enqueued {requeued} stalled mails again.")
    return EXIT_OK


def requeue_stalled_mail(*, batch: int) -> int:
    """The same scheduler keeps mail moving: mail whose processing or send task was lost."""
    from supportdesk.channels.email.outbound import requeue_stalled_outbound
    from supportdesk.channels.email.recovery import requeue_stalled_inbound

    return requeue_stalled_inbound(batch=batch) + requeue_stalled_outbound(batch=batch)


def sweep_every(every: float, *, batch: int) -> int:
    """No database check at the start: a database that is down now is retried at the next
    sweep, like one that goes down later."""
    from django.db import DatabaseError, close_old_connections

    from supportdesk.tickets.services.escalation import sweep_deadlines

    def sweep() -> None:
        # As Django does around each web request: a connection broken by a database restart,
        # or older than its maximum age, is dropped and the next query opens a new one.
        close_old_connections()
        try:
            count = sweep_deadlines(batch=batch)
            requeued = requeue_stalled_mail(batch=batch)
        except DatabaseError as exc:
            # Expected during an outage: one line per sweep rather than a traceback.
            log.error(
                "sweep failed: database error: %s%s; next try in %g s",
                one_line(exc),
                migrate_hint(exc),
                every,
            )
            return
        log.log(logging.INFO if count else logging.DEBUG, "looked at %s", _deadlines(count))
        if requeued:
            log.info("enqueued %d stalled mails again", requeued)

    log.info("sweeping service-level deadlines every %g s, at most %d at a time", every, batch)
    Repeater(sweep, every=every, log=log).run()
    return EXIT_OK


def _deadlines(count: int) -> str:
    return f"{count} deadline" if count == 1 else f"{count} deadlines"
