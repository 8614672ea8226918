"""What each transition needs, and that a refusal names why and leaves nothing changed."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from tests.factories import drive, evidence_file, notice_over, plan_kwargs
from tracker import services
from tracker.errors import Forbidden, Invalid, NotFound, StaleVersion
from tracker.models import Ticket, TicketEvent
from workflows import calendar, clocks
from workflows.machine import Role


def snapshot(ticket):
    t = Ticket.objects.get(pk=ticket.pk)
    return (t.state, t.version, t.stage_deadline, t.due_on, TicketEvent.objects.filter(ticket=t).count())


def test_accept_without_a_plan_names_every_missing_field_and_changes_nothing(world):
    ticket = world.ticket()
    before = snapshot(ticket)
    with pytest.raises(Invalid) as refused:
        services.ticket_accept(
            ticket_id=ticket.pk,
            actor=world.head_a,
            version=1,
            measures=" ",
            goal="",
            responsible_person="",
            target_date=None,
        )
    assert set(refused.value.errors) == {"measures", "goal", "responsible_person", "target_date"}
    assert snapshot(ticket) == before


def test_accept_refuses_a_target_date_after_the_deadline(world):
    ticket = world.ticket()
    kwargs = plan_kwargs(ticket) | {"target_date": ticket.due_on + dt.timedelta(days=1)}
    with pytest.raises(Invalid) as refused:
        services.ticket_accept(ticket_id=ticket.pk, actor=world.head_a, version=1, **kwargs)
    assert "target_date" in refused.value.errors


def test_stale_version_is_refused(world):
    ticket = world.ticket()
    services.evidence_add(ticket_id=ticket.pk, actor=world.officer_a, files=[evidence_file()])
    before = snapshot(ticket)
    with pytest.raises(StaleVersion) as refused:
        services.ticket_accept(ticket_id=ticket.pk, actor=world.head_a, version=1, **plan_kwargs(ticket))
    assert refused.value.context == {"state": "assigned", "version": 2}
    assert snapshot(ticket) == before


def test_explain_needs_evidence_or_a_dated_plan(world):
    ticket = drive(world, world.ticket(), "rectifying")
    with pytest.raises(Invalid) as refused:
        services.ticket_explain(ticket_id=ticket.pk, actor=world.head_a, version=ticket.version, explanation="已整改")
    assert "evidence" in refused.value.errors
    with pytest.raises(Invalid) as refused:
        services.ticket_explain(
            ticket_id=ticket.pk,
            actor=world.head_a,
            version=ticket.version,
            explanation="暂不能解决",
            closure_plan="分步推进",
            closure_plan_date=clocks.today(),
        )
    assert "closure_plan_date" in refused.value.errors
    explained = services.ticket_explain(
        ticket_id=ticket.pk,
        actor=world.head_a,
        version=ticket.version,
        explanation="暂不能解决",
        closure_plan="分步推进",
        closure_plan_date=calendar.add_workdays(clocks.today(), 100),
    )
    assert explained.state == "explained" and explained.published_on == clocks.today()


def test_verify_waits_for_the_public_notice_period(world):
    ticket = drive(world, world.ticket(), "explained")
    with pytest.raises(Invalid) as refused:
        services.ticket_verify(ticket_id=ticket.pk, actor=world.assessor, version=ticket.version)
    assert "notice" in refused.value.errors
    with time_machine.travel(notice_over(ticket), tick=False):
        assert (
            services.ticket_verify(ticket_id=ticket.pk, actor=world.assessor, version=ticket.version).state
            == "verified"
        )


def test_an_assessor_who_belongs_to_the_unit_may_not_verify_it(world):
    services.membership_add(user=world.assessor, unit=world.dept_a, role=Role.OFFICER)
    ticket = drive(world, world.ticket(), "explained")
    with time_machine.travel(notice_over(ticket), tick=False), pytest.raises(Forbidden):
        services.ticket_verify(ticket_id=ticket.pk, actor=world.assessor, version=ticket.version)


def test_low_public_satisfaction_needs_the_assessors_reason(world):
    ticket = drive(world, world.ticket(), "explained")
    for rating in ["dissatisfied", "dissatisfied", "satisfied"]:
        services.feedback_give(ticket_id=ticket.pk, rating=rating)
    with time_machine.travel(notice_over(ticket), tick=False):
        with pytest.raises(Invalid) as refused:
            services.ticket_verify(ticket_id=ticket.pk, actor=world.assessor, version=ticket.version)
        assert "satisfaction_override" in refused.value.errors
        verified = services.ticket_verify(
            ticket_id=ticket.pk, actor=world.assessor, version=ticket.version, satisfaction_override="回访核实已整改"
        )
    assert verified.verifications.get().satisfaction == Decimal("0.333")


def test_feedback_does_not_make_the_units_form_stale(world):
    ticket = drive(world, world.ticket(), "explained")
    services.feedback_give(ticket_id=ticket.pk, rating="satisfied")
    assert Ticket.objects.get(pk=ticket.pk).version == ticket.version


def test_feedback_on_an_unpublished_ticket_does_not_exist(world):
    from tracker.errors import NotFound

    ticket = world.ticket()
    with pytest.raises(NotFound):
        services.feedback_give(ticket_id=ticket.pk, rating="satisfied")


def test_reject_needs_a_reason_and_a_future_deadline_and_counts_as_a_reopen(world):
    ticket = drive(world, world.ticket(), "explained")
    with pytest.raises(Invalid) as refused:
        services.ticket_reject(
            ticket_id=ticket.pk, actor=world.assessor, version=ticket.version, reason="", new_deadline=None
        )
    assert set(refused.value.errors) == {"reason", "new_deadline"}
    new_deadline = calendar.add_workdays(clocks.today(), 15)
    rejected = services.ticket_reject(
        ticket_id=ticket.pk, actor=world.assessor, version=ticket.version, reason="佐证不足", new_deadline=new_deadline
    )
    assert (rejected.state, rejected.due_on, rejected.stage_deadline, rejected.reopen_count) == (
        "rectifying",
        new_deadline,
        new_deadline,
        1,
    )


def test_reassign_moves_the_ticket_and_restarts_its_clock(world):
    ticket = world.ticket()
    moved = services.ticket_reassign(
        ticket_id=ticket.pk, actor=world.assessor, version=1, unit=world.dept_b, reason="职责"
    )
    assert moved.lead_unit == world.dept_b and moved.state == "assigned"
    with pytest.raises(NotFound):  # the old unit no longer sees the ticket
        services.ticket_accept(ticket_id=moved.pk, actor=world.head_a, version=moved.version, **plan_kwargs(moved))


def test_evidence_of_a_refused_type_or_size_is_not_stored(world, settings):
    ticket = world.ticket()
    with pytest.raises(Invalid):
        services.evidence_add(ticket_id=ticket.pk, actor=world.officer_a, files=[evidence_file("run.exe", b"MZ")])
    settings.EVIDENCE_MAX_BYTES = 10
    with pytest.raises(Invalid):
        services.evidence_add(ticket_id=ticket.pk, actor=world.officer_a, files=[evidence_file("big.pdf", b"x" * 11)])
    assert not ticket.evidence.exists()


def test_finding_on_the_same_unit_and_indicator_is_flagged_recurring(world):
    first = world.ticket()
    second = world.ticket(description="又一次")
    other_unit = world.ticket(unit=world.dept_b)
    assert (first.finding.recurring, second.finding.recurring, other_unit.finding.recurring) == (False, True, False)


def test_only_oversight_over_the_unit_may_log_a_finding(world):
    with pytest.raises(Forbidden):
        services.finding_create(
            actor=world.county_supervisor, indicator=world.indicator, unit=world.dept_a, description="x", source="y"
        )
