"""Reads, scoped to what the acting user may see (DESIGN.md, "Who uses it").

A unit sees its own tickets and those it helps with; assessors and supervisors see their unit's subtree;
admins see everything. A ticket outside that scope does not exist for the user.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from tracker.errors import NotFound
from tracker.models import (
    Evidence,
    ExtensionRequest,
    Finding,
    Membership,
    Milestone,
    PauseRequest,
    Ticket,
    TicketEvent,
)
from tracker.permissions import (
    UNIT_ROLES,
    belongs_to,
    is_admin,
    memberships_of,
    roles_on,
    units_overseen_by,
)
from tracker.rows import JoinedRow
from tracker.services._core import policy_of
from workflows import clocks
from workflows.machine import TransitionSpec, transitions_from


def ticket_scope(user: AbstractBaseUser) -> Q | None:
    """A filter on Ticket for what the user may see; None means everything."""
    if is_admin(user):
        return None
    own = [unit_id for unit_id, _path, role in memberships_of(user) if role in UNIT_ROLES]
    units = sorted({*own, *units_overseen_by(user)})
    scope = Q(pk__in=[])
    if units:
        scope |= Q(lead_unit_id__in=units)
    if own:
        # Co-units through `inset` rather than a join: no ticket is repeated, and PostgreSQL may fetch either arm
        # through an index, which a small unit's page needs (tracker/lookups.py).
        co_unit_of = Ticket.co_units.through.objects.filter(unit_id__in=own).order_by().values("ticket_id")
        scope |= Q(pk__inset=co_unit_of)
    return scope


def tickets_visible_to(user: AbstractBaseUser) -> QuerySet[Ticket]:
    tickets = Ticket.objects.select_related("lead_unit", "finding", "finding__indicator")
    scope = ticket_scope(user)
    if scope is None:
        return tickets
    if not user.is_authenticated:
        return tickets.none()
    return tickets.filter(scope)


def transitions_available(user: AbstractBaseUser, ticket: Ticket) -> list[TransitionSpec]:
    """The transitions this user may fire on the ticket in its current state (before checking their inputs)."""
    held = roles_on(user, ticket)
    return [spec for spec in transitions_from(ticket.state) if held & set(spec.roles)]


def ticket_warning(ticket: Ticket, on: dt.date | None = None) -> clocks.Warning | None:
    """The warning colour of the ticket's current stage."""
    if not ticket.is_open:
        return None
    on = on or clocks.today()
    return clocks.warning(
        deadline=ticket.stage_deadline,
        on=on,
        policy=policy_of(ticket),
        paused=ticket.is_paused,
        started_on=ticket.stage_started_on,
        progress=ticket.progress if ticket.state == "rectifying" else None,
    )


def findings_visible_to(user: AbstractBaseUser) -> QuerySet[Finding]:
    """Findings with a ticket the user may see."""
    findings = Finding.objects.select_related("indicator", "unit")
    if ticket_scope(user) is None:
        return findings
    return findings.filter(pk__in=tickets_visible_to(user).values("finding_id"))


def extension_requests_visible_to(user: AbstractBaseUser) -> QuerySet[ExtensionRequest]:
    requests = ExtensionRequest.objects.select_related("ticket", "requested_by", "decided_by")
    if ticket_scope(user) is None:
        return requests
    return requests.filter(ticket__in=tickets_visible_to(user).values("pk"))


def pause_requests_visible_to(user: AbstractBaseUser) -> QuerySet[PauseRequest]:
    requests = PauseRequest.objects.select_related("ticket", "requested_by", "decided_by")
    if ticket_scope(user) is None:
        return requests
    return requests.filter(ticket__in=tickets_visible_to(user).values("pk"))


def may_see(user: AbstractBaseUser, ticket: Ticket) -> bool:
    """ticket_scope's rule on a ticket already fetched: the user administers, works in or oversees the lead unit,
    or works in a co-unit (the co-units are read only when nothing else decides)."""
    return (
        is_admin(user) or bool(roles_on(user, ticket)) or any(belongs_to(user, unit) for unit in ticket.co_units.all())
    )


def _visible_or_404(user: AbstractBaseUser, ticket: Ticket | None) -> Ticket:
    if ticket is None or not may_see(user, ticket):
        raise NotFound(_("No ticket with this number is visible to you."))
    return ticket


# One ticket with its unit, as every action on a ticket first reads it (tracker.rows: written out once).
VISIBLE_TICKET = JoinedRow(Ticket, {"lead_unit": ["name", "code", "path"]})


def ticket_get(user: AbstractBaseUser, ticket_id: int) -> Ticket:
    """One ticket the user may see, or NotFound. Read by primary key and checked with may_see: for one ticket,
    planning the scoped subquery costs more than reading the row."""
    return _visible_or_404(user, VISIBLE_TICKET.get(ticket_id))


def ticket_events(user: AbstractBaseUser, ticket_id: int) -> QuerySet[TicketEvent]:
    return ticket_get(user, ticket_id).events.select_related("actor").order_by("id")


def _exists_for_ticket(model: type[Any]) -> str:
    return f'EXISTS (SELECT 1 FROM "{model._meta.db_table}" x WHERE x."ticket_id" = t."id")'


# What a full ticket page shows of the rows the ticket names, read in one written-out statement (tracker.rows): an
# API client reads tickets one by one, and compiling this read in the ORM cost more than the rest of the request.
TICKET_DETAIL = JoinedRow(
    Ticket,
    {
        "lead_unit": ["name", "code", "path"],
        "finding": ["appraisal", "indicator", "description", "severity", "source", "document_number", "recurring"],
        "finding__indicator": ["code", "name", "dimension"],
        "created_by": ["username"],
        "explained_by": ["username"],
    },
    extra={
        "has_co_units": _exists_for_ticket(Ticket.co_units.through),
        "has_milestones": _exists_for_ticket(Milestone),
    },
)


def ticket_detail_get(user: AbstractBaseUser, ticket_id: int) -> Ticket:
    """ticket_get with what a full ticket page shows: its unit, finding and indicator, the usernames of the people
    on it (`created_by`, `explained_by`), and its co-units and milestones as lists (`co_unit_list`,
    `milestone_list`), read only when the row says there are some."""
    ticket = TICKET_DETAIL.get(ticket_id)
    if ticket is not None:
        ticket.co_unit_list = list(ticket.co_units.all()) if ticket.has_co_units else []
        ticket.milestone_list = list(ticket.milestones.all()) if ticket.has_milestones else []
    return _visible_or_404(user, ticket)


def evidence_visible_to(user: AbstractBaseUser) -> QuerySet[Evidence]:
    evidence = Evidence.objects.all()
    if ticket_scope(user) is None:
        return evidence
    return evidence.filter(ticket__in=tickets_visible_to(user).values("pk"))


def user_with_memberships(user: AbstractBaseUser) -> AbstractBaseUser:
    """The user, with their memberships and each membership's unit, in tree order."""
    memberships = Membership.objects.select_related("unit").order_by("unit__path", "role")
    return get_user_model().objects.prefetch_related(Prefetch("memberships", queryset=memberships)).get(pk=user.pk)
