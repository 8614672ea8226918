"""Generated writes at the edges: every request is a 201 that reads back exactly what was sent (text without its
surrounding whitespace, as DRF and the services keep it), or a typed 400 that changed nothing; and whether it is
accepted is decided by the bounds alone (tracker.bounds), which the test restates as an oracle.

Edges drawn on purpose: dates at 0001-01-01 and 9999-12-31 and either side of the window; whole numbers at the 16-,
32- and 64-bit boundaries and fractions; text from every Unicode plane, NUL and unpaired surrogates included; bodies
at and beyond the depth limit and near the size limit.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json

import pytest
from django.conf import settings as django_settings
from hypothesis import event, given
from hypothesis import strategies as st

from tests.api.conftest import token_client
from tests.factories import drive
from tests.fuzz import fuzz_settings
from tracker import bounds
from tracker.models import ExtensionRequest, Feedback, Finding, ProgressReport, Ticket, TicketEvent
from workflows import calendar, clocks
from workflows.machine import TicketState

EDGE_INTS = [0, 1, -1, 100, 101, 2**15 - 1, 2**15, 2**16, 2**31 - 1, 2**31, 2**32, 2**63 - 1, 2**63, 2**64, -(2**63)]
_addresses = itertools.count(1)


EVERY_PLANE = st.characters(min_codepoint=1, max_codepoint=0x10FFFF, exclude_categories=["Cs"])


def storable_text(max_size: int) -> st.SearchStrategy[str]:
    """Text from every plane (no NUL, no lone surrogate) with something besides whitespace."""
    return st.text(EVERY_PLANE, min_size=1, max_size=max_size).filter(str.strip)


def some_text(max_size: int) -> st.SearchStrategy[str]:
    """Text from every plane, now and then with a NUL or an unpaired surrogate, or only whitespace, or empty."""
    plain = st.text(
        st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=["Cs"]), max_size=max_size
    )
    poisoned = st.tuples(plain, st.sampled_from(["\x00", "\ud800", "\udfff", "\udbff"]), plain).map("".join)
    return st.one_of(plain, poisoned, st.sampled_from(["", " ", "\t\n", "\u3000"]))


def text(data, max_size: int, clean: bool) -> str:
    return data.draw(storable_text(max_size) if clean else some_text(max_size))


def some_date() -> st.SearchStrategy[dt.date]:
    first, last = bounds.date_window()
    edges = [dt.date.min, dt.date.max, first, last, first - dt.timedelta(days=1), last + dt.timedelta(days=1)]
    near = st.dates(min_value=clocks.today() - dt.timedelta(days=30), max_value=last)
    return st.one_of(st.sampled_from(edges), st.dates(), near, near)


def some_key(real: list[int]) -> st.SearchStrategy[object]:
    return st.one_of(
        st.sampled_from(real),
        st.sampled_from(real),
        st.sampled_from(EDGE_INTS),
        st.sampled_from(real).map(lambda pk: pk + 0.5),
        st.sampled_from(real).map(float),
        st.sampled_from(real).map(str),
        st.sampled_from([True, None, "", "1e3", [1]]),
    )


def storable(text: str, max_length: int, *, required: bool) -> bool:
    return not bounds.unstorable_text(text) and len(text) <= max_length and (bool(text.strip()) or not required)


def in_window(day: dt.date) -> bool:
    first, last = bounds.date_window()
    return first <= day <= last


def post(client, url: str, body: dict):
    address = next(_addresses)
    return client.post(
        url,
        json.dumps(body),
        content_type="application/json",
        REMOTE_ADDR=f"10.{address // 65536 % 256}.{address // 256 % 256}.{address % 256}",
    )


def assert_refused(response) -> None:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] and body["detail"] and body["errors"]


def assert_reads_back(sent: dict, stored: dict) -> None:
    for key, value in sent.items():
        if key in stored:
            expected = value.strip() if isinstance(value, str) else value
            got = stored[key]["id"] if isinstance(stored[key], dict) else stored[key]
            assert got == (expected.isoformat() if isinstance(expected, dt.date) else expected), key


@pytest.fixture
def setting():
    """The live settings module (the fixture `settings` would be function-scoped for Hypothesis)."""
    return django_settings


@fuzz_settings(25)
@given(data=st.data())
def test_a_finding_is_created_as_sent_or_refused_whole(world, data):
    units = [world.dept_a.pk, world.dept_b.pk, world.county_dept.pk]
    clean = data.draw(st.booleans(), label="clean")  # half the examples keep to the bounds, half try the edges
    body = {
        "indicator": world.indicator.pk if clean else data.draw(some_key([world.indicator.pk])),
        "unit": data.draw(st.sampled_from(units) if clean else some_key(units)),
        "description": text(data, 60, clean),
        "source": text(data, 20, clean),
        "document_number": text(data, 20, clean),
        "lead_official": text(data, 20, clean),
    }
    window = st.dates(min_value=bounds.date_window()[0], max_value=clocks.today())
    if data.draw(st.booleans()):
        body["found_on"] = data.draw(window if clean else some_date()).isoformat()
    if data.draw(st.booleans()):
        ahead = st.dates(min_value=clocks.today() + dt.timedelta(days=1), max_value=bounds.date_window()[1])
        body["due_on"] = data.draw(ahead if clean else some_date()).isoformat()
    findings = Finding.objects.count()
    response = post(token_client(world.assessor), "/api/v1/findings/", body)

    today = clocks.today()
    acceptable = (
        body["indicator"] == world.indicator.pk
        and type(body["unit"]) in (int, str)
        and str(body["unit"]) in map(str, units)
        and type(body["indicator"]) is int
        and storable(body["description"], 10_000, required=True)
        and storable(body["source"], 100, required=True)
        and storable(body["document_number"], 100, required=False)
        and storable(body["lead_official"], 50, required=False)
        and all(in_window(dt.date.fromisoformat(body[n])) for n in ("found_on", "due_on") if n in body)
        and ("due_on" not in body or dt.date.fromisoformat(body["due_on"]) > today)
    )
    event("accepted" if acceptable else "refused")
    if not acceptable:
        assert_refused(response)
        assert Finding.objects.count() == findings
        return
    assert response.status_code == 201, (body, response.content)
    created = response.json()
    sent = {k: v for k, v in body.items() if k not in ("lead_official", "due_on", "unit")}
    assert_reads_back(sent, created)
    assert_reads_back(sent, token_client(world.assessor).get(f"/api/v1/findings/{created['id']}/").json())
    ticket = Ticket.objects.get(finding_id=created["id"])
    assert (ticket.lead_unit_id, ticket.lead_official) == (int(body["unit"]), body["lead_official"].strip())
    if "due_on" in body:
        assert ticket.due_on.isoformat() == body["due_on"]


@fuzz_settings(20)
@given(data=st.data())
def test_an_accept_is_applied_as_sent_or_refused_whole(world, data):
    ticket = world.ticket()
    clean = data.draw(st.booleans(), label="clean")
    in_time = st.dates(min_value=clocks.today(), max_value=ticket.due_on)
    body = {
        "transition": "accept",
        "version": 1 if clean else data.draw(st.one_of(st.just(1), st.sampled_from(EDGE_INTS))),
        "measures": text(data, 40, clean),
        "goal": text(data, 40, clean),
        "responsible_person": text(data, 10, clean),
        "contact_phone": text(data, 8, clean),
        "target_date": data.draw(in_time if clean else st.one_of(in_time, some_date())).isoformat(),
    }
    response = post(token_client(world.head_a), f"/api/v1/tickets/{ticket.pk}/transitions/", body)

    target = dt.date.fromisoformat(body["target_date"])
    acceptable = (
        body["version"] == 1
        and storable(body["measures"], 10_000, required=True)
        and storable(body["goal"], 10_000, required=True)
        and storable(body["responsible_person"], 50, required=True)
        and storable(body["contact_phone"], 30, required=False)
        and in_window(target)
        and clocks.today() <= target <= ticket.due_on
    )
    after = Ticket.objects.get(pk=ticket.pk)
    event("accepted" if acceptable else "refused")
    if not acceptable:
        assert response.status_code in (400, 409), response.content
        assert (after.state, after.version, TicketEvent.objects.filter(ticket=ticket).count()) == ("assigned", 1, 1)
        return
    assert response.status_code == 200, (body, response.content)
    read = token_client(world.officer_a).get(f"/api/v1/tickets/{ticket.pk}/").json()
    assert (read["state"], read["version"]) == ("rectifying", 2)
    expected = {k: v for k, v in body.items() if k not in ("transition", "version")}
    assert_reads_back(expected, response.json())
    assert_reads_back(expected, read)
    assert (after.measures, after.goal) == (body["measures"].strip(), body["goal"].strip())


@pytest.fixture
def rectifying(world) -> Ticket:
    return drive(world, world.ticket(), TicketState.RECTIFYING)


@fuzz_settings(25)
@given(data=st.data())
def test_progress_is_reported_as_sent_or_refused_whole(world, rectifying, data):
    clean = data.draw(st.booleans(), label="clean")
    percents = st.integers(0, 100) if clean else st.one_of(st.sampled_from(EDGE_INTS), st.floats(-1, 101))
    body = {"text": text(data, 40, clean), "percent": data.draw(percents), "difficulties": text(data, 40, clean)}
    reports = ProgressReport.objects.count()
    response = post(token_client(world.officer_a), f"/api/v1/tickets/{rectifying.pk}/progress/", body)
    percent = body["percent"]
    acceptable = (
        storable(body["text"], 10_000, required=True)
        and storable(body["difficulties"], 10_000, required=False)
        and (isinstance(percent, int) or (isinstance(percent, float) and percent.is_integer()))
        and 0 <= percent <= 100
    )
    event("accepted" if acceptable else "refused")
    if not acceptable:
        assert_refused(response)
        assert ProgressReport.objects.count() == reports
        return
    assert response.status_code == 201, (body, response.content)
    assert_reads_back(body, response.json())
    listed = token_client(world.officer_a).get(f"/api/v1/tickets/{rectifying.pk}/progress/").json()["results"]
    assert_reads_back(body, next(r for r in listed if r["id"] == response.json()["id"]))


@fuzz_settings(20)
@given(data=st.data())
def test_an_extension_request_is_filed_as_sent_or_refused_whole(world, data):
    ticket = drive(world, world.ticket(), TicketState.RECTIFYING)
    clean = data.draw(st.booleans(), label="clean")
    later = st.dates(min_value=ticket.due_on + dt.timedelta(days=1), max_value=bounds.date_window()[1])
    wanted = data.draw(later if clean else st.one_of(some_date(), later))
    body = {"requested_deadline": wanted.isoformat(), "reason": text(data, 30, clean)}
    response = post(token_client(world.officer_a), f"/api/v1/tickets/{ticket.pk}/extension-requests/", body)
    wanted = dt.date.fromisoformat(body["requested_deadline"])
    acceptable = storable(body["reason"], 2_000, required=True) and in_window(wanted) and wanted > ticket.due_on
    event("accepted" if acceptable else "refused")
    if not acceptable:
        assert_refused(response)
        assert not ExtensionRequest.objects.filter(ticket=ticket).exists()
        return
    assert response.status_code == 201, (body, response.content)
    assert_reads_back(body, response.json())
    decided = token_client(world.supervisor).post(
        f"/api/v1/extension-requests/{response.json()['id']}/decision/", {"approve": True}, format="json"
    )
    assert decided.status_code == 200, decided.content  # a deadline in the window never makes the approval fail
    assert Ticket.objects.get(pk=ticket.pk).due_on == wanted


@fuzz_settings(25)
@given(data=st.data())
def test_public_feedback_is_kept_as_sent_or_refused_whole(world, data):
    notice = Ticket.objects.filter(state=TicketState.EXPLAINED).first() or drive(
        world, world.ticket(), TicketState.EXPLAINED
    )
    clean = data.draw(st.booleans(), label="clean")
    ratings = st.sampled_from(["satisfied", "basically_satisfied", "dissatisfied"])
    body = {
        "rating": data.draw(ratings if clean else st.one_of(ratings, some_text(5))),
        "comment": text(data, 60, clean),
    }
    given_before = Feedback.objects.count()
    response = post(token_client(), f"/api/v1/public/notices/{notice.pk}/feedback/", body)
    acceptable = body["rating"] in ("satisfied", "basically_satisfied", "dissatisfied") and storable(
        body["comment"], 2_000, required=False
    )
    event("accepted" if acceptable else "refused")
    if not acceptable:
        assert_refused(response)
        assert Feedback.objects.count() == given_before
        return
    assert response.status_code == 201, (body, response.content)
    assert_reads_back(body, response.json())
    assert Feedback.objects.latest("id").comment == body["comment"].strip()


# --- bodies at the limits ----------------------------------------------------------------------------------------


def test_the_largest_readable_body_is_read_and_one_byte_more_is_a_413(world, setting):
    limit = setting.DATA_UPLOAD_MAX_MEMORY_SIZE
    base = {"indicator": world.indicator.pk, "unit": world.dept_a.pk, "description": "大", "source": "s", "pad": ""}
    padding = limit - len(json.dumps(base).encode())
    fits = json.dumps({**base, "pad": "x" * padding})
    assert len(fits.encode()) == limit
    client = token_client(world.assessor)
    assert client.post("/api/v1/findings/", fits, content_type="application/json").status_code == 201
    over = json.dumps({**base, "pad": "x" * (padding + 1)})
    response = client.post("/api/v1/findings/", over, content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (413, "too_large")


@pytest.mark.parametrize("depth", [bounds.MAX_BODY_DEPTH, bounds.MAX_BODY_DEPTH + 1, 10_000, 100_000])
def test_bodies_up_to_any_depth_are_answered_without_a_server_error(world, depth):
    arrays = depth - 1  # inside the body's own object
    body = '{"username": ' + "[" * arrays + "]" * arrays + ', "password": "x"}'
    response = token_client().post("/api/v1/auth/token/", body, content_type="application/json")
    assert response.status_code == 400, response.content
    expected = "invalid" if depth <= bounds.MAX_BODY_DEPTH else "too_deep"
    assert response.json()["code"] == expected


@pytest.mark.parametrize("value", EDGE_INTS)
def test_a_version_at_any_integer_edge_is_answered_without_a_server_error(world, value):
    ticket = world.ticket()
    body = {"transition": "withdraw", "version": value, "reason": "误登"}
    response = post(token_client(world.supervisor), f"/api/v1/tickets/{ticket.pk}/transitions/", body)
    if value == 1:
        assert response.status_code == 200
    else:
        assert response.status_code in (400, 409), response.content
        assert Ticket.objects.get(pk=ticket.pk).version == 1


def test_dates_at_the_edges_of_the_calendar_are_refused_by_field(world):
    first, last = bounds.date_window()
    ticket = drive(world, world.ticket(), TicketState.RECTIFYING)
    client = token_client(world.officer_a)
    for day in (dt.date.min, dt.date.max, first - dt.timedelta(days=1), last + dt.timedelta(days=1)):
        body = {"requested_deadline": day.isoformat(), "reason": "r"}
        response = post(client, f"/api/v1/tickets/{ticket.pk}/extension-requests/", body)
        assert (response.status_code, list(response.json()["errors"])) == (400, ["requested_deadline"]), day
    assert calendar.add_workdays(last, 400) <= calendar.LAST_DAY
