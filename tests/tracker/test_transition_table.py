"""Every transition from every state, fired by every role: allowed exactly where DESIGN.md's table says.

The table below is written out by hand from DESIGN.md, not derived from the machine, so that a change to the
machine that departs from the design fails here.
"""

import datetime as dt

import pytest
import time_machine

from tests.factories import drive, plan_kwargs
from tracker import services
from tracker.errors import Forbidden, InvalidTransition, NotFound
from tracker.models import Ticket, TicketEvent
from workflows import calendar, clocks
from workflows.machine import TicketState
from workflows.models import RectificationClass, Severity

S = TicketState
DESIGN = {
    # transition: (from states, roles that may fire it, target)
    "submit_plan": ({S.ASSIGNED}, {"officer_a", "head_a"}, S.ASSIGNED),
    "accept": ({S.ASSIGNED}, {"head_a"}, S.RECTIFYING),
    "sign_plan": ({S.ASSIGNED}, {"head_a"}, S.ASSIGNED),
    "approve_plan": ({S.ASSIGNED}, {"assessor"}, S.RECTIFYING),
    "return_plan": ({S.ASSIGNED}, {"assessor"}, S.ASSIGNED),
    "return_ticket": ({S.ASSIGNED}, {"officer_a", "head_a"}, S.ASSIGNED),
    "insist": ({S.ASSIGNED}, {"assessor", "supervisor"}, S.ASSIGNED),
    "reassign": ({S.ASSIGNED}, {"assessor", "supervisor"}, S.ASSIGNED),
    "continue_rectifying": ({S.EXPLAINED}, {"assessor"}, S.EXPLAINED),
    "explain": ({S.RECTIFYING}, {"head_a"}, S.EXPLAINED),
    "verify": ({S.EXPLAINED}, {"assessor"}, S.VERIFIED),
    "reject": ({S.EXPLAINED}, {"assessor"}, S.RECTIFYING),
    "close": ({S.VERIFIED}, {"supervisor"}, S.CLOSED),
    "reopen": ({S.CLOSED}, {"supervisor", "assessor"}, S.RECTIFYING),
    "withdraw": ({S.ASSIGNED, S.RECTIFYING}, {"supervisor"}, S.WITHDRAWN),
}
# officer_b works in another department; officer_c in the ticket's co-unit (协办单位), which sees the ticket and
# reports on its part but fires none of the lead unit's transitions; county_supervisor oversees a different subtree;
# admin manages reference data but takes no part in the workflow; outsider has no membership at all. officer_b,
# county_supervisor and outsider do not see the ticket at all: to them it does not exist.
ROLES = [
    *("officer_a", "head_a", "officer_b", "officer_c", "assessor", "supervisor", "county_supervisor", "admin"),
    "outsider",
]
UNSEEN_BY = {"officer_b", "county_supervisor", "outsider"}


def inputs(name: str, ticket: Ticket, world, today: dt.date) -> dict:
    later = calendar.add_workdays(today, 30)
    return {
        "submit_plan": lambda: plan_kwargs(ticket),
        "accept": lambda: plan_kwargs(ticket),
        "sign_plan": lambda: plan_kwargs(ticket),
        "approve_plan": dict,
        "return_plan": lambda: {"reason": "措施不具体"},
        "return_ticket": lambda: {"reason": "不属本单位职责", "suggested_unit": world.dept_b},
        "insist": lambda: {"reason": "属本单位职责"},
        "continue_rectifying": lambda: {"comment": "阶段性完成", "next_review_on": later},
        "reassign": lambda: {"unit": world.dept_b, "reason": "职责调整"},
        "explain": lambda: {
            "explanation": "阶段性进展说明",
            "closure_plan": "分阶段推进",
            "closure_plan_date": later,
        },
        "verify": lambda: {"comment": "整改到位"},
        "reject": lambda: {"reason": "佐证不足", "new_deadline": later},
        "close": dict,
        "reopen": lambda: {"reason": "回头看发现反弹"},
        "withdraw": lambda: {"reason": "误登"},
    }[name]()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("state", list(S))
@pytest.mark.parametrize("name", list(DESIGN))
def test_transition_is_allowed_exactly_as_designed(world, name, state, role):
    ticket = drive_to(world, state, name)
    sources, roles, target = DESIGN[name]
    actor = getattr(world, role)
    before_events = TicketEvent.objects.filter(ticket=ticket).count()
    moment = clocks.start_of(calendar.add_workdays(clocks.today(), 8)) + dt.timedelta(hours=10)
    with time_machine.travel(moment, tick=False):
        kwargs = inputs(name, ticket, world, clocks.today())
        fire = services.TRANSITION_SERVICES[name]
        if role in roles and state in sources:
            after = fire(ticket_id=ticket.pk, actor=actor, version=ticket.version, **kwargs)
            assert (after.state, after.version) == (target, ticket.version + 1)
            assert TicketEvent.objects.filter(ticket=ticket).count() == before_events + 1
            return
        expected = NotFound if role in UNSEEN_BY else Forbidden if role not in roles else InvalidTransition
        with pytest.raises(expected):
            fire(ticket_id=ticket.pk, actor=actor, version=ticket.version, **kwargs)
    unchanged = Ticket.objects.get(pk=ticket.pk)
    assert (unchanged.state, unchanged.version, unchanged.lead_unit_id) == (state, ticket.version, world.dept_a.pk)
    assert TicketEvent.objects.filter(ticket=ticket).count() == before_events


# What a transition needs besides state and role (its guards, workflows.machine.Guard), set up on the ticket so that
# only state and role decide: a severe finding's plan is reviewed; the assessor reviews a signed plan; insisting
# answers a return; only a long-term problem continues rectifying.
SEVERE = {"sign_plan", "approve_plan", "return_plan"}


def drive_to(world, state: str, name: str) -> Ticket:
    ticket = world.ticket(
        co_units=[world.county_dept],
        klass=RectificationClass.LONG_TERM if name == "continue_rectifying" else RectificationClass.TIME_LIMITED,
        severity=Severity.SEVERE if name in SEVERE else Severity.GENERAL,
    )
    if state == S.ASSIGNED and name in ("approve_plan", "return_plan"):
        return services.ticket_sign_plan(ticket_id=ticket.pk, actor=world.head_a, version=1, **plan_kwargs(ticket))
    if state == S.ASSIGNED and name == "insist":
        return services.ticket_return_ticket(ticket_id=ticket.pk, actor=world.officer_a, version=1, reason="非本单位")
    if state in (S.VERIFIED, S.CLOSED):
        ticket = drive(world, ticket, S.EXPLAINED)
        with time_machine.travel(clocks.start_of(calendar.add_workdays(clocks.today(), 6)), tick=False):
            return drive(world, ticket, state)
    return drive(world, ticket, state) if state != S.ASSIGNED else ticket
