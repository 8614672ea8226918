"""Quiet time on the official calendar: email waits for the next working morning, the inbox does not."""

import datetime as dt

import pytest
import time_machine

from notifications.models import Channel, Kind, Notification, State
from notifications.quiet import send_after
from tests.notifications.helpers import local, sweep_at

D = dt.date


@pytest.mark.parametrize(
    ("written", "sent"),
    [
        # The eve of the 2025 National Day and Mid-Autumn holidays (1–8 October): the first working day after.
        (local(D(2025, 9, 30), 22), local(D(2025, 10, 9), 9)),
        (local(D(2025, 10, 3), 10), local(D(2025, 10, 9), 9)),
        # Friday evening before Saturday 11 October, a make-up working day (调休): that Saturday morning.
        (local(D(2025, 10, 10), 19), local(D(2025, 10, 11), 9)),
        # An ordinary weekend: Monday morning.
        (local(D(2025, 11, 8), 10), local(D(2025, 11, 10), 9)),
        # Early on a working day: that morning; during working hours: at once.
        (local(D(2025, 11, 10), 7, 30), local(D(2025, 11, 10), 9)),
        (local(D(2025, 11, 10), 14), local(D(2025, 11, 10), 14)),
        # Spring Festival 2026 (15–23 February): Tuesday 24 February.
        # Saturday 14th is a make-up working day (调休) before it.
        (local(D(2026, 2, 14), 8), local(D(2026, 2, 14), 9)),
        (local(D(2026, 2, 14), 21), local(D(2026, 2, 24), 9)),
        (local(D(2026, 2, 16), 9), local(D(2026, 2, 24), 9)),
    ],
)
def test_email_waits_for_the_next_working_morning(db, written, sent):
    assert send_after(Channel.EMAIL, Kind.REMIND, written) == sent
    assert send_after(Channel.WEBHOOK, Kind.REMIND, written) == sent
    assert send_after(Channel.INAPP, Kind.REMIND, written) == written


def test_urgent_kinds_may_be_configured_to_ignore_quiet_time(db, settings):
    night = local(D(2025, 9, 30), 22)
    settings.NOTIFY_URGENT_KINDS = ["list"]
    assert send_after(Channel.EMAIL, Kind.LIST, night) == night
    assert send_after(Channel.EMAIL, Kind.CHASE, night) > night


@pytest.mark.django_db
def test_an_email_written_on_the_eve_of_a_holiday_goes_out_after_it(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    world.officer_a.email = "officer_a@example.org"
    world.officer_a.save()
    with time_machine.travel(local(D(2025, 9, 30), 21), tick=False):
        ticket = world.ticket()

    with django_capture_on_commit_callbacks(execute=True):
        sweep_at(local(D(2025, 9, 30), 22))
    inapp = Notification.objects.get(recipient=world.officer_a, kind=Kind.ASSIGNED, channel=Channel.INAPP)
    email = Notification.objects.get(recipient=world.officer_a, kind=Kind.ASSIGNED, channel=Channel.EMAIL)
    assert inapp.state == State.SENT and inapp.ticket == ticket
    assert (email.state, email.next_attempt_at) == (State.PENDING, local(D(2025, 10, 9), 9))

    for moment in (local(D(2025, 10, 1), 9), local(D(2025, 10, 8), 18), local(D(2025, 10, 9), 8, 59)):
        with django_capture_on_commit_callbacks(execute=True):
            sweep_at(moment)
    assert not mailoutbox

    with django_capture_on_commit_callbacks(execute=True), time_machine.travel(local(D(2025, 10, 9), 9), tick=False):
        sweep_at(local(D(2025, 10, 9), 9))
    assert [m.subject for m in mailoutbox] == [email.subject]
    email.refresh_from_db()
    assert email.state == State.SENT
