"""Lists, counts and stats never include a row the caller may not see.

Tickets lead by dept_a, dept_b and county_dept (one of dept_a's with county_dept as co-unit), each with an extension
and a pause request; every role lists them all through every list endpoint. Who sees what is written out by hand.
"""

import pytest

from tests.api.conftest import token_client
from tests.api.scene import ROLES, cast
from tests.factories import drive
from tracker import services
from tracker.models import Ticket
from workflows import calendar
from workflows.machine import TicketState

# role -> the tickets it sees, by name (see `tickets` below)
SEES = {
    "own": {"county", "a_with_county"},
    "own_head": {"county", "a_with_county"},
    "other_unit": {"a", "a_with_county"},
    "parent_supervisor": {"county"},
    "assessor": {"a", "b", "county", "a_with_county"},
    "supervisor": {"a", "b", "county", "a_with_county"},
    "other_supervisor": {"b"},
    "admin": {"a", "b", "county", "a_with_county"},
    "outsider": set(),
}
# role -> the units on its scorecard (its own units, the subtrees it oversees)
SCORECARD_UNITS = {
    "own": {"county_dept"},
    "own_head": {"county_dept"},
    "other_unit": {"dept_a"},
    "parent_supervisor": {"county", "county_dept"},
    "assessor": {"city", "dept_a", "dept_b", "county", "county_dept"},
    "supervisor": {"city", "dept_a", "dept_b", "county", "county_dept"},
    "other_supervisor": {"dept_b"},
    "admin": {"city", "dept_a", "dept_b", "county", "county_dept"},
    "outsider": set(),
}


def tickets(world) -> dict[str, Ticket]:
    made = {
        "a": world.ticket(unit=world.dept_a),
        "b": world.ticket(unit=world.dept_b),
        "county": world.ticket(unit=world.county_dept),
        "a_with_county": world.ticket(unit=world.dept_a, co_units=[world.county_dept]),
    }
    for name, ticket in made.items():
        ticket = drive(world, ticket, TicketState.RECTIFYING)
        officer = world.officer_c if name == "county" else world.officer_a if "a" in name else world.officer_b
        services.extension_request(
            ticket_id=ticket.pk, actor=officer, requested_deadline=calendar.add_workdays(ticket.due_on, 5), reason="r"
        )
        services.pause_request(ticket_id=ticket.pk, actor=officer, reason="r")
        made[name] = ticket
    return made


def all_pages(client, url: str) -> list[dict]:
    rows, page = [], client.get(url, {"page_size": 2})
    while True:
        assert page.status_code == 200, page.json()
        rows += page.json()["results"]
        if not page.json()["next"]:
            return rows
        page = client.get(page.json()["next"])


@pytest.mark.parametrize("role", [r for r in ROLES if r != "anonymous"])
def test_lists_and_counts_hold_only_what_the_caller_may_see(world, role):
    users = cast(world)
    made = tickets(world)
    ids = {ticket.pk: name for name, ticket in made.items()}
    client = token_client(users[role])

    listed = {ids[row["id"]] for row in all_pages(client, "/api/v1/tickets/")}
    assert listed == SEES[role]
    findings = {row["tickets"][0]["id"] for row in all_pages(client, "/api/v1/findings/")}
    assert {ids[pk] for pk in findings} == SEES[role]
    for endpoint in ("/api/v1/extension-requests/", "/api/v1/pause-requests/"):
        assert {ids[row["ticket"]] for row in all_pages(client, endpoint)} == SEES[role]

    units = {getattr(world, name).pk: name for name in ("city", "dept_a", "dept_b", "county", "county_dept")}
    cards = client.get("/api/v1/stats/units/").json()
    assert {units[card["unit"]["id"]] for card in cards} == SCORECARD_UNITS[role]
    lead = {"a": "dept_a", "b": "dept_b", "county": "county_dept", "a_with_county": "dept_a"}
    for card in cards:
        unit = units[card["unit"]["id"]]
        assert card["tickets"] == card["open"] == sum(lead[name] == unit for name in made)
