"""/scorecards/ (单位考评): the units a supervisor or assessor oversees, ranked for a month, quarter, year or appraisal
cycle, every figure of tracker.scorecards with the score's formula beside them, each unit's monthly trend as a
chart with its table, and the same as an .xlsx (tracker.scorecard_sheet, as the API's)."""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.dates import MONTHS_AP
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy

from pages import charts, reads
from tracker import scorecard_sheet, scorecards
from tracker.errors import Invalid
from tracker.models import Appraisal, Unit
from tracker.permissions import OVERSIGHT_ROLES, is_admin
from tracker.scorecards import STAGE_LABELS, STAGES, PeriodKind, Scorecard, TrendPoint
from tracker.sheets import XLSX_CONTENT_TYPE
from tracker.stats import units_in_charge
from workflows import clocks

DEFAULT_KIND = PeriodKind.YEAR
KIND_LABELS = {
    PeriodKind.MONTH: pgettext_lazy("period", "Month"),
    PeriodKind.QUARTER: pgettext_lazy("period", "Quarter"),
    PeriodKind.YEAR: pgettext_lazy("period", "Year"),
    PeriodKind.APPRAISAL: pgettext_lazy("period", "Appraisal cycle"),
}
TREND_MONTHS = 12
YEARS_BACK = 5


def _require_oversight(request: HttpRequest) -> None:
    user = request.user
    if not (is_admin(user) or reads.roles_of(user) & set(OVERSIGHT_ROLES)):
        raise PermissionDenied(_("Only supervisors and assessors read the units' scorecards."))


@dataclass
class Query:
    """What the address asks for, checked: a period, the subtree to narrow to, the unit to open."""

    period: scorecards.Period
    within: int | None
    unit: int | None
    error: str = ""

    def params(self, **changes: Any) -> str:
        values: dict[str, Any] = {"period": self.period.kind, "value": self.period.value}
        if self.within:
            values["within"] = self.within
        values.update(changes)
        return urlencode({k: v for k, v in values.items() if v not in (None, "")})


def _query(request: HttpRequest) -> Query:
    kind = request.GET.get("period") or DEFAULT_KIND
    if kind not in PeriodKind.CHOICES:
        kind = DEFAULT_KIND
    value = (request.GET.get("value") or "").strip()[:20]
    within = _id(request.GET.get("within"))
    unit = _id(request.GET.get("unit"))
    if kind == PeriodKind.APPRAISAL and not value:
        latest = Appraisal.objects.order_by("-period_start", "-pk").values_list("pk", flat=True).first()
        if latest is None:
            return Query(scorecards.period_of(DEFAULT_KIND), within, unit, _("There is no appraisal yet."))
        value = str(latest)
    try:
        return Query(scorecards.period_of(kind, value), within, unit)
    except Invalid as invalid:
        error = " ".join(m for messages in invalid.errors.values() for m in messages)
        fallback = scorecards.period_of(kind) if kind != PeriodKind.APPRAISAL else scorecards.period_of(DEFAULT_KIND)
        return Query(fallback, within, unit, error)


def _id(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() and 0 < int(raw) < 2**63 else None


def _units(query: Query) -> Any:
    return Unit.objects.filter(path__contains=f"/{query.within}/") if query.within else None


@login_required
def scorecards_page(request: HttpRequest) -> HttpResponse:
    _require_oversight(request)
    user = request.user
    query = _query(request)
    period = query.period
    board = scorecards.unit_scoreboard(user, period=period, units=_units(query))
    trend = scorecards.unit_trend(user, months=TREND_MONTHS, units=_units(query))
    active = [c for c in board.cards if c.received or c.withdrawn]
    idle = [c.unit for c in board.cards if not (c.received or c.withdrawn)]
    charted = [_unit_trend(unit, points, query.unit) for unit, points in trend if any(p.received for p in points)]
    charged = list(units_in_charge(user).order_by("path").only("name", "path", "parent"))
    parents = {u.parent_id for u in charged}
    context = {
        "board": board,
        "period": period,
        "query": query,
        "rows": [_row(card) for card in active],
        "stage_labels": [STAGE_LABELS[s] for s in STAGES],
        "idle": idle,
        "trends": charted,
        "untrended": [unit for unit, points in trend if not any(p.received for p in points)],
        "trend_months": TREND_MONTHS,
        "kinds": [(kind, label, query.params(period=kind, value="")) for kind, label in KIND_LABELS.items()],
        "value_choices": _value_choices(period),
        "within_choices": [u for u in charged if u.pk in parents],
        "steps": {step: query.params(value=value) for step, value in _steps(period).items()},
        "params": query.params(),
    }
    return render(request, "pages/scorecards.html", context, status=400 if query.error else 200)


@login_required
def scorecards_sheet(request: HttpRequest) -> FileResponse:
    """The same scorecards as an .xlsx, written by tracker.scorecard_sheet as the API's is."""
    _require_oversight(request)
    query = _query(request)
    board = scorecards.unit_scoreboard(request.user, period=query.period, units=_units(query))
    trend = scorecards.unit_trend(request.user, months=TREND_MONTHS, units=_units(query))
    spool = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024)  # noqa: SIM115 (FileResponse closes it)
    scorecard_sheet.scoreboard_write(board, trend, spool)
    spool.seek(0)
    name = f"{_('scorecards')}-{board.period.value}.xlsx"
    return FileResponse(spool, as_attachment=True, filename=name, content_type=XLSX_CONTENT_TYPE)


def _percent(value: float | None) -> float | None:
    return None if value is None else round(100 * value, 1)


def _row(card: Scorecard) -> dict[str, Any]:
    return {
        "card": card,
        "timeliness": _percent(card.timeliness),
        "satisfaction": _percent(card.satisfaction),
        "overdue_by_stage": [card.overdue_now_by_stage.get(s, 0) for s in STAGES],
        "late_by_stage": [card.late_ended_by_stage.get(s, 0) for s in STAGES],
    }


@dataclass
class UnitTrend:
    unit: Unit
    points: list[tuple[TrendPoint, int, float | None]]  # each month, closed after the original deadline, timeliness %
    counts_chart: SafeString
    rate_chart: SafeString
    open: bool


def _unit_trend(unit: Unit, points: list[TrendPoint], opened: int | None) -> UnitTrend:
    labels = [str(MONTHS_AP[int(p.month[5:7])]) for p in points]
    counts = charts.column_chart(
        labels,
        [
            charts.Series(pgettext("tickets", "Received"), [p.received for p in points], "s-opened"),
            charts.Series(
                _("Closed by the original deadline"), [p.closed_on_time_original for p in points], "s-ontime"
            ),
            charts.Series(
                _("Closed after the original deadline"),
                [p.closed - p.closed_on_time_original for p in points],
                "s-late",
            ),
            charts.Series(_("Overdue now"), [p.overdue_now for p in points], "s-overdue", "line"),
        ],
        title=_("%(unit)s: tickets received each month and where they stand") % {"unit": unit.name},
        height=240,
    )
    rates = [_percent(p.timeliness) for p in points]
    rate = charts.column_chart(
        labels,
        [charts.Series(_("Weighted timeliness"), rates, "s-ontime", "line")],
        title=_("%(unit)s: weighted timeliness by month") % {"unit": unit.name},
        percent=True,
        height=170,
    )
    rows = [(p, p.closed - p.closed_on_time_original, r) for p, r in zip(points, rates, strict=True)]
    return UnitTrend(unit, rows, counts, rate, open=opened == unit.pk)


def _value_choices(period: scorecards.Period) -> list[tuple[str, str]]:
    """The values the period selector offers for the period's kind, the one shown among them (a month is typed in a
    month field instead)."""
    today = clocks.today()
    years = range(today.year, today.year - YEARS_BACK - 1, -1)
    choices: list[tuple[str, str]] = []
    if period.kind == PeriodKind.QUARTER:
        choices = [
            (f"{y}-Q{q}", _("Q%(q)s %(y)s") % {"q": q, "y": y})
            for y in years
            for q in (4, 3, 2, 1)
            if dt.date(y, 3 * q - 2, 1) <= today
        ]
    elif period.kind == PeriodKind.YEAR:
        choices = [(str(y), str(y)) for y in years]
    elif period.kind == PeriodKind.APPRAISAL:
        appraisals = Appraisal.objects.order_by("-period_start", "-pk").values_list("pk", "name")
        choices = [(str(pk), name) for pk, name in appraisals]
    if choices and period.value not in {value for value, _label in choices}:
        choices.append((period.value, period.label))
    return choices


def _steps(period: scorecards.Period) -> dict[str, str]:
    """The values of the period before and after this one (none after the current one)."""
    if period.kind not in (PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.YEAR):
        return {}

    def value_of(day: dt.date) -> str:
        if period.kind == PeriodKind.MONTH:
            return f"{day:%Y-%m}"
        if period.kind == PeriodKind.QUARTER:
            return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
        return str(day.year)

    steps = {"previous": value_of(period.start - dt.timedelta(days=1))}
    if period.end < clocks.today():
        steps["next"] = value_of(period.end + dt.timedelta(days=1))
    return steps
