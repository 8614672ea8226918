"""/decisions/ and /decisions/<id>/: the decision record (问责, 容错免责, 纠错) as the viewer may see it, and a form for
each step they may take now; from a ticket, opening accountability or applying for fault tolerance.

Reads go through tracker.decision_selectors (a decision out of the viewer's sight is a 404), writes through
pages.actions; a refused form is shown again with the service's reasons and the person's input.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from pages import actions
from pages.decision_forms import DecisionFilterForm, DecisionOpenForm, decision_step_form
from tracker import decision_selectors as decisions
from tracker import selectors
from tracker.errors import NotFound
from tracker.models import Decision, DecisionEvent, SubjectKind, Ticket, Unit
from tracker.models.decisions import FollowUp, Measure
from tracker.permissions import UNIT_ROLES, memberships_of
from workflows import calendar, clocks
from workflows.decisions import (
    DECISION_TRANSITIONS,
    STEP_OWNER,
    SUBJECT,
    AppealOutcome,
    AppealState,
    DecisionKind,
    DecisionState,
)

OPENINGS = {
    "accountability": gettext_lazy("Open accountability (发起问责)"),
    "fault-tolerance": gettext_lazy("Apply for fault tolerance (申请容错)"),
}
OWNER_LABELS = {
    SUBJECT: gettext_lazy("the subject"),
    "discipline": gettext_lazy("discipline inspection"),
    "organisation": gettext_lazy("organisation department"),
}


EVENT_LINES = {
    "note": gettext_lazy("Note"),
    "facts_told": gettext_lazy("Facts told to the subject"),
    "statement": gettext_lazy("Statement and defence"),
    "grounds": gettext_lazy("Grounds of the appeal"),
    "measures": gettext_lazy("Accountability measures"),
    "deciding_body": gettext_lazy("Deciding body"),
    "document_number": gettext_lazy("Document number"),
    "reasons": gettext_lazy("Reasons"),
    "reason": gettext_lazy("Reason"),
    "basis": gettext_lazy("Basis"),
    "outcome": gettext_lazy("Outcome"),
    "notice": gettext_lazy("Notice"),
    "opinion": gettext_lazy("Correction opinion"),
    "follow_up": gettext_lazy("Follow-up"),
    "due_on": gettext_lazy("Step deadline"),
}
MEASURE_LABELS = dict(Measure.choices)
VALUE_LABELS = {**MEASURE_LABELS, **dict(AppealOutcome.choices), **dict(FollowUp.choices)}


def _person(user: Any) -> str:
    return (user.get_full_name() or user.username) if user is not None else ""


def _decided_by(decision: Decision, events: list[dict[str, Any]]) -> str:
    """Who recorded the decision: the actor of one of its events, already read (a further read otherwise)."""
    if not decision.decided_by_id:
        return ""
    for entry in events:
        if entry["event"].actor_id == decision.decided_by_id:
            return str(entry["who"])
    return _person(decision.decided_by)


def _lines(data: dict[str, Any]) -> list[tuple[Any, str]]:
    """An event's details a person reads: known keys only, values in words, dates as dates."""
    lines = []
    for key, label in EVENT_LINES.items():
        value = data.get(key)
        if value in (None, "", [], "None"):
            continue
        if key == "due_on":
            try:
                value = date_format(dt.date.fromisoformat(str(value)))
            except ValueError:
                continue
        elif isinstance(value, list):
            value = "、".join(str(VALUE_LABELS.get(v, v)) for v in value)
        else:
            value = str(VALUE_LABELS.get(value, value))
        lines.append((label, value))
    return lines


def _ids(step: str) -> str:
    return f"{step}-%s"


# --- the list -----------------------------------------------------------------------------------------------------


@login_required
def decision_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    visible = decisions.decisions_visible_to(user)
    units = Unit.objects.filter(pk__in=visible.values("subject_unit")).order_by("path").only("pk", "name")
    form = DecisionFilterForm(
        request.GET or None, kinds=DecisionKind.choices, states=DecisionState.choices, units=units
    )
    chosen: dict[str, Any] = form.cleaned_data if form.is_bound and form.is_valid() else {}
    rows = decisions.decision_list(
        user, kind=chosen.get("kind") or None, state=chosen.get("state") or None, unit=chosen.get("unit")
    ).select_related("subject_unit")[:200]
    return render(request, "pages/decision_list.html", {"form": form, "decisions": rows, "filtered": bool(chosen)})


# --- one decision -------------------------------------------------------------------------------------------------


def _decision(request: HttpRequest, decision_id: int) -> Decision:
    try:
        return decisions.decision_get(request.user, decision_id)
    except NotFound:
        raise Http404 from None


def _deadline(due_on: Any) -> dict[str, Any] | None:
    """The step's deadline with the working days left (or overdue), on the working-day calendar."""
    if due_on is None:
        return None
    left = calendar.workdays_between(clocks.today(), due_on)
    return {"on": due_on, "left": max(left, 0), "overdue": -left if left < 0 else 0}


def _render(
    request: HttpRequest,
    decision: Decision,
    *,
    bound: tuple[str, Any] | None = None,
    stale: bool = False,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    held = decisions.roles_on_decision(user, decision)
    panels = []
    for spec in decisions.decision_transitions_available(user, decision):
        form = (
            bound[1]
            if bound and bound[0] == spec.name
            else decision_step_form(spec.name, subject_kind=decision.subject_kind)(
                initial={"version": decision.version}, auto_id=_ids(spec.name)
            )
        )
        panels.append({"name": spec.name, "label": spec.label, "form": form, "own": SUBJECT in spec.roles})
    orphaned = bound[1] if bound and bound[0] not in {p["name"] for p in panels} else None
    refused = [str(e) for errors in orphaned.errors.values() for e in errors] if orphaned is not None else []
    events = [
        {"event": event, "who": _person(event.actor), "lines": _lines(event.data)}
        for event in DecisionEvent.objects.filter(decision=decision).select_related("actor").order_by("seq")
    ]
    owner = STEP_OWNER.get(decision.state)
    context = {
        "decision": decision,
        "tickets": list(
            decision.tickets.select_related("finding", "lead_unit").only(
                "pk", "number", "state", "due_on", "finding__description", "lead_unit__name"
            )
        ),
        "events": events,
        "deadline": _deadline(decision.due_on),
        "owner": OWNER_LABELS.get(str(owner)) if owner else None,
        "appeal_deadline": _deadline(decision.appeal_until)
        if decision.appeal_until and decision.appeal_state == AppealState.NONE
        else None,
        "measures": [MEASURE_LABELS.get(m, m) for m in decision.measures],
        "single_panel": len([p for p in panels if not p["own"]]) == 1,
        "panels": [p for p in panels if not p["own"]],
        "own_panels": [p for p in panels if p["own"]],
        "is_subject": SUBJECT in held,
        "open_panel": bound[0] if bound else None,
        "refused": refused,
        "stale": stale,
        "decided_by": _decided_by(decision, events),
    }
    return render(request, "pages/decision_detail.html", context, status=status)


@login_required
def decision_page(request: HttpRequest, decision_id: int) -> HttpResponse:
    return _render(request, _decision(request, decision_id))


@login_required
@require_POST
def decision_action(request: HttpRequest, decision_id: int, name: str) -> HttpResponse:
    if name not in DECISION_TRANSITIONS:
        raise Http404
    decision = _decision(request, decision_id)
    form = decision_step_form(name, subject_kind=decision.subject_kind)(request.POST, auto_id=_ids(name))
    if not form.is_valid():
        return _render(request, decision, bound=(name, form), status=400)
    data = dict(form.cleaned_data)
    version = data.pop("version")
    if "measures" in data and not data["measures"] and name == "decide_appeal":
        data["measures"] = None
    refusal = actions.decision_step(name, decision_id=decision.pk, actor=request.user, version=version, data=data)
    if refusal is None:
        messages.success(request, _("Done: %(action)s.") % {"action": DECISION_TRANSITIONS[name].label})
        return redirect("decision-detail", decision_id=decision.pk)
    for key, texts in refusal.errors.items():
        for text in texts:
            form.add_error(key if key in form.fields else None, text)
    decision = _decision(request, decision_id)
    if refusal.stale:
        # Keep the person's input under the version they can now see, so a second submit is informed.
        fresh_data = form.data.copy()
        fresh_data["version"] = str(decision.version)
        fresh = type(form)(fresh_data, auto_id=form.auto_id)
        fresh.is_valid()
        fresh.add_error(None, refusal.errors[None][0])
        form = fresh
    return _render(request, decision, bound=(name, form), stale=refusal.stale, status=409 if refusal.stale else 400)


# --- from a ticket ------------------------------------------------------------------------------------------------


def openings_for(user: Any, ticket: Ticket) -> list[tuple[str, Any]]:
    """What this viewer may open from the ticket: accountability for those who oversee its lead unit
    (supervisors, discipline inspection, organisation), fault tolerance for the unit itself (and the bodies)."""
    path = ticket.lead_unit.path
    found = []
    held = memberships_of(user)
    oversees = any(role in decisions.DECISION_OVERSIGHT and path.startswith(p) for _u, p, role in held)
    body = any(role in ("discipline", "organisation") and path.startswith(p) for _u, p, role in held)
    works = any(unit_id == ticket.lead_unit_id and role in UNIT_ROLES for unit_id, _p, role in held)
    if oversees:
        found.append(("accountability", OPENINGS["accountability"]))
    if works or body:
        found.append(("fault-tolerance", OPENINGS["fault-tolerance"]))
    return found


def ticket_decisions(user: Any, ticket: Ticket) -> dict[str, Any]:
    """The ticket page's decision block: the decisions about it the viewer may see, and what they may open."""
    return {
        "decisions": list(decisions.decision_list(user, ticket=ticket.pk)[:20]),
        "openings": openings_for(user, ticket),
    }


@login_required
def decision_open(request: HttpRequest, ticket_id: int, kind: str) -> HttpResponse:
    if kind not in OPENINGS:
        raise Http404
    try:
        ticket = selectors.ticket_get(request.user, ticket_id)
    except NotFound:
        raise Http404 from None
    user = request.user
    allowed = kind in {name for name, _label in openings_for(user, ticket)}
    status = 200
    if request.method == "POST":
        form = DecisionOpenForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            person = data["subject_kind"] == SubjectKind.PERSON
            opened, refusal = actions.decision_open(
                "accountability" if kind == "accountability" else "fault_tolerance",
                actor=user,
                subject_kind=data["subject_kind"],
                subject_unit=ticket.lead_unit,
                # A person applying for fault tolerance for themselves is the subject with their account.
                subject_user=user if person and kind == "fault-tolerance" and not _body(user, ticket) else None,
                subject_name=data["subject_name"] if person else "",
                subject_position=data["subject_position"] if person else "",
                facts=data["facts"],
                rule=data["rule"],
                ticket_ids=[ticket.pk],
            )
            if refusal is None:
                messages.success(request, _("Done: %(action)s.") % {"action": OPENINGS[kind]})
                return redirect("decision-detail", decision_id=opened.pk)
            for key, texts in refusal.errors.items():
                for text in texts:
                    form.add_error(key if key in form.fields else None, text)
        status = 400
    else:
        form = DecisionOpenForm()
    context = {"ticket": ticket, "form": form, "kind": kind, "title": OPENINGS[kind], "allowed": allowed}
    return render(request, "pages/decision_open.html", context, status=status)


def _body(user: Any, ticket: Ticket) -> bool:
    path = ticket.lead_unit.path
    return any(role in ("discipline", "organisation") and path.startswith(p) for _u, p, role in memberships_of(user))
