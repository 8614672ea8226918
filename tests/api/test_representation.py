"""The serializers' quick reading of plain attributes gives exactly what DRF's own loop gives."""

import pytest
from rest_framework import serializers

from api import serializers as api_serializers
from tests.api.conftest import token_client
from tests.factories import drive, plan_kwargs
from tracker import services
from workflows.machine import TicketState


@pytest.fixture
def drf_loop(monkeypatch):
    """Switch every API serializer back to DRF's own to_representation while the block runs."""

    def use():
        monkeypatch.setattr(
            api_serializers.ModelSerializer, "to_representation", serializers.Serializer.to_representation
        )

    return use


def test_every_endpoint_reads_the_same_as_with_drfs_loop(world, drf_loop):
    accepted = world.ticket(co_units=[world.dept_b])
    services.ticket_accept(
        ticket=accepted,
        actor=world.officer_a,
        version=1,
        **plan_kwargs(accepted),
        milestones=[("排查", accepted.due_on)],
    )
    explained = drive(world, world.ticket(), TicketState.EXPLAINED)
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
    assert len(quick["/api/v1/tickets/"]["results"]) == 2
    assert quick[f"/api/v1/tickets/{explained.pk}/"]["explained_by"]
