"""What the escalation ladder changes on a ticket itself (DESIGN.md, "Deadlines, warnings, escalation").

The notification sweep decides *when* tickets are listed; this service is the one writer of the change.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from tracker.models import EventKind, Ticket
from tracker.services._core import record
from workflows.machine import OPEN_STATES


def tickets_mark_listed(*, ticket_ids: Iterable[int]) -> list[int]:
    """挂牌督办: the tickets go on the public register of listed supervision, each with its event.

    Idempotent: tickets already listed or no longer open are left alone. Returns the ids newly listed. The rows
    are locked in primary-key order, so two callers with overlapping batches cannot deadlock.
    """
    listed = []
    with transaction.atomic():
        tickets = (
            Ticket.objects.select_for_update(of=("self",))
            .filter(pk__in=list(ticket_ids), listed=False, state__in=OPEN_STATES)
            .order_by("pk")
        )
        for ticket in tickets:
            ticket.listed = True
            record(
                ticket,
                kind=EventKind.LISTED,
                actor=None,
                from_state=ticket.state,
                data={"stage_deadline": str(ticket.stage_deadline) if ticket.stage_deadline else None},
                fields=("listed",),
            )
            listed.append(ticket.pk)
    return listed
