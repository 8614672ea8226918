"""What every ticket service shares: lock the row, check the version, write the event, bump the version."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import router
from django.utils import timezone
from django.utils.translation import gettext as _

from tracker.errors import Forbidden, StaleVersion
from tracker.models import EventKind, Finding, PauseRequest, RequestState, Ticket, TicketEvent, Unit
from tracker.permissions import roles_on
from workflows import clocks
from workflows.models import Policy


def _lock_statement() -> str:
    ticket, unit, finding = (model._meta.db_table for model in (Ticket, Unit, Finding))
    return (
        f'SELECT t.*, u.path AS "lead_unit__path", f.severity AS "finding__severity" FROM "{ticket}" t '
        f'JOIN "{unit}" u ON u.id = t.lead_unit_id JOIN "{finding}" f ON f.id = t.finding_id '
        "WHERE t.id = %s FOR UPDATE OF t"
    )


LOCK_STATEMENT = _lock_statement()


def lock_ticket(ticket_id: int) -> Ticket:
    """The ticket row, locked until the transaction ends, so concurrent writers queue up behind each other.

    Every service starts here, so the statement is written out rather than compiled by the ORM each time (that
    took half of a transition's Python time). It brings what the services read of the ticket's unit and finding:
    the unit's path (for roles) and the finding's severity (for the policy); `lead_unit` and `finding` are those,
    and any other field of theirs loads on first use. The ticket remembers the values it was read with, so
    `record` writes only what changed."""
    found = list(Ticket.objects.raw(LOCK_STATEMENT, [ticket_id]))
    if not found:
        raise Ticket.DoesNotExist(f"no ticket {ticket_id}")
    ticket = found[0]
    db = router.db_for_read(Ticket)
    extra = ticket.__dict__
    unit = Unit.from_db(db, ["id", "path"], [ticket.lead_unit_id, extra.pop("lead_unit__path")])
    finding = Finding.from_db(db, ["id", "severity"], [ticket.finding_id, extra.pop("finding__severity")])
    Ticket.lead_unit.field.set_cached_value(ticket, unit)
    Ticket.finding.field.set_cached_value(ticket, finding)
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
        ticket.save(
            update_fields=changed_fields(ticket) if update_fields is None else [*update_fields, "version", "updated_at"]
        )
        ticket._zg_read = _column_values(ticket)  # type: ignore[attr-defined]
    return TicketEvent.objects.create(
        ticket=ticket,
        kind=kind,
        actor=actor if actor is not None and actor.is_authenticated else None,
        from_state=from_state,
        to_state=ticket.state,
        version=ticket.version,
        data=data or {},
    )
