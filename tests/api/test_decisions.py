"""/api/v1/decisions/: the scoped list and its filters, one decision with its steps, taking them, the chain's events
and the public register without personal data."""

import pytest

from tests.api.conftest import token_client
from tests.tracker.decision_world import accountability, add_bodies, drive_decision, fault_tolerance
from tracker.models import Decision, DecisionEvent
from workflows.decisions import DecisionKind, DecisionState

D = DecisionState


@pytest.fixture
def bodies(world):
    return add_bodies(world)


def test_the_list_shows_each_caller_their_own_scope_and_filters_by_kind_state_and_unit(bodies):
    world = bodies
    first = accountability(world)
    tolerance = fault_tolerance(world)
    about_unit = accountability(world, person=False)

    def ids(user, **query):
        response = token_client(user).get("/api/v1/decisions/", query)
        assert response.status_code == 200
        return [row["id"] for row in response.json()["results"]]

    assert ids(world.discipline) == [about_unit.pk, tolerance.pk, first.pk]
    assert ids(world.discipline, kind="fault_tolerance") == [tolerance.pk]
    assert ids(world.discipline, state="opened") == [about_unit.pk, first.pk]
    assert ids(world.discipline, unit=world.dept_b.pk) == []
    assert ids(world.head_a) == [about_unit.pk]
    assert ids(world.officer_b) == []
    response = token_client(world.discipline).get("/api/v1/decisions/", {"kind": "nonsense"})
    assert (response.status_code, response.json()["code"]) == (400, "invalid")


def test_a_decision_out_of_scope_does_not_exist(bodies):
    decision = accountability(bodies)
    for path in ("", "events/"):
        response = token_client(bodies.officer_b).get(f"/api/v1/decisions/{decision.pk}/{path}")
        assert (response.status_code, response.json()["code"]) == (404, "not_found")
    response = token_client(bodies.officer_b).post(
        f"/api/v1/decisions/{decision.pk}/transitions/", {"transition": "investigate", "version": 1}
    )
    assert response.status_code == 404


def test_an_accountability_runs_through_the_api_and_each_step_shows_what_comes_next(bodies):
    world = bodies
    discipline, subject = token_client(world.discipline), token_client(world.officer_a)
    ticket = world.ticket()
    response = token_client(world.supervisor).post(
        "/api/v1/decisions/",
        {
            "kind": "accountability",
            "subject_kind": "person",
            "subject_unit": world.dept_a.pk,
            "subject_user": world.officer_a.pk,
            "subject_name": "王某",
            "subject_position": "科长",
            "facts": "整改逾期",
            "tickets": [ticket.pk],
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    pk = body["id"]
    assert (body["state"], body["tickets"], body["available_transitions"]) == ("opened", [ticket.number], [])
    steps = [
        (discipline, {"transition": "investigate"}),
        (discipline, {"transition": "request_statement", "facts_told": "经查属实"}),
        (subject, {"transition": "file_statement", "statement": "确有延误"}),
        (discipline, {"transition": "decide", "measures": ["person_notice"], "deciding_body": "市纪委常委会"}),
        (subject, {"transition": "appeal", "grounds": "不服"}),
    ]
    version = body["version"]
    for client, step in steps:
        detail = client.get(f"/api/v1/decisions/{pk}/").json()
        assert step["transition"] in [t["name"] for t in detail["available_transitions"]]
        response = client.post(f"/api/v1/decisions/{pk}/transitions/", {**step, "version": version})
        assert response.status_code == 200, response.json()
        version = response.json()["version"]
    final = response.json()
    assert (final["state"], final["appeal_state"], final["measures"]) == ("enforcing", "pending", ["person_notice"])
    events = discipline.get(f"/api/v1/decisions/{pk}/events/").json()["results"]
    assert [e["kind"] for e in events] == [
        "opened",
        "investigate",
        "request_statement",
        "file_statement",
        "decide",
        "appeal",
    ]
    assert all(later["prev_hash"] == earlier["hash"] for earlier, later in zip(events, events[1:], strict=False))


def test_refusals_are_typed_and_a_conflict_says_what_is_possible_now(bodies):
    world = bodies
    decision = accountability(world)
    url = f"/api/v1/decisions/{decision.pk}/transitions/"
    response = token_client(world.officer_a).post(url, {"transition": "investigate", "version": 1})
    assert (response.status_code, response.json()["code"]) == (403, "forbidden")
    response = token_client(world.discipline).post(url, {"transition": "decide", "version": 1, "measures": [],
                                                         "deciding_body": "x"})  # fmt: skip
    assert response.status_code == 400
    response = token_client(world.discipline).post(
        url, {"transition": "decide", "version": 1, "measures": ["person_notice"], "deciding_body": "市纪委"}
    )
    body = response.json()
    assert (response.status_code, body["code"], body["state"]) == (409, "invalid_transition", "opened")
    assert body["available_transitions"] == ["investigate"]
    response = token_client(world.discipline).post(url, {"transition": "investigate", "version": 7})
    assert (response.status_code, response.json()["code"]) == (409, "stale_version")
    assert Decision.objects.get(pk=decision.pk).version == 1
    assert DecisionEvent.objects.filter(decision=decision).count() == 1


def test_the_public_register_lists_published_decisions_without_personal_data(bodies):
    world = bodies
    decision = drive_decision(world, DecisionKind.ACCOUNTABILITY, D.ENFORCING)
    unpublished = drive_decision(world, DecisionKind.ACCOUNTABILITY, D.ENFORCING)
    token_client(world.discipline).post(
        f"/api/v1/decisions/{decision.pk}/transitions/",
        {"transition": "publish", "version": decision.version, "notice": "通报"},
    )
    response = token_client().get("/api/v1/public/decisions/")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [decision.pk]
    assert unpublished.pk not in [row["id"] for row in rows]
    text = response.content.decode()
    for personal in ("王某", "科长", "officer_a", "statement", "确有延误"):
        assert personal not in text
    assert rows[0]["unit"] == world.dept_a.name


def test_a_decision_revoked_on_appeal_comes_off_the_public_register(bodies):
    world = bodies
    decision = drive_decision(world, DecisionKind.ACCOUNTABILITY, D.ENFORCING)
    url = f"/api/v1/decisions/{decision.pk}/transitions/"
    body = token_client(world.discipline).post(url, {"transition": "publish", "version": decision.version}).json()
    assert [row["id"] for row in token_client().get("/api/v1/public/decisions/").json()["results"]] == [decision.pk]
    body = token_client(world.officer_a).post(url, {"transition": "appeal", "version": body["version"],
                                                    "grounds": "事实不清"}).json()  # fmt: skip
    response = token_client(world.discipline).post(
        url, {"transition": "decide_appeal", "version": body["version"], "outcome": "revoked", "reason": "证据不足"}
    )
    assert (response.status_code, response.json()["appeal_outcome"]) == (200, "revoked")
    assert token_client().get("/api/v1/public/decisions/").json()["results"] == []


def test_a_ticket_out_of_the_callers_sight_is_refused_as_unknown_input(bodies):
    world = bodies
    elsewhere = world.ticket(unit=world.county_dept)
    response = token_client(world.county_supervisor).post(
        "/api/v1/decisions/",
        {"kind": "accountability", "subject_unit": world.county_dept.pk, "facts": "逾期", "tickets": [elsewhere.pk]},
    )
    assert response.status_code == 201, response.json()
    response = token_client(world.county_supervisor).post(
        "/api/v1/decisions/",
        {
            "kind": "accountability",
            "subject_unit": world.county_dept.pk,
            "facts": "逾期",
            "tickets": [world.ticket().pk],
        },
    )
    assert (response.status_code, list(response.json()["errors"])) == (400, ["tickets"])
    assert Decision.objects.count() == 1
