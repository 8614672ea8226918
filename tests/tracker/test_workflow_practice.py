"""The steps practice adds around the designed transitions (DOMAIN.md, "Lifecycle"): the plan signed by the unit head
and reviewed for a severe finding, a ticket returned as not the unit's own, co-units reporting on their part, the
long-term verdict, pauses only before the deadline they stop, the stage record, and what follows a listing."""

import datetime as dt

import pytest
import time_machine

from tests.factories import drive, evidence_file, plan_kwargs, sign_for
from tracker import selectors, services
from tracker.errors import Conflict, Forbidden, Invalid, InvalidTransition
from tracker.models import (
    EventKind,
    Milestone,
    PauseRequest,
    PlanState,
    ProgressReport,
    Ticket,
    TicketEvent,
    TicketStage,
    Verdict,
    Verification,
)
from tracker.warning_filter import with_warning
from workflows import calendar, clocks
from workflows.machine import TicketState
from workflows.models import Policy, RectificationClass, Severity

D = dt.date


def at(day: dt.date, hour: int = 10):
    return time_machine.travel(dt.datetime.combine(day, dt.time(hour), tzinfo=clocks.SHANGHAI), tick=False)


def snapshot(ticket):
    t = Ticket.objects.get(pk=ticket.pk)
    return (
        t.state,
        t.version,
        t.stage_deadline,
        t.plan_state,
        t.pause_count,
        TicketEvent.objects.filter(ticket=t).count(),
    )


# --- plan review (方案审核) -------------------------------------------------------------------------------------


def test_the_officer_submits_the_plan_and_the_head_signs_it_without_retyping(world):
    ticket = world.ticket()
    plan = plan_kwargs(ticket) | {"milestones": [("排查", ticket.due_on)]}
    submitted = services.ticket_submit_plan(ticket_id=ticket.pk, actor=world.officer_a, version=1, **plan)
    assert (submitted.state, submitted.plan_state) == (TicketState.ASSIGNED, PlanState.SUBMITTED)
    assert submitted.stage_deadline == ticket.stage_deadline  # the signing clock keeps running

    with pytest.raises(Forbidden):  # only the head signs for the ticket
        services.ticket_accept(ticket_id=ticket.pk, actor=world.officer_a, version=submitted.version)
    signed = services.ticket_accept(ticket_id=ticket.pk, actor=world.head_a, version=submitted.version)
    assert (signed.state, signed.plan_state, signed.plan_signed_by) == (
        TicketState.RECTIFYING,
        PlanState.ADOPTED,
        world.head_a,
    )
    assert signed.measures == plan["measures"]
    assert list(Milestone.objects.filter(ticket=ticket).values_list("title", flat=True)) == ["排查"]


def test_a_severe_findings_plan_is_signed_then_reviewed_and_may_be_sent_back(world):
    ticket = world.ticket(severity=Severity.SEVERE)
    with pytest.raises(InvalidTransition) as refused:
        services.ticket_accept(ticket_id=ticket.pk, actor=world.head_a, version=1, **plan_kwargs(ticket))
    assert "审核" in str(refused.value)  # the service says why: the plan is reviewed
    signed = services.ticket_sign_plan(ticket_id=ticket.pk, actor=world.head_a, version=1, **plan_kwargs(ticket))
    assert (signed.state, signed.plan_state) == (TicketState.ASSIGNED, PlanState.AWAITING_REVIEW)

    with pytest.raises(Invalid):
        services.ticket_return_plan(ticket_id=ticket.pk, actor=world.assessor, version=signed.version, reason=" ")
    returned = services.ticket_return_plan(
        ticket_id=ticket.pk, actor=world.assessor, version=signed.version, reason="措施不具体"
    )
    assert returned.plan_state == PlanState.RETURNED
    assert returned.stage_deadline == ticket.stage_deadline
    with pytest.raises(InvalidTransition):  # nothing awaits review now
        services.ticket_approve_plan(ticket_id=ticket.pk, actor=world.assessor, version=returned.version)

    revised = services.ticket_submit_plan(
        ticket_id=ticket.pk, actor=world.officer_a, version=returned.version, measures="逐点位拆除并复核"
    )
    resigned = services.ticket_sign_plan(ticket_id=ticket.pk, actor=world.head_a, version=revised.version)
    approved = services.ticket_approve_plan(ticket_id=ticket.pk, actor=world.assessor, version=resigned.version)
    assert (approved.state, approved.plan_state, approved.measures) == (
        TicketState.RECTIFYING,
        PlanState.ADOPTED,
        "逐点位拆除并复核",
    )
    kinds = list(TicketEvent.objects.filter(ticket=ticket).values_list("kind", flat=True))
    assert kinds == ["created", "sign_plan", "return_plan", "submit_plan", "sign_plan", "approve_plan"]


def test_the_policy_can_ask_for_review_of_any_severity(world):
    Policy.objects.filter(rectification_class=RectificationClass.TIME_LIMITED).update(plan_review=True)
    ticket = world.ticket()
    names = [s.name for s in selectors.transitions_available(world.head_a, ticket)]
    assert names == ["submit_plan", "sign_plan", "return_ticket"]


# --- a ticket that is not the unit's own (退回) ---------------------------------------------------------------


def test_a_unit_returns_a_ticket_and_the_supervisor_insists_with_the_clock_running(world):
    ticket = world.ticket()
    with at(calendar.add_workdays(clocks.today(), 1)):
        returned = services.ticket_return_ticket(
            ticket_id=ticket.pk,
            actor=world.officer_a,
            version=1,
            reason="属住建部门职责",
            suggested_unit=world.dept_b,
        )
    assert (returned.return_pending, returned.return_count) == (True, 1)
    with pytest.raises(InvalidTransition):  # the unit waits for the decision
        services.ticket_accept(ticket_id=ticket.pk, actor=world.head_a, version=returned.version, **plan_kwargs(ticket))
    kept = services.ticket_insist(
        ticket_id=ticket.pk, actor=world.supervisor, version=returned.version, reason="属本单位"
    )
    assert (kept.return_pending, kept.stage_deadline, kept.stage_started_on) == (
        False,
        ticket.stage_deadline,
        ticket.stage_started_on,
    )
    assert TicketStage.objects.filter(ticket=ticket).count() == 1  # still the one signing stage


def test_a_returned_ticket_reassigned_starts_the_new_units_signing_clock_afresh(world):
    ticket = world.ticket()
    later = calendar.add_workdays(clocks.today(), 2)
    with at(later):
        returned = services.ticket_return_ticket(ticket_id=ticket.pk, actor=world.head_a, version=1, reason="非本单位")
        moved = services.ticket_reassign(
            ticket_id=ticket.pk, actor=world.assessor, version=returned.version, unit=world.dept_b, reason="职责调整"
        )
    policy = Policy.for_ticket(RectificationClass.TIME_LIMITED)
    assert (moved.lead_unit, moved.return_pending, moved.return_count) == (world.dept_b, False, 1)
    assert (moved.stage_started_on, moved.stage_deadline) == (later, calendar.add_workdays(later, policy.sign_days))
    stages = list(TicketStage.objects.filter(ticket=ticket).order_by("id").values_list("unit_id", "ended_on"))
    assert stages == [(world.dept_a.pk, later), (world.dept_b.pk, None)]


# --- the stage record ---------------------------------------------------------------------------------------------


def test_a_late_signature_is_a_late_stage_in_the_record(world):
    ticket = world.ticket()
    signing_deadline = ticket.stage_deadline
    late_day = calendar.add_workdays(signing_deadline, 2)
    with at(late_day):
        accepted = sign_for(world, ticket)
        stages = list(selectors.ticket_stages(world.supervisor, ticket.pk))
    assert [(s.state, s.deadline, s.ended_on, s.late) for s in stages] == [
        (TicketState.ASSIGNED, signing_deadline, late_day, True),
        (TicketState.RECTIFYING, accepted.due_on, None, False),
    ]


def test_an_extension_and_a_resume_move_the_open_stages_recorded_deadline(world):
    ticket = drive(world, world.ticket(), TicketState.RECTIFYING)
    request = services.extension_request(
        ticket_id=ticket.pk,
        actor=world.officer_a,
        requested_deadline=calendar.add_workdays(ticket.due_on, 10),
        reason="专家论证",
    )
    services.extension_decide(request=request, actor=world.supervisor, approve=True)
    open_stage = TicketStage.objects.get(ticket=ticket, ended_on__isnull=True)
    assert open_stage.deadline == calendar.add_workdays(ticket.due_on, 10)


# --- pauses -------------------------------------------------------------------------------------------------------


def test_a_pause_requested_after_the_deadline_is_refused_and_changes_nothing(world):
    ticket = drive(world, world.ticket(), TicketState.RECTIFYING)
    with at(calendar.add_workdays(ticket.stage_deadline, 1)):
        before = snapshot(ticket)
        with pytest.raises(Conflict) as refused:
            services.pause_request(ticket_id=ticket.pk, actor=world.officer_a, reason="等待检测结果")
    assert "届满前申请" in str(refused.value)  # before the deadline it stops
    assert snapshot(ticket) == before
    assert not PauseRequest.objects.filter(ticket=ticket).exists()


def test_pauses_are_counted_with_the_working_days_they_stopped(world):
    ticket = drive(world, world.ticket(), TicketState.RECTIFYING)
    start = clocks.today()
    request = services.pause_request(ticket_id=ticket.pk, actor=world.officer_a, reason="专家评审")
    services.pause_decide(request=request, actor=world.supervisor, approve=True)
    resume_day = calendar.add_workdays(start, 4)
    with at(resume_day):
        resumed = services.clock_resume(ticket_id=ticket.pk, actor=world.officer_a)
    assert (resumed.pause_count, resumed.paused_workdays) == (1, 4)
    assert TicketStage.objects.get(ticket=ticket, ended_on__isnull=True).deadline == resumed.stage_deadline


# --- co-units (协办单位) ----------------------------------------------------------------------------------------


def test_a_co_units_officer_reports_on_its_part_but_fires_none_of_the_lead_units_transitions(world):
    ticket = world.ticket(co_units=[world.dept_b])
    ticket = drive(world, ticket, TicketState.RECTIFYING)
    report = services.progress_report(ticket_id=ticket.pk, actor=world.officer_b, text="协办部分已完成排查", percent=60)
    after = Ticket.objects.get(pk=ticket.pk)
    assert report.unit == world.dept_b
    assert after.progress == 0  # the lead unit consolidates; the ticket's progress is its report
    assert TicketEvent.objects.filter(ticket=ticket, kind=EventKind.PROGRESS).get().data["co_unit"] == world.dept_b.pk

    services.evidence_add(ticket_id=ticket.pk, actor=world.officer_a, files=[evidence_file()])
    ticket = Ticket.objects.get(pk=ticket.pk)
    for name, kwargs in (("explain", {"explanation": "已整改"}), ("withdraw", {"reason": "误登"})):
        with pytest.raises(Forbidden):
            services.TRANSITION_SERVICES[name](
                ticket_id=ticket.pk, actor=world.officer_b, version=ticket.version, **kwargs
            )
    with pytest.raises(Forbidden):
        services.extension_request(
            ticket_id=ticket.pk,
            actor=world.officer_b,
            requested_deadline=ticket.due_on + dt.timedelta(days=9),
            reason="x",
        )
    services.progress_report(ticket_id=ticket.pk, actor=world.officer_a, text="牵头单位汇总", percent=50)
    assert Ticket.objects.get(pk=ticket.pk).progress == 50
    assert ProgressReport.objects.filter(ticket=ticket, unit__isnull=True).count() == 1


# --- the long-term verdict (持续整改) ---------------------------------------------------------------------------


def test_continue_rectifying_keeps_a_long_term_ticket_explained_until_its_next_review(world):
    ticket = drive(world, world.ticket(klass=RectificationClass.LONG_TERM), TicketState.RECTIFYING)
    services.evidence_add(ticket_id=ticket.pk, actor=world.officer_a, files=[evidence_file()])
    ticket = services.ticket_explain(
        ticket_id=ticket.pk,
        actor=world.head_a,
        version=Ticket.objects.get(pk=ticket.pk).version,
        explanation="阶段性完成",
        closure_plan="分年度推进",
        closure_plan_date=calendar.add_workdays(clocks.today(), 200),
    )
    review = calendar.add_workdays(clocks.today(), 60)
    with pytest.raises(Invalid):
        services.ticket_continue_rectifying(
            ticket_id=ticket.pk, actor=world.assessor, version=ticket.version, comment="", next_review_on=None
        )
    kept = services.ticket_continue_rectifying(
        ticket_id=ticket.pk, actor=world.assessor, version=ticket.version, comment="持续推进", next_review_on=review
    )
    assert (kept.state, kept.stage_deadline, kept.next_review_on) == (TicketState.EXPLAINED, review, review)
    assert Verification.objects.get(ticket=ticket).verdict == Verdict.CONTINUING


def test_only_a_long_term_problem_continues_rectifying(world):
    ticket = drive(world, world.ticket(), TicketState.EXPLAINED)
    with pytest.raises(InvalidTransition):
        services.ticket_continue_rectifying(
            ticket_id=ticket.pk,
            actor=world.assessor,
            version=ticket.version,
            comment="持续推进",
            next_review_on=calendar.add_workdays(clocks.today(), 30),
        )


# --- after listed supervision (约谈, 通报) ------------------------------------------------------------------------


def test_a_summons_follows_a_listing_and_is_recorded_on_the_ticket(world):
    ticket = drive(world, world.ticket(), TicketState.RECTIFYING)
    with pytest.raises(Conflict):  # nothing to follow up before a listing
        services.ticket_follow_up(ticket_id=ticket.pk, actor=world.supervisor, kind="circulated", note="通报")
    services.ticket_list(ticket_id=ticket.pk, actor=world.supervisor, reason="逾期")
    with pytest.raises(Invalid) as refused:
        services.ticket_follow_up(ticket_id=ticket.pk, actor=world.supervisor, kind="summoned", note="约谈")
    assert set(refused.value.errors) == {"held_on"}
    with pytest.raises(Forbidden):
        services.ticket_follow_up(
            ticket_id=ticket.pk, actor=world.assessor, kind="circulated", note="临考办通报〔2026〕3号"
        )
    services.ticket_follow_up(
        ticket_id=ticket.pk, actor=world.supervisor, kind="summoned", note="约谈主要负责人", held_on=clocks.today()
    )
    event = TicketEvent.objects.filter(ticket=ticket).latest("id")
    assert (event.kind, event.data["held_on"], event.actor) == (
        EventKind.SUMMONED,
        str(clocks.today()),
        world.supervisor,
    )


# --- progress behind the milestones' schedule (序时进度) ------------------------------------------------------------


def test_progress_behind_the_milestones_turns_the_warning_yellow_in_python_and_in_sql(world):
    ticket = world.ticket()
    first = calendar.add_workdays(clocks.today(), 2)
    ticket = sign_for(world, ticket, milestones=[("完成排查", first), ("完成整改", ticket.due_on)])
    assert ticket.milestones_total == 2
    after_first = calendar.add_workdays(first, 1)
    with at(after_first):
        # By time alone the stage is barely begun (green); half its milestones have come, and nothing is done.
        assert clocks.scheduled_progress(ticket.stage_started_on, ticket.stage_deadline, after_first) < 20
        assert selectors.ticket_warning(selectors.ticket_get(world.head_a, ticket.pk)) == clocks.Warning.YELLOW
        assert list(with_warning(Ticket.objects.all(), clocks.Warning.YELLOW).values_list("pk", flat=True)) == [
            ticket.pk
        ]
        [row] = selectors.ledger_rows(Ticket.objects.filter(pk=ticket.pk))
        assert selectors.row_warning(row) == clocks.Warning.YELLOW
        services.progress_report(ticket_id=ticket.pk, actor=world.officer_a, text="排查完成", percent=40)
        assert selectors.ticket_warning(selectors.ticket_get(world.head_a, ticket.pk)) == clocks.Warning.GREEN
        assert not with_warning(Ticket.objects.all(), clocks.Warning.YELLOW).exists()
