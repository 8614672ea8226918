"""Reads of the decision record, scoped to the user (DESIGN.md, "Who uses it"; issue "The decision record").

Decisions about a unit are visible to the supervisors over it and to the discipline inspection (纪检) and
organisation (组织部门) roles over it; to nobody in another unit, for whom such a decision does not exist. The
subject sees their own: a person the decisions naming their account, a unit's officers and head those about
the unit.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db.models import Exists, OuterRef, Q, QuerySet

from tracker.errors import NotFound
from tracker.models import Decision, DecisionEvent, Feedback, Rating, SubjectKind, Ticket, Unit
from tracker.permissions import UNIT_ROLES, memberships_of
from workflows.decisions import (
    SUBJECT,
    AppealOutcome,
    DecisionKind,
    DecisionState,
    DecisionTransitionSpec,
    decision_transitions_from,
)
from workflows.machine import OPEN_STATES, Role

DECISION_OVERSIGHT = (Role.SUPERVISOR, Role.DISCIPLINE, Role.ORGANISATION)


def roles_on_decision(user: User, decision: Decision) -> set[str]:
    """The roles the user holds in this decision's procedure: oversight roles over its unit, and `subject`."""
    if not user.is_authenticated:
        return set()
    unit_path = decision.subject_unit.path
    roles = set()
    for unit_id, path, role in memberships_of(user):
        if role in DECISION_OVERSIGHT and unit_path.startswith(path):
            roles.add(str(role))
        if decision.subject_kind == SubjectKind.UNIT and role in UNIT_ROLES and unit_id == decision.subject_unit_id:
            roles.add(SUBJECT)
    if decision.subject_kind == SubjectKind.PERSON and decision.subject_user_id == user.pk:
        roles.add(SUBJECT)
    return roles


def decisions_visible_to(user: User) -> QuerySet[Decision]:
    if not user.is_authenticated:
        return Decision.objects.none()
    own_units = [unit_id for unit_id, _path, role in memberships_of(user) if role in UNIT_ROLES]
    scope = Q(subject_kind=SubjectKind.PERSON, subject_user=user)
    overseen = _units_overseen(user)
    if overseen is not None:
        scope |= Q(subject_unit__in=overseen)
    if own_units:
        scope |= Q(subject_kind=SubjectKind.UNIT, subject_unit__in=own_units)
    return Decision.objects.filter(scope)


def _units_overseen(user: User) -> QuerySet[Unit, Any] | None:
    """The units in the subtrees the user oversees as supervisor, discipline inspection or organisation; None
    when they oversee none."""
    paths = [path for _unit_id, path, role in memberships_of(user) if role in DECISION_OVERSIGHT]
    if not paths:
        return None
    within = Q()
    for path in paths:
        within |= Q(path__startswith=path)
    return Unit.objects.filter(within).values("pk")


def decision_list(
    user: User,
    *,
    kind: str | None = None,
    state: str | None = None,
    unit: int | None = None,
    ticket: int | None = None,
) -> QuerySet[Decision]:
    """The decisions the user may see, filtered; `ticket`: those concerning it or opened to correct it."""
    decisions = decisions_visible_to(user).select_related("subject_unit", "correction_ticket")
    if kind:
        decisions = decisions.filter(kind=kind)
    if state:
        decisions = decisions.filter(state=state)
    if unit:
        decisions = decisions.filter(subject_unit_id=unit)
    if ticket:
        decisions = decisions.filter(Q(tickets=ticket) | Q(correction_ticket=ticket)).distinct()
    return decisions.order_by("-id")


def accountability_candidates(user: User) -> QuerySet[Ticket]:
    """Open tickets the user oversees that meet the grounds for accountability: listed supervision (overdue past
    that rung), rejected or reopened twice, or reopened with the public dissatisfied. Candidates only: a person
    decides whether to open accountability. A ticket an accountability already concerns (one not dismissed) is
    left out."""
    from tracker.selectors import tickets_visible_to

    dissatisfied = Feedback.objects.filter(ticket=OuterRef("pk"), rating=Rating.DISSATISFIED)
    pursued = Decision.objects.filter(tickets=OuterRef("pk"), kind=DecisionKind.ACCOUNTABILITY).exclude(
        state=DecisionState.DISMISSED
    )
    overseen = _units_overseen(user)
    if overseen is None:
        return Ticket.objects.none()
    return (
        tickets_visible_to(user)
        .filter(lead_unit__in=overseen, state__in=OPEN_STATES)
        .filter(Q(listed=True) | Q(reopen_count__gte=2) | Q(reopen_count__gte=1) & Exists(dissatisfied))
        .exclude(Exists(pursued))
        .order_by("due_on", "id")
    )


def decision_get(user: User, decision_id: int, *, lock: bool = False) -> Decision:
    """The decision if the user may see it (NotFound otherwise, as if it did not exist)."""
    decisions = Decision.objects.select_related("subject_unit", "correction_ticket")
    if lock:
        decisions = decisions.select_for_update(of=("self",))
    decision = decisions.filter(pk=decision_id).first()
    if decision is None or not roles_on_decision(user, decision):
        raise NotFound("No such decision.")
    return decision


def decision_events(user: User, decision_id: int) -> QuerySet[DecisionEvent]:
    decision_get(user, decision_id)
    return DecisionEvent.objects.filter(decision_id=decision_id).select_related("actor").order_by("seq")


def decision_transitions_available(user: User, decision: Decision) -> list[DecisionTransitionSpec]:
    held = roles_on_decision(user, decision)
    return [
        spec
        for spec in decision_transitions_from(decision.kind, decision.state, decision.appeal_state)
        if held & set(spec.roles)
    ]


def decisions_published() -> QuerySet[Decision]:
    """The public register's decisions: published ones, newest first; one revoked on appeal comes off it."""
    return (
        Decision.objects.filter(published_on__isnull=False)
        .exclude(appeal_outcome=AppealOutcome.REVOKED)
        .select_related("subject_unit")
        .order_by("-published_on", "-id")
    )
