"""A ledger row, rendered from `.values()` columns, shows what the ticket's full representation shows."""

import datetime as dt
import json

import pytest

from api import serializers as api_serializers
from tests.api.conftest import token_client
from tests.factories import assorted_tickets, drive
from workflows import clocks


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
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from api.serializers.tickets import TICKET_FIELDS
    from api.views.tickets import TICKET_ORDERINGS
    from tracker.selectors import TICKET_RELATED, tickets_visible_to

    _ledger_variety(world)
    for user in (world.supervisor, world.officer_a, world.officer_b):
        client = token_client(user)
        shown, url = [], f"/api/v1/tickets/?ordering={ordering}&page_size=3"
        while url:
            page = client.get(url).json()
            shown += page["results"]
            url = page["next"]
        tickets = list(tickets_visible_to(user).select_related(*TICKET_RELATED).order_by(*TICKET_ORDERINGS[ordering]))
        request = Request(APIRequestFactory().get("/"))
        request.user = user
        context = {"today": clocks.today(), "request": request}
        full = api_serializers.TicketDetailSerializer(tickets, many=True, context=context).data
        expected = [{name: ticket[name] for name in TICKET_FIELDS} for ticket in full]
        assert shown == json.loads(JSONRenderer().render(expected))
        assert len(shown) == len(tickets) > 3
    warnings = {row["warning"] for row in shown}
    assert {"red", "yellow", "green", "paused", None} <= warnings, warnings
