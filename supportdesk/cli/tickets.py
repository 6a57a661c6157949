"""`supportdesk ticket list` and `ticket show`: tickets for operators and scripts (--json),
loaded through the ticket selectors and access helpers, printed as tables or as JSON."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TextIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from supportdesk.cli.common import (
    EXIT_OK,
    EXIT_USAGE,
    CommandFailed,
    ensure_data_dirs,
    positive_int,
    require_database,
    usage,
)

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from supportdesk.tickets.models import Ticket
    from supportdesk.tickets.selectors import TicketDetail, TicketFilters


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    ticket = commands.add_parser("ticket", help="list and show tickets (for scripts, --json)")
    ticket.set_defaults(handler=lambda args: usage(ticket))
    ticket_commands = ticket.add_subparsers(title="ticket commands", metavar="COMMAND")

    listing = ticket_commands.add_parser("list", help="tickets, newest first, one page at a time")
    listing.add_argument(
        "--status",
        action="append",
        default=[],
        metavar="STATUS",
        help="new, open, pending, rereview, solved or closed (repeatable)",
    )
    listing.add_argument("--unresolved", action="store_true", help="new, open, pending or rereview")
    listing.add_argument("--team", metavar="SLUG", help="in this team's queue")
    listing.add_argument("--assignee", metavar="USERNAME", help="assigned to this technician")
    listing.add_argument("--product", metavar="CODE", help="about this product, e.g. windev")
    listing.add_argument("--requester", metavar="EMAIL", help="sent by the contact with this email")
    listing.add_argument(
        "--organization", metavar="CUSTOMER_NUMBER", help="of this customer organization"
    )
    listing.add_argument(
        "--limit", metavar="N", type=positive_int, default=20, help="page size (default 20)"
    )
    listing.add_argument(
        "--before", metavar="NUMBER", help="next page: tickets older than this number"
    )
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.add_argument("--tz", type=time_zone, metavar="ZONE", help=TZ_HELP)
    listing.set_defaults(handler=ticket_list_command)

    show = ticket_commands.add_parser(
        "show", help="one ticket with its messages, attachments and audit trail"
    )
    show.add_argument("ref", metavar="REF", help="e.g. SD-100001")
    show.add_argument("--json", action="store_true", help="print JSON")
    show.add_argument("--tz", type=time_zone, metavar="ZONE", help=TZ_HELP)
    show.set_defaults(handler=ticket_show_command)


TZ_HELP = "show times in this time zone, e.g. America/Montreal (default: SUPPORTDESK_TIME_ZONE)"


def time_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise argparse.ArgumentTypeError(f"unknown time zone {value!r}") from None
    return value


def _activate_time_zone(args: argparse.Namespace) -> None:
    from django.utils import timezone

    if args.tz:
        timezone.activate(ZoneInfo(args.tz))


def _resolve_filters(args: argparse.Namespace) -> TicketFilters:
    from supportdesk.accounts.models import ContactEmail, Organization, Team, Technician
    from supportdesk.catalog.models import Product
    from supportdesk.tickets.choices import Status
    from supportdesk.tickets.selectors import TicketFilters

    unknown = [s for s in args.status if s not in Status.values]
    if unknown:
        raise CommandFailed(
            f"--status: unknown {', '.join(repr(s) for s in unknown)} "
            f"(expected {', '.join(Status.values)})",
            EXIT_USAGE,
        )

    return TicketFilters(
        statuses=tuple(args.status),
        unresolved=args.unresolved,
        team_id=_find_id("team", args.team, Team.objects.filter(slug=args.team)),
        assignee_id=_find_id(
            "technician", args.assignee, Technician.objects.filter(user__username=args.assignee)
        ),
        product_id=_find_id(
            "product", args.product, Product.objects.filter(code__iexact=args.product)
        ),
        requester_id=_find_id(
            "contact with the email",
            args.requester,
            ContactEmail.objects.filter(address__iexact=args.requester),
            column="contact_id",
        ),
        organization_id=_find_id(
            "organization",
            args.organization,
            Organization.objects.filter(customer_number=args.organization),
        ),
    )


def _find_id(
    kind: str, value: str | None, rows: QuerySet[Any], *, column: str = "id"
) -> int | None:
    """The id behind a name given on the command line; "no team 'xyz'" when there is none."""
    if value is None:
        return None
    found: int | None = rows.values_list(column, flat=True).first()
    if found is None:
        raise CommandFailed(f"no {kind} {value!r}")
    return found


def ticket_list_command(args: argparse.Namespace) -> int:
    from supportdesk.accounts.actors import SYSTEM
    from supportdesk.tickets.references import parse_reference
    from supportdesk.tickets.selectors import list_tickets
    from supportdesk.tickets.serializers import ticket_summary

    ensure_data_dirs()
    require_database()
    before = None
    if args.before is not None:
        before = parse_reference(args.before)
        if before is None:
            raise CommandFailed(
                f"--before: expected a ticket number, got {args.before!r}", EXIT_USAGE
            )
    filters = _resolve_filters(args)
    _activate_time_zone(args)
    page = list_tickets(viewer=SYSTEM, filters=filters, limit=args.limit, before=before)
    if args.json:
        data = {
            "tickets": [ticket_summary(t) for t in page.tickets],
            "next_before": page.next_before,
        }
        _print_json(data)
        return EXIT_OK
    if not page.tickets:
        print("No tickets.")
        return EXIT_OK
    print_ticket_table(page.tickets, sys.stdout)
    if page.next_before is not None:
        print(f"\nMore: add --before {page.next_before}")
    return EXIT_OK


def ticket_show_command(args: argparse.Namespace) -> int:
    from supportdesk.accounts.actors import SYSTEM
    from supportdesk.tickets.access import access_ticket
    from supportdesk.tickets.selectors import get_ticket_detail
    from supportdesk.tickets.serializers import ticket_detail

    ensure_data_dirs()
    require_database()
    # Operators see every ticket: the command line runs with the database's own rights.
    ticket = access_ticket(SYSTEM, args.ref)
    _activate_time_zone(args)
    detail = get_ticket_detail(viewer=SYSTEM, ticket=ticket)
    if args.json:
        _print_json(ticket_detail(detail))
    else:
        print_ticket_detail(ticket_detail(detail), detail, sys.stdout)
    return EXIT_OK


def _print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def _local(value: Any) -> str:
    from django.utils import timezone

    if value is None:
        return "-"
    return str(timezone.localtime(value).strftime("%Y-%m-%d %H:%M"))


def _span(seconds: float) -> str:
    minutes = int(abs(seconds)) // 60
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} h"
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


def _remaining(target: Any) -> str:
    """ "in 3 h 20 min" or "overdue by 1 d 2 h", against the current time."""
    from supportdesk.core.clock import now

    left = (target - now()).total_seconds()
    return f"in {_span(left)}" if left >= 0 else f"overdue by {_span(left)}"


def _due(due_at: Any, breach_at: Any) -> str:
    """The queue column: the nearest target, flagged once the limit has passed too."""
    from supportdesk.core.clock import now

    if due_at is None:
        return "-"
    flag = " !" if breach_at is not None and breach_at <= now() else ""
    return _local(due_at) + flag


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: max(1, width - 1)] + "…"


def print_ticket_table(tickets: Sequence[Ticket], out: TextIO) -> None:
    columns = ("REF", "STATUS", "PRIORITY", "CREATED", "DUE", "TEAM", "ASSIGNEE", "REQUESTER")
    rows = [
        (
            t.reference,
            t.status,
            t.priority,
            _local(t.created_at),
            _due(t.due_at, t.breach_at),
            t.team.slug if t.team else "-",
            _clip(t.assignee.display_name, 20) if t.assignee else "-",
            _clip(t.requester.name, 24),
        )
        for t in tickets
    ]
    widths = [max(len(columns[i]), *(len(r[i]) for r in rows)) for i in range(len(columns))]
    used = sum(widths) + 2 * len(widths)
    subject_width = max(30, shutil.get_terminal_size((120, 24)).columns - used)

    def line(cells: Sequence[str], subject: str) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + "  " + subject

    print(line(columns, "SUBJECT"), file=out)
    for ticket, row in zip(tickets, rows, strict=True):
        print(line(row, _clip(ticket.subject, subject_width)), file=out)


def _size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{size} B"  # pragma: no cover


def _plain(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_plain(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_plain(v) for v in value) + "]"
    return str(value)


def print_ticket_detail(data: dict[str, Any], detail: TicketDetail, out: TextIO) -> None:
    ticket = detail.ticket
    requester = data["requester"]
    who = requester["name"] + (f" <{requester['email']}>" if requester.get("email") else "")
    if data["organization"]:
        who += f", {data['organization']['name']} ({data['organization']['customer_number']})"
    product = "-"
    if data["product"]:
        product = data["product"]["name"] + (
            f" {data['product_version']}" if data["product_version"] else ""
        )
    fields = [
        ("Status", ticket.get_status_display()),
        ("Priority", ticket.get_priority_display()),
        ("Category", ticket.get_category_display()),
        ("Requester", who),
        ("Product", product),
        ("Plan", data["plan"] or "-"),
        ("Channel", ticket.get_channel_display()),
        ("Language", ticket.language),
        ("Team", data["team"]["name"] if data["team"] else "-"),
        ("Assignee", data["assignee"]["name"] if data["assignee"] else "-"),
        ("Tags", ", ".join(data["tags"]) or "-"),
        ("Created", _local(ticket.created_at)),
        ("Updated", _local(ticket.updated_at)),
    ]
    if ticket.merged_into is not None:
        fields.append(("Merged into", ticket.merged_into.reference))
    if ticket.rereview_count:
        fields.append(("Re-reviews", str(ticket.rereview_count)))
    print(f"{ticket.reference}  {ticket.subject}", file=out)
    for label, value in fields:
        print(f"  {label + ':':<11} {value}", file=out)

    if ticket.plan_notice:
        print(f"  {'Notice:':<11} {ticket.get_plan_notice_display()}", file=out)
    entitlement = data.get("entitlement") or {}
    if entitlement.get("status"):
        line = ticket.get_entitlement_display()
        if entitlement.get("license"):
            line += f" (licence {entitlement['license']}"
            if entitlement.get("requests_left") is not None:
                line += f", {entitlement['requests_left']} requests left"
            line += ")"
        print(f"  {'Entitled:':<11} {line}", file=out)
    if ticket.out_of_scope:
        print(f"  {'Scope:':<11} out of free support ({ticket.out_of_scope})", file=out)
    if ticket.escalated_to is not None:
        print(
            f"  {'Escalated:':<11} to {ticket.escalated_to.display_name}, "
            f"{_local(ticket.escalated_at)}",
            file=out,
        )

    print(f"\nService levels ({len(detail.deadlines)})", file=out)
    for deadline, item in zip(detail.deadlines, data["deadlines"], strict=True):
        when = f"due {_local(deadline.target_at)}"
        if deadline.breach_at != deadline.target_at:
            when += f", limit {_local(deadline.breach_at)}"
        remaining = f", {_remaining(deadline.target_at)}" if deadline.is_running else ""
        print(
            f"  {deadline.get_metric_display():<38} {item['state']:<9} {when}{remaining}",
            file=out,
        )

    if data.get("similar_solved"):
        print(f"\nSimilar solved tickets ({len(data['similar_solved'])})", file=out)
        for item in data["similar_solved"]:
            print(
                f"  {item['reference']:<12} {item['status']:<7} {item['match']:<9} "
                f"{item['subject']}",
                file=out,
            )

    print(f"\nMessages ({len(detail.messages)})", file=out)
    for message in detail.messages:
        author = message.author_technician or message.author_contact
        name = getattr(author, "display_name", None) or getattr(author, "name", "system")
        print(
            f"\n--- {message.get_kind_display()} · {name} · {message.get_channel_display()} · "
            f"{_local(message.created_at)}",
            file=out,
        )
        print(message.body_text.rstrip(), file=out)
        for attachment in message.attachments.all():
            state = (
                f"removed: {attachment.removed_reason}"
                if attachment.blob_id is None
                else f"sha256 {attachment.sha256[:12]}"
            )
            print(
                f"  [attachment] {attachment.filename} ({_size(attachment.size)}, "
                f"{attachment.content_type}, {state})",
                file=out,
            )

    print(f"\nAudit trail ({len(detail.events)})", file=out)
    for event in detail.events:
        extra = ", ".join(f"{k}={_plain(v)}" for k, v in sorted(event.data.items()))
        print(
            f"  {_local(event.created_at)}  {event.actor_name}: {event.get_kind_display()}"
            + (f" ({extra})" if extra else ""),
            file=out,
        )
