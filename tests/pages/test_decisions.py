"""The decision pages: scoped like the selectors, each form refusing what the services refuse, a fixed number of
statements however many decisions or events there are."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.tracker.decision_world import accountability, add_bodies, fault_tolerance, fire
from tracker.models import Decision, SubjectKind
from workflows.decisions import DecisionState

pytestmark = pytest.mark.django_db
D = DecisionState


@pytest.fixture
def bodies(world):
    return add_bodies(world)


def _unit_accountability(world, **kw):
    return accountability(world, person=False, **kw)


def _to_deliberation(world, decision):
    decision = fire("investigate", decision, world.users["discipline"])
    decision = fire("request_statement", decision, world.users["discipline"], facts_told="逾期未整改")
    return fire("file_statement", decision, world.users["officer_a"], statement="人员调整致延误")


def test_a_decision_about_another_unit_does_not_exist_for_its_officers(bodies, as_user):
    decision = _unit_accountability(bodies)
    assert as_user("officer_b").get(f"/decisions/{decision.pk}/").status_code == 404
    assert as_user("officer_c").get(f"/decisions/{decision.pk}/").status_code == 404
    response = as_user("officer_b").post(f"/decisions/{decision.pk}/file_statement/", {"version": 1, "statement": "x"})
    assert response.status_code == 404
    assert f"/decisions/{decision.pk}/" not in as_user("officer_b").get("/decisions/").content.decode()
    assert f"/decisions/{decision.pk}/" in as_user("officer_a").get("/decisions/").content.decode()
    assert as_user("supervisor").get(f"/decisions/{decision.pk}/").status_code == 200
    assert as_user("county_discipline").get(f"/decisions/{decision.pk}/").status_code == 404


def test_the_list_filters_by_kind_state_and_unit_and_shows_labels_not_codes(bodies, as_user):
    acc = _unit_accountability(bodies)
    tol = fault_tolerance(bodies)
    client = as_user("discipline")
    page = client.get("/decisions/?kind=fault_tolerance").content.decode()
    assert f"/decisions/{tol.pk}/" in page and f"/decisions/{acc.pk}/" not in page
    page = client.get(f"/decisions/?state=opened&unit={bodies.dept_a.pk}").content.decode()
    assert f"/decisions/{acc.pk}/" in page and f"/decisions/{tol.pk}/" not in page
    assert ">opened<" not in page
    assert client.get("/decisions/?kind=nonsense").status_code == 200


def test_the_subject_files_a_statement_and_nobody_else_may(bodies, as_user):
    decision = _unit_accountability(bodies)
    decision = fire("investigate", decision, bodies.users["discipline"])
    decision = fire("request_statement", decision, bodies.users["discipline"], facts_told="逾期三个月")
    v = decision.version
    # wrong role: the supervisor holds no subject role, the page offers no such form and the service refuses
    page = as_user("supervisor").get(f"/decisions/{decision.pk}/").content.decode()
    assert 'name="statement"' not in page
    refused = as_user("supervisor").post(f"/decisions/{decision.pk}/file_statement/", {"version": v, "statement": "x"})
    assert refused.status_code == 400
    assert "form-errors" in refused.content.decode()
    # bad field: an empty statement
    blank = as_user("officer_a").post(f"/decisions/{decision.pk}/file_statement/", {"version": v, "statement": ""})
    assert blank.status_code == 400
    # stale version
    stale = as_user("officer_a").post(f"/decisions/{decision.pk}/file_statement/", {"version": v - 1, "statement": "y"})
    assert stale.status_code == 409
    assert "y</textarea>" in stale.content.decode()
    decision.refresh_from_db()
    assert decision.state == D.STATEMENT
    ok = as_user("officer_a").post(f"/decisions/{decision.pk}/file_statement/", {"version": v, "statement": "已整改"})
    assert ok.status_code == 302
    decision.refresh_from_db()
    assert decision.state == D.DELIBERATING
    # wrong state: a second statement
    again = as_user("officer_a").post(
        f"/decisions/{decision.pk}/file_statement/", {"version": decision.version, "statement": "再次"}
    )
    assert again.status_code == 400
    decision.refresh_from_db()
    assert decision.state == D.DELIBERATING


def test_the_body_decides_with_measures_and_the_form_refuses_a_measure_for_the_wrong_subject(bodies, as_user):
    decision = _unit_accountability(bodies)
    decision = _to_deliberation(bodies, decision)
    client = as_user("discipline")
    url = f"/decisions/{decision.pk}/decide/"
    person_measure = client.post(
        url, {"version": decision.version, "measures": ["person_admonition"], "deciding_body": "纪委"}
    )
    assert person_measure.status_code == 400
    unknown = client.post(url, {"version": decision.version, "measures": ["beheading"], "deciding_body": "纪委"})
    assert unknown.status_code == 400
    assert (
        as_user("supervisor")
        .post(url, {"version": decision.version, "measures": ["unit_notice"], "deciding_body": "纪委"})
        .status_code
        == 400
    )
    assert (
        client.post(
            url, {"version": decision.version, "measures": ["unit_notice"], "deciding_body": "纪委"}
        ).status_code
        == 302
    )
    decision.refresh_from_db()
    assert decision.state == D.ENFORCING and decision.measures == ["unit_notice"]


def test_opening_from_a_ticket_is_for_overseers_and_applying_for_the_unit(bodies, as_user):
    ticket = bodies.ticket()
    data = {"subject_kind": SubjectKind.UNIT, "facts": "逾期未整改", "rule": "问责条例"}
    assert as_user("officer_a").post(f"/tickets/{ticket.pk}/decisions/accountability/", data).status_code == 400
    assert as_user("officer_b").get(f"/tickets/{ticket.pk}/decisions/accountability/").status_code == 404
    assert (
        as_user("supervisor").post(f"/tickets/{ticket.pk}/decisions/accountability/", {**data, "facts": ""}).status_code
        == 400
    )
    assert as_user("supervisor").post(f"/tickets/{ticket.pk}/decisions/fault-tolerance/", data).status_code == 400
    assert not Decision.objects.exists()
    opened = as_user("supervisor").post(f"/tickets/{ticket.pk}/decisions/accountability/", data)
    assert opened.status_code == 302
    decision = Decision.objects.get()
    assert list(decision.tickets.all()) == [ticket]
    applied = as_user("officer_a").post(f"/tickets/{ticket.pk}/decisions/fault-tolerance/", data)
    assert applied.status_code == 302
    page = as_user("officer_a").get(f"/tickets/{ticket.pk}/").content.decode()
    assert f"/decisions/{decision.pk}/" in page
    assert "/decisions/accountability/" not in page and "/decisions/fault-tolerance/" in page
    assert "/decisions/accountability/" in as_user("supervisor").get(f"/tickets/{ticket.pk}/").content.decode()


def test_supervisors_see_candidates_and_nothing_is_opened_for_them(bodies, as_user):
    ticket = bodies.ticket()
    ticket.listed = True
    ticket.save(update_fields=["listed"])
    page = as_user("supervisor").get("/workspace/").content.decode()
    assert "candidates-title" in page and f"/tickets/{ticket.pk}/" in page
    assert "candidates-title" not in as_user("officer_a").get("/workspace/").content.decode()
    assert not Decision.objects.exists()


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_list_reads_the_same_statements_for_2_decisions_as_for_8(bodies, as_user):
    client = as_user("discipline")
    for _ in range(2):
        _unit_accountability(bodies)
    few = _queries(client, "/decisions/")
    for _ in range(6):
        fault_tolerance(bodies)
    assert _queries(client, "/decisions/") == few


def test_the_decision_page_reads_the_same_statements_however_long_its_procedure(bodies, as_user):
    tickets = [bodies.ticket(), bodies.ticket()]
    decision = _unit_accountability(bodies, tickets=tickets)
    client = as_user("discipline")
    short = _queries(client, f"/decisions/{decision.pk}/")
    decision = _to_deliberation(bodies, decision)
    decision = fire("decide", decision, bodies.users["discipline"], measures=["unit_notice"], deciding_body="纪委")
    assert _queries(client, f"/decisions/{decision.pk}/") == short
    page = client.get(f"/decisions/{decision.pk}/").content.decode()
    for ticket in tickets:
        assert f"/tickets/{ticket.pk}/" in page
