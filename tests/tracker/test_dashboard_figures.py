"""The cockpit's precomputed figures against values worked out by hand on a small fixed data set that straddles the
2026 National Day holiday (1–7 October off, Saturday 10 October a make-up working day; 25 September, Mid-Autumn,
off), so a delay counted in calendar days instead of working days shows."""

import datetime as dt

import pytest
import time_machine

from pages import reads
from tests.factories import IndicatorFactory
from tracker import dashboard, selectors, services
from tracker.models import EventKind, Feedback, Ticket, TicketEvent
from tracker.models.figures import FiguresRun, UnitDay
from workflows import clocks
from workflows.clocks import SHANGHAI

TODAY = dt.date(2026, 10, 12)
NOW = dt.datetime(2026, 10, 12, 10, 0, tzinfo=SHANGHAI)


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=SHANGHAI)


def made(world, day: dt.date, unit, indicator=None, **columns) -> Ticket:
    with time_machine.travel(at(day), tick=False):
        ticket = services.finding_create(
            actor=world.assessor,
            indicator=indicator or world.indicator,
            unit=unit,
            description="扬尘管控台账缺失",
            source="市考核办",
        )
    Ticket.objects.filter(pk=ticket.pk).update(**columns)
    return Ticket.objects.get(pk=ticket.pk)


@pytest.fixture
def fixed(world):
    sharing = IndicatorFactory(dimension="sharing", appraisal=world.indicator.appraisal)
    d = dt.date
    t = {
        # closed late across the holiday: (30 Sep, 9 Oct] holds 8 and 9 October only: 2 working days (9 calendar days)
        "t1": made(
            world,
            d(2026, 9, 1),
            world.dept_a,
            state="closed",
            due_on=d(2026, 9, 30),
            closed_on=d(2026, 10, 9),
            stage_deadline=None,
        ),
        # closed on time, in September
        "t2": made(
            world,
            d(2026, 9, 1),
            world.dept_a,
            state="closed",
            due_on=d(2026, 9, 29),
            closed_on=d(2026, 9, 29),
            stage_deadline=None,
        ),
        # closed late: (24 Sep, 10 Oct] = 28, 29, 30 Sep, 8, 9, 10 Oct (a make-up Saturday): 6 working days
        "t3": made(
            world,
            d(2026, 9, 2),
            world.dept_b,
            sharing,
            state="closed",
            due_on=d(2026, 9, 24),
            closed_on=d(2026, 10, 10),
            stage_deadline=None,
        ),
        # open, overdue since 9 October: red
        "t4": made(
            world,
            d(2026, 9, 1),
            world.dept_a,
            state="rectifying",
            stage_started_on=d(2026, 9, 1),
            stage_deadline=d(2026, 10, 9),
            due_on=d(2026, 10, 9),
        ),
        # open, 2 working days left (13, 14 Oct): yellow
        "t5": made(
            world,
            d(2026, 9, 1),
            world.dept_a,
            state="rectifying",
            stage_started_on=d(2026, 9, 1),
            stage_deadline=d(2026, 10, 14),
            due_on=d(2026, 10, 14),
        ),
        # open, started today, due at the end of November: green
        "t6": made(
            world,
            TODAY,
            world.dept_b,
            sharing,
            state="rectifying",
            stage_started_on=TODAY,
            stage_deadline=d(2026, 11, 30),
            due_on=d(2026, 11, 30),
        ),
        # open, clock paused
        "t7": made(world, TODAY, world.dept_b, state="assigned", stage_deadline=None, paused_workdays_left=5),
    }
    with time_machine.travel(at(d(2026, 10, 10)), tick=False):
        for rating in ("satisfied", "satisfied", "dissatisfied"):
            Feedback.objects.create(ticket=t["t1"], rating=rating)
        TicketEvent.objects.create(ticket=t["t4"], kind=EventKind.REJECT, version=9, data={})
    with time_machine.travel(NOW, tick=False):
        assert dashboard.figures_refresh(now=NOW)
    return t


def test_figures_match_the_hand_count_across_national_day(world, fixed):
    with time_machine.travel(NOW, tick=False):
        f = dashboard.figures_for(dashboard.units_in_view(world.supervisor), today=TODAY)
    assert (f.totals.red, f.totals.yellow, f.totals.green, f.totals.paused, f.totals.open) == (1, 1, 1, 1, 4)
    assert (f.window.closed_on_time, f.window.closed_late, f.window.delay_workdays) == (1, 2, 8)
    assert round(f.window.on_time_rate, 4) == round(1 / 3, 4)
    by_unit = {line.name: line for line in f.units}
    a, b = by_unit["生态环境局"], by_unit["住建局"]
    assert [line.name for line in f.units][:2] == ["生态环境局", "住建局"]  # red first
    assert (a.stocks.red, a.flows.on_time_rate, a.flows.average_delay, a.flows.rejected) == (1, 0.5, 1.0, 1)
    assert (b.stocks.red, b.flows.on_time_rate, b.flows.average_delay) == (0, 0.0, 6.0)
    assert round(a.flows.satisfaction, 4) == round(2 / 3, 4)
    months = {p.month: p for p in f.months}
    september, october = months[dt.date(2026, 9, 1)], months[dt.date(2026, 10, 1)]
    assert (september.flows.opened, september.flows.closed_on_time, september.flows.closed_late) == (5, 1, 0)
    assert (october.flows.opened, october.flows.closed_on_time, october.flows.closed_late) == (2, 0, 2)
    assert (september.open_overdue, october.open_overdue) == (None, 1)
    green, sharing = f.dimensions["green"], f.dimensions["sharing"]
    assert (green[0].red, green[0].yellow, green[1].closed_late, sharing[1].delay_workdays) == (1, 1, 1, 6)


def test_the_cockpit_counts_what_the_ledger_counts(world, fixed):
    with time_machine.travel(NOW, tick=False):
        ledger = reads.colour_counts(selectors.tickets_visible_to(world.supervisor))
        f = dashboard.figures_for(dashboard.units_in_view(world.supervisor), today=TODAY)
    assert ledger == {
        "red": f.totals.red,
        "yellow": f.totals.yellow,
        "green": f.totals.green,
        "paused": f.totals.paused,
    }


def test_a_county_supervisor_sees_only_the_county(world, fixed):
    with time_machine.travel(NOW, tick=False):
        made(
            world,
            dt.date(2026, 9, 1),
            world.county_dept,
            state="rectifying",
            stage_started_on=dt.date(2026, 9, 1),
            stage_deadline=dt.date(2026, 10, 8),
            due_on=dt.date(2026, 10, 8),
        )
        dashboard.figures_refresh(now=NOW, force=True)
        f = dashboard.figures_for(dashboard.units_in_view(world.county_supervisor), today=TODAY)
    assert (f.totals.red, f.totals.open, [line.name for line in f.units]) == (1, 1, ["清河县教育局"])


def test_a_second_refresh_within_the_interval_recomputes_nothing(world, fixed):
    assert not dashboard.figures_refresh(now=NOW + dt.timedelta(seconds=30))
    assert dashboard.figures_refresh(now=NOW + dt.timedelta(minutes=10))


def test_each_past_month_keeps_its_last_snapshot_only(world, fixed):
    for day in (dt.date(2026, 10, 13), dt.date(2026, 11, 2)):
        with time_machine.travel(at(day), tick=False):
            dashboard.figures_refresh(now=at(day))
    assert list(FiguresRun.objects.order_by("day").values_list("day", flat=True)) == [
        dt.date(2026, 10, 13),
        dt.date(2026, 11, 2),
    ]
    assert set(UnitDay.objects.values_list("day", flat=True)) == {dt.date(2026, 10, 13), dt.date(2026, 11, 2)}


def test_the_most_overdue_are_the_earliest_deadlines_of_running_unlisted_tickets_in_scope(world):
    today = clocks.today()
    tickets = [made(world, today, world.dept_a, state="rectifying") for _ in range(5)]
    for ticket, days in zip(tickets, (9, 3, 6, 6, 1), strict=True):
        Ticket.objects.filter(pk=ticket.pk).update(stage_deadline=today - dt.timedelta(days=days))
    Ticket.objects.filter(pk=tickets[0].pk).update(listed=True)
    Ticket.objects.filter(pk=tickets[4].pk).update(paused_workdays_left=3)
    elsewhere = made(world, today, world.county_dept, state="rectifying", stage_deadline=today - dt.timedelta(days=20))
    on_time = made(world, today, world.dept_a, state="rectifying", stage_deadline=today)
    rows = dashboard.most_overdue([world.city.pk, world.dept_a.pk, world.dept_b.pk], limit=3, today=today)
    assert [row["id"] for row in rows] == [tickets[2].pk, tickets[3].pk, tickets[1].pk]
    assert {row["lead_unit__name"] for row in rows} == {world.dept_a.name}
    assert elsewhere.pk not in [row["id"] for row in rows] and on_time.pk not in [row["id"] for row in rows]


def test_the_marks_are_the_latest_refresh_and_the_latest_event(world):
    ticket = made(world, TODAY, world.dept_a, state="rectifying")
    assert dashboard.latest_marks() == (None, TicketEvent.objects.get(ticket=ticket).pk)
    with time_machine.travel(NOW, tick=False):
        dashboard.figures_refresh(force=True)
    run, last_event = dashboard.latest_marks()
    assert (run, last_event) == (FiguresRun.objects.get(day=TODAY), TicketEvent.objects.get(ticket=ticket).pk)
    assert run.refreshed_at == NOW
    services.ticket_list(ticket_id=ticket.pk, actor=world.supervisor, reason="严重超期")
    assert dashboard.latest_marks()[1] == TicketEvent.objects.get(kind=EventKind.LISTED).pk > last_event
