from supportdesk.tickets.models import Ticket
from tests.factories import make_ticket


def test_a_ticket_without_team_is_routed_by_the_worker(customer, team, product, run_tasks):
    ticket = make_ticket(requester=customer, product=product)
    assert ticket.team is None
    run_tasks()
    assert Ticket.objects.get(pk=ticket.pk).team == team
