"""Every step of every decision procedure, from every state, by every role: allowed exactly as designed.

Written out by hand from the issue ("The decision record"), not derived from workflows.decisions, so a change to
the machine that departs from the design fails here. A refused step changes nothing: neither the decision nor the
chain of events.
"""

import pytest
import time_machine

from tests.tracker.decision_world import PATHS, add_bodies, drive_decision, fire, later, step_inputs
from tracker.errors import Forbidden, InvalidTransition, NotFound
from tracker.models import Decision, DecisionEvent
from workflows.decisions import AppealState, DecisionKind, DecisionState

ACC, TOL, COR = DecisionKind.ACCOUNTABILITY, DecisionKind.FAULT_TOLERANCE, DecisionKind.CORRECTION
D = DecisionState
BODIES = {"discipline", "organisation"}
SUBJECT = {"officer_a"}  # the person the decision is about (and, for a correction, an officer of the unit)
DESIGN = {
    # step: ({(kind, state) it may be taken from}, roles that may take it)
    "investigate": ({(ACC, D.OPENED), (TOL, D.APPLIED)}, BODIES),
    "request_statement": ({(ACC, D.INVESTIGATING)}, BODIES),
    "file_statement": ({(ACC, D.STATEMENT)}, SUBJECT),
    "waive_statement": ({(ACC, D.STATEMENT)}, BODIES),
    "decide": ({(ACC, D.DELIBERATING)}, BODIES),
    "dismiss": ({(ACC, D.INVESTIGATING), (ACC, D.DELIBERATING)}, BODIES),
    # An appeal does not suspend the decision: enforcement and publication go on while it is pending.
    "record_enforcement": ({(ACC, D.ENFORCING), (ACC, "appealed")}, BODIES),
    "publish": ({(ACC, D.ENFORCING), (ACC, D.ENFORCED), (ACC, "appealed")}, BODIES),
    "appeal": ({(ACC, D.ENFORCING), (ACC, D.ENFORCED)}, SUBJECT),
    "decide_appeal": ({(ACC, "appealed")}, BODIES),
    "exempt": ({(TOL, D.INVESTIGATING)}, BODIES),
    "mitigate": ({(TOL, D.INVESTIGATING)}, BODIES),
    "refuse": ({(TOL, D.INVESTIGATING)}, BODIES),
    "follow_up": ({(TOL, D.EXEMPTED), (TOL, D.MITIGATED)}, BODIES),
    "complete": ({(COR, D.TRACKING)}, BODIES | {"supervisor"}),
}
# Who sees a decision about officer_a of dept_a: the supervisors and bodies over dept_a, and officer_a. A decision
# about dept_a itself (a correction) is seen by its officers and head as well. Nobody else: not dept_b, not the
# county's discipline inspection, not the assessors, not someone without a unit.
ROLES = [
    "supervisor",
    "discipline",
    "organisation",
    "officer_a",
    "head_a",
    "officer_b",
    "county_discipline",
    "assessor",
    "outsider",
]
SEES = {"supervisor", "discipline", "organisation", "officer_a"}
SEES_UNIT_DECISION = SEES | {"head_a"}
CASES = [(kind, state) for kind, states in PATHS.items() for state in states]


def snapshot(decision: Decision) -> tuple:
    fresh = Decision.objects.get(pk=decision.pk)
    events = DecisionEvent.objects.filter(decision=decision).count()
    return fresh.state, fresh.appeal_state, fresh.version, fresh.measures, events


@pytest.mark.parametrize("name", list(DESIGN))
@pytest.mark.parametrize(("kind", "state"), CASES)
def test_decision_step_is_allowed_exactly_as_designed(world, kind, state, name):
    add_bodies(world)
    places, roles = DESIGN[name]
    sees = SEES_UNIT_DECISION if kind == COR else SEES
    if roles == SUBJECT and kind == COR:
        roles = SUBJECT | {"head_a"}  # the unit is the subject: its head speaks for it as well
    start, step_day = later(0), later(8)
    with time_machine.travel(start, tick=False):
        decision = drive_decision(world, kind, state)
    allowed = [role for role in ROLES if role in roles and (kind, state) in places]
    # The refusals first, all on the same decision; then each role allowed takes the step on a decision of its own.
    for role in [r for r in ROLES if r not in allowed] + allowed:
        actor = getattr(world, role)
        if role in allowed and role != allowed[0]:
            with time_machine.travel(start, tick=False):
                fresh = drive_decision(world, kind, state)
        else:
            fresh = decision
        with time_machine.travel(step_day, tick=False):
            if role in allowed:
                before_events = DecisionEvent.objects.count()
                after = fire(name, fresh, actor, **step_inputs(name))
                assert after.version == fresh.version + 1
                assert DecisionEvent.objects.count() > before_events
                _assert_moved(name, fresh, after)
                continue
            before = snapshot(decision)
            expected = NotFound if role not in sees else Forbidden if role not in roles else InvalidTransition
            with pytest.raises(expected):
                fire(name, decision, actor, **step_inputs(name))
            assert snapshot(decision) == before


TARGETS = {
    "investigate": D.INVESTIGATING,
    "request_statement": D.STATEMENT,
    "file_statement": D.DELIBERATING,
    "waive_statement": D.DELIBERATING,
    "decide": D.ENFORCING,
    "dismiss": D.DISMISSED,
    "record_enforcement": D.ENFORCED,
    "exempt": D.EXEMPTED,
    "mitigate": D.MITIGATED,
    "refuse": D.REFUSED,
    "complete": D.COMPLETED,
}


def _assert_moved(name, before, after):
    if name in TARGETS:
        assert after.state == TARGETS[name]
    elif name == "appeal":
        assert (after.state, after.appeal_state) == (before.state, AppealState.PENDING)
    elif name == "decide_appeal":
        assert (after.state, after.appeal_state) == (before.state, AppealState.DECIDED)
    else:  # publish, follow_up: the procedure stays where it is
        assert after.state == before.state
