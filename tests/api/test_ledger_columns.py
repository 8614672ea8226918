"""A field of the ticket is added to the ledger in one place, `tracker.selectors.LEDGER_FIELDS`: the ledger's rows
and the ticket's own representation then both show it, through the API."""

import importlib

import pytest

from api import serializers as api_serializers
from api.serializers import tickets as ticket_serializers
from api.views import tickets as ticket_views
from tests.api.conftest import token_client
from tracker import selectors
from tracker.models import Ticket


@pytest.fixture
def lead_official_in_the_ledger(monkeypatch):
    """LEDGER_FIELDS with the lead official (牵头领导) added, and the serializers built anew from it, as a restart of
    the process after the edit would build them."""
    monkeypatch.setattr(selectors, "LEDGER_FIELDS", (*selectors.LEDGER_FIELDS, "lead_official"))
    rebuilt = importlib.reload(ticket_serializers)
    monkeypatch.setattr(ticket_views.TicketList, "serializer_class", rebuilt.TicketSerializer)
    monkeypatch.setattr(ticket_views, "TicketDetailSerializer", rebuilt.TicketDetailSerializer)
    yield
    monkeypatch.undo()
    importlib.reload(ticket_serializers)
    importlib.reload(api_serializers)


def test_a_field_added_to_ledger_fields_shows_in_the_ledger_and_the_ticket(world, lead_official_in_the_ledger):
    ticket = world.ticket()
    Ticket.objects.filter(pk=ticket.pk).update(lead_official="王副县长")
    client = token_client(world.officer_a)
    (row,) = client.get("/api/v1/tickets/").json()["results"]
    assert row["lead_official"] == "王副县长"
    assert client.get(f"/api/v1/tickets/{ticket.pk}/").json()["lead_official"] == "王副县长"


def test_without_it_the_ledger_does_not_show_the_field(world):
    world.ticket()
    (row,) = token_client(world.officer_a).get("/api/v1/tickets/").json()["results"]
    assert "lead_official" not in row
