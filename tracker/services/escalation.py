"""What the escalation ladder changes on a ticket itself (DESIGN.md, "Deadlines, warnings, escalation").

The notification sweep decides *when* tickets are listed; this service is the one writer of the change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from django.db import transaction

from tracker.models import EventKind, Ticket, TicketEvent
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


def tickets_mark_reports_missed(*, missed: Mapping[int, dt.date]) -> list[int]:
    """催报: a long-term ticket's progress report due on `missed[ticket id]` was not made and the unit is chased.
    Each miss is counted once on the ticket (`missed_reports`) with its event, however often the sweep sees it.
    Returns the ids of the tickets whose count rose. Locked in primary-key order, as tickets_mark_listed is."""
    counted = []
    with transaction.atomic():
        tickets = Ticket.objects.select_for_update(of=("self",)).filter(pk__in=list(missed)).order_by("pk")
        for ticket in tickets:
            due = str(missed[ticket.pk])
            if TicketEvent.objects.filter(ticket=ticket, kind=EventKind.REPORT_MISSED, data__due=due).exists():
                continue
            ticket.missed_reports += 1
            record(
                ticket,
                kind=EventKind.REPORT_MISSED,
                actor=None,
                from_state=ticket.state,
                data={"due": due, "missed": ticket.missed_reports},
                fields=("missed_reports",),
            )
            counted.append(ticket.pk)
    return counted
