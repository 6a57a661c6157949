"""The per-scope status counters stay equal to COUNT(*) whatever the services do."""

from __future__ import annotations

import contextlib
from collections import Counter

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from supportdesk.accounts.models import Technician
from supportdesk.core.errors import DomainError
from supportdesk.tickets.choices import Status
from supportdesk.tickets.counters import (
    CountedState,
    apply_count_changes,
    count_changes,
    read_count,
    scopes_of,
)
from supportdesk.tickets.models import Ticket
from supportdesk.tickets.services import (
    change_status,
    merge_tickets,
    move_ticket_to_team,
    reply_to_ticket,
    request_rereview,
    route_new_ticket,
    set_assignment,
    unassign_ticket,
)
from tests.factories import (
    ContactFactory,
    PlanFactory,
    ProductFactory,
    TeamFactory,
    TechnicianFactory,
    make_ticket,
)
from tests.tickets.helpers import counted, counted_by_select

# Unit: how one ticket's state turns into counter moves


def test_a_ticket_counts_in_all_its_team_and_its_assignee():
    assert scopes_of(CountedState(team_id=3, assignee_id=7, status="open")) == [
        "all",
        "team:3",
        "assignee:7",
    ]


def test_an_unrouted_ticket_counts_only_in_all():
    assert scopes_of(CountedState(team_id=None, assignee_id=None, status="new")) == ["all"]


def test_a_status_change_moves_one_from_the_old_status_to_the_new_in_each_scope():
    deltas = count_changes(
        [CountedState(team_id=1, assignee_id=None, status="new")],
        [CountedState(team_id=1, assignee_id=None, status="open")],
    )

    assert +deltas == Counter({("all", "open"): 1, ("team:1", "open"): 1})
    assert -deltas == Counter({("all", "new"): 1, ("team:1", "new"): 1})


def test_an_unchanged_state_moves_nothing():
    state = CountedState(team_id=1, assignee_id=2, status="pending")

    assert not +count_changes([state], [state]) and not -count_changes([state], [state])


def test_applying_changes_creates_missing_rows_and_adds_to_existing_ones(db):
    apply_count_changes(Counter({("team:9", "new"): 2}))
    apply_count_changes(Counter({("team:9", "new"): 3, ("team:9", "open"): -1}))

    assert read_count("team:9", ["new"]) == 5
    assert read_count("team:9", ["open"]) == -1
    assert read_count("team:9", ["new", "open"]) == 4


def test_reading_a_scope_nobody_wrote_gives_zero(db):
    assert read_count("assignee:12345", Status.values) == 0


# Property: any sequence of ticket operations keeps the counters true


class TicketOperations(RuleBasedStateMachine):
    """Random sequences of the ticket services, each example in its own rolled-back
    transaction. Refused operations (domain errors) are part of the game: they must
    leave the counters as they were."""

    tickets = Bundle("tickets")

    def __init__(self) -> None:
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        PlanFactory(code="free")
        self.product = ProductFactory(code="windev")
        self.teams = [
            TeamFactory(slug="windev", languages=["en"]),
            TeamFactory(slug="webdev", languages=["fr"], is_default=True),
        ]
        self.teams[0].products.add(self.product)
        self.technicians = [
            TechnicianFactory(teams=[self.teams[0]]),
            TechnicianFactory(teams=[self.teams[0]]),
            TechnicianFactory(teams=[self.teams[1]]),
            TechnicianFactory(teams=self.teams),
        ]
        self.supervisor = TechnicianFactory(role=Technician.Role.SUPERVISOR)
        self.customer = ContactFactory()

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    def attempt(self, operation, **kwargs) -> None:  # type: ignore[no-untyped-def]
        with contextlib.suppress(DomainError):
            operation(**kwargs)

    @staticmethod
    def fresh(pk: int) -> Ticket:
        return Ticket.objects.get(pk=pk)

    @initialize(target=tickets)
    def first_ticket(self) -> int:
        return make_ticket(requester=self.customer, product=self.product).pk

    @rule(target=tickets, where=st.sampled_from(["unrouted", "windev", "webdev"]))
    def open(self, where: str) -> int:
        team = {"unrouted": None, "windev": self.teams[0], "webdev": self.teams[1]}[where]
        return make_ticket(requester=self.customer, team=team, language="fr").pk

    @rule(pk=tickets)
    def route(self, pk: int) -> None:
        route_new_ticket(ticket_id=pk)

    @rule(pk=tickets, who=st.integers(0, 3), team=st.integers(0, 1))
    def assign(self, pk: int, who: int, team: int) -> None:
        self.attempt(
            set_assignment,
            actor=self.supervisor,
            ticket=self.fresh(pk),
            team=self.teams[team],
            assignee=self.technicians[who],
        )

    @rule(pk=tickets)
    def unassign(self, pk: int) -> None:
        self.attempt(unassign_ticket, actor=self.supervisor, ticket=self.fresh(pk))

    @rule(pk=tickets, team=st.integers(0, 1))
    def move(self, pk: int, team: int) -> None:
        self.attempt(
            move_ticket_to_team, actor=self.supervisor, ticket=self.fresh(pk), team=self.teams[team]
        )

    @rule(pk=tickets, after=st.sampled_from([None, "open", "pending", "solved", "closed"]))
    def technician_replies(self, pk: int, after: str | None) -> None:
        self.attempt(
            reply_to_ticket,
            actor=self.supervisor,
            ticket=self.fresh(pk),
            body_text="Answer",
            status_after=after,
        )

    @rule(pk=tickets)
    def customer_replies(self, pk: int) -> None:
        self.attempt(reply_to_ticket, actor=self.customer, ticket=self.fresh(pk), body_text="Reply")

    @rule(pk=tickets, status=st.sampled_from([s for s in Status.values if s != "rereview"]))
    def change_status(self, pk: int, status: str) -> None:
        self.attempt(change_status, actor=self.supervisor, ticket=self.fresh(pk), status=status)

    @rule(pk=tickets)
    def customer_closes(self, pk: int) -> None:
        self.attempt(change_status, actor=self.customer, ticket=self.fresh(pk), status="closed")

    @rule(source=tickets, into=tickets)
    def merge(self, source: int, into: int) -> None:
        self.attempt(
            merge_tickets,
            actor=self.supervisor,
            source=self.fresh(source),
            target=self.fresh(into),
        )

    @rule(pk=tickets)
    def not_satisfied(self, pk: int) -> None:
        self.attempt(
            request_rereview, actor=self.customer, ticket=self.fresh(pk), comment="Not satisfied"
        )

    @invariant()
    def counters_equal_the_real_counts(self) -> None:
        assert counted() == counted_by_select()


@pytest.mark.django_db
def test_counters_equal_the_real_counts_after_any_sequence_of_operations():
    run_state_machine_as_test(
        TicketOperations,
        settings=settings(
            max_examples=25,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
