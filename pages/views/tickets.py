"""/tickets/<id>/: everything about a ticket, and a form for everything the viewer may do to it now.

GET shows the page. Each form posts to /tickets/<id>/<action>/; on success the browser is sent back to the page
(post/redirect/get), on a refusal the page is shown again with the form, its errors and the person's input, and a
stale version shows what changed since the person read the ticket.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from pages import actions, diagram, forms, reads
from pages.views.decisions import ticket_decisions
from tracker import selectors
from tracker.errors import NotFound
from tracker.models import ExtensionRequest, PauseRequest, RequestState, Ticket, Unit
from tracker.permissions import UNIT_ROLES, co_unit_of, roles_on
from tracker.stats import units_in_charge
from workflows import clocks
from workflows.machine import OPEN_STATES, TRANSITIONS, Role, TicketState

ACTIVITY_FORMS: dict[str, type[forms.VersionForm]] = {
    "progress": forms.ProgressForm,
    "evidence": forms.EvidenceForm,
    "extension": forms.ExtensionForm,
    "pause": forms.PauseForm,
    "resume": forms.ResumeForm,
    "list": forms.ListForm,
    "follow_up": forms.FollowUpForm,
}
ACTIVITY_LABELS = {
    "progress": gettext_lazy("Report progress"),
    "evidence": gettext_lazy("Add evidence"),
    "extension": gettext_lazy("Request an extension"),
    "pause": gettext_lazy("Request a pause"),
    "resume": gettext_lazy("Resume the clock"),
    "list": gettext_lazy("List for supervision (挂牌督办)"),
    "follow_up": gettext_lazy("Summons talk or notice (约谈 / 通报)"),
}
# The transitions whose form carries the plan: it opens with the plan as the ticket has it, so the head signs the
# officer's plan (or the unit revises a returned one) without retyping it.
PLAN_TRANSITIONS = ("submit_plan", "accept", "sign_plan")


def _ids(panel: str) -> str:
    """Element ids of one panel's form: several panels on a page have fields of the same name."""
    return f"{panel}-%s"


def _ticket(request: HttpRequest, ticket_id: int) -> Ticket:
    """The ticket as its page shows it, with its co-units and milestones read only when it has some."""
    try:
        ticket = selectors.ticket_get(request.user, ticket_id)
    except NotFound:
        raise Http404 from None
    ticket.co_unit_list = list(ticket.co_units.all()) if ticket.has_co_units else []
    ticket.milestone_list = list(ticket.milestones.all()) if ticket.milestones_total else []
    return ticket


def _units(name: str, user: Any, ticket: Ticket) -> Any:
    """The units a transition's unit field offers: those the assessor or supervisor reassigns to; for a unit that
    returns a ticket (退回), any other unit it may name as the right one."""
    others = Unit.objects.all() if name == "return_ticket" else units_in_charge(user)
    return others.exclude(pk=ticket.lead_unit_id).order_by("path")


def _plan_initial(ticket: Ticket) -> dict[str, Any]:
    initial: dict[str, Any] = {
        "measures": ticket.measures,
        "goal": ticket.goal,
        "responsible_person": ticket.responsible_person,
        "target_date": ticket.target_date,
        "contact_phone": ticket.contact_phone,
    }
    for i, milestone in enumerate(getattr(ticket, "milestone_list", []), start=1):
        initial[f"milestone_title_{i}"], initial[f"milestone_due_{i}"] = milestone.title, milestone.due_on
    return initial


def _activities(user: Any, ticket: Ticket, pending: dict[str, bool]) -> list[str]:
    """The activity forms this viewer may use on the ticket now (the services check again on submit)."""
    roles = roles_on(user, ticket)
    unit = bool(roles & set(UNIT_ROLES))
    found = []
    reporting = ticket.state in (TicketState.RECTIFYING, TicketState.EXPLAINED)
    if reporting and (unit or co_unit_of(user, ticket) is not None):
        found.append("progress")
    if unit and ticket.state in OPEN_STATES:
        found.append("evidence")
    if unit and ticket.state == TicketState.RECTIFYING and not pending["extension"]:
        found.append("extension")
    if unit and ticket.state in OPEN_STATES and not ticket.is_paused and not pending["pause"]:
        found.append("pause")
    if ticket.is_paused and (unit or Role.SUPERVISOR in roles):
        found.append("resume")
    if Role.SUPERVISOR in roles and ticket.state in OPEN_STATES and not ticket.listed:
        found.append("list")
    if Role.SUPERVISOR in roles and ticket.listed:
        found.append("follow_up")
    return found


def _render(
    request: HttpRequest,
    ticket: Ticket,
    *,
    bound: tuple[str, Any] | None = None,
    stale_since: int | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    today = clocks.today()
    extensions, pauses = reads.requests_of(ticket)
    pending = {
        "extension": any(r.state == RequestState.PENDING for r in extensions),
        "pause": any(r.state in (RequestState.PENDING, RequestState.APPROVED) for r in pauses),
    }
    transitions = selectors.transitions_available(user, ticket)
    panels = []
    for spec in transitions:
        form_class = forms.transition_form(spec.name, units=_units(spec.name, user, ticket))
        initial = {"version": ticket.version}
        if spec.name in PLAN_TRANSITIONS:
            initial |= _plan_initial(ticket)
        form = bound[1] if bound and bound[0] == spec.name else form_class(initial=initial, auto_id=_ids(spec.name))
        panels.append(
            {"name": spec.name, "label": diagram.short_label(str(spec.label)), "form": form, "kind": "transition"}
        )
    for name in _activities(user, ticket, pending):
        form = (
            bound[1]
            if bound and bound[0] == name
            else ACTIVITY_FORMS[name](initial={"version": ticket.version}, auto_id=_ids(name))
        )
        panels.append({"name": name, "label": ACTIVITY_LABELS[name], "form": form, "kind": "activity"})
    # A refused form this viewer has no panel for (the ticket moved on, or their role does not allow it): its
    # reasons are shown above the panels.
    orphaned = bound[1] if bound and bound[0] not in {p["name"] for p in panels} else None
    refused = [str(e) for errors in orphaned.errors.values() for e in errors] if orphaned is not None else []
    supervises = Role.SUPERVISOR in roles_on(user, ticket)
    entries = reads.timeline(ticket)
    context = {
        "ticket": ticket,
        "finding": ticket.finding,
        "appraisal": ticket.finding.appraisal,
        "warning": selectors.ticket_warning(ticket, today),
        "clock": reads.stage_clock(ticket, today),
        "timeline": entries,
        "changed": [e for e in entries if stale_since is not None and e.event.version > stale_since],
        "stale": stale_since is not None,
        "panels": panels,
        "open_panel": bound[0] if bound else None,
        "refused": refused,
        "extensions": extensions,
        "pauses": pauses,
        "decide": supervises,
        "decision_form": forms.DecisionForm(),
        "created_by": reads.person(ticket.created_by),
        "explained_by": reads.person(ticket.explained_by),
        "plan_signed_by": reads.person(ticket.plan_signed_by),
        "svg": diagram.workflow_svg(ticket.state, [spec.name for spec in transitions]),
        "stages": reads.stages_of(ticket, today),
        **ticket_decisions(user, ticket),
    }
    return render(request, "pages/ticket.html", context, status=status)


@login_required
def ticket_page(request: HttpRequest, ticket_id: int) -> HttpResponse:
    return _render(request, _ticket(request, ticket_id))


def _refused(request: HttpRequest, ticket_id: int, name: str, form: Any, refusal: actions.Refusal) -> HttpResponse:
    """Show the page again with the form and the service's reasons on it."""
    submitted = form.cleaned_data.get("version") if hasattr(form, "cleaned_data") else None
    ticket = _ticket(request, ticket_id)
    for key, texts in refusal.errors.items():
        target = key if key in form.fields else None
        for text in texts:
            form.add_error(target, text)
    if refusal.stale:
        # Keep what the person typed, but under the version they can now see, so a second submit is informed.
        data = form.data.copy()
        data["version"] = str(ticket.version)
        fresh = type(form)(data, form.files, auto_id=form.auto_id)
        fresh.is_valid()
        fresh.add_error(None, refusal.errors[None][0])
        form = fresh
    status = 409 if refusal.stale else 400
    return _render(request, ticket, bound=(name, form), stale_since=submitted if refusal.stale else None, status=status)


@login_required
@require_POST
def ticket_action(request: HttpRequest, ticket_id: int, name: str) -> HttpResponse:
    ticket = _ticket(request, ticket_id)
    user = request.user
    if name in TRANSITIONS:
        form = forms.transition_form(name, units=_units(name, user, ticket))(request.POST, auto_id=_ids(name))
    elif name in ACTIVITY_FORMS:
        form = ACTIVITY_FORMS[name](request.POST, request.FILES, auto_id=_ids(name))
    else:
        raise Http404
    if not form.is_valid():
        return _render(request, ticket, bound=(name, form), status=400)
    data = dict(form.cleaned_data)
    version = data.pop("version")
    if name in ACTIVITY_FORMS:
        write = {
            "progress": actions.report_progress,
            "evidence": actions.add_evidence,
            "extension": actions.request_extension,
            "pause": actions.request_pause,
            "resume": actions.resume_clock,
            "list": actions.list_ticket,
            "follow_up": actions.follow_up,
        }[name]
        refusal = write(ticket=ticket, actor=user, version=version, **data)
        done = ACTIVITY_LABELS[name]
    else:
        if "milestone_title_1" in data:
            data["milestones"] = forms.milestones_of(data)
        refusal = actions.fire(name, ticket=ticket, actor=user, version=version, data=data)
        done = diagram.short_label(TRANSITIONS[name].label)
    if refusal is not None:
        return _refused(request, ticket_id, name, form, refusal)
    messages.success(request, _("Done: %(action)s.") % {"action": done})
    return redirect("ticket-detail", ticket_id=ticket_id)


@login_required
@require_POST
def request_decision(request: HttpRequest, kind: str, request_id: int) -> HttpResponse:
    """A supervisor approves or rejects an extension or pause request on a ticket they may see."""
    visible = (
        selectors.extension_requests_visible_to(request.user)
        if kind == "extension"
        else selectors.pause_requests_visible_to(request.user)
    )
    clock_request: ExtensionRequest | PauseRequest | None = visible.filter(pk=request_id).first()
    if clock_request is None:
        raise Http404
    form = forms.DecisionForm(request.POST)
    back = request.POST.get("next") or ""
    if not form.is_valid():
        messages.error(request, _("Choose approve or reject."))
    else:
        refusal = actions.decide(
            clock_request, actor=request.user, approve=form.cleaned_data["approve"], reason=form.cleaned_data["reason"]
        )
        if refusal is None:
            messages.success(request, _("The decision is recorded."))
        else:
            for texts in refusal.errors.values():
                for text in texts:
                    messages.error(request, text)
    if back == "workspace":
        return redirect("workspace")
    return redirect("ticket-detail", ticket_id=clock_request.ticket_id)


@login_required
def evidence_file(request: HttpRequest, evidence_id: int) -> HttpResponse:
    """A supporting file, to whoever may see its ticket; to anyone else it does not exist."""
    evidence = selectors.evidence_visible_to(request.user).filter(pk=evidence_id).first()
    if evidence is None:
        raise Http404
    try:
        content = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(content, as_attachment=True, filename=evidence.name, content_type="application/octet-stream")
