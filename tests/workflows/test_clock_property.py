"""A ticket's deadline is what its events say it is.

For random policies, admin holidays, and pauses, resumes and extensions on random dates, the ticket's stage deadline
equals the one recomputed from its events alone, with a working-day count written here day by day (independent of
the calendar's ordinal table): a pause takes the working days left, a resume gives them back counted from its day,
a resume that stopped no working time gives back the very deadline, and an extension while paused counts.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass

import chinese_calendar
import pytest
import time_machine
from hypothesis import given
from hypothesis import strategies as st

from tests.factories import make_world, plan_kwargs
from tests.fuzz import fuzz_settings
from tracker import services
from tracker.errors import ServiceError
from tracker.models import EventKind, PauseRequest, Ticket, TicketEvent
from workflows import calendar, clocks
from workflows.machine import TicketState
from workflows.models import CalendarDay, Policy, _policy_cache

D = dt.date


def at(day: dt.date):
    return time_machine.travel(dt.datetime.combine(day, dt.time(10), tzinfo=clocks.SHANGHAI), tick=False)


class Reference:
    """Working days counted one day at a time, from the official schedule and the admin's overrides."""

    def __init__(self, overrides: dict[dt.date, bool]) -> None:
        self.overrides = overrides

    def is_workday(self, day: dt.date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        if day in chinese_calendar.workdays:
            return True
        if day in chinese_calendar.holidays:
            return False
        return day.weekday() < 5

    def add(self, day: dt.date, count: int) -> dt.date:
        while count:
            day += dt.timedelta(days=1)
            count -= self.is_workday(day)
        return day

    def between(self, start: dt.date, end: dt.date) -> int:
        if end < start:
            return -self.between(end, start)
        return sum(self.is_workday(start + dt.timedelta(days=i)) for i in range(1, (end - start).days + 1))


@dataclass
class Recomputed:
    state: str
    deadline: dt.date | None
    due_on: dt.date
    paused_on: dt.date | None = None
    deadline_at_pause: dt.date | None = None


def recompute(ticket: Ticket, policy: Policy, ref: Reference) -> Recomputed:
    """The clock as the events tell it: each event's day is when it was written, in Asia/Shanghai."""
    clock: Recomputed | None = None
    for event in TicketEvent.objects.filter(ticket=ticket).order_by("id"):
        day = event.created_at.astimezone(clocks.SHANGHAI).date()
        if event.kind == EventKind.CREATED:
            due = D.fromisoformat(event.data["due_on"])
            clock = Recomputed(TicketState.ASSIGNED, ref.add(day, policy.sign_days), due)
            continue
        assert clock is not None
        if event.kind == EventKind.ACCEPT:
            clock = Recomputed(TicketState.RECTIFYING, clock.due_on, clock.due_on)
        elif event.kind == EventKind.PAUSE_DECIDED and event.data["approved"]:
            clock.paused_on, clock.deadline_at_pause, clock.deadline = day, clock.deadline, None
        elif event.kind == EventKind.EXTENSION_DECIDED and event.data["approved"]:
            clock.due_on = D.fromisoformat(event.data["due_on"])
            if clock.paused_on is None:
                clock.deadline = clock.due_on
        elif event.kind == EventKind.RESUMED:
            assert clock.paused_on is not None and clock.deadline_at_pause is not None
            before = clock.due_on if clock.state == TicketState.RECTIFYING else clock.deadline_at_pause
            if ref.between(clock.paused_on, day) == 0:
                clock.deadline = before
            else:
                clock.deadline = ref.add(day, max(0, ref.between(clock.paused_on, before)))
            if clock.state == TicketState.RECTIFYING:
                clock.due_on = clock.deadline
            clock.paused_on = clock.deadline_at_pause = None
    assert clock is not None
    return clock


START = st.dates(min_value=D(2025, 1, 1), max_value=D(2028, 6, 30))
STEP = st.tuples(
    st.integers(min_value=0, max_value=12),  # days after the previous step
    st.sampled_from(["pause", "resume", "extend", "wait"]),
    st.integers(min_value=1, max_value=40),  # working days an extension adds
)


@pytest.fixture
def world_once(db, default_policies):
    """One cast for every example; the calendar's and the policies' caches are forgotten after the test, since the
    examples changed both."""
    yield make_world()
    calendar.invalidate()
    _policy_cache.clear()


@fuzz_settings(30)
@given(
    start=START,
    sign_days=st.integers(min_value=0, max_value=10),
    rectify_days=st.integers(min_value=0, max_value=40),
    own_due=st.one_of(st.none(), st.integers(min_value=1, max_value=120)),
    holidays=st.lists(st.tuples(st.integers(min_value=0, max_value=200), st.booleans()), max_size=12),
    accept_after=st.one_of(st.none(), st.integers(min_value=0, max_value=5)),
    steps=st.lists(STEP, max_size=8),
)
def test_the_deadline_equals_the_one_recomputed_from_the_events(
    world_once, start, sign_days, rectify_days, own_due, holidays, accept_after, steps
):
    world = world_once
    overrides = {start + dt.timedelta(days=offset): workday for offset, workday in holidays}
    CalendarDay.objects.all().delete()
    CalendarDay.objects.bulk_create(CalendarDay(date=d, is_workday=w) for d, w in overrides.items())
    calendar.invalidate()
    Policy.objects.filter(rectification_class="time_limited", severity="").update(
        sign_days=sign_days, rectify_days=rectify_days
    )
    _policy_cache.clear()
    policy = Policy.for_ticket("time_limited")
    ref = Reference(overrides)

    day = start
    with at(day):
        due_on = start + dt.timedelta(days=own_due) if own_due else None
        ticket = world.ticket(due_on=due_on)
    if due_on is None:
        assert ticket.due_on == ref.add(start, sign_days + rectify_days)
    if accept_after is not None:
        day += dt.timedelta(days=accept_after)
        with at(day):
            ticket = Ticket.objects.get(pk=ticket.pk)
            target = {**plan_kwargs(ticket), "target_date": max(day, ticket.due_on)}
            with contextlib.suppress(ServiceError):  # e.g. a deadline already past: it wrote no event
                services.ticket_accept(ticket_id=ticket.pk, actor=world.head_a, version=ticket.version, **target)
    for gap, action, more in steps:
        day += dt.timedelta(days=gap)
        ticket = Ticket.objects.get(pk=ticket.pk)
        with at(day):
            try:
                if action == "pause":
                    request = services.pause_request(ticket_id=ticket.pk, actor=world.officer_a, reason="等待评审")
                    services.pause_decide(request=request, actor=world.supervisor, approve=True)
                elif action == "resume":
                    services.clock_resume(ticket_id=ticket.pk, actor=world.officer_a)
                elif action == "extend":
                    request = services.extension_request(
                        ticket_id=ticket.pk,
                        actor=world.officer_a,
                        requested_deadline=ref.add(ticket.due_on, more),
                        reason="设备到货延迟",
                    )
                    services.extension_decide(request=request, actor=world.supervisor, approve=True)
            except ServiceError:
                pass  # refused (not paused, deadline passed, …): it wrote no event

    ticket = Ticket.objects.get(pk=ticket.pk)
    expected = recompute(ticket, policy, ref)
    assert ticket.state == expected.state
    assert ticket.stage_deadline == expected.deadline
    assert ticket.due_on == expected.due_on
    if expected.paused_on is not None:
        pause = PauseRequest.objects.get(ticket=ticket, state="approved")
        assert ticket.paused_workdays_left == pause.workdays_left
        assert pause.workdays_left == max(0, ref.between(expected.paused_on, expected.deadline_at_pause))
    else:
        assert not ticket.is_paused
        assert ticket.next_action_at == (
            clocks.ladder(ticket.stage_deadline, policy)[0].at if ticket.stage_deadline else None
        )
