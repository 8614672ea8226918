"""The record is append-only in PostgreSQL itself: not even raw SQL on the app's own connection changes it."""

import pytest
from django.db import DatabaseError, connection, transaction

from tests.factories import drive, evidence_file
from tracker import services
from tracker.models import Ticket, TicketEvent
from workflows import calendar, clocks

pytestmark = pytest.mark.postgres

APPEND_ONLY_TABLES = [
    "tracker_ticketevent",
    "tracker_progressreport",
    "tracker_evidence",
    "tracker_verification",
    "tracker_feedback",
]


@pytest.fixture
def recorded(world):
    """A ticket with a row in every append-only table: progress, evidence, feedback, a verdict, events."""
    ticket = drive(world, world.ticket(), "rectifying")
    services.progress_report(
        ticket_id=ticket.pk, actor=world.officer_a, text="过半", percent=50, files=[evidence_file()]
    )
    ticket = Ticket.objects.get(pk=ticket.pk)
    ticket = services.ticket_explain(
        ticket_id=ticket.pk, actor=world.head_a, version=ticket.version, explanation="已整改"
    )
    services.feedback_give(ticket_id=ticket.pk, rating="satisfied")
    new_deadline = calendar.add_workdays(clocks.today(), 20)
    return services.ticket_reject(
        ticket_id=ticket.pk, actor=world.assessor, version=ticket.version, reason="佐证不足", new_deadline=new_deadline
    )


@pytest.mark.parametrize("statement", ["UPDATE {table} SET id = id", "DELETE FROM {table}"])
@pytest.mark.parametrize("table", APPEND_ONLY_TABLES)
def test_raw_sql_cannot_change_or_remove_recorded_rows(recorded, table, statement):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - fixed table names
        (before,) = cursor.fetchone()
    assert before > 0
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement.format(table=table))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608
        assert cursor.fetchone() == (before,)


def test_orm_update_and_delete_of_an_event_are_refused(recorded):
    event = TicketEvent.objects.filter(ticket=recorded).first()
    with pytest.raises(DatabaseError), transaction.atomic():
        TicketEvent.objects.filter(pk=event.pk).update(kind="close")
    with pytest.raises(DatabaseError), transaction.atomic():
        event.delete()
    assert TicketEvent.objects.get(pk=event.pk).kind == event.kind


def test_events_can_still_be_inserted(recorded):
    before = TicketEvent.objects.count()
    TicketEvent.objects.create(ticket=recorded, kind="comment", version=recorded.version)
    assert TicketEvent.objects.count() == before + 1
