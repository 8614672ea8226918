"""What every ticket service shares: the ticket locked once, the checks of role and version, and the record of a
change (the ticket saved and its event written, in the caller's transaction)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import User
from django.utils.translation import gettext as _

from tracker import selectors
from tracker.errors import Forbidden, StaleVersion
from tracker.models import EventKind, PauseRequest, RequestState, Ticket, TicketEvent, TicketStage
from tracker.permissions import roles_on
from tracker.schedule import ticket_schedule
from workflows import calendar, clocks
from workflows.machine import OPEN_STATES
from workflows.models import Policy

# The columns of a stage's clock: set together whenever a stage starts, pauses or resumes.
CLOCK_FIELDS = ("stage_started_on", "stage_deadline", "paused_workdays_left", "paused_workdays", "next_action_at")


def lock_ticket(actor: User, ticket_id: int) -> Ticket:
    """The ticket, locked until the transaction ends so that concurrent writers queue up behind each other; a
    ticket the actor may not see is NotFound. It comes with what the services and the response read of it."""
    return selectors.ticket_get(actor, ticket_id, lock=True)


def check_version(ticket: Ticket, version: int | None) -> None:
    if version is not None and version != ticket.version:
        raise StaleVersion(
            _("The ticket has changed since you read it (your version %(yours)s, current %(current)s).")
            % {"yours": version, "current": ticket.version},
            ticket=ticket,
        )


def require_role(actor: User, ticket: Ticket, roles: Iterable[str], action: str) -> set[str]:
    held = roles_on(actor, ticket) & set(roles)
    if not held:
        raise Forbidden(_("You hold no role that may %(action)s this ticket.") % {"action": action}, ticket=ticket)
    return held


def policy_of(ticket: Ticket) -> Policy:
    return selectors.ticket_policy(ticket)


def set_stage_clock(ticket: Ticket, *, today: dt.date, policy: Policy, deadline: dt.date | None = None) -> None:
    """Start the clock of the stage the ticket is now in: its deadline (the policy's for the stage, unless the
    caller sets one) and when it next needs a message."""
    ticket.stage_started_on = today
    ticket.stage_deadline = deadline or clocks.stage_deadline(ticket.state, policy, today, ticket.due_on)
    ticket.paused_workdays_left = None
    ticket_schedule(ticket=ticket, policy=policy)


def end_pause(ticket: Ticket, today: dt.date) -> None:
    """Mark the ticket's running pause ended and count the working days it stopped; the caller restarts the
    clock and saves `paused_workdays` with the clock's fields."""
    running = PauseRequest.objects.filter(ticket=ticket, state=RequestState.APPROVED)
    paused_on = running.values_list("paused_on", flat=True).first()
    if paused_on is not None:
        ticket.paused_workdays += max(0, calendar.workdays_between(paused_on, today))
    running.update(state=RequestState.ENDED, resumed_on=today)
    ticket.paused_workdays_left = None


# The stage record (TicketStage): one row per stage a ticket went through, the open one without an end.


def stage_open(ticket: Ticket, today: dt.date) -> None:
    """Record that the ticket's current stage began today (nothing for a final state)."""
    if ticket.state in OPEN_STATES:
        TicketStage.objects.create(
            ticket=ticket,
            state=ticket.state,
            unit_id=ticket.lead_unit_id,
            started_on=today,
            deadline=ticket.stage_deadline,
        )


def stage_close(ticket: Ticket, today: dt.date) -> None:
    """Record that the ticket's current stage ended today."""
    TicketStage.objects.filter(ticket=ticket, ended_on__isnull=True).update(ended_on=today)


def stage_deadline_moved(ticket: Ticket) -> None:
    """Keep the open stage's recorded deadline as the clock now has it (an extension, a resume); a paused clock
    has none, and its stage keeps the one it had."""
    if ticket.stage_deadline is not None:
        TicketStage.objects.filter(ticket=ticket, ended_on__isnull=True).update(deadline=ticket.stage_deadline)


def record(
    ticket: Ticket,
    *,
    kind: EventKind,
    actor: User | None,
    fields: Iterable[str] = (),
    from_state: str = "",
    data: dict[str, Any] | None = None,
    bump: bool = True,
) -> TicketEvent:
    """Save the ticket's changed `fields`, bumping its version, and write the event that records the change.

    The ticket model's ConcurrentTransitionMixin makes the UPDATE match the state the ticket was read in, so a
    transition can never be applied over another one (the row lock already makes that so within PostgreSQL)."""
    if bump:
        ticket.version += 1
        ticket.save(update_fields=[*fields, "version", "updated_at"])
    return TicketEvent.objects.create(
        ticket=ticket,
        kind=kind,
        actor=actor if actor is not None and actor.is_authenticated else None,
        from_state=from_state,
        to_state=ticket.state,
        version=ticket.version,
        data=data or {},
    )
