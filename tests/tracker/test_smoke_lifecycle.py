import time_machine

from tests.factories import drive, notice_over
from tracker.models import TicketEvent
from workflows.machine import TicketState


def test_a_ticket_travels_its_whole_life(world):
    ticket = world.ticket()
    assert ticket.state == TicketState.ASSIGNED and ticket.version == 1
    ticket = drive(world, ticket, TicketState.EXPLAINED)
    with time_machine.travel(notice_over(ticket), tick=False):
        ticket = drive(world, ticket, TicketState.CLOSED)
    assert ticket.state == TicketState.CLOSED
    kinds = list(TicketEvent.objects.filter(ticket=ticket).values_list("kind", flat=True))
    assert kinds == ["created", "accept", "evidence", "explain", "verify", "close"]
    assert ticket.version == 6
