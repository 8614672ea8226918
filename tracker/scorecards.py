"""Unit scorecards for a period (考核结果运用): how each unit in the user's charge handled the tickets it received.

A period is a month, a quarter, a year or an appraisal cycle. The tickets counted are those the unit received in it:
assigned to it (`assigned_on`) within the period's dates, or, for an appraisal cycle, arising from that appraisal's
findings. Withdrawn tickets (logged in error) are counted apart and in nothing else. Every figure is an aggregate in
SQL, one statement per source (tickets, their transition events, extensions, pauses, public feedback); the tickets'
are counted by unit, indicator and state, and the indicators' weights and the states' meaning are applied to the few
rows that come back, so each ticket is only tested on its dates. Working days are counted in SQL on the official
calendar with the working-day ordinals of tracker.warning_filter (W(b) − W(a) = working days in (a, b]).

Figures, per unit:
- received, withdrawn, open, closed (销号);
- closed on time against the original deadline (the one assigned) and against the extended one (`due_on`, moved by
  approved extensions, rejections and reopenings), both;
- overdue now (the running stage clock has passed: the red warning), and by stage;
- delay in working days past the rectification deadline: of a closed ticket, from the deadline to its closing; of a
  ticket still being signed for or rectified, from the deadline to today; average and worst over the late ones;
- lateness of stages already ended, from the ticket's history (see STAGE_NOTES: what this approximates);
- rejections (退回重改) and reopenings (复号) apart; extensions approved and the working days they added; pauses
  and the working days the clock stood still; public satisfaction (satisfied and basically satisfied over all);
- the score and its formula (SCORE_FORMULA), each ticket weighted by its indicator's weight and key flag.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from django.contrib.auth.models import User
from django.db.models import (
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, NullIf, TruncMonth
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tracker.errors import Invalid
from tracker.models import (
    Appraisal,
    EventKind,
    ExtensionRequest,
    Feedback,
    Indicator,
    PauseRequest,
    Rating,
    RequestState,
    Ticket,
    TicketEvent,
    TicketStage,
    Unit,
)
from tracker.stats import overdue_q, units_in_charge
from tracker.warning_filter import WorkdayOrdinal, _ordinals
from workflows import calendar, clocks
from workflows.machine import OPEN_STATES, TicketState
from workflows.models import CalendarDay

# The score (SCORE_FORMULA says it in words).
KEY_FACTOR = Decimal("1.5")
CREDIT_ORIGINAL, CREDIT_EXTENDED, CREDIT_LATE, CREDIT_OVERDUE = (
    Decimal("1"),
    Decimal("0.8"),
    Decimal("0.5"),
    Decimal("0"),
)
TIMELINESS_SHARE, SATISFACTION_SHARE = Decimal("0.8"), Decimal("0.2")
REWORK_PENALTY = 10


def score_formula() -> str:
    return _(
        "score = 100 × (%(t)s × weighted timeliness + %(s)s × public satisfaction) − %(p)s × (rejections + "
        "reopenings) ÷ tickets received, between 0 and 100; without public feedback, 100 × weighted timeliness − the "
        "same deduction. Weighted timeliness = Σ(weight × credit) ÷ Σ weight over the tickets closed or past their "
        "deadline; credit: closed by the original deadline %(c1)s, by the extended deadline %(c2)s, later %(c3)s, "
        "open past the deadline %(c4)s. Weight = the indicator's weight (1 when it has none) × %(k)s for a key "
        "indicator (关键性、引领性)."
    ) % {
        "t": TIMELINESS_SHARE,
        "s": SATISFACTION_SHARE,
        "p": REWORK_PENALTY,
        "c1": CREDIT_ORIGINAL,
        "c2": CREDIT_EXTENDED,
        "c3": CREDIT_LATE,
        "c4": CREDIT_OVERDUE,
        "k": KEY_FACTOR,
    }


STAGES = ("signing", "rectifying", "verifying", "closing")
STAGE_LABELS = {
    "signing": gettext_lazy("signing (签收)"),
    "rectifying": gettext_lazy("rectifying (整改)"),
    "verifying": gettext_lazy("verifying (验收)"),
    "closing": gettext_lazy("closing (销号)"),
}
STAGE_STATES = {
    "signing": TicketState.ASSIGNED,
    "rectifying": TicketState.RECTIFYING,
    "verifying": TicketState.EXPLAINED,
    "closing": TicketState.VERIFIED,
}
STAGE_OF_STATE: dict[str, str] = {state: stage for stage, state in STAGE_STATES.items()}
# The states in which a ticket past its rectification deadline is late though its stage clock may not be.
RUNNING_LATE_STATES = (TicketState.ASSIGNED, TicketState.RECTIFYING)


def stage_notes() -> list[str]:
    return [
        _(
            "A stage ended late when it ended after its own deadline as the stage record kept it (moved by "
            "extensions and pauses); it counts for the unit that held the ticket then. Stages that ended before the "
            "record was kept are not judged."
        ),
        _("Working days follow today's deadline policies; a policy changed since counts with its new days."),
    ]


class PeriodKind:
    MONTH, QUARTER, YEAR, APPRAISAL = "month", "quarter", "year", "appraisal"
    CHOICES = (MONTH, QUARTER, YEAR, APPRAISAL)


@dataclass(frozen=True)
class Period:
    kind: str
    value: str
    start: dt.date
    end: dt.date
    label: str
    appraisal_id: int | None = None

    def tickets(self, prefix: str = "") -> Q:
        """The tickets received in the period (`prefix` "ticket__" for rows that point at a ticket)."""
        if self.appraisal_id is not None:
            return Q(**{f"{prefix}finding__appraisal_id": self.appraisal_id})
        return Q(**{f"{prefix}assigned_on__gte": self.start, f"{prefix}assigned_on__lte": self.end})


def period_of(kind: str, value: str | int | None = None, *, today: dt.date | None = None) -> Period:
    """The period `value` of `kind`: month "2026-10", quarter "2026-Q4" (or "2026-4"), year "2026", appraisal by id.
    Without a value, the current month, quarter or year."""
    today = today or clocks.today()
    value = str(value).strip() if value not in (None, "") else ""
    try:
        if kind == PeriodKind.MONTH:
            year, month = (int(p) for p in value.split("-")) if value else (today.year, today.month)
            start = dt.date(year, month, 1)
            end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
            return Period(kind, f"{year:04d}-{month:02d}", start, end, _("%(y)s-%(m)02d") % {"y": year, "m": month})
        if kind == PeriodKind.QUARTER:
            if value:
                match = re.fullmatch(r"(\d{4})-?[Qq]?([1-4])", value)
                if not match:
                    raise ValueError(value)
                year, quarter = int(match.group(1)), int(match.group(2))
            else:
                year, quarter = today.year, (today.month - 1) // 3 + 1
            start = dt.date(year, 3 * quarter - 2, 1)
            end = (dt.date(year, 3 * quarter, 1) + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
            return Period(kind, f"{year}-Q{quarter}", start, end, _("Q%(q)s %(y)s") % {"q": quarter, "y": year})
        if kind == PeriodKind.YEAR:
            year = int(value) if value else today.year
            return Period(kind, str(year), dt.date(year, 1, 1), dt.date(year, 12, 31), str(year))
        if kind == PeriodKind.APPRAISAL:
            if not 0 < int(value) < 2**63:
                raise ValueError(value)
            appraisal = Appraisal.objects.get(pk=int(value))
            return Period(
                kind,
                str(appraisal.pk),
                appraisal.period_start,
                appraisal.period_end,
                appraisal.name,
                appraisal_id=appraisal.pk,
            )
    except (ValueError, TypeError, OverflowError, Appraisal.DoesNotExist):
        raise Invalid({"value": _("“%(value)s” is not a %(kind)s.") % {"value": value, "kind": kind}}) from None
    raise Invalid({"period": _("Choose month, quarter, year or appraisal.")})


@dataclass
class Scorecard:
    unit: Unit
    rank: int | None = None
    received: int = 0
    withdrawn: int = 0
    open: int = 0
    closed: int = 0
    closed_on_time_original: int = 0
    closed_on_time_extended: int = 0
    overdue_now: int = 0
    overdue_now_by_stage: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STAGES, 0))
    late_ended_by_stage: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STAGES, 0))
    late: int = 0
    average_delay_workdays: float | None = None
    worst_delay_workdays: int | None = None
    rejections: int = 0
    reopenings: int = 0
    returns: int = 0  # tickets the unit returned as not its own (退回)
    missed_reports: int = 0  # progress reports of long-term tickets missed and chased (催报)
    extensions: int = 0
    extension_workdays: int = 0
    pauses: int = 0
    pause_workdays: int = 0
    feedback: int = 0
    satisfaction: float | None = None
    key_tickets: int = 0
    timeliness: float | None = None
    score: float | None = None


@dataclass
class Scoreboard:
    period: Period
    cards: list[Scorecard]
    formula: str
    notes: list[str]
    today: dt.date


class _Workdays:
    """W(date expression) on the official calendar, for dates from `origin` on (earlier dates give NULL)."""

    def __init__(self, origin: dt.date, today: dt.date) -> None:
        last_override = CalendarDay.objects.order_by("-date").values_list("date", flat=True).first()
        self.plain_from = max(
            d for d in (dt.date(max(calendar.OFFICIAL_YEARS), 12, 31), last_override, today, origin) if d
        )
        self.origin = origin
        self.ordinals = _ordinals(origin, self.plain_from)
        self.today = self.ordinals[(today - origin).days]

    def __call__(self, expression: Any) -> WorkdayOrdinal:
        if isinstance(expression, str):
            expression = F(expression)
        return WorkdayOrdinal(expression, origin=self.origin, ordinals=self.ordinals, plain_from=self.plain_from)


def _weight(prefix: str = "") -> ExpressionWrapper:
    """A ticket's weight in SQL, for the trend: grouped by unit and month alone, its groups stay few enough for
    PostgreSQL to count them in a hash table, where adding the indicator (as the scoreboard does) made it sort."""
    weight = Case(
        When(**{f"{prefix}finding__indicator__weight__gt": 0}, then=F(f"{prefix}finding__indicator__weight")),
        default=Value(Decimal("1")),
        output_field=DecimalField(max_digits=8, decimal_places=3),
    )
    key = Case(
        When(**{f"{prefix}finding__indicator__is_key": True}, then=Value(KEY_FACTOR)),
        default=Value(Decimal("1")),
        output_field=DecimalField(max_digits=8, decimal_places=3),
    )
    return ExpressionWrapper(weight * key, output_field=DecimalField(max_digits=12, decimal_places=3))


def _indicator_weights(indicator_ids: set[int]) -> dict[int, tuple[Decimal, bool]]:
    """Each indicator's weight in the score (its weight, 1 when it has none, × KEY_FACTOR for a key indicator) and
    whether it is key."""
    rows = Indicator.objects.filter(pk__in=indicator_ids).values_list("pk", "weight", "is_key")
    return {
        pk: ((weight if weight > 0 else Decimal(1)) * (KEY_FACTOR if is_key else Decimal(1)), is_key)
        for pk, weight, is_key in rows
    }


def _judged_counts(today: dt.date) -> dict[str, Count]:
    """What the weighted timeliness is made of, counted per group of tickets sharing a unit, an indicator and a state
    (`_Timeliness.add` reads them with the state): closed, closed by the original deadline, closed after it but by
    the extended one; not closed and overdue (the running stage clock has passed), or that or past the
    rectification deadline. The state tests are left to the reader, so each ticket is tested only on its dates."""
    original = Coalesce("original_due_on", "due_on")
    overdue = Q(paused_workdays_left__isnull=True, stage_deadline__lt=today)  # overdue_q, less its state test
    return {
        "n": Count("pk"),
        "closed": Count("closed_on"),
        "on_time_original": Count("pk", filter=Q(closed_on__lte=original)),
        "on_time_extended": Count("pk", filter=Q(closed_on__lte=F("due_on"))),
        "on_time_extended_only": Count("pk", filter=Q(closed_on__gt=original, closed_on__lte=F("due_on"))),
        "overdue": Count("pk", filter=overdue),
        "open_overdue": Count("pk", filter=Q(closed_on__isnull=True) & overdue),
        "open_overdue_or_late": Count("pk", filter=Q(closed_on__isnull=True) & (overdue | Q(due_on__lt=today))),
    }


class _Timeliness:
    """Σ weight × credit and Σ weight over the tickets judged (closed, or open past a deadline), from the rows of
    `_judged_counts`."""

    def __init__(self) -> None:
        self.credit = Decimal(0)
        self.weight = Decimal(0)

    def add(self, row: dict[str, Any], weight: Decimal) -> None:
        """A row of live tickets (not withdrawn) of one indicator and state."""
        on_time, extended = row["on_time_original"], row["on_time_extended_only"]
        late = row["closed"] - on_time - extended
        if row["state"] in RUNNING_LATE_STATES:
            overdue = row["open_overdue_or_late"]
        elif row["state"] in OPEN_STATES:
            overdue = row["open_overdue"]
        else:
            overdue = 0
        self.credit += weight * (CREDIT_ORIGINAL * on_time + CREDIT_EXTENDED * extended + CREDIT_LATE * late)
        self.weight += weight * (on_time + extended + late + overdue)

    @property
    def value(self) -> float | None:
        return round(float(self.credit / self.weight), 4) if self.weight else None


@dataclass
class _Cohort:
    """The tickets a scoreboard counts, as a filter on Ticket and on the rows that point at a ticket: those rows are
    filtered through their join to the ticket, so each statement reads the ticket table once."""

    units: list[Unit]
    period: Period

    def tickets(self) -> QuerySet[Ticket]:
        return Ticket.objects.filter(self.of("")).order_by()

    def of(self, prefix: str) -> Q:
        return self.period.tickets(prefix) & Q(**{f"{prefix}lead_unit__in": [u.pk for u in self.units]})


def _cohort(user: User, period: Period, units: QuerySet[Unit] | None) -> _Cohort:
    charge = units_in_charge(user)
    if units is not None:
        charge = charge.filter(pk__in=units.values("pk"))
    return _Cohort(list(charge.order_by("path")), period)


def unit_scoreboard(
    user: User, *, period: Period, units: QuerySet[Unit] | None = None, today: dt.date | None = None
) -> Scoreboard:
    """The scorecards of the units in the user's charge (narrowed to `units`) for `period`, ranked by score."""
    today = today or clocks.today()
    cohort = _cohort(user, period, units)
    w = _Workdays(min(period.start, today) - dt.timedelta(days=366), today)
    cards = {unit.pk: Scorecard(unit=unit) for unit in cohort.units}
    if cohort.units:
        _ticket_figures(cohort, cards, w, today)
        _event_figures(cohort, cards)
        _clock_request_figures(cohort, cards, w)
        _feedback_figures(cohort, cards)
    ranked = _rank(list(cards.values()))
    return Scoreboard(period=period, cards=ranked, formula=score_formula(), notes=stage_notes(), today=today)


def _ticket_figures(cohort: _Cohort, cards: dict[int, Scorecard], w: _Workdays, today: dt.date) -> None:
    """The figures of the tickets themselves, in one statement grouped by unit, indicator and state: the state and
    the indicator's weight are applied to each group here rather than tested on each ticket there."""
    # Working days past the rectification deadline: closed late, or still being signed for or rectified past it.
    past_deadline = Case(
        When(closed_on__gt=F("due_on"), then=w("closed_on") - w("due_on")),
        When(Q(due_on__lt=today, state__in=RUNNING_LATE_STATES), then=Value(w.today) - w("due_on")),
        default=None,
        output_field=IntegerField(),
    )
    delay = NullIf(Greatest(past_deadline, Value(0)), Value(0))  # NULL unless at least one working day late
    rows = cast(
        list[dict[str, Any]],
        list(
            cohort.tickets()
            .annotate(_delay=delay)
            .values("lead_unit", "finding__indicator", "state")
            .annotate(
                **_judged_counts(today),
                late=Count("_delay"),
                delay_sum=Sum("_delay"),
                delay_max=Max("_delay"),
                returns=Sum("return_count"),
                missed_reports=Sum("missed_reports"),
            )
            .order_by()
        ),
    )
    weights = _indicator_weights({row["finding__indicator"] for row in rows})
    timeliness = {unit_id: _Timeliness() for unit_id in cards}
    delays: dict[int, tuple[int, int]] = {}
    for row in rows:
        card, state = cards[row["lead_unit"]], row["state"]
        if state == TicketState.WITHDRAWN:
            card.withdrawn += row["n"]
            continue
        weight, is_key = weights[row["finding__indicator"]]
        card.received += row["n"]
        card.returns += row["returns"] or 0
        card.missed_reports += row["missed_reports"] or 0
        card.key_tickets += row["n"] if is_key else 0
        card.closed += row["closed"]
        card.closed_on_time_original += row["on_time_original"]
        card.closed_on_time_extended += row["on_time_extended"]
        if state in OPEN_STATES:
            card.open += row["n"]
            card.overdue_now += row["overdue"]
            card.overdue_now_by_stage[STAGE_OF_STATE[state]] += row["overdue"]
        if row["late"]:
            total, worst = delays.get(card.unit.pk, (0, 0))
            card.late += row["late"]
            delays[card.unit.pk] = (total + row["delay_sum"], max(worst, row["delay_max"]))
        timeliness[card.unit.pk].add(row, weight)
    for unit_id, card in cards.items():
        if card.late:
            total, worst = delays[unit_id]
            card.average_delay_workdays, card.worst_delay_workdays = round(total / card.late, 2), worst
        card.timeliness = timeliness[unit_id].value


def _event_figures(cohort: _Cohort, cards: dict[int, Scorecard]) -> None:
    """Rejections and reopenings, from the transition events; the stages that ended late, from the stage record."""
    rows = cast(
        list[dict[str, Any]],
        list(
            TicketEvent.objects.filter(cohort.of("ticket__"), kind__in=[EventKind.REJECT, EventKind.REOPEN])
            .values("ticket__lead_unit")
            .annotate(
                rejections=Count("pk", filter=Q(kind=EventKind.REJECT)),
                reopenings=Count("pk", filter=Q(kind=EventKind.REOPEN)),
            )
            .order_by()
        ),
    )
    for row in rows:
        card = cards[row["ticket__lead_unit"]]
        card.rejections, card.reopenings = row["rejections"], row["reopenings"]
    # A stage counts for the unit that held the ticket then: a signing ended by a reassignment is the old unit's.
    stages = (
        TicketStage.objects.filter(
            cohort.period.tickets("ticket__"),
            unit__in=list(cards),
            state__in=list(STAGE_OF_STATE),
            ended_on__gt=F("deadline"),
        )
        .values("unit", "state")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for stage_row in stages:
        cards[stage_row["unit"]].late_ended_by_stage[STAGE_OF_STATE[stage_row["state"]]] += stage_row["n"]


def _clock_request_figures(cohort: _Cohort, cards: dict[int, Scorecard], w: _Workdays) -> None:
    extensions = (
        ExtensionRequest.objects.filter(cohort.of("ticket__"), state=RequestState.APPROVED)
        .annotate(_days=w("requested_deadline") - w("current_deadline"))
        .values("ticket__lead_unit")
        .annotate(n=Count("pk"), days=Sum("_days"))
        .order_by()
    )
    for row in extensions:
        card = cards[row["ticket__lead_unit"]]
        card.extensions, card.extension_workdays = row["n"], row["days"] or 0
    pauses = (
        PauseRequest.objects.filter(cohort.of("ticket__"), paused_on__isnull=False)
        .annotate(
            _days=Case(
                When(resumed_on__isnull=False, then=w("resumed_on") - w("paused_on")),
                default=Value(w.today) - w("paused_on"),
                output_field=IntegerField(),
            )
        )
        .values("ticket__lead_unit")
        .annotate(n=Count("pk"), days=Sum("_days"))
        .order_by()
    )
    for row in pauses:
        card = cards[row["ticket__lead_unit"]]
        card.pauses, card.pause_workdays = row["n"], row["days"] or 0


def _feedback_figures(cohort: _Cohort, cards: dict[int, Scorecard]) -> None:
    rows = (
        Feedback.objects.filter(cohort.of("ticket__"))
        .values("ticket__lead_unit")
        .annotate(n=Count("pk"), good=Count("pk", filter=~Q(rating=Rating.DISSATISFIED)))
        .order_by()
    )
    for row in rows:
        card = cards[row["ticket__lead_unit"]]
        card.feedback = row["n"]
        card.satisfaction = round(row["good"] / row["n"], 4) if row["n"] else None


def score_of(card: Scorecard) -> float | None:
    """SCORE_FORMULA for one card; None when none of its tickets is closed or past its deadline."""
    if card.timeliness is None:
        return None
    timeliness = Decimal(str(card.timeliness))
    if card.satisfaction is not None:
        base = 100 * (TIMELINESS_SHARE * timeliness + SATISFACTION_SHARE * Decimal(str(card.satisfaction)))
    else:
        base = 100 * timeliness
    penalty = Decimal(REWORK_PENALTY * (card.rejections + card.reopenings)) / max(card.received, 1)
    return float(min(Decimal(100), max(Decimal(0), base - penalty)).quantize(Decimal("0.01")))


def _rank(cards: list[Scorecard]) -> list[Scorecard]:
    for card in cards:
        card.score = score_of(card)
    ordered = sorted(cards, key=lambda c: (c.score is None, -(c.score or 0), -c.received, c.unit.path))
    previous, rank = None, 0
    for position, card in enumerate(ordered, start=1):
        if card.score is None:
            card.rank = None
            continue
        if card.score != previous:
            rank, previous = position, card.score
        card.rank = rank
    return ordered


@dataclass
class TrendPoint:
    month: str
    received: int
    closed: int
    closed_on_time_original: int
    overdue_now: int
    timeliness: float | None


def unit_trend(
    user: User,
    *,
    months: int = 12,
    units: QuerySet[Unit] | None = None,
    today: dt.date | None = None,
) -> list[tuple[Unit, list[TrendPoint]]]:
    """Month by month over the last `months` months (this one included), each unit's tickets received that month and
    how they stand: closed, closed by the original deadline, overdue now, weighted timeliness (as in the score)."""
    today = today or clocks.today()
    first = today.replace(day=1)
    for _step in range(months - 1):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    period = Period("trend", "", first, today, "")
    cohort = _cohort(user, period, units)
    charge_units, tickets = cohort.units, cohort.tickets()
    labels = []
    month = first
    while month <= today:
        labels.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    original = Coalesce("original_due_on", "due_on")
    live = ~Q(state=TicketState.WITHDRAWN)
    closed = Q(closed_on__isnull=False) & live
    running_late = Q(state__in=(TicketState.ASSIGNED, TicketState.RECTIFYING), due_on__lt=today)
    credit = Case(
        When(closed & Q(closed_on__lte=original), then=Value(CREDIT_ORIGINAL)),
        When(closed & Q(closed_on__lte=F("due_on")), then=Value(CREDIT_EXTENDED)),
        When(closed, then=Value(CREDIT_LATE)),
        When(live & (overdue_q(today) | running_late), then=Value(CREDIT_OVERDUE)),
        default=None,
        output_field=DecimalField(max_digits=4, decimal_places=2),
    )
    rows = (
        tickets.annotate(_credit=credit, _weight=_weight(), _month=TruncMonth("assigned_on"))
        .values("lead_unit", "_month")
        .annotate(
            received=Count("pk", filter=live),
            closed=Count("pk", filter=closed),
            on_time=Count("pk", filter=closed & Q(closed_on__lte=original)),
            overdue=Count("pk", filter=overdue_q(today)),
            credit=Sum(F("_weight") * F("_credit"), filter=Q(_credit__isnull=False)),
            weight=Sum("_weight", filter=Q(_credit__isnull=False)),
        )
        .order_by()
    )
    by_unit: dict[int, dict[dt.date, dict[str, Any]]] = {}
    month_rows = cast(list[dict[str, Any]], list(rows))
    for row in month_rows:
        month_of = row["_month"]
        if isinstance(month_of, dt.datetime):
            month_of = month_of.date()
        by_unit.setdefault(row["lead_unit"], {})[month_of] = row
    trend = []
    for unit in charge_units:
        points = []
        for month_start in labels:
            found = by_unit.get(unit.pk, {}).get(month_start, {})
            weight = found.get("weight")
            points.append(
                TrendPoint(
                    month=f"{month_start:%Y-%m}",
                    received=found.get("received", 0),
                    closed=found.get("closed", 0),
                    closed_on_time_original=found.get("on_time", 0),
                    overdue_now=found.get("overdue", 0),
                    timeliness=round(float(Decimal(found["credit"] or 0) / Decimal(weight)), 4) if weight else None,
                )
            )
        trend.append((unit, points))
    return trend
