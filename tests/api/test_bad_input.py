"""Bad input is a 4xx that says what is wrong — never a 500 — and state changes only through transitions."""

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.api.conftest import token_client
from tests.factories import drive, evidence_file
from tracker.models import Evidence, ProgressReport, Ticket, TicketEvent
from workflows.machine import TicketState


@pytest.fixture
def rectifying(world) -> Ticket:
    return drive(world, world.ticket(), TicketState.RECTIFYING)


def transition(world, ticket, body, **extra):
    return token_client(world.head_a).post(f"/api/v1/tickets/{ticket.pk}/transitions/", body, **extra)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"transition": "accept", "version": "one"}, "version"),
        ({"transition": "accept", "version": -4}, "version"),
        ({"transition": "accept", "version": 2**70}, "version"),
        ({"transition": "teleport", "version": 1}, "transition"),
        ({"transition": ["accept"], "version": 1}, "transition"),
        ({"version": 1}, "transition"),
        (
            {
                "transition": "accept",
                "version": 1,
                "measures": "m" * 10_001,
                "goal": "g",
                "responsible_person": "p",
                "target_date": "2030-01-01",
            },
            "measures",
        ),  # fmt: skip
        (
            {
                "transition": "accept",
                "version": 1,
                "measures": "m",
                "goal": "g",
                "responsible_person": "p",
                "target_date": "2025-02-30",
            },
            "target_date",
        ),  # fmt: skip
        (
            {
                "transition": "accept",
                "version": 1,
                "measures": {"a": 1},
                "goal": "g",
                "responsible_person": "p",
                "target_date": "2030-01-01",
            },
            "measures",
        ),  # fmt: skip
        ({"transition": "reassign", "version": 1, "unit": "dept_b", "reason": "r"}, "unit"),
        ({"transition": "reassign", "version": 1, "unit": 2**70, "reason": "r"}, "unit"),
    ],
)
def test_wrong_types_and_unknown_names_are_400s_naming_the_field(world, body, field):
    ticket = world.ticket()
    response = transition(world, ticket, body, format="json")
    assert response.status_code == 400, response.json()
    assert response.json()["code"] == "invalid"
    assert field in response.json()["errors"]
    assert Ticket.objects.get(pk=ticket.pk).version == 1


@pytest.mark.parametrize(
    ("raw", "content_type", "status"),
    [
        ('{"transition": "accept", ', "application/json", 400),
        ("[1, 2, 3]", "application/json", 400),
        ('"accept"', "application/json", 400),
        ("\xff\xfe", "application/json", 400),
        ("transition=accept&version=1", "application/x-www-form-urlencoded", 415),
        ("<xml/>", "application/xml", 415),
    ],
)
def test_unreadable_bodies_are_refused_without_a_server_error(world, raw, content_type, status):
    ticket = world.ticket()
    response = transition(world, ticket, raw.encode("latin-1"), content_type=content_type)
    assert response.status_code == status
    assert response.json()["code"]


@pytest.mark.parametrize(
    "params",
    [
        {"page_size": "0"},
        {"page_size": "-5"},
        {"page_size": "201"},
        {"page_size": str(10**30)},
        {"page_size": "abc"},
        {"page_size": "1.5"},
        {"page_size": "٣"},
        {"cursor": "not-a-cursor"},
        {"cursor": "eyJkIjoibiIsIm8iOiItaWQiLCJ2IjpbIngiXX0"},  # {"d":"n","o":"-id","v":["x"]}
        {"ordering": "finding__description"},
        {"unit": "abc"},
        {"unit": str(10**30)},
        {"unit": "-1"},
        {"state": "teleported"},
        {"warning": "purple"},
        {"class": "eventually"},
        {"due_before": "tomorrow"},
        {"due_after": "2025-13-01"},
        {"q": "x" * 201},
    ],
)
def test_bad_list_parameters_are_400s_naming_the_parameter(world, params):
    response = token_client(world.supervisor).get("/api/v1/tickets/", params)
    assert response.status_code == 400, response.content
    assert set(response.json()["errors"]) == set(params)


def test_page_sizes_up_to_the_cap_are_served(world):
    for _ in range(3):
        world.ticket()
    client = token_client(world.supervisor)
    assert len(client.get("/api/v1/tickets/", {"page_size": 200}).json()["results"]) == 3
    assert len(client.get("/api/v1/tickets/", {"page_size": 2}).json()["results"]) == 2


def test_absurd_ids_in_paths_are_404s(world):
    client = token_client(world.supervisor)
    for url in (f"/api/v1/tickets/{10**30}/", f"/api/v1/findings/{2**63}/", f"/api/v1/evidence/{10**20}/file/"):
        assert client.get(url).status_code == 404


def test_an_oversized_json_body_is_a_413(world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 4096
    ticket = world.ticket()
    body = {"transition": "accept", "version": 1, "measures": "m" * 5000}
    response = transition(world, ticket, json.dumps(body), content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (413, "too_large")


def test_oversized_uploads_are_413s_and_refused_types_400s(world, rectifying, settings):
    settings.EVIDENCE_MAX_BYTES = 2048
    settings.API_MAX_FILES = 2
    client = token_client(world.officer_a)
    url = f"/api/v1/tickets/{rectifying.pk}/evidence/"

    big = client.post(url, {"files": [evidence_file(content=b"%PDF" + b"0" * 3000)]}, format="multipart")
    assert (big.status_code, big.json()["code"]) == (413, "too_large")
    padded = {"files": [evidence_file(content=b"0" * 2000)] * 2, "pad": "x" * 3_000_000}
    whole_body = client.post(url, padded, format="multipart")
    assert whole_body.status_code == 413
    exe = client.post(url, {"files": [SimpleUploadedFile("tool.exe", b"MZ...")]}, format="multipart")
    assert (exe.status_code, list(exe.json()["errors"])) == (400, ["files"])
    empty = client.post(url, {"files": [SimpleUploadedFile("empty.pdf", b"")]}, format="multipart")
    assert empty.status_code == 400
    too_many = client.post(url, {"files": [evidence_file(), evidence_file(), evidence_file()]}, format="multipart")
    assert (too_many.status_code, list(too_many.json()["errors"])) == (400, ["files"])
    none = client.post(url, {}, format="multipart")
    assert (none.status_code, list(none.json()["errors"])) == (400, ["files"])
    assert Evidence.objects.filter(ticket=rectifying).count() == 0
    ok = client.post(url, {"files": [evidence_file()]}, format="multipart")
    assert ok.status_code == 201


def test_progress_with_bad_values_is_refused_by_field(world, rectifying):
    client = token_client(world.officer_a)
    url = f"/api/v1/tickets/{rectifying.pk}/progress/"
    for body, fields in [
        ({"text": "x", "percent": 101}, {"percent"}),
        ({"text": "x", "percent": "half"}, {"percent"}),
        ({"text": "", "percent": 10}, {"text"}),
        ({"text": "x", "percent": 10, "files": ["not a file"]}, {"files.0"}),
    ]:
        response = client.post(url, body, format="json")
        assert response.status_code == 400
        assert set(response.json()["errors"]) == fields
    assert ProgressReport.objects.count() == 0


def test_public_feedback_with_bad_values_is_refused_by_field(world):
    notice = drive(world, world.ticket(), TicketState.EXPLAINED)
    client = token_client()
    url = f"/api/v1/public/notices/{notice.pk}/feedback/"
    assert list(client.post(url, {"rating": "ecstatic"}, format="json").json()["errors"]) == ["rating"]
    assert list(client.post(url, {"rating": "satisfied", "comment": "x" * 2001}, format="json").json()["errors"]) == [
        "comment"
    ]


# --- mass assignment --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_tickets_and_findings_cannot_be_written_directly(world, method):
    ticket = world.ticket()
    client = token_client(world.admin)
    forged = {"state": "closed", "version": 99, "lead_unit": world.dept_b.pk, "due_on": "2099-01-01", "listed": True}
    for url in (f"/api/v1/tickets/{ticket.pk}/", f"/api/v1/findings/{ticket.finding_id}/"):
        assert getattr(client, method)(url, forged, format="json").status_code == 405
    unchanged = Ticket.objects.get(pk=ticket.pk)
    assert (unchanged.state, unchanged.version, unchanged.lead_unit_id, unchanged.listed) == (
        "assigned",
        1,
        world.dept_a.pk,
        False,
    )


def test_fields_a_caller_may_not_set_are_ignored_on_create_and_on_transitions(world):
    forged = {
        "state": "closed",
        "version": 42,
        "created_by": world.admin.pk,
        "found_by": world.admin.pk,
        "stage_deadline": "2099-01-01",
        "published_on": "2020-01-01",
        "listed": True,
        "recurring": True,
        "closed_on": "2020-01-01",
    }
    body = {"indicator": world.indicator.pk, "unit": world.dept_a.pk, "description": "d", "source": "s", **forged}
    created = token_client(world.assessor).post("/api/v1/findings/", body, format="json")
    assert created.status_code == 201
    ticket = Ticket.objects.get(finding_id=created.json()["id"])
    assert (ticket.state, ticket.version, ticket.created_by, ticket.finding.found_by) == (
        "assigned",
        1,
        world.assessor,
        world.assessor,
    )
    assert (ticket.published_on, ticket.listed, ticket.finding.recurring, ticket.closed_on) == (
        None,
        False,
        False,
        None,
    )
    assert ticket.stage_deadline < dt.date(2099, 1, 1)

    accept = {
        "transition": "accept",
        "version": 1,
        "measures": "m",
        "goal": "g",
        "responsible_person": "p",
        "target_date": str(ticket.due_on),
        "state": "closed",
        "lead_unit": world.dept_b.pk,
        "due_on": "2099-01-01",
        "published_on": "2020-01-01",
        "reopen_count": 9,
    }
    assert transition(world, ticket, accept, format="json").status_code == 200
    after = Ticket.objects.get(pk=ticket.pk)
    assert (after.state, after.version, after.lead_unit_id, after.due_on, after.published_on, after.reopen_count) == (
        "rectifying",
        2,
        world.dept_a.pk,
        ticket.due_on,
        None,
        0,
    )
    assert [e.kind for e in TicketEvent.objects.filter(ticket=ticket)] == ["created", "accept"]
