"""A service reads the ticket once, locked, and writes back only the columns of its action."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tests.factories import plan_kwargs
from tracker import services
from tracker.errors import NotFound
from tracker.models import Ticket
from tracker.services._core import lock_ticket


def test_a_ticket_that_does_not_exist_or_is_not_visible_is_not_found(world):
    hidden = world.ticket(unit=world.dept_b)
    with transaction.atomic(), pytest.raises(NotFound):
        lock_ticket(world.officer_a, 10**9)
    with transaction.atomic(), pytest.raises(NotFound):
        lock_ticket(world.officer_a, hidden.pk)


def test_accept_reads_the_ticket_once_and_updates_only_the_columns_of_its_action(world):
    ticket = world.ticket()
    with CaptureQueriesContext(connection) as queries:
        services.ticket_accept(ticket_id=ticket.pk, actor=world.head_a, version=1, **plan_kwargs(ticket))
    reads = [q["sql"] for q in queries.captured_queries if 'FROM "tracker_ticket"' in q["sql"]]
    assert len(reads) == 1, reads
    (update,) = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('UPDATE "tracker_ticket" ')]
    assigned = update.split(" SET ", 1)[1].split(" WHERE ", 1)[0]
    columns = {part.split(" = ", 1)[0].strip('"') for part in assigned.split(', "')}
    assert columns == {
        "state",
        "measures",
        "goal",
        "responsible_person",
        "target_date",
        "contact_phone",
        "plan_state",
        "milestones_total",
        "plan_signed_by_id",
        "plan_signed_on",
        "stage_started_on",
        "stage_deadline",
        "paused_workdays_left",
        "paused_workdays",
        "next_action_at",
        "version",
        "updated_at",
    }
    stored = Ticket.objects.get(pk=ticket.pk)
    assert (stored.state, stored.version, stored.number) == ("rectifying", 2, ticket.number)
