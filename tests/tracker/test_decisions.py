"""What each decision procedure does beyond moving its state: the loops it closes and the limits it keeps."""

import pytest
import time_machine

from tests.tracker.decision_world import (
    accountability,
    add_bodies,
    close_correction_ticket,
    correction,
    drive_decision,
    fire,
)
from tracker import decision_chain, services
from tracker.decision_selectors import (
    accountability_candidates,
    decision_list,
    decision_transitions_available,
    decisions_visible_to,
)
from tracker.errors import Conflict, Forbidden, Invalid
from tracker.models import Decision, DecisionEvent, Ticket
from workflows import calendar, clocks
from workflows.decisions import AppealOutcome, DecisionKind, DecisionState
from workflows.machine import TicketState

D = DecisionState


@pytest.fixture
def bodies(world):
    return add_bodies(world)


def test_a_correction_opens_a_ticket_that_runs_its_own_workflow_to_closure(bodies):
    world = bodies
    decision = correction(world)
    ticket = decision.correction_ticket
    assert (decision.state, ticket.state, ticket.lead_unit) == (D.TRACKING, TicketState.ASSIGNED, world.dept_a)
    assert ticket.finding.description == "纠正违规审批，重新履行程序"
    with pytest.raises(Conflict):
        fire("complete", decision, world.supervisor, note="")
    close_correction_ticket(world, decision)
    assert Ticket.objects.get(pk=ticket.pk).state == TicketState.CLOSED
    done = fire("complete", Decision.objects.get(pk=decision.pk), world.supervisor, note="已销号")
    assert done.state == D.COMPLETED
    last = DecisionEvent.objects.filter(decision=done).last()
    assert (last.kind, last.data["ticket"]) == ("complete", ticket.pk)


def test_only_an_assessor_or_supervisor_over_the_unit_may_issue_a_correction(bodies):
    """A correction assigns a ticket, which only the oversight of the unit may do (finding_create)."""
    with pytest.raises(Forbidden):
        services.correction_issue(
            actor=bodies.officer_b, subject_unit=bodies.dept_a, facts="x", opinion="y", indicator=bodies.indicator
        )
    assert not Ticket.objects.exists() and not Decision.objects.exists()


def test_refused_fault_tolerance_opens_accountability_about_the_same_subject(bodies):
    refused = drive_decision(bodies, DecisionKind.FAULT_TOLERANCE, D.REFUSED)
    opened = refused.related
    assert opened is not None
    assert (opened.kind, opened.state, opened.subject_user, opened.related) == (
        DecisionKind.ACCOUNTABILITY,
        D.OPENED,
        bodies.officer_a,
        refused,
    )


def test_refused_fault_tolerance_resumes_the_accountability_it_concerns(bodies):
    world = bodies
    pending = fire("investigate", accountability(world), world.discipline, note="")
    applied = services.fault_tolerance_apply(
        actor=world.discipline,
        subject_kind="person",
        subject_unit=world.dept_a,
        subject_user=world.officer_a,
        subject_name="王某",
        facts="依职权启动容错",
        related_id=pending.pk,
    )
    applied = fire("investigate", applied, world.discipline, note="")
    fire("refuse", applied, world.discipline, reason="不符合容错情形")
    assert Decision.objects.filter(kind=DecisionKind.ACCOUNTABILITY).count() == 1
    assert DecisionEvent.objects.filter(decision=pending).last().kind == "resumed"


def test_exemption_ends_the_accountability_it_concerns_without_one(bodies):
    world = bodies
    pending = fire("investigate", accountability(world), world.discipline, note="")
    applied = services.fault_tolerance_apply(
        actor=world.officer_a,
        subject_kind="person",
        subject_unit=world.dept_a,
        subject_user=world.officer_a,
        subject_name="王某",
        facts="先行先试",
        related_id=pending.pk,
    )
    fire("exempt", fire("investigate", applied, world.discipline, note=""), world.organisation, reason="符合")
    assert Decision.objects.get(pk=pending.pk).state == D.DISMISSED
    assert decision_chain.verify().broken is None


def test_nobody_applies_for_fault_tolerance_on_someone_elses_behalf(bodies):
    with pytest.raises(Forbidden):
        services.fault_tolerance_apply(
            actor=bodies.officer_b,
            subject_kind="person",
            subject_unit=bodies.dept_a,
            subject_user=bodies.officer_a,
            subject_name="王某",
            facts="代为申请",
        )


def test_the_statement_is_the_subjects_own_text_and_the_body_waits_for_its_time_limit(bodies):
    world = bodies
    decision = drive_decision(world, DecisionKind.ACCOUNTABILITY, D.STATEMENT)
    assert decision.due_on == calendar.add_workdays(clocks.today(), 5)
    with pytest.raises(Conflict):
        fire("waive_statement", decision, world.discipline, note="")
    text = "  因机构改革人员调整，确有延误。\n请予考虑。"
    decision = fire("file_statement", decision, world.officer_a, statement=text)
    assert DecisionEvent.objects.filter(decision=decision).last().data["statement"] == text


def test_measures_must_fit_the_subject_and_an_adjustment_is_one_of_its_kinds(bodies):
    world = bodies
    decision = drive_decision(world, DecisionKind.ACCOUNTABILITY, D.DELIBERATING)
    for measures in ([], ["unit_reorganisation"], ["removal", "demotion"], ["nonsense"]):
        with pytest.raises(Invalid):
            fire("decide", decision, world.discipline, measures=measures, deciding_body="市纪委常委会")
    decided = fire(
        "decide",
        decision,
        world.discipline,
        measures=["discipline", "person_notice", "demotion", "person_notice"],
        deciding_body="市纪委常委会",
        effect_months=6,
    )
    assert decided.measures == ["person_notice", "demotion", "discipline"]
    assert decided.due_on >= decided.decided_on.replace(day=1)
    assert decided.effect_until is not None and decided.appeal_until is not None


def test_an_appeal_does_not_suspend_the_decision_and_is_refused_after_its_window(bodies):
    world = bodies
    decision = drive_decision(world, DecisionKind.ACCOUNTABILITY, D.ENFORCING)
    after_window = clocks.start_of(calendar.add_workdays(decision.appeal_until, 1))
    with time_machine.travel(after_window), pytest.raises(Conflict):
        fire("appeal", decision, world.officer_a, grounds="不服")
    appealed = fire("appeal", decision, world.officer_a, grounds="不服")
    enforced = fire("record_enforcement", appealed, world.organisation, note="已执行")
    assert (enforced.state, enforced.appeal_state) == (D.ENFORCED, "pending")
    revoked = fire("decide_appeal", enforced, world.discipline, outcome=AppealOutcome.REVOKED, reason="事实不清")
    assert (revoked.appeal_outcome, revoked.measures) == ("revoked", [])
    with pytest.raises(Conflict):
        fire("publish", revoked, world.discipline, notice="")


def test_a_public_measure_is_published_once(bodies):
    world = bodies
    decision = drive_decision(world, DecisionKind.ACCOUNTABILITY, D.ENFORCING)
    published = fire("publish", decision, world.discipline, notice="通报")
    assert published.published_on == clocks.today()
    with pytest.raises(Conflict):
        fire("publish", published, world.discipline, notice="再次通报")


def test_a_correction_of_the_record_is_a_new_event_that_supersedes_the_old(bodies):
    world = bodies
    decision = drive_decision(world, DecisionKind.ACCOUNTABILITY, D.ENFORCING)
    decided = DecisionEvent.objects.get(decision=decision, kind="decide")
    amend = services.decision_amend(
        decision_id=decision.pk,
        actor=world.discipline,
        version=decision.version,
        event_id=decided.pk,
        reason="文号笔误",
        changes={"document_number": "临纪发〔2026〕12号"},
    )
    assert (amend.kind, amend.supersedes, amend.data["after"]) == (
        "amend",
        decided,
        {"document_number": "临纪发〔2026〕12号"},
    )
    assert DecisionEvent.objects.get(pk=decided.pk).data == decided.data  # the superseded event stands as it was
    assert Decision.objects.get(pk=decision.pk).document_number == "临纪发〔2026〕12号"
    with pytest.raises(Forbidden):
        services.decision_amend(
            decision_id=decision.pk,
            actor=world.officer_a,
            version=decision.version + 1,
            event_id=decided.pk,
            reason="自己改",
            changes={"facts": "无"},
        )


def test_decisions_are_seen_by_the_oversight_of_their_unit_and_by_their_subject_only(bodies):
    world = bodies
    about_person = accountability(world)
    about_unit = accountability(world, person=False)
    seen = {
        name: set(decisions_visible_to(getattr(world, name)).values_list("pk", flat=True))
        for name in ("supervisor", "discipline", "organisation", "officer_a", "head_a", "officer_b", "assessor")
    }
    both = {about_person.pk, about_unit.pk}
    assert seen == {
        "supervisor": both,
        "discipline": both,
        "organisation": both,
        "officer_a": both,
        "head_a": {about_unit.pk},
        "officer_b": set(),
        "assessor": set(),
    }
    assert [s.name for s in decision_transitions_available(world.discipline, about_person)] == ["investigate"]
    assert decision_transitions_available(world.officer_a, about_person) == []


def test_tickets_meeting_the_grounds_are_candidates_until_accountability_is_opened(bodies):
    world = bodies
    on_time, listed, twice = world.ticket(), world.ticket(), world.ticket()
    Ticket.objects.filter(pk=listed.pk).update(listed=True)
    Ticket.objects.filter(pk=twice.pk).update(reopen_count=2)
    candidates = accountability_candidates(world.supervisor)
    assert set(candidates.values_list("pk", flat=True)) == {listed.pk, twice.pk}
    assert not accountability_candidates(world.officer_a).exists()
    accountability(world, tickets=[listed])
    assert list(accountability_candidates(world.supervisor).values_list("pk", flat=True)) == [twice.pk]
    assert on_time.pk not in accountability_candidates(world.supervisor).values_list("pk", flat=True)
    assert list(decision_list(world.discipline, ticket=listed.pk).values_list("tickets", flat=True)) == [listed.pk]
