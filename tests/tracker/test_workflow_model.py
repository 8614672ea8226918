"""Random walks through the services, checked after every step against a small reference model.

The model knows only DESIGN.md's table (who may fire what from where), with the steps practice adds around it
(the plan signed by the head and, for a severe finding, reviewed by the assessor; a ticket returned by a unit that
says it is not its own; a long-term problem kept in rectification), the version rule (every accepted write bumps it
by one, a refusal changes nothing) and the guards the walk can trip: a plan's target date lies between today and the
deadline; verification needs evidence on file and the public notice period over.
"""

import datetime as dt

import pytest
import time_machine
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from tests.factories import evidence_file, plan_kwargs
from tracker import services
from tracker.errors import Conflict, Forbidden, Invalid, InvalidTransition, NotFound, StaleVersion
from tracker.models import PlanState, Ticket, TicketEvent, TicketStage
from workflows import calendar, clocks
from workflows.machine import TicketState as S
from workflows.models import RectificationClass, Severity

TABLE = {
    "submit_plan": ({S.ASSIGNED}, {"lead_officer", "lead_head"}, S.ASSIGNED),
    "accept": ({S.ASSIGNED}, {"lead_head"}, S.RECTIFYING),
    "sign_plan": ({S.ASSIGNED}, {"lead_head"}, S.ASSIGNED),
    "approve_plan": ({S.ASSIGNED}, {"assessor"}, S.RECTIFYING),
    "return_plan": ({S.ASSIGNED}, {"assessor"}, S.ASSIGNED),
    "return_ticket": ({S.ASSIGNED}, {"lead_officer", "lead_head"}, S.ASSIGNED),
    "insist": ({S.ASSIGNED}, {"assessor", "supervisor"}, S.ASSIGNED),
    "continue_rectifying": ({S.EXPLAINED}, {"assessor"}, S.EXPLAINED),
    "reassign": ({S.ASSIGNED}, {"assessor", "supervisor"}, S.ASSIGNED),
    "explain": ({S.RECTIFYING}, {"lead_head"}, S.EXPLAINED),
    "verify": ({S.EXPLAINED}, {"assessor"}, S.VERIFIED),
    "reject": ({S.EXPLAINED}, {"assessor"}, S.RECTIFYING),
    "close": ({S.VERIFIED}, {"supervisor"}, S.CLOSED),
    "reopen": ({S.CLOSED}, {"supervisor", "assessor"}, S.RECTIFYING),
    "withdraw": ({S.ASSIGNED, S.RECTIFYING}, {"supervisor"}, S.WITHDRAWN),
}
ROLES = ["lead_officer", "lead_head", "other_officer", "co_officer", "assessor", "supervisor", "outsider"]
PLANS = {"submit_plan", "accept", "sign_plan"}
OPEN = {S.ASSIGNED, S.RECTIFYING, S.EXPLAINED, S.VERIFIED}
START = dt.datetime(2025, 9, 22, 10, tzinfo=clocks.SHANGHAI)


@pytest.mark.parametrize(
    "klass, severity",
    [(RectificationClass.TIME_LIMITED, Severity.GENERAL), (RectificationClass.LONG_TERM, Severity.SEVERE)],
)
def test_services_agree_with_the_reference_model(world, klass, severity):
    reviewed, long_term = severity == Severity.SEVERE, klass == RectificationClass.LONG_TERM

    class Walk(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.traveller = time_machine.travel(START, tick=False)
            self.clock = self.traveller.start()
            self.ticket = world.ticket(klass=klass, severity=severity, co_units=[world.county_dept])
            self.model = {"state": S.ASSIGNED, "version": 1, "events": 1, "unit": "a", "evidence": False}
            self.model |= {"plan": PlanState.NONE, "returned": False, "target": None}
            self.published_on: dt.date | None = None

        def teardown(self):
            self.traveller.stop()

        def actor(self, role: str):
            lead, other = ("a", "b") if self.model["unit"] == "a" else ("b", "a")
            return {
                "lead_officer": getattr(world, f"officer_{lead}"),
                "lead_head": getattr(world, f"head_{lead}"),
                "other_officer": getattr(world, f"officer_{other}"),
                "co_officer": world.officer_c,
                "assessor": world.assessor,
                "supervisor": world.supervisor,
                "outsider": world.outsider,
            }[role]

        def inputs(self, name: str, ticket: Ticket) -> dict:
            later = calendar.add_workdays(clocks.today(), 30)
            return {
                "submit_plan": lambda: plan_kwargs(ticket),
                "accept": lambda: plan_kwargs(ticket),
                "sign_plan": lambda: plan_kwargs(ticket),
                "approve_plan": dict,
                "return_plan": lambda: {"reason": "措施不具体"},
                "return_ticket": lambda: {"reason": "非本单位职责"},
                "insist": lambda: {"reason": "属本单位职责"},
                "continue_rectifying": lambda: {"comment": "持续推进", "next_review_on": later},
                "reassign": lambda: {
                    "unit": world.dept_b if self.model["unit"] == "a" else world.dept_a,
                    "reason": "改派",
                },
                "explain": lambda: {"explanation": "说明", "closure_plan": "计划", "closure_plan_date": later},
                "verify": dict,
                "reject": lambda: {"reason": "退回", "new_deadline": later},
                "close": dict,
                "reopen": lambda: {"reason": "回头看"},
                "withdraw": lambda: {"reason": "误登"},
            }[name]()

        def expected(self, name: str, role: str, stale: bool, ticket: Ticket):
            sources, roles, target = TABLE[name]
            if role in ("other_officer", "outsider"):
                return NotFound  # neither sees the ticket: to them it does not exist
            if role not in roles:
                return Forbidden
            if self.model["state"] not in sources or not self.guards_hold(name):
                return InvalidTransition
            if stale:
                return StaleVersion
            if name in PLANS and clocks.today() > ticket.due_on:
                return Invalid  # a plan's target date lies between today and the deadline: none is left
            if name == "approve_plan" and self.model["target"] < clocks.today():
                return Invalid  # the signed plan's target date has passed
            if name == "verify":
                notice_end = calendar.add_workdays(self.published_on, 5)
                if not self.model["evidence"] or clocks.today() <= notice_end:
                    return Invalid
            return target

        def guards_hold(self, name: str) -> bool:
            m = self.model
            awaiting = m["plan"] == PlanState.AWAITING_REVIEW
            return {
                "submit_plan": not awaiting,
                "accept": not m["returned"] and not reviewed,
                "sign_plan": not m["returned"] and reviewed and not awaiting,
                "approve_plan": awaiting,
                "return_plan": awaiting,
                "return_ticket": not m["returned"],
                "insist": m["returned"],
                "continue_rectifying": long_term,
            }.get(name, True)

        def apply(self, name: str, ticket: Ticket) -> None:
            m = self.model
            if name in PLANS or name == "approve_plan":
                m["plan"] = {
                    "submit_plan": PlanState.SUBMITTED,
                    "sign_plan": PlanState.AWAITING_REVIEW,
                    "accept": PlanState.ADOPTED,
                    "approve_plan": PlanState.ADOPTED,
                }[name]
            if name == "sign_plan":
                m["target"] = ticket.due_on  # plan_kwargs aims at the deadline
            if name == "return_plan":
                m["plan"] = PlanState.RETURNED
            if name in ("return_ticket", "insist"):
                m["returned"] = name == "return_ticket"
            if name == "reassign":
                m.update(unit="b" if m["unit"] == "a" else "a", plan=PlanState.NONE, returned=False)
            if name == "explain":
                self.published_on = clocks.today()

        @rule(name=st.sampled_from(sorted(TABLE)), role=st.sampled_from(ROLES), stale=st.booleans())
        def fire(self, name, role, stale):
            ticket = Ticket.objects.get(pk=self.ticket.pk)
            version = ticket.version + (1 if stale else 0)
            outcome = self.expected(name, role, stale, ticket)
            fire = services.TRANSITION_SERVICES[name]
            try:
                fire(ticket_id=ticket.pk, actor=self.actor(role), version=version, **self.inputs(name, ticket))
            except (NotFound, Forbidden, InvalidTransition, StaleVersion, Invalid) as refusal:
                assert type(refusal) is outcome, f"{name} by {role}: expected {outcome}, got {refusal!r}"
                return
            assert outcome in S.values, f"{name} by {role} succeeded but the model expected {outcome}"
            self.model["state"] = outcome
            self.model["version"] += 1
            self.model["events"] += 1
            self.apply(name, ticket)

        @rule(role=st.sampled_from(ROLES))
        def add_evidence(self, role):
            ticket = Ticket.objects.get(pk=self.ticket.pk)
            allowed = role in ("lead_officer", "lead_head") and self.model["state"] in OPEN
            try:
                services.evidence_add(ticket_id=ticket.pk, actor=self.actor(role), files=[evidence_file()])
            except (NotFound, Forbidden, Conflict):
                assert not allowed
                return
            assert allowed
            self.model.update(evidence=True, version=self.model["version"] + 1, events=self.model["events"] + 1)

        @rule(days=st.integers(min_value=1, max_value=8))
        def wait(self, days):
            target = calendar.add_workdays(clocks.today(), days)
            self.clock.move_to(dt.datetime.combine(target, dt.time(10), tzinfo=clocks.SHANGHAI))

        @invariant()
        def matches_the_model(self):
            ticket = Ticket.objects.get(pk=self.ticket.pk)
            assert ticket.state == self.model["state"]
            assert ticket.version == self.model["version"]
            assert TicketEvent.objects.filter(ticket=ticket).count() == self.model["events"]
            expected_unit = world.dept_a if self.model["unit"] == "a" else world.dept_b
            assert ticket.lead_unit_id == expected_unit.pk
            assert (ticket.plan_state, ticket.return_pending) == (self.model["plan"], self.model["returned"])
            # The stage record: exactly one open stage while the ticket is open, none once it is not.
            open_stages = TicketStage.objects.filter(ticket=ticket, ended_on__isnull=True)
            assert list(open_stages.values_list("state", flat=True)) == ([ticket.state] if ticket.is_open else [])

    run_state_machine_as_test(
        Walk,
        settings=settings(
            max_examples=25,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
