import copy
import uuid

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient


@pytest.fixture(autouse=True)
def fresh_throttle_counters(settings):
    """Each test counts requests from zero: its own key prefix in the throttle cache (Redis or local memory)."""
    caches = copy.deepcopy(settings.CACHES)
    caches[settings.API_THROTTLE_CACHE]["KEY_PREFIX"] = f"test-{uuid.uuid4().hex}"
    settings.CACHES = caches


@pytest.fixture(autouse=True)
def evidence_in_a_temporary_folder(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def token_client(user=None) -> APIClient:
    """A client that authenticates as `user` with a token, or anonymously."""
    client = APIClient()
    if user is not None:
        token, _created = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def as_user(db):
    return token_client
