"""Test data: a small unit tree with people in every role, and tickets driven through the real services."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import factory
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from tracker import services
from tracker.models import Appraisal, Indicator, Ticket, Unit, UnitKind
from workflows import calendar, clocks
from workflows.machine import Role, TicketState
from workflows.models import RectificationClass

User = get_user_model()


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw-for-tests-1")


class AppraisalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Appraisal

    name = factory.Sequence(lambda n: f"Appraisal {n}")
    kind = "年度综合考核"
    level = "市级"
    period_start = dt.date(2025, 1, 1)
    period_end = dt.date(2025, 12, 31)


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Indicator

    appraisal = factory.SubFactory(AppraisalFactory)
    code = factory.Sequence(lambda n: f"I{n:03d}")
    name = factory.Sequence(lambda n: f"Indicator {n}")
    dimension = "green"


def evidence_file(name: str = "report.pdf", content: bytes = b"%PDF-1.4 evidence") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@dataclass
class World:
    """city ─┬─ dept_a (officer_a, head_a)
             ├─ dept_b (officer_b, head_b)
             └─ county ── county_dept (officer_c)
    assessor and supervisor over the city; county_supervisor over the county; admin."""

    city: Unit
    dept_a: Unit
    dept_b: Unit
    county: Unit
    county_dept: Unit
    users: dict[str, object] = field(default_factory=dict)
    indicator: Indicator | None = None

    def __getattr__(self, name: str):
        users = self.__dict__.get("users", {})
        if name in users:
            return users[name]
        raise AttributeError(name)

    def ticket(self, *, unit: Unit | None = None, klass: str = RectificationClass.TIME_LIMITED, **kwargs) -> Ticket:
        return services.finding_create(
            actor=self.users["assessor"],
            indicator=self.indicator,
            unit=unit or self.dept_a,
            description=kwargs.pop("description", "扬尘管控台账缺失"),
            source="市考核办",
            rectification_class=klass,
            **kwargs,
        )


def make_world() -> World:
    city = services.unit_create(name="临江市", code="C", kind=UnitKind.CITY)
    county = services.unit_create(name="清河县", code="C-Q", kind=UnitKind.COUNTY, parent=city)
    world = World(
        city=city,
        dept_a=services.unit_create(name="生态环境局", code="C-EE", kind=UnitKind.DEPARTMENT, parent=city),
        dept_b=services.unit_create(name="住建局", code="C-HC", kind=UnitKind.DEPARTMENT, parent=city),
        county=county,
        county_dept=services.unit_create(name="清河县教育局", code="C-Q-ED", kind=UnitKind.DEPARTMENT, parent=county),
    )
    for username, unit, role in [
        ("officer_a", world.dept_a, Role.OFFICER),
        ("head_a", world.dept_a, Role.HEAD),
        ("officer_b", world.dept_b, Role.OFFICER),
        ("head_b", world.dept_b, Role.HEAD),
        ("officer_c", world.county_dept, Role.OFFICER),
        ("assessor", city, Role.ASSESSOR),
        ("supervisor", city, Role.SUPERVISOR),
        ("county_supervisor", county, Role.SUPERVISOR),
        ("admin", city, Role.ADMIN),
    ]:
        user = UserFactory(username=username)
        services.membership_add(user=user, unit=unit, role=role)
        world.users[username] = user
    world.users["outsider"] = UserFactory(username="outsider")
    world.indicator = IndicatorFactory()
    return world


def plan_kwargs(ticket: Ticket) -> dict:
    return {
        "measures": "排查并整改",
        "goal": "按期完成",
        "responsible_person": "陈局长",
        "target_date": ticket.due_on,
    }


def sign_for(world: World, ticket: Ticket, **plan: object) -> Ticket:
    """签收 with a plan: the unit head signs it, and where the plan is reviewed (方案审核) the assessor approves it."""
    plan = {**plan_kwargs(ticket), **plan}
    if not ticket.plan_needs_review():
        return services.ticket_accept(ticket_id=ticket.pk, actor=_head(ticket), version=ticket.version, **plan)
    ticket = services.ticket_sign_plan(ticket_id=ticket.pk, actor=_head(ticket), version=ticket.version, **plan)
    return services.ticket_approve_plan(ticket_id=ticket.pk, actor=world.assessor, version=ticket.version)


def drive(world: World, ticket: Ticket, to: str) -> Ticket:
    """Move a ticket to state `to` along the happy path, with today's clock; satisfies every guard on the way.

    The verify step needs the notice period over: callers wanting `verified` or `closed` travel in time
    (see `advance_past_notice`)."""
    path = [
        TicketState.ASSIGNED,
        TicketState.RECTIFYING,
        TicketState.EXPLAINED,
        TicketState.VERIFIED,
        TicketState.CLOSED,
    ]
    if to == TicketState.WITHDRAWN:
        return services.ticket_withdraw(
            ticket_id=ticket.pk, actor=world.supervisor, version=ticket.version, reason="误登"
        )
    for state in path[path.index(ticket.state) + 1 : path.index(to) + 1]:
        ticket = Ticket.objects.get(pk=ticket.pk)
        if state == TicketState.RECTIFYING:
            ticket = sign_for(world, ticket)
        elif state == TicketState.EXPLAINED:
            services.evidence_add(ticket_id=ticket.pk, actor=_officer(ticket), files=[evidence_file()])
            ticket = Ticket.objects.get(pk=ticket.pk)
            ticket = services.ticket_explain(
                ticket_id=ticket.pk, actor=_head(ticket), version=ticket.version, explanation="已整改"
            )
        elif state == TicketState.VERIFIED:
            ticket = services.ticket_verify(ticket_id=ticket.pk, actor=world.assessor, version=ticket.version)
        elif state == TicketState.CLOSED:
            ticket = services.ticket_close(ticket_id=ticket.pk, actor=world.supervisor, version=ticket.version)
    return Ticket.objects.get(pk=ticket.pk)


def assorted_tickets(world: World) -> tuple[Ticket, Ticket, Ticket]:
    """Tickets that exercise what a ticket page reads: one just assigned (no co-units, no milestones, nobody has
    signed), one accepted with a co-unit and a milestone, and one explained (signed by its unit's head)."""
    plain = world.ticket()
    accepted = world.ticket(co_units=[world.dept_b])
    services.ticket_accept(
        ticket_id=accepted.pk,
        actor=world.head_a,
        version=1,
        **plan_kwargs(accepted),
        milestones=[("排查", accepted.due_on)],
    )
    return plain, accepted, drive(world, world.ticket(), "explained")


def _officer(ticket: Ticket):
    return User.objects.filter(memberships__unit=ticket.lead_unit, memberships__role=Role.OFFICER).first()


def _head(ticket: Ticket):
    """The head of the ticket's unit; a unit that has none (the world's county department) is given one when a
    test first needs a plan signed there."""
    head = User.objects.filter(memberships__unit=ticket.lead_unit, memberships__role=Role.HEAD).first()
    if head is None:
        head = UserFactory(username=f"head_of_{ticket.lead_unit.code.lower()}")
        services.membership_add(user=head, unit=ticket.lead_unit, role=Role.HEAD)
    return head


def notice_over(ticket: Ticket) -> dt.datetime:
    """A moment when the ticket's public notice period has ended (for time-machine)."""
    end = calendar.add_workdays(ticket.published_on or clocks.today(), 6)
    return dt.datetime.combine(end, dt.time(10), tzinfo=clocks.SHANGHAI)
