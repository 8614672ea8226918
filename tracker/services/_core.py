"""What every ticket service shares: lock the row, check the version, write the event, bump the version."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition

from tracker.errors import Forbidden, StaleVersion
from tracker.models import EventKind, PauseRequest, RequestState, Ticket, TicketEvent
from tracker.permissions import roles_on
from tracker.rows import JoinedRow, insert_row, update_row
from workflows import clocks
from workflows.models import Policy

# Every service starts with this lock, so its statement is written out once (tracker.rows) rather than compiled by
# the ORM each time, which took half of a transition's Python time. It brings what the services read of the
# ticket's unit and finding: the unit's path (for roles) and the finding's severity (for the policy).
LOCKED_TICKET = JoinedRow(Ticket, {"lead_unit": ["path"], "finding": ["severity"]}, lock=True)


def lock_ticket(ticket_id: int) -> Ticket:
    """The ticket row, locked until the transaction ends, so concurrent writers queue up behind each other.
    `lead_unit` and `finding` hold the fields the services read (any other loads on first use). The ticket
    remembers the values it was read with, so `record` writes only what changed."""
    ticket = LOCKED_TICKET.get(ticket_id)
    if ticket is None:
        raise Ticket.DoesNotExist(f"no ticket {ticket_id}")
    ticket._zg_read = _column_values(ticket)  # type: ignore[attr-defined]
    return ticket


def _column_values(ticket: Ticket) -> dict[str, Any]:
    return {field.attname: getattr(ticket, field.attname) for field in Ticket._meta.concrete_fields}


def changed_fields(ticket: Ticket) -> list[str] | None:
    """The fields of a ticket from lock_ticket that differ from what was read; None when it was not read there."""
    read = getattr(ticket, "_zg_read", None)
    if read is None:
        return None
    return [name for name, value in _column_values(ticket).items() if read[name] != value]


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
        read = getattr(ticket, "_zg_read", None)
        if update_fields is not None:
            ticket.save(update_fields=[*update_fields, "version", "updated_at"])
        elif read is None:
            ticket.save()
        else:
            # A ticket from lock_ticket: its row is locked and its UPDATE written out (tracker.rows.update_row),
            # still matching the state it was read in, as django-fsm's ConcurrentTransitionMixin does.
            if not update_row(ticket, changed_fields(ticket), where={"state": read["state"]}):
                raise ConcurrentTransition(f"ticket {ticket.pk} is no longer {read['state']}")
            ticket._update_initial_state()
        ticket._zg_read = _column_values(ticket)  # type: ignore[attr-defined]
    event = TicketEvent(
        ticket=ticket,
        kind=kind,
        actor=actor if actor is not None and actor.is_authenticated else None,
        from_state=from_state,
        to_state=ticket.state,
        version=ticket.version,
        data=data or {},
    )
    insert_row(event)
    return event
