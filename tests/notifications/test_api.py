"""GET /api/v1/notifications/ and marking read: the caller's own inbox, nobody else's."""

import pytest
from rest_framework.test import APIClient

from notifications.models import Channel, Notification
from notifications.sweep import derive_event

pytestmark = pytest.mark.django_db
URL = "/api/v1/notifications/"


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def assigned(world):
    tickets = [world.ticket(), world.ticket(), world.ticket(unit=world.dept_b)]
    for ticket in tickets:
        derive_event(ticket.events.get().pk)
    return tickets


def test_the_inbox_lists_the_callers_messages_newest_first(world, assigned):
    response = _client(world.officer_a).get(URL)
    assert response.status_code == 200
    rows = response.json()["results"]
    mine = Notification.objects.filter(recipient=world.officer_a, channel=Channel.INAPP).order_by("-id")
    assert [r["id"] for r in rows] == [n.pk for n in mine] and len(rows) == 2
    assert rows[0]["ticket_number"] == assigned[1].number
    assert rows[0]["read_at"] is None


def test_marking_read_and_the_unread_count(world, assigned):
    client = _client(world.officer_a)
    assert client.get(URL + "unread-count/").json() == {"unread": 2}
    first = client.get(URL).json()["results"][0]["id"]
    response = client.post(f"{URL}{first}/read/")
    assert response.status_code == 200 and response.json()["read_at"]
    assert client.get(URL + "unread-count/").json() == {"unread": 1}
    assert [r["id"] for r in client.get(URL, {"unread": "true"}).json()["results"]] != [first]
    assert client.post(URL + "read-all/").json() == {"marked": 1, "unread": 0}


def test_another_users_message_does_not_exist_for_the_caller(world, assigned):
    theirs = Notification.objects.filter(recipient=world.officer_b).first()
    client = _client(world.officer_a)
    assert client.post(f"{URL}{theirs.pk}/read/").status_code == 404
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    assert theirs.pk not in [r["id"] for r in client.get(URL).json()["results"]]
    assert client.post(URL + "read-all/").json()["marked"] == 2
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_the_inbox_needs_a_signed_in_caller(db):
    assert APIClient().get(URL).status_code == 401
