"""What the escalation ladder changes on a ticket itself (DESIGN.md, "Deadlines, warnings, escalation").

The notification sweep decides *when* a ticket is listed; this service is the one writer of the change.
"""

from __future__ import annotations

from django.db import transaction

from tracker.models import EventKind, Ticket
from tracker.services._core import lock_ticket, record
from workflows.machine import OPEN_STATES


def ticket_mark_listed(*, ticket_id: int) -> Ticket | None:
    """挂牌督办: the ticket goes on the public register of listed supervision.

    Idempotent: a ticket already listed, or no longer open, is left alone and None is returned.
    """
    with transaction.atomic():
        ticket = lock_ticket(ticket_id)
        if ticket.listed or ticket.state not in OPEN_STATES:
            return None
        ticket.listed = True
        record(
            ticket,
            kind=EventKind.LISTED,
            actor=None,
            from_state=ticket.state,
            data={"stage_deadline": str(ticket.stage_deadline) if ticket.stage_deadline else None},
            update_fields=["listed"],
        )
    return ticket
