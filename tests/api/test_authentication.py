"""The token check: a good token is its user; a wrong one, or an inactive user's, is 401 in the caller's language."""

from rest_framework.test import APIClient

from tests.api.conftest import token_client


def test_a_token_is_its_user(world):
    response = token_client(world.officer_a).get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["username"] == world.officer_a.username


def test_a_wrong_token_is_refused_in_the_callers_language(world):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    english = client.get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="en")
    chinese = client.get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert (english.status_code, english.json()["detail"]) == (401, "Invalid token.")
    assert (chinese.status_code, chinese.json()["detail"]) == (401, "令牌无效。")


def test_an_inactive_users_token_is_refused(world):
    client = token_client(world.officer_a)
    assert client.get("/api/v1/me/").status_code == 200
    world.officer_a.is_active = False
    world.officer_a.save(update_fields=["is_active"])
    response = client.get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="en")
    assert (response.status_code, response.json()["detail"]) == (401, "User inactive or deleted.")
