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
