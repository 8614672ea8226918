"""/ledger/ (整改台账): every filter of the API's ledger, kept in the address; keyset pages; colour counts."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from api.filters import TicketFilter
from pages import reads
from tracker import selectors
from tracker.models import Appraisal, Dimension
from tracker.stats import units_in_charge
from workflows import clocks
from workflows.machine import TicketState
from workflows.models import RectificationClass, Severity

PAGE_SIZE = 50
# Query parameters that are the page's own, not the filter's.
PAGING = ("after", "ordering")


@login_required
def ledger(request: HttpRequest) -> HttpResponse:
    user = request.user
    query = request.GET.copy()
    for key in PAGING:
        query.pop(key, None)
    ordering = request.GET.get("ordering") or "-id"
    if ordering not in reads.LEDGER_ORDERINGS:
        ordering = "-id"
    filterset = TicketFilter(query, queryset=selectors.tickets_visible_to(user), request=request)
    valid = filterset.is_valid()
    tickets = filterset.qs if valid else selectors.tickets_visible_to(user).none()
    page = reads.ledger_page(tickets, ordering=ordering, cursor=request.GET.get("after"), size=PAGE_SIZE)
    colours = reads.colour_counts(tickets) if valid else {}
    context = {
        "needs_you": reads.waiting_for(user, selectors.tickets_visible_to(user), limit=5),
        "page": page,
        "colours": [(c, label, colours.get(c, 0)) for c, label in clocks.Warning.choices],
        "total": sum(colours.values()),
        "errors": {} if valid else filterset.errors,
        "f": request.GET,
        "selected_states": request.GET.getlist("state"),
        "ordering": ordering,
        "orderings": list(reads.ORDERING_LABELS.items()),
        "choices": {
            "state": TicketState.choices,
            "class": RectificationClass.choices,
            "severity": Severity.choices,
            "dimension": Dimension.choices,
            "warning": clocks.Warning.choices,
            "unit": list(units_in_charge(user).values_list("pk", "name")),
            "appraisal": list(Appraisal.objects.values_list("pk", "name")),
        },
        "filtered": bool(query),
    }
    return render(request, "pages/ledger.html", context, status=200 if valid else 400)
