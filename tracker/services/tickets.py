"""The workflow actions on a ticket: one service per transition (DESIGN.md, "The rectification workflow").

Each one locks the ticket row, checks role, state and version, validates what the transition needs, fires the
django-fsm transition, restarts the stage clock, writes the event and bumps the version, all in one transaction.
A refusal raises a tracker.errors type and leaves nothing changed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, TypedDict

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _
from typing_extensions import Unpack

from tracker.errors import Forbidden, Invalid, InvalidTransition
from tracker.models import (
    EventKind,
    Evidence,
    Feedback,
    Milestone,
    PlanState,
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
    stage_close,
    stage_open,
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
    guard = spec.failed_guard(ticket)
    if guard is not None:
        raise InvalidTransition(str(guard.refusal), ticket=ticket)
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
    new_stage: bool = True,
    deadline: dt.date | None = None,
) -> Ticket:
    """Fire the transition and save the ticket (`fields`: what the service changed besides the state and the
    clock) with its event. With `new_stage` (every transition but the steps taken within the signing stage) the
    stage ends in the stage record and the next one starts its clock, with the policy's deadline or `deadline`."""
    from_state = ticket.state
    getattr(ticket, name)()
    if new_stage:
        stage_close(ticket, today)
        if ticket.is_paused:  # a new stage starts its own clock, so a pause of the old stage's clock ends with it
            end_pause(ticket, today)
        set_stage_clock(ticket, today=today, policy=policy, deadline=deadline)
        stage_open(ticket, today)
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


# --- the signing stage (签收): the plan, its signature and review, a return of a ticket that is not the unit's ----

PLAN_FIELDS = (
    "measures",
    "goal",
    "responsible_person",
    "target_date",
    "contact_phone",
    "plan_state",
    "milestones_total",
)


class PlanParts(TypedDict, total=False):
    """The parts of a plan (整改方案) a step of the signing stage may give; a part left out (or None) keeps what the
    submitted plan says."""

    measures: str | None
    goal: str | None
    responsible_person: str | None
    target_date: dt.date | None
    milestones: Iterable[tuple[str, dt.date]] | None
    contact_phone: str | None


def _take_plan(
    t: Ticket,
    today: dt.date,
    *,
    measures: str | None = None,
    goal: str | None = None,
    responsible_person: str | None = None,
    target_date: dt.date | None = None,
    milestones: Iterable[tuple[str, dt.date]] | None = None,
    contact_phone: str | None = None,
) -> list[tuple[str, dt.date]] | None:
    """Check the plan and put it on the ticket. A part left out (None) keeps what the submitted plan says, so the
    head signs the officer's plan without retyping it. Returns the milestones to store, or None to keep them."""
    errors: dict[str, str] = {}
    plan = {
        "measures": t.measures if measures is None else measures,
        "goal": t.goal if goal is None else goal,
        "responsible_person": t.responsible_person if responsible_person is None else responsible_person,
    }
    measures = _required_text(errors, "measures", plan["measures"], _("Describe the rectification measures."))
    goal = _required_text(errors, "goal", plan["goal"], _("State the rectification goal."))
    responsible_person = _required_text(
        errors, "responsible_person", plan["responsible_person"], _("Name the responsible person.")
    )
    target_date = t.target_date if target_date is None else target_date
    if target_date is None:
        errors["target_date"] = _("Give a target date.")
    elif target_date > t.due_on:
        errors["target_date"] = _("The target date may not lie after the deadline %(due)s.") % {"due": t.due_on}
    elif target_date < today:
        errors["target_date"] = _("The target date may not lie in the past.")
    if milestones is not None:
        milestones = list(milestones)
        for title, due in milestones:
            if not title.strip() or due > t.due_on:
                errors["milestones"] = _("Each milestone needs a title and a date no later than the deadline.")
    _raise_if(errors)
    t.measures, t.goal, t.responsible_person, t.target_date = measures, goal, responsible_person, target_date
    t.contact_phone = (contact_phone or "").strip() or t.contact_phone
    return milestones


def _store_milestones(t: Ticket, milestones: list[tuple[str, dt.date]] | None) -> None:
    """Replace the plan's milestones (None: keep them); the caller saves `milestones_total` with the plan."""
    if milestones is not None:
        Milestone.objects.filter(ticket=t).delete()
        Milestone.objects.bulk_create(Milestone(ticket=t, title=title.strip(), due_on=due) for title, due in milestones)
        t.milestones_total = len(milestones)


def _plan_step(
    name: str, *, ticket_id: int, actor: User, version: int | None, plan: PlanParts, state: PlanState
) -> Ticket:
    """A step of the plan in the signing stage: the plan taken, and its state set; signed by the actor unless it is
    only submitted. Only the head's signature without review (`accept`) ends the stage; the others leave its clock
    running."""
    with transaction.atomic():
        t, policy, today = _begin(ticket_id, actor, version, name)
        kept = _take_plan(t, today, **plan)
        t.plan_state = state
        fields: tuple[str, ...] = PLAN_FIELDS
        if state != PlanState.SUBMITTED:
            t.plan_signed_by, t.plan_signed_on = actor, today
            fields = (*PLAN_FIELDS, "plan_signed_by", "plan_signed_on")
        _store_milestones(t, kept)
        data: dict[str, Any] = {"target_date": str(t.target_date)}
        if name == "accept":
            data["milestones"] = t.milestones_total
        _finish(t, actor, name, policy, today, data, fields, new_stage=name == "accept")
    return t


def ticket_submit_plan(*, ticket_id: int, actor: User, version: int | None, **plan: Unpack[PlanParts]) -> Ticket:
    """报送方案: the unit's plan goes to its head for signature; the signing clock keeps running."""
    return _plan_step(
        "submit_plan", ticket_id=ticket_id, actor=actor, version=version, plan=plan, state=PlanState.SUBMITTED
    )


def ticket_accept(*, ticket_id: int, actor: User, version: int | None, **plan: Unpack[PlanParts]) -> Ticket:
    """签收: the unit head signs the plan (the submitted one, or as given here) and rectifying starts; the target
    date may not lie after the deadline. A plan that needs review is signed with ticket_sign_plan instead."""
    return _plan_step("accept", ticket_id=ticket_id, actor=actor, version=version, plan=plan, state=PlanState.ADOPTED)


def ticket_sign_plan(*, ticket_id: int, actor: User, version: int | None, **plan: Unpack[PlanParts]) -> Ticket:
    """签批方案: the head signs a plan that the assessor reviews (方案审核); the signing clock keeps running."""
    return _plan_step(
        "sign_plan", ticket_id=ticket_id, actor=actor, version=version, plan=plan, state=PlanState.AWAITING_REVIEW
    )


def ticket_approve_plan(*, ticket_id: int, actor: User, version: int | None, comment: str = "") -> Ticket:
    """方案审核通过: the assessor approves the signed plan; rectifying starts."""
    with transaction.atomic():
        t, policy, today = _begin(ticket_id, actor, version, "approve_plan")
        if t.target_date is not None and t.target_date < today:
            raise Invalid({"target_date": _("The plan's target date has passed: return the plan for revision.")})
        t.plan_state = PlanState.ADOPTED
        _finish(t, actor, "approve_plan", policy, today, {"comment": (comment or "").strip()}, ("plan_state",))
    return t


def ticket_return_plan(*, ticket_id: int, actor: User, version: int | None, reason: str) -> Ticket:
    """方案退回: the assessor sends the signed plan back with a reason; the signing clock keeps running."""
    with transaction.atomic():
        t, policy, today = _begin(ticket_id, actor, version, "return_plan")
        errors: dict[str, str] = {}
        reason = _required_text(errors, "reason", reason, _("Say what the plan must change."))
        _raise_if(errors)
        t.plan_state = PlanState.RETURNED
        _finish(t, actor, "return_plan", policy, today, {"reason": reason}, ("plan_state",), False)
    return t


def ticket_return_ticket(
    *, ticket_id: int, actor: User, version: int | None, reason: str, suggested_unit: Unit | None = None
) -> Ticket:
    """退回: the unit believes the ticket is not its own and returns it, saying why and, if it knows, which unit it
    belongs to; the assessor or supervisor reassigns it or upholds the assignment. Counted for the scorecards."""
    with transaction.atomic():
        t, policy, today = _begin(ticket_id, actor, version, "return_ticket")
        errors: dict[str, str] = {}
        reason = _required_text(errors, "reason", reason, _("Say why the ticket is not your unit's."))
        if suggested_unit is not None and suggested_unit.pk == t.lead_unit_id:
            errors["suggested_unit"] = _("Name another unit, or none.")
        _raise_if(errors)
        t.return_pending = True
        t.return_count += 1
        data = {"reason": reason, "suggested_unit": suggested_unit.pk if suggested_unit else None}
        _finish(t, actor, "return_ticket", policy, today, data, ("return_pending", "return_count"), False)
    return t


def ticket_insist(*, ticket_id: int, actor: User, version: int | None, reason: str) -> Ticket:
    """坚持交办: the ticket stays with the unit that returned it; its signing clock has run on meanwhile."""
    with transaction.atomic():
        t, policy, today = _begin(ticket_id, actor, version, "insist")
        errors: dict[str, str] = {}
        reason = _required_text(errors, "reason", reason, _("Say why the ticket stays with this unit."))
        _raise_if(errors)
        t.return_pending = False
        _finish(t, actor, "insist", policy, today, {"reason": reason}, ("return_pending",), False)
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
        # The new unit writes its own plan; a return by the old unit is answered by the reassignment.
        t.plan_state, t.plan_signed_by, t.plan_signed_on, t.return_pending = PlanState.NONE, None, None, False
        _finish(
            t,
            actor,
            "reassign",
            policy,
            today,
            {"from_unit": old_unit.pk, "to_unit": unit.pk, "reason": reason},
            ("lead_unit", "assigned_on", "due_on", "plan_state", "plan_signed_by", "plan_signed_on", "return_pending"),
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


def ticket_continue_rectifying(
    *, ticket_id: int, actor: User, version: int | None, comment: str, next_review_on: dt.date | None
) -> Ticket:
    """持续整改: the assessor's verdict on a long-term problem that is being worked on but cannot be closed yet
    (问题不解决不销号). The ticket stays explained, reporting progress every cycle, until the next review date, which
    is the deadline of its new verification stage."""
    with transaction.atomic():
        t, policy, today = _begin(ticket_id, actor, version, "continue_rectifying")
        errors: dict[str, str] = {}
        comment = _required_text(errors, "comment", comment, _("Record the opinion on the progress so far."))
        if next_review_on is None or next_review_on <= today:
            errors["next_review_on"] = _("Give the date of the next review, after today.")
        _raise_if(errors)
        assert next_review_on is not None  # refused above when missing
        Verification.objects.create(
            ticket=t, assessor=actor, verdict=Verdict.CONTINUING, comment=comment, next_review_on=next_review_on
        )
        t.next_review_on = next_review_on
        data = {"comment": comment, "next_review_on": str(next_review_on)}
        _finish(t, actor, "continue_rectifying", policy, today, data, ("next_review_on",), deadline=next_review_on)
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
    "submit_plan": ticket_submit_plan,
    "accept": ticket_accept,
    "sign_plan": ticket_sign_plan,
    "approve_plan": ticket_approve_plan,
    "return_plan": ticket_return_plan,
    "return_ticket": ticket_return_ticket,
    "insist": ticket_insist,
    "continue_rectifying": ticket_continue_rectifying,
    "reassign": ticket_reassign,
    "explain": ticket_explain,
    "verify": ticket_verify,
    "reject": ticket_reject,
    "close": ticket_close,
    "reopen": ticket_reopen,
    "withdraw": ticket_withdraw,
}
