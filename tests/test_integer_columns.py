"""An integer reaches the database as the number it is, or is refused: never stored as another number.

With the production connection settings (config/settings.py), every integer column of the project's own models is
written with the values at and just beyond the edges of its type. PostgreSQL must store each one exactly or refuse
it; a value wrapped into range (40,000 stored as -25,536 in a smallint) would pass a CHECK of its own and silently
change a figure. SQLite's integers are 64 bits whatever the column says, so there only the 64-bit edges refuse.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import DataError, IntegrityError, models, transaction

from tests.factories import drive, evidence_file
from tracker import services
from tracker.models import DecisionEvent, Evidence, ProgressReport, TicketEvent
from tracker.services.exports import export_request

EDGES = {
    "SmallIntegerField": 2**15,
    "PositiveSmallIntegerField": 2**15,
    "IntegerField": 2**31,
    "PositiveIntegerField": 2**31,
    "BigIntegerField": 2**63,
    "PositiveBigIntegerField": 2**63,
}
# Rows of these models are never updated (a trigger refuses it on PostgreSQL): a value is written as a new row.
APPEND_ONLY = (ProgressReport, Evidence, TicketEvent, DecisionEvent)
OURS = ("workflows", "tracker", "notifications")


def integer_columns() -> list[tuple[type[models.Model], models.Field]]:
    return [
        (model, field)
        for app in OURS
        for model in apps.get_app_config(app).get_models()
        for field in model._meta.concrete_fields
        if field.get_internal_type() in EDGES and not field.primary_key
    ]


def values_around_the_edges(field: models.Field) -> list[int]:
    """The type's edges and one past each, and one that a 16-, 32- or 64-bit wrap would turn into 5."""
    edge = EDGES[field.get_internal_type()]
    return [-edge - 1, -edge, -1, 0, edge - 1, edge, 4 * edge + 5]


@pytest.fixture
def a_row_of_every_model(world, default_policies):
    from notifications.models import Cursor
    from notifications.sweep import sweep

    ticket = drive(world, world.ticket(), "rectifying")
    services.progress_report(
        ticket_id=ticket.pk, actor=world.officer_a, text="过半", percent=50, files=[evidence_file()]
    )
    services.pause_request(ticket_id=ticket.pk, actor=world.officer_a, reason="等待专家论证")
    services.accountability_open(
        actor=world.supervisor, subject_kind="unit", subject_unit=world.dept_a, facts="整改逾期", ticket_ids=[ticket.pk]
    )
    sweep()
    Cursor.objects.get_or_create(name="integer-columns")
    export_request(user=world.supervisor, params={}, language="zh-hans")


def write(model: type[models.Model], field: models.Field, value: int) -> object:
    """Write the value into the column of one row, and read back what the database stored."""
    row = model.objects.order_by("pk").first()
    assert row is not None, f"no {model.__name__} row to write into"
    if model in APPEND_ONLY:
        row.pk = None
        setattr(row, field.attname, value)
        row.save(force_insert=True)
        key = row.pk
    else:
        key = row.pk
        model.objects.filter(pk=key).update(**{field.attname: value})
    return model.objects.filter(pk=key).values_list(field.attname, flat=True).get()


def test_every_integer_column_stores_the_number_sent_or_refuses_it(a_row_of_every_model):
    columns = integer_columns()
    assert {(m.__name__, f.name) for m, f in columns} >= {("Ticket", "paused_workdays_left"), ("Policy", "sign_days")}
    wrong = []
    for model, field in columns:
        for value in values_around_the_edges(field):
            try:
                with transaction.atomic():
                    stored = write(model, field, value)
                    if stored != value:
                        wrong.append((model.__name__, field.name, value, stored))
                    raise _Undo
            except _Undo:
                pass
            except IntegrityError as refusal:
                # A CHECK (>= 0) may refuse a negative number; a number too large refused by a CHECK was wrapped.
                if value >= 0:
                    wrong.append((model.__name__, field.name, value, f"refused by a constraint: {refusal}"))
            except (DataError, OverflowError):
                pass  # out of the type's range, refused as such
    assert wrong == []


class _Undo(Exception):
    """Rolls the write back, so that every value is tried on the same row."""
