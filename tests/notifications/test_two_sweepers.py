"""Two sweepers at once on PostgreSQL over 1,000 due tickets: each ticket claimed once, each message made once."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from notifications.derive import Planner
from notifications.directory import Directory
from notifications.models import Notification
from notifications.sweep import sweep
from tests.factories import make_world
from tracker.models import EventKind, Finding, Ticket, TicketEvent
from workflows import calendar, clocks
from workflows.models import Policy

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("default_policies"),
]
TICKETS = 1000


def _identity(n: Notification) -> tuple:
    return (n.recipient_id, n.webhook_id, n.channel, n.ticket_id, n.kind, n.stage, n.deadline, n.step)


def _due_tickets(world, count: int) -> list[Ticket]:
    """`count` tickets whose signing deadline passed 12 working days ago: chase, supervision and listing are due."""
    template = world.ticket()
    today = clocks.today()
    deadline = calendar.subtract_workdays(today, 12)
    units = [world.dept_a, world.dept_b, world.county_dept]
    findings = Finding.objects.bulk_create(
        Finding(
            appraisal_id=template.finding.appraisal_id,
            indicator_id=template.finding.indicator_id,
            unit=units[i % 3],
            description=f"问题 {i}",
            source="市考核办",
            found_by=world.assessor,
            found_on=today,
        )
        for i in range(count)
    )
    policy = Policy.for_ticket(template.rectification_class)
    return Ticket.objects.bulk_create(
        Ticket(
            number=f"T-{i:05d}",
            finding=finding,
            lead_unit=finding.unit,
            rectification_class=template.rectification_class,
            assigned_on=deadline,
            due_on=calendar.add_workdays(deadline, 60),
            stage_started_on=deadline,
            stage_deadline=deadline,
            next_action_at=clocks.ladder(deadline, policy)[0].at,
            created_by=world.assessor,
        )
        for i, finding in enumerate(findings)
    )


def test_two_sweepers_at_once_make_each_message_exactly_once(settings):
    settings.NOTIFY_BATCH_SIZE = 25
    world = make_world()
    tickets = _due_tickets(world, TICKETS)
    now = timezone.now()
    planner = Planner(Directory(), now)
    expected = set()
    for ticket in Ticket.objects.filter(pk__in=[t.pk for t in tickets]).select_related("lead_unit", "finding"):
        expected |= {
            _identity(row) for row in planner.clock(ticket, Policy.for_ticket(ticket.rectification_class), None).rows
        }
    assert len(expected) >= 4 * TICKETS  # chase, supervision, listing (to the supervisors and the head)

    start = threading.Barrier(2)
    reports, errors = [], []

    def sweeper() -> None:
        try:
            start.wait()
            reports.append(sweep(now))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweeper) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    claimed = sorted(r.tickets for r in reports)
    assert sum(claimed) == TICKETS + 1 and claimed[0] > 0  # both took part; the template ticket is due too
    made = [_identity(n) for n in Notification.objects.filter(ticket__in=tickets)]
    assert len(made) == len(set(made)) and set(made) == expected
    assert TicketEvent.objects.filter(kind=EventKind.LISTED).count() == TICKETS
    assert not Ticket.objects.filter(pk__in=[t.pk for t in tickets], listed=False).exists()
    assert not Ticket.objects.filter(next_action_at__lte=now + dt.timedelta(seconds=1)).exists()
