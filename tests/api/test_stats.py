"""The per-unit scorecard: open, overdue, on-time rate, average delay in working days, reopens, extensions."""

import datetime as dt

from tests.api.conftest import token_client
from tracker.models import Ticket
from workflows import clocks
from workflows.machine import TicketState


def set_fields(ticket: Ticket, **fields) -> None:
    Ticket.objects.filter(pk=ticket.pk).update(**fields)


def test_the_scorecard_counts_a_units_tickets_in_working_days(world):
    today = clocks.today()
    closed = [
        # (deadline, closed on, working days late)
        (dt.date(2025, 6, 6), dt.date(2025, 6, 6), 0),
        (dt.date(2025, 6, 6), dt.date(2025, 6, 2), 0),
        (dt.date(2025, 6, 6), dt.date(2025, 6, 10), 2),  # Friday → Tuesday: Monday and Tuesday
        (dt.date(2025, 9, 30), dt.date(2025, 10, 9), 1),  # across the National Day holiday
    ]
    for due_on, closed_on, _late in closed:
        fields = {"state": TicketState.CLOSED, "due_on": due_on, "closed_on": closed_on, "stage_deadline": None}
        set_fields(world.ticket(), original_due_on=due_on, **fields)
    # Closed on its extended deadline, a day after the one first assigned.
    first = Ticket.objects.filter(lead_unit=world.dept_a, closed_on=dt.date(2025, 6, 6)).get()
    set_fields(first, original_due_on=dt.date(2025, 6, 5))
    overdue = world.ticket()
    set_fields(overdue, stage_deadline=today - dt.timedelta(days=2), reopen_count=2, extension_count=1)
    paused = world.ticket()
    set_fields(paused, stage_deadline=None, paused_workdays_left=4, extension_count=2)
    set_fields(world.ticket(), state=TicketState.WITHDRAWN, stage_deadline=None)
    world.ticket(unit=world.dept_b)

    cards = {c["unit"]["code"]: c for c in token_client(world.supervisor).get("/api/v1/stats/units/").json()}
    assert cards["C-EE"] == {
        "unit": {"id": world.dept_a.pk, "name": "生态环境局", "code": "C-EE"},
        "tickets": 7,
        "open": 2,
        "overdue": 1,
        "closed": 4,
        "closed_on_time": 2,
        "on_time_rate": 0.5,
        "average_delay_workdays": 0.75,
        "closed_on_time_original": 1,
        "worst_delay_workdays": 2,
        "reopen_count": 2,
        "extension_count": 3,
    }
    assert (cards["C-HC"]["tickets"], cards["C-HC"]["on_time_rate"], cards["C-HC"]["average_delay_workdays"]) == (
        1,
        None,
        None,
    )
    within = token_client(world.supervisor).get("/api/v1/stats/units/", {"within": world.county.pk}).json()
    assert [c["unit"]["code"] for c in within] == ["C-Q", "C-Q-ED"]
    this_year = token_client(world.supervisor).get("/api/v1/stats/units/", {"period": "year"}).json()
    assert {c["unit"]["code"]: c["tickets"] for c in this_year}["C-EE"] == 7  # every ticket was assigned today
    last_year = token_client(world.supervisor).get("/api/v1/stats/units/", {"period": "year", "value": "2025"}).json()
    assert {c["unit"]["code"]: c["tickets"] for c in last_year}["C-EE"] == 0
    bad = token_client(world.supervisor).get("/api/v1/stats/units/", {"within": "-3"})
    assert (bad.status_code, list(bad.json()["errors"])) == (400, ["within"])
