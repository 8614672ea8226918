"""Regressions of issue 11: what a client sends is bounded in one place (tracker.bounds), refused with a typed 400
when it is out of bounds, and never a 500, a truncated value or a ticket that can no longer move."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import OperationalError
from django.utils import translation

from tests.api.conftest import token_client
from tests.factories import drive
from tracker import bounds, services
from tracker.models import ExtensionRequest, Finding, Ticket, TicketEvent
from workflows import calendar, clocks
from workflows.machine import TicketState


def nested(depth: int) -> object:
    value: object = "x"
    for _ in range(depth):
        value = [value]
    return value


def deep_body(field: str, depth: int) -> str:
    """{"field": [[[…"x"…]]]} written out (json.dumps itself recurses too deep for it)."""
    return f'{{"{field}": {"[" * depth}"x"{"]" * depth}}}'


def finding_body(world, **changes) -> dict:
    return {"indicator": world.indicator.pk, "unit": world.dept_a.pk, "description": "d", "source": "s", **changes}


# --- deep JSON ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["token", "feedback", "findings", "transitions"])
def test_a_body_nested_1000_deep_is_a_400_not_a_server_error(world, where):
    notice = drive(world, world.ticket(), TicketState.EXPLAINED)
    target = {
        "token": (None, "/api/v1/auth/token/", "username"),
        "feedback": (None, f"/api/v1/public/notices/{notice.pk}/feedback/", "comment"),
        "findings": (world.assessor, "/api/v1/findings/", "description"),
        "transitions": (world.officer_a, f"/api/v1/tickets/{world.ticket().pk}/transitions/", "measures"),
    }
    user, url, field = target[where]
    body = deep_body(field, 1000)
    assert len(body) < 2100
    response = token_client(user).post(url, body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "too_deep"
    assert response.json()["errors"]["non_field_errors"]


def test_a_body_at_the_depth_limit_is_read_and_one_level_more_is_not(world):
    client = token_client(world.assessor)
    at_limit = json.dumps(finding_body(world, co_units=nested(bounds.MAX_BODY_DEPTH - 1)))
    refused = client.post("/api/v1/findings/", at_limit, content_type="application/json")
    assert (refused.status_code, refused.json()["code"]) == (400, "invalid")  # read, then refused by field
    too_deep = json.dumps(finding_body(world, co_units=nested(bounds.MAX_BODY_DEPTH)))
    response = client.post("/api/v1/findings/", too_deep, content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (400, "too_deep")


def test_brackets_inside_strings_do_not_count_as_depth(world):
    body = json.dumps(finding_body(world, description="[" * 5000 + '{"' + "]" * 10))
    response = token_client(world.assessor).post("/api/v1/findings/", body, content_type="application/json")
    assert response.status_code == 201, response.content
    assert Finding.objects.get(pk=response.json()["id"]).description.startswith("[" * 5000)


@pytest.mark.parametrize("text", ["nul \x00 inside", "lone \ud800 surrogate", "\udfff"])
def test_text_no_column_can_store_is_a_400_not_a_server_error(world, text):
    body = json.dumps(finding_body(world, description=text))  # ensure_ascii: the surrogate travels as an escape
    response = token_client(world.assessor).post("/api/v1/findings/", body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert not Finding.objects.exists()


# --- far dates ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("due_on", ["9999-12-31", "0001-01-01", "2199-12-31"])
def test_a_finding_due_beyond_the_date_window_is_refused_by_field(world, due_on):
    response = token_client(world.assessor).post("/api/v1/findings/", finding_body(world, due_on=due_on))
    assert response.status_code == 400, response.content
    assert (response.json()["code"], list(response.json()["errors"])) == ("invalid", ["due_on"])
    assert not Ticket.objects.exists()


def test_the_date_window_edges_are_accepted_and_one_day_past_them_refused(world):
    first, last = bounds.date_window()
    client = token_client(world.assessor)
    assert client.post("/api/v1/findings/", finding_body(world, due_on=str(last))).status_code == 201
    past = client.post("/api/v1/findings/", finding_body(world, due_on=str(last + dt.timedelta(days=1))))
    assert past.status_code == 400
    assert client.post("/api/v1/findings/", finding_body(world, found_on=str(first))).status_code == 201
    early = client.post("/api/v1/findings/", finding_body(world, found_on=str(first - dt.timedelta(days=1))))
    assert early.status_code == 400


def test_a_far_deadline_cannot_make_a_ticket_immovable(world):
    """The accepted far deadline used to 500 every accept; now it is refused up front, and a ticket stored with one
    (written before the bound) is refused with a typed 400 and stays as it was."""
    client = token_client(world.head_a)
    stored = world.ticket(due_on=dt.date(9999, 12, 31))
    accept = {
        "transition": "accept",
        "version": 1,
        "measures": "m",
        "goal": "g",
        "responsible_person": "p",
        "target_date": str(calendar.add_workdays(clocks.today(), 5)),
    }
    response = client.post(f"/api/v1/tickets/{stored.pk}/transitions/", accept, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "date_out_of_range")
    assert Ticket.objects.get(pk=stored.pk).state == TicketState.ASSIGNED

    ticket = drive(world, world.ticket(), TicketState.RECTIFYING)
    far = client.post(
        f"/api/v1/tickets/{ticket.pk}/extension-requests/",
        {"requested_deadline": "9999-12-31", "reason": "r"},
        format="json",
    )
    assert (far.status_code, list(far.json()["errors"])) == (400, ["requested_deadline"])
    assert not ExtensionRequest.objects.exists()


def test_an_extension_pending_to_a_far_date_is_answered_not_left_pending(world):
    ticket = drive(world, world.ticket(), TicketState.RECTIFYING)
    pending = services.extension_request(
        ticket_id=ticket.pk, actor=world.officer_a, requested_deadline=dt.date(9999, 12, 31), reason="r"
    )
    client = token_client(world.supervisor)
    approve = client.post(f"/api/v1/extension-requests/{pending.pk}/decision/", {"approve": True}, format="json")
    assert (approve.status_code, approve.json()["code"]) == (400, "date_out_of_range")
    reject = client.post(
        f"/api/v1/extension-requests/{pending.pk}/decision/", {"approve": False, "reason": "太远"}, format="json"
    )
    assert reject.status_code == 200
    assert ExtensionRequest.objects.get(pk=pending.pk).state == "rejected"


# --- ids ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [("unit", 8.7), ("indicator", 1.5), ("unit", 1.0), ("unit", True), ("unit", "8.7"), ("unit", 2**63), ("unit", 0)],
)
def test_an_id_that_is_not_a_whole_number_in_range_is_a_400_never_truncated(world, field, value):
    body = finding_body(world, **{field: value})
    response = token_client(world.assessor).post("/api/v1/findings/", json.dumps(body), content_type="application/json")
    assert response.status_code == 400, response.content
    assert list(response.json()["errors"]) == [field]
    assert not Finding.objects.exists()


def test_an_id_given_as_its_digits_is_read_as_that_id(world):
    body = finding_body(world, unit=str(world.dept_a.pk), co_units=[str(world.dept_b.pk)])
    response = token_client(world.assessor).post("/api/v1/findings/", body, format="json")
    assert response.status_code == 201
    ticket = Ticket.objects.get(finding_id=response.json()["id"])
    assert (ticket.lead_unit_id, [u.pk for u in ticket.co_units.all()]) == (world.dept_a.pk, [world.dept_b.pk])


def test_a_reassignment_to_a_fractional_unit_id_is_refused(world):
    ticket = world.ticket()
    body = {"transition": "reassign", "version": 1, "unit": world.dept_b.pk + 0.5, "reason": "r"}
    response = token_client(world.supervisor).post(f"/api/v1/tickets/{ticket.pk}/transitions/", body, format="json")
    assert (response.status_code, list(response.json()["errors"])) == (400, ["unit"])
    assert Ticket.objects.get(pk=ticket.pk).lead_unit_id == world.dept_a.pk


# --- filters -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("/api/v1/tickets/", {"overdue": "maybe"}),
        ("/api/v1/tickets/", {"listed": "yes please"}),
        ("/api/v1/tickets/", {"overdue": "2"}),
        ("/api/v1/findings/", {"recurring": "perhaps"}),
        ("/api/v1/indicators/", {"is_key": "nope"}),
        ("/api/v1/tickets/", {"due_before": "2025-02-30"}),
        ("/api/v1/tickets/", {"unit": "8.7"}),
        ("/api/v1/tickets/", {"severity": "apocalyptic"}),
        ("/api/v1/extension-requests/", {"state": "limbo"}),
        ("/api/v1/pause-requests/", {"ticket": str(2**63)}),
        ("/api/v1/units/", {"kind": "galaxy"}),
        ("/api/v1/public/notices/", {"state": "assigned"}),
    ],
)
def test_a_filter_refuses_a_value_it_cannot_read(world, url, params):
    world.ticket()
    response = token_client(world.supervisor).get(url, params)
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid"
    assert set(response.json()["errors"]) == set(params)


def test_boolean_filters_read_true_false_one_and_zero(world):
    ticket = world.ticket()
    client = token_client(world.supervisor)
    for value, ids in [("true", []), ("TRUE", []), ("0", [ticket.pk]), ("false", [ticket.pk])]:
        response = client.get("/api/v1/tickets/", {"overdue": value})
        assert response.status_code == 200, (value, response.content)
        assert [row["id"] for row in response.json()["results"]] == ids, value


@pytest.mark.parametrize(
    "query", ["overdue=", "due_before=", "state=", "state=assigned&state=", "unit=", "severity=", "class="]
)
def test_an_empty_value_for_a_typed_filter_is_refused_not_ignored(world, query):
    world.ticket()
    response = token_client(world.supervisor).get(f"/api/v1/tickets/?{query}")
    assert response.status_code == 400, response.content
    assert list(response.json()["errors"]) == [query.split("=")[0]]
    assert token_client(world.supervisor).get("/api/v1/tickets/?q=").status_code == 200  # text may be empty


@pytest.mark.parametrize("query", ["within=", "within=3&within=", "within=x"])
def test_the_scorecards_refuse_a_unit_they_cannot_read(world, query):
    response = token_client(world.supervisor).get(f"/api/v1/stats/units/?{query}")
    assert (response.status_code, list(response.json()["errors"])) == (400, ["within"])


@pytest.mark.parametrize(("value", "status"), [("true", 200), ("0", 200), ("maybe", 400), ("", 400)])
def test_the_inbox_reads_its_unread_filter_as_strictly(world, value, status):
    response = token_client(world.officer_a).get("/api/v1/notifications/", {"unread": value})
    assert response.status_code == status, response.content
    if status == 400:
        assert list(response.json()["errors"]) == ["unread"]


# --- errors in both languages ------------------------------------------------------------------------------------


def test_bound_errors_are_translated(world):
    client = token_client(world.assessor)
    body = finding_body(world, due_on="9999-12-31")
    english = client.post("/api/v1/findings/", body, HTTP_ACCEPT_LANGUAGE="en").json()["errors"]["due_on"][0]
    chinese = client.post("/api/v1/findings/", body, HTTP_ACCEPT_LANGUAGE="zh-hans").json()["errors"]["due_on"][0]
    assert english.startswith("Enter a date from")
    assert chinese != english and "日期" in chinese
    deep = deep_body("username", 100)
    with translation.override("zh-hans"):
        detail = token_client().post(
            "/api/v1/auth/token/", deep, content_type="application/json", HTTP_ACCEPT_LANGUAGE="zh-hans"
        )
    assert "层" in detail.json()["detail"]


# --- the database away -------------------------------------------------------------------------------------------


def test_a_lost_database_connection_is_a_typed_503(world, monkeypatch):
    ticket = world.ticket()

    def connection_lost(**kwargs):
        raise OperationalError("terminating connection due to administrator command")

    monkeypatch.setitem(services.TRANSITION_SERVICES, "withdraw", connection_lost)
    body = {"transition": "withdraw", "version": 1, "reason": "误登"}
    response = token_client(world.supervisor).post(f"/api/v1/tickets/{ticket.pk}/transitions/", body, format="json")
    assert response.status_code == 503
    assert response.json()["code"] == "unavailable" and response.json()["detail"]
    assert response["Retry-After"]
    assert list(TicketEvent.objects.filter(ticket=ticket).values_list("kind", flat=True)) == ["created"]


def test_a_pause_request_body_out_of_bounds_changes_nothing(world):
    ticket = drive(world, world.ticket(), TicketState.RECTIFYING)
    url = f"/api/v1/tickets/{ticket.pk}/pause-requests/"
    response = token_client(world.officer_a).post(url, {"reason": "r", "version": 2**31}, format="json")
    assert (response.status_code, list(response.json()["errors"])) == (400, ["version"])
    assert not ticket.pause_requests.exists()
