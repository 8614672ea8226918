"""What every ticket service shares: lock the row, check the version, write the event, bump the version."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone
from django.utils.translation import gettext as _

from tracker.errors import Forbidden, StaleVersion
from tracker.models import EventKind, PauseRequest, RequestState, Ticket, TicketEvent
from tracker.permissions import roles_on
from workflows import clocks
from workflows.models import Policy


def lock_ticket(ticket_id: int) -> Ticket:
    """The ticket row, locked until the transaction ends, so concurrent writers queue up behind each other."""
    return Ticket.objects.select_for_update(of=("self",)).select_related("lead_unit", "finding").get(pk=ticket_id)


def check_version(ticket: Ticket, version: int | None) -> None:
    if version is not None and version != ticket.version:
        raise StaleVersion(
            _("The ticket has changed since you read it (your version %(yours)s, current %(current)s).")
            % {"yours": version, "current": ticket.version},
            state=ticket.state,
            version=ticket.version,
        )


def require_role(actor: AbstractBaseUser, ticket: Ticket, roles: tuple[str, ...], action: str) -> set[str]:
    held = roles_on(actor, ticket) & set(roles)
    if not held:
        raise Forbidden(
            _("You hold no role that may %(action)s this ticket.") % {"action": action},
            state=ticket.state,
            version=ticket.version,
        )
    return held


def policy_of(ticket: Ticket) -> Policy:
    return Policy.for_ticket(ticket.rectification_class, ticket.finding.severity)


def set_stage_clock(ticket: Ticket, *, today: dt.date, policy: Policy) -> None:
    """Start the clock of the stage the ticket is now in: its deadline and when it next needs a message."""
    ticket.stage_started_on = today
    ticket.stage_deadline = clocks.stage_deadline(ticket.state, policy, today, ticket.due_on)
    ticket.paused_workdays_left = None
    refresh_next_action(ticket, policy)


def end_pause(ticket: Ticket, today: dt.date) -> None:
    """Mark the ticket's running pause ended; the caller restarts the clock."""
    PauseRequest.objects.filter(ticket=ticket, state=RequestState.APPROVED).update(
        state=RequestState.ENDED, resumed_on=today
    )
    ticket.paused_workdays_left = None


def refresh_next_action(ticket: Ticket, policy: Policy) -> None:
    """The first rung of the current stage's ladder; the sweep handles every rung from there on."""
    if ticket.stage_deadline is None:
        ticket.next_action_at = None
    else:
        ticket.next_action_at = clocks.ladder(ticket.stage_deadline, policy)[0].at


def record(
    ticket: Ticket,
    *,
    kind: EventKind,
    actor: AbstractBaseUser | None,
    from_state: str = "",
    data: dict[str, Any] | None = None,
    bump: bool = True,
    update_fields: list[str] | None = None,
) -> TicketEvent:
    """Save the ticket (bumping its version) and write the event that records the change, in the caller's
    transaction."""
    if bump:
        ticket.version += 1
        ticket.updated_at = timezone.now()
        ticket.save(update_fields=None if update_fields is None else [*update_fields, "version", "updated_at"])
    return TicketEvent.objects.create(
        ticket=ticket,
        kind=kind,
        actor=actor if actor is not None and actor.is_authenticated else None,
        from_state=from_state,
        to_state=ticket.state,
        version=ticket.version,
        data=data or {},
    )
