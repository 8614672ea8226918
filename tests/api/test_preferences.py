"""/api/v1/me/preferences/: the caller reads and changes how they are told — the language of their messages and
their channels — and nobody else's; a language the site does not write in is refused, naming the field."""

import pytest

from notifications.models import Kind, Notification, NotificationPreference
from notifications.sweep import derive_event
from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db
URL = "/api/v1/me/preferences/"


def test_someone_who_never_chose_reads_the_defaults_and_nothing_is_written(world):
    response = token_client(world.officer_a).get(URL)
    assert response.status_code == 200
    assert response.json() == {"language": "zh-hans", "email": True, "sms": False, "phone": ""}
    assert not NotificationPreference.objects.exists()


def test_the_language_round_trips_and_leaves_the_channels_alone(world):
    client = token_client(world.officer_a)
    assert client.patch(URL, {"email": False}, format="json").status_code == 200
    response = client.patch(URL, {"language": "en"}, format="json")
    assert response.status_code == 200
    assert response.json() == {"language": "en", "email": False, "sms": False, "phone": ""}
    assert client.get(URL).json()["language"] == "en"
    assert token_client(world.head_a).get(URL).json()["language"] == "zh-hans"  # the caller's own, nobody else's

    derive_event(world.ticket().events.get().pk)
    [row] = Notification.objects.filter(recipient=world.officer_a, kind=Kind.ASSIGNED)
    assert row.subject.startswith("New ticket for ")


@pytest.mark.parametrize("language", ["fr", "zh-hant", "", None, 1])
def test_a_language_the_site_does_not_write_in_is_a_400_naming_the_field(world, language):
    client = token_client(world.officer_a)
    client.patch(URL, {"language": "en"}, format="json")
    response = client.patch(URL, {"language": language}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and list(body["errors"]) == ["language"]
    if language is not None:
        assert "zh-hans, en" in body["errors"]["language"][0]  # the refusal says what is accepted
    assert NotificationPreference.objects.get(user=world.officer_a).language == "en"


@pytest.mark.parametrize("body", [{"email": "false"}, {"sms": 1}, {"phone": 13800000000}])
def test_each_field_is_held_to_its_json_type(world, body):
    response = token_client(world.officer_a).patch(URL, body, format="json")
    assert response.status_code == 400 and list(response.json()["errors"]) == list(body)
    assert not NotificationPreference.objects.exists()


def test_sms_needs_a_mobile_number(world):
    client = token_client(world.officer_a)
    response = client.patch(URL, {"sms": True}, format="json")
    assert response.status_code == 400 and list(response.json()["errors"]) == ["phone"]
    assert not NotificationPreference.objects.exists()
    response = client.patch(URL, {"sms": True, "phone": " 13800000000 "}, format="json")
    assert response.json() == {"language": "zh-hans", "email": True, "sms": True, "phone": "13800000000"}


def test_preferences_need_a_signed_in_caller(db):
    assert token_client().get(URL).status_code == 401
    assert token_client().patch(URL, {"language": "en"}, format="json").status_code == 401


def test_the_schema_describes_the_language_and_its_choices(db):
    openapi = token_client().get("/api/schema/", {"format": "json"}).json()
    operations = openapi["paths"][URL]
    assert set(operations) == {"get", "patch"}
    schemas = openapi["components"]["schemas"]
    body = operations["patch"]["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    language = schemas[body]["properties"]["language"]
    if "$ref" in language or "allOf" in language:
        ref = (language.get("$ref") or language["allOf"][0]["$ref"]).rsplit("/", 1)[-1]
        language = schemas[ref]
    assert language["enum"] == ["zh-hans", "en"]
    assert {"400", "401"} <= set(operations["patch"]["responses"])
