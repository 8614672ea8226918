"""/dashboard/ (驾驶舱): the supervisors' and assessors' view of the units they oversee, and what they act on.

The figures come precomputed (tracker.dashboard, refreshed by the sweep); the lists of what needs the person now are
read through partial indexes. Both are rendered once and kept in the process's cache for every supervisor of the same
units: the figures until the sweep's next refresh, the lists until the next ticket event (_lists). What is left for
each request is the person's own: the session, their memberships and units, their escalations and the page around
them. Writes go through the tracker services: ticket_list (挂牌督办), unit_chase (催办), ticket_review_decide (复核).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.dates import MONTHS_AP
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from notifications.models import Channel, Kind, Notification
from pages import charts, reads
from pages.actions import Refusal, attempt
from tracker import dashboard, services
from tracker.models import Dimension, Ticket
from tracker.permissions import OVERSIGHT_ROLES, is_admin
from workflows import clocks
from workflows.machine import Role, TicketState

ESCALATION_KINDS = (Kind.SUPERVISE, Kind.LIST, Kind.REPORT_SUPERVISE, Kind.DIGEST, Kind.REVIEW_REQUESTED)
# The longest the lists of what needs the person now are kept (_lists says what else renews them).
LISTS_SECONDS = 60


def _units(request: HttpRequest) -> list[int]:
    user = request.user
    if not (is_admin(user) or reads.roles_of(user) & set(OVERSIGHT_ROLES)):
        raise PermissionDenied
    return dashboard.units_in_view(user)


def _percent(value: float | None) -> float | None:
    return None if value is None else round(100 * value, 1)


def _month_label(month: dt.date) -> str:
    return str(MONTHS_AP[month.month])


@login_required
def dashboard_page(request: HttpRequest) -> HttpResponse:
    units = _units(request)
    user = request.user
    roles = reads.roles_of(user)
    dimension = request.GET.get("dimension") or ""
    if dimension not in Dimension.values:
        dimension = ""
    unit_filter = request.GET.get("unit") or ""
    unit_id = int(unit_filter) if unit_filter.isdigit() and int(unit_filter) in units else None
    today = clocks.today()
    run, last_event = dashboard.latest_marks()
    run_day, run_at = dashboard.run_day_and_time(run)
    figures = _figures_html(units, dimension, unit_id, today, run)
    supervisor = is_admin(user) or Role.SUPERVISOR in roles
    lists = _lists(units, today, supervisor, last_event)
    escalations = list(
        Notification.objects.filter(
            recipient_id=user.pk, channel=Channel.INAPP, read_at__isnull=True, kind__in=ESCALATION_KINDS
        )
        .order_by("-pk")
        .values("pk", "subject", "created_at")[:10]
    )
    context: dict[str, Any] = {
        "run_day": run_day,
        "run_at": run_at,
        "stale": run_day is not None and run_day != today,
        "refresh_minutes": max(1, settings.DASHBOARD_FIGURES_SECONDS // 60),
        "tiles_html": figures["tiles"],
        "figures_html": figures["figures"],
        "chase_options": figures["chase_options"],
        "lists": lists,
        "review": [(_with_state_label(row), lists["complaints"].get(row["id"])) for row in lists["review"]],
        "escalations": escalations,
        "supervisor": supervisor,
        "assessor": is_admin(user) or Role.ASSESSOR in roles,
    }
    return render(request, "pages/dashboard.html", context)


def _lists(units: list[int], today: dt.date, supervisor: bool, last_event: int) -> dict[str, Any]:
    """What needs the person now that every supervisor of the same units sees alike, kept per scope until the next
    ticket event anywhere: the listed tickets, the requests waiting and the most overdue as (count, rendered items),
    and the tickets awaiting review as rows (their forms carry the person's CSRF token, so they are rendered live).

    Every change these lists show writes a ticket event (listing, a review requested or decided, a request filed or
    decided, a transition), so lists read after the latest event stay true until the next one. The day and the
    language are in the key; LISTS_SECONDS bounds what the key cannot see: an event whose id was drawn before the
    latest one's but committed after it, a unit renamed."""
    key = f"cockpit-lists:{_scope(units)}:{int(supervisor)}:{last_event}:{today}:{translation.get_language()}"
    found = cache.get(key)
    if found is None:
        review = dashboard.review_tickets(units)
        found = {
            "listed": _items("listed", [(row, _clock(row, today)) for row in dashboard.listed_tickets(units)]),
            "pending": _items("pending", dashboard.pending_requests(units) if supervisor else []),
            "overdue": _items(
                "overdue",
                [(row, _clock(row, today)) for row in dashboard.most_overdue(units, today=today)] if supervisor else [],
            ),
            "review": review,
            "complaints": dashboard.latest_dissatisfied([row["id"] for row in review]),
        }
        cache.set(key, found, LISTS_SECONDS)
    return found


def _items(kind: str, rows: list[Any]) -> tuple[int, str]:
    html = render_to_string("pages/_dashboard_items.html", {kind: rows}) if rows else ""
    return len(rows), mark_safe(html)  # noqa: S308


def _clock(row: dict[str, Any], today: dt.date) -> reads.StageClock:
    return reads.clock_of(row["state"], row["stage_deadline"], row["paused_workdays_left"], today)


def _with_state_label(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "state_label": TicketState(row["state"]).label}


def _scope(units: list[int]) -> str:
    return hashlib.sha256(",".join(map(str, units)).encode()).hexdigest()[:24]


def _figures_html(units: list[int], dimension: str, unit_id: int | None, today: dt.date, run: Any) -> dict[str, Any]:
    """The tiles, the ranking and the trends, rendered once per scope, narrowing, language and refresh of the
    figures: they change only when the sweep refreshes them, and every supervisor of a unit shares them."""
    stamp = run.refreshed_at.isoformat() if run else ""
    key = f"cockpit:{_scope(units)}:{dimension}:{unit_id}:{stamp}:{today}:{translation.get_language()}"
    found = cache.get(key)
    if found is None:
        context = _figures_context(units, dimension, unit_id, today)
        found = {
            "tiles": mark_safe(render_to_string("pages/_dashboard_tiles.html", context)),  # noqa: S308
            "figures": mark_safe(render_to_string("pages/_dashboard_figures.html", context)),  # noqa: S308
            # The units a supervisor may chase (催办): those with overdue tickets, as the options of the form's list.
            "chase_options": format_html_join(
                "",
                '<option value="{}">{} ({})</option>',
                ((line.unit_id, line.name, line.stocks.red) for line in context["units"] if line.stocks.red),
            ),
        }
        cache.set(key, found, settings.DASHBOARD_FIGURES_SECONDS)
    return found


def _figures_context(units: list[int], dimension: str, unit_id: int | None, today: dt.date) -> dict[str, Any]:
    figures = dashboard.figures_for(units, dimension=dimension or None, unit=unit_id, today=today)
    months = figures.months
    labels = [_month_label(p.month) for p in months]
    trend_chart = charts.column_chart(
        labels,
        [
            charts.Series(_("Opened"), [p.flows.opened for p in months], "s-opened"),
            charts.Series(_("Closed on time"), [p.flows.closed_on_time for p in months], "s-ontime"),
            charts.Series(_("Closed late"), [p.flows.closed_late for p in months], "s-late"),
            charts.Series(_("Open overdue at month end"), [p.open_overdue for p in months], "s-overdue", "line"),
        ],
        title=_("Tickets by month"),
    )
    satisfaction = [_percent(p.flows.satisfaction) for p in months]
    on_time = [_percent(p.flows.on_time_rate) for p in months]
    rate_chart = charts.column_chart(
        labels,
        [
            charts.Series(_("On-time rate"), on_time, "s-ontime", "line"),
            charts.Series(_("Public satisfaction"), satisfaction, "s-satisfaction", "line"),
        ],
        title=_("On-time rate and public satisfaction by month"),
        percent=True,
        height=220,
        reference=80,
    )
    dim_rows = []
    for value, label in Dimension.choices:
        stocks, flows = figures.dimensions.get(value, (dashboard.Stocks(), dashboard.Flows()))
        if stocks.open or flows.opened or flows.closed:
            dim_rows.append((value, reads_label(label), stocks, flows, _percent(flows.on_time_rate)))
    dimension_chart = charts.bar_rows(
        [
            charts.Bar(
                label,
                [("s-red", s.red), ("s-yellow", s.yellow), ("s-green", s.green), ("s-paused", s.paused)],
                _("on time %(rate)s%%") % {"rate": rate} if rate is not None else "",
            )
            for _v, label, s, _f, rate in dim_rows
        ],
        title=_("Open tickets by development dimension and warning colour"),
        width=860,
    )
    top_units = figures.units[:12]
    unit_chart = charts.bar_rows(
        [
            charts.Bar(
                line.name,
                [("s-red", line.stocks.red), ("s-yellow", line.stocks.yellow), ("s-green", line.stocks.green)],
                _("on time %(rate)s%%") % {"rate": _percent(line.flows.on_time_rate)}
                if line.flows.on_time_rate is not None
                else "",
            )
            for line in top_units
        ],
        title=_("Open tickets of the units with the most overdue, by warning colour"),
        width=860,
    )

    t = figures.totals
    return {
        "f": figures,
        "tiles": [
            ("red", _("Overdue (red)"), t.red),
            ("yellow", _("Near deadline or behind (yellow)"), t.yellow),
            ("green", _("On track (green)"), t.green),
            ("paused", _("Clock paused"), t.paused),
        ],
        "open_total": t.open,
        "window_on_time": _percent(figures.window.on_time_rate),
        "window_satisfaction": _percent(figures.window.satisfaction),
        "units": figures.units,
        "rows": [
            (line, _percent(line.flows.on_time_rate), _percent(line.flows.satisfaction)) for line in figures.units[:30]
        ],
        "months": [
            (label, p, _percent(p.flows.on_time_rate), _percent(p.flows.satisfaction))
            for label, p in zip(labels, months, strict=True)
        ],
        "trend_chart": trend_chart,
        "rate_chart": rate_chart,
        "dimension_chart": dimension_chart,
        "dim_rows": dim_rows,
        "unit_chart": unit_chart,
        "top_units": [(line, _percent(line.flows.on_time_rate)) for line in top_units],
        "dimension": dimension,
        "unit_id": unit_id,
        "dimensions": Dimension.choices,
        "unit_choices": sorted(((line.unit_id, line.name) for line in figures.units), key=lambda x: x[1]),
    }


def reads_label(label: Any) -> str:
    from pages.diagram import short_label

    return short_label(label)


def _done(request: HttpRequest, refusal: Refusal | None, success: str) -> HttpResponse:
    if refusal is None:
        messages.success(request, success)
    else:
        for errors in refusal.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect(reverse("dashboard") + "#actions")


@login_required
@require_POST
def dashboard_list(request: HttpRequest) -> HttpResponse:
    """挂牌督办 from the cockpit: by the ticket's number (or its id, from a button)."""
    units = _units(request)
    number = (request.POST.get("number") or "").strip()
    raw_id = request.POST.get("ticket") or ""
    tickets = Ticket.objects.filter(lead_unit_id__in=units)
    ticket = tickets.filter(pk=int(raw_id)).first() if raw_id.isdigit() else tickets.filter(number=number).first()
    if ticket is None:
        return _done(request, Refusal({None: [_("No ticket with this number is under your supervision.")]}), "")
    refusal = attempt(
        lambda: services.ticket_list(ticket_id=ticket.pk, actor=request.user, reason=request.POST.get("reason", ""))
    )
    return _done(request, refusal, _("%(number)s is listed for supervision (挂牌督办).") % {"number": ticket.number})


@login_required
@require_POST
def dashboard_chase(request: HttpRequest) -> HttpResponse:
    """催办 a unit about its overdue tickets, with a message."""
    _units(request)
    raw = request.POST.get("unit") or ""
    chased: list[int] = []
    refusal = attempt(
        lambda: chased.extend(
            services.unit_chase(
                unit_id=int(raw) if raw.isdigit() else 0, actor=request.user, message=request.POST.get("message", "")
            )
        )
    )
    return _done(request, refusal, _("Chase sent about %(n)s overdue tickets.") % {"n": len(chased)})


@login_required
@require_POST
def dashboard_review(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """复核: keep the verdict, or send the ticket back with a reason."""
    _units(request)
    reopen = request.POST.get("decision") == "reopen"
    raw_deadline = request.POST.get("new_deadline") or ""
    try:
        deadline = dt.date.fromisoformat(raw_deadline) if raw_deadline else None
    except ValueError:
        deadline = None
    version = request.POST.get("version") or ""
    refusal = attempt(
        lambda: services.ticket_review_decide(
            ticket_id=ticket_id,
            actor=request.user,
            version=int(version) if version.isdigit() else None,
            reopen=reopen,
            reason=request.POST.get("reason", ""),
            new_deadline=deadline,
        )
    )
    return _done(request, refusal, _("Reopened and sent back to the unit.") if reopen else _("The verdict is kept."))
