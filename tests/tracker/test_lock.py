"""lock_ticket's hand-written statement reads what the ORM reads, and a service writes only the columns it changed."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tests.factories import plan_kwargs
from tracker import services
from tracker.models import Ticket
from tracker.services._core import changed_fields, lock_ticket


def test_the_locked_ticket_holds_what_the_orm_reads(world):
    ticket = world.ticket()
    ticket.co_units.add(world.dept_b)
    expected = Ticket.objects.select_related("lead_unit", "finding").get(pk=ticket.pk)
    with transaction.atomic():
        locked = lock_ticket(ticket.pk)
    columns = [field.attname for field in Ticket._meta.concrete_fields]
    assert [getattr(locked, name) for name in columns] == [getattr(expected, name) for name in columns]
    assert (locked.lead_unit.pk, locked.lead_unit.path) == (expected.lead_unit.pk, expected.lead_unit.path)
    assert (locked.finding.pk, locked.finding.severity) == (expected.finding.pk, expected.finding.severity)
    assert not hasattr(locked, "lead_unit__path") and not hasattr(locked, "finding__severity")
    assert changed_fields(locked) == []


def test_other_fields_of_the_unit_and_finding_load_on_first_use(world):
    ticket = world.ticket()
    with transaction.atomic():
        locked = lock_ticket(ticket.pk)
    assert locked.lead_unit.name == world.dept_a.name
    assert locked.finding.description == ticket.finding.description


def test_a_ticket_that_does_not_exist_is_not_locked(world):
    with transaction.atomic(), pytest.raises(Ticket.DoesNotExist):
        lock_ticket(10**9)


def test_accept_updates_only_the_columns_it_changed(world):
    ticket = world.ticket()  # assigned today, so the accept's stage starts on the same day: stage_started_on stays
    with CaptureQueriesContext(connection) as queries:
        services.ticket_accept(ticket=ticket, actor=world.officer_a, version=1, **plan_kwargs(ticket))
    (update,) = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assigned = update.split(" SET ", 1)[1].split(" WHERE ", 1)[0]
    columns = {part.split(" = ", 1)[0].strip('"') for part in assigned.split(', "')}
    assert columns == {
        "state",
        "measures",
        "goal",
        "responsible_person",
        "target_date",
        "stage_deadline",
        "next_action_at",
        "version",
        "updated_at",
    }
    stored = Ticket.objects.get(pk=ticket.pk)
    assert (stored.state, stored.version, stored.number) == ("rectifying", 2, ticket.number)
