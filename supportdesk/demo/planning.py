"""Planning the demo tickets: who writes, about what, on which channel, and what happens to
each request afterwards, as a list of dated steps.

Ticket number `i` of the demo is planned from its own seeded generator, so it is the same
ticket whatever the number of tickets asked for; decks (shuffled per cycle of 20 tickets)
spread statuses, channels and languages evenly even over a few dozen tickets. Dates count
back from the moment of the load: the content is deterministic, the calendar is today's.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from supportdesk.catalog.models import ProductVersion
from supportdesk.demo.customers import FAX, Customer
from supportdesk.demo.reference import Reference
from supportdesk.demo.scenarios import PHRASES, SCENARIOS, Scenario
from supportdesk.demo.scenarios.phrases import (
    CATEGORY_NAMES,
    PHONE_CALL_SUMMARY,
    REMINDER_PREFIX,
)
from supportdesk.demo.timeline import Timeline, waking_moment, working_moment
from supportdesk.tickets.choices import Category, Channel, Priority, Status
from supportdesk.tickets.models import Ticket
from supportdesk.tickets.services import NewAttachment

SEED = "supportdesk-demo"
DEMO_TAG = "demo"

# Final states. "rereviewed" is a re-review answered by a second technician, then closed;
# "merged" is a duplicate merged into the request it repeats.
NEW, OPEN, PENDING, SOLVED, CLOSED = "new", "open", "pending", "solved", "closed"
REREVIEW, REREVIEWED, MERGED = "rereview", "rereviewed", "merged"

STATUS_DECK = (
    (NEW,) * 2 + (OPEN,) * 3 + (PENDING,) * 3 + (REREVIEW, REREVIEWED) + (SOLVED,) * 3
) + (CLOSED,) * 7
CHANNEL_DECK = (
    (Channel.REQUEST_TOOL,) * 7
    + (Channel.EMAIL,) * 5
    + (Channel.PORTAL,) * 3
    + (Channel.PHONE,) * 2
    + (Channel.API,) * 2
    + (Channel.FAX,)
)
LANGUAGE_DECK = ("fr",) * 9 + ("es",) * 6 + ("en",) * 5

# How long ago (in hours) a request in each final state was opened.
AGE_HOURS = {
    NEW: (0.5, 20),
    OPEN: (3, 24 * 6),
    PENDING: (24, 24 * 14),
    SOLVED: (24 * 2, 24 * 6),
    CLOSED: (24 * 10, 24 * 180),
    REREVIEW: (24 * 4, 24 * 25),
    REREVIEWED: (24 * 25, 24 * 180),
}
# Ticket i is a reminder of ticket i-1 (and merged into it) when i % 150 is one of these.
DUPLICATE_SLOTS = (17, 90)

SYSTEMS = (
    "Windows 11 Pro 24H2 (x64)",
    "Windows 11 Pro 23H2 (x64)",
    "Windows 10 Pro 22H2 (x64)",
    "Windows Server 2022 (x64)",
    "Windows 11 Enterprise 24H2 (x64)",
)
SERVERS = ("SRV-HF01", "srvdata02", "192.168.10.20", "hfsql.intranet.example")
DEVICES = ("Samsung Galaxy A54", "Google Pixel 8", "Xiaomi Redmi Note 13", "Samsung Galaxy Tab S9")
# Problems in the product (as opposed to questions): a fix may be delivered.
DEFECTS = frozenset({Category.BUG, Category.CRASH, Category.PERFORMANCE})
CHANNEL_OF_CUSTOMER_REPLIES: dict[str, str] = {
    Channel.PORTAL: Channel.PORTAL,
    Channel.API: Channel.API,
}


@dataclass
class Step:
    at: datetime
    action: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class PlannedTicket:
    index: int
    rng: random.Random
    final: str
    customer: Customer
    scenario: Scenario
    channel: str
    language: str
    priority: str
    version: ProductVersion
    values: dict[str, str]
    subject: str
    body: str
    attachments: list[NewAttachment]
    steps: list[Step] = field(default_factory=list)
    merge_into: PlannedTicket | None = None
    # Filled in while the plan is played.
    ticket: Ticket | None = None
    call_taker_id: int | None = None

    @property
    def tags(self) -> list[str]:
        return [DEMO_TAG, *self.scenario.tags]


def deck_card(deck: Sequence[str], name: str, index: int) -> str:
    cycle, position = divmod(index, len(deck))
    order = list(deck)
    random.Random(f"{SEED}:{name}:{cycle}").shuffle(order)
    return order[position]


def format_number(value: int, language: str) -> str:
    text = f"{value:,}"
    return {"en": text, "es": text.replace(",", "."), "fr": text.replace(",", "\u202f")}[language]


class Planner:
    def __init__(self, reference: Reference, customers: list[Customer], anchor: datetime) -> None:
        self.reference = reference
        self.customers = customers
        # Nothing may happen after the load itself.
        self.limit = anchor - timedelta(minutes=2)

    # -- who, what, where ------------------------------------------------------------------

    def plan(self, indices: range) -> list[PlannedTicket]:
        planned: dict[int, PlannedTicket] = {}
        for index in indices:
            previous = planned.get(index - 1)
            if (
                index % 150 in DUPLICATE_SLOTS
                and previous is not None
                and previous.channel != Channel.PHONE
            ):
                planned[index] = self._plan_reminder(index, previous)
            else:
                planned[index] = self._plan_request(index)
        return list(planned.values())

    def _plan_request(self, index: int) -> PlannedTicket:
        rng = random.Random(f"{SEED}:ticket:{index}")
        final = deck_card(STATUS_DECK, "status", index)
        channel = deck_card(CHANNEL_DECK, "channel", index)
        # The phone line of the seed speaks French only.
        language = "fr" if channel == Channel.PHONE else deck_card(LANGUAGE_DECK, "language", index)
        candidates = [c for c in self.customers if c.language == language]
        if final == NEW:
            # A subscriber's request goes straight to the designated engineer: never "new".
            candidates = [c for c in candidates if not c.has_direct_assistance] or candidates
        customer = rng.choice(candidates)
        scenario = rng.choice([s for s in SCENARIOS if s.product in customer.licences])
        plan = self._describe(index, rng, final, customer, scenario, channel, language)
        # Dates have their own generator: where they fall in the week depends on the day of
        # the load, and must not change what the tickets say.
        timing = random.Random(f"{SEED}:time:{index}")
        opened = self.limit - timedelta(hours=timing.uniform(*AGE_HOURS[final]))
        if channel == Channel.PHONE:
            opened = working_moment(opened, timing)
        else:
            opened = waking_moment(opened, timing)
        opened = min(opened, self.limit - timedelta(minutes=30))
        plan.steps = self._script(plan, Timeline(opened, timing))
        self._fit_before_limit(plan)
        return plan

    def _plan_reminder(self, index: int, original: PlannedTicket) -> PlannedTicket:
        """The customer writes again, on another channel, before anyone answered: a
        technician merges the reminder into the original request."""
        rng = random.Random(f"{SEED}:ticket:{index}")
        channel = Channel.PORTAL if original.channel != Channel.PORTAL else Channel.EMAIL
        plan = self._describe(
            index,
            rng,
            MERGED,
            original.customer,
            original.scenario,
            channel,
            original.language,
        )
        phrases = PHRASES[plan.language]
        plan.subject = REMINDER_PREFIX[plan.language] + original.subject
        plan.body = f"{phrases.duplicate_intro}\n\n{original.body}"
        plan.attachments = []
        plan.merge_into = original
        opened = original.steps[0].at
        answered = original.steps[1].at if len(original.steps) > 1 else self.limit
        span = answered - opened
        timing = random.Random(f"{SEED}:time:{index}")
        # At a decent hour when that still comes before the first answer.
        again = opened + span * 0.35
        again = min(waking_moment(again, timing), again + span * 0.2)
        merged = opened + span * 0.7
        aligned = working_moment(merged, timing)
        plan.steps = [
            Step(again, "open"),
            Step(aligned if aligned < answered else merged, "merge"),
        ]
        return plan

    def _describe(
        self,
        index: int,
        rng: random.Random,
        final: str,
        customer: Customer,
        scenario: Scenario,
        channel: str,
        language: str,
    ) -> PlannedTicket:
        licence = customer.licences[scenario.product]
        versions = [
            v
            for v in self.reference.versions[scenario.product]
            if licence.first_version is None
            or licence.last_version is None
            or licence.first_version.rank <= v.rank <= licence.last_version.rank
        ]
        version = versions[-1] if rng.random() < 0.7 else rng.choice(versions)
        earlier = [v for v in self.reference.versions[scenario.product] if v.rank < version.rank]
        short = str(version.rank - 1995)
        phrases = PHRASES[language]
        values = {
            "version": version.name,
            "previous": earlier[-1].name if earlier else str(version.rank - 1),
            "short": short,
            "build": f"{short}.0.{rng.randint(100, 480)}.{rng.randint(1, 9)}",
            "os": rng.choice(SYSTEMS),
            "server": rng.choice(SERVERS),
            "port": "4900",
            "records": format_number(rng.choice((1_800_000, 2_400_000, 3_100_000)), language),
            "seconds": str(rng.choice((35, 48, 62, 90))),
            "serial": licence.serial,
            "weekday": rng.choice(phrases.weekdays[:5]),
            "users": str(rng.choice((150, 250, 400))),
            "hour": rng.choice(("9:30", "11:00", "17:30")),
            "minutes": str(rng.choice((12, 15, 20, 25))),
            "procedures": format_number(rng.choice((850, 1_200, 2_300)), language),
            "android": str(rng.choice((14, 15))),
            "device": rng.choice(DEVICES),
        }
        # Customers often leave the priority alone; subscribers raise it more readily.
        priority = scenario.priority
        if priority in (Priority.HIGH, Priority.URGENT) and rng.random() < 0.5:
            priority = Priority.NORMAL
        if customer.has_direct_assistance and priority == Priority.NORMAL and rng.random() < 0.3:
            priority = Priority.HIGH
        wording = scenario.wording(language)
        plan = PlannedTicket(
            index=index,
            rng=rng,
            final=final,
            customer=customer,
            scenario=scenario,
            channel=channel,
            language=language,
            priority=priority,
            version=version,
            values=values,
            subject=wording.subject.format(**values),
            body="",
            attachments=[],
        )
        plan.attachments = self._first_attachments(plan)
        description = wording.body.format(**values)
        if plan.attachments and wording.attached:
            description = f"{description}\n\n{wording.attached}"
        plan.body = self._first_message(plan, description)
        return plan

    def _first_message(self, plan: PlannedTicket, description: str) -> str:
        phrases = PHRASES[plan.language]
        customer = plan.customer
        letter = "\n\n".join(
            (
                phrases.customer_greeting,
                description,
                phrases.customer_signature.format(
                    name=customer.spec.name, organization=customer.organization.name
                ),
            )
        )
        if plan.channel == Channel.REQUEST_TOOL:
            header = phrases.request_tool_header.format(
                product=self.reference.products[plan.scenario.product].name,
                category=CATEGORY_NAMES[plan.language][plan.scenario.category],
                **plan.values,
            )
            return f"{header}\n\n{description}"
        if plan.channel == Channel.PHONE:
            summary = PHONE_CALL_SUMMARY.format(
                name=customer.spec.name,
                organization=customer.organization.name,
                phone=customer.phone() or "numéro masqué",
            )
            return f"{summary}\n{description}"
        if plan.channel == Channel.FAX:
            banner = phrases.fax_banner.format(
                fax=customer.phone(FAX) or customer.phone(), pages=plan.rng.randint(2, 3)
            )
            return f"{banner}\n\n{letter}"
        if plan.channel == Channel.API:
            integration = customer.org_spec.integration or customer.organization.name
            return f"{phrases.api_banner.format(integration=integration)}\n\n{description}"
        if plan.channel == Channel.PORTAL:
            return description
        return letter

    def _first_attachments(self, plan: PlannedTicket) -> list[NewAttachment]:
        if plan.channel in (Channel.PHONE, Channel.FAX) or plan.scenario.attachment is None:
            return []
        if plan.rng.random() < 0.3:
            return []
        filename, template = plan.scenario.attachment
        content = template.format(**plan.values).encode()
        return [NewAttachment(filename=filename, content=content, content_type="text/plain")]

    # -- what happens next ----------------------------------------------------------------

    def _text(self, plan: PlannedTicket, text: str, **data: Any) -> dict[str, Any]:
        return {"text": text.format(**plan.values), **data}

    def _details(self, plan: PlannedTicket) -> dict[str, Any]:
        """The customer's answer to "we need more information", with a small file."""
        phrases = PHRASES[plan.language]
        content = "{product} {version} - {build}\nSystem: {os}\nLicence: {serial}\n".format(
            product=self.reference.products[plan.scenario.product].name, **plan.values
        ).encode()
        attachment = NewAttachment("version_info.txt", content, content_type="text/plain")
        return self._text(plan, phrases.info_reply, attachments=[attachment])

    def _script(self, plan: PlannedTicket, time: Timeline) -> list[Step]:
        rng, final = plan.rng, plan.final
        phrases = PHRASES[plan.language]
        answer = plan.scenario.wording(plan.language).answer
        phone = plan.channel == Channel.PHONE
        steps = [Step(time.at, "open")]
        if final == NEW:
            return steps

        def add(at: datetime, action: str, **data: Any) -> None:
            steps.append(Step(at, action, data))

        if phone:
            add(time.technician(0.02, 0.1), "take")
        elif plan.customer.has_direct_assistance:
            add(time.technician(0.2, 3), "take")
        else:
            late = rng.random()
            window = (1, 20) if late < 0.75 else (20, 40) if late < 0.93 else (50, 75)
            add(time.technician(*window), "take")
        if plan.scenario.category == Category.CRASH and rng.random() < 0.4:
            add(time.technician(0.05, 0.3), "priority", priority=Priority.URGENT)
        if rng.random() < 0.35:
            note = plan.scenario.note if rng.random() < 0.6 else rng.choice(phrases.notes)
            add(time.technician(0.05, 0.5), "note", **self._text(plan, note))

        if final == OPEN:
            if rng.random() < 0.5:
                add(time.technician(0.1, 2), "answer", **self._text(plan, phrases.info_request))
                add(time.customer(2, 30), "customer", **self._details(plan))
            return steps
        if final == PENDING:
            text = phrases.info_request if rng.random() < 0.4 else answer
            add(time.technician(0.1, 2), "answer", **self._text(plan, text))
            return steps

        path = rng.random()
        defect = plan.scenario.category in DEFECTS
        if phone:
            text = f"{phrases.phone_answer_intro}\n{answer}"
            add(
                time.technician(0.05, 0.3),
                "answer",
                **self._text(plan, text, status_after=Status.SOLVED, channel=Channel.PHONE),
            )
        elif path < 0.25:
            add(time.technician(0.1, 2), "answer", **self._text(plan, phrases.info_request))
            add(time.customer(2, 30), "customer", **self._details(plan))
            add(time.technician(1, 20), "answer", **self._text(plan, answer))
        elif path < 0.4 and defect:
            add(time.technician(0.1, 2), "answer", **self._text(plan, answer))
            add(time.customer(3, 40), "customer", text=rng.choice(phrases.still_failing))
            add(time.technician(0.5, 8), "note", **self._text(plan, plan.scenario.note))
            add(time.technician(4, 30), "answer", **self._text(plan, phrases.fix_delivered))
        else:
            add(time.technician(0.1, 2), "answer", **self._text(plan, answer))

        if not phone:
            ending = rng.random()
            if final in (REREVIEW, REREVIEWED):
                # The technician considered it solved; the customer is about to disagree.
                add(time.technician(48, 96), "solve")
            elif ending < 0.55:
                add(time.customer(1, 30), "customer", text=rng.choice(phrases.thanks))
                add(time.technician(0.1, 4), "solve")
            elif ending < 0.7 and final == CLOSED:
                add(time.customer(2, 48), "close", by="customer")
                return steps
            else:
                add(time.technician(72, 120), "solve")

        if final == SOLVED:
            return steps
        if final == CLOSED:
            add(time.system(24 * 7, 24 * 7 + 1), "close", by="system")
            return steps

        # "Not satisfied": sometimes right after the answer, sometimes after the closing.
        if rng.random() < 0.3:
            add(time.system(24 * 7, 24 * 7 + 1), "close", by="system")
        add(time.customer(6, 96), "rereview", **self._rereview(plan))
        if final == REREVIEWED:
            add(
                time.technician(0.5, 8),
                "answer",
                **self._text(
                    plan,
                    phrases.second_answer if defect else phrases.second_explanation,
                    status_after=Status.SOLVED,
                ),
            )
            add(time.system(24 * 7, 24 * 7 + 1), "close", by="system")
        return steps

    def _rereview(self, plan: PlannedTicket) -> dict[str, Any]:
        """The seed: "send an email or a fax with your question, the answer and your
        comment"; the portal works too."""
        phrases = PHRASES[plan.language]
        comment = plan.rng.choice(phrases.rereview_comments)
        fax = plan.customer.phone(FAX)
        if plan.channel == Channel.PORTAL:
            return {"text": comment, "channel": Channel.PORTAL}
        if fax and plan.rng.random() < 0.6:
            banner = phrases.fax_banner.format(fax=fax, pages=plan.rng.randint(2, 4))
            return {"text": f"{banner}\n\n{comment}", "channel": Channel.FAX}
        return {"text": comment, "channel": Channel.EMAIL}

    def _fit_before_limit(self, plan: PlannedTicket) -> None:
        """A recent request cannot have lived its whole story yet: squeeze the steps after
        the opening into the time between the opening and now, keeping their order."""
        opened, last = plan.steps[0].at, plan.steps[-1].at
        if last <= self.limit:
            return
        scale = (self.limit - opened) / (last - opened)
        for step in plan.steps[1:]:
            step.at = opened + (step.at - opened) * scale


def customer_reply_channel(channel: str) -> str:
    return CHANNEL_OF_CUSTOMER_REPLIES.get(channel, Channel.EMAIL)
