"""Signing in and out, the home of each role, failed sign-ins limited per username and per client, and the error
pages in the person's language without a stack trace."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory
from django.utils import translation

from pages.views import errors

pytestmark = pytest.mark.django_db
PASSWORD = "pw-for-tests-1"


@pytest.mark.parametrize(
    ("username", "home"),
    [("officer_a", "/workspace/"), ("head_a", "/workspace/"), ("assessor", "/ledger/"), ("supervisor", "/dashboard/")],
)
def test_signing_in_sends_each_role_to_its_home(world, username, home):
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == home
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/ledger/").status_code == 302  # signed out


def test_a_username_that_fails_too_often_waits_and_is_told_until_when(world, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post("/accounts/login/", {"username": "officer_a", "password": "wrong"}).status_code == 200
    assert client.post("/accounts/login/", {"username": "officer_a", "password": "wrong"}).status_code == 429
    response = client.post("/accounts/login/", {"username": "officer_a", "password": PASSWORD})
    assert response.status_code == 429
    assert "之后再试" in response.content.decode()
    assert int(response["Retry-After"]) == settings.AXES_COOLOFF_TIME.total_seconds()
    # Another username from another client still signs in.
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert other.post("/accounts/login/", {"username": "officer_b", "password": PASSWORD}).status_code == 302


def test_a_client_that_fails_with_many_usernames_is_paused_too(world, settings):
    client = Client(REMOTE_ADDR="10.0.0.7")
    for i in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": f"guess{i}", "password": "wrong"})
    response = client.post("/accounts/login/", {"username": "officer_b", "password": PASSWORD})
    assert response.status_code == 429


def test_failures_are_kept_in_the_database_for_every_worker(world):
    from axes.models import AccessAttempt

    Client().post("/accounts/login/", {"username": "officer_a", "password": "wrong"})
    assert AccessAttempt.objects.filter(username="officer_a", failures_since_start=1).exists()


def test_the_error_pages_speak_the_persons_language(world, settings):
    settings.DEBUG = False
    client = Client()
    client.force_login(world.officer_a)
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and "未找到" in response.content.decode()
    response = client.get("/no-such-page/", headers={"accept-language": "en"})
    assert "Not found" in response.content.decode()
    assert client.get("/findings/new/").status_code == 403
    assert "无权操作" in client.get("/findings/new/").content.decode()


def test_the_server_error_page_has_no_stack_trace(world):
    request = RequestFactory().get("/")
    with translation.override("zh-hans"):
        response = errors.server_error(request)
    body = response.content.decode()
    assert response.status_code == 500 and "系统出错" in body and "Traceback" not in body


def test_every_page_carries_a_content_security_policy_without_inline_script(world):
    client = Client()
    client.force_login(world.officer_a)
    response = client.get("/workspace/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "<script>" not in response.content.decode() and " onclick=" not in response.content.decode()
