"""The public portal: published explanations only, nothing internal, feedback held to its throttle."""

import json
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
import time_machine
from django.core.servers.basehttp import ThreadedWSGIServer
from django.db import connections
from django.test.testcases import LiveServerThread
from rest_framework.test import APIClient

from tests.api.conftest import token_client
from tests.factories import drive, make_world, notice_over
from tracker import services
from tracker.models import Feedback, Ticket
from workflows.machine import TicketState

S = TicketState


@pytest.fixture
def rates(settings):
    def set_rates(**rates: str) -> None:
        framework = dict(settings.REST_FRAMEWORK)
        framework["DEFAULT_THROTTLE_RATES"] = {**framework["DEFAULT_THROTTLE_RATES"], **rates}
        settings.REST_FRAMEWORK = framework

    return set_rates


def published_and_not(world) -> dict[str, Ticket]:
    tickets = {state: world.ticket() for state in ("assigned", "rectifying", "explained", "withdrawn")}
    tickets["rectifying"] = drive(world, tickets["rectifying"], S.RECTIFYING)
    tickets["explained"] = drive(world, tickets["explained"], S.EXPLAINED)
    tickets["withdrawn"] = drive(world, tickets["withdrawn"], S.WITHDRAWN)
    for state in ("verified", "closed", "reopened"):
        ticket = drive(world, world.ticket(), S.EXPLAINED)
        with time_machine.travel(notice_over(ticket), tick=False):
            ticket = drive(world, ticket, S.CLOSED if state == "reopened" else state)
            if state == "reopened":
                ticket = services.ticket_reopen(
                    ticket_id=ticket.pk, actor=world.supervisor, version=ticket.version, reason="复查"
                )
        tickets[state] = ticket
    return tickets


def test_only_published_explanations_exist_for_the_public(world):
    tickets = published_and_not(world)
    public = token_client()
    listed = {row["id"] for row in public.get("/api/v1/public/notices/").json()["results"]}
    assert listed == {tickets[s].pk for s in ("explained", "verified", "closed")}
    for state, ticket in tickets.items():
        detail = public.get(f"/api/v1/public/notices/{ticket.pk}/")
        feedback = public.post(f"/api/v1/public/notices/{ticket.pk}/feedback/", {"rating": "satisfied"}, format="json")
        if state in ("explained", "verified", "closed"):
            assert (detail.status_code, detail.json()["state"], feedback.status_code) == (200, state, 201)
        else:
            assert (detail.status_code, feedback.status_code) == (404, 404), state
    assert Feedback.objects.count() == 3


def test_a_notice_shows_what_was_done_and_nothing_internal(world):
    ticket = world.ticket(responsible_person="陈局长", lead_official="王副市长")
    services.ticket_accept(
        ticket_id=ticket.pk,
        actor=world.head_a,
        version=1,
        measures="内部措施：约谈施工单位负责人",
        goal="内部目标",
        responsible_person="陈局长",
        target_date=ticket.due_on,
        contact_phone="13800000000",
    )
    ticket = drive(world, Ticket.objects.get(pk=ticket.pk), S.EXPLAINED)
    response = token_client().get(f"/api/v1/public/notices/{ticket.pk}/")
    notice = response.json()
    assert set(notice) == {
        "id",
        "number",
        "state",
        "unit",
        "finding",
        "rectification_class",
        "explanation",
        "closure_plan",
        "closure_plan_date",
        "assigned_on",
        "due_on",
        "published_on",
        "closed_on",
    }
    assert notice["unit"] == {"name": "生态环境局"}
    assert notice["finding"]["summary"] == "扬尘管控台账缺失"
    assert notice["explanation"] == "已整改"
    text = response.content.decode()
    for internal in ("陈局长", "王副市长", "13800000000", "内部措施", "head_a", "officer_a", "assessor", "report.pdf"):
        assert internal not in text


def test_feedback_is_stored_without_the_clients_address_and_leaves_the_version(world):
    ticket = drive(world, world.ticket(), S.EXPLAINED)
    client = token_client()
    response = client.post(
        f"/api/v1/public/notices/{ticket.pk}/feedback/",
        {"rating": "basically_satisfied", "comment": "路面干净多了"},
        format="json",
        REMOTE_ADDR="198.51.100.23",
    )
    assert response.status_code == 201
    assert response.json()["rating"] == "basically_satisfied"
    stored = Feedback.objects.get()
    assert stored.client and "198.51.100.23" not in stored.client
    assert Ticket.objects.get(pk=ticket.pk).version == ticket.version


class WideBacklogServer(ThreadedWSGIServer):
    request_queue_size = 128  # fifty connections opened at once must all wait their turn, none be reset


class BurstServerThread(LiveServerThread):
    server_class = WideBacklogServer


@pytest.fixture
def burst_server(transactional_db):
    """A threaded HTTP server on the test database, for requests that arrive truly in parallel."""

    def closing_connections(handler):
        # Each request runs in a thread of its own; close its database connection when it is done, so none is
        # left open when the test database is dropped.
        def application(environ, start_response):
            try:
                return handler(environ, start_response)
            finally:
                connections.close_all()

        return application

    thread = BurstServerThread("127.0.0.1", static_handler=closing_connections)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    yield f"http://127.0.0.1:{thread.port}"
    thread.terminate()


@pytest.mark.postgres  # fifty request threads need a database server they can all reach
def test_a_burst_of_parallel_feedback_is_held_to_the_limit_whatever_x_forwarded_for_says(burst_server, rates):
    rates(feedback="30/hour", feedback_notice="5/day")
    world = make_world()
    notice = drive(world, world.ticket(), S.EXPLAINED)
    url = f"{burst_server}/api/v1/public/notices/{notice.pk}/feedback/"
    start = threading.Barrier(50)

    def submit(i: int) -> int:
        request = urllib.request.Request(
            url,
            data=json.dumps({"rating": "dissatisfied"}).encode(),
            headers={"Content-Type": "application/json", "X-Forwarded-For": f"10.{i}.0.1"},
            method="POST",
        )
        start.wait()
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as refused:
            return refused.code

    with ThreadPoolExecutor(max_workers=50) as pool:
        statuses = list(pool.map(submit, range(50)))
    assert sorted(statuses) == [201] * 5 + [429] * 45
    assert Feedback.objects.filter(ticket=notice).count() == 5


def test_x_forwarded_for_counts_only_when_a_trusted_proxy_is_configured(world, rates, settings):
    rates(feedback="2/hour", feedback_notice="2/day")
    first, second = (drive(world, world.ticket(), S.EXPLAINED) for _ in range(2))
    client = token_client()

    def post(ticket, forwarded: str) -> int:
        url = f"/api/v1/public/notices/{ticket.pk}/feedback/"
        return client.post(url, {"rating": "satisfied"}, format="json", HTTP_X_FORWARDED_FOR=forwarded).status_code

    # No proxy trusted: every header is the client's own writing; the socket address is throttled.
    assert [post(first, f"203.0.113.{i}") for i in range(3)] == [201, 201, 429]
    # One proxy of ours appends the address it saw: that address is the client, whatever came before it.
    settings.TRUSTED_PROXY_COUNT = 1
    assert [post(first, f"203.0.113.{i}") for i in range(10, 13)] == [201, 201, 201]
    assert [post(second, f"forged-{i}, 198.51.100.7") for i in range(3)] == [201, 201, 429]
    response = client.post(
        f"/api/v1/public/notices/{second.pk}/feedback/",
        {"rating": "satisfied"},
        format="json",
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert response.json()["code"] == "throttled"


def test_password_guessing_on_the_token_endpoint_is_throttled(world, rates):
    rates(auth="3/minute")
    client = token_client()
    attempts = [
        client.post("/api/v1/auth/token/", {"username": "officer_a", "password": f"guess-{i}"}, format="json")
        for i in range(4)
    ]
    assert [a.status_code for a in attempts] == [400, 400, 400, 429]
    assert list(attempts[0].json()["errors"]) == ["non_field_errors"]


def test_a_token_signs_the_caller_in(world):
    client = token_client()
    response = client.post(
        "/api/v1/auth/token/", {"username": "officer_a", "password": "pw-for-tests-1"}, format="json"
    )
    assert response.status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    me = client.get("/api/v1/me/").json()
    assert (me["username"], me["memberships"], me["roles"], me["is_admin"]) == (
        "officer_a",
        [{"unit": {"id": world.dept_a.pk, "name": "生态环境局", "code": "C-EE"}, "role": "officer"}],
        ["officer"],
        False,
    )
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert client.get("/api/v1/me/").status_code == 401


def test_a_session_signs_the_caller_in_and_writes_need_its_csrf_token(world):
    ticket = world.ticket()
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.officer_a)
    assert client.get("/api/v1/me/").json()["username"] == "officer_a"
    body = {"transition": "withdraw", "version": 1, "reason": "x"}
    refused = client.post(f"/api/v1/tickets/{ticket.pk}/transitions/", body, format="json")
    assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")
    assert Ticket.objects.get(pk=ticket.pk).version == 1
