"""Working-day facts from the State Council's schedule, and the fallback beyond the package's data."""

import datetime as dt
import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workflows import calendar
from workflows.models import CalendarDay

D = dt.date


@pytest.fixture(autouse=True)
def _fresh_overrides(db):
    calendar.invalidate()
    yield
    calendar.invalidate()


def test_spring_festival_make_up_saturday_is_a_workday():
    assert D(2026, 2, 14).weekday() == 5
    assert calendar.is_workday(D(2026, 2, 14))


def test_spring_festival_monday_is_a_holiday():
    assert D(2026, 2, 16).weekday() == 0
    assert not calendar.is_workday(D(2026, 2, 16))


def test_ten_working_days_across_national_day_2025():
    # 09-28 (Sunday) and 10-11 (Saturday) are make-up workdays; 10-01 … 10-08 are holidays.
    assert calendar.add_workdays(D(2025, 9, 26), 10) == D(2025, 10, 16)
    assert calendar.workdays_between(D(2025, 9, 26), D(2025, 10, 16)) == 10


def test_counting_starts_the_day_after():
    friday = D(2025, 3, 7)
    assert calendar.add_workdays(friday, 0) == friday
    assert calendar.add_workdays(friday, 1) == D(2025, 3, 10)
    assert calendar.subtract_workdays(D(2025, 3, 10), 1) == friday


def test_workdays_between_is_negative_when_overdue():
    assert calendar.workdays_between(D(2025, 3, 12), D(2025, 3, 10)) == -2


def test_beyond_the_official_data_only_weekends_are_off(caplog):
    last = max(calendar.OFFICIAL_YEARS)
    year = last + 1
    assert not calendar.is_official(D(year, 1, 1))
    # 1 January is a holiday every year, but without data for that year it counts as a plain weekday.
    first_weekday = next(D(year, 1, d) for d in range(1, 8) if D(year, 1, d).weekday() < 5)
    with caplog.at_level(logging.WARNING, logger="workflows.calendar"):
        assert calendar.is_workday(first_weekday)
        saturday = next(D(year, 1, d) for d in range(1, 8) if D(year, 1, d).weekday() == 5)
        assert not calendar.is_workday(saturday)
    assert calendar.is_official(D(last, 6, 1))


def test_admin_days_override_the_official_schedule():
    workday = D(2026, 3, 4)  # an ordinary Wednesday
    assert calendar.is_workday(workday)
    CalendarDay.objects.create(date=workday, is_workday=False, note="local holiday")
    assert not calendar.is_workday(workday)
    saturday = D(2026, 3, 7)
    CalendarDay.objects.create(date=saturday, is_workday=True, note="make-up day")
    assert calendar.is_workday(saturday)
    # From Tuesday 3-3: Wednesday is now off, then Thursday, Friday and the make-up Saturday.
    assert calendar.add_workdays(D(2026, 3, 3), 3) == D(2026, 3, 7)


def _walk_add(start, count):
    day = start
    while count:
        day += dt.timedelta(days=1)
        if calendar.is_workday(day):
            count -= 1
    return day


def _walk_between(start, end):
    return sum(calendar.is_workday(start + dt.timedelta(days=i)) for i in range(1, (end - start).days + 1))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    start=st.dates(min_value=D(2003, 1, 1), max_value=D(2031, 12, 31)),
    count=st.integers(min_value=0, max_value=300),
    span=st.integers(min_value=-400, max_value=400),
)
def test_counting_on_the_table_agrees_with_walking_day_by_day(start, count, span):
    assert calendar.add_workdays(start, count) == _walk_add(start, count)
    end = start + dt.timedelta(days=span)
    expected = _walk_between(start, end) if span >= 0 else -_walk_between(end, start)
    assert calendar.workdays_between(start, end) == expected
    back = calendar.subtract_workdays(start, count)
    if count == 0:
        assert back == start
    else:  # the count-th working day before `start`: a working day, with `count` working days in [back, start)
        one = dt.timedelta(days=1)
        assert calendar.is_workday(back) and _walk_between(back - one, start - one) == count
