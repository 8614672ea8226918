"""The working-day calendar at the edges of the date type: every question is answered or refused with OutOfRange,
never an OverflowError (issue 11: a 9999-12-31 deadline made every accept 500)."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz import fuzz_settings
from tracker import bounds
from workflows import calendar, clocks
from workflows.models import Policy

D = dt.date
EDGES = [dt.date.min, D(1, 1, 2), D(1999, 12, 31), calendar.FIRST_DAY, calendar.LAST_DAY, D(2200, 1, 1), dt.date.max]
COUNTS = [0, 1, 2**15 - 1, 2**15, 2**31 - 1, 2**63 - 1, 2**64]


@pytest.fixture(autouse=True)
def _fresh_overrides(db):
    calendar.invalidate()
    yield
    calendar.invalidate()


def answered_or_refused(question, *args):
    try:
        return question(*args)
    except calendar.OutOfRange:
        return None


@pytest.mark.parametrize("day", EDGES)
def test_every_calendar_question_at_the_edges_is_answered_or_refused_in_range(day):
    assert calendar.is_workday(day) in (True, False)
    for count in COUNTS:
        later = answered_or_refused(calendar.add_workdays, day, count)
        assert later is None or calendar.FIRST_DAY <= later <= calendar.LAST_DAY or (count == 0 and later == day)
        earlier = answered_or_refused(calendar.subtract_workdays, day, count)
        assert earlier is None or calendar.FIRST_DAY <= earlier <= calendar.LAST_DAY or count == 0
    for other in EDGES:
        answered_or_refused(calendar.workdays_between, day, other)
    answered_or_refused(calendar.next_workday, day)


def test_outside_the_served_span_counts_are_refused_and_inside_they_are_answered():
    with pytest.raises(calendar.OutOfRange):
        calendar.add_workdays(dt.date.max, 1)
    with pytest.raises(calendar.OutOfRange):
        calendar.workdays_between(dt.date.min, D(2025, 1, 1))
    with pytest.raises(calendar.OutOfRange):
        calendar.add_workdays(D(2025, 1, 1), 2**63)
    with pytest.raises(calendar.OutOfRange):
        calendar.subtract_workdays(calendar.FIRST_DAY, 1)
    assert D(2199, 12, 1).weekday() == 6
    assert calendar.add_workdays(D(2199, 12, 1), 5) == D(2199, 12, 6)  # Monday to Friday
    assert calendar.workdays_between(calendar.FIRST_DAY, calendar.LAST_DAY) > 50_000


def test_the_clock_at_a_far_deadline_refuses_the_ladder_and_still_colours_the_warning(default_policies):
    policy = Policy.for_ticket("time_limited")
    today = D(2026, 3, 2)
    with pytest.raises(calendar.OutOfRange):
        clocks.ladder(dt.date.max, policy)
    with pytest.raises(calendar.OutOfRange):
        clocks.next_action_at(dt.date.max, policy, clocks.start_of(today))
    assert clocks.warning(deadline=dt.date.max, on=today, policy=policy, started_on=today, progress=0) == "green"
    assert clocks.warning(deadline=dt.date.min, on=today, policy=policy) == "red"
    assert clocks.start_of(dt.date.max).date() == dt.date.max


def test_the_date_window_lies_inside_what_the_calendar_serves_with_room_for_the_longest_ladder(default_policies):
    first, last = bounds.date_window()
    assert calendar.FIRST_DAY <= first < last <= calendar.LAST_DAY
    longest = max(p.listed_after_days + p.notice_days + p.verify_days for p in Policy.objects.all())
    assert calendar.add_workdays(last, longest) < calendar.LAST_DAY
    for day in (D(2024, 2, 29), D(2000, 1, 1), D(2189, 12, 31)):
        window = bounds.date_window(day)
        assert window[0] <= day <= window[1]
        assert calendar.FIRST_DAY <= window[0] < window[1] <= calendar.LAST_DAY


@fuzz_settings(100)
@given(day=st.dates(), count=st.integers(min_value=0, max_value=2**64), other=st.dates())
def test_calendar_functions_never_overflow(day, count, other):
    later = answered_or_refused(calendar.add_workdays, day, count)
    if later is not None and count:
        assert calendar.workdays_between(day, later) == count
        assert calendar.is_workday(later)
    earlier = answered_or_refused(calendar.subtract_workdays, day, count)
    if earlier is not None and count and calendar.is_workday(day):
        assert calendar.workdays_between(earlier, day) == count
    between = answered_or_refused(calendar.workdays_between, day, other)
    if between is not None:
        assert between == -calendar.workdays_between(other, day)
    calendar.is_workday(day)
