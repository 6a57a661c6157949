"""Playing the planned tickets through the ticket services, in the order of their dates,
with the clock moved to each step: the audit trail, the counters and the dates come out as
if the requests had really arrived over the past months.

Routing runs here, synchronously, instead of in the worker; the routing tasks that opening
a ticket enqueues are removed in the same transaction, so the worker finds nothing left to do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks.signals import task_enqueued
from django_tasks_db.models import DBTaskResult

from supportdesk.accounts.actors import SYSTEM, Actor
from supportdesk.accounts.models import Technician
from supportdesk.channels.email.models import OutboundMail
from supportdesk.channels.email.tasks import send_outbound_mail
from supportdesk.demo.clock import DemoClock
from supportdesk.demo.planning import PlannedTicket, Step, customer_reply_channel
from supportdesk.demo.reference import Reference
from supportdesk.demo.scenarios import PHRASES
from supportdesk.plans.selectors import active_subscription
from supportdesk.tickets.access import can_view_ticket
from supportdesk.tickets.choices import Channel, Status
from supportdesk.tickets.models import Ticket
from supportdesk.tickets.services import (
    add_note,
    assign_ticket,
    change_priority,
    change_status,
    merge_tickets,
    open_ticket,
    reply_to_ticket,
    request_rereview,
    route_new_ticket,
)
from supportdesk.tickets.services.escalation import sweep_deadlines
from supportdesk.tickets.services.routing import choose_team
from supportdesk.tickets.tasks import check_deadline, route_ticket

# Who opens the ticket: mail and fax come in through the intake (the system); the portal,
# the request tool and the API act as the customer; on the phone, the technician who
# answered the call writes the ticket.
OPENED_BY_THE_SYSTEM = frozenset({Channel.EMAIL, Channel.FAX})


class Player:
    def __init__(self, reference: Reference, clock: DemoClock) -> None:
        self.clock = clock
        self.supervisor = next(
            t for t in reference.technicians.values() if t.role == Technician.Role.SUPERVISOR
        )
        self._members: dict[int, list[Technician]] = {}
        self._leads: dict[int, int | None] = {
            team.pk: team.lead_id for team in reference.teams.values()
        }
        self._technicians: dict[int, Technician] = {t.pk: t for t in reference.technicians.values()}
        self.actions: dict[str, Callable[[PlannedTicket, Step], None]] = {
            "open": self.open,
            "take": self.take,
            "note": self.note,
            "answer": self.answer,
            "customer": self.customer_reply,
            "priority": self.priority,
            "solve": self.solve,
            "close": self.close,
            "rereview": self.rereview,
            "merge": self.merge,
        }

    def play(self, plans: list[PlannedTicket]) -> None:
        steps = sorted(
            (
                (step.at, plan.index, position, plan, step)
                for plan in plans
                for position, step in enumerate(plan.steps)
            ),
            key=lambda item: item[:3],
        )
        for at, _index, _position, plan, step in steps:
            self.clock.set(at)
            self.actions[step.action](plan, step)

    # -- people ----------------------------------------------------------------------------

    def members(self, team_id: int | None) -> list[Technician]:
        if team_id is None:
            return []
        if team_id not in self._members:
            self._members[team_id] = list(
                Technician.objects.filter(teams=team_id, is_active=True).order_by("pk")
            )
        return self._members[team_id]

    def responder(self, plan: PlannedTicket) -> Technician:
        """Whoever holds the ticket; else its team's lead, else anyone in the team."""
        ticket = self.ticket(plan)
        if ticket.assignee_id is not None:
            known = self._technicians.get(ticket.assignee_id)
            return known if known is not None else Technician.objects.get(pk=ticket.assignee_id)
        members = self.members(ticket.team_id)
        lead_id = self._leads.get(ticket.team_id) if ticket.team_id is not None else None
        lead = next((m for m in members if m.pk == lead_id), None)
        return lead or (members[0] if members else self.supervisor)

    def ticket(self, plan: PlannedTicket) -> Ticket:
        if plan.ticket is None:
            raise RuntimeError(f"demo ticket {plan.index} acted on before it was opened")
        return plan.ticket

    # -- actions ---------------------------------------------------------------------------

    def open(self, plan: PlannedTicket, step: Step) -> None:
        requester = plan.customer.contact
        actor: Actor = requester
        if plan.channel in OPENED_BY_THE_SYSTEM:
            actor = SYSTEM
        elif plan.channel == Channel.PHONE:
            actor = self.call_taker(plan)
            plan.call_taker_id = actor.pk
        ticket = open_ticket(
            actor=actor,
            requester=requester,
            subject=plan.subject,
            body_text=plan.body,
            channel=plan.channel,
            product=plan.version.product,
            product_version=plan.version,
            category=plan.scenario.category,
            priority=plan.priority,
            language=plan.language,
            tags=plan.tags,
            attachments=plan.attachments,
        )
        route_new_ticket(ticket_id=ticket.pk)
        ticket.refresh_from_db()
        plan.ticket = ticket

    def call_taker(self, plan: PlannedTicket) -> Technician:
        """Subscribers call their dedicated number and reach their engineer; everyone else
        reaches a technician of the team that serves the product."""
        subscription = active_subscription(
            organization=plan.customer.organization, on=timezone.localdate(self.clock.now())
        )
        if subscription is not None and subscription.plan.has_designated_engineer:
            for engineer in (subscription.designated_engineer, subscription.backup_engineer):
                if engineer is not None and engineer.is_active:
                    return engineer
        team = choose_team(product_id=plan.version.product_id, language=plan.language)
        members = self.members(team.pk if team else None)
        return plan.rng.choice(members) if members else self.supervisor

    def take(self, plan: PlannedTicket, step: Step) -> None:
        ticket = self.ticket(plan)
        if ticket.assignee_id is not None:
            return
        members = self.members(ticket.team_id)
        chosen = next((m for m in members if m.pk == plan.call_taker_id), None)
        technician = chosen or (plan.rng.choice(members) if members else self.supervisor)
        assign_ticket(actor=technician, ticket=ticket, assignee=technician)

    def note(self, plan: PlannedTicket, step: Step) -> None:
        add_note(actor=self.responder(plan), ticket=self.ticket(plan), body_text=step.data["text"])

    def answer(self, plan: PlannedTicket, step: Step) -> None:
        phrases = PHRASES[plan.language]
        technician = self.responder(plan)
        body = step.data["text"]
        # An answer given on the phone is a note of the call; the others are letters.
        if step.data.get("channel") != Channel.PHONE:
            body = "\n\n".join(
                (
                    phrases.technician_greeting.format(first_name=plan.customer.first_name),
                    body,
                    phrases.technician_signature.format(technician=technician.display_name),
                )
            )
        reply_to_ticket(
            actor=technician,
            ticket=self.ticket(plan),
            body_text=body,
            channel=step.data.get("channel"),
            status_after=step.data.get("status_after"),
        )

    def customer_reply(self, plan: PlannedTicket, step: Step) -> None:
        reply_to_ticket(
            actor=plan.customer.contact,
            ticket=self.ticket(plan),
            body_text=step.data["text"],
            channel=customer_reply_channel(plan.channel),
            attachments=step.data.get("attachments", ()),
        )

    def priority(self, plan: PlannedTicket, step: Step) -> None:
        change_priority(
            actor=self.responder(plan), ticket=self.ticket(plan), priority=step.data["priority"]
        )

    def solve(self, plan: PlannedTicket, step: Step) -> None:
        change_status(actor=self.responder(plan), ticket=self.ticket(plan), status=Status.SOLVED)

    def close(self, plan: PlannedTicket, step: Step) -> None:
        # Solved requests close by themselves after a week; a customer may close earlier.
        actor: Actor = plan.customer.contact if step.data.get("by") == "customer" else SYSTEM
        change_status(actor=actor, ticket=self.ticket(plan), status=Status.CLOSED)

    def rereview(self, plan: PlannedTicket, step: Step) -> None:
        request_rereview(
            actor=plan.customer.contact,
            ticket=self.ticket(plan),
            comment=step.data["text"],
            channel=step.data["channel"],
        )

    def merge(self, plan: PlannedTicket, step: Step) -> None:
        if plan.merge_into is None:
            raise RuntimeError(f"demo ticket {plan.index} has nothing to be merged into")
        source, target = self.ticket(plan), self.ticket(plan.merge_into)
        candidates = [*self.members(target.team_id), self.supervisor]
        actor = next(
            t for t in candidates if can_view_ticket(t, source) and can_view_ticket(t, target)
        )
        merge_tickets(actor=actor, source=source, target=target)


@contextmanager
def routing_tasks_removed() -> Iterator[None]:
    """Collect the routing, deadline-check and mail-sending tasks enqueued inside the block
    and delete those still waiting: the demo has already routed their tickets; the deadline
    checks (dated in the demo's past) are replaced by one catch-up sweep at the real time,
    which warns and escalates the overdue demo tickets once, as a real desk back from
    downtime; and the demo's past answers are not mailed."""
    enqueued: list[str] = []
    done_inline = {
        route_ticket.module_path,
        check_deadline.module_path,
        send_outbound_mail.module_path,
    }

    def collect(sender: Any, task_result: Any, **kwargs: Any) -> None:
        if task_result.task.module_path in done_inline:
            enqueued.append(str(task_result.id))

    task_enqueued.connect(collect, weak=False, dispatch_uid="supportdesk-demo-routing")
    try:
        yield
        # Inside the collection: the mails it queues (alerts to the demo's technicians) go
        # with the rest of the demo's unsent mail below, and their send tasks with them.
        while sweep_deadlines():
            pass
    finally:
        task_enqueued.disconnect(dispatch_uid="supportdesk-demo-routing")
    # Rows exist only with the database backend; other backends leave nothing to delete.
    for start in range(0, len(enqueued), 500):
        DBTaskResult.objects.filter(
            id__in=enqueued[start : start + 500], status=TaskResultStatus.READY
        ).delete()
    # The demo's history is played, not lived: its past answers were never mailed to the
    # (fictional) customers, and are not mailed now.
    OutboundMail.objects.filter(status=OutboundMail.Status.QUEUED).delete()
