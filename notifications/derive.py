"""Which messages a ticket calls for now: from its stage clock, its reporting cycle, or a change just made to it.

Everything here is a pure function of rows (ticket, policy, event, memberships) and the moment: it builds unsaved
Notification rows whose identity is deterministic, so computing the same thing twice and inserting it with
ON CONFLICT DO NOTHING is harmless. Saving is the sweep's job (notifications.sweep).

Who receives what (DESIGN.md, "Deadlines, warnings, escalation"; workflows.machine.STAGE_OWNER):

| message              | to                                                                                   |
|----------------------|--------------------------------------------------------------------------------------|
| reminder (提醒)       | the stage's owner: the unit's officers (assigned, rectifying), the nearest assessors   |
|                      | over the unit (explained), the nearest supervisors over it (verified)                 |
| chase (催办)          | the unit head for the unit's stages; the owners again for the others                  |
| supervision (督办)    | the supervisors of the nearest unit above the one that owes the work                  |
| listed (挂牌督办)      | the same supervisors and the unit head; the ticket goes on the public register.       |
|                      | Only the unit's own stages are listed: a late verification is not the unit's fault    |

Supervisors get their per-ticket messages in the inbox only, and everything else once a day in a digest (unless
the kind is configured urgent, NOTIFY_URGENT_KINDS). A unit's webhooks receive what is addressed to its people.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from notifications import messages, quiet
from notifications.directory import Audience, Directory
from notifications.models import Channel, Kind, Notification, State
from tracker.models import EventKind, Ticket, TicketEvent
from workflows import clocks
from workflows.clocks import SHANGHAI, LadderStep, Rung
from workflows.machine import STAGE_OWNER, Role, TicketState
from workflows.models import Policy

STAGE_KINDS = {
    LadderStep.REMIND: Kind.REMIND,
    LadderStep.CHASE: Kind.CHASE,
    LadderStep.SUPERVISE: Kind.SUPERVISE,
    LadderStep.LIST: Kind.LIST,
}
REPORT_KINDS = {
    LadderStep.REMIND: Kind.REPORT_REMIND,
    LadderStep.CHASE: Kind.REPORT_CHASE,
    LadderStep.SUPERVISE: Kind.REPORT_SUPERVISE,
}
# Which change tells whom to act next. CREATED and REASSIGN: the (new) unit; the others are resolved below.
EVENT_KINDS: dict[str, str] = {
    EventKind.CREATED: Kind.ASSIGNED,
    EventKind.REASSIGN: Kind.ASSIGNED,
    EventKind.EXPLAIN: Kind.AWAITING_VERIFICATION,
    EventKind.VERIFY: Kind.AWAITING_CLOSE,
    EventKind.REJECT: Kind.REJECTED,
    EventKind.REOPEN: Kind.REOPENED,
    EventKind.EXTENSION_REQUESTED: Kind.EXTENSION_REQUESTED,
    EventKind.EXTENSION_DECIDED: Kind.EXTENSION_DECIDED,
    EventKind.PAUSE_REQUESTED: Kind.PAUSE_REQUESTED,
    EventKind.PAUSE_DECIDED: Kind.PAUSE_DECIDED,
    # A listing by the ladder (no actor) is announced by the clock's own LIST message; one by a supervisor here.
    EventKind.LISTED: Kind.LISTED_BY_SUPERVISOR,
    EventKind.CHASED: Kind.CHASED,
    EventKind.REVIEW_REQUESTED: Kind.REVIEW_REQUESTED,
    EventKind.SUBMIT_PLAN: Kind.PLAN_SUBMITTED,
    EventKind.SIGN_PLAN: Kind.PLAN_TO_REVIEW,
    EventKind.RETURN_PLAN: Kind.PLAN_RETURNED,
    EventKind.RETURN_TICKET: Kind.TICKET_RETURNED,
    EventKind.INSIST: Kind.RETURN_UPHELD,
    EventKind.CONTINUE_RECTIFYING: Kind.CONTINUED,
    EventKind.SUMMONED: Kind.SUMMONED,
    EventKind.CIRCULATED: Kind.CIRCULATED,
}


def text_fields(text: messages.Text) -> dict[str, str]:
    """A message's text as the columns of its row hold it."""
    return {"subject": text.subject[:300], "body": text.body, "link": text.link[:300]}


@dataclass
class ClockPlan:
    rows: list[Notification] = field(default_factory=list)
    list_ticket: bool = False
    # The due date of a progress report whose chase (催报) fires now: the miss is counted on the ticket.
    missed_report: dt.date | None = None


class Planner:
    """Builds rows for one sweep (or task) at one moment, caching ladders and people as it goes."""

    def __init__(self, directory: Directory, now: dt.datetime) -> None:
        self.directory = directory
        self.now = now
        self._ladders: dict[tuple[dt.date, int], list[Rung]] = {}

    # --- clocks ---------------------------------------------------------------------------------------------

    def ladder(self, deadline: dt.date, policy: Policy) -> list[Rung]:
        key = (deadline, policy.pk)
        if key not in self._ladders:
            self._ladders[key] = clocks.ladder(deadline, policy)
        return self._ladders[key]

    def clock(self, ticket: Ticket, policy: Policy, last_report: dt.date | None) -> ClockPlan:
        """Messages the ticket's clocks call for now. When they next will is tracker.schedule's to say, from the
        same rungs (workflows.clocks)."""
        plan = ClockPlan()
        if ticket.state not in STAGE_OWNER or ticket.is_paused or ticket.stage_deadline is None:
            return plan
        self.directory.remember_unit(ticket.lead_unit)
        rungs = clocks.stage_rungs(ticket.state, ticket.stage_deadline, ticket.stage_started_on, policy, self.ladder)
        for rung in self._fire(rungs):
            kind = STAGE_KINDS[rung.step]
            plan.rows += self._clock_rows(ticket, kind, ticket.stage_deadline, rung.offset)
            if kind == Kind.LIST and not ticket.listed:
                plan.list_ticket = True

        report_due = clocks.report_due(
            state=ticket.state,
            policy=policy,
            started_on=ticket.stage_started_on,
            last_report=last_report,
            paused=ticket.is_paused,
        )
        if report_due is not None:
            for rung in self._fire(clocks.report_rungs(report_due, policy, self.ladder)):
                plan.rows += self._clock_rows(ticket, REPORT_KINDS[rung.step], report_due, rung.offset)
                if rung.step == LadderStep.CHASE:
                    plan.missed_report = report_due
        return plan

    def _fire(self, rungs: list[Rung]) -> list[Rung]:
        """The rungs due now. Escalations all fire (each is its own step up); of the reminders only the latest,
        and none once the deadline has passed: an earlier reminder would say less than the one that replaces it."""
        due = [r for r in rungs if r.at <= self.now]
        escalations = [r for r in due if r.step != LadderStep.REMIND]
        return escalations or [r for r in due if r.step == LadderStep.REMIND][-1:]

    def _clock_rows(self, ticket: Ticket, kind: str, deadline: dt.date, offset: int) -> list[Notification]:
        text = messages.in_each_language(lambda: messages.clock_text(kind, ticket, deadline=deadline, offset=offset))
        rows: list[Notification] = []
        for audience in self.clock_audiences(ticket, kind):
            rows += self.rows(
                audience, ticket_id=ticket.pk, kind=kind, stage=ticket.state, deadline=deadline, step=offset, text=text
            )
        return rows

    def owners(self, ticket: Ticket) -> Audience | None:
        role = STAGE_OWNER[ticket.state]
        if role == Role.OFFICER:
            return self.directory.first_of(ticket.lead_unit_id, Role.OFFICER, Role.HEAD)
        return self.directory.nearest(ticket.lead_unit_id, role)

    def escalation(self, ticket: Ticket) -> Audience | None:
        """The supervisors above whoever owes the work: above the unit for its stages, above the assessors or
        supervisors who own the others (or, at the top of the tree, the supervisors beside the assessors)."""
        role = STAGE_OWNER[ticket.state]
        if role == Role.OFFICER:
            return self.directory.nearest(ticket.lead_unit_id, Role.SUPERVISOR, above=True)
        owners = self.owners(ticket)
        base = owners.unit_id if owners else ticket.lead_unit_id
        above = self.directory.nearest(base, Role.SUPERVISOR, above=True)
        if above or role == Role.SUPERVISOR:
            return above
        return self.directory.members(base, Role.SUPERVISOR) or None

    def clock_audiences(self, ticket: Ticket, kind: str) -> list[Audience]:
        unit_stage = STAGE_OWNER[ticket.state] == Role.OFFICER
        head = self.directory.first_of(ticket.lead_unit_id, Role.HEAD, Role.OFFICER)
        if kind in (Kind.REMIND, Kind.REPORT_REMIND):
            found = [self.owners(ticket) if kind == Kind.REMIND else self.owners_of_reports(ticket)]
            if unit_stage and ticket.state != TicketState.ASSIGNED or kind == Kind.REPORT_REMIND:
                found += self.co_units(ticket)  # each co-unit is reminded of its part (协办)
        elif kind in (Kind.CHASE, Kind.REPORT_CHASE):
            found = [head if unit_stage or kind == Kind.REPORT_CHASE else self.owners(ticket)]
        elif kind == Kind.REPORT_SUPERVISE:
            found = [self.directory.nearest(ticket.lead_unit_id, Role.SUPERVISOR, above=True)]
        elif kind == Kind.SUPERVISE:
            found = [self.escalation(ticket)]
        else:  # LIST
            found = [self.escalation(ticket), head]
        return [a for a in found if a]

    def owners_of_reports(self, ticket: Ticket) -> Audience | None:
        return self.directory.first_of(ticket.lead_unit_id, Role.OFFICER, Role.HEAD)

    def co_units(self, ticket: Ticket) -> list[Audience | None]:
        """The officers (else the head) of each of the ticket's co-units, read with the ticket (the sweep prefetches
        them)."""
        return [self.directory.first_of(unit.pk, Role.OFFICER, Role.HEAD) for unit in ticket.co_units.all()]

    # --- changes --------------------------------------------------------------------------------------------

    def event(self, event: TicketEvent, ticket: Ticket) -> list[Notification]:
        """Whoever must act next after the change the event records."""
        kind = EVENT_KINDS.get(event.kind)
        if kind is None or kind == Kind.LISTED_BY_SUPERVISOR and event.actor_id is None:
            return []
        if kind == Kind.CHASED and not event.data.get("announce"):
            return []  # one chase covers several tickets; its first event carries the message
        self.directory.remember_unit(ticket.lead_unit)
        unit_id = ticket.lead_unit_id
        if event.kind == EventKind.REASSIGN:
            unit_id = int(event.data.get("to_unit") or unit_id)
        elif event.kind == EventKind.CREATED:
            unit_id = int(event.data.get("unit") or unit_id)
        d = self.directory
        if kind == Kind.ASSIGNED:
            found = [d.first_of(unit_id, Role.OFFICER, Role.HEAD)]
        elif kind in (Kind.AWAITING_VERIFICATION, Kind.REVIEW_REQUESTED, Kind.PLAN_TO_REVIEW):
            found = [d.nearest(unit_id, Role.ASSESSOR)]
        elif kind == Kind.TICKET_RETURNED:
            found = [d.nearest(unit_id, Role.ASSESSOR), d.nearest(unit_id, Role.SUPERVISOR)]
        elif kind in (Kind.PLAN_SUBMITTED, Kind.SUMMONED, Kind.CIRCULATED):
            found = [d.members(unit_id, Role.HEAD) or d.first_of(unit_id, Role.OFFICER)]
        elif kind in (Kind.LISTED_BY_SUPERVISOR, Kind.CHASED):
            found = [d.first_of(unit_id, Role.HEAD, Role.OFFICER), d.members(unit_id, Role.OFFICER)]
        elif kind in (Kind.AWAITING_CLOSE, Kind.EXTENSION_REQUESTED, Kind.PAUSE_REQUESTED):
            found = [d.nearest(unit_id, Role.SUPERVISOR)]
        elif kind in (Kind.REJECTED, Kind.REOPENED, Kind.PLAN_RETURNED, Kind.RETURN_UPHELD, Kind.CONTINUED):
            found = [d.members(unit_id, Role.OFFICER), d.members(unit_id, Role.HEAD)]
        else:  # a decision on the unit's request
            found = [d.first_of(unit_id, Role.OFFICER, Role.HEAD)]
        text = messages.in_each_language(lambda: messages.event_text(kind, ticket, event.data or {}))
        day = event.created_at.astimezone(SHANGHAI).date()
        rows: list[Notification] = []
        for audience in found:
            if audience:
                rows += self.rows(
                    audience,
                    ticket_id=ticket.pk,
                    kind=kind,
                    stage=event.to_state,
                    deadline=day,
                    step=event.pk,
                    text=text,
                )
        return rows

    # --- rows -----------------------------------------------------------------------------------------------

    def rows(
        self,
        audience: Audience,
        *,
        ticket_id: int | None,
        kind: str,
        stage: str,
        deadline: dt.date,
        step: int,
        text: Callable[[str], messages.Text],
    ) -> list[Notification]:
        """One row per person and chosen channel, and one per webhook of the unit, each in the language its reader
        chose (`text` writes it, once per language).

        Supervisors read per-ticket messages in the inbox and get the rest in their daily digest."""
        digested = audience.role == Role.SUPERVISOR and not quiet.is_urgent(kind)
        common = {"ticket_id": ticket_id, "kind": kind, "stage": stage, "deadline": deadline, "step": step}
        out = []
        for user_id in audience.user_ids:
            written = text_fields(text(self.directory.language(user_id)))
            for channel in self.directory.channels(user_id):
                if channel == Channel.INAPP or not digested:
                    out.append(self.row(channel, {**common, **written}, recipient_id=user_id))
        if not digested:
            for webhook_id, language in self.directory.webhooks(audience.unit_id):
                out.append(self.row(Channel.WEBHOOK, {**common, **text_fields(text(language))}, webhook_id=webhook_id))
        return out

    def row(self, channel: str, common: dict, **addressee: int) -> Notification:
        if channel == Channel.INAPP:
            return Notification(channel=channel, state=State.SENT, sent_at=self.now, **common, **addressee)
        return Notification(
            channel=channel,
            state=State.PENDING,
            next_attempt_at=quiet.send_after(channel, common["kind"], self.now),
            **common,
            **addressee,
        )
