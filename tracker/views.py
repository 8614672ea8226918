"""Pages. Thin: read through selectors, never write except through services."""

from __future__ import annotations

from collections import Counter

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from tracker import selectors
from tracker.errors import NotFound
from workflows import clocks
from workflows.machine import TicketState, as_mermaid


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    tickets = selectors.tickets_visible_to(request.user).order_by("stage_deadline", "id")
    if state in TicketState.values:
        tickets = tickets.filter(state=state)
    today = clocks.today()
    rows = [(t, selectors.ticket_warning(t, today)) for t in tickets[:200]]
    colours = Counter(w for _t, w in rows if w)
    return render(
        request,
        "tracker/dashboard.html",
        {"rows": rows, "colours": colours, "states": TicketState.choices, "state": state, "today": today},
    )


@login_required
def ticket_detail(request: HttpRequest, ticket_id: int) -> HttpResponse:
    try:
        ticket = selectors.ticket_get(request.user, ticket_id)
    except NotFound:
        raise Http404 from None
    return render(
        request,
        "tracker/ticket_detail.html",
        {
            "ticket": ticket,
            "warning": selectors.ticket_warning(ticket),
            "events": ticket.events.select_related("actor").order_by("-id"),
            "transitions": selectors.transitions_available(request.user, ticket),
            "graph": as_mermaid(),
        },
    )
