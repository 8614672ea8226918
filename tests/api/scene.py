"""A ticket of the county's education bureau and a cast around it, for the API's permission tests.

city ─┬─ dept_a (officer_a)            assessor, supervisor: over the city
      ├─ dept_b (officer_b)            other_supervisor: over dept_b only
      └─ county ── county_dept         parent_supervisor: over the county
                   (officer_c, head_c)  admin; outsider (no membership); anonymous
"""

from __future__ import annotations

import datetime as dt
from contextlib import nullcontext
from dataclasses import dataclass, field

import time_machine

from tests.factories import UserFactory, drive, notice_over
from tracker import services
from tracker.models import Evidence, ExtensionRequest, PauseRequest, Ticket
from workflows import calendar, clocks
from workflows.machine import Role, TicketState

S = TicketState
ROLES = [
    "own",
    "own_head",
    "other_unit",
    "parent_supervisor",
    "assessor",
    "supervisor",
    "other_supervisor",
    "admin",
    "outsider",
    "anonymous",
]
# Who may see a ticket of county_dept (written out from DESIGN.md, "Who uses it").
SEES_COUNTY_TICKET = {"own", "own_head", "parent_supervisor", "assessor", "supervisor", "admin"}
SIGNED_IN = set(ROLES) - {"anonymous"}
PASSWORD = "pw-for-tests-1"


@dataclass
class Scene:
    world: object
    users: dict[str, object | None] = field(default_factory=dict)
    ticket: Ticket | None = None
    extension: ExtensionRequest | None = None
    pause: PauseRequest | None = None

    @property
    def evidence(self) -> Evidence:
        return Evidence.objects.filter(ticket=self.ticket).first()

    def fresh(self) -> Ticket:
        return Ticket.objects.get(pk=self.ticket.pk)


def cast(world) -> dict[str, object | None]:
    head_c = UserFactory(username="head_c")
    services.membership_add(user=head_c, unit=world.county_dept, role=Role.HEAD)
    other_supervisor = UserFactory(username="other_supervisor")
    services.membership_add(user=other_supervisor, unit=world.dept_b, role=Role.SUPERVISOR)
    return {
        "own": world.officer_c,
        "own_head": head_c,
        "other_unit": world.officer_a,
        "parent_supervisor": world.county_supervisor,
        "assessor": world.assessor,
        "supervisor": world.supervisor,
        "other_supervisor": other_supervisor,
        "admin": world.admin,
        "outsider": world.outsider,
        "anonymous": None,
    }


def after_notice(ticket: Ticket) -> dt.datetime:
    return notice_over(ticket)


def build(world, setup: str) -> tuple[Scene, object]:
    """The scene in state `setup`, and the clock to make the request under (a time-machine travel or nothing).

    setup: assigned, rectifying, explained, verifiable (explained, notice over), verified, closed, paused,
    extension_pending, pause_pending."""
    scene = Scene(world=world, users=cast(world))
    ticket = world.ticket(unit=world.county_dept)
    clock = nullcontext()
    if setup in ("rectifying", "paused", "extension_pending", "pause_pending"):
        ticket = drive(world, ticket, S.RECTIFYING)
    elif setup in ("explained", "verifiable", "verified", "closed"):
        ticket = drive(world, ticket, S.EXPLAINED)
        if setup != "explained":
            clock = time_machine.travel(after_notice(ticket), tick=False)
            with time_machine.travel(after_notice(ticket), tick=False):
                if setup in ("verified", "closed"):
                    ticket = drive(world, ticket, setup)
    if setup in ("paused", "pause_pending"):
        scene.pause = services.pause_request(ticket_id=ticket.pk, actor=world.officer_c, reason="等待专家评审")
        if setup == "paused":
            services.pause_decide(request=scene.pause, actor=world.supervisor, approve=True)
    if setup == "extension_pending":
        scene.extension = services.extension_request(
            ticket_id=ticket.pk,
            actor=world.officer_c,
            requested_deadline=calendar.add_workdays(ticket.due_on, 20),
            reason="需要补充采购",
        )
    scene.ticket = Ticket.objects.get(pk=ticket.pk)
    return scene, clock


def later(days: int = 30) -> str:
    return str(calendar.add_workdays(clocks.today(), days))
