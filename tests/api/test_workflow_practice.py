"""The steps practice adds, through the API: a return with the unit it belongs to, the stage record, a supervisor's
listing and what follows it, and the assessor's review of public dissatisfaction."""

import pytest

from tests.api.conftest import token_client
from tests.factories import drive
from tracker import services
from tracker.models import EventKind, Rating, Ticket, TicketEvent
from workflows import calendar, clocks
from workflows.machine import TicketState

pytestmark = pytest.mark.django_db


def test_a_unit_returns_a_ticket_naming_the_unit_it_belongs_to(world):
    ticket = world.ticket()
    body = {"transition": "return_ticket", "version": 1, "reason": "属住建职责", "suggested_unit": world.dept_b.pk}
    response = token_client(world.officer_a).post(f"/api/v1/tickets/{ticket.pk}/transitions/", body, format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["return_pending"], response.json()["return_count"]) == (True, 1)
    unknown = token_client(world.head_a).post(
        f"/api/v1/tickets/{ticket.pk}/transitions/",
        {"transition": "insist", "version": 2, "reason": "x"},
        format="json",
    )
    assert unknown.status_code == 403  # upholding is the assessor's or supervisor's
    kept = token_client(world.supervisor).post(
        f"/api/v1/tickets/{ticket.pk}/transitions/",
        {"transition": "insist", "version": 2, "reason": "属本单位"},
        format="json",
    )
    assert (kept.status_code, kept.json()["return_pending"]) == (200, False)


def test_the_stage_record_lists_each_stage_with_its_deadline_and_end(world):
    ticket = drive(world, world.ticket(), TicketState.EXPLAINED)
    rows = token_client(world.supervisor).get(f"/api/v1/tickets/{ticket.pk}/stages/").json()["results"]
    assert [(r["state"], r["ended_on"] is None, r["late"]) for r in rows] == [
        ("assigned", False, False),
        ("rectifying", False, False),
        ("explained", True, False),
    ]
    assert rows[0]["unit"]["id"] == world.dept_a.pk
    assert token_client(world.officer_b).get(f"/api/v1/tickets/{ticket.pk}/stages/").status_code == 404


def test_a_supervisor_lists_then_summons_and_each_step_is_checked(world):
    ticket = drive(world, world.ticket(), TicketState.RECTIFYING)
    url = f"/api/v1/tickets/{ticket.pk}/supervision/"
    supervisor = token_client(world.supervisor)
    early = supervisor.post(url, {"action": "circulated", "note": "通报"}, format="json")
    assert (early.status_code, early.json()["code"]) == (409, "conflict")
    listed = supervisor.post(url, {"action": "listed", "note": "逾期未整改"}, format="json")
    assert (listed.status_code, listed.json()["listed"]) == (200, True)
    no_day = supervisor.post(url, {"action": "summoned", "note": "约谈"}, format="json")
    assert (no_day.status_code, list(no_day.json()["errors"])) == (400, ["held_on"])
    bad = supervisor.post(url, {"action": "summons", "note": "约谈"}, format="json")
    assert (bad.status_code, list(bad.json()["errors"])) == (400, ["action"])
    assessor = token_client(world.assessor).post(url, {"action": "circulated", "note": "通报"}, format="json")
    assert assessor.status_code == 403
    held = supervisor.post(
        url, {"action": "summoned", "note": "约谈主要负责人", "held_on": str(clocks.today())}, format="json"
    )
    assert held.status_code == 200
    kinds = list(TicketEvent.objects.filter(ticket=ticket).values_list("kind", flat=True))
    assert kinds[-2:] == [EventKind.LISTED, EventKind.SUMMONED]


def test_the_assessor_answers_public_dissatisfaction_through_the_api(world):
    ticket = drive(world, world.ticket(), TicketState.EXPLAINED)
    for _ in range(3):
        services.feedback_give(ticket_id=ticket.pk, rating=Rating.DISSATISFIED, comment="没有变化")
    assert Ticket.objects.get(pk=ticket.pk).review_pending
    url = f"/api/v1/tickets/{ticket.pk}/review/"
    assert token_client(world.officer_a).post(url, {"reopen": False}, format="json").status_code == 403
    later = calendar.add_workdays(clocks.today(), 20)
    sent_back = token_client(world.assessor).post(
        url, {"reopen": True, "reason": "群众反映问题仍在", "new_deadline": str(later)}, format="json"
    )
    assert sent_back.status_code == 200, sent_back.json()
    body = sent_back.json()
    assert (body["state"], body["due_on"]) == (TicketState.RECTIFYING, str(later))
    again = token_client(world.assessor).post(url, {"reopen": False}, format="json")
    assert (again.status_code, again.json()["code"]) == (409, "conflict")
