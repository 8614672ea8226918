import pytest
from django.test import Client


@pytest.fixture
def as_user(world):
    """A signed-in client for one of the world's people."""

    def sign_in(username: str) -> Client:
        client = Client()
        client.force_login(world.users[username])
        return client

    return sign_in
