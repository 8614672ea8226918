"""The workflow actions on a ticket: one service per transition (DESIGN.md, "The rectification workflow").

Each one locks the ticket row, checks role, state and version, validates what the transition needs, fires the
django-fsm transition, restarts the stage clock, writes the event and bumps the version, all in one transaction.
A refusal raises a tracker.errors type and leaves nothing changed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from tracker.errors import Forbidden, Invalid, InvalidTransition
from tracker.models import (
    EventKind,
    Evidence,
    Feedback,
    Milestone,
    Rating,
    Ticket,
    Unit,
    Verdict,
    Verification,
)
from tracker.permissions import belongs_to
from tracker.services._core import (
    CLOCK_FIELDS,
    check_version,
    end_pause,
    lock_ticket,
    policy_of,
    record,
    require_role,
    set_stage_clock,
)
from workflows import calendar, clocks
from workflows.machine import TRANSITIONS
from workflows.models import Policy


def _begin(ticket_id: int, actor: User, version: int | None, name: str) -> tuple[Ticket, Policy, dt.date]:
    """Lock the ticket and check that the actor may fire this transition on it now, at the version they read."""
    spec = TRANSITIONS[name]
    ticket = lock_ticket(actor, ticket_id)
    require_role(actor, ticket, spec.roles, str(spec.label))
    if ticket.state not in spec.sources:
        raise InvalidTransition(
            _("“%(transition)s” is not possible while the ticket is %(state)s.")
            % {"transition": spec.label, "state": ticket.get_state_display()},
            ticket=ticket,
        )
    check_version(ticket, version)
    return ticket, policy_of(ticket), clocks.today()


def _finish(
    ticket: Ticket,
    actor: User,
    name: str,
    policy: Policy,
    today: dt.date,
    data: dict[str, Any],
    fields: tuple[str, ...] = (),
) -> Ticket:
    """Fire the transition, start the new stage's clock, and save the ticket (`fields`: what the service changed
    besides the state and the clock) with its event."""
    from_state = ticket.state
    getattr(ticket, name)()
    if ticket.is_paused:  # a new stage starts its own clock, so a pause of the old stage's clock ends with it
        end_pause(ticket, today)
    set_stage_clock(ticket, today=today, policy=policy)
    record(
        ticket,
        kind=EventKind(name),
        actor=actor,
        fields=("state", *CLOCK_FIELDS, *fields),
        from_state=from_state,
        data=data,
    )
    return ticket


def _required_text(errors: dict[str, str], field: str, value: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        errors[field] = message
    return value


def _raise_if(errors: dict[str, str]) -> None:
    if errors:
        raise Invalid(errors)


def ticket_accept(
    *,
    ticket_id: int,
    actor: User,
    version: int | None,
    measures: str,
    goal: str,
    responsible_person: str,
    target_date: dt.date | None,
    milestones: Iterable[tuple[str, dt.date]] = (),
    contact_phone: str = "",
) -> Ticket:
    """签收: the unit signs for the ticket with its plan; the target date may not lie after the deadline."""
    with transaction.atomic():
        t, policy, today = _begin(ticket_id, actor, version, "accept")
        errors: dict[str, str] = {}
        measures = _required_text(errors, "measures", measures, _("Describe the rectification measures."))
        goal = _required_text(errors, "goal", goal, _("State the rectification goal."))
        responsible_person = _required_text(
            errors, "responsible_person", responsible_person, _("Name the responsible person.")
        )
        if target_date is None:
            errors["target_date"] = _("Give a target date.")
        elif target_date > t.due_on:
            errors["target_date"] = _("The target date may not lie after the deadline %(due)s.") % {"due": t.due_on}
        elif target_date < today:
            errors["target_date"] = _("The target date may not lie in the past.")
        milestones = list(milestones)
        for title, due in milestones:
            if not title.strip() or due > t.due_on:
                errors["milestones"] = _("Each milestone needs a title and a date no later than the deadline.")
        _raise_if(errors)
        t.measures, t.goal, t.responsible_person, t.target_date = (
            measures,
            goal,
            responsible_person,
            target_date,
        )
        t.contact_phone = contact_phone.strip() or t.contact_phone
        _finish(
            t,
            actor,
            "accept",
            policy,
            today,
            {"target_date": str(target_date), "milestones": len(milestones)},
            ("measures", "goal", "responsible_person", "target_date", "contact_phone"),
        )
        Milestone.objects.bulk_create(Milestone(ticket=t, title=title.strip(), due_on=due) for title, due in milestones)
    return t


def ticket_reassign(*, ticket_id: int, actor: User, version: int | None, unit: Unit, reason: str) -> Ticket:
    """改派: another unit takes over; its clocks start afresh."""
    with transaction.atomic():
        t, policy, today = _begin(ticket_id, actor, version, "reassign")
        errors: dict[str, str] = {}
        reason = _required_text(errors, "reason", reason, _("Give a reason for the reassignment."))
        if unit.pk == t.lead_unit_id:
            errors["unit"] = _("Choose a unit other than the current one.")
        _raise_if(errors)
        old_unit = t.lead_unit
        t.lead_unit = unit
        require_role(actor, t, TRANSITIONS["reassign"].roles, str(TRANSITIONS["reassign"].label))
        t.assigned_on = today
        t.due_on = calendar.add_workdays(today, policy.sign_days + policy.rectify_days)
        _finish(
            t,
            actor,
            "reassign",
            policy,
            today,
            {"from_unit": old_unit.pk, "to_unit": unit.pk, "reason": reason},
            ("lead_unit", "assigned_on", "due_on"),
        )
    return t


def ticket_explain(
    *,
    ticket_id: int,
    actor: User,
    version: int | None,
    explanation: str,
    closure_plan: str = "",
    closure_plan_date: dt.date | None = None,
) -> Ticket:
    """公示说明: the head publishes what was done (with evidence on file) or why not yet, with a dated plan."""
    with transaction.atomic():
        t, policy, today = _begin(ticket_id, actor, version, "explain")
        errors: dict[str, str] = {}
        explanation = _required_text(errors, "explanation", explanation, _("Write the public explanation."))
        closure_plan = (closure_plan or "").strip()
        has_evidence = Evidence.objects.filter(ticket=t).exists()
        if closure_plan or closure_plan_date:
            if not closure_plan:
                errors["closure_plan"] = _("Describe the plan for what cannot be solved yet.")
            if closure_plan_date is None or closure_plan_date <= today:
                errors["closure_plan_date"] = _("Give the plan a date in the future.")
        elif not has_evidence:
            errors["evidence"] = _(
                "Attach evidence of what was done, or give a dated plan for a problem that cannot be solved yet."
            )
        _raise_if(errors)
        t.explanation, t.closure_plan, t.closure_plan_date = explanation, closure_plan, closure_plan_date
        t.explained_by, t.published_on = actor, today
        _finish(
            t,
            actor,
            "explain",
            policy,
            today,
            {"with_plan": bool(closure_plan)},
            ("explanation", "closure_plan", "closure_plan_date", "explained_by", "published_on"),
        )
    return t


def satisfaction_of(ticket: Ticket) -> Decimal | None:
    """Share of satisfied and basically satisfied public feedback, or None when nobody has rated it."""
    ratings = list(Feedback.objects.filter(ticket=ticket).values_list("rating", flat=True))
    if not ratings:
        return None
    good = sum(r != Rating.DISSATISFIED for r in ratings)
    return (Decimal(good) / Decimal(len(ratings))).quantize(Decimal("0.001"))


def notice_ends_on(ticket: Ticket, policy: Policy) -> dt.date | None:
    """The last day of the public notice period."""
    if ticket.published_on is None:
        return None
    return calendar.add_workdays(ticket.published_on, policy.notice_days)


def ticket_verify(
    *,
    ticket_id: int,
    actor: User,
    version: int | None,
    comment: str = "",
    satisfaction_override: str = "",
) -> Ticket:
    """验收: an assessor outside the unit accepts; evidence on file, notice over, satisfaction at the bar."""
    with transaction.atomic():
        t, policy, today = _begin(ticket_id, actor, version, "verify")
        if belongs_to(actor, t.lead_unit) or any(belongs_to(actor, u) for u in t.co_units.all()):
            raise Forbidden(_("An assessor who belongs to the ticket's unit may not verify it."), ticket=t)
        errors: dict[str, str] = {}
        if not Evidence.objects.filter(ticket=t).exists():
            errors["evidence"] = _("No evidence is on file for this ticket.")
        notice_end = notice_ends_on(t, policy)
        if notice_end is not None and today <= notice_end:
            errors["notice"] = _("The public notice period runs until %(date)s.") % {"date": notice_end}
        satisfaction = satisfaction_of(t)
        satisfaction_override = (satisfaction_override or "").strip()
        if satisfaction is not None and satisfaction < policy.satisfaction_bar and not satisfaction_override:
            errors["satisfaction_override"] = _(
                "Public satisfaction is %(value)s%%, below the bar of %(bar)s%%: record why you verify anyway."
            ) % {"value": round(satisfaction * 100), "bar": round(policy.satisfaction_bar * 100)}
        _raise_if(errors)
        Verification.objects.create(
            ticket=t,
            assessor=actor,
            verdict=Verdict.PASSED,
            comment=comment.strip(),
            satisfaction=satisfaction,
            satisfaction_override=satisfaction_override,
        )
        _finish(
            t,
            actor,
            "verify",
            policy,
            today,
            {"satisfaction": str(satisfaction) if satisfaction is not None else None},
        )
    return t


def ticket_reject(
    *, ticket_id: int, actor: User, version: int | None, reason: str, new_deadline: dt.date | None
) -> Ticket:
    """退回重改: back to the unit with a reason and a new deadline; counts as a reopen."""
    with transaction.atomic():
        t, policy, today = _begin(ticket_id, actor, version, "reject")
        errors: dict[str, str] = {}
        reason = _required_text(errors, "reason", reason, _("Give a reason for sending the ticket back."))
        if new_deadline is None or new_deadline <= today:
            errors["new_deadline"] = _("Give a new deadline after today.")
        _raise_if(errors)
        assert new_deadline is not None  # refused above when missing
        Verification.objects.create(ticket=t, assessor=actor, verdict=Verdict.FAILED, comment=reason)
        t.due_on = new_deadline
        t.reopen_count += 1
        _finish(
            t,
            actor,
            "reject",
            policy,
            today,
            {"reason": reason, "new_deadline": str(new_deadline)},
            ("due_on", "reopen_count"),
        )
    return t


def ticket_close(*, ticket_id: int, actor: User, version: int | None) -> Ticket:
    """销号."""
    with transaction.atomic():
        t, policy, today = _begin(ticket_id, actor, version, "close")
        t.closed_on = today
        _finish(t, actor, "close", policy, today, {}, ("closed_on",))
    return t


def ticket_reopen(
    *,
    ticket_id: int,
    actor: User,
    version: int | None,
    reason: str,
    new_deadline: dt.date | None = None,
) -> Ticket:
    """复号 / 回头看: a closed ticket goes back to the unit; without a new deadline it gets the class's full time."""
    with transaction.atomic():
        t, policy, today = _begin(ticket_id, actor, version, "reopen")
        errors: dict[str, str] = {}
        reason = _required_text(
            errors, "reason", reason, _("Give a reason for reopening (recurrence, complaint, spot check).")
        )
        if new_deadline is not None and new_deadline <= today:
            errors["new_deadline"] = _("Give a new deadline after today.")
        _raise_if(errors)
        t.due_on = new_deadline or calendar.add_workdays(today, policy.rectify_days)
        t.closed_on = None
        t.reopen_count += 1
        _finish(
            t,
            actor,
            "reopen",
            policy,
            today,
            {"reason": reason, "new_deadline": str(t.due_on)},
            ("due_on", "closed_on", "reopen_count"),
        )
    return t


def ticket_withdraw(*, ticket_id: int, actor: User, version: int | None, reason: str) -> Ticket:
    """撤销: a finding logged in error."""
    with transaction.atomic():
        t, policy, today = _begin(ticket_id, actor, version, "withdraw")
        errors: dict[str, str] = {}
        reason = _required_text(errors, "reason", reason, _("Give a reason for withdrawing the ticket."))
        _raise_if(errors)
        _finish(t, actor, "withdraw", policy, today, {"reason": reason})
    return t


# The services by transition name, for callers that dispatch on it (the API, the pages, the tests).
TRANSITION_SERVICES = {
    "accept": ticket_accept,
    "reassign": ticket_reassign,
    "explain": ticket_explain,
    "verify": ticket_verify,
    "reject": ticket_reject,
    "close": ticket_close,
    "reopen": ticket_reopen,
    "withdraw": ticket_withdraw,
}
