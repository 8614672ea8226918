"""/workspace/: what waits for this person, their unit's tickets by urgency, and requests with where they stand."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from pages import forms, reads
from tracker import selectors
from tracker.decision_selectors import accountability_candidates
from tracker.models import RequestState
from tracker.permissions import UNIT_ROLES, memberships_of
from workflows.machine import Role

CANDIDATES = 10


@login_required
def workspace(request: HttpRequest) -> HttpResponse:
    user = request.user
    tickets = selectors.tickets_visible_to(user)
    roles = reads.roles_of(user)
    own = [unit_id for unit_id, _p, role in memberships_of(user) if role in UNIT_ROLES]
    extensions, pauses = reads.open_requests(user)
    supervisor = Role.SUPERVISOR in roles
    context = {
        "waiting": reads.waiting_for(user, tickets),
        "urgent": reads.by_urgency(tickets.filter(lead_unit_id__in=own) if own else tickets),
        "own_unit": bool(own),
        "extensions": extensions,
        "pauses": pauses,
        "supervisor": supervisor,
        "to_decide": [r for r in [*extensions, *pauses] if supervisor and r.state == RequestState.PENDING],
        "decision_form": forms.DecisionForm(),
        # Tickets meeting the grounds for accountability: shown to those who oversee them, never opened for them.
        "candidates": list(
            accountability_candidates(user).select_related("finding", "lead_unit")[:CANDIDATES] if supervisor else []
        ),
    }
    return render(request, "pages/workspace.html", context)
