"""A decision's step clock is swept like a ticket's: word when the step starts, a reminder before the deadline and
a chase after it, each once, to whoever owes the step (and, when it is late, the supervisors over the unit)."""

import datetime as dt

import pytest
import time_machine

from notifications.models import Notification
from tests.notifications.helpers import local, sweep_at
from tests.tracker.decision_world import accountability, add_bodies, fire, step_inputs
from tracker.models import Decision

D = dt.date
pytestmark = pytest.mark.django_db
DECISION_KINDS = ("decision_step", "decision_remind", "decision_chase")


def test_the_statement_clock_tells_reminds_and_chases_the_subject_once_each_and_stops(world):
    add_bodies(world)
    # Heard on Monday 3 November 2025: the statement is due five working days later, on Monday the 10th.
    with time_machine.travel(local(D(2025, 11, 3), 9), tick=False):
        decision = fire("investigate", accountability(world), world.discipline, note="")
        decision = fire("request_statement", decision, world.discipline, **step_inputs("request_statement"))
    assert decision.due_on == D(2025, 11, 10)

    made: dict[dt.date, list[tuple[str, str]]] = {}
    day = D(2025, 11, 3)
    while day <= D(2025, 11, 21):
        last = Notification.objects.order_by("-id").values_list("id", flat=True).first() or 0
        sweep_at(local(day))
        count = Notification.objects.count()
        sweep_at(local(day))
        assert Notification.objects.count() == count, f"a second sweep on {day} made rows"
        new = Notification.objects.filter(id__gt=last, kind__in=DECISION_KINDS, channel="inapp")
        if new:
            made[day] = sorted((row.kind, row.recipient.username) for row in new)
        day += dt.timedelta(days=1)
    assert made == {
        D(2025, 11, 3): [("decision_step", "officer_a")],  # told the day the statement is asked for
        D(2025, 11, 6): [("decision_remind", "officer_a")],  # two working days before the deadline
        D(2025, 11, 11): [("decision_chase", "officer_a"), ("decision_chase", "supervisor")],
    }
    assert Decision.objects.get(pk=decision.pk).next_action_at is None
