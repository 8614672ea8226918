"""Every endpoint × every role: allowed cells succeed, refused ones get exactly their status.

One table, written out by hand from DESIGN.md and the issue (not derived from the code under test): the roles that
may call each endpoint on a ticket of county_dept. Everyone else gets 403 if they can see the ticket, 404 if they
cannot (the same answer as for a ticket that does not exist), 401 without credentials. A refused write changes
nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from tests.api.conftest import token_client
from tests.api.scene import PASSWORD, ROLES, SEES_COUNTY_TICKET, SIGNED_IN, Scene, build, later
from tests.factories import evidence_file, plan_kwargs
from tracker.models import (
    Evidence,
    ExtensionRequest,
    Feedback,
    Finding,
    PauseRequest,
    ProgressReport,
    Ticket,
    TicketEvent,
)

EVERYONE = set(ROLES)
UNIT = {"own", "own_head"}
SUPERVISORS = {"supervisor", "parent_supervisor"}


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    setup: str
    allowed: frozenset[str]
    ok: int = 200
    body: Callable[[Scene], dict] | None = None
    multipart: bool = False
    about_ticket: bool = True  # refused callers who cannot see the ticket get 404, not 403
    label: str = ""

    def __str__(self) -> str:
        return f"{self.method} {self.path}{' ' + self.label if self.label else ''}"


def row(method, path, setup, allowed, **kwargs) -> Row:
    return Row(method, path, setup, frozenset(allowed), **kwargs)


def transition(name: str, **fields) -> Callable[[Scene], dict]:
    def body(scene: Scene) -> dict:
        values = {k: (v(scene) if callable(v) else v) for k, v in fields.items()}
        return {"transition": name, "version": scene.ticket.version, **values}

    return body


def accept_body(scene: Scene) -> dict:
    plan = plan_kwargs(scene.ticket)
    return {"transition": "accept", "version": scene.ticket.version, **plan, "target_date": str(plan["target_date"])}


T = "/api/v1/tickets/{ticket}/"
TABLE = [
    row("GET", "/api/v1/me/", "assigned", SIGNED_IN, about_ticket=False),
    row("GET", "/api/v1/me/preferences/", "assigned", SIGNED_IN, about_ticket=False),
    row("GET", "/api/v1/tickets/", "assigned", SIGNED_IN, about_ticket=False),
    row("GET", "/api/v1/findings/", "assigned", SIGNED_IN, about_ticket=False),
    row("GET", "/api/v1/extension-requests/", "assigned", SIGNED_IN, about_ticket=False),
    row("GET", "/api/v1/pause-requests/", "assigned", SIGNED_IN, about_ticket=False),
    row("GET", "/api/v1/units/", "assigned", SIGNED_IN, about_ticket=False),
    row("GET", "/api/v1/appraisals/", "assigned", SIGNED_IN, about_ticket=False),
    row("GET", "/api/v1/indicators/", "assigned", SIGNED_IN, about_ticket=False),
    row("GET", "/api/v1/policies/", "assigned", SIGNED_IN, about_ticket=False),
    row("GET", "/api/v1/stats/units/", "assigned", SIGNED_IN, about_ticket=False),
    row("GET", T, "assigned", SEES_COUNTY_TICKET),
    row("GET", T + "events/", "assigned", SEES_COUNTY_TICKET),
    row("GET", T + "stages/", "rectifying", SEES_COUNTY_TICKET),
    row("GET", T + "progress/", "rectifying", SEES_COUNTY_TICKET),
    row("GET", T + "evidence/", "explained", SEES_COUNTY_TICKET),
    row("GET", T + "extension-requests/", "extension_pending", SEES_COUNTY_TICKET),
    row("GET", T + "pause-requests/", "pause_pending", SEES_COUNTY_TICKET),
    row("GET", "/api/v1/findings/{finding}/", "assigned", SEES_COUNTY_TICKET),
    row("GET", "/api/v1/evidence/{evidence}/file/", "explained", SEES_COUNTY_TICKET),
    # The workflow (DESIGN.md, "The rectification workflow"), on a ticket in the transition's source state.
    row("POST", T + "transitions/", "assigned", {"own_head"}, body=accept_body, label="accept"),
    row(
        "POST",
        T + "transitions/",
        "assigned",
        UNIT,
        body=lambda s: {**accept_body(s), "transition": "submit_plan"},
        label="submit_plan",
    ),
    row(
        "POST",
        T + "transitions/",
        "assigned",
        UNIT,
        body=transition("return_ticket", reason="非本单位职责"),
        label="return_ticket",
    ),
    row(
        "POST",
        T + "transitions/",
        "assigned",
        {"assessor", "supervisor", "parent_supervisor"},
        body=transition("reassign", unit=lambda s: s.world.county.pk, reason="职责调整"),
        label="reassign",
    ),
    row(
        "POST",
        T + "transitions/",
        "rectifying",
        {"own_head"},
        body=transition(
            "explain", explanation="阶段性进展", closure_plan="分阶段推进", closure_plan_date=lambda s: later()
        ),
        label="explain",
    ),
    row("POST", T + "transitions/", "verifiable", {"assessor"}, body=transition("verify"), label="verify"),
    row(
        "POST",
        T + "transitions/",
        "explained",
        {"assessor"},
        body=transition("reject", reason="佐证不足", new_deadline=lambda s: later()),
        label="reject",
    ),
    row("POST", T + "transitions/", "verified", SUPERVISORS, body=transition("close"), label="close"),
    row(
        "POST",
        T + "transitions/",
        "closed",
        SUPERVISORS | {"assessor"},
        body=transition("reopen", reason="回头看发现反弹"),
        label="reopen",
    ),
    row(
        "POST",
        T + "transitions/",
        "assigned",
        SUPERVISORS,
        body=transition("withdraw", reason="误登"),
        label="withdraw",
    ),
    # Activity on the ticket.
    row(
        "POST",
        T + "progress/",
        "rectifying",
        UNIT,
        ok=201,
        multipart=True,
        body=lambda s: {"text": "完成一半", "percent": 50, "files": [evidence_file()]},
    ),
    row(
        "POST", T + "evidence/", "rectifying", UNIT, ok=201, multipart=True, body=lambda s: {"files": [evidence_file()]}
    ),
    row(
        "POST",
        T + "extension-requests/",
        "rectifying",
        UNIT,
        ok=201,
        body=lambda s: {
            "requested_deadline": str(s.ticket.due_on.replace(year=s.ticket.due_on.year + 1)),
            "reason": "需采购",
        },
    ),
    row("POST", T + "pause-requests/", "rectifying", UNIT, ok=201, body=lambda s: {"reason": "等待检测结果"}),
    row("POST", T + "resume/", "paused", UNIT | SUPERVISORS, body=lambda s: {}),
    row(
        "POST",
        T + "supervision/",
        "rectifying",
        SUPERVISORS,
        body=lambda s: {"action": "listed", "note": "逾期未整改", "version": s.ticket.version},
        label="listed",
    ),
    row(
        "POST",
        "/api/v1/extension-requests/{extension}/decision/",
        "extension_pending",
        SUPERVISORS,
        body=lambda s: {"approve": True},
    ),
    row(
        "POST",
        "/api/v1/pause-requests/{pause}/decision/",
        "pause_pending",
        SUPERVISORS,
        body=lambda s: {"approve": True},
    ),
    row(
        "POST",
        "/api/v1/findings/",
        "assigned",
        {"assessor", "supervisor", "parent_supervisor"},
        ok=201,
        about_ticket=False,
        body=lambda s: {
            "indicator": s.world.indicator.pk,
            "unit": s.world.county_dept.pk,
            "description": "校舍维修台账缺失",
            "source": "县考核办",
        },
    ),
    # Public: no account needed, and an account changes nothing.
    row("GET", "/api/v1/public/notices/", "explained", EVERYONE, about_ticket=False),
    row("GET", "/api/v1/public/notices/{ticket}/", "explained", EVERYONE),
    row(
        "POST",
        "/api/v1/public/notices/{ticket}/feedback/",
        "explained",
        EVERYONE,
        ok=201,
        body=lambda s: {"rating": "satisfied", "comment": "看到了变化"},
    ),
    row(
        "POST",
        "/api/v1/auth/token/",
        "assigned",
        EVERYONE,
        about_ticket=False,
        body=lambda s: {"username": "officer_c", "password": PASSWORD},
    ),
    row("GET", "/api/schema/", "assigned", EVERYONE, about_ticket=False),
    row("GET", "/api/docs/", "assigned", EVERYONE, about_ticket=False),
]


def expected_status(entry: Row, role: str) -> int:
    if role in entry.allowed:
        return entry.ok
    if role == "anonymous":
        return 401
    if entry.about_ticket and role not in SEES_COUNTY_TICKET:
        return 404
    return 403


def snapshot(ticket: Ticket) -> tuple:
    fresh = Ticket.objects.get(pk=ticket.pk)
    return (
        fresh.state,
        fresh.version,
        fresh.lead_unit_id,
        fresh.due_on,
        fresh.stage_deadline,
        TicketEvent.objects.filter(ticket=ticket).count(),
        ProgressReport.objects.count(),
        Evidence.objects.count(),
        list(ExtensionRequest.objects.values_list("state", flat=True)),
        list(PauseRequest.objects.values_list("state", flat=True)),
        Finding.objects.count(),
        Feedback.objects.count(),
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("entry", TABLE, ids=str)
def test_each_role_gets_exactly_its_status_on_each_endpoint(world, entry, role):
    scene, clock = build(world, entry.setup)
    client = token_client(scene.users[role])
    url = entry.path.format(
        ticket=scene.ticket.pk,
        finding=scene.ticket.finding_id,
        evidence=getattr(scene.evidence, "pk", 0),
        extension=getattr(scene.extension, "pk", 0),
        pause=getattr(scene.pause, "pk", 0),
    )
    with clock:
        before = snapshot(scene.ticket)
        if entry.method == "GET":
            response = client.get(url)
        else:
            body = entry.body(scene) if entry.body else {}
            response = client.post(url, body, format="multipart" if entry.multipart else "json")
    want = expected_status(entry, role)
    assert response.status_code == want, (response.status_code, getattr(response, "data", None))
    if want >= 400:
        assert response.json()["code"]
        if entry.method != "GET":
            assert snapshot(scene.ticket) == before, "a refused call changed something"
