"""The demo's decisions: every kind, in several steps of its procedure, on one unbroken chain."""

import datetime as dt

import time_machine

from demo import seed as demo
from demo.decisions import seed_decisions
from tracker import decision_chain
from tracker.models import Decision
from workflows import calendar, clocks


def test_the_demo_shows_each_kind_of_decision_at_several_steps(db, default_policies):
    start = calendar.subtract_workdays(clocks.today(), 110)
    with time_machine.travel(dt.datetime.combine(start, dt.time(10), tzinfo=clocks.SHANGHAI), tick=False):
        units = demo._units()
        demo._users(units, "demo-pass-1")
        demo._appraisals(start)
    made = seed_decisions(password="demo-pass-1", city_code=demo.CITY_CODE)
    states = sorted((d.kind, d.state) for d in Decision.objects.all())
    assert states == [
        ("accountability", "enforced"),
        ("accountability", "opened"),
        ("accountability", "statement"),
        ("correction", "tracking"),
        ("fault_tolerance", "exempted"),
        ("fault_tolerance", "refused"),
    ]
    assert len(made) == 5
    assert Decision.objects.filter(published_on__isnull=False, appeal_outcome="upheld").count() == 1
    assert decision_chain.verify().broken is None
    assert seed_decisions(password="demo-pass-1", city_code=demo.CITY_CODE) == []  # once only
