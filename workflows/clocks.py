"""Per-stage deadline clocks: when a stage is due, its warning colour, and its reminder/escalation ladder.

Deadlines are dates. A stage is overdue once its deadline date has passed in Asia/Shanghai, so the clock's
instants are local midnights.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflows import calendar
from workflows.machine import STAGE_OWNER, Role, TicketState
from workflows.models import Policy

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Long-term tickets report progress every policy.reporting_cycle_days working days in these stages.
REPORTING_STATES = (TicketState.RECTIFYING, TicketState.EXPLAINED)
# Progress reports are reminded of the working day before and on the day, whatever the stage's offsets are.
REPORT_REMINDER_MAX_OFFSET = 1


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


def milestone_progress(milestones_due: int, milestones: int) -> int:
    """序时进度 by the plan's milestones (阶段节点): the share of them whose date has come."""
    return round(100 * milestones_due / milestones)


def warning(
    *,
    deadline: dt.date | None,
    on: dt.date,
    policy: Policy,
    paused: bool = False,
    started_on: dt.date | None = None,
    progress: int | None = None,
    scheduled: int | None = None,
) -> Warning | None:
    """Green on track; yellow near the deadline or behind scheduled progress; red once the deadline has passed.

    The scheduled progress is `scheduled` where the plan's milestones set it (milestone_progress), else the share of
    the stage's working time that has elapsed (scheduled_progress)."""
    if paused:
        return Warning.PAUSED
    if deadline is None:
        return None
    if on > deadline:
        return Warning.RED
    try:
        if calendar.workdays_between(on, deadline) <= policy.yellow_days:
            return Warning.YELLOW
        if scheduled is None and started_on is not None:
            scheduled = scheduled_progress(started_on, deadline, on)
        behind = progress is not None and scheduled is not None and scheduled - progress > policy.progress_tolerance
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


Ladder = Callable[[dt.date, Policy], list[Rung]]


def next_action_at(deadline: dt.date | None, policy: Policy, after: dt.datetime) -> dt.datetime | None:
    """When a deadline's ladder next calls for a message strictly after `after`; None when nothing is left.

    The bare ladder, whatever the stage; a ticket's schedule is `ticket_next_action_at`."""
    if deadline is None:
        return None
    for rung in ladder(deadline, policy):
        if rung.at > after:
            return rung.at
    return None


def stage_rungs(
    state: str, deadline: dt.date, started_on: dt.date, policy: Policy, ladder_of: Ladder = ladder
) -> list[Rung]:
    """The rungs of a stage's ladder that speak to that stage: a listing (挂牌督办) only in the unit's own stages (a
    late verification is not the unit's fault), and no reminder falling before the stage began (the message that
    announces the stage says it)."""
    unit_stage = STAGE_OWNER[state] == Role.OFFICER
    began = start_of(started_on)
    return [
        r
        for r in ladder_of(deadline, policy)
        if (unit_stage or r.step != LadderStep.LIST) and (r.step != LadderStep.REMIND or r.at > began)
    ]


def report_due(
    *, state: str, policy: Policy, started_on: dt.date | None, last_report: dt.date | None, paused: bool
) -> dt.date | None:
    """When a long-term ticket's next progress report is due: a reporting cycle after the last report or the start
    of the stage, whichever is later; None when the ticket does not report."""
    if not policy.reporting_cycle_days or state not in REPORTING_STATES or paused:
        return None
    since = max(filter(None, (last_report, started_on)))
    return calendar.add_workdays(since, policy.reporting_cycle_days)


def report_rungs(due: dt.date, policy: Policy, ladder_of: Ladder = ladder) -> list[Rung]:
    """The reminders and escalations of a progress report due on `due` (it is never listed)."""
    return [
        r
        for r in ladder_of(due, policy)
        if r.step != LadderStep.LIST and (r.step != LadderStep.REMIND or r.offset <= REPORT_REMINDER_MAX_OFFSET)
    ]


def ticket_next_action_at(
    *,
    state: str,
    policy: Policy,
    stage_deadline: dt.date | None,
    stage_started_on: dt.date | None,
    paused: bool,
    last_report: dt.date | None = None,
    after: dt.datetime | None = None,
    ladder_of: Ladder = ladder,
) -> dt.datetime | None:
    """When a ticket's clocks next call for a message: the value of its schedule column (tracker.schedule).

    With `after`, the earliest rung strictly after it of the stage's clock and, for a long-term ticket, of its
    progress-report clock; None when nothing is left. Without `after`, a stage clock starting: its first rung, even
    one already passed, so the sweep looks at the ticket at once and says what is due; the sweep counts on from
    there. `ladder_of` lets a sweep share one ladder between the tickets with the same deadline and policy.
    """
    if state not in STAGE_OWNER or paused or stage_deadline is None:
        return None
    if after is None:
        return ladder_of(stage_deadline, policy)[0].at
    assert stage_started_on is not None  # a stage with a deadline has begun
    moments = [r.at for r in stage_rungs(state, stage_deadline, stage_started_on, policy, ladder_of) if r.at > after]
    due = report_due(state=state, policy=policy, started_on=stage_started_on, last_report=last_report, paused=paused)
    if due is not None:
        moments += [r.at for r in report_rungs(due, policy, ladder_of) if r.at > after]
    return min(moments, default=None)
