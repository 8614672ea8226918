"""The demo city is written by the real services, each step on the day of its story, and leaves the clock as it was."""

import datetime as dt

import pytest
from django.utils import timezone

from demo import seed
from demo.clock import moment
from tracker.models import Ticket
from workflows import calendar, clocks

pytestmark = pytest.mark.usefixtures("default_policies")


def test_every_finding_reaches_its_state_on_the_day_its_story_says(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    today = clocks.today()
    assert seed.seed("demo-password")
    assert not seed.seed("demo-password")  # once only

    # Every story's ticket, and one more: the ticket a correction decision (纠错) of the demo opened.
    tickets = {t.finding.description: t for t in Ticket.objects.select_related("finding")}
    assert len(tickets) == len(seed.FINDINGS) + 1
    assert Ticket.objects.filter(correction__isnull=False).count() == 1
    for plan in seed.FINDINGS:
        ticket = tickets[plan.text]
        assert ticket.state == plan.target, plan.text
        assigned = ticket.events.earliest("id").created_at.astimezone(clocks.SHANGHAI).date()
        assert assigned == calendar.subtract_workdays(today, plan.days_ago), plan.text
        if plan.overdue:
            assert ticket.stage_deadline < today, plan.text
    assert abs(timezone.now() - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)


def test_a_moment_ends_with_its_block_even_when_the_block_raises():
    then = dt.datetime(2025, 9, 1, 10, tzinfo=clocks.SHANGHAI)
    with pytest.raises(RuntimeError), moment(then):
        assert timezone.now() == then
        assert timezone.localdate(timezone=clocks.SHANGHAI) == dt.date(2025, 9, 1)
        raise RuntimeError
    assert timezone.now() > then + dt.timedelta(days=365)
