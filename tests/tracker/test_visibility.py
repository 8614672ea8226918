"""Who sees which tickets: own unit and co-units, the oversight subtree, everything for admins."""

import pytest

from tracker import selectors
from tracker.errors import NotFound


@pytest.fixture
def tickets(world):
    return {
        "a": world.ticket(unit=world.dept_a),
        "b": world.ticket(unit=world.dept_b, co_units=[world.dept_a]),
        "county": world.ticket(unit=world.county_dept),
    }


@pytest.mark.parametrize(
    ("user", "visible"),
    [
        ("officer_a", {"a", "b"}),  # own unit, and the ticket it co-operates on
        ("officer_b", {"b"}),
        ("officer_c", {"county"}),
        ("assessor", {"a", "b", "county"}),
        ("county_supervisor", {"county"}),
        ("admin", {"a", "b", "county"}),
        ("outsider", set()),
    ],
)
def test_each_user_sees_exactly_their_scope(world, tickets, user, visible):
    actor = getattr(world, user)
    seen = set(selectors.tickets_visible_to(actor).values_list("pk", flat=True))
    assert seen == {tickets[k].pk for k in visible}
    for key, ticket in tickets.items():
        if key not in visible:
            with pytest.raises(NotFound):
                selectors.ticket_get(actor, ticket.pk)


def test_a_co_unit_ticket_is_listed_once(world):
    world.ticket(unit=world.dept_b, co_units=[world.dept_a, world.county_dept])
    pks = list(selectors.tickets_visible_to(world.assessor).values_list("pk", flat=True))
    assert len(pks) == len(set(pks))


def test_a_ticket_with_several_co_units_is_listed_once_for_each_of_them(world):
    ticket = world.ticket(unit=world.dept_b, co_units=[world.dept_a, world.county_dept])
    for officer in (world.officer_a, world.officer_b, world.officer_c):
        assert list(selectors.tickets_visible_to(officer).values_list("pk", flat=True)) == [ticket.pk]


@pytest.mark.postgres
def test_a_units_ledger_leaves_postgresql_an_index_for_each_arm_of_its_scope(world):
    """The co-unit arm is an array computed before the scan, not a join or an IN (SELECT …) tested row by row: with
    those, the first page of a unit with few tickets on a ledger of a million took 0.7–1.2 s (tracker/lookups.py)."""
    sql = str(selectors.tickets_visible_to(world.officer_a).query)
    assert '"tracker_ticket"."lead_unit_id" IN (' in sql
    assert '"tracker_ticket"."id" = ANY(ARRAY(SELECT U0."ticket_id"' in sql
    assert 'JOIN "tracker_ticket_co_units"' not in sql and " IN (SELECT" not in sql
    # A subtree is named unit by unit, not matched by path through a join: a subtree with few tickets cost its
    # supervisor 0.8 s a page that way.
    county = str(selectors.tickets_visible_to(world.county_supervisor).query)
    county_units = [world.county.pk, world.county_dept.pk]
    assert f'"tracker_ticket"."lead_unit_id" IN ({", ".join(map(str, sorted(county_units)))})' in county
    assert "LIKE" not in county and "tracker_ticket_co_units" not in county


def test_available_transitions_follow_role_and_state(world, tickets):
    names = lambda user: [t.name for t in selectors.transitions_available(getattr(world, user), tickets["a"])]  # noqa: E731
    assert names("officer_a") == ["submit_plan", "return_ticket"]
    assert names("head_a") == ["submit_plan", "accept", "return_ticket"]
    assert set(names("supervisor")) == {"reassign", "withdraw"}
    assert names("officer_b") == []
