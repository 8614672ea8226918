"""The cockpit page: who may open it, what it shows, the actions it takes, and the statements it costs."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications.models import Kind, Notification
from notifications.sweep import sweep
from tests.factories import drive, notice_over
from tracker import dashboard, services
from tracker.models import EventKind, Ticket, TicketEvent
from workflows import calendar, clocks


@pytest.fixture(autouse=True)
def fresh_cache():
    """The register's pages and the cockpit's figures are kept in the process's cache: each test starts without."""
    from django.core.cache import cache

    cache.clear()


def overdue_ticket(world, unit=None) -> Ticket:
    ticket = drive(world, world.ticket(unit=unit or world.dept_a), "rectifying")
    Ticket.objects.filter(pk=ticket.pk).update(stage_deadline=clocks.today() - dt.timedelta(days=3))
    return Ticket.objects.get(pk=ticket.pk)


@pytest.mark.parametrize("username", ["officer_a", "head_a", "outsider"])
def test_people_who_oversee_nothing_may_not_open_the_cockpit(world, as_user, username):
    assert as_user(username).get("/dashboard/").status_code == 403


def test_a_supervisor_lands_on_the_cockpit_and_reads_its_figures(world, as_user):
    overdue_ticket(world)
    dashboard.figures_refresh(force=True)
    client = as_user("supervisor")
    assert client.get("/").url == "/dashboard/"
    page = client.get("/dashboard/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-colour="red">1<' in html
    assert "生态环境局" in html and "/ledger/?unit=" in html and "/ledger/?warning=red" in html
    assert '<svg class="chart"' in html and "<caption>" in html


def test_the_cockpit_reads_a_fixed_number_of_statements(world, as_user, django_assert_num_queries):
    """However many tickets and units, with the figures just refreshed (its fragments computed afresh) or not."""
    for _ in range(3):
        overdue_ticket(world)
        overdue_ticket(world, world.dept_b)
    dashboard.figures_refresh(force=True)
    client = as_user("supervisor")
    client.get("/ledger/")  # the session and the calendar, read once
    with CaptureQueriesContext(connection) as fresh:
        client.get("/dashboard/")
    with CaptureQueriesContext(connection) as kept:
        client.get("/dashboard/")
    assert len(kept.captured_queries) < len(fresh.captured_queries) <= 25
    for _ in range(5):
        overdue_ticket(world, world.county_dept)
    dashboard.figures_refresh(force=True)
    with django_assert_num_queries(len(fresh.captured_queries)):
        assert client.get("/dashboard/").status_code == 200
    with django_assert_num_queries(len(kept.captured_queries)):
        client.get("/dashboard/")


def test_listing_from_the_cockpit_is_an_event_and_a_message_to_the_unit(world, as_user):
    ticket = overdue_ticket(world)
    response = as_user("supervisor").post("/dashboard/list/", {"number": ticket.number, "reason": "严重超期"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.listed
    event = TicketEvent.objects.get(ticket=ticket, kind=EventKind.LISTED)
    assert (event.actor, event.data["reason"]) == (world.supervisor, "严重超期")
    sweep()
    told = set(
        Notification.objects.filter(ticket=ticket, kind=Kind.LISTED_BY_SUPERVISOR).values_list(
            "recipient__username", flat=True
        )
    )
    assert told == {"head_a", "officer_a"}


def test_an_assessor_may_not_list_and_a_county_supervisor_cannot_reach_the_city(world, as_user):
    ticket = overdue_ticket(world)
    as_user("assessor").post("/dashboard/list/", {"number": ticket.number, "reason": "x"})
    as_user("county_supervisor").post("/dashboard/list/", {"number": ticket.number, "reason": "x"})
    assert not Ticket.objects.get(pk=ticket.pk).listed


def test_a_chase_records_an_event_on_each_overdue_ticket_and_sends_one_message(world, as_user):
    first, second = overdue_ticket(world), overdue_ticket(world)
    on_time = drive(world, world.ticket(), "rectifying")
    as_user("supervisor").post("/dashboard/chase/", {"unit": world.dept_a.pk, "message": "请于周五前报送整改进展"})
    chased = TicketEvent.objects.filter(kind=EventKind.CHASED)
    assert set(chased.values_list("ticket_id", flat=True)) == {first.pk, second.pk}
    assert not chased.filter(ticket=on_time).exists()
    sweep()
    messages = Notification.objects.filter(kind=Kind.CHASED, recipient=world.head_a, channel="inapp")
    assert messages.count() == 1
    assert "请于周五前报送整改进展" in messages.get().body and first.number in messages.get().body


def test_dissatisfaction_waits_on_the_assessors_cockpit_until_decided(world, as_user):
    ticket = drive(world, world.ticket(), "explained")
    services.feedback_give(ticket_id=ticket.pk, rating="dissatisfied", comment="路边仍有扬尘")
    ticket.refresh_from_db()
    assert ticket.review_pending
    html = as_user("assessor").get("/dashboard/").content.decode()
    assert f'id="review-{ticket.pk}"' in html and "路边仍有扬尘" in html
    later = calendar.add_workdays(clocks.today(), 20).isoformat()
    as_user("assessor").post(
        f"/dashboard/review/{ticket.pk}/",
        {"decision": "reopen", "reason": "群众反映问题仍存在", "new_deadline": later, "version": ticket.version},
    )
    ticket.refresh_from_db()
    assert (ticket.state, ticket.review_pending, ticket.reopen_count) == ("rectifying", False, 1)
    assert f'id="review-{ticket.pk}"' not in as_user("assessor").get("/dashboard/").content.decode()


def test_a_closed_ticket_under_review_is_reopened_or_kept(world):
    closed, kept = drive(world, world.ticket(), "explained"), drive(world, world.ticket(), "explained")
    with time_machine.travel(notice_over(closed), tick=False):
        closed, kept = drive(world, closed, "closed"), drive(world, kept, "closed")
        for ticket in (closed, kept):
            services.feedback_give(ticket_id=ticket.pk, rating="dissatisfied")
        services.ticket_review_decide(
            ticket_id=closed.pk, actor=world.assessor, version=closed.version, reopen=True, reason="群众不满意"
        )
        services.ticket_review_decide(ticket_id=kept.pk, actor=world.assessor, version=kept.version, reopen=False)
    closed.refresh_from_db(), kept.refresh_from_db()
    assert (closed.state, closed.review_pending) == ("rectifying", False)
    assert (kept.state, kept.review_pending) == ("closed", False)
    assert TicketEvent.objects.filter(ticket=kept, kind=EventKind.REVIEW_KEPT).exists()


def test_requests_waiting_for_a_supervisor_are_on_the_cockpit_and_only_in_scope(world, as_user):
    ticket = drive(world, world.ticket(), "rectifying")
    services.extension_request(
        ticket_id=ticket.pk,
        actor=world.officer_a,
        requested_deadline=calendar.add_workdays(ticket.due_on, 10),
        reason="需专家论证",
    )
    assert "需专家论证" in as_user("supervisor").get("/dashboard/").content.decode()
    assert "需专家论证" not in as_user("county_supervisor").get("/dashboard/").content.decode()


def test_a_second_look_reads_the_person_and_two_marks_and_nothing_of_the_tickets(world, as_user):
    """With nothing changed, the cockpit's lists and figures are kept: the page reads the session, the user, their
    memberships (with the units' names for the header), the units they oversee, the figures' refresh with the latest
    event's id, their escalations and their unread count, and no ticket."""
    for _ in range(3):
        overdue_ticket(world)
    dashboard.figures_refresh(force=True)
    client = as_user("supervisor")
    client.get("/dashboard/")
    with CaptureQueriesContext(connection) as kept:
        assert client.get("/dashboard/").status_code == 200
    statements = [q["sql"] for q in kept.captured_queries]
    assert len(statements) == 7, statements
    assert not any('tracker_ticket"' in sql and "tracker_ticketevent" not in sql for sql in statements), statements


def test_a_request_filed_after_a_look_is_on_the_next_look(world, as_user):
    """The kept lists follow the ticket events: a request filed after the page was seen shows at once."""
    ticket = drive(world, world.ticket(), "rectifying")
    client = as_user("supervisor")
    assert "需专家论证" not in client.get("/dashboard/").content.decode()
    services.extension_request(
        ticket_id=ticket.pk,
        actor=world.officer_a,
        requested_deadline=calendar.add_workdays(ticket.due_on, 10),
        reason="需专家论证",
    )
    assert "需专家论证" in client.get("/dashboard/").content.decode()


def test_listing_from_the_overdue_list_moves_the_ticket_to_the_listed_card(world, as_user):
    ticket = overdue_ticket(world)
    client = as_user("supervisor")
    html = client.get("/dashboard/").content.decode()
    overdue_card = html.split('id="act-title"')[1]
    assert f'name="ticket" value="{ticket.pk}"' in overdue_card
    response = client.post("/dashboard/list/", {"ticket": ticket.pk, "reason": "严重超期"})
    assert response.status_code == 302
    assert Ticket.objects.get(pk=ticket.pk).listed
    html = client.get("/dashboard/").content.decode()
    listed_card = html.split('id="now-title"')[1].split("</div>")[0]
    assert ticket.number in listed_card
    assert f'name="ticket" value="{ticket.pk}"' not in html


def test_the_lists_are_shown_in_the_language_of_the_page(world, as_user):
    """The kept lists are kept per language: a clock in Chinese is never shown on the English page."""
    overdue_ticket(world)
    client = as_user("supervisor")
    assert "个工作日" in client.get("/dashboard/").content.decode()
    client.cookies["django_language"] = "en"
    english = client.get("/dashboard/").content.decode()
    assert "working days overdue" in english and "个工作日" not in english.split('id="act-title"')[1]
