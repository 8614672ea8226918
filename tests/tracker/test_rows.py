"""A JoinedRow builds the instances the ORM would: same values, same types, the related rows in their caches."""

from django.db.models import Exists, OuterRef

from tests.factories import assorted_tickets
from tracker.models import Finding, Milestone, Ticket
from tracker.rows import JoinedRow
from tracker.selectors import TICKET_DETAIL


def values(instance, names):
    return [(name, getattr(instance, name), type(getattr(instance, name))) for name in names]


def test_the_ticket_page_row_matches_the_orm_field_by_field(world, django_assert_num_queries):
    plain, accepted, explained = assorted_tickets(world)
    Finding.objects.filter(pk=explained.finding_id).update(recurring=True)
    columns = [field.attname for field in Ticket._meta.concrete_fields]
    for ticket in (plain, accepted, explained):
        expected = (
            Ticket.objects.select_related("lead_unit", "finding__indicator", "created_by", "explained_by")
            .annotate(
                has_co_units=Exists(Ticket.co_units.through.objects.filter(ticket_id=OuterRef("pk"))),
                has_milestones=Exists(Milestone.objects.filter(ticket_id=OuterRef("pk"))),
            )
            .get(pk=ticket.pk)
        )
        with django_assert_num_queries(1):
            got = TICKET_DETAIL.get(ticket.pk)
            assert values(got, columns) == values(expected, columns)
            for path, names in TICKET_DETAIL.related.items():
                related_got, related_expected = got, expected
                for step in path.split("__"):
                    related_got, related_expected = getattr(related_got, step), getattr(related_expected, step)
                if related_expected is None:
                    assert related_got is None
                    continue
                attnames = ["pk", *(related_expected._meta.get_field(name).attname for name in names)]
                assert values(related_got, attnames) == values(related_expected, attnames), path
            assert (got.has_co_units, got.has_milestones) == (expected.has_co_units, expected.has_milestones)
    assert TICKET_DETAIL.get(explained.pk).finding.recurring is True
    assert TICKET_DETAIL.get(explained.pk).explained_by is not None
    assert TICKET_DETAIL.get(plain.pk).explained_by is None


def test_fields_not_asked_for_load_on_first_use(world, django_assert_num_queries):
    ticket = world.ticket()
    row = JoinedRow(Ticket, {"lead_unit": ["path"]})
    got = row.get(ticket.pk)
    with django_assert_num_queries(1):
        assert got.lead_unit.name == world.dept_a.name
    with django_assert_num_queries(1):
        assert got.finding.description == ticket.finding.description


def test_a_missing_row_is_none(world, django_assert_num_queries):
    assert TICKET_DETAIL.get(10**9) is None
    with django_assert_num_queries(0):  # beyond a bigint: no row, as the ORM answers, without asking
        assert TICKET_DETAIL.get(2**63) is None
        assert TICKET_DETAIL.get(-(2**63) - 1) is None
    assert Ticket.objects.filter(pk=2**63).first() is None


def test_joined_values_reads_what_the_orm_values_read_for_any_queryset(world, django_assert_num_queries):
    import pytest

    from tracker.rows import JoinedValues

    plain, accepted, explained = assorted_tickets(world)
    world.ticket(unit=world.dept_b)
    columns = ["number", "updated_at", "finding__appraisal", "finding__indicator__code", "explained_by__username", "id"]
    rows = JoinedValues(Ticket, columns)
    tickets = Ticket.objects.select_related("lead_unit")
    for queryset in (
        tickets.order_by("-id"),
        tickets.order_by("due_on", "id")[1:3],
        tickets.filter(lead_unit=world.dept_a, finding__indicator__code=world.indicator.code).order_by("pk"),
        tickets.filter(explained_by__isnull=False).order_by("-number"),
        tickets.none().order_by("id"),
        tickets.filter(pk__in=[]).order_by("id"),
    ):
        expected = list(queryset.values(*columns))
        with django_assert_num_queries(1 if expected else 0):
            got = rows.read(queryset)
        assert [{k: (v, type(v)) for k, v in row.items()} for row in got] == [
            {k: (v, type(v)) for k, v in row.items()} for row in expected
        ]
    assert [row["explained_by__username"] for row in rows.read(tickets.order_by("id"))].count(None) == 3
    assert list(rows.read(tickets.order_by("id"))[0]) == columns
    with pytest.raises(ValueError, match="Finding"):
        rows.read(Finding.objects.order_by("id"))


def _signals_during(model, block):
    from django.db.models import signals

    sent = []

    def pre(sender, instance, update_fields, **kwargs):
        sent.append(("pre_save", instance.pk, update_fields))

    def post(sender, instance, created, update_fields, **kwargs):
        sent.append(("post_save", instance.pk, created, update_fields))

    signals.pre_save.connect(pre, sender=model)
    signals.post_save.connect(post, sender=model)
    try:
        block()
    finally:
        signals.pre_save.disconnect(pre, sender=model)
        signals.post_save.disconnect(post, sender=model)
    return sent


def test_update_row_writes_what_save_with_update_fields_writes(world, django_assert_num_queries):
    import datetime as dt

    from tracker.rows import update_row

    ticket, twin = world.ticket(), world.ticket()
    fields = ["measures", "target_date", "lead_unit_id", "version", "updated_at"]
    for instance in (ticket, twin):
        instance.measures, instance.target_date, instance.lead_unit = "排查", dt.date(2026, 12, 1), world.dept_b
        instance.version += 1
    before = ticket.updated_at

    def written():
        with django_assert_num_queries(1):
            assert update_row(ticket, fields, where={"state": "assigned"}) is True

    sent = _signals_during(Ticket, written)
    twin.save(update_fields=fields)
    assert sent == [("pre_save", ticket.pk, frozenset(fields)), ("post_save", ticket.pk, False, frozenset(fields))]
    assert ticket.updated_at > before  # auto_now, as save gives it
    stored, expected = Ticket.objects.get(pk=ticket.pk), Ticket.objects.get(pk=twin.pk)
    own = ("id", "number", "finding_id", "created_at", "updated_at")
    columns = [f.attname for f in Ticket._meta.concrete_fields if f.attname not in own]
    assert values(stored, columns) == values(expected, columns)
    assert stored.updated_at == ticket.updated_at
    # A row that no longer matches is left alone, and no post_save is sent.
    ticket.measures = "又改"
    assert _signals_during(Ticket, lambda: update_row(ticket, ["measures"], where={"state": "closed"})) == [
        ("pre_save", ticket.pk, frozenset({"measures"}))
    ]
    assert Ticket.objects.get(pk=ticket.pk).measures == "排查"


def test_insert_row_writes_what_save_writes(world, django_assert_num_queries):
    from tracker.models import EventKind, TicketEvent
    from tracker.rows import insert_row

    ticket = world.ticket()
    made = [
        TicketEvent(
            ticket=ticket,
            kind=EventKind.COMMENT,
            actor=world.officer_a,
            to_state="assigned",
            version=1,
            data={"a": [1, "二"]},
        )
        for _ in range(2)
    ]

    def written():
        with django_assert_num_queries(1):
            insert_row(made[0])

    sent = _signals_during(TicketEvent, written)
    made[1].save()
    assert made[0].pk is not None and made[0].pk != made[1].pk
    assert sent == [("pre_save", None, None), ("post_save", made[0].pk, True, None)]
    columns = [f.attname for f in TicketEvent._meta.concrete_fields if f.attname not in ("id", "created_at")]
    stored = TicketEvent.objects.get(pk=made[0].pk)
    assert values(stored, columns) == values(TicketEvent.objects.get(pk=made[1].pk), columns)
    assert stored.created_at == made[0].created_at is not None  # auto_now_add, as save gives it


def test_a_transition_on_a_row_whose_state_changed_underneath_is_refused(world, monkeypatch):
    import pytest
    from django.db import transaction
    from django_fsm import ConcurrentTransition

    from tests.factories import plan_kwargs
    from tracker import services
    from tracker.services import tickets

    ticket = world.ticket()
    lock = tickets.lock_ticket

    def lock_then_lose_the_state(ticket_id):
        locked = lock(ticket_id)
        Ticket.objects.filter(pk=ticket_id).update(state="withdrawn")  # what no writer could do past the lock
        return locked

    monkeypatch.setattr(tickets, "lock_ticket", lock_then_lose_the_state)
    with pytest.raises(ConcurrentTransition), transaction.atomic():
        services.ticket_accept(ticket=ticket, actor=world.officer_a, version=1, **plan_kwargs(ticket))
    assert Ticket.objects.get(pk=ticket.pk).state == "assigned"
