"""The serializers' quick reading of plain attributes gives exactly what DRF's own loop gives."""

import pytest
from rest_framework import serializers

from api import serializers as api_serializers
from tests.api.conftest import token_client
from tests.factories import assorted_tickets


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
