"""The sweep's decision arm: the clocks of the decision procedures' steps, chased like the tickets'.

A decision whose step runs against a deadline (statement, investigation, deliberation, enforcement; see
workflows.decisions.STEP_OWNER) holds in Decision.next_action_at (partial index `decision_next_action`) when its
clock next calls for a message; tracker.services.decisions sets it whenever a step starts. The sweep claims due
decisions as it claims tickets (SELECT … FOR UPDATE SKIP LOCKED, then an UPDATE moving them one lease ahead),
writes the rows, and sets the next moment only where the lease still stands. Three rungs: word to whoever owes
the step when it starts (a sweep runs every minute), a reminder some working days before the deadline, and a
chase once it has passed, to them and to the supervisors over the unit. Only the latest rung due is sent. A
message's identity (recipient, channel, decision, kind, step, deadline) is unique, so a second sweep or a retried
one sends nothing twice.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import time
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from notifications import messages
from notifications.derive import Planner, text_fields
from notifications.directory import Audience, Directory
from notifications.models import Kind, Notification
from tracker.models import Decision
from workflows import calendar, clocks
from workflows.decisions import REMIND_WORKDAYS_BEFORE, STEP_OWNER, SUBJECT
from workflows.machine import Role

logger = logging.getLogger(__name__)


def rungs(started_on: dt.date, due_on: dt.date) -> list[tuple[str, dt.datetime]]:
    """(kind, moment) of each message a step started on `started_on` and due on `due_on` calls for, in order."""
    return [
        (Kind.DECISION_STEP, clocks.start_of(started_on)),
        (Kind.DECISION_REMIND, clocks.start_of(calendar.subtract_workdays(due_on, REMIND_WORKDAYS_BEFORE))),
        (Kind.DECISION_CHASE, clocks.start_of(due_on + dt.timedelta(days=1))),
    ]


def claim_decisions(now: dt.datetime, limit: int) -> tuple[list[int], dt.datetime]:
    held = now + dt.timedelta(seconds=settings.NOTIFY_CLAIM_SECONDS)
    with transaction.atomic():
        ids = list(
            Decision.objects.filter(next_action_at__lte=now)
            .select_for_update(skip_locked=True)
            .order_by("next_action_at")
            .values_list("pk", flat=True)[:limit]
        )
        if ids:
            Decision.objects.filter(pk__in=ids).update(next_action_at=held)
    return ids, held


def sweep_decisions(planner: Planner, *, until: float) -> tuple[int, int]:
    """Claim and process due decisions batch by batch; returns (decisions, rows derived)."""
    decisions = rows = 0
    while True:
        ids, held = claim_decisions(planner.now, settings.NOTIFY_BATCH_SIZE)
        if not ids:
            return decisions, rows
        rows += process_decisions(planner, ids, held)
        decisions += len(ids)
        if len(ids) < settings.NOTIFY_BATCH_SIZE or time.monotonic() > until:
            return decisions, rows


def process_decisions(planner: Planner, ids: list[int], held: dt.datetime) -> int:
    found: list[Notification] = []
    next_at: dict[dt.datetime | None, list[int]] = defaultdict(list)
    for decision in Decision.objects.filter(pk__in=ids).select_related("subject_unit").order_by("pk"):
        try:
            rows, moment = _plan(planner, decision)
        except Exception:
            logger.exception("decision %s: its clock could not be read; retried after the lease", decision.pk)
            continue
        found += rows
        next_at[moment].append(decision.pk)
    with transaction.atomic():
        Notification.objects.bulk_create(found, ignore_conflicts=True)
        for moment, pks in next_at.items():
            # Only where this sweep's lease still stands: a step started meanwhile set its own clock.
            Decision.objects.filter(pk__in=pks, next_action_at=held).update(next_action_at=moment)
    return len(found)


def _plan(planner: Planner, decision: Decision) -> tuple[list[Notification], dt.datetime | None]:
    now, directory = planner.now, planner.directory
    if decision.due_on is None or decision.state not in STEP_OWNER:
        return [], None
    ladder = sorted(rungs(decision.step_started_on, decision.due_on), key=lambda rung: rung[1])
    due = [(kind, at) for kind, at in ladder if at <= now]
    moment = next((at for _kind, at in ladder if at > now), None)
    if not due:
        return [], moment
    kind = due[-1][0]  # the latest says all the earlier ones would: once overdue, the chase
    directory.remember_unit(decision.subject_unit)
    audiences = [_owners(directory, decision)]
    if kind == Kind.DECISION_CHASE:
        audiences.append(directory.nearest(decision.subject_unit_id, Role.SUPERVISOR))
    text = messages.in_each_language(lambda: _text(decision, kind))
    common = {
        "decision_id": decision.pk,
        "ticket_id": None,
        "kind": kind,
        "stage": decision.state,
        "deadline": decision.due_on,
        "step": 0,
    }
    rows: list[Notification] = []
    seen: set[int] = set()
    for audience in audiences:
        for user_id in audience.user_ids if audience else ():
            if user_id in seen:
                continue
            seen.add(user_id)
            written = text_fields(text(directory.language(user_id)))
            for channel in directory.channels(user_id):
                rows.append(planner.row(channel, {**common, **written}, recipient_id=user_id))
    return rows, moment


def _owners(directory: Directory, decision: Decision) -> Audience | None:
    owner = STEP_OWNER[decision.state]
    if owner == SUBJECT:
        if decision.subject_user_id:
            return directory.person(decision.subject_unit_id, SUBJECT, decision.subject_user_id)
        return directory.first_of(decision.subject_unit_id, Role.HEAD, Role.OFFICER)
    return directory.nearest(decision.subject_unit_id, owner) or directory.nearest(
        decision.subject_unit_id, Role.DISCIPLINE if owner == Role.ORGANISATION else Role.ORGANISATION
    )


@functools.cache
def _link_pattern() -> str:
    """The decision's page once the pages have one (`decision-detail`); until then its place in the API."""
    marker = 987654321
    try:
        path = reverse("decision-detail", args=[marker])
    except NoReverseMatch:
        path = reverse("api:decision-detail", args=[marker])
    return settings.SITE_URL + path.replace(str(marker), "{}")


def _link(decision_id: int) -> str:
    return _link_pattern().format(decision_id)[:300]


def _text(decision: Decision, kind: str) -> messages.Text:
    """The message of a decision's step, in the active language (its kind and step by name, its deadline)."""
    values = {
        "kind": decision.get_kind_display(),
        "number": decision.pk,
        "step": decision.get_state_display(),
        "deadline": messages.day(decision.due_on),
        "subject": decision.subject_label,
    }
    if kind == Kind.DECISION_CHASE:
        subject = _("Chase (催办): %(kind)s #%(number)s — %(step)s was due on %(deadline)s") % values
    elif kind == Kind.DECISION_STEP:
        subject = _("To do (待办): %(kind)s #%(number)s — %(step)s by %(deadline)s") % values
    else:
        subject = _("Reminder (提醒): %(kind)s #%(number)s — %(step)s due by %(deadline)s") % values
    return messages.Text(subject, f"{values['subject']} · {decision.subject_unit.name}", _link(decision.pk))
