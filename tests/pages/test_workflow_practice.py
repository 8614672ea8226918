"""The steps practice adds, on the ticket page: the forms each role gets, what they write, and what the page shows
of the plan, the stage record and a listing's follow-up."""

from __future__ import annotations

import pytest

from tests.factories import drive, plan_kwargs
from tracker import services
from tracker.models import EventKind, ProgressReport, Ticket, TicketEvent
from workflows import clocks
from workflows.machine import TicketState
from workflows.models import Severity

pytestmark = pytest.mark.django_db


def panels(response) -> list[str]:
    return [p["name"] for p in response.context["panels"]]


def test_each_role_gets_the_signing_stages_forms(world, as_user):
    ticket = world.ticket(severity=Severity.SEVERE)
    url = f"/tickets/{ticket.pk}/"
    assert panels(as_user("officer_a").get(url)) == ["submit_plan", "return_ticket", "evidence", "pause"]
    assert panels(as_user("head_a").get(url))[:3] == ["submit_plan", "sign_plan", "return_ticket"]
    assert "approve_plan" not in panels(as_user("assessor").get(url))  # nothing signed yet
    services.ticket_sign_plan(ticket_id=ticket.pk, actor=world.head_a, version=1, **plan_kwargs(ticket))
    assessor = panels(as_user("assessor").get(url))
    assert {"approve_plan", "return_plan"} <= set(assessor)
    page = as_user("officer_a").get(url).content.decode()
    assert "已签批，待考核组审核" in page  # the plan's state, in Chinese


def test_the_return_form_names_any_other_unit_and_the_supervisor_then_decides(world, as_user):
    ticket = world.ticket()
    officer = as_user("officer_a")
    form = next(
        p["form"] for p in officer.get(f"/tickets/{ticket.pk}/").context["panels"] if p["name"] == "return_ticket"
    )
    offered = set(form.fields["suggested_unit"].queryset.values_list("pk", flat=True))
    assert world.dept_b.pk in offered and world.dept_a.pk not in offered
    sent = officer.post(
        f"/tickets/{ticket.pk}/return_ticket/",
        {"version": 1, "reason": "属住建部门职责", "suggested_unit": world.dept_b.pk},
    )
    assert sent.status_code == 302
    supervisor = as_user("supervisor").get(f"/tickets/{ticket.pk}/")
    assert {"insist", "reassign"} <= set(panels(supervisor))
    assert "住建局" in supervisor.content.decode()  # the unit it says the ticket belongs to, in the history


def test_a_co_units_officer_reports_on_its_part_from_the_page(world, as_user):
    ticket = drive(world, world.ticket(co_units=[world.dept_b]), TicketState.RECTIFYING)
    officer_b = as_user("officer_b")
    assert panels(officer_b.get(f"/tickets/{ticket.pk}/")) == ["progress"]
    sent = officer_b.post(
        f"/tickets/{ticket.pk}/progress/", {"version": ticket.version, "text": "协办部分完成", "percent": 70}
    )
    assert sent.status_code == 302
    assert ProgressReport.objects.get(ticket=ticket).unit == world.dept_b
    page = officer_b.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "协办部分完成" in page and "住建局" in page


def test_a_supervisor_lists_a_ticket_and_records_a_summons_from_its_page(world, as_user):
    ticket = drive(world, world.ticket(), TicketState.RECTIFYING)
    supervisor = as_user("supervisor")
    url = f"/tickets/{ticket.pk}/"
    assert "list" in panels(supervisor.get(url)) and "follow_up" not in panels(supervisor.get(url))
    assert supervisor.post(f"{url}list/", {"version": ticket.version, "reason": "逾期"}).status_code == 302
    ticket.refresh_from_db()
    assert "follow_up" in panels(supervisor.get(url))
    missing_day = supervisor.post(
        f"{url}follow_up/", {"version": ticket.version, "kind": "summoned", "note": "约谈主要负责人"}
    )
    assert missing_day.status_code == 400  # a summons says when it was held
    assert not TicketEvent.objects.filter(ticket=ticket, kind=EventKind.SUMMONED).exists()
    done = supervisor.post(
        f"{url}follow_up/",
        {
            "version": ticket.version,
            "kind": "summoned",
            "note": "约谈主要负责人",
            "held_on": clocks.today().isoformat(),
        },
    )
    assert done.status_code == 302
    page = as_user("head_a").get(url).content.decode()
    assert "约谈主要负责人" in page and "约谈" in page
    assert "follow_up" not in panels(as_user("head_a").get(url))


def test_the_stage_record_shows_each_stage_and_whether_it_ended_late(world, as_user):
    ticket = drive(world, world.ticket(), TicketState.RECTIFYING)
    response = as_user("head_a").get(f"/tickets/{ticket.pk}/")
    rows = response.context["stages"]
    assert [(r.stage.state, r.late_days) for r in rows] == [("assigned", None), ("rectifying", None)]
    assert "阶段记录" in response.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).state == TicketState.RECTIFYING


def test_the_workspace_says_whose_turn_it_is_in_the_signing_stage(world, as_user):
    from pages.reads import waiting_for
    from tracker.selectors import tickets_visible_to

    def waiting(user: str) -> dict[int, str]:
        person = world.users[user]
        return {item.ticket.pk: item.what for item in waiting_for(person, tickets_visible_to(person))}

    fresh = world.ticket()
    submitted = world.ticket()
    services.ticket_submit_plan(ticket_id=submitted.pk, actor=world.officer_a, version=1, **plan_kwargs(submitted))
    reviewed = world.ticket(severity=Severity.SEVERE)
    services.ticket_sign_plan(ticket_id=reviewed.pk, actor=world.head_a, version=1, **plan_kwargs(reviewed))
    returned = world.ticket()
    services.ticket_return_ticket(ticket_id=returned.pk, actor=world.officer_a, version=1, reason="非本单位")
    helped = drive(world, world.ticket(unit=world.dept_b, co_units=[world.dept_a]), TicketState.RECTIFYING)

    officer = waiting("officer_a")
    assert fresh.pk in officer and submitted.pk not in officer and returned.pk not in officer
    assert reviewed.pk not in officer and "协办" in officer[helped.pk]
    head = waiting("head_a")
    assert "签收" in head[submitted.pk] and reviewed.pk not in head
    assert set(waiting("assessor")) >= {reviewed.pk, returned.pk}
    assert returned.pk in waiting("supervisor") and reviewed.pk not in waiting("supervisor")


def test_the_workspace_colours_tickets_with_milestones_without_a_query_each(world, django_assert_max_num_queries):
    from pages.reads import by_urgency
    from tests.factories import sign_for
    from tracker.selectors import tickets_visible_to

    for _ in range(3):
        ticket = world.ticket()
        sign_for(world, ticket, milestones=[("排查", clocks.today()), ("整改", ticket.due_on)])
    with django_assert_max_num_queries(3):  # the scope (memberships, units) and the tickets, however many
        items = by_urgency(tickets_visible_to(world.supervisor))
        assert [item.ticket.milestones_total for item in items] == [2, 2, 2]
