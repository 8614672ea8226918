"""Working days on the official Chinese calendar (国务院办公厅 holiday schedule, with 调休 make-up days).

The schedule comes from the `chinesecalendar` package; an admin's CalendarDay rows override it. For a year the
package has no data for, only weekends are days off: `is_official()` says so, and a warning is logged once per
year so the admin knows to enter that year's holidays.

Conventions used everywhere a deadline is computed:
- `add_workdays(d, n)` is the n-th working day *after* d (the count starts the day after d); n = 0 gives d.
- `workdays_between(a, b)` counts the working days in (a, b]: the working time left on day a before deadline b.

Counting is done on a table of cumulative working-day ordinals (the number of working days from the table's
first day up to and including each day), so every question is a subtraction or a binary search, not a walk
day by day. The table is rebuilt when the admin's overrides change, and grows when a date beyond it is asked for.

The calendar serves FIRST_DAY to LAST_DAY. `is_workday` answers for any date; a count or a step that starts, ends or
lands outside that span raises OutOfRange (a ValueError), never an OverflowError, whatever the date (date.min and
date.max included). The dates a person may enter are kept well inside it (tracker.bounds).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from bisect import bisect_left
from itertools import accumulate

import chinese_calendar

logger = logging.getLogger(__name__)

OFFICIAL_YEARS = range(
    min(chinese_calendar.holidays).year,
    max(max(chinese_calendar.holidays), max(chinese_calendar.workdays)).year + 1,
)
_OVERRIDES_TTL_SECONDS = 60.0
FIRST_DAY = dt.date(2000, 1, 1)  # before the official data: weekends only
# Far enough for any deadline a person may enter plus the longest ladder a policy sets; near enough that the table
# (one int a day) stays small.
LAST_DAY = dt.date(2199, 12, 31)
_FIRST_DAY = FIRST_DAY
_YEARS_AHEAD = 12
_LOOK_AHEAD = dt.timedelta(days=400)


class OutOfRange(ValueError):
    """A working-day question about a date the calendar does not serve (before FIRST_DAY or after LAST_DAY)."""

    def __init__(self, day: dt.date | None = None) -> None:
        self.day = day
        super().__init__(f"the working-day calendar serves {FIRST_DAY} to {LAST_DAY}" + (f", not {day}" if day else ""))


def _served(day: dt.date) -> dt.date:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise OutOfRange(day)
    return day


def _plus_days(day: dt.date, days: int) -> dt.date:
    """`day` + `days`, held to LAST_DAY (so no sum can overflow date.max)."""
    if days >= (LAST_DAY - day).days:
        return LAST_DAY
    return day + dt.timedelta(days=days)


_lock = threading.Lock()
_warned_years: set[int] = set()


class _Table:
    """Cumulative working-day ordinals from _FIRST_DAY, for one snapshot of the admin's overrides."""

    def __init__(self, overrides: dict[dt.date, bool], last_day: dt.date) -> None:
        self.overrides = overrides
        self.last_day = last_day
        days = (last_day - _FIRST_DAY).days + 1
        flags = [_is_workday(_FIRST_DAY + dt.timedelta(days=i), overrides) for i in range(days)]
        self.ordinals = list(accumulate(flags))

    def ordinal(self, day: dt.date) -> int:
        return self.ordinals[(_served(day) - _FIRST_DAY).days]

    def day_with_ordinal(self, ordinal: int) -> dt.date:
        """The first day whose ordinal reaches `ordinal`: a working day."""
        if ordinal < 1:
            raise OutOfRange()
        index = bisect_left(self.ordinals, ordinal)
        if index == len(self.ordinals):
            raise OutOfRange()
        return _FIRST_DAY + dt.timedelta(days=index)


_table: _Table | None = None
_table_checked_at = float("-inf")


def invalidate() -> None:
    """Forget the cached overrides (called when a CalendarDay changes); other processes reload within a minute."""
    global _table_checked_at
    with _lock:
        _table_checked_at = float("-inf")


def _current(covering: dt.date | None = None) -> _Table:
    """The table for the current overrides, long enough to cover `covering` and a working year past it (up to
    LAST_DAY)."""
    global _table, _table_checked_at
    now = time.monotonic()
    table = _table
    stale = now - _table_checked_at > _OVERRIDES_TTL_SECONDS
    if covering is not None:
        covering = _plus_days(_served(covering), _LOOK_AHEAD.days)
    short = table is not None and covering is not None and covering > table.last_day
    if table is None or stale or short:
        from workflows.models import CalendarDay

        with _lock:
            overrides = dict(CalendarDay.objects.values_list("date", "is_workday")) if stale or table is None else None
            if overrides is None:
                overrides = table.overrides  # type: ignore[union-attr]
            horizon = max(_plus_days(dt.date.today(), _LOOK_AHEAD.days), covering or dt.date.today())
            last_day = min(LAST_DAY, dt.date(max(horizon.year, dt.date.today().year + _YEARS_AHEAD), 12, 31))
            if table is None or overrides != table.overrides or last_day > table.last_day:
                table = _Table(overrides, max(last_day, table.last_day if table else last_day))
            _table = table
            if stale:
                _table_checked_at = now
    return table


def _is_workday(day: dt.date, overrides: dict[dt.date, bool]) -> bool:
    override = overrides.get(day)
    if override is not None:
        return override
    if day in chinese_calendar.workdays:
        return True
    if day in chinese_calendar.holidays:
        return False
    return day.weekday() < 5


def _warn_if_unofficial(day: dt.date) -> None:
    if not is_official(day) and day.year not in _warned_years:
        _warned_years.add(day.year)
        logger.warning(
            "No official holiday schedule for %s: counting weekends only. Add that year's holidays and "
            "make-up workdays as calendar days in the admin.",
            day.year,
        )


def is_official(day: dt.date) -> bool:
    """Whether the official holiday schedule covers this day's year."""
    return day.year in OFFICIAL_YEARS


def is_workday(day: dt.date) -> bool:
    """Whether `day` is a working day; any date is answered (outside the table, by the overrides and weekends)."""
    _warn_if_unofficial(day)
    if not FIRST_DAY < day <= LAST_DAY:
        return _is_workday(day, _current().overrides)
    table = _current(day)
    return table.ordinal(day) != table.ordinal(day - dt.timedelta(days=1))


def add_workdays(start: dt.date, count: int) -> dt.date:
    """The `count`-th working day after `start` (0 gives `start` itself)."""
    if count < 0:
        raise ValueError("count must not be negative")
    if count == 0:
        return start
    covering = _plus_days(_served(start), 2 * count + 30)
    table = _current(covering)
    target = table.ordinal(start) + count
    while target > table.ordinals[-1] and table.last_day < LAST_DAY:  # a run of holidays longer than the guess
        covering = _plus_days(table.last_day, 2 * count + 30)
        table = _current(covering)
    day = table.day_with_ordinal(target)
    _warn_if_unofficial(day)
    return day


def subtract_workdays(end: dt.date, count: int) -> dt.date:
    """The working day that lies `count` working days before `end` (0 gives `end` itself)."""
    if count < 0:
        raise ValueError("count must not be negative")
    if count == 0:
        return end
    table = _current(end)
    if end == FIRST_DAY:
        raise OutOfRange()
    return table.day_with_ordinal(table.ordinal(end - dt.timedelta(days=1)) - count + 1)


def workdays_between(start: dt.date, end: dt.date) -> int:
    """Working days in (start, end]; negative when `end` lies before `start` (days overdue)."""
    if end < start:
        return -workdays_between(end, start)
    _served(start)
    table = _current(end)
    _warn_if_unofficial(end)
    return table.ordinal(end) - table.ordinal(start)


def next_workday(day: dt.date) -> dt.date:
    """`day` itself if it is a working day, else the first working day after it."""
    return day if is_workday(day) else add_workdays(day, 1)
