"""A pause gives back the working time it stopped: no more, no less (issue 11)."""

import datetime as dt

import time_machine

from tests.factories import drive
from tracker import services
from tracker.models import Ticket
from workflows import calendar, clocks

D = dt.date


def at(day: dt.date, hour: int = 10):
    return time_machine.travel(dt.datetime.combine(day, dt.time(hour), tzinfo=clocks.SHANGHAI), tick=False)


def paused(world, ticket: Ticket) -> Ticket:
    request = services.pause_request(ticket_id=ticket.pk, actor=world.officer_a, reason="等待专家评审")
    services.pause_decide(request=request, actor=world.supervisor, approve=True)
    return Ticket.objects.get(pk=ticket.pk)


def test_a_same_day_pause_and_resume_keeps_a_deadline_that_falls_on_a_saturday(world):
    """The reported case: extended to Saturday 2027-02-27, paused and resumed on the same day, the deadline became
    Friday 2027-02-26."""
    saturday = D(2027, 2, 27)
    assert not calendar.is_workday(saturday)
    with at(D(2027, 1, 11)):
        ticket = drive(world, world.ticket(due_on=D(2027, 2, 19)), "rectifying")
        request = services.extension_request(
            ticket_id=ticket.pk, actor=world.officer_a, requested_deadline=saturday, reason="设备到货延迟"
        )
        services.extension_decide(request=request, actor=world.supervisor, approve=True)
    with at(D(2027, 2, 17)):
        resumed = services.clock_resume(
            ticket_id=paused(world, Ticket.objects.get(pk=ticket.pk)).pk, actor=world.officer_a
        )
    assert (resumed.due_on, resumed.stage_deadline) == (saturday, saturday)
    assert Ticket.objects.get(pk=ticket.pk).due_on == saturday


def test_a_pause_over_days_off_only_gives_back_the_same_deadline(world):
    saturday = D(2027, 3, 13)
    with at(D(2027, 2, 22)):
        ticket = drive(world, world.ticket(due_on=saturday), "rectifying")
    with at(D(2027, 3, 6)):  # a Saturday: paused over the weekend, resumed on Sunday
        ticket = paused(world, ticket)
    with at(D(2027, 3, 7)):
        resumed = services.clock_resume(ticket_id=ticket.pk, actor=world.officer_a)
    assert resumed.stage_deadline == saturday


def test_a_pause_that_stopped_working_days_moves_the_deadline_by_them(world):
    friday = D(2027, 3, 12)
    with at(D(2027, 2, 22)):
        ticket = drive(world, world.ticket(due_on=friday), "rectifying")
    with at(D(2027, 3, 1)):  # Monday, 9 working days left
        ticket = paused(world, ticket)
    assert ticket.paused_workdays_left == 9
    with at(D(2027, 3, 3)):  # two working days stopped
        resumed = services.clock_resume(ticket_id=ticket.pk, actor=world.officer_a)
    assert resumed.stage_deadline == D(2027, 3, 16) == calendar.add_workdays(friday, 2)


def test_an_extension_approved_during_a_pause_is_kept_by_the_resume(world):
    with at(D(2027, 2, 22)):
        ticket = drive(world, world.ticket(due_on=D(2027, 3, 12)), "rectifying")
    with at(D(2027, 3, 1)):
        request = services.extension_request(
            ticket_id=ticket.pk, actor=world.officer_a, requested_deadline=D(2027, 3, 26), reason="设备到货延迟"
        )
        ticket = paused(world, Ticket.objects.get(pk=ticket.pk))
        services.extension_decide(request=request, actor=world.supervisor, approve=True)
    with at(D(2027, 3, 3)):
        resumed = services.clock_resume(ticket_id=ticket.pk, actor=world.officer_a)
    assert resumed.stage_deadline == calendar.add_workdays(D(2027, 3, 26), 2) == D(2027, 3, 30)


def test_a_same_day_pause_and_resume_of_the_signing_clock_changes_nothing(world):
    with at(D(2027, 3, 5)):  # a Friday
        ticket = world.ticket()
        before = ticket.stage_deadline
        resumed = services.clock_resume(ticket_id=paused(world, ticket).pk, actor=world.officer_a)
    assert resumed.stage_deadline == before
