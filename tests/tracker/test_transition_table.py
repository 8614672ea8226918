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

S = TicketState
DESIGN = {
    # transition: (from states, roles that may fire it, target)
    "accept": ({S.ASSIGNED}, {"officer_a", "head_a"}, S.RECTIFYING),
    "reassign": ({S.ASSIGNED}, {"assessor", "supervisor"}, S.ASSIGNED),
    "explain": ({S.RECTIFYING}, {"head_a"}, S.EXPLAINED),
    "verify": ({S.EXPLAINED}, {"assessor"}, S.VERIFIED),
    "reject": ({S.EXPLAINED}, {"assessor"}, S.RECTIFYING),
    "close": ({S.VERIFIED}, {"supervisor"}, S.CLOSED),
    "reopen": ({S.CLOSED}, {"supervisor", "assessor"}, S.RECTIFYING),
    "withdraw": ({S.ASSIGNED, S.RECTIFYING}, {"supervisor"}, S.WITHDRAWN),
}
# officer_b works in another department; county_supervisor oversees a different subtree; admin manages reference
# data but takes no part in the workflow; outsider has no membership at all. The first two and the last do not see
# the ticket at all: to them it does not exist.
ROLES = ["officer_a", "head_a", "officer_b", "assessor", "supervisor", "county_supervisor", "admin", "outsider"]
UNSEEN_BY = {"officer_b", "county_supervisor", "outsider"}


def inputs(name: str, ticket: Ticket, world, today: dt.date) -> dict:
    later = calendar.add_workdays(today, 30)
    return {
        "accept": lambda: plan_kwargs(ticket),
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
    ticket = drive_to(world, state)
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


def drive_to(world, state: str) -> Ticket:
    ticket = world.ticket()
    if state in (S.VERIFIED, S.CLOSED):
        ticket = drive(world, ticket, S.EXPLAINED)
        with time_machine.travel(clocks.start_of(calendar.add_workdays(clocks.today(), 6)), tick=False):
            return drive(world, ticket, state)
    return drive(world, ticket, state) if state != S.ASSIGNED else ticket
