"""A ticket's schedule column, Ticket.next_action_at: when the notification sweep next looks at it.

The partial index `ticket_next_action` serves the sweep's claim. Its value always comes from one computation,
workflows.clocks.ticket_next_action_at over the ticket's own fields: the services set it when a stage clock starts
(`ticket_schedule` without `after`), and the sweep, once it has said what was due, sets the next moment with
`ticket_schedule(after=now)` and writes it with `tickets_reschedule`. The sweep's claim also writes the column, but
that value is a lease (how long the claiming sweeper holds the ticket), not a schedule; see notifications.sweep.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Q

from tracker.models import Ticket
from workflows import clocks
from workflows.models import Policy


def ticket_schedule(
    *,
    ticket: Ticket,
    policy: Policy,
    after: dt.datetime | None = None,
    last_report: dt.date | None = None,
    ladder_of: clocks.Ladder = clocks.ladder,
) -> dt.datetime | None:
    """Set `ticket.next_action_at` to when its clocks next call for a message, and return it; the caller saves it
    (with the rest of its change, or through `tickets_reschedule`).

    Without `after`, the stage clock the ticket has just entered starts (its first rung, even if passed). With
    `after`, the next rung of any of its clocks strictly after that moment; `last_report` is the day of its last
    progress report, which a long-term ticket's report clock counts from.
    """
    ticket.next_action_at = clocks.ticket_next_action_at(
        state=ticket.state,
        policy=policy,
        stage_deadline=ticket.stage_deadline,
        stage_started_on=ticket.stage_started_on,
        paused=ticket.is_paused,
        last_report=last_report,
        after=after,
        ladder_of=ladder_of,
    )
    return ticket.next_action_at


def tickets_reschedule(
    *, tickets: Iterable[Ticket], held: dt.datetime | None = None, earlier_only: bool = False
) -> int:
    """Write the `next_action_at` set on each ticket by `ticket_schedule`: one UPDATE per distinct moment.

    `held`: only the rows still holding this lease, so that a service which restarted a clock meanwhile wins.
    `earlier_only`: only where the stored moment is unset or later, never postponing what is scheduled.
    Returns the rows written.
    """
    by_moment: dict[dt.datetime | None, list[int]] = defaultdict(list)
    for ticket in tickets:
        by_moment[ticket.next_action_at].append(ticket.pk)
    written = 0
    for moment, pks in by_moment.items():
        rows = Ticket.objects.filter(pk__in=pks)
        if held is not None:
            rows = rows.filter(next_action_at=held)
        if earlier_only and moment is not None:
            rows = rows.filter(Q(next_action_at__isnull=True) | Q(next_action_at__gt=moment))
        elif earlier_only:
            continue  # nothing left to say is never earlier than anything
        written += rows.update(next_action_at=moment)
    return written
