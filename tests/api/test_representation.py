"""The serializers' quick reading of plain attributes gives exactly what DRF's own loop gives."""

import datetime as dt
import json

import pytest
from rest_framework import serializers

from api import serializers as api_serializers
from tests.api.conftest import token_client
from tests.factories import assorted_tickets, drive
from workflows import clocks


@pytest.fixture
def drf_loop(monkeypatch):
    """Switch every API serializer back to DRF's own to_representation while the block runs."""

    def use():
        monkeypatch.setattr(
            api_serializers.ModelSerializer, "to_representation", serializers.Serializer.to_representation
        )

    return use


def test_every_endpoint_reads_the_same_as_with_drfs_loop(world, drf_loop):
    _plain, accepted, explained = assorted_tickets(world)
    paths = [
        "/api/v1/tickets/",
        f"/api/v1/tickets/{accepted.pk}/",
        f"/api/v1/tickets/{explained.pk}/",
        f"/api/v1/tickets/{explained.pk}/events/",
        "/api/v1/findings/",
        "/api/v1/units/",
        "/api/v1/appraisals/",
        "/api/v1/indicators/",
        "/api/v1/policies/",
        "/api/v1/me/",
        "/api/v1/public/notices/",
    ]
    client = token_client(world.supervisor)
    quick = {path: client.get(path).json() for path in paths}
    drf_loop()
    assert {path: client.get(path).json() for path in paths} == quick
    assert len(quick["/api/v1/tickets/"]["results"]) == 3
    assert quick[f"/api/v1/tickets/{explained.pk}/"]["explained_by"]


def test_a_serializer_binds_only_its_nested_and_method_fields_and_shares_the_rest(world):
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from tracker.selectors import ticket_detail_get

    _plain, accepted, _explained = assorted_tickets(world)
    request = Request(APIRequestFactory().get("/"))
    request.user = world.supervisor
    ticket = ticket_detail_get(world.supervisor, accepted.pk)
    first, second = (api_serializers.TicketDetailSerializer(ticket, context={"request": request}) for _ in range(2))
    assert first.data == second.data

    assert "_fields" not in vars(first)  # DRF's own binding of every field never ran
    own = {name for name, _attribute, field in first._reading_plan if field.parent is first}
    assert own == {"finding", "lead_unit", "warning", "co_units", "milestones", "available_transitions"}
    shared = [field for _name, _attribute, field in first._reading_plan if field.parent is not first]
    assert shared == [field for _name, _attribute, field in second._reading_plan if field.parent is not second]
    # Asking for `fields` (as the schema does) still binds a copy of every field to the serializer.
    assert all(field.parent is second for field in second.fields.values())


def _ledger_variety(world) -> None:
    """Tickets whose ledger rows differ in every way a row can: each open state, withdrawn, paused, overdue, near
    and behind its deadline, without a clock, listed, extended, reopened, published and closed, in two units."""
    from tracker.models import Ticket
    from workflows.models import RectificationClass

    assorted_tickets(world)
    drive(world, world.ticket(), "withdrawn")
    today = clocks.today()
    behind = drive(world, world.ticket(klass=RectificationClass.LONG_TERM), "rectifying")
    changes = [
        {"paused_workdays_left": 4},
        {"stage_deadline": today - dt.timedelta(days=3), "listed": True},
        {"stage_deadline": today + dt.timedelta(days=1), "extension_count": 2, "reopen_count": 1},
        {"stage_deadline": None},
        {"published_on": today, "closed_on": today, "progress": 100},
    ]
    for change in changes:
        ticket = world.ticket(unit=world.dept_b, klass=RectificationClass.IMMEDIATE)
        Ticket.objects.filter(pk=ticket.pk).update(**change)
    Ticket.objects.filter(pk=behind.pk).update(stage_started_on=today - dt.timedelta(days=120), progress=0)


@pytest.mark.parametrize("ordering", ["-id", "id", "due_on", "-due_on", "assigned_on", "-assigned_on"])
def test_the_ledger_rendered_from_rows_is_what_the_serializer_gives_for_the_instances(world, ordering):
    from rest_framework.renderers import JSONRenderer

    from api.views.tickets import TICKET_ORDERINGS
    from tracker.selectors import tickets_visible_to

    _ledger_variety(world)
    for user in (world.supervisor, world.officer_a, world.officer_b):
        client = token_client(user)
        shown, url = [], f"/api/v1/tickets/?ordering={ordering}&page_size=3"
        while url:
            page = client.get(url).json()
            shown += page["results"]
            url = page["next"]
        tickets = list(tickets_visible_to(user).order_by(*TICKET_ORDERINGS[ordering]))
        context = {"today": clocks.today()}
        expected = api_serializers.TicketSerializer(tickets, many=True, context=context).data
        assert shown == json.loads(JSONRenderer().render(expected))
        assert len(shown) == len(tickets) > 3
    warnings = {row["warning"] for row in shown}
    assert {"red", "yellow", "green", "paused", None} <= warnings, warnings
