"""A ticket's clock walked day by day with time-machine: each rung once, on its working day, to the right people."""

import datetime as dt

import pytest
import time_machine

from notifications.models import Notification
from tests.factories import drive, plan_kwargs
from tests.notifications.helpers import clock_rows, local, sweep_at
from tracker import services
from tracker.models import EventKind, ProgressReport, Ticket, TicketEvent
from workflows import calendar
from workflows.machine import TicketState
from workflows.models import Policy, RectificationClass

D = dt.date
pytestmark = pytest.mark.django_db


def _walk(first: dt.date, last: dt.date, **filters) -> dict[dt.date, list[tuple[str, int, str]]]:
    """Sweep at 10:00 each day, then again at the same instant; what each day's first sweep made."""
    made: dict[dt.date, list[tuple[str, int, str]]] = {}
    day = first
    while day <= last:
        before = Notification.objects.count()
        sweep_at(local(day))
        new = [r for r in clock_rows(**filters) if r.id > _last_id_before(before)]
        repeat_before = Notification.objects.count()
        sweep_at(local(day))
        assert Notification.objects.count() == repeat_before, f"a second sweep on {day} made rows"
        if new:
            made[day] = sorted({(r.kind, r.step, r.recipient.username) for r in new})
        day += dt.timedelta(days=1)
    return made


def _last_id_before(count: int) -> int:
    ids = list(Notification.objects.order_by("id").values_list("id", flat=True)[:count])
    return ids[-1] if ids else 0


def test_each_rung_appears_once_on_its_working_day(world):
    # Assigned on Monday 3 November 2025: signing is due three working days later, on Thursday the 6th.
    with time_machine.travel(local(D(2025, 11, 3), 9), tick=False):
        ticket = world.ticket()
    assert ticket.stage_deadline == D(2025, 11, 6)

    made = _walk(D(2025, 11, 3), D(2025, 11, 28), channel="inapp")

    assert made == {
        # The reminder three days before falls on the day of assignment: the assignment message says it.
        D(2025, 11, 5): [("remind", 1, "officer_a")],
        D(2025, 11, 6): [("remind", 0, "officer_a")],
        D(2025, 11, 7): [("chase", 0, "head_a")],  # the morning after the deadline day
        D(2025, 11, 12): [("supervise", 3, "supervisor")],  # 3 working days overdue: the city's supervisors
        D(2025, 11, 21): [("list", 10, "head_a"), ("list", 10, "supervisor")],  # 10 working days overdue
    }
    ticket.refresh_from_db()
    assert ticket.next_action_at is None  # the ladder is spent: the sweep never looks at it again


def test_listing_puts_the_ticket_on_the_public_register_once(world):
    with time_machine.travel(local(D(2025, 11, 3), 9), tick=False):
        ticket = world.ticket()
    sweep_at(local(D(2025, 11, 21)))
    sweep_at(local(D(2025, 11, 24)))
    ticket.refresh_from_db()
    assert ticket.listed
    assert TicketEvent.objects.filter(ticket=ticket, kind=EventKind.LISTED).count() == 1
    assert ticket.version == 2


def test_a_sweep_after_an_outage_sends_the_escalations_but_only_the_latest_reminder(world):
    with time_machine.travel(local(D(2025, 11, 3), 9), tick=False):
        ticket = world.ticket()
    sweep_at(local(D(2025, 11, 13)))  # first sweep in ten days
    assert sorted((r.kind, r.step) for r in clock_rows(ticket=ticket, channel="inapp")) == [
        ("chase", 0),
        ("supervise", 3),
    ]


def test_an_extension_restarts_the_ladder(world):
    with time_machine.travel(local(D(2025, 11, 3), 9), tick=False):
        ticket = world.ticket(due_on=D(2025, 11, 21))
        ticket = drive(world, ticket, TicketState.RECTIFYING)
    assert ticket.stage_deadline == D(2025, 11, 21)
    sweep_at(local(D(2025, 11, 20)))
    assert [(r.kind, r.step, r.deadline) for r in clock_rows(ticket=ticket, recipient=world.officer_a)] == [
        ("remind", 1, D(2025, 11, 21))
    ]
    with time_machine.travel(local(D(2025, 11, 20), 11), tick=False):
        request = services.extension_request(
            ticket_id=ticket.pk, actor=world.officer_a, requested_deadline=D(2025, 12, 5), reason="等待专家论证"
        )
        services.extension_decide(request=request, actor=world.supervisor, approve=True)

    made = _walk(D(2025, 11, 20), D(2025, 12, 10), ticket=ticket, channel="inapp")

    assert made == {
        D(2025, 12, 2): [("remind", 3, "officer_a")],
        D(2025, 12, 4): [("remind", 1, "officer_a")],
        D(2025, 12, 5): [("remind", 0, "officer_a")],
        D(2025, 12, 6): [("chase", 0, "head_a")],  # as the deadline passes: a Saturday, in the inbox at once
    }
    assert not clock_rows(ticket=ticket, deadline=D(2025, 11, 21), kind="chase")


def test_escalation_follows_the_unit_tree(world):
    with time_machine.travel(local(D(2025, 11, 3), 9), tick=False):
        county_ticket = world.ticket(unit=world.county_dept)
        city_ticket = world.ticket(unit=world.dept_b)
    sweep_at(local(D(2025, 11, 12)))
    slips = {(r.ticket_id, r.recipient.username) for r in clock_rows(kind="supervise", channel="inapp")}
    # The county's department is supervised by the county; the city's department by the city.
    assert slips == {(county_ticket.pk, "county_supervisor"), (city_ticket.pk, "supervisor")}


def test_verification_is_chased_with_the_assessors_and_never_listed(world):
    with time_machine.travel(local(D(2025, 11, 3), 9), tick=False):
        ticket = drive(world, world.ticket(), TicketState.EXPLAINED)
    assert ticket.stage_deadline == calendar.add_workdays(D(2025, 11, 3), 15)  # notice 5 + verify 10

    made = _walk(D(2025, 11, 3), D(2026, 1, 9), ticket=ticket, channel="inapp")

    steps = {day: kinds for day, kinds in made.items()}
    recipients = {(kind, who) for kinds in steps.values() for kind, _step, who in kinds}
    assert recipients == {("remind", "assessor"), ("chase", "assessor"), ("supervise", "supervisor")}
    assert not Ticket.objects.get(pk=ticket.pk).listed


def test_long_term_progress_reports_are_chased_each_cycle(world):
    cycle = Policy.for_ticket(RectificationClass.LONG_TERM).reporting_cycle_days
    with time_machine.travel(local(D(2025, 9, 1), 9), tick=False):
        ticket = world.ticket(klass=RectificationClass.LONG_TERM)
    with time_machine.travel(local(D(2025, 9, 2), 9), tick=False):
        ticket = services.ticket_accept(
            ticket_id=ticket.pk, actor=world.head_a, version=ticket.version, **plan_kwargs(ticket)
        )
        sweep_at(local(D(2025, 9, 2), 9, 30))  # the accept event brings the report clock forward
    due = calendar.add_workdays(D(2025, 9, 2), cycle)
    ticket.refresh_from_db()
    assert ticket.next_action_at == local(calendar.subtract_workdays(due, 1), 0)

    sweep_at(local(calendar.add_workdays(due, 1)))
    assert {(r.kind, r.recipient.username) for r in clock_rows(ticket=ticket, channel="inapp")} >= {
        ("report_chase", "head_a")
    }
    with time_machine.travel(local(calendar.add_workdays(due, 1), 11), tick=False):
        services.progress_report(ticket_id=ticket.pk, actor=world.officer_a, text="排查完成", percent=30)
    assert ProgressReport.objects.filter(ticket=ticket).count() == 1
    # The next report is due a cycle after this one, and nothing is chased before then.
    before = len(clock_rows(ticket=ticket))
    sweep_at(local(calendar.add_workdays(due, 2)))
    sweep_at(local(calendar.add_workdays(due, 5)))
    assert len(clock_rows(ticket=ticket)) == before


def test_a_ticket_whose_clock_cannot_be_read_is_pushed_forward_and_the_others_proceed(world):
    with time_machine.travel(local(D(2025, 11, 3), 9), tick=False):
        broken = world.ticket(klass=RectificationClass.IMMEDIATE)
        healthy = world.ticket()
    Policy.objects.filter(rectification_class=RectificationClass.IMMEDIATE).delete()  # an admin's mistake

    moment = local(D(2025, 11, 7))
    sweep_at(moment)

    broken.refresh_from_db()
    healthy.refresh_from_db()
    assert broken.next_action_at > moment  # held back for a while, not retried in a tight loop
    assert not clock_rows(ticket=broken)
    assert clock_rows(ticket=healthy, kind="chase")
