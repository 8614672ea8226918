"""Unit scorecards against figures worked out by hand on a small fixed ledger, September 2026, judged on
Wednesday 14 October 2026: across the Mid-Autumn day (25 September) and the National Day holiday (1–7 October), with
Saturday 10 October a make-up working day."""

import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from openpyxl import load_workbook

from tests.factories import IndicatorFactory
from tracker import scorecard_sheet, scorecards
from tracker.models import (
    EventKind,
    ExtensionRequest,
    Feedback,
    Finding,
    PauseRequest,
    Rating,
    RequestState,
    Ticket,
    TicketEvent,
    TicketStage,
)
from workflows import calendar, clocks
from workflows.machine import TicketState

TODAY = dt.date(2026, 10, 14)
D = dt.date


def at(day: dt.date) -> time_machine.travel:
    return time_machine.travel(dt.datetime.combine(day, dt.time(10), tzinfo=clocks.SHANGHAI), tick=False)


def make(world, assigned: dt.date, unit=None, **fields) -> Ticket:
    with at(assigned):
        ticket = world.ticket(unit=unit or world.dept_a)
    Ticket.objects.filter(pk=ticket.pk).update(**fields)
    return Ticket.objects.get(pk=ticket.pk)


def event(ticket: Ticket, kind: str, day: dt.date) -> None:
    with at(day):
        TicketEvent.objects.create(ticket=ticket, kind=kind, version=2, to_state="x")


def stages(ticket: Ticket, *rows: tuple[str, dt.date, dt.date | None, dt.date | None]) -> None:
    """The ticket's stage record as the services would have kept it: (stage, began, deadline, ended)."""
    TicketStage.objects.filter(ticket=ticket).delete()
    TicketStage.objects.bulk_create(
        TicketStage(
            ticket=ticket, unit_id=ticket.lead_unit_id, state=state, started_on=began, deadline=due, ended_on=end
        )
        for state, began, due, end in rows
    )


def wd(day: dt.date, n: int) -> dt.date:
    return calendar.add_workdays(day, n)


A, R, E, V = TicketState.ASSIGNED, TicketState.RECTIFYING, TicketState.EXPLAINED, TicketState.VERIFIED


@pytest.fixture
def ledger(world):
    """Tickets of the 生态环境局 (dept_a) assigned in September 2026, and one of the 住建局 (dept_b)."""
    closed = {"state": TicketState.CLOSED, "stage_deadline": None, "next_action_at": None}
    sep30 = {"due_on": D(2026, 9, 30), "original_due_on": D(2026, 9, 30)}
    t1 = make(world, D(2026, 9, 1), closed_on=D(2026, 9, 29), **closed, **sep30)
    event(t1, EventKind.ACCEPT, D(2026, 9, 3))
    event(t1, EventKind.EXPLAIN, D(2026, 9, 24))
    event(t1, EventKind.VERIFY, D(2026, 9, 28))
    event(t1, EventKind.CLOSE, D(2026, 9, 29))
    stages(
        t1,
        (A, D(2026, 9, 1), wd(D(2026, 9, 1), 3), D(2026, 9, 3)),
        (R, D(2026, 9, 3), D(2026, 9, 30), D(2026, 9, 24)),
        (E, D(2026, 9, 24), wd(D(2026, 9, 24), 15), D(2026, 9, 28)),
        (V, D(2026, 9, 28), wd(D(2026, 9, 28), 5), D(2026, 9, 29)),
    )
    # Extended by two working days (30 Sep → 9 Oct: 8 and 9 October), closed on the extended deadline; key indicator.
    t2 = make(world, D(2026, 9, 1), closed_on=D(2026, 10, 9), due_on=D(2026, 10, 9), original_due_on=D(2026, 9, 30))
    Ticket.objects.filter(pk=t2.pk).update(**closed)
    key = IndicatorFactory(appraisal=world.indicator.appraisal, weight=Decimal("2"), is_key=True)
    Finding.objects.filter(pk=t2.finding_id).update(indicator=key)
    event(t2, EventKind.ACCEPT, D(2026, 9, 8))  # signed 5 working days after assignment: 3 allowed
    event(t2, EventKind.EXPLAIN, D(2026, 10, 8))
    # Signed 5 working days after assignment, 3 allowed: a late stage.
    stages(
        t2, (A, D(2026, 9, 1), wd(D(2026, 9, 1), 3), D(2026, 9, 8)), (R, D(2026, 9, 8), D(2026, 10, 9), D(2026, 10, 8))
    )
    ExtensionRequest.objects.create(
        ticket=t2,
        requested_by=world.officer_a,
        reason="等待检测报告",
        state=RequestState.APPROVED,
        current_deadline=D(2026, 9, 30),
        requested_deadline=D(2026, 10, 9),
    )
    # Closed on Monday 12 October, 4 working days late (8, 9, 10 and 12 October) though 12 calendar days.
    t3 = make(world, D(2026, 9, 2), closed_on=D(2026, 10, 12), **closed, **sep30)
    event(t3, EventKind.ACCEPT, D(2026, 9, 4))
    event(t3, EventKind.EXPLAIN, D(2026, 10, 10))  # after the rectification deadline
    event(t3, EventKind.VERIFY, D(2026, 10, 12))
    stages(
        t3,
        (A, D(2026, 9, 2), wd(D(2026, 9, 2), 3), D(2026, 9, 4)),
        (R, D(2026, 9, 4), D(2026, 9, 30), D(2026, 10, 10)),  # explained after its deadline: a late stage
        (E, D(2026, 10, 10), wd(D(2026, 10, 10), 15), D(2026, 10, 12)),
        (V, D(2026, 10, 12), wd(D(2026, 10, 12), 5), D(2026, 10, 12)),
    )
    for rating in (Rating.SATISFIED, Rating.BASICALLY_SATISFIED, Rating.DISSATISFIED):
        Feedback.objects.create(ticket=t3, rating=rating)
    # Still rectifying past 29 September: 7 working days overdue (30 Sep, 8, 9, 10, 12, 13, 14 Oct); rejected once.
    t4 = make(
        world,
        D(2026, 9, 3),
        state=TicketState.RECTIFYING,
        due_on=D(2026, 9, 29),
        original_due_on=D(2026, 9, 29),
        stage_deadline=D(2026, 9, 29),
    )
    event(t4, EventKind.ACCEPT, D(2026, 9, 4))
    event(t4, EventKind.EXPLAIN, D(2026, 9, 15))
    event(t4, EventKind.REJECT, D(2026, 9, 20))
    stages(
        t4,
        (A, D(2026, 9, 3), wd(D(2026, 9, 3), 3), D(2026, 9, 4)),
        (R, D(2026, 9, 4), D(2026, 9, 29), D(2026, 9, 15)),
        (E, D(2026, 9, 15), wd(D(2026, 9, 15), 15), D(2026, 9, 20)),
        (R, D(2026, 9, 20), D(2026, 9, 29), None),  # running past its deadline: overdue now, not ended late
    )
    # Never signed for: late in the signing stage, rectification deadline still ahead; the unit returned it once
    # as not its own (退回) and the assignment was upheld.
    make(
        world,
        D(2026, 9, 10),
        stage_deadline=D(2026, 9, 15),
        due_on=D(2026, 12, 1),
        original_due_on=D(2026, 12, 1),
        return_count=1,
    )
    # Paused since 28 September: 8 working days (29, 30 Sep, 8, 9, 10, 12, 13, 14 Oct); reopened once before.
    t6 = make(
        world,
        D(2026, 9, 15),
        state=TicketState.RECTIFYING,
        stage_deadline=None,
        paused_workdays_left=5,
        due_on=D(2026, 11, 30),
        original_due_on=D(2026, 11, 30),
    )
    event(t6, EventKind.ACCEPT, D(2026, 9, 16))
    event(t6, EventKind.REOPEN, D(2026, 9, 25))
    Ticket.objects.filter(pk=t6.pk).update(missed_reports=2)  # two progress reports missed and chased (催报)
    stages(t6, (A, D(2026, 9, 15), wd(D(2026, 9, 15), 3), D(2026, 9, 16)), (R, D(2026, 9, 16), D(2026, 11, 30), None))
    PauseRequest.objects.create(
        ticket=t6,
        requested_by=world.officer_a,
        reason="专家论证",
        state=RequestState.APPROVED,
        paused_on=D(2026, 9, 28),
    )
    ExtensionRequest.objects.create(
        ticket=t6,
        requested_by=world.officer_a,
        reason="x",
        state=RequestState.REJECTED,
        current_deadline=D(2026, 11, 30),
        requested_deadline=D(2026, 12, 30),
    )
    make(world, D(2026, 9, 5), state=TicketState.WITHDRAWN, stage_deadline=None)
    # Verified 21 working days after it was explained (4 Sep → 12 Oct): 5 + 10 allowed.
    t10 = make(
        world,
        D(2026, 9, 1),
        state=TicketState.VERIFIED,
        stage_deadline=calendar.add_workdays(D(2026, 10, 12), 5),
        **sep30,
    )
    event(t10, EventKind.ACCEPT, D(2026, 9, 2))
    event(t10, EventKind.EXPLAIN, D(2026, 9, 4))
    event(t10, EventKind.VERIFY, D(2026, 10, 12))
    stages(
        t10,
        (A, D(2026, 9, 1), wd(D(2026, 9, 1), 3), D(2026, 9, 2)),
        (R, D(2026, 9, 2), D(2026, 9, 30), D(2026, 9, 4)),
        (E, D(2026, 9, 4), wd(D(2026, 9, 4), 15), D(2026, 10, 12)),  # verified late
        (V, D(2026, 10, 12), wd(D(2026, 10, 12), 5), None),
    )
    make(world, D(2026, 8, 31), state=TicketState.CLOSED, closed_on=D(2026, 9, 1))  # August: not in the period
    make(world, D(2026, 9, 10), unit=world.dept_b, closed_on=D(2026, 9, 20), **closed, **sep30)
    return world


def test_the_scorecard_matches_the_figures_worked_out_by_hand(ledger):
    board = scorecards.unit_scoreboard(ledger.supervisor, period=scorecards.period_of("month", "2026-09"), today=TODAY)
    card = next(c for c in board.cards if c.unit == ledger.dept_a)
    assert (card.received, card.withdrawn, card.open, card.closed) == (7, 1, 4, 3)
    assert (card.closed_on_time_original, card.closed_on_time_extended) == (1, 2)
    assert card.overdue_now == 2
    assert card.overdue_now_by_stage == {"signing": 1, "rectifying": 1, "verifying": 0, "closing": 0}
    assert card.late_ended_by_stage == {"signing": 1, "rectifying": 1, "verifying": 1, "closing": 0}
    assert (card.late, card.average_delay_workdays, card.worst_delay_workdays) == (2, 5.5, 7)
    assert (card.rejections, card.reopenings) == (1, 1)
    assert (card.returns, card.missed_reports) == (1, 2)
    assert (card.extensions, card.extension_workdays) == (1, 2)
    assert (card.pauses, card.pause_workdays) == (1, 8)
    assert (card.feedback, card.satisfaction) == (3, 0.6667)
    assert card.key_tickets == 1
    # Judged: t1 credit 1 (weight 1), t2 0.8 (weight 2 × 1.5), t3 0.5, t4 0, t5 0 → 3.9 / 7.
    assert card.timeliness == 0.5571
    expected = 100 * (Decimal("0.8") * Decimal("0.5571") + Decimal("0.2") * Decimal("0.6667")) - Decimal(20) / 7
    assert card.score == float(expected.quantize(Decimal("0.01"))) == 55.04
    other = next(c for c in board.cards if c.unit == ledger.dept_b)
    assert (other.received, other.score, other.rank) == (1, 100.0, 1)
    assert card.rank == 2
    assert board.cards[:2] == [other, card]
    assert "0.8" in board.formula and "1.5" in board.formula


def test_a_unit_officer_sees_only_their_own_units_card(ledger):
    board = scorecards.unit_scoreboard(ledger.officer_b, period=scorecards.period_of("month", "2026-09"), today=TODAY)
    assert [c.unit for c in board.cards] == [ledger.dept_b]


def test_the_appraisal_cycle_counts_the_appraisals_tickets_whenever_assigned(ledger):
    period = scorecards.period_of("appraisal", ledger.indicator.appraisal_id)
    board = scorecards.unit_scoreboard(ledger.supervisor, period=period, today=TODAY)
    card = next(c for c in board.cards if c.unit == ledger.dept_a)
    assert card.received == 8  # the August ticket too (t2 moved to another indicator of the same appraisal)


def test_the_monthly_trend_puts_each_ticket_in_the_month_it_was_received(ledger):
    trend = dict(scorecards.unit_trend(ledger.supervisor, months=3, today=TODAY))
    points = {p.month: p for p in trend[ledger.dept_a]}
    assert list(points) == ["2026-08", "2026-09", "2026-10"]
    assert (points["2026-08"].received, points["2026-09"].received, points["2026-10"].received) == (1, 7, 0)
    assert points["2026-09"].timeliness == 0.5571
    assert points["2026-08"].closed == 1


def test_the_scorecard_sheet_shows_the_formula_and_ranks(ledger):
    board = scorecards.unit_scoreboard(ledger.supervisor, period=scorecards.period_of("month", "2026-09"), today=TODAY)
    trend = scorecards.unit_trend(ledger.supervisor, months=2, today=TODAY)
    out = io.BytesIO()
    scorecard_sheet.scoreboard_write(board, trend, out)
    workbook = load_workbook(io.BytesIO(out.getvalue()))
    sheet = workbook.worksheets[0]
    assert board.formula in sheet["A2"].value
    assert sheet.freeze_panes == "C4"
    assert [sheet.cell(row=4, column=c).value for c in (1, 2, 3)] == [1, "住建局", 100.0]
    assert [sheet.cell(row=5, column=c).value for c in (1, 2, 3)] == [2, "生态环境局", 55.04]
    assert len(workbook.worksheets) == 3


@pytest.mark.parametrize(
    ("kind", "value", "start", "end"),
    [
        ("month", "2026-02", D(2026, 2, 1), D(2026, 2, 28)),
        ("quarter", "2026-Q4", D(2026, 10, 1), D(2026, 12, 31)),
        ("quarter", "2026-1", D(2026, 1, 1), D(2026, 3, 31)),
        ("year", "2025", D(2025, 1, 1), D(2025, 12, 31)),
    ],
)
def test_periods_cover_their_calendar_dates(kind, value, start, end):
    period = scorecards.period_of(kind, value)
    assert (period.start, period.end) == (start, end)


@pytest.mark.parametrize(("kind", "value"), [("month", "2026-13"), ("quarter", "2026-Q5"), ("year", "x")])
def test_a_period_that_does_not_exist_is_refused(kind, value):
    from tracker.errors import Invalid

    with pytest.raises(Invalid):
        scorecards.period_of(kind, value)
