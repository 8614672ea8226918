"""The cockpit's figures (驾驶舱): computed over every ticket by the sweep, read by the pages in a few small queries.

`figures_refresh` (called by notifications.sweep) recomputes, at most every DASHBOARD_FIGURES_SECONDS:
- today's UnitDay rows: each unit's open tickets by warning colour and dimension, as the ledger counts them
  (tracker.warning_filter: the same answers as the clock);
- the UnitMonth rows of the last WINDOW_MONTHS months: tickets opened (交办, by the day they were created), closed
  on time (销号 on or before the rectification deadline) and late, with the working days of delay from the deadline
  to the closing day on the official calendar; reopens (复号) and rejections (退回重改) by the day they happened; the
  public's ratings by the day they were given. Months are Asia/Shanghai months.
Past days keep one snapshot per month (its last), so "open overdue" has a month-end value from the day the figures
began to be kept.

The readers below take the units a user oversees (tracker.permissions.units_overseen_by) and never read a ticket
outside them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Count, F, Max, Q, Subquery, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from tracker.models import (
    EventKind,
    ExtensionRequest,
    Feedback,
    PauseRequest,
    Rating,
    RequestState,
    Ticket,
    TicketEvent,
    Unit,
)
from tracker.models.figures import FiguresRun, UnitDay, UnitMonth
from tracker.permissions import is_admin, units_overseen_by
from tracker.stats import overdue_q
from tracker.warning_filter import with_warning
from workflows import calendar, clocks
from workflows.clocks import SHANGHAI, Warning
from workflows.machine import OPEN_STATES

WINDOW_MONTHS = 12
# The refresh moment of a day's row before its first refresh has committed (never visible to a reader).
NEVER = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
DIMENSION = "finding__indicator__dimension"
FLOWS = (
    "opened",
    "closed_on_time",
    "closed_late",
    "delay_workdays",
    "reopened",
    "rejected",
    "satisfied",
    "basically_satisfied",
    "dissatisfied",
)
STOCKS = ("open", "red", "yellow", "green", "paused", "listed")


def month_start(day: dt.date, back: int = 0) -> dt.date:
    index = day.year * 12 + day.month - 1 - back
    return dt.date(index // 12, index % 12 + 1, 1)


def window_months(today: dt.date) -> list[dt.date]:
    """The first days of the window's months, oldest first, the current month last."""
    return [month_start(today, back) for back in range(WINDOW_MONTHS - 1, -1, -1)]


# --- writing: the sweep's refresh ----------------------------------------------------------------------------------


def figures_refresh(*, now: dt.datetime | None = None, force: bool = False) -> bool:
    """Recompute today's figures if they are older than DASHBOARD_FIGURES_SECONDS (or `force`). Returns whether it
    recomputed. Two sweepers at once: the first locks today's FiguresRun row and recomputes; the second finds it
    locked and leaves it (it would only compute the same)."""
    now = now or timezone.now()
    today = timezone.localdate(now, timezone=SHANGHAI)
    with transaction.atomic():
        FiguresRun.objects.bulk_create([FiguresRun(day=today, refreshed_at=NEVER)], ignore_conflicts=True)
        run = FiguresRun.objects.select_for_update(skip_locked=True).filter(day=today).first()
        if run is None:
            return False
        if not force and (now - run.refreshed_at).total_seconds() < settings.DASHBOARD_FIGURES_SECONDS:
            return False
        days = day_rows(today)
        months = month_rows(today)
        UnitDay.objects.filter(day=today).delete()
        UnitDay.objects.bulk_create(days, batch_size=2000)
        UnitMonth.objects.filter(month__gte=window_months(today)[0]).delete()
        UnitMonth.objects.bulk_create(months, batch_size=2000)
        run.refreshed_at = now
        run.save(update_fields=["refreshed_at"])
        _prune(today)
    return True


def _prune(today: dt.date) -> None:
    """Keep, of every month before today's, only its last snapshot day."""
    keep: dict[tuple[int, int], dt.date] = {}
    for day in FiguresRun.objects.values_list("day", flat=True):
        key = (day.year, day.month)
        keep[key] = max(day, keep.get(key, day))
    drop = [d for d in FiguresRun.objects.values_list("day", flat=True) if d != keep[(d.year, d.month)] and d != today]
    if drop:
        UnitDay.objects.filter(day__in=drop).delete()
        FiguresRun.objects.filter(day__in=drop).delete()


def day_rows(today: dt.date) -> list[UnitDay]:
    """Open tickets by unit and dimension, counted by warning colour as the ledger counts them."""
    open_ = Q(state__in=OPEN_STATES)
    counts = (
        Ticket.objects.filter(open_)
        .values("lead_unit_id", DIMENSION)
        .annotate(
            n_open=Count("pk"),
            n_red=Count("pk", filter=overdue_q(today)),
            n_paused=Count("pk", filter=Q(paused_workdays_left__isnull=False)),
            n_running=Count("pk", filter=Q(paused_workdays_left__isnull=True, stage_deadline__gte=today)),
            n_listed=Count("pk", filter=Q(listed=True)),
        )
        .order_by()
    )
    yellow = {
        (r["lead_unit_id"], r[DIMENSION]): r["n"]
        for r in with_warning(Ticket.objects.all(), Warning.YELLOW, today)
        .values("lead_unit_id", DIMENSION)
        .annotate(n=Count("pk"))
        .order_by()
    }
    rows = []
    for r in counts:
        y = yellow.get((r["lead_unit_id"], r[DIMENSION]), 0)
        rows.append(
            UnitDay(
                unit_id=r["lead_unit_id"],
                day=today,
                dimension=r[DIMENSION],
                open=r["n_open"],
                red=r["n_red"],
                yellow=y,
                green=r["n_running"] - y,
                paused=r["n_paused"],
                listed=r["n_listed"],
            )
        )
    return rows


def _local_month(value: dt.datetime | dt.date) -> dt.date:
    if isinstance(value, dt.datetime):
        value = value.astimezone(SHANGHAI).date()
    return value.replace(day=1)


def month_rows(today: dt.date) -> list[UnitMonth]:
    """What happened in each month of the window, by unit and dimension."""
    first = window_months(today)[0]
    since = clocks.start_of(first)
    rows: dict[tuple[int, dt.date, str], UnitMonth] = {}

    def row(unit_id: int, month: Any, dimension: str) -> UnitMonth:
        key = (unit_id, _local_month(month), dimension)
        if key not in rows:
            rows[key] = UnitMonth(unit_id=unit_id, month=key[1], dimension=dimension)
        return rows[key]

    month_of_creation = TruncMonth("created_at", tzinfo=SHANGHAI)
    for r in (
        Ticket.objects.filter(created_at__gte=since)
        .annotate(m=month_of_creation)
        .values("lead_unit_id", DIMENSION, "m")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        row(r["lead_unit_id"], r["m"], r[DIMENSION]).opened += r["n"]

    closed = Ticket.objects.filter(closed_on__gte=first).annotate(m=TruncMonth("closed_on"))
    for r in (
        closed.values("lead_unit_id", DIMENSION, "m")
        .annotate(
            on_time=Count("pk", filter=Q(closed_on__lte=F("due_on"))),
            late=Count("pk", filter=Q(closed_on__gt=F("due_on"))),
        )
        .order_by()
    ):
        target = row(r["lead_unit_id"], r["m"], r[DIMENSION])
        target.closed_on_time += r["on_time"]
        target.closed_late += r["late"]
    # Working days of delay, counted once per distinct (deadline, closing day) pair.
    for r in (
        closed.filter(closed_on__gt=F("due_on"))
        .values("lead_unit_id", DIMENSION, "m", "due_on", "closed_on")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        days = calendar.workdays_between(r["due_on"], r["closed_on"])
        row(r["lead_unit_id"], r["m"], r[DIMENSION]).delay_workdays += days * r["n"]

    for r in (
        TicketEvent.objects.filter(created_at__gte=since, kind__in=[EventKind.REOPEN, EventKind.REJECT])
        .annotate(m=month_of_creation)
        .values("ticket__lead_unit_id", f"ticket__{DIMENSION}", "m", "kind")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        target = row(r["ticket__lead_unit_id"], r["m"], r[f"ticket__{DIMENSION}"])
        if r["kind"] == EventKind.REOPEN:
            target.reopened += r["n"]
        else:
            target.rejected += r["n"]

    for r in (
        Feedback.objects.filter(created_at__gte=since)
        .annotate(m=month_of_creation)
        .values("ticket__lead_unit_id", f"ticket__{DIMENSION}", "m", "rating")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        target = row(r["ticket__lead_unit_id"], r["m"], r[f"ticket__{DIMENSION}"])
        setattr(target, r["rating"], getattr(target, r["rating"]) + r["n"])
    return list(rows.values())


# --- reading -------------------------------------------------------------------------------------------------------


def units_in_view(user: User) -> list[int]:
    """The units whose figures the user may see on the cockpit: those they oversee (all, for an admin)."""
    if is_admin(user):
        return list(Unit.objects.order_by("pk").values_list("pk", flat=True))
    return units_overseen_by(user)


def latest_run() -> FiguresRun | None:
    return FiguresRun.objects.order_by("-day").first()


@dataclass
class Flows:
    opened: int = 0
    closed_on_time: int = 0
    closed_late: int = 0
    delay_workdays: int = 0
    reopened: int = 0
    rejected: int = 0
    satisfied: int = 0
    basically_satisfied: int = 0
    dissatisfied: int = 0

    @property
    def closed(self) -> int:
        return self.closed_on_time + self.closed_late

    @property
    def on_time_rate(self) -> float | None:
        return self.closed_on_time / self.closed if self.closed else None

    @property
    def average_delay(self) -> float | None:
        """Mean working days past the deadline over the closed tickets (0 for those closed on time)."""
        return self.delay_workdays / self.closed if self.closed else None

    @property
    def ratings(self) -> int:
        return self.satisfied + self.basically_satisfied + self.dissatisfied

    @property
    def satisfaction(self) -> float | None:
        """Share of satisfied and basically satisfied ratings (the policy's satisfaction bar measures the same)."""
        return (self.satisfied + self.basically_satisfied) / self.ratings if self.ratings else None


@dataclass
class Stocks:
    open: int = 0
    red: int = 0
    yellow: int = 0
    green: int = 0
    paused: int = 0
    listed: int = 0


def _flows(row: Mapping[str, Any]) -> Flows:
    return Flows(**{name: row.get(name) or 0 for name in FLOWS})


def _sum_flows() -> dict[str, Sum]:
    return {name: Sum(name) for name in FLOWS}


@dataclass
class UnitLine:
    unit_id: int
    name: str
    stocks: Stocks
    flows: Flows


@dataclass
class MonthPoint:
    month: dt.date
    flows: Flows
    open_overdue: int | None  # at the month's last snapshot; None before the figures were kept


@dataclass
class Figures:
    run: FiguresRun | None
    day: dt.date | None
    totals: Stocks
    window: Flows
    units: list[UnitLine]
    dimensions: dict[str, tuple[Stocks, Flows]]
    months: list[MonthPoint] = field(default_factory=list)


def figures_for(
    units: list[int], *, dimension: str | None = None, unit: int | None = None, today: dt.date | None = None
) -> Figures:
    """The figures over `units`: colour counts and the units' lines from the latest snapshot, the window's flows,
    and the monthly trend (narrowed to one dimension or one unit when given)."""
    today = today or clocks.today()
    months = window_months(today)
    runs = list(FiguresRun.objects.filter(day__gte=months[0]).order_by("day"))
    run = runs[-1] if runs else None
    day = run.day if run else None
    stocks_by_unit: dict[int, Stocks] = defaultdict(Stocks)
    stocks_by_dim: dict[str, Stocks] = defaultdict(Stocks)
    totals = Stocks()
    if day is not None:
        for r in UnitDay.objects.filter(day=day, unit_id__in=units).values("unit_id", "dimension", *STOCKS):
            for target in (stocks_by_unit[r["unit_id"]], stocks_by_dim[r["dimension"]], totals):
                for name in STOCKS:
                    setattr(target, name, getattr(target, name) + r[name])
    in_window = UnitMonth.objects.filter(month__gte=months[0], unit_id__in=units)
    flows_by_unit = {r["unit_id"]: _flows(r) for r in in_window.values("unit_id").annotate(**_sum_flows()).order_by()}
    flows_by_dim = {
        r["dimension"]: _flows(r) for r in in_window.values("dimension").annotate(**_sum_flows()).order_by()
    }
    window = Flows()
    for f in flows_by_unit.values():
        for name in FLOWS:
            setattr(window, name, getattr(window, name) + getattr(f, name))

    names = dict(Unit.objects.filter(pk__in=units).values_list("pk", "name"))
    lines = [
        UnitLine(pk, names[pk], stocks_by_unit.get(pk, Stocks()), flows_by_unit.get(pk, Flows()))
        for pk in set(stocks_by_unit) | set(flows_by_unit)
        if pk in names
    ]
    lines.sort(key=_rank_key)

    trend = in_window
    snapshots = UnitDay.objects.filter(unit_id__in=units)
    if dimension:
        trend, snapshots = trend.filter(dimension=dimension), snapshots.filter(dimension=dimension)
    if unit:
        trend, snapshots = trend.filter(unit_id=unit), snapshots.filter(unit_id=unit)
    by_month = {r["month"]: _flows(r) for r in trend.values("month").annotate(**_sum_flows()).order_by()}
    last_day: dict[dt.date, dt.date] = {}
    for r in runs:
        last_day[r.day.replace(day=1)] = r.day
    overdue = {
        r["day"]: r["red"]
        for r in snapshots.filter(day__in=list(last_day.values())).values("day").annotate(red=Sum("red")).order_by()
    }
    points = [
        MonthPoint(m, by_month.get(m, Flows()), overdue.get(last_day[m], 0) if m in last_day else None) for m in months
    ]
    dims = {d: (stocks_by_dim.get(d, Stocks()), flows_by_dim.get(d, Flows())) for d in {*stocks_by_dim, *flows_by_dim}}
    return Figures(run, day, totals, window, lines, dims, points)


def _rank_key(line: UnitLine) -> tuple:
    """Red first: most overdue now, then the lowest on-time rate, then the longest average delay."""
    rate = line.flows.on_time_rate
    return (-line.stocks.red, rate if rate is not None else 2.0, -(line.flows.average_delay or 0), line.name)


def public_unit_figures(today: dt.date | None = None) -> list[UnitLine]:
    """Every unit's public figures (rectified on time, overdue now, satisfaction), most overdue first."""
    return figures_for(list(Unit.objects.values_list("pk", flat=True)), today=today).units


# --- what needs the supervisor now (live, through partial indexes) --------------------------------------------------

# What the cockpit's lists print of a ticket: rows of these columns, not model instances.
WATCH_COLUMNS = (
    *("id", "number", "state", "version", "lead_unit__name", "finding__description"),
    *("stage_deadline", "paused_workdays_left"),
)
REQUEST_COLUMNS = ("ticket_id", "ticket__number", "ticket__lead_unit__name", "reason", "created_at")


def latest_marks() -> tuple[FiguresRun | None, int]:
    """What the cockpit keeps its parts by, read in one statement: the latest figures refresh, and the id of the
    latest ticket event. Every change to a ticket writes an event (tracker.services), so the lists below, read
    over the same units, stay the same as long as that id does."""
    last_event = TicketEvent.objects.order_by("-pk").values("pk")[:1]
    run = FiguresRun.objects.order_by("-day").annotate(last_event=Subquery(last_event)).first()
    if run is None:
        return None, TicketEvent.objects.aggregate(last=Max("pk"))["last"] or 0
    return run, run.last_event or 0  # type: ignore[attr-defined]


def listed_tickets(units: list[int], limit: int = 10) -> list[dict[str, Any]]:
    return list(
        Ticket.objects.filter(listed=True, state__in=OPEN_STATES, lead_unit_id__in=units)
        .order_by("stage_deadline", "pk")
        .values(*WATCH_COLUMNS)[:limit]
    )


def review_tickets(units: list[int], limit: int = 10) -> list[dict[str, Any]]:
    return list(
        Ticket.objects.filter(review_pending=True, lead_unit_id__in=units).order_by("pk").values(*WATCH_COLUMNS)[:limit]
    )


def most_overdue(units: list[int], limit: int = 8, today: dt.date | None = None) -> list[dict[str, Any]]:
    """The longest overdue of the units' open tickets not yet listed. The ids come first, from the open-deadline
    index alone: tickets share deadlines by the hundred, and joining the unit and finding of every ticket on the
    earliest deadline before keeping `limit` of them took ten times as long at a million tickets."""
    first = (
        Ticket.objects.filter(overdue_q(today or clocks.today()), lead_unit_id__in=units, listed=False)
        .order_by("stage_deadline", "pk")
        .values("pk")[:limit]
    )
    return list(Ticket.objects.filter(pk__in=first).order_by("stage_deadline", "pk").values(*WATCH_COLUMNS))


def pending_requests(units: list[int], limit: int = 10) -> list[dict[str, Any]]:
    """Extension and pause requests waiting for a supervisor, oldest first (each read through its partial unique
    index of pending requests, then checked against the ticket's unit); an extension's row carries the deadline
    it asks for, a pause's None."""
    rows: list[dict[str, Any]] = []
    for model, deadline in ((ExtensionRequest, "requested_deadline"), (PauseRequest, None)):
        found = model.objects.filter(state=RequestState.PENDING, ticket__lead_unit_id__in=units).order_by("created_at")
        for row in found.values(*REQUEST_COLUMNS, *([deadline] if deadline else []))[:limit]:
            row.setdefault("requested_deadline", None)
            rows.append(row)
    return rows


def latest_dissatisfied(ticket_ids: list[int]) -> dict[int, str]:
    """The comment of each ticket's latest dissatisfied rating (what the assessor reads first)."""
    found: dict[int, str] = {}
    if ticket_ids:
        for ticket_id, comment in (
            Feedback.objects.filter(ticket_id__in=ticket_ids, rating=Rating.DISSATISFIED)
            .order_by("-pk")
            .values_list("ticket_id", "comment")[:200]
        ):
            found.setdefault(ticket_id, comment)
    return found


def run_day_and_time(run: FiguresRun | None) -> tuple[dt.date | None, dt.datetime | None]:
    if run is None:
        return None, None
    return run.day, timezone.localtime(run.refreshed_at, SHANGHAI)


def last_snapshot_day() -> dt.date | None:
    return FiguresRun.objects.aggregate(day=Max("day"))["day"]
