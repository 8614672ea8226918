"""Decision test data: the test world's people plus the bodies that decide, and decisions driven through the real
services to any state of their procedures."""

from __future__ import annotations

import datetime as dt

import time_machine

from tests.factories import UserFactory, World, drive
from tracker import services
from tracker.models import Decision, SubjectKind, Ticket
from tracker.services import decisions as ds
from workflows import calendar, clocks
from workflows.decisions import DecisionKind, DecisionState
from workflows.machine import Role, TicketState

D = DecisionState


def add_bodies(world: World) -> World:
    """discipline and organisation over the city; county_discipline over the county only."""
    for username, unit, role in [
        ("discipline", world.city, Role.DISCIPLINE),
        ("organisation", world.city, Role.ORGANISATION),
        ("county_discipline", world.county, Role.DISCIPLINE),
    ]:
        user = UserFactory(username=username)
        services.membership_add(user=user, unit=unit, role=role)
        world.users[username] = user
    return world


def later(workdays: int) -> dt.datetime:
    """A working morning `workdays` working days from today, for time_machine."""
    return clocks.start_of(calendar.add_workdays(clocks.today(), workdays)) + dt.timedelta(hours=10)


def accountability(world: World, *, person: bool = True, tickets: list[Ticket] | None = None) -> Decision:
    """Accountability about officer_a (a person with an account) or about dept_a (the unit)."""
    return services.accountability_open(
        actor=world.supervisor,
        subject_kind=SubjectKind.PERSON if person else SubjectKind.UNIT,
        subject_unit=world.dept_a,
        subject_user=world.officer_a if person else None,
        subject_name="王某" if person else "",
        subject_position="科长" if person else "",
        facts="整改逾期未完成，挂牌督办后仍未推进",
        rule="《中国共产党问责条例》第七条",
        ticket_ids=[t.pk for t in tickets or []],
    )


def fault_tolerance(world: World) -> Decision:
    return services.fault_tolerance_apply(
        actor=world.officer_a,
        subject_kind=SubjectKind.PERSON,
        subject_unit=world.dept_a,
        subject_user=world.officer_a,
        subject_name="王某",
        subject_position="科长",
        facts="先行先试中出现失误，已主动纠正",
        rule="三个区分开来",
    )


def correction(world: World) -> Decision:
    ticket = world.ticket()
    return services.correction_issue(
        actor=world.supervisor,
        subject_unit=world.dept_a,
        facts="审批流程违规",
        opinion="纠正违规审批，重新履行程序",
        ticket_ids=[ticket.pk],
    )


def fire(name: str, decision: Decision, actor, **inputs) -> Decision:
    return ds.DECISION_SERVICES[name](decision_id=decision.pk, actor=actor, version=decision.version, **inputs)


def step_inputs(name: str) -> dict:
    return {
        "investigate": {"note": "成立核查组"},
        "request_statement": {"facts_told": "经查，整改逾期三个月"},
        "file_statement": {"statement": "因机构改革人员调整，确有延误，请予考虑"},
        "waive_statement": {"note": "逾期未陈述"},
        "decide": {"measures": ["person_notice", "person_admonition"], "deciding_body": "市纪委常委会"},
        "dismiss": {"reason": "查无实据"},
        "record_enforcement": {"note": "已在全市通报并进行诫勉谈话"},
        "publish": {"notice": "关于对王某的通报"},
        "appeal": {"grounds": "事实认定有误"},
        "decide_appeal": {"outcome": "upheld", "reason": "事实清楚"},
        "exempt": {"reason": "符合容错情形"},
        "mitigate": {"reason": "主动纠错"},
        "refuse": {"reason": "谋取私利，不予容错"},
        "follow_up": {"follow_up": "clearing", "note": "在单位会议上澄清正名"},
        "complete": {"note": "整改已销号"},
    }[name]


# How to reach each state of each kind: the steps from the first state, and who takes them.
PATHS = {
    DecisionKind.ACCOUNTABILITY: {
        D.OPENED: [],
        D.INVESTIGATING: ["investigate"],
        D.STATEMENT: ["investigate", "request_statement"],
        D.DELIBERATING: ["investigate", "request_statement", "file_statement"],
        D.ENFORCING: ["investigate", "request_statement", "file_statement", "decide"],
        D.ENFORCED: ["investigate", "request_statement", "file_statement", "decide", "record_enforcement"],
        D.DISMISSED: ["investigate", "dismiss"],
        "appealed": ["investigate", "request_statement", "file_statement", "decide", "appeal"],
    },
    DecisionKind.FAULT_TOLERANCE: {
        D.APPLIED: [],
        D.INVESTIGATING: ["investigate"],
        D.EXEMPTED: ["investigate", "exempt"],
        D.MITIGATED: ["investigate", "mitigate"],
        D.REFUSED: ["investigate", "refuse"],
    },
    DecisionKind.CORRECTION: {D.TRACKING: [], D.COMPLETED: ["complete"]},
}


def close_correction_ticket(world: World, decision: Decision) -> Ticket:
    ticket = drive(world, decision.correction_ticket, TicketState.EXPLAINED)
    with time_machine.travel(later(6), tick=False):
        return drive(world, ticket, TicketState.CLOSED)


def drive_decision(world: World, kind: str, state: str) -> Decision:
    decision = {
        DecisionKind.ACCOUNTABILITY: accountability,
        DecisionKind.FAULT_TOLERANCE: fault_tolerance,
        DecisionKind.CORRECTION: correction,
    }[kind](world)
    if kind == DecisionKind.CORRECTION:
        close_correction_ticket(world, decision)
    for name in PATHS[kind][state]:
        actor = world.officer_a if name in ("file_statement", "appeal") else world.discipline
        decision = fire(name, Decision.objects.get(pk=decision.pk), actor, **step_inputs(name))
    return Decision.objects.get(pk=decision.pk)
