"""The warning-colour filter in SQL gives every ticket the colour the Python clock gives it, on any day.

Tickets get random stages, start days, deadlines (some past the official calendar's last year), progress, pauses
and plans with milestones, which set the scheduled progress where there are some;
a severity has its own policy and the admin has moved a holiday. On days around the Spring Festival, weekends and
make-up workdays, the filter's four answers must partition the open tickets exactly as `ticket_warning` does.
"""

import datetime as dt
import random

from tracker.models import Milestone, Ticket
from tracker.selectors import ticket_warning
from tracker.warning_filter import with_warning
from workflows import calendar, clocks
from workflows.clocks import Warning
from workflows.machine import TicketState
from workflows.models import CalendarDay, Policy, RectificationClass, Severity

DAYS = [
    dt.date(2025, 1, 24),  # Friday before the Spring Festival
    dt.date(2025, 1, 26),  # Sunday, a make-up workday
    dt.date(2025, 1, 30),  # inside the holiday
    dt.date(2025, 2, 8),  # Saturday, a make-up workday
    dt.date(2025, 6, 3),
    dt.date(2025, 9, 30),
    dt.date(2026, 3, 14),  # the admin's extra holiday's Saturday
    dt.date(2026, 11, 24),
]
STATES = [TicketState.ASSIGNED, TicketState.RECTIFYING, TicketState.RECTIFYING, TicketState.EXPLAINED,
          TicketState.VERIFIED, TicketState.CLOSED]  # fmt: skip


def scatter(world, count: int, rng: random.Random) -> list[Ticket]:
    tickets = []
    for i in range(count):
        ticket = world.ticket(
            severity=rng.choice(list(Severity)),
            klass=rng.choice(list(RectificationClass)),
            description=f"问题 {i}",
        )
        started = dt.date(2024, 12, 1) + dt.timedelta(days=rng.randrange(700))
        span = rng.choice([0, 1, 3, 5, 12, 40, 200, 365 * 6])
        paused = rng.random() < 0.1
        fields = {
            "state": rng.choice(STATES),
            "stage_started_on": started,
            "stage_deadline": None if paused else started + dt.timedelta(days=span),
            "paused_workdays_left": rng.randrange(10) if paused else None,
            "progress": rng.choice([0, 5, 20, 33, 50, 67, 80, 99, 100]),
        }
        if rng.random() < 0.35:
            dates = [started + dt.timedelta(days=rng.randrange(-5, span + 30)) for _ in range(rng.randint(1, 4))]
            Milestone.objects.bulk_create(Milestone(ticket=ticket, title="节点", due_on=d) for d in dates)
            fields["milestones_total"] = len(dates)
        Ticket.objects.filter(pk=ticket.pk).update(**fields)
        tickets.append(Ticket.objects.select_related("finding").get(pk=ticket.pk))
    return tickets


def test_the_sql_colour_is_the_clocks_colour_on_every_day(world):
    Policy.objects.create(
        rectification_class=RectificationClass.TIME_LIMITED,
        severity=Severity.SEVERE,
        yellow_days=6,
        progress_tolerance=7,
    )
    CalendarDay.objects.create(date=dt.date(2026, 3, 13), is_workday=False, note="临时调整")
    calendar.invalidate()
    tickets = scatter(world, 80, random.Random(20250128))
    everything = Ticket.objects.filter(pk__in=[t.pk for t in tickets])
    seen = set()
    for day in DAYS:
        expected = {colour: set() for colour in Warning}
        for ticket in tickets:
            colour = ticket_warning(ticket, day)
            if colour is not None:
                expected[colour].add(ticket.pk)
                seen.add(colour)
        for colour in Warning:
            got = set(with_warning(everything, colour, on=day).values_list("pk", flat=True))
            assert got == expected[colour], (day, colour)
    assert seen == set(Warning)  # the data exercised every colour


def test_behind_schedule_is_decided_at_the_exact_percentage_the_clock_uses(world):
    """Scheduled progress one point either side of the tolerance, and halves (12.5 % rounds to 12, 37.5 % to 38)."""
    Policy.objects.create(
        rectification_class=RectificationClass.TIME_LIMITED,
        severity=Severity.SEVERE,
        yellow_days=2,
        progress_tolerance=7,
    )
    on = dt.date(2025, 6, 3)
    tickets = []
    for total in (8, 16, 24, 40):
        for elapsed in range(1, total - 2):
            start = calendar.subtract_workdays(on, elapsed)
            deadline = calendar.add_workdays(on, total - elapsed)
            scheduled = clocks.scheduled_progress(start, deadline, on)
            for progress in {max(0, scheduled - 7 + d) for d in (-2, -1, 0, 1)}:
                ticket = world.ticket(severity=Severity.SEVERE)
                Ticket.objects.filter(pk=ticket.pk).update(
                    state=TicketState.RECTIFYING, stage_started_on=start, stage_deadline=deadline, progress=progress
                )
                tickets.append(Ticket.objects.select_related("finding").get(pk=ticket.pk))
    everything = Ticket.objects.filter(pk__in=[t.pk for t in tickets])
    yellow = {t.pk for t in tickets if ticket_warning(t, on) == Warning.YELLOW}
    green = {t.pk for t in tickets if ticket_warning(t, on) == Warning.GREEN}
    assert yellow and green
    assert set(with_warning(everything, Warning.YELLOW, on=on).values_list("pk", flat=True)) == yellow
    assert set(with_warning(everything, Warning.GREEN, on=on).values_list("pk", flat=True)) == green
