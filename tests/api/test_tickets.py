"""Findings, the ledger, one ticket and its transitions through the API."""

import datetime as dt

import pytest

from tests.api.conftest import token_client
from tests.api.scene import cast
from tests.factories import drive, plan_kwargs
from tracker import services
from tracker.models import Ticket, TicketEvent
from tracker.selectors import may_see, tickets_visible_to
from workflows import calendar, clocks
from workflows.machine import TicketState
from workflows.models import Policy, RectificationClass


def accept_body(ticket: Ticket, **overrides) -> dict:
    plan = plan_kwargs(ticket)
    return {
        "transition": "accept",
        "version": ticket.version,
        **plan,
        "target_date": str(plan["target_date"]),
        **overrides,
    }


def fire(user, ticket: Ticket, body: dict):
    return token_client(user).post(f"/api/v1/tickets/{ticket.pk}/transitions/", body, format="json")


def test_logging_a_finding_assigns_its_ticket_with_the_policy_deadline(world):
    body = {
        "indicator": world.indicator.pk,
        "unit": world.dept_a.pk,
        "description": "污水管网台账缺失",
        "source": "市考核办",
        "severity": "serious",
        "rectification_class": RectificationClass.TIME_LIMITED,
    }
    response = token_client(world.assessor).post("/api/v1/findings/", body, format="json")
    assert response.status_code == 201, response.json()
    finding = response.json()
    assert (finding["unit"]["id"], finding["severity"], finding["found_by"]) == (world.dept_a.pk, "serious", "assessor")
    [ticket] = finding["tickets"]
    policy = Policy.for_ticket(RectificationClass.TIME_LIMITED, "serious")
    today = clocks.today()
    assert ticket["state"] == TicketState.ASSIGNED
    assert ticket["stage_deadline"] == str(calendar.add_workdays(today, policy.sign_days))
    assert ticket["due_on"] == str(calendar.add_workdays(today, policy.sign_days + policy.rectify_days))
    assert token_client(world.officer_a).get(f"/api/v1/findings/{finding['id']}/").status_code == 200


def test_a_transition_answers_with_the_new_ticket(world):
    ticket = world.ticket()
    response = fire(world.head_a, ticket, accept_body(ticket))
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["state"], body["version"], body["measures"]) == (TicketState.RECTIFYING, 2, "排查并整改")
    assert (body["stage_deadline"], body["plan_signed_by"]) == (str(ticket.due_on), "head_a")
    assert [t["name"] for t in body["available_transitions"]] == ["explain"]
    officer = token_client(world.officer_a).get(f"/api/v1/tickets/{ticket.pk}/").json()
    assert [t["name"] for t in officer["available_transitions"]] == []  # explain is the head's


def test_available_transitions_are_the_callers_own_with_the_fields_each_needs(world):
    ticket = world.ticket()
    names = {
        role: [
            t["name"]
            for t in token_client(getattr(world, role))
            .get(f"/api/v1/tickets/{ticket.pk}/")
            .json()["available_transitions"]
        ]
        for role in ("officer_a", "head_a", "assessor", "supervisor", "admin")
    }
    assert names == {
        "officer_a": ["submit_plan", "return_ticket"],
        "head_a": ["submit_plan", "accept", "return_ticket"],
        "assessor": ["reassign"],
        "supervisor": ["reassign", "withdraw"],
        "admin": [],
    }
    offered = token_client(world.head_a).get(f"/api/v1/tickets/{ticket.pk}/").json()["available_transitions"]
    [accept] = [t for t in offered if t["name"] == "accept"]
    # Each part of the plan may be left out to keep what the submitted plan says; the service names what is missing.
    fields = {f["name"]: (f["type"], f["required"]) for f in accept["fields"]}
    assert fields == {
        "measures": ("string", False),
        "goal": ("string", False),
        "responsible_person": ("string", False),
        "target_date": ("date", False),
        "milestones": ("list", False),
        "contact_phone": ("string", False),
    }


def test_a_stale_version_is_a_409_that_says_what_is_current_and_changes_nothing(world):
    ticket = world.ticket()
    response = fire(world.head_a, ticket, accept_body(ticket, version=ticket.version + 5))
    assert response.status_code == 409
    assert response.json() == {
        "code": "stale_version",
        "detail": response.json()["detail"],
        "state": "assigned",
        "version": 1,
        "available_transitions": ["submit_plan", "accept", "return_ticket"],
    }
    assert Ticket.objects.get(pk=ticket.pk).version == 1
    assert TicketEvent.objects.filter(ticket=ticket).count() == 1


def test_a_transition_from_the_wrong_state_is_a_409_invalid_transition(world):
    ticket = drive(world, world.ticket(), TicketState.RECTIFYING)
    response = fire(world.head_a, ticket, accept_body(ticket))
    assert response.status_code == 409
    body = response.json()
    assert (body["code"], body["state"], body["version"], body["available_transitions"]) == (
        "invalid_transition",
        "rectifying",
        ticket.version,
        ["explain"],
    )


def test_a_request_colliding_with_the_tickets_situation_is_a_409_conflict(world):
    ticket = drive(world, world.ticket(), TicketState.RECTIFYING)
    client = token_client(world.officer_a)
    body = {"requested_deadline": str(calendar.add_workdays(ticket.due_on, 10)), "reason": "采购周期长"}
    assert client.post(f"/api/v1/tickets/{ticket.pk}/extension-requests/", body, format="json").status_code == 201
    again = client.post(f"/api/v1/tickets/{ticket.pk}/extension-requests/", body, format="json")
    assert again.status_code == 409
    assert (again.json()["code"], again.json()["state"]) == ("conflict", "rectifying")


def test_missing_fields_and_refused_values_are_400s_by_field(world):
    ticket = world.ticket()
    missing = fire(world.head_a, ticket, {"transition": "accept", "version": 1, "goal": "g"})
    assert missing.status_code == 400
    assert missing.json()["code"] == "invalid"
    assert set(missing.json()["errors"]) == {"measures", "responsible_person", "target_date"}
    too_late = fire(world.head_a, ticket, accept_body(ticket, target_date=str(ticket.due_on + dt.timedelta(days=1))))
    assert too_late.status_code == 400
    assert set(too_late.json()["errors"]) == {"target_date"}
    milestone = accept_body(ticket, milestones=[{"title": "", "due_on": "2026-13-01"}])
    nested = fire(world.head_a, ticket, milestone)
    assert set(nested.json()["errors"]) == {"milestones.0.title", "milestones.0.due_on"}
    assert Ticket.objects.get(pk=ticket.pk).state == TicketState.ASSIGNED


def test_a_ticket_the_caller_may_not_see_looks_exactly_like_one_that_does_not_exist(world):
    ticket = world.ticket()
    outsider = token_client(world.officer_b)
    missing = Ticket.objects.order_by("-pk").first().pk + 1000
    for suffix, method, body in [
        ("", "get", None),
        ("events/", "get", None),
        ("transitions/", "post", accept_body(ticket)),
        ("progress/", "post", {"text": "x", "percent": 1}),
        ("extension-requests/", "post", {"requested_deadline": "2030-01-01", "reason": "r"}),
    ]:
        hidden = getattr(outsider, method)(f"/api/v1/tickets/{ticket.pk}/{suffix}", body, format="json")
        absent = getattr(outsider, method)(f"/api/v1/tickets/{missing}/{suffix}", body, format="json")
        assert (hidden.status_code, hidden.json()) == (absent.status_code, absent.json()) == (404, absent.json())


def test_events_are_the_history_oldest_first(world):
    ticket = drive(world, world.ticket(), TicketState.EXPLAINED)
    rows = token_client(world.supervisor).get(f"/api/v1/tickets/{ticket.pk}/events/").json()["results"]
    assert [(r["kind"], r["version"]) for r in rows] == [
        ("created", 1),
        ("accept", 2),
        ("evidence", 3),
        ("explain", 4),
    ]
    assert rows[1]["actor"] == "head_a"


def test_filters_narrow_the_ledger(world):
    a = world.ticket()
    b = world.ticket(unit=world.dept_b, severity="severe", klass=RectificationClass.LONG_TERM, description="供暖投诉")
    c = drive(world, world.ticket(unit=world.county_dept, document_number="临考〔2025〕7号"), TicketState.RECTIFYING)
    late = world.ticket(due_on=calendar.add_workdays(clocks.today(), 2))
    Ticket.objects.filter(pk=late.pk).update(stage_deadline=clocks.today() - dt.timedelta(days=3))
    client = token_client(world.supervisor)

    def ids(**params) -> set[int]:
        response = client.get("/api/v1/tickets/", params)
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    assert ids() == {a.pk, b.pk, c.pk, late.pk}
    assert ids(state="rectifying") == {c.pk}
    assert ids(unit=world.dept_b.pk) == {b.pk}
    assert ids(within=world.county.pk) == {c.pk}
    assert ids(**{"class": "long_term"}) == {b.pk}
    assert ids(severity="severe") == {b.pk}
    assert ids(appraisal=world.indicator.appraisal_id, dimension="green") == {a.pk, b.pk, c.pk, late.pk}
    assert ids(dimension="innovation") == set()
    assert ids(overdue="true") == {late.pk}
    assert ids(overdue="false") == {a.pk, b.pk, c.pk}
    assert ids(warning="red") == {late.pk}
    assert ids(due_before=str(late.due_on)) == {late.pk}
    assert ids(due_after=str(late.due_on + dt.timedelta(days=1))) == {a.pk, b.pk, c.pk}
    assert ids(q="供暖") == {b.pk}
    assert ids(q="〔2025〕7") == {c.pk}
    assert ids(q=c.number) == {c.pk}


@pytest.mark.parametrize("ordering", ["due_on", "-due_on", "id", "-id", "assigned_on", "-assigned_on"])
def test_pages_walk_every_ticket_once_in_order_even_when_keys_repeat(world, ordering):
    made = [world.ticket(due_on=calendar.add_workdays(clocks.today(), 20 + i % 2)) for i in range(7)]
    client = token_client(world.supervisor)
    pages, page = [], client.get("/api/v1/tickets/", {"ordering": ordering, "page_size": 2})
    while True:
        pages.append([row["id"] for row in page.json()["results"]])
        if not page.json()["next"]:
            break
        page = client.get(page.json()["next"])
    field = ordering.lstrip("-")
    key = {t.pk: (getattr(t, field) if field != "id" else t.pk, t.pk) for t in made}
    expected = sorted(key, key=key.get, reverse=ordering.startswith("-"))
    assert [pk for p in pages for pk in p] == expected
    assert [len(p) for p in pages] == [2, 2, 2, 1]
    back = []
    while page.json()["previous"]:
        page = client.get(page.json()["previous"])
        back.append([row["id"] for row in page.json()["results"]])
    assert back == pages[-2::-1]


def test_the_ledger_and_a_ticket_cost_a_fixed_number_of_queries(world, django_assert_num_queries):
    client = token_client(world.supervisor)
    first = drive(world, world.ticket(), TicketState.RECTIFYING)
    client.get("/api/v1/tickets/")  # warm the per-process policy and calendar caches
    client.get(f"/api/v1/tickets/{first.pk}/")
    # token + memberships + the units the supervisor oversees + the page (warning colours come from the clock,
    # policies from the process's cache)
    with django_assert_num_queries(4):
        assert len(client.get("/api/v1/tickets/", {"state": "rectifying"}).json()["results"]) == 1
    for _ in range(6):
        ticket = world.ticket(co_units=[world.dept_b, world.county_dept])
        services.ticket_accept(
            ticket_id=ticket.pk,
            actor=world.head_a,
            version=1,
            **plan_kwargs(ticket),
            milestones=[("排查", ticket.due_on), ("整改", ticket.due_on)],
        )
    with django_assert_num_queries(4):
        assert len(client.get("/api/v1/tickets/", {"state": "rectifying"}).json()["results"]) == 7
    officer = token_client(world.officer_a)
    with django_assert_num_queries(3):  # an officer oversees no subtree
        assert len(officer.get("/api/v1/tickets/", {"state": "rectifying"}).json()["results"]) == 7
    # token + memberships + the ticket + its co-units + its milestones
    with django_assert_num_queries(5):
        body = client.get(f"/api/v1/tickets/{ticket.pk}/").json()
    assert (len(body["co_units"]), len(body["milestones"])) == (2, 2)
    # a ticket without co-units or milestones: the row says so, and neither is asked for
    with django_assert_num_queries(3):
        body = client.get(f"/api/v1/tickets/{first.pk}/").json()
    assert (body["co_units"], body["milestones"]) == ([], [])


def test_one_ticket_is_visible_exactly_when_it_is_in_the_callers_scope(world):
    """The detail's check on a fetched row (may_see) and the ledger's SQL scope agree, for every role and ticket."""
    users = cast(world)
    tickets = [
        world.ticket(unit=world.dept_a),
        world.ticket(unit=world.dept_b, co_units=[world.county_dept]),
        world.ticket(unit=world.county_dept),
        world.ticket(unit=world.county, co_units=[world.dept_a, world.dept_b]),
    ]
    for role, user in users.items():
        if user is None:
            continue
        scoped = set(tickets_visible_to(user).values_list("pk", flat=True))
        assert {t.pk for t in tickets if may_see(user, Ticket.objects.get(pk=t.pk))} == scoped, role
