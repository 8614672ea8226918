"""Supervisors' daily digest (督办日报): one message a working day instead of one per ticket.

It lists the open tickets of the supervisor's subtree that are overdue (red) or within the policy's yellow
window of their stage deadline, grouped by unit, red first. It goes to the supervisor's own channels other than
the inbox (which has the per-ticket messages already), in the supervisor's language; a supervisor with nothing to
report gets nothing.
"""

from __future__ import annotations

import datetime as dt

from django.utils import translation

from notifications import messages
from notifications.directory import Directory
from notifications.models import Channel, Kind, Notification
from notifications.quiet import send_after
from tracker.models import Ticket
from workflows import calendar
from workflows.machine import OPEN_STATES
from workflows.models import Policy

MAX_YELLOW_DAYS = 60


def flagged_tickets(day: dt.date) -> list[tuple[str, messages.DigestLine]]:
    """(unit path, line) for every open ticket that is red or yellow by its deadline on `day`."""
    policies = list(Policy.objects.all())
    widest = min(MAX_YELLOW_DAYS, max((p.yellow_days for p in policies), default=0))
    horizon = calendar.add_workdays(day, widest)
    days_left: dict[dt.date, int] = {}
    rows = (
        Ticket.objects.filter(state__in=OPEN_STATES, stage_deadline__lte=horizon)
        .order_by("stage_deadline", "pk")
        .values_list(
            "pk",
            "number",
            "lead_unit__name",
            "lead_unit__path",
            "stage_deadline",
            "listed",
            "rectification_class",
            "finding__severity",
        )
    )
    out = []
    for pk, number, unit, path, deadline, listed, klass, severity in rows.iterator(chunk_size=2000):
        red = deadline < day
        if not red:
            if deadline not in days_left:
                days_left[deadline] = calendar.workdays_between(day, deadline)
            if days_left[deadline] > Policy.for_ticket(klass, severity).yellow_days:
                continue
        out.append((path, messages.DigestLine(pk, number, unit, deadline, red, listed)))
    return out


def digest_rows(day: dt.date, now: dt.datetime, directory: Directory) -> list[Notification]:
    flagged = flagged_tickets(day)
    if not flagged:
        return []
    subtrees: dict[int, set[str]] = {}
    outward: dict[int, list[str]] = {}
    for user_id, path, channels in directory.supervisors():
        subtrees.setdefault(user_id, set()).add(path)
        outward[user_id] = [c for c in channels if c != Channel.INAPP]
    rows = []
    for user_id, paths in subtrees.items():
        if not outward[user_id]:
            continue
        lines = [line for unit_path, line in flagged if unit_path.startswith(tuple(paths))]
        if not lines:
            continue
        # Each supervisor's lines are their own: the digest is written per person, in the language they chose.
        with translation.override(directory.language(user_id)):
            text = messages.digest_text(day, lines)
        for channel in outward[user_id]:
            rows.append(
                Notification(
                    recipient_id=user_id,
                    channel=channel,
                    ticket_id=None,
                    kind=Kind.DIGEST,
                    stage="",
                    deadline=day,
                    step=0,
                    subject=text.subject[:300],
                    body=text.body,
                    link=text.link[:300],
                    next_attempt_at=send_after(channel, Kind.DIGEST, now),
                )
            )
    return rows
