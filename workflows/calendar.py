"""Working days on the official Chinese calendar (国务院办公厅 holiday schedule, with 调休 make-up days).

The schedule comes from the `chinesecalendar` package; an admin's CalendarDay rows override it. For a year the
package has no data for, only weekends are days off: `is_official()` says so, and a warning is logged once per
year so the admin knows to enter that year's holidays.

Conventions used everywhere a deadline is computed:
- `add_workdays(d, n)` is the n-th working day *after* d (the count starts the day after d); n = 0 gives d.
- `workdays_between(a, b)` counts the working days in (a, b]: the working time left on day a before deadline b.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time

import chinese_calendar

logger = logging.getLogger(__name__)

OFFICIAL_YEARS = range(
    min(chinese_calendar.holidays).year,
    max(max(chinese_calendar.holidays), max(chinese_calendar.workdays)).year + 1,
)
_OVERRIDES_TTL_SECONDS = 60.0

_lock = threading.Lock()
_overrides: dict[dt.date, bool] = {}
_overrides_loaded_at = float("-inf")
_warned_years: set[int] = set()


def invalidate() -> None:
    """Forget cached admin overrides (called when a CalendarDay changes); other processes reload within a minute."""
    global _overrides_loaded_at
    with _lock:
        _overrides_loaded_at = float("-inf")


def _current_overrides() -> dict[dt.date, bool]:
    global _overrides, _overrides_loaded_at
    now = time.monotonic()
    if now - _overrides_loaded_at > _OVERRIDES_TTL_SECONDS:
        from workflows.models import CalendarDay

        with _lock:
            _overrides = dict(CalendarDay.objects.values_list("date", "is_workday"))
            _overrides_loaded_at = now
    return _overrides


def is_official(day: dt.date) -> bool:
    """Whether the official holiday schedule covers this day's year."""
    return day.year in OFFICIAL_YEARS


def is_workday(day: dt.date) -> bool:
    override = _current_overrides().get(day)
    if override is not None:
        return override
    if day in chinese_calendar.workdays:
        return True
    if day in chinese_calendar.holidays:
        return False
    if not is_official(day) and day.year not in _warned_years:
        _warned_years.add(day.year)
        logger.warning(
            "No official holiday schedule for %s: counting weekends only. Add that year's holidays and "
            "make-up workdays as calendar days in the admin.",
            day.year,
        )
    return day.weekday() < 5


def add_workdays(start: dt.date, count: int) -> dt.date:
    """The `count`-th working day after `start` (0 gives `start` itself)."""
    if count < 0:
        raise ValueError("count must not be negative")
    day = start
    while count:
        day += dt.timedelta(days=1)
        if is_workday(day):
            count -= 1
    return day


def subtract_workdays(end: dt.date, count: int) -> dt.date:
    """The working day that lies `count` working days before `end` (0 gives `end` itself)."""
    if count < 0:
        raise ValueError("count must not be negative")
    day = end
    while count:
        day -= dt.timedelta(days=1)
        if is_workday(day):
            count -= 1
    return day


def workdays_between(start: dt.date, end: dt.date) -> int:
    """Working days in (start, end]; negative when `end` lies before `start` (days overdue)."""
    if end < start:
        return -workdays_between(end, start)
    count, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        if is_workday(day):
            count += 1
    return count


def next_workday(day: dt.date) -> dt.date:
    """`day` itself if it is a working day, else the first working day after it."""
    while not is_workday(day):
        day += dt.timedelta(days=1)
    return day
