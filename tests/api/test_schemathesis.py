"""Schemathesis against /api/schema/, through the WSGI application, as every role.

Every operation gets generated requests, valid and not (positive and negative generation), each sent with the token
of a role picked for it (or none: anonymous). The run fails on a server error; a status, content type or body the
schema does not describe; an operation that answers without the credentials it declares it needs; a request that
breaks the schema yet is not refused; and an accepted write that does not read back as it was sent. Path ids are
drawn partly from real objects, so the answers include successes, refusals and conflicts on live tickets, not only
404s. A stateful run follows the links Schemathesis infers between operations (a created finding is then read,
its ticket transitioned…).

The example counts are small in `make test`; ZHENGGAI_FUZZ_EXAMPLES raises them (tests/fuzz.py).
"""

from __future__ import annotations

import json
import zlib
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import RequestFactory
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token

from tests.api.scene import cast
from tests.factories import drive, evidence_file, make_world
from tests.fuzz import examples
from tracker import services
from tracker.models import Evidence
from workflows import calendar
from workflows.machine import TicketState

ROLES = ("officer_a", "head_a", "officer_b", "assessor", "supervisor", "parent_supervisor", "admin", "outsider")
ANONYMOUS = "anonymous"
NOT_COMPARED = {"version", "transition"}  # the version read back is the next one; the name is not stored

# Negative data must be refused. 403 and 404 come first when the caller may not act on the object at all; 413 and
# 415 when the body is too large or of a type not read; 429 when the throttle stops the request before it is read.
NEGATIVE_REFUSALS = ["400", "401", "403", "404", "405", "413", "415", "429"]


def _read_back_url(case: Any, written: dict[str, Any]) -> tuple[str, Any] | None:
    """Where the result of an accepted write is read again, and how to find it in what that answers."""
    path, ids = case.operation.path, case.path_parameters or {}
    by_id = lambda rows: next((r for r in rows["results"] if r["id"] == written.get("id")), None)  # noqa: E731
    if path.endswith("/findings/"):
        return f"/api/v1/findings/{written['id']}/", None
    if path.endswith("/transitions/") or path.endswith("/resume/"):
        return f"/api/v1/tickets/{ids['id']}/", None
    if path.endswith("/progress/"):
        return f"/api/v1/tickets/{ids['id']}/progress/?ordering=-id", by_id
    if path.endswith("/extension-requests/") and "{id}" in path:
        return f"/api/v1/extension-requests/?ticket={ids['id']}", by_id
    if path.endswith("/pause-requests/") and "{id}" in path:
        return f"/api/v1/pause-requests/?ticket={ids['id']}", by_id
    return None


def _same(sent: Any, stored: Any) -> bool | None:
    """Whether a value sent reads back unchanged (None: not comparable here). Text is compared as DRF and the services
    keep it, without the surrounding whitespace; a key sent as a number reads back as the object it names."""
    if isinstance(stored, dict) and "id" in stored:
        stored = stored["id"]
    if isinstance(sent, (dict, list)) or isinstance(stored, (dict, list)) or sent is None:
        return None
    if isinstance(sent, str) and isinstance(stored, str):
        return sent.strip() == stored
    return str(sent).strip().lower() == str(stored).strip().lower()


def _differences(sent: dict[str, Any], stored: dict[str, Any]) -> list[str]:
    return [
        f"{key}: sent {sent[key]!r}, read back {stored[key]!r}"
        for key in sent
        if key in stored and key not in NOT_COMPARED and _same(sent[key], stored[key]) is False
    ]


def written_reads_back_as_sent(ctx: Any, response: Any, case: Any) -> bool | None:
    """An accepted write answers with what was sent, and a fresh read of it says the same."""
    if case.method.upper() != "POST" or response.status_code not in (200, 201) or not isinstance(case.body, dict):
        return None
    sent = dict(case.body)
    if case.operation.path.endswith("/decision/"):  # a decision's reason is kept as the request's decision_reason
        sent["decision_reason"] = sent.pop("reason", "")
    written = response.json()
    assert not _differences(sent, written), _differences(sent, written)
    where = _read_back_url(case, written)
    if where is None:
        return None
    url, pick = where
    # Through the handler without the WSGI signals: Django's test client would reconnect close_old_connections,
    # which closes the test's connection (and its transaction) after the next generated request.
    auth = response.request.headers.get("Authorization", "")
    read = get_wsgi_application().get_response(RequestFactory().get(url, HTTP_AUTHORIZATION=auth))
    assert read.status_code == 200, (url, read.status_code)
    stored = pick(json.loads(read.content)) if pick else json.loads(read.content)
    assert stored is not None, f"{url} does not list what was written"
    assert not _differences(sent, stored), _differences(sent, stored)
    return True


CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
    schemathesis.checks.ignored_auth,
    schemathesis.checks.negative_data_rejection,
    written_reads_back_as_sent,
]


@pytest.fixture
def live_objects(db) -> dict:
    """Tickets in every stage, requests waiting for a decision, evidence on file, and a token for every role."""
    world = make_world()
    tickets = [world.ticket()] + [
        drive(world, world.ticket(), s) for s in (TicketState.RECTIFYING, TicketState.EXPLAINED)
    ]
    rectifying = tickets[1]
    extension = services.extension_request(
        ticket_id=rectifying.pk,
        actor=world.officer_a,
        requested_deadline=calendar.add_workdays(rectifying.due_on, 10),
        reason="采购",
    )
    pause = services.pause_request(ticket_id=rectifying.pk, actor=world.officer_a, reason="评审")
    services.evidence_add(ticket_id=rectifying.pk, actor=world.officer_a, files=[evidence_file()])
    ids = [t.pk for t in tickets] + [t.finding_id for t in tickets] + [extension.pk, pause.pk]
    ids += list(Evidence.objects.values_list("pk", flat=True))
    users = {**world.users, "parent_supervisor": cast(world)["parent_supervisor"]}
    tokens = {role: Token.objects.create(user=users[role]).key for role in ROLES}
    units = [world.dept_a.pk, world.dept_b.pk, world.county_dept.pk]
    return {"ids": sorted(set(ids)), "tokens": tokens, "indicator": world.indicator.pk, "units": units}


def _headers(live_objects: dict, role: str) -> dict[str, str]:
    return {} if role == ANONYMOUS else {"Authorization": f"Token {live_objects['tokens'][role]}"}


@pytest.fixture
def api_schema(request, live_objects):
    # Schemathesis 4's lazy loader reads and rewrites `node._nodeid`, which pytest 9 no longer has (it keeps the id
    # in `_id`); give it the attribute to work on. Its rewrites only label the per-operation subtests.
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid
    # The WSGI app is called directly, not through Django's test client, so stop it closing the test's connection
    # (and with it the transaction holding the data) at the end of each request, as the test client does.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
    schema.config.generation.update(modes=list(schemathesis.GenerationMode))  # positive and negative
    schema.config.checks.negative_data_rejection.expected_statuses = NEGATIVE_REFUSALS

    @schema.hook
    def before_generate_path_parameters(context, strategy):
        real = st.sampled_from(live_objects["ids"]).map(lambda pk: {"id": pk})
        return st.one_of(strategy, real) if "{id}" in context.operation.path else strategy

    @schema.hook
    def before_generate_body(context, strategy):
        """Half the findings name a real indicator and unit and leave the dates to the policy (a date drawn from the
        whole calendar is nearly always outside the window), so some are created and read back."""
        if context.operation.path != "/api/v1/findings/":
            return strategy
        real = {"indicator": live_objects["indicator"], "unit": st.sampled_from(live_objects["units"])}

        def with_real_keys(drawn):
            body, use_real, unit = drawn
            if not (use_real and isinstance(body, dict)):
                return body
            dated = {key: value for key, value in body.items() if key not in ("due_on", "found_on")}
            return {**dated, "indicator": real["indicator"], "unit": unit}

        return st.tuples(strategy, st.booleans(), real["unit"]).map(with_real_keys)

    yield schema
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


schema = schemathesis.pytest.from_fixture("api_schema")


def role_for(case: Any) -> str:
    """A role for each generated case, read from the case itself, so that replaying an example (as Hypothesis does
    when it shrinks one) sends it as the same role. (`@schema.given` cannot draw one: it excludes the schema's own
    examples.)"""
    roles = (*ROLES, ANONYMOUS)
    return roles[zlib.crc32(repr((case.path_parameters, case.query, case.body)).encode()) % len(roles)]


@schema.parametrize()
@settings(max_examples=examples(15), deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_keeps_to_its_schema_as_every_role(case, live_objects):
    case.call_and_validate(headers=_headers(live_objects, role_for(case)), checks=CHECKS)


@pytest.mark.parametrize("role", ["officer_a", "supervisor", "assessor", ANONYMOUS])
def test_stateful_sequences_keep_to_the_schema(api_schema, live_objects, role):
    """Sequences of calls along the links between operations, as one role: what one call creates, the next reads or
    acts on."""
    token = live_objects["tokens"].get(role)
    if token is not None:

        @api_schema.auth()
        class RoleToken:
            """The role's token on every call, declared as the credentials, so the auth check probes without them."""

            def get(self, case, context):
                return token

            def set(self, case, data, context):
                case.headers = {**(case.headers or {}), "Authorization": f"Token {data}"}

    class Sequences(api_schema.as_state_machine()):
        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=CHECKS, transport_kwargs=kwargs or None)

    Sequences.run(
        settings=settings(
            max_examples=examples(4),
            stateful_step_count=6,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
    )


def test_the_read_back_check_catches_a_value_stored_otherwise():
    """The check compares what it should: text without its surrounding whitespace, keys by the object they name."""
    assert _differences({"description": "  问题 ", "unit": 8}, {"description": "问题", "unit": {"id": 8}}) == []
    assert _differences({"unit": 8.7}, {"unit": {"id": 8}}) == ["unit: sent 8.7, read back {'id': 8}"]
    assert _differences({"percent": "5"}, {"percent": 5}) == []
    assert _differences({"due_on": "2026-01-01"}, {"due_on": "2025-12-31"})
    assert _differences({"version": 3}, {"version": 4}) == []
    assert json.dumps(NEGATIVE_REFUSALS)
