"""The per-unit scorecard: how each unit the user answers for or oversees handles its tickets.

Rows are the units in the user's charge (their own units; the subtrees they assess or supervise; every unit for an
admin), each counting the tickets that unit leads. Every such ticket is one the user may see, so no figure is drawn
from a ticket outside their view.

- open: tickets in an open state; overdue: open ones whose running stage clock has passed its deadline.
- on-time rate: of the unit's closed tickets, the share closed on or before their rectification deadline (due_on, as
  extended); closed_on_time_original counts those closed by the deadline first assigned (original_due_on).
- average delay: over those closed tickets, the mean working days from due_on to closed_on (0 when on time); worst
  delay: the most working days any of them closed late.
- reopens and extensions: the sums of the tickets' counters.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from tracker.models import Ticket, Unit
from tracker.permissions import OVERSIGHT_ROLES, UNIT_ROLES, is_admin, memberships_of
from workflows import calendar, clocks
from workflows.machine import OPEN_STATES


@dataclass(frozen=True)
class UnitScorecard:
    unit: Unit
    tickets: int
    open: int
    overdue: int
    closed: int
    closed_on_time: int
    on_time_rate: float | None
    average_delay_workdays: float | None
    closed_on_time_original: int
    worst_delay_workdays: int | None
    reopen_count: int
    extension_count: int


def units_in_charge(user: User) -> QuerySet[Unit]:
    """The units whose tickets the user answers for (own units) or oversees (subtrees)."""
    if is_admin(user):
        return Unit.objects.all()
    scope = Q(pk__in=[])
    for unit_id, path, role in memberships_of(user):
        if role in UNIT_ROLES:
            scope |= Q(pk=unit_id)
        elif role in OVERSIGHT_ROLES:
            scope |= Q(path__startswith=path)
    return Unit.objects.filter(scope)


def overdue_q(today: dt.date) -> Q:
    """Open tickets whose running (not paused) stage clock has passed its deadline: the red warning."""
    return Q(state__in=OPEN_STATES, paused_workdays_left__isnull=True, stage_deadline__lt=today)


def unit_scorecards(
    user: User, *, units: QuerySet[Unit] | None = None, tickets_in: Q | None = None
) -> list[UnitScorecard]:
    """One scorecard per unit in the user's charge (narrowed to `units` when given), in tree order, over the tickets
    `tickets_in` selects (a period's: tracker.scorecards.Period.tickets()) or all of them."""
    today = clocks.today()
    charge = units_in_charge(user)
    if units is not None:
        charge = charge.filter(pk__in=units.values("pk"))
    charge_units = list(charge.order_by("path"))
    tickets = Ticket.objects.filter(lead_unit__in=[u.pk for u in charge_units])
    if tickets_in is not None:
        tickets = tickets.filter(tickets_in)
    closed = Q(closed_on__isnull=False)
    totals = {
        row["lead_unit"]: row
        for row in tickets.values("lead_unit").annotate(
            tickets=Count("pk"),
            open=Count("pk", filter=Q(state__in=OPEN_STATES)),
            overdue=Count("pk", filter=overdue_q(today)),
            closed=Count("pk", filter=closed),
            on_time=Count("pk", filter=closed & Q(closed_on__lte=F("due_on"))),
            on_time_original=Count("pk", filter=closed & Q(closed_on__lte=Coalesce("original_due_on", "due_on"))),
            reopens=Sum("reopen_count"),
            extensions=Sum("extension_count"),
        )
    }
    # Late closures grouped by (deadline, closing day): working days are counted once per distinct pair.
    delay_days: dict[int, int] = {}
    worst: dict[int, int] = {}
    late = tickets.filter(closed, closed_on__gt=F("due_on")).values("lead_unit", "due_on", "closed_on")
    for row in late.annotate(n=Count("pk")):
        days = calendar.workdays_between(row["due_on"], row["closed_on"])
        delay_days[row["lead_unit"]] = delay_days.get(row["lead_unit"], 0) + days * row["n"]
        worst[row["lead_unit"]] = max(worst.get(row["lead_unit"], 0), days)

    cards = []
    for unit in charge_units:
        row = totals.get(unit.pk, {})
        n_closed = row.get("closed", 0)
        cards.append(
            UnitScorecard(
                unit=unit,
                tickets=row.get("tickets", 0),
                open=row.get("open", 0),
                overdue=row.get("overdue", 0),
                closed=n_closed,
                closed_on_time=row.get("on_time", 0),
                on_time_rate=round(row["on_time"] / n_closed, 4) if n_closed else None,
                average_delay_workdays=round(delay_days.get(unit.pk, 0) / n_closed, 2) if n_closed else None,
                closed_on_time_original=row.get("on_time_original", 0),
                worst_delay_workdays=worst.get(unit.pk, 0) if n_closed else None,
                reopen_count=row.get("reopens") or 0,
                extension_count=row.get("extensions") or 0,
            )
        )
    return cards
