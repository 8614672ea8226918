"""Stage deadlines, warning colours and the ladder of a stage's clock."""

import datetime as dt

import pytest

from workflows import calendar, clocks
from workflows.clocks import LadderStep, Warning
from workflows.machine import TicketState
from workflows.models import Policy

D = dt.date


@pytest.fixture
def policy(default_policies) -> Policy:
    return Policy.for_ticket("time_limited")


def test_default_policies_are_seeded_for_every_class(default_policies):
    expected = {"immediate": (2, 10), "time_limited": (3, 60), "long_term": (5, 180)}
    for klass, (sign, rectify) in expected.items():
        p = Policy.for_ticket(klass)
        assert (p.sign_days, p.rectify_days, p.notice_days, p.verify_days, p.close_days) == (sign, rectify, 5, 10, 5)
    assert Policy.for_ticket("long_term").reporting_cycle_days


def test_severity_row_overrides_the_class_row(default_policies):
    Policy.objects.create(rectification_class="immediate", severity="severe", sign_days=1, rectify_days=3)
    assert Policy.for_ticket("immediate", "severe").rectify_days == 3
    assert Policy.for_ticket("immediate", "general").rectify_days == 10


def test_stage_deadlines_count_working_days_from_the_stage_start(policy):
    start = D(2025, 9, 26)
    assert clocks.stage_deadline(TicketState.ASSIGNED, policy, start, None) == calendar.add_workdays(start, 3)
    assert clocks.stage_deadline(TicketState.RECTIFYING, policy, start, D(2025, 12, 1)) == D(2025, 12, 1)
    assert clocks.stage_deadline(TicketState.EXPLAINED, policy, start, None) == calendar.add_workdays(start, 15)
    assert clocks.stage_deadline(TicketState.VERIFIED, policy, start, None) == calendar.add_workdays(start, 5)
    assert clocks.stage_deadline(TicketState.CLOSED, policy, start, None) is None


def test_warning_turns_red_the_day_after_the_deadline(policy):
    deadline = D(2025, 11, 14)
    assert clocks.warning(deadline=deadline, on=deadline, policy=policy) == Warning.YELLOW
    assert clocks.warning(deadline=deadline, on=D(2025, 11, 15), policy=policy) == Warning.RED


def test_warning_is_yellow_near_the_deadline_and_green_before(policy):
    deadline = D(2025, 11, 28)  # Friday
    assert clocks.warning(deadline=deadline, on=D(2025, 11, 25), policy=policy) == Warning.YELLOW  # 3 days left
    assert clocks.warning(deadline=deadline, on=D(2025, 11, 21), policy=policy) == Warning.GREEN  # 5 days left


def test_warning_is_yellow_when_progress_lags_the_schedule(policy):
    start, deadline, on = D(2025, 9, 1), D(2025, 12, 31), D(2025, 11, 3)
    behind = clocks.warning(deadline=deadline, on=on, policy=policy, started_on=start, progress=10)
    on_schedule = clocks.warning(deadline=deadline, on=on, policy=policy, started_on=start, progress=60)
    assert (behind, on_schedule) == (Warning.YELLOW, Warning.GREEN)


def test_paused_clock_shows_paused(policy):
    assert clocks.warning(deadline=None, on=D(2025, 1, 1), policy=policy, paused=True) == Warning.PAUSED


def test_ladder_runs_reminders_then_escalations_in_time_order(policy):
    deadline = D(2025, 10, 16)  # Thursday
    rungs = clocks.ladder(deadline, policy)
    assert [(r.step, r.offset) for r in rungs] == [
        (LadderStep.REMIND, 3),
        (LadderStep.REMIND, 1),
        (LadderStep.REMIND, 0),
        (LadderStep.CHASE, 0),
        (LadderStep.SUPERVISE, 3),
        (LadderStep.LIST, 10),
    ]
    by_step = {(r.step, r.offset): r.at for r in rungs}
    assert by_step[(LadderStep.REMIND, 3)] == clocks.start_of(D(2025, 10, 13))
    assert by_step[(LadderStep.CHASE, 0)] == clocks.start_of(D(2025, 10, 17))  # the moment the deadline passes
    assert by_step[(LadderStep.SUPERVISE, 3)] == clocks.start_of(D(2025, 10, 22))  # after Fri, Mon, Tue overdue
    assert clocks.next_action_at(deadline, policy, by_step[(LadderStep.SUPERVISE, 3)]) == by_step[(LadderStep.LIST, 10)]
    assert clocks.next_action_at(deadline, policy, by_step[(LadderStep.LIST, 10)]) is None


def test_a_starting_stage_clock_is_due_at_its_first_rung_even_one_already_passed(policy):
    deadline = D(2025, 10, 16)
    first = clocks.ladder(deadline, policy)[0].at
    assert first < clocks.start_of(D(2025, 10, 14))
    at = clocks.ticket_next_action_at(
        state=TicketState.RECTIFYING,
        policy=policy,
        stage_deadline=deadline,
        stage_started_on=D(2025, 10, 14),
        paused=False,
    )
    assert at == first


def test_only_the_units_own_stages_are_scheduled_for_listing(policy):
    deadline = D(2025, 10, 16)
    by_step = {r.step: r.at for r in clocks.ladder(deadline, policy)}
    common = {"policy": policy, "stage_deadline": deadline, "stage_started_on": D(2025, 10, 1), "paused": False}
    after = by_step[LadderStep.SUPERVISE]
    assert clocks.ticket_next_action_at(state=TicketState.RECTIFYING, after=after, **common) == by_step[LadderStep.LIST]
    assert clocks.ticket_next_action_at(state=TicketState.VERIFIED, after=after, **common) is None
    assert clocks.ticket_next_action_at(state=TicketState.CLOSED, after=after, **common) is None


def test_a_long_term_ticket_is_next_looked_at_for_its_progress_report(default_policies):
    policy = Policy.for_ticket("long_term")
    started = D(2025, 9, 2)
    due = calendar.add_workdays(started, policy.reporting_cycle_days)
    common = {
        "state": TicketState.RECTIFYING,
        "policy": policy,
        "stage_deadline": calendar.add_workdays(started, 180),
        "stage_started_on": started,
        "after": clocks.start_of(started),
    }
    assert clocks.ticket_next_action_at(paused=False, **common) == clocks.start_of(calendar.subtract_workdays(due, 1))
    assert clocks.ticket_next_action_at(paused=True, **common) is None


def test_the_documented_workflow_graph_is_the_machine():
    from pathlib import Path

    from django.conf import settings

    from workflows.machine import as_mermaid

    doc = (Path(settings.BASE_DIR) / "docs" / "workflow.md").read_text()
    assert f"```mermaid\n{as_mermaid()}\n```" in doc
