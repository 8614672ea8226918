"""Random walks through the services, checked after every step against a small reference model.

The model knows only DESIGN.md's table (who may fire what from where), the version rule (every accepted write
bumps it by one, a refusal changes nothing) and the two guards the walk can trip: verification needs evidence on
file and the public notice period over.
"""

import datetime as dt

import time_machine
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from tests.factories import evidence_file, plan_kwargs
from tracker import services
from tracker.errors import Conflict, Forbidden, Invalid, InvalidTransition, NotFound, StaleVersion
from tracker.models import Ticket, TicketEvent
from workflows import calendar, clocks
from workflows.machine import TicketState as S

TABLE = {
    "accept": ({S.ASSIGNED}, {"lead_officer", "lead_head"}, S.RECTIFYING),
    "reassign": ({S.ASSIGNED}, {"assessor", "supervisor"}, S.ASSIGNED),
    "explain": ({S.RECTIFYING}, {"lead_head"}, S.EXPLAINED),
    "verify": ({S.EXPLAINED}, {"assessor"}, S.VERIFIED),
    "reject": ({S.EXPLAINED}, {"assessor"}, S.RECTIFYING),
    "close": ({S.VERIFIED}, {"supervisor"}, S.CLOSED),
    "reopen": ({S.CLOSED}, {"supervisor", "assessor"}, S.RECTIFYING),
    "withdraw": ({S.ASSIGNED, S.RECTIFYING}, {"supervisor"}, S.WITHDRAWN),
}
ROLES = ["lead_officer", "lead_head", "other_officer", "assessor", "supervisor", "outsider"]
OPEN = {S.ASSIGNED, S.RECTIFYING, S.EXPLAINED, S.VERIFIED}
START = dt.datetime(2025, 9, 22, 10, tzinfo=clocks.SHANGHAI)


def test_services_agree_with_the_reference_model(world):
    class Walk(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.traveller = time_machine.travel(START, tick=False)
            self.clock = self.traveller.start()
            self.ticket = world.ticket()
            self.model = {"state": S.ASSIGNED, "version": 1, "events": 1, "unit": "a", "evidence": False}
            self.published_on: dt.date | None = None

        def teardown(self):
            self.traveller.stop()

        def actor(self, role: str):
            lead, other = ("a", "b") if self.model["unit"] == "a" else ("b", "a")
            return {
                "lead_officer": getattr(world, f"officer_{lead}"),
                "lead_head": getattr(world, f"head_{lead}"),
                "other_officer": getattr(world, f"officer_{other}"),
                "assessor": world.assessor,
                "supervisor": world.supervisor,
                "outsider": world.outsider,
            }[role]

        def inputs(self, name: str, ticket: Ticket) -> dict:
            later = calendar.add_workdays(clocks.today(), 30)
            return {
                "accept": lambda: plan_kwargs(ticket),
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
            if self.model["state"] not in sources:
                return InvalidTransition
            if stale:
                return StaleVersion
            if name == "accept" and clocks.today() > ticket.due_on:
                return Invalid  # a plan's target date lies between today and the deadline: none is left
            if name == "verify":
                notice_end = calendar.add_workdays(self.published_on, 5)
                if not self.model["evidence"] or clocks.today() <= notice_end:
                    return Invalid
            return target

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
            if name == "reassign":
                self.model["unit"] = "b" if self.model["unit"] == "a" else "a"
            if name == "explain":
                self.published_on = clocks.today()

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

    run_state_machine_as_test(
        Walk,
        settings=settings(
            max_examples=25,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
