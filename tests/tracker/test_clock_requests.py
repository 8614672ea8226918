"""Extensions move the deadline only when asked for in time; pauses stop the clock and give back what was left."""

import datetime as dt

import pytest
import time_machine

from tests.factories import drive, evidence_file
from tracker import services
from tracker.errors import Conflict, Forbidden, Invalid, NotFound
from tracker.models import Ticket, TicketEvent
from workflows import calendar, clocks

D = dt.date


def at(day: dt.date, hour: int = 10):
    return time_machine.travel(dt.datetime.combine(day, dt.time(hour), tzinfo=clocks.SHANGHAI), tick=False)


@pytest.fixture
def rectifying(world):
    with at(D(2025, 9, 22)):
        return drive(world, world.ticket(), "rectifying")


def test_pause_over_national_day_returns_the_working_days_that_were_left(world):
    # Paused on 2025-09-26 with its deadline on 2025-10-16: 10 working days left (09-28 and 10-11 are make-up
    # workdays, 10-01 to 10-08 holidays). Resumed on 10-09, the same 10 working days run to 10-22.
    with at(D(2025, 9, 1)):
        ticket = drive(world, world.ticket(due_on=D(2025, 10, 16)), "rectifying")
    assert ticket.stage_deadline == D(2025, 10, 16)
    with at(D(2025, 9, 26)):
        request = services.pause_request(ticket_id=ticket.pk, actor=world.officer_a, reason="等待专家评审")
        request = services.pause_decide(request=request, actor=world.supervisor, approve=True)
    paused = Ticket.objects.get(pk=ticket.pk)
    assert (request.workdays_left, paused.paused_workdays_left, paused.stage_deadline) == (10, 10, None)
    assert paused.next_action_at is None
    with at(D(2025, 10, 9)):
        resumed = services.clock_resume(ticket_id=paused.pk, actor=world.officer_a)
    assert resumed.stage_deadline == D(2025, 10, 22) == resumed.due_on
    assert resumed.next_action_at is not None
    assert not resumed.is_paused


def test_extension_approved_moves_the_deadline_and_restarts_the_ladder(world, rectifying):
    old = rectifying.due_on
    wanted = calendar.add_workdays(old, 20)
    with at(calendar.subtract_workdays(old, 5)):
        request = services.extension_request(
            ticket_id=rectifying.pk, actor=world.officer_a, requested_deadline=wanted, reason="设备到货延迟"
        )
        services.extension_decide(request=request, actor=world.supervisor, approve=True)
    ticket = Ticket.objects.get(pk=rectifying.pk)
    assert (ticket.due_on, ticket.stage_deadline, ticket.extension_count) == (wanted, wanted, 1)
    policy = services._core.policy_of(ticket)
    assert ticket.next_action_at == clocks.ladder(wanted, policy)[0].at


def test_extension_after_the_deadline_is_refused_and_changes_nothing(world, rectifying):
    with at(calendar.add_workdays(rectifying.due_on, 1)), pytest.raises(Conflict):
        services.extension_request(
            ticket_id=rectifying.pk,
            actor=world.officer_a,
            requested_deadline=calendar.add_workdays(rectifying.due_on, 30),
            reason="来不及",
        )
    after = Ticket.objects.get(pk=rectifying.pk)
    assert (after.version, after.due_on, after.extension_count) == (rectifying.version, rectifying.due_on, 0)


def test_extension_on_the_deadline_day_is_still_in_time(world, rectifying):
    with at(rectifying.due_on, hour=17):
        request = services.extension_request(
            ticket_id=rectifying.pk,
            actor=world.officer_a,
            requested_deadline=calendar.add_workdays(rectifying.due_on, 5),
            reason="最后一天申请",
        )
    assert request.state == "pending"


def test_extension_must_ask_for_a_later_date_and_only_one_may_wait(world, rectifying):
    with at(D(2025, 9, 24)):
        with pytest.raises(Invalid) as refused:
            services.extension_request(
                ticket_id=rectifying.pk, actor=world.officer_a, requested_deadline=rectifying.due_on, reason="x"
            )
        assert "requested_deadline" in refused.value.errors
        later = calendar.add_workdays(rectifying.due_on, 5)
        services.extension_request(ticket_id=rectifying.pk, actor=world.officer_a, requested_deadline=later, reason="x")
        with pytest.raises(Conflict):
            services.extension_request(
                ticket_id=rectifying.pk, actor=world.officer_a, requested_deadline=later, reason="y"
            )


def test_only_a_supervisor_over_the_unit_decides_and_a_rejection_needs_a_reason(world, rectifying):
    later = calendar.add_workdays(rectifying.due_on, 5)
    with at(D(2025, 9, 24)):
        request = services.extension_request(
            ticket_id=rectifying.pk, actor=world.officer_a, requested_deadline=later, reason="x"
        )
        for outsider in (world.officer_a, world.assessor):
            with pytest.raises(Forbidden):
                services.extension_decide(request=request, actor=outsider, approve=True)
        with pytest.raises(NotFound):  # a supervisor of another county does not see the ticket at all
            services.extension_decide(request=request, actor=world.county_supervisor, approve=True)
        with pytest.raises(Invalid):
            services.extension_decide(request=request, actor=world.supervisor, approve=False)
        services.extension_decide(request=request, actor=world.supervisor, approve=False, reason="理由不充分")
        with pytest.raises(Conflict):
            services.extension_decide(request=request, actor=world.supervisor, approve=True)
    after = Ticket.objects.get(pk=rectifying.pk)
    assert (after.due_on, after.extension_count) == (rectifying.due_on, 0)
    kinds = list(TicketEvent.objects.filter(ticket=after).values_list("kind", flat=True))
    assert kinds[-2:] == ["extension_requested", "extension_decided"]


def test_a_transition_while_paused_ends_the_pause_and_starts_the_new_stage_clock(world):
    ticket = drive(world, world.ticket(), "rectifying")
    request = services.pause_request(ticket_id=ticket.pk, actor=world.officer_a, reason="等待检测报告")
    services.pause_decide(request=request, actor=world.supervisor, approve=True)
    paused = Ticket.objects.get(pk=ticket.pk)
    services.evidence_add(ticket_id=paused.pk, actor=world.officer_a, files=[evidence_file()])
    paused = Ticket.objects.get(pk=ticket.pk)
    explained = services.ticket_explain(
        ticket_id=paused.pk, actor=world.head_a, version=paused.version, explanation="已整改"
    )
    assert not explained.is_paused and explained.stage_deadline is not None
    request.refresh_from_db()
    assert (request.state, request.resumed_on) == ("ended", clocks.today())
