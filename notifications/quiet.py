"""Quiet time: email, SMS and chat wait for the next working morning; the in-app inbox never waits.

Working days are the official calendar's (workflows.calendar), so a message written on the eve of the National Day
holidays goes out on the first working day after them, and one written on a Friday evening before a make-up
Saturday (调休) goes out that Saturday morning.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from notifications.models import Channel
from workflows import calendar
from workflows.clocks import SHANGHAI


def is_urgent(kind: str) -> bool:
    """Kinds an operator has configured to go out at once on every channel (NOTIFY_URGENT_KINDS)."""
    return kind in settings.NOTIFY_URGENT_KINDS


def send_after(channel: str, kind: str, now: dt.datetime) -> dt.datetime:
    """The earliest moment a message of this kind may go out on this channel."""
    if channel == Channel.INAPP or is_urgent(kind):
        return now
    local = now.astimezone(SHANGHAI)
    start, end = settings.NOTIFY_DAY_START_HOUR, settings.NOTIFY_DAY_END_HOUR
    if calendar.is_workday(local.date()) and start <= local.hour < end:
        return now
    day = local.date() if local.hour < start else local.date() + dt.timedelta(days=1)
    return dt.datetime.combine(calendar.next_workday(day), dt.time(start), tzinfo=SHANGHAI)
