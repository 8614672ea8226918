"""Tickets by warning colour, in SQL, agreeing exactly with `selectors.ticket_warning` (workflows.clocks.warning).

Red and paused are plain column tests. Yellow needs working days: the deadline is within the policy's yellow days,
or a rectifying ticket's progress lags its scheduled progress (序时进度) by more than the policy's tolerance: the
share of its plan's milestones that have come (counted only for a ticket whose plan has some), else the share of
the stage's working time that has elapsed. Both
are differences of a *working-day ordinal* W(date) — the working days between a fixed origin and the date — so
`workdays_between(a, b) = W(b) - W(a)`. The query gets W as an array parameter indexed by the date's offset from
the origin, up to the last day the calendar deviates from plain weekdays (the official schedule's last year, the
admin's last override, or today); beyond it, working days are weekdays, counted in closed form. So the colour of a
million tickets is one indexable query, with the same answers as the Python clock.

`with_warning` filters a queryset by colour. A page of tickets already read gets its colours from the clock itself
(`selectors.ticket_warning`): in Python that costs microseconds a ticket, less than building this query.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.db.models import Case, F, Func, IntegerField, Max, Min, Q, QuerySet, Value, When
from django.db.models.functions import Mod

from tracker.models import Ticket
from tracker.selectors import milestones_due
from tracker.stats import overdue_q
from workflows import calendar, clocks
from workflows.clocks import Warning
from workflows.machine import OPEN_STATES, TicketState
from workflows.models import CalendarDay, Policy


class WorkdayOrdinal(Func):
    """W(x) for a date column x: ordinals[x - origin] up to `plain_from`, weekday arithmetic after it."""

    output_field = IntegerField()

    def __init__(self, expression: Any, *, origin: dt.date, ordinals: list[int], plain_from: dt.date) -> None:
        super().__init__(expression)
        self.origin, self.ordinals, self.plain_from = origin, ordinals, plain_from
        # weekdays among the first r days after plain_from, r = 0..6
        self.week_prefix = [
            sum((plain_from + dt.timedelta(days=i)).weekday() < 5 for i in range(1, r + 1)) for r in range(7)
        ]

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        # A subscript outside the array is NULL: a date up to plain_from reads its ordinal with x computed once (x
        # may be a time zone conversion or a subquery); a later one takes the weekday arithmetic; an earlier one, and
        # NULL, give NULL.
        x, params = compiler.compile(self.source_expressions[0])
        tail = f"({x} - %s::date)"
        sql = (
            f"COALESCE((%s::int[])[({x} - %s::date) + 1],"
            f" CASE WHEN {x} > %s::date THEN %s + 5 * ({tail} / 7) + (%s::int[])[({tail} %% 7) + 1] END)"
        )
        return sql, [
            self.ordinals, *params, self.origin,
            *params, self.plain_from, self.ordinals[-1], *params, self.plain_from, self.week_prefix, *params,
            self.plain_from,
        ]  # fmt: skip

    # A list, as Django 5.2 extends a lookup's params in place; django-stubs types them as a tuple.
    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        x, params = compiler.compile(self.source_expressions[0])
        tail = f"CAST(julianday(MAX({x}, %s)) - julianday(%s) AS INTEGER)"
        head = f"CAST(julianday(MIN({x}, %s)) - julianday(%s) AS INTEGER)"
        sql = (
            f"(json_extract(%s, '$[' || {head} || ']') + 5 * ({tail} / 7)"
            f" + json_extract(%s, '$[' || ({tail} %% 7) || ']'))"
        )
        origin, plain = self.origin.isoformat(), self.plain_from.isoformat()
        return sql, [
            json.dumps(self.ordinals), *params, plain, origin,
            *params, plain, plain,
            json.dumps(self.week_prefix), *params, plain, plain,
        ]  # fmt: skip


def _policy_value(policies: list[Policy], attribute: str) -> Case:
    """The governing policy's value for each ticket (a severity's own row before its class's general row)."""
    specific = [
        When(rectification_class=p.rectification_class, finding__severity=p.severity, then=Value(getattr(p, attribute)))
        for p in policies
        if p.severity
    ]
    general = [
        When(rectification_class=p.rectification_class, then=Value(getattr(p, attribute)))
        for p in policies
        if not p.severity
    ]
    return Case(*specific, *general, default=None, output_field=IntegerField())


def _ordinals(origin: dt.date, last: dt.date) -> list[int]:
    """W(origin + i) for i = 0 .. (last - origin): working days in (origin, origin + i]."""
    ordinals, count = [0], 0
    for i in range(1, (last - origin).days + 1):
        count += calendar.is_workday(origin + dt.timedelta(days=i))
        ordinals.append(count)
    return ordinals


def _yellow_terms(tickets: QuerySet[Ticket], origin: dt.date, on: dt.date) -> tuple[QuerySet[Ticket], Q]:
    """`tickets` annotated with what the yellow test needs, and the test, for clocks whose dates are all on or after
    `origin`: near the deadline, or a rectifying ticket behind its scheduled progress."""
    last_override = CalendarDay.objects.aggregate(last=Max("date"))["last"]
    plain_from = max(d for d in (dt.date(max(calendar.OFFICIAL_YEARS), 12, 31), last_override, on, origin) if d)
    ordinals = _ordinals(origin, plain_from)
    w_today = ordinals[(on - origin).days]

    def w(field: str) -> WorkdayOrdinal:
        return WorkdayOrdinal(F(field), origin=origin, ordinals=ordinals, plain_from=plain_from)

    policies = list(Policy.objects.all())
    annotated = tickets.annotate(
        _wd=w("stage_deadline"),
        _ws=w("stage_started_on"),
        _yellow_days=_policy_value(policies, "yellow_days"),
        _tolerance=_policy_value(policies, "progress_tolerance"),
    )
    # Behind schedule: round(100·E/T) − progress > tolerance, with E = W(today) − W(start), T = W(deadline) − W(start)
    # (T ≤ 0 counts as 100 % scheduled). With m = progress + tolerance + 1 this is round(100·E/T) ≥ m, i.e.
    # 200·E > (2m − 1)·T, or equality with m even (Python rounds halves to even).
    annotated = annotated.annotate(
        _m=F("progress") + F("_tolerance") + 1,
        _span=F("_wd") - F("_ws"),
        _elapsed200=(Value(w_today) - F("_ws")) * 200,
    ).annotate(_m_odd=Mod(F("_m"), 2), _threshold=(F("_m") * 2 - 1) * F("_span"))
    behind_time = Q(milestones_total=0) & (
        Q(_span__lte=0) | Q(_elapsed200__gt=F("_threshold")) | Q(_elapsed200=F("_threshold"), _m_odd=0)
    )
    # By milestones, the same test with E/T = k/n: k of the plan's n milestones have come.
    annotated = annotated.annotate(
        _due200=milestones_due(on) * 200, _ms_threshold=(F("_m") * 2 - 1) * F("milestones_total")
    )
    behind_milestones = Q(milestones_total__gt=0) & (
        Q(_due200__gt=F("_ms_threshold")) | Q(_due200=F("_ms_threshold"), _m_odd=0)
    )
    behind = Q(state=TicketState.RECTIFYING, _m__lte=100) & (behind_time | behind_milestones)
    near = Q(_wd__lte=Value(w_today) + F("_yellow_days"))
    return annotated, near | behind


def with_warning(tickets: QuerySet[Ticket], colour: str, on: dt.date | None = None) -> QuerySet[Ticket]:
    """The tickets whose warning colour on `on` (today) is `colour`."""
    on = on or clocks.today()
    if colour == Warning.RED:
        return tickets.filter(overdue_q(on))
    open_ = Q(state__in=OPEN_STATES)
    if colour == Warning.PAUSED:
        return tickets.filter(open_, paused_workdays_left__isnull=False)
    running = open_ & Q(paused_workdays_left__isnull=True, stage_deadline__gte=on)
    if colour not in (Warning.YELLOW, Warning.GREEN):
        return tickets.none()
    origin = tickets.filter(running).aggregate(first=Min("stage_started_on"))["first"]
    if origin is None:
        return tickets.none()
    annotated, yellow = _yellow_terms(tickets.filter(running), min(origin, on), on)
    return annotated.filter(yellow) if colour == Warning.YELLOW else annotated.exclude(yellow)
