"""A change notifies whoever must act next: promptly after commit, and from the event rows if that is lost."""

import datetime as dt

import pytest
import time_machine

from notifications.models import Kind, Notification
from notifications.sweep import derive_event
from tests.factories import drive, notice_over, plan_kwargs
from tests.notifications.helpers import CLOCK_KINDS, celery_app, closed_port, local, sweep_at
from tracker import services
from tracker.models import Ticket, TicketEvent
from workflows.machine import TicketState

D = dt.date
pytestmark = pytest.mark.django_db


def _kinds_for(user) -> list[str]:
    """What the user's inbox says besides the stage clocks' reminders."""
    rows = Notification.objects.filter(recipient=user, channel="inapp").exclude(kind__in=CLOCK_KINDS)
    return list(rows.values_list("kind", flat=True))


def test_an_assignment_reaches_the_units_officers_only_after_commit(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ticket = world.ticket()
        assert not Notification.objects.exists()  # nothing is derived or enqueued inside the transaction
    assert callbacks
    for callback in callbacks:
        callback()
    assert _kinds_for(world.officer_a) == [Kind.ASSIGNED]
    row = Notification.objects.get(recipient=world.officer_a)
    assert (row.ticket_id, row.stage, row.step) == (ticket.pk, TicketState.ASSIGNED, ticket.events.get().pk)
    assert not Notification.objects.exclude(recipient=world.officer_a).exists()


def test_each_change_notifies_whoever_must_act_next(world):
    ticket = drive(world, world.ticket(), TicketState.EXPLAINED)
    for event in TicketEvent.objects.filter(ticket=ticket):
        derive_event(event.pk)
    assert _kinds_for(world.assessor) == [Kind.AWAITING_VERIFICATION]

    with time_machine.travel(notice_over(ticket), tick=False):
        ticket = services.ticket_reject(
            ticket_id=ticket.pk,
            actor=world.assessor,
            version=ticket.version,
            reason="佐证材料不足",
            new_deadline=D(2027, 6, 30),
        )
    derive_event(TicketEvent.objects.filter(ticket=ticket).latest("id").pk)
    rejected = Notification.objects.filter(kind=Kind.REJECTED, channel="inapp")
    assert {n.recipient.username for n in rejected} == {"officer_a", "head_a"}
    assert "佐证材料不足" in rejected.first().body

    request = services.extension_request(
        ticket_id=ticket.pk, actor=world.officer_a, requested_deadline=D(2027, 9, 30), reason="工程量大"
    )
    derive_event(TicketEvent.objects.filter(ticket=ticket).latest("id").pk)
    services.extension_decide(request=request, actor=world.supervisor, approve=True)
    derive_event(TicketEvent.objects.filter(ticket=ticket).latest("id").pk)
    assert Kind.EXTENSION_REQUESTED in _kinds_for(world.supervisor)
    assert Kind.EXTENSION_DECIDED in _kinds_for(world.officer_a)


def test_a_reassignment_notifies_the_new_unit(world):
    ticket = world.ticket()
    services.ticket_reassign(
        ticket_id=ticket.pk, actor=world.assessor, version=ticket.version, unit=world.dept_b, reason="职责调整"
    )
    derive_event(TicketEvent.objects.filter(ticket=ticket).latest("id").pk)
    assert _kinds_for(world.officer_b) == [Kind.ASSIGNED]


def test_supervisors_read_per_ticket_messages_in_the_inbox_only(world):
    world.supervisor.email = "supervisor@example.org"
    world.supervisor.save()
    ticket = drive(world, world.ticket(), TicketState.EXPLAINED)
    with time_machine.travel(notice_over(ticket), tick=False):
        ticket = drive(world, ticket, TicketState.VERIFIED)
    derive_event(TicketEvent.objects.filter(ticket=ticket).latest("id").pk)
    rows = Notification.objects.filter(recipient=world.supervisor, kind=Kind.AWAITING_CLOSE)
    assert [r.channel for r in rows] == ["inapp"]  # the email comes in the daily digest


def test_the_sweep_derives_changes_whose_prompt_path_was_lost(world):
    ticket = world.ticket()  # the test transaction never commits: the after-commit enqueue never happens
    moment = ticket.events.get().created_at + dt.timedelta(seconds=30)
    sweep_at(moment)
    assert _kinds_for(world.officer_a) == [Kind.ASSIGNED]
    sweep_at(moment)
    sweep_at(moment + dt.timedelta(minutes=10))
    assert _kinds_for(world.officer_a) == [Kind.ASSIGNED]


def test_the_cursor_stays_behind_events_younger_than_the_horizon(world, settings):
    settings.NOTIFY_EVENT_HORIZON_SECONDS = 120
    from notifications.models import Cursor

    event = world.ticket().events.get()
    sweep_at(event.created_at + dt.timedelta(seconds=60))
    assert Cursor.objects.get(name="events").position < event.pk  # a transaction still open could commit below it
    sweep_at(event.created_at + dt.timedelta(seconds=121))
    assert Cursor.objects.get(name="events").position == event.pk


def test_stale_events_are_not_announced(world, settings):
    settings.NOTIFY_EVENT_MAX_AGE_HOURS = 24
    with time_machine.travel(local(D(2025, 11, 3)), tick=False):
        world.ticket()
    sweep_at(local(D(2025, 11, 5)))
    assert not Notification.objects.filter(kind=Kind.ASSIGNED).exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("default_policies")
def test_a_change_commits_with_the_broker_down_and_its_messages_follow(world):
    with celery_app(f"redis://127.0.0.1:{closed_port()}/0"):
        ticket = world.ticket()  # the after-commit enqueue fails: logged, nothing raised
        ticket = services.ticket_accept(
            ticket_id=ticket.pk, actor=world.head_a, version=ticket.version, **plan_kwargs(ticket)
        )
    assert Ticket.objects.get(pk=ticket.pk).state == TicketState.RECTIFYING
    assert not Notification.objects.exists()
    sweep_at(ticket.events.latest("id").created_at + dt.timedelta(seconds=5))
    assert _kinds_for(world.officer_a) == [Kind.ASSIGNED]
