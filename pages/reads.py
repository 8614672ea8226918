"""What the pages read beyond tracker.selectors, always starting from a selector scoped to the user.

Written here in the plain style (ORM, select_related, one query per kind of row) until the lead moves what is
shared into tracker.selectors. Each function reads a fixed number of statements, whatever the number of rows:
the query-count tests in tests/pages/ hold them to it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Q, QuerySet
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from notifications.models import Channel, Notification
from notifications.models import Kind as NoticeKind
from tracker import selectors
from tracker.models import (
    Dimension,
    EventKind,
    Evidence,
    ExtensionRequest,
    Feedback,
    PauseRequest,
    PlanState,
    ProgressReport,
    RequestState,
    Ticket,
    TicketEvent,
    TicketStage,
    Unit,
    Verification,
)
from tracker.permissions import OVERSIGHT_ROLES, UNIT_ROLES, membership_unit_names, memberships_of
from tracker.stats import overdue_q
from tracker.warning_filter import with_warning
from workflows import calendar, clocks
from workflows.machine import OPEN_STATES, STAGE_OWNER, Role, TicketState
from workflows.models import RectificationClass

User = get_user_model()


def person(user: AbstractBaseUser | None) -> str:
    """A person as the pages name them: their full name, else their username."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


# --- who is looking ------------------------------------------------------------------------------------------------


def roles_of(user: AbstractBaseUser) -> set[str]:
    return {role for _unit, _path, role in memberships_of(user)}


def home_of(user: AbstractBaseUser) -> str:
    """Where `/` sends a person: the unit workspace for officers and heads, the cockpit for supervisors, the ledger
    for assessors."""
    roles = roles_of(user)
    if roles & set(UNIT_ROLES) and not roles & set(OVERSIGHT_ROLES):
        return "workspace"
    if Role.SUPERVISOR in roles:
        return "dashboard"
    return "ledger"


def memberships_line(user: AbstractBaseUser) -> list[tuple[str, str]]:
    """(unit name, role label) for each of the user's memberships, for the page header."""
    names = membership_unit_names(user)
    return [(names.get(unit_id, ""), str(Role(role).label)) for unit_id, _path, role in memberships_of(user)]


# --- clocks --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StageClock:
    """The running stage's clock as a person reads it."""

    deadline: dt.date | None
    left: int | None  # working days left, 0 on the day; None when overdue or not running
    overdue: int | None  # working days past the deadline
    paused_left: int | None
    owner: str  # the role that must act

    @property
    def text(self) -> str:
        if self.paused_left is not None:
            return _("Clock paused, %(n)s working days left") % {"n": self.paused_left}
        if self.overdue is not None:
            return _("%(n)s working days overdue") % {"n": self.overdue}
        if self.left is not None:
            return _("%(n)s working days left") % {"n": self.left}
        return _("No clock runs in this state.")


def stage_clock(ticket: Ticket, today: dt.date) -> StageClock:
    return clock_of(ticket.state, ticket.stage_deadline, ticket.paused_workdays_left, today)


def clock_of(state: str, deadline: dt.date | None, paused_left: int | None, today: dt.date) -> StageClock:
    owner = STAGE_OWNER.get(state)
    owner_label = str(Role(owner).label) if owner else ""
    if state not in OPEN_STATES:
        return StageClock(None, None, None, None, "")
    if paused_left is not None:
        return StageClock(None, None, None, paused_left, owner_label)
    if deadline is None:
        return StageClock(None, None, None, None, owner_label)
    if today > deadline:
        return StageClock(deadline, None, calendar.workdays_between(deadline, today), None, owner_label)
    return StageClock(deadline, calendar.workdays_between(today, deadline), None, None, owner_label)


@dataclass
class StageRow:
    stage: TicketStage
    label: str
    late_days: int | None  # working days past the deadline (for an open stage: so far); None when on time


def stages_of(ticket: Ticket, today: dt.date) -> list[StageRow]:
    """The ticket's stage record, first stage first, with how many working days each ran over its deadline."""
    rows = []
    for stage in TicketStage.objects.filter(ticket=ticket).select_related("unit").order_by("id"):
        end = stage.ended_on or today
        late = None
        if stage.deadline is not None and end > stage.deadline:
            late = calendar.workdays_between(stage.deadline, end)
        rows.append(StageRow(stage, _state_label(stage.state), late))
    return rows


# --- the ledger ----------------------------------------------------------------------------------------------------

# Orderings of the ledger; each ends in the primary key, so a page boundary is one row (keyset paging).
LEDGER_ORDERINGS: dict[str, tuple[str, ...]] = {
    "-id": ("-id",),
    "deadline": ("stage_deadline", "id"),
    "due_on": ("due_on", "id"),
}
ORDERING_LABELS = {
    "-id": gettext_lazy("Newest first"),
    "deadline": gettext_lazy("Stage deadline, soonest first"),
    "due_on": gettext_lazy("Rectification deadline, soonest first"),
}


def _field_value(raw: str, name: str) -> Any:
    if name == "id":
        return int(raw)
    return dt.date.fromisoformat(raw) if raw else None


def decode_cursor(raw: str, fields: tuple[str, ...]) -> list[Any] | None:
    """A cursor is the ordering key of the last row seen, its parts joined by '~'. None when damaged."""
    parts = raw.split("~")
    if len(parts) != len(fields):
        return None
    try:
        key = [_field_value(part, f.lstrip("-")) for part, f in zip(parts, fields, strict=True)]
    except ValueError:
        return None
    return None if any(v is None for v in key) else key


def encode_cursor(row: dict[str, Any], fields: tuple[str, ...]) -> str:
    return "~".join(str(row[f.lstrip("-")]) for f in fields)


def after(fields: tuple[str, ...], key: list[Any]) -> Q:
    """Rows strictly after `key` in the order `fields`: (a > x) or (a = x and b > y) ..."""
    condition = Q(pk__in=[])
    for i, name in enumerate(fields):
        step = Q(**{f"{name.lstrip('-')}__{'lt' if name.startswith('-') else 'gt'}": key[i]})
        for earlier, value in zip(fields[:i], key[:i], strict=True):
            step &= Q(**{earlier.lstrip("-"): value})
        condition |= step
    return condition


@dataclass
class LedgerRow:
    """One ticket of the ledger, from selectors.ledger_rows (`v`, a `.values()` row), with what the page shows
    of it in words."""

    v: dict[str, Any]
    warning: clocks.Warning | None
    clock: StageClock
    co_units: list[str]

    @property
    def state_label(self) -> str:
        return TicketState(self.v["state"]).label

    @property
    def class_label(self) -> str:
        return RectificationClass(self.v["rectification_class"]).label

    @property
    def dimension_label(self) -> str:
        return Dimension(self.v["finding__indicator__dimension"]).label


@dataclass
class LedgerPage:
    rows: list[LedgerRow]
    next_cursor: str | None


def ledger_page(tickets: QuerySet[Ticket], *, ordering: str, cursor: str | None, size: int) -> LedgerPage:
    """One page of the filtered, scoped tickets as ledger rows, and the cursor of the next. Stage deadlines may be
    empty (a closed ticket): the "deadline" ordering leaves those tickets out."""
    fields = LEDGER_ORDERINGS[ordering]
    if fields[0] == "stage_deadline":
        tickets = tickets.filter(stage_deadline__isnull=False)
    key = decode_cursor(cursor, fields) if cursor else None
    if key is not None:
        tickets = tickets.filter(after(fields, key))
    page = list(selectors.ledger_rows(tickets.order_by(*fields))[: size + 1])
    shown = page[:size]
    co_units: dict[int, list[str]] = defaultdict(list)
    if shown:
        through = Ticket.co_units.through.objects.filter(ticket_id__in=[row["id"] for row in shown])
        for ticket_id, name in through.order_by("unit__path").values_list("ticket_id", "unit__name"):
            co_units[ticket_id].append(name)
    today = clocks.today()
    rows = [
        LedgerRow(
            v=row,
            warning=selectors.row_warning(row, today),
            clock=clock_of(row["state"], row["stage_deadline"], row["paused_workdays_left"], today),
            co_units=co_units.get(row["id"], []),
        )
        for row in shown
    ]
    more = len(page) > size
    return LedgerPage(rows=rows, next_cursor=encode_cursor(shown[-1], fields) if more else None)


def colour_counts(tickets: QuerySet[Ticket]) -> dict[str, int]:
    """How many of the filtered tickets carry each warning colour, counted in the database over the whole filter
    (not the page): red, paused and running in one aggregate; yellow by the working-day test of
    tracker.warning_filter; green is the running rest."""
    today = clocks.today()
    tickets = tickets.order_by()
    open_ = Q(state__in=OPEN_STATES)
    counts = tickets.aggregate(
        red=Count("pk", filter=overdue_q(today)),
        paused=Count("pk", filter=open_ & Q(paused_workdays_left__isnull=False)),
        running=Count("pk", filter=open_ & Q(paused_workdays_left__isnull=True, stage_deadline__gte=today)),
    )
    yellow = with_warning(tickets, clocks.Warning.YELLOW, today).count() if counts["running"] else 0
    return {
        clocks.Warning.GREEN.value: counts["running"] - yellow,
        clocks.Warning.YELLOW.value: yellow,
        clocks.Warning.RED.value: counts["red"],
        clocks.Warning.PAUSED.value: counts["paused"],
    }


# --- one ticket's history ------------------------------------------------------------------------------------------


@dataclass
class TimelineEntry:
    event: TicketEvent
    who: str
    lines: list[tuple[str, str]] = field(default_factory=list)  # (label, text)
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def from_label(self) -> str:
        return _state_label(self.event.from_state)

    @property
    def to_label(self) -> str:
        return _state_label(self.event.to_state)


def _state_label(state: str) -> str:
    from pages.diagram import short_label

    return short_label(TicketState(state).label) if state in TicketState.values else state


def _ids(events: Iterable[TicketEvent], key: str) -> set[int]:
    found: set[int] = set()
    for event in events:
        value = event.data.get(key)
        if isinstance(value, int):
            found.add(value)
        elif isinstance(value, list):
            found.update(v for v in value if isinstance(v, int))
    return found


def _date_text(raw: Any) -> str:
    try:
        return date_format(dt.date.fromisoformat(str(raw)))
    except ValueError:
        return ""


def timeline(ticket: Ticket) -> list[TimelineEntry]:
    """The ticket's events oldest first, each with its substance: what was reported, filed, decided and why.
    Reads one statement per kind of row the events name, however long the history."""
    events = list(ticket.events.select_related("actor").order_by("id"))
    reports = ProgressReport.objects.in_bulk(_ids((e for e in events if e.kind == EventKind.PROGRESS), "report"))
    evidence = Evidence.objects.in_bulk(_ids(events, "evidence"))
    extension_ids = _ids((e for e in events if e.kind.startswith("extension")), "request")
    pause_ids = _ids((e for e in events if e.kind.startswith("pause")), "request")
    extensions = ExtensionRequest.objects.in_bulk(extension_ids) if extension_ids else {}
    pauses = PauseRequest.objects.in_bulk(pause_ids) if pause_ids else {}
    feedback_ids = _ids((e for e in events if e.kind == EventKind.FEEDBACK), "feedback")
    feedback = Feedback.objects.in_bulk(feedback_ids) if feedback_ids else {}
    unit_ids = (
        _ids((e for e in events if e.kind == EventKind.REASSIGN), "from_unit")
        | _ids((e for e in events if e.kind == EventKind.REASSIGN), "to_unit")
        | _ids((e for e in events if e.kind == EventKind.RETURN_TICKET), "suggested_unit")
        | _ids((e for e in events if e.kind == EventKind.PROGRESS), "co_unit")
    )
    units = dict(Unit.objects.filter(pk__in=unit_ids).values_list("pk", "name")) if unit_ids else {}
    # A verification row is written with each verify and reject event, in the same order.
    verdicts = iter(list(Verification.objects.filter(ticket=ticket).order_by("id")))

    # The ticket keeps only its latest explanation, so only the latest explain event can show its text.
    last_explain = max((e.pk for e in events if e.kind == EventKind.EXPLAIN), default=None)
    plan_kinds = (EventKind.SUBMIT_PLAN, EventKind.SIGN_PLAN, EventKind.ACCEPT)
    last_accept = max((e.pk for e in events if e.kind in plan_kinds), default=None)
    milestones = getattr(ticket, "milestone_list", None)
    if milestones is None:
        milestones = list(ticket.milestones.all()) if last_accept else []
    entries = []
    for event in events:
        data = event.data
        if event.actor is not None:
            who = person(event.actor)
        elif event.kind == EventKind.FEEDBACK:
            who = _("the public")
        else:
            who = _("the system")
        entry = TimelineEntry(event=event, who=who)
        add = entry.lines.append
        kind = event.kind
        if kind == EventKind.CREATED:
            add((_("Rectification deadline"), _date_text(data.get("due_on"))))
            if data.get("recurring"):
                add((_("Recurring"), _("The same unit had a finding on this indicator before.")))
        elif kind in plan_kinds:
            if event.pk == last_accept:  # the ticket keeps the plan of its latest signing
                add((_("Measures"), ticket.measures))
                add((_("Goal"), ticket.goal))
                add((_("Responsible"), ticket.responsible_person))
            add((_("Target date"), _date_text(data.get("target_date"))))
            if event.pk == last_accept and milestones:
                add((_("Milestones"), "\n".join(f"{date_format(m.due_on)} {m.title}" for m in milestones)))
        elif kind == EventKind.REASSIGN:
            add((_("From"), units.get(data.get("from_unit"), "")))
            add((_("To"), units.get(data.get("to_unit"), "")))
            add((_("Reason"), data.get("reason", "")))
        elif kind == EventKind.RETURN_TICKET:
            add((_("Reason"), data.get("reason", "")))
            add((_("The unit it belongs to"), units.get(data.get("suggested_unit"), "")))
        elif kind in (EventKind.RETURN_PLAN, EventKind.INSIST):
            add((_("Reason"), data.get("reason", "")))
        elif kind == EventKind.APPROVE_PLAN:
            add((_("Opinion"), data.get("comment", "")))
        elif kind in (EventKind.SUMMONED, EventKind.CIRCULATED):
            if data.get("held_on"):
                add((_("Held on"), _date_text(data.get("held_on"))))
            add((_("Record"), data.get("note", "")))
        elif kind == EventKind.REPORT_MISSED:
            add((_("Report due"), _date_text(data.get("due"))))
            add((_("Reports missed so far"), str(data.get("missed", ""))))
        elif kind in (EventKind.REJECT, EventKind.REOPEN, EventKind.WITHDRAW):
            add((_("Reason"), data.get("reason", "")))
            if data.get("new_deadline"):
                add((_("New deadline"), _date_text(data.get("new_deadline"))))
        if kind in (EventKind.VERIFY, EventKind.REJECT, EventKind.CONTINUE_RECTIFYING):
            verification = next(verdicts, None)
            if verification is not None:
                add((_("Verdict"), verification.get_verdict_display()))
                if verification.comment and kind != EventKind.REJECT:
                    add((_("Opinion"), verification.comment))
                if verification.next_review_on:
                    add((_("Next review"), date_format(verification.next_review_on)))
                if verification.satisfaction_override:
                    add((_("Why verified below the bar"), verification.satisfaction_override))
        elif kind == EventKind.EXPLAIN:
            if event.pk == last_explain:
                add((_("Public explanation"), ticket.explanation))
        elif kind == EventKind.PROGRESS:
            report = reports.get(data.get("report"))
            if report is not None:
                if data.get("co_unit"):
                    add((_("For the part of"), units.get(data["co_unit"], "")))
                add((_("Progress"), f"{report.percent}% · {report.text}"))
                if report.difficulties:
                    add((_("Difficulties"), report.difficulties))
        elif kind in (EventKind.EXTENSION_REQUESTED, EventKind.EXTENSION_DECIDED):
            request = extensions.get(data.get("request"))
            if kind == EventKind.EXTENSION_REQUESTED:
                add((_("Requested deadline"), _date_text(data.get("requested_deadline"))))
                if request is not None:
                    add((_("Reason"), request.reason))
            else:
                add((_("Decision"), _("Approved") if data.get("approved") else _("Rejected")))
                if data.get("approved"):
                    add((_("New deadline"), _date_text(data.get("due_on"))))
                if request is not None and request.decision_reason:
                    add((_("Reason"), request.decision_reason))
        elif kind in (EventKind.PAUSE_REQUESTED, EventKind.PAUSE_DECIDED):
            request = pauses.get(data.get("request"))
            if kind == EventKind.PAUSE_REQUESTED:
                if request is not None:
                    add((_("Reason"), request.reason))
            else:
                add((_("Decision"), _("Approved") if data.get("approved") else _("Rejected")))
                if data.get("workdays_left") is not None:
                    add((_("Working days left"), str(data["workdays_left"])))
                if request is not None and request.decision_reason:
                    add((_("Reason"), request.decision_reason))
        elif kind == EventKind.RESUMED:
            add((_("New stage deadline"), _date_text(data.get("stage_deadline"))))
        elif kind == EventKind.FEEDBACK:
            given = feedback.get(data.get("feedback"))
            if given is not None:
                add((_("Rating"), given.get_rating_display()))
                if given.comment:
                    add((_("Comment"), given.comment))
        entry.evidence = [evidence[pk] for pk in data.get("evidence", []) or [] if pk in evidence]
        entries.append(entry)
    return entries


def requests_of(ticket: Ticket) -> tuple[list[ExtensionRequest], list[PauseRequest]]:
    extensions = list(ExtensionRequest.objects.filter(ticket=ticket).select_related("requested_by", "decided_by"))
    pauses = list(PauseRequest.objects.filter(ticket=ticket).select_related("requested_by", "decided_by"))
    return extensions, pauses


# --- the workspace -------------------------------------------------------------------------------------------------


@dataclass
class WaitingItem:
    ticket: Ticket
    what: str
    clock: StageClock
    warning: clocks.Warning | None


WORKSPACE_LIMIT = 50


def _waiting_rows(
    tickets: QuerySet[Ticket], states: list[str], what: str, today: dt.date, limit: int
) -> list[WaitingItem]:
    # With the milestones due today read alongside, the colour of a ticket whose plan has some costs no query.
    rows = (
        tickets.filter(state__in=states)
        .annotate(milestones_due=selectors.milestones_due(today))
        .order_by("stage_deadline", "id")[:limit]
    )
    return [WaitingItem(t, what, stage_clock(t, today), selectors.ticket_warning(t, today)) for t in rows]


def waiting_for(user: AbstractBaseUser, tickets: QuerySet[Ticket], limit: int = WORKSPACE_LIMIT) -> list[WaitingItem]:
    """What waits for this person, soonest deadline first: by the roles they hold."""
    roles = roles_of(user)
    today = clocks.today()
    items: list[WaitingItem] = []

    def _waiting(tickets: QuerySet[Ticket], states: list[str], what: str, today: dt.date) -> list[WaitingItem]:
        return _waiting_rows(tickets, states, what, today, limit)

    # In the signing stage, the plan goes from the officer to the head and, for a severe finding, to the assessor;
    # a ticket the unit returned waits for the assessor's or supervisor's decision, not for the unit.
    awaiting_review = Q(plan_state=PlanState.AWAITING_REVIEW)
    if roles & set(UNIT_ROLES):
        own = [unit_id for unit_id, _p, role in memberships_of(user) if role in UNIT_ROLES]
        mine = tickets.filter(lead_unit_id__in=own)
        signing = mine.filter(return_pending=False).exclude(awaiting_review)
        if Role.HEAD in roles:
            items += _waiting(signing, [TicketState.ASSIGNED], _("Sign the plan (签收)"), today)
            items += _waiting(mine, [TicketState.RECTIFYING], _("Sign off the public explanation"), today)
        else:
            items += _waiting(
                signing.exclude(plan_state=PlanState.SUBMITTED),
                [TicketState.ASSIGNED],
                _("Submit the plan for the head's signature"),
                today,
            )
            items += _waiting(mine, [TicketState.RECTIFYING], _("Report progress with evidence"), today)
        helping = tickets.filter(co_units__in=own).exclude(lead_unit_id__in=own)
        items += _waiting(helping, [TicketState.RECTIFYING], _("Report on your unit's part (协办)"), today)
    if Role.ASSESSOR in roles:
        items += _waiting(tickets.filter(awaiting_review), [TicketState.ASSIGNED], _("Review the plan"), today)
        items += _waiting(tickets, [TicketState.EXPLAINED], _("Verify the rectification"), today)
    if roles & {Role.ASSESSOR, Role.SUPERVISOR}:
        items += _waiting(
            tickets.filter(return_pending=True), [TicketState.ASSIGNED], _("Decide on the unit's return"), today
        )
    if Role.SUPERVISOR in roles:
        items += _waiting(tickets, [TicketState.VERIFIED], _("Close it out"), today)
    return items


def by_urgency(tickets: QuerySet[Ticket]) -> list[WaitingItem]:
    """The open tickets, overdue and nearest deadlines first."""
    today = clocks.today()
    rows = (
        tickets.filter(state__in=OPEN_STATES, stage_deadline__isnull=False)
        .annotate(milestones_due=selectors.milestones_due(today))
        .order_by("stage_deadline", "id")
        .select_related("finding__indicator")[:WORKSPACE_LIMIT]
    )
    return [WaitingItem(t, "", stage_clock(t, today), selectors.ticket_warning(t, today)) for t in rows]


def open_requests(user: AbstractBaseUser) -> tuple[list[ExtensionRequest], list[PauseRequest]]:
    """The requests the user may see, pending ones first, then the last month's decisions."""
    since = clocks.today() - dt.timedelta(days=31)
    recent = Q(state=RequestState.PENDING) | Q(created_at__date__gte=since) | Q(state=RequestState.APPROVED)
    extensions = list(
        selectors.extension_requests_visible_to(user)
        .filter(recent)
        .select_related("ticket__lead_unit")
        .order_by("state", "-created_at")[:WORKSPACE_LIMIT]
    )
    pauses = list(
        selectors.pause_requests_visible_to(user)
        .filter(recent)
        .select_related("ticket__lead_unit")
        .order_by("state", "-created_at")[:WORKSPACE_LIMIT]
    )
    return extensions, pauses


# --- the inbox -----------------------------------------------------------------------------------------------------

CLOCK_KINDS = {NoticeKind.REMIND, NoticeKind.CHASE, NoticeKind.SUPERVISE, NoticeKind.LIST}


def is_settled(notification: Notification) -> bool:
    """A message whose reason has passed: its ticket has left the stage the message was about, or (for a clock
    message) the stage's deadline has moved since."""
    ticket = notification.ticket
    if ticket is None or not notification.stage:
        return False
    if ticket.state != notification.stage:
        return True
    return notification.kind in CLOCK_KINDS and ticket.stage_deadline != notification.deadline


def inbox(user: AbstractBaseUser, limit: int = 100) -> list[Notification]:
    """The person's in-app messages: unread first, newest first within each."""
    if not user.is_authenticated:
        return []
    rows = (
        Notification.objects.filter(recipient_id=user.pk, channel=Channel.INAPP)
        .select_related("ticket")
        .order_by("-id")[:limit]
    )
    found = list(rows)
    grouped: dict[bool, list[Notification]] = defaultdict(list)
    for n in found:
        n.settled = is_settled(n)
        grouped[n.read_at is None].append(n)
    return grouped[True] + grouped[False]
