"""A person sees on the pages exactly what the selectors allow them (the API's scoping), and the hot pages read a
fixed number of statements however many rows they show."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import drive, evidence_file
from tracker import selectors, services

pytestmark = pytest.mark.django_db

PEOPLE = ["officer_a", "head_a", "officer_b", "officer_c", "assessor", "supervisor", "county_supervisor", "outsider"]
NUMBER = re.compile(r"ZG\d{4}-\d{6}")


@pytest.fixture
def spread(world):
    """Tickets across the tree: two in dept_a (one with dept_b helping), one in dept_b, one in the county."""
    return [
        world.ticket(unit=world.dept_a),
        world.ticket(unit=world.dept_a, co_units=[world.dept_b]),
        world.ticket(unit=world.dept_b),
        world.ticket(unit=world.county_dept),
    ]


@pytest.mark.parametrize("username", PEOPLE)
def test_every_page_shows_a_person_only_the_tickets_the_selectors_allow(world, spread, as_user, username):
    user = world.users[username]
    visible = set(selectors.tickets_visible_to(user).values_list("number", flat=True))
    client = as_user(username)
    ledger = client.get("/ledger/")
    assert set(NUMBER.findall(ledger.content.decode())) == visible
    workspace = client.get("/workspace/")
    assert set(NUMBER.findall(workspace.content.decode())) <= visible
    for ticket in spread:
        status = client.get(f"/tickets/{ticket.pk}/").status_code
        assert status == (200 if ticket.number in visible else 404), ticket.lead_unit


def test_evidence_opens_for_its_unit_and_not_for_another(world, as_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    ticket = drive(world, world.ticket(), "rectifying")
    (evidence,) = services.evidence_add(ticket_id=ticket.pk, actor=world.officer_a, files=[evidence_file()])
    own = as_user("officer_a").get(f"/evidence/{evidence.pk}/")
    assert own.status_code == 200 and b"".join(own.streaming_content).startswith(b"%PDF")
    assert as_user("officer_b").get(f"/evidence/{evidence.pk}/").status_code == 404
    assert as_user("county_supervisor").get(f"/evidence/{evidence.pk}/").status_code == 404


def test_a_message_to_someone_else_does_not_open(world, as_user):
    from notifications.models import Channel, Notification

    ticket = world.ticket()
    note = Notification.objects.create(
        recipient=world.officer_a,
        channel=Channel.INAPP,
        ticket=ticket,
        kind="assigned",
        stage="assigned",
        deadline=ticket.due_on,
        subject="新交办",
    )
    assert as_user("officer_b").get(f"/inbox/{note.pk}/").status_code == 404
    response = as_user("officer_a").get(f"/inbox/{note.pk}/")
    assert response.status_code == 302 and response["Location"] == f"/tickets/{ticket.pk}/"
    note.refresh_from_db()
    assert note.read_at is not None


def test_a_message_whose_reason_has_passed_is_shown_settled_and_unread_ones_come_first(world, as_user):
    from notifications.models import Channel, Notification

    closed = drive(world, world.ticket(), "rectifying")
    fresh = world.ticket()
    old = Notification.objects.create(
        recipient=world.officer_a, channel=Channel.INAPP, ticket=closed, kind="assigned", stage="assigned",
        deadline=closed.due_on, subject="旧消息",
    )  # fmt: skip
    new = Notification.objects.create(
        recipient=world.officer_a, channel=Channel.INAPP, ticket=fresh, kind="assigned", stage="assigned",
        deadline=fresh.due_on, subject="新消息",
    )  # fmt: skip
    Notification.objects.filter(pk=new.pk).update(read_at="2026-01-01T00:00:00Z")
    rows = as_user("officer_a").get("/inbox/").context["rows"]
    assert [n.pk for n in rows] == [old.pk, new.pk]  # the unread one first, though older
    assert rows[0].settled is True and rows[1].settled is False


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_ledger_reads_the_same_statements_for_3_tickets_as_for_15(world, as_user):
    client = as_user("supervisor")
    for _ in range(3):
        world.ticket(co_units=[world.dept_b])
    few = _queries(client, "/ledger/?state=assigned")
    for _ in range(12):
        world.ticket(co_units=[world.dept_b])
    assert _queries(client, "/ledger/?state=assigned") == few
    assert few <= 16, few  # the header 3, scope 2, the page 2, colours 5, choices 2, "needs you" 1 or 2


def test_the_ticket_page_reads_the_same_statements_however_long_its_history(world, as_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    ticket = drive(world, world.ticket(co_units=[world.dept_b]), "rectifying")
    client = as_user("officer_a")
    services.progress_report(ticket_id=ticket.pk, actor=world.officer_a, text="一", percent=10, files=[evidence_file()])
    short = _queries(client, f"/tickets/{ticket.pk}/")
    for percent in (20, 30, 40, 50):
        services.progress_report(
            ticket_id=ticket.pk,
            actor=world.officer_a,
            text="进展",
            percent=percent,
            files=[evidence_file(), evidence_file()],
        )
    services.pause_request(ticket_id=ticket.pk, actor=world.officer_a, reason="等待专家论证")
    services.evidence_add(ticket_id=ticket.pk, actor=world.officer_a, files=[evidence_file()])
    long = _queries(client, f"/tickets/{ticket.pk}/")
    assert long <= short + 1, (short, long)  # the pause request adds one read of pause rows, not one per event
    assert long <= 30, long


def test_the_workspace_reads_the_same_statements_for_2_tickets_as_for_12(world, as_user):
    client = as_user("officer_a")
    for _ in range(2):
        drive(world, world.ticket(), "rectifying")
    few = _queries(client, "/workspace/")
    for _ in range(10):
        drive(world, world.ticket(), "rectifying")
    assert _queries(client, "/workspace/") == few
    assert few <= 16, few
