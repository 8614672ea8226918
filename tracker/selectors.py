"""Reads, scoped to what the acting user may see (DESIGN.md, "Who uses it").

A unit sees its own tickets and those it helps with; assessors and supervisors see their unit's subtree;
admins see everything. A ticket outside that scope does not exist for the user.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
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
    TicketStage,
)
from tracker.permissions import (
    UNIT_ROLES,
    belongs_to,
    is_admin,
    memberships_of,
    roles_on,
    units_overseen_by,
)
from workflows import clocks
from workflows.machine import OPEN_STATES, TicketState, TransitionSpec, transitions_from
from workflows.models import Policy


def ticket_scope(user: User) -> Q | None:
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


def tickets_visible_to(user: User) -> QuerySet[Ticket]:
    tickets = Ticket.objects.select_related("lead_unit", "finding__indicator")
    scope = ticket_scope(user)
    if scope is None:
        return tickets
    if not user.is_authenticated:
        return tickets.none()
    return tickets.filter(scope)


def transitions_available(user: User, ticket: Ticket) -> list[TransitionSpec]:
    """The transitions this user may fire on the ticket in its current state (before checking their inputs)."""
    held = roles_on(user, ticket)
    return [
        spec for spec in transitions_from(ticket.state) if held & set(spec.roles) and spec.failed_guard(ticket) is None
    ]


def ticket_policy(ticket: Ticket) -> Policy:
    """The deadline policy that governs the ticket: its class's, and its finding's severity's where that matters."""
    return Policy.for_ticket(ticket.rectification_class, ticket.finding.severity)


def milestones_due(on: dt.date) -> Case:
    """How many of a ticket's milestones fall on or before `on`: read only for a ticket whose plan has any."""
    count = (
        Milestone.objects.filter(ticket=OuterRef("pk"), due_on__lte=on)
        .order_by()
        .values("ticket")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Case(
        When(milestones_total__gt=0, then=Coalesce(Subquery(count), 0)),
        default=Value(0),
        output_field=IntegerField(),
    )


def ticket_warning(ticket: Ticket, on: dt.date | None = None) -> clocks.Warning | None:
    """The warning colour of the ticket's current stage."""
    on = on or clocks.today()
    row = {
        "id": ticket.pk,
        "state": ticket.state,
        "rectification_class": ticket.rectification_class,
        "finding__severity": ticket.finding.severity,
        "stage_deadline": ticket.stage_deadline,
        "stage_started_on": ticket.stage_started_on,
        "paused_workdays_left": ticket.paused_workdays_left,
        "progress": ticket.progress,
        "milestones_total": ticket.milestones_total,
    }
    listed = getattr(ticket, "milestone_list", None)
    if listed is not None:
        row["milestones_due"] = sum(m.due_on <= on for m in listed)
    elif on == clocks.today() and hasattr(ticket, "milestones_due"):  # as ticket_get reads it
        row["milestones_due"] = ticket.milestones_due
    return row_warning(row, on)


def row_warning(row: dict[str, Any], on: dt.date | None = None) -> clocks.Warning | None:
    """The warning colour of a ticket's current stage, from a ledger row (or any mapping holding those
    of its fields). A row of a ticket whose plan has milestones says how many are due by `on` (`milestones_due`, as
    ledger_rows reads it), or they are counted here."""
    if row["state"] not in OPEN_STATES:
        return None
    on = on or clocks.today()
    scheduled = None
    if row["state"] == TicketState.RECTIFYING and row.get("milestones_total"):
        due = row.get("milestones_due")
        if due is None:
            due = Milestone.objects.filter(ticket_id=row["id"], due_on__lte=on).count()
        scheduled = clocks.milestone_progress(due, row["milestones_total"])
    return clocks.warning(
        deadline=row["stage_deadline"],
        on=on,
        policy=Policy.for_ticket(row["rectification_class"], row["finding__severity"]),
        paused=row["paused_workdays_left"] is not None,
        started_on=row["stage_started_on"],
        progress=row["progress"] if row["state"] == TicketState.RECTIFYING else None,
        scheduled=scheduled,
    )


# The ticket's own fields in a row of the ledger (整改台账). A field added here shows in the ledger and in a ticket's
# own representation, in the API and in the pages.
LEDGER_FIELDS = (
    *("id", "number", "state", "version", "rectification_class", "responsible_person", "assigned_on", "due_on"),
    *("stage_started_on", "stage_deadline", "progress", "listed", "extension_count", "reopen_count"),
    *("published_on", "closed_on", "updated_at"),
    *("plan_state", "return_pending", "return_count", "pause_count", "paused_workdays", "missed_reports"),
    "next_review_on",
)
# What a page of the ledger reads of each ticket besides LEDGER_FIELDS: what its warning colour is computed from,
# and its finding, indicator and lead unit.
LEDGER_RELATED = (
    *("paused_workdays_left", "milestones_total", "milestones_due"),
    *("finding_id", "finding__appraisal_id", "finding__description", "finding__severity", "finding__source"),
    *("finding__document_number", "finding__recurring"),
    *("finding__indicator_id", "finding__indicator__code", "finding__indicator__name", "finding__indicator__dimension"),
    *("lead_unit_id", "lead_unit__name", "lead_unit__code"),
)


def ledger_rows(tickets: QuerySet[Ticket], on: dt.date | None = None) -> QuerySet[Ticket]:
    """The ledger's rows for these tickets (from tickets_visible_to, filtered), as `.values()` of LEDGER_FIELDS and
    LEDGER_RELATED, with the milestones due by `on` (today) for the warning colour."""
    return tickets.annotate(milestones_due=milestones_due(on or clocks.today())).values(*LEDGER_FIELDS, *LEDGER_RELATED)


def findings_visible_to(user: User) -> QuerySet[Finding]:
    """Findings with a ticket the user may see."""
    findings = Finding.objects.select_related("indicator", "unit")
    if ticket_scope(user) is None:
        return findings
    return findings.filter(pk__in=tickets_visible_to(user).values("finding_id"))


def extension_requests_visible_to(user: User) -> QuerySet[ExtensionRequest]:
    requests = ExtensionRequest.objects.select_related("ticket", "requested_by", "decided_by")
    if ticket_scope(user) is None:
        return requests
    return requests.filter(ticket__in=tickets_visible_to(user).values("pk"))


def pause_requests_visible_to(user: User) -> QuerySet[PauseRequest]:
    requests = PauseRequest.objects.select_related("ticket", "requested_by", "decided_by")
    if ticket_scope(user) is None:
        return requests
    return requests.filter(ticket__in=tickets_visible_to(user).values("pk"))


def may_see(user: User, ticket: Ticket) -> bool:
    """ticket_scope's rule on a ticket already fetched: the user administers, works in or oversees the lead unit,
    or works in a co-unit (the co-units are read only when nothing else decides)."""
    return (
        is_admin(user) or bool(roles_on(user, ticket)) or any(belongs_to(user, unit) for unit in ticket.co_units.all())
    )


# What a ticket's page and its API representation read of the rows it names.
TICKET_RELATED = ("lead_unit", "finding__indicator", "created_by", "explained_by", "plan_signed_by")


def ticket_get(user: User, ticket_id: int, *, lock: bool = False) -> Ticket:
    """One ticket the user may see, or NotFound. Read by primary key and checked with may_see: for one ticket,
    planning the scoped subquery costs more than reading the row.

    With `lock`, the ticket's row is locked until the transaction ends, for a service that changes it: it comes with
    its lead unit and finding (read, not locked), which the roles and the policy need. Without, the ticket is read
    to be shown: with its indicator and people too, whether it has co-units (`has_co_units`; its milestones it
    counts itself), so that a page asks for those lists only when there are some, and how many milestones are due
    today (`milestones_due`), for its warning colour."""
    if lock:
        tickets = Ticket.objects.select_related("lead_unit", "finding").select_for_update(of=("self",))
    else:
        tickets = Ticket.objects.select_related(*TICKET_RELATED)
        tickets = tickets.annotate(
            has_co_units=Exists(Ticket.co_units.through.objects.filter(ticket=OuterRef("pk"))),
            milestones_due=milestones_due(clocks.today()),
        )
    try:
        ticket = tickets.get(pk=ticket_id)
    except Ticket.DoesNotExist:
        ticket = None
    if ticket is None or not may_see(user, ticket):
        raise NotFound(_("No ticket with this number is visible to you."))
    return ticket


def ticket_events(user: User, ticket_id: int) -> QuerySet[TicketEvent]:
    return ticket_get(user, ticket_id).events.select_related("actor").order_by("id")


def ticket_stages(user: User, ticket_id: int) -> QuerySet[TicketStage]:
    """The stages the ticket went through, first first, each with its deadline and when it ended."""
    return ticket_get(user, ticket_id).stages.select_related("unit").order_by("id")


def evidence_visible_to(user: User) -> QuerySet[Evidence]:
    evidence = Evidence.objects.all()
    if ticket_scope(user) is None:
        return evidence
    return evidence.filter(ticket__in=tickets_visible_to(user).values("pk"))


def user_with_memberships(user: User) -> User:
    """The user, with their memberships and each membership's unit, in tree order."""
    memberships = Membership.objects.select_related("unit").order_by("unit__path", "role")
    return get_user_model().objects.prefetch_related(Prefetch("memberships", queryset=memberships)).get(pk=user.pk)
