"""A ticket's schedule column holds what tracker.schedule computes, whoever writes it."""

import copy
import datetime as dt

import pytest
import time_machine

from tests.factories import drive, notice_over
from tracker import schedule
from tracker.models import Ticket
from workflows.machine import TicketState
from workflows.models import Policy, RectificationClass

pytestmark = pytest.mark.django_db


def _computed(ticket: Ticket) -> object:
    policy = Policy.for_ticket(ticket.rectification_class, ticket.finding.severity)
    return schedule.ticket_schedule(ticket=copy.copy(ticket), policy=policy)


@pytest.mark.parametrize("klass", [RectificationClass.IMMEDIATE, RectificationClass.LONG_TERM])
def test_every_stage_clock_the_services_start_is_scheduled_as_tracker_schedule_computes(world, klass):
    ticket = world.ticket(klass=klass)
    assert ticket.next_action_at is not None
    assert ticket.next_action_at == _computed(ticket)
    for state in (TicketState.RECTIFYING, TicketState.EXPLAINED):
        ticket = drive(world, ticket, state)
        ticket = Ticket.objects.select_related("finding").get(pk=ticket.pk)
        assert ticket.next_action_at == _computed(ticket), state
    with time_machine.travel(notice_over(ticket), tick=False):
        for state in (TicketState.VERIFIED, TicketState.CLOSED):
            ticket = drive(world, ticket, state)
            ticket = Ticket.objects.select_related("finding").get(pk=ticket.pk)
            assert ticket.next_action_at == _computed(ticket), state
    assert ticket.next_action_at is None


def test_the_sweeps_writes_keep_to_their_lease_and_never_postpone(world):
    ticket = Ticket.objects.get(pk=world.ticket().pk)
    day = dt.timedelta(days=1)
    lease = ticket.next_action_at + day
    Ticket.objects.filter(pk=ticket.pk).update(next_action_at=lease)

    ticket.next_action_at = lease + day
    assert schedule.tickets_reschedule(tickets=[ticket], held=lease - day) == 0  # another sweeper's lease
    assert schedule.tickets_reschedule(tickets=[ticket], earlier_only=True) == 0  # later than what is stored
    assert schedule.tickets_reschedule(tickets=[ticket], held=lease) == 1
    assert Ticket.objects.get(pk=ticket.pk).next_action_at == lease + day

    ticket.next_action_at = lease
    assert schedule.tickets_reschedule(tickets=[ticket], earlier_only=True) == 1
    assert Ticket.objects.get(pk=ticket.pk).next_action_at == lease
