"""Per-stage deadline clocks: when a stage is due, its warning colour, and its reminder/escalation ladder.

Deadlines are dates. A stage is overdue once its deadline date has passed in Asia/Shanghai, so the clock's
instants are local midnights.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflows import calendar
from workflows.machine import TicketState
from workflows.models import Policy

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Warning(models.TextChoices):
    GREEN = "green", _("On track (绿)")
    YELLOW = "yellow", _("Near deadline or behind schedule (黄)")
    RED = "red", _("Overdue (红)")
    PAUSED = "paused", _("Clock paused (中止)")


class LadderStep(models.TextChoices):
    REMIND = "remind", _("Reminder (提醒)")
    CHASE = "chase", _("Chase (催办)")
    SUPERVISE = "supervise", _("Supervision slip (督办)")
    LIST = "list", _("Listed supervision (挂牌督办)")


def today() -> dt.date:
    return timezone.localdate(timezone=SHANGHAI)


def start_of(day: dt.date) -> dt.datetime:
    """Local midnight at the start of `day`, as an aware datetime."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=SHANGHAI)


def stage_deadline(state: str, policy: Policy, started_on: dt.date, due_on: dt.date | None) -> dt.date | None:
    """The deadline of the stage a ticket has just entered on `started_on`.

    The rectifying stage runs to the ticket's own deadline (整改时限, `due_on`); the others are counted from the
    day the stage began.
    """
    if state == TicketState.ASSIGNED:
        return calendar.add_workdays(started_on, policy.sign_days)
    if state == TicketState.RECTIFYING:
        return due_on
    if state == TicketState.EXPLAINED:
        return calendar.add_workdays(started_on, policy.notice_days + policy.verify_days)
    if state == TicketState.VERIFIED:
        return calendar.add_workdays(started_on, policy.close_days)
    return None


def scheduled_progress(started_on: dt.date, deadline: dt.date, on: dt.date) -> int:
    """序时进度: the percentage of the working time from start to deadline that has elapsed by `on`."""
    total = calendar.workdays_between(started_on, deadline)
    if total <= 0:
        return 100
    elapsed = calendar.workdays_between(started_on, min(on, deadline))
    return max(0, min(100, round(100 * elapsed / total)))


def warning(
    *,
    deadline: dt.date | None,
    on: dt.date,
    policy: Policy,
    paused: bool = False,
    started_on: dt.date | None = None,
    progress: int | None = None,
) -> Warning | None:
    """Green on track; yellow near the deadline or behind scheduled progress; red once the deadline has passed."""
    if paused:
        return Warning.PAUSED
    if deadline is None:
        return None
    if on > deadline:
        return Warning.RED
    try:
        if calendar.workdays_between(on, deadline) <= policy.yellow_days:
            return Warning.YELLOW
        behind = (
            progress is not None
            and started_on is not None
            and scheduled_progress(started_on, deadline, on) - progress > policy.progress_tolerance
        )
    except calendar.OutOfRange:  # a deadline beyond what the calendar serves is neither near nor behind
        return Warning.GREEN
    if behind:
        return Warning.YELLOW
    return Warning.GREEN


@dataclass(frozen=True)
class Rung:
    step: LadderStep
    offset: int  # working days before (reminders) or after (escalations) the deadline
    at: dt.datetime


def ladder(deadline: dt.date, policy: Policy) -> list[Rung]:
    """Every message a stage's clock calls for, in time order.

    A reminder `k` days before falls at the start of the k-th working day before the deadline; an escalation
    `n` working days overdue falls at the end of the n-th working day after it (n = 0: the moment the deadline
    passes).
    """
    rungs = [
        Rung(LadderStep.REMIND, k, start_of(calendar.subtract_workdays(deadline, k)))
        for k in sorted(set(policy.reminder_offsets), reverse=True)
    ]
    for step, n in (
        (LadderStep.CHASE, policy.chase_after_days),
        (LadderStep.SUPERVISE, policy.supervise_after_days),
        (LadderStep.LIST, policy.listed_after_days),
    ):
        rungs.append(Rung(step, n, start_of(calendar.add_workdays(deadline, n) + dt.timedelta(days=1))))
    return sorted(rungs, key=lambda r: r.at)


def next_action_at(deadline: dt.date | None, policy: Policy, after: dt.datetime) -> dt.datetime | None:
    """When the clock next calls for a message strictly after `after`; None when nothing is left."""
    if deadline is None:
        return None
    for rung in ladder(deadline, policy):
        if rung.at > after:
            return rung.at
    return None
