"""Schemathesis against /api/schema/, through the WSGI application, as a unit officer and as a supervisor.

Every operation gets generated requests (valid and not) sent once with each role's token; the run fails on a server
error, a status, content type or body the schema does not describe, or an operation that answers without the
credentials it declares it needs. Path ids are drawn partly from real objects, so the answers include successes,
refusals and conflicts on live tickets, not only 404s. The example count is bounded so the run stays short.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token

from tests.factories import drive, evidence_file, make_world
from tracker import services
from tracker.models import Evidence
from workflows import calendar
from workflows.machine import TicketState

ROLES = ("officer_a", "supervisor")
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
    schemathesis.checks.ignored_auth,
]


@pytest.fixture
def live_objects(db) -> dict:
    """Tickets in every stage, requests waiting for a decision, evidence on file, and the two callers' tokens."""
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
    tokens = {role: Token.objects.create(user=getattr(world, role)).key for role in ROLES}
    return {"ids": sorted(set(ids)), "tokens": tokens}


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

    @schema.hook
    def before_generate_path_parameters(context, strategy):
        real = st.sampled_from(live_objects["ids"]).map(lambda pk: {"id": pk})
        return st.one_of(strategy, real) if "{id}" in context.operation.path else strategy

    yield schema
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_keeps_to_its_schema_for_two_roles(case, live_objects):
    for role in ROLES:
        case.call_and_validate(headers={"Authorization": f"Token {live_objects['tokens'][role]}"}, checks=CHECKS)
