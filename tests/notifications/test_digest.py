"""Supervisors get one daily digest of their subtree, grouped by unit and red first, instead of one per ticket."""

import datetime as dt

import pytest
import time_machine

from notifications.models import Channel, Kind, Notification
from tests.factories import drive
from tests.notifications.helpers import local, sweep_at
from workflows.machine import TicketState

D = dt.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def late_city(world):
    for user in (world.supervisor, world.county_supervisor):
        user.email = f"{user.username}@example.org"
        user.save()
    with time_machine.travel(local(D(2025, 11, 3), 9), tick=False):
        red = world.ticket()  # signing was due on 6 November
        county_red = world.ticket(unit=world.county_dept)
        green = drive(world, world.ticket(due_on=D(2026, 3, 31)), TicketState.RECTIFYING)
    with time_machine.travel(local(D(2025, 11, 17), 9), tick=False):
        yellow = world.ticket(unit=world.dept_b)  # signing due on the 20th
    return {"red": red, "county_red": county_red, "green": green, "yellow": yellow}


def _digests(user) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, kind=Kind.DIGEST).order_by("id"))


def test_one_digest_a_working_day_grouped_by_unit_red_first(world, late_city, settings):
    settings.LANGUAGE_CODE = "en"
    sweep_at(local(D(2025, 11, 20), 8))  # before the digest hour
    assert not _digests(world.supervisor)

    sweep_at(local(D(2025, 11, 20), 9, 1))
    sweep_at(local(D(2025, 11, 20), 15))
    [digest] = _digests(world.supervisor)
    assert digest.channel == Channel.EMAIL and digest.deadline == D(2025, 11, 20)
    body = digest.body
    for key in ("red", "county_red", "yellow"):
        assert late_city[key].number in body
    assert late_city["green"].number not in body
    assert body.index(world.dept_a.name) < body.index(world.dept_b.name)  # the unit with a red ticket first
    assert body.index(world.county_dept.name) < body.index(world.dept_b.name)
    assert "2 overdue, 1 near the deadline" in digest.subject

    [county_digest] = _digests(world.county_supervisor)
    assert late_city["county_red"].number in county_digest.body
    assert late_city["red"].number not in county_digest.body  # the county sees its own subtree only

    sweep_at(local(D(2025, 11, 22), 10))  # Saturday: no digest
    sweep_at(local(D(2025, 11, 24), 10))
    assert [d.deadline for d in _digests(world.supervisor)] == [D(2025, 11, 20), D(2025, 11, 24)]


def test_supervisors_get_no_per_ticket_email(world, late_city):
    sweep_at(local(D(2025, 11, 20), 10))
    assert Notification.objects.filter(recipient=world.supervisor, kind=Kind.SUPERVISE, channel=Channel.INAPP)
    per_ticket = Notification.objects.filter(recipient=world.supervisor).exclude(channel=Channel.INAPP)
    assert set(per_ticket.values_list("kind", flat=True)) == {Kind.DIGEST}


def test_urgent_kinds_skip_the_digest(world, late_city, settings):
    settings.NOTIFY_URGENT_KINDS = ["supervise"]
    sweep_at(local(D(2025, 11, 20), 10))
    assert Notification.objects.filter(recipient=world.supervisor, kind=Kind.SUPERVISE, channel=Channel.EMAIL)
