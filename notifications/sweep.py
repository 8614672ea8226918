"""The sweep: every minute (Celery beat, or a timer thread in the demo server) it turns rows into messages.

Nothing here depends on a timer that could be lost. Everything the sweep acts on is a row:

1. **Changes.** Every change to a ticket writes a TicketEvent in the same transaction (tracker.services). After
   commit, notifications.signals enqueues `derive_event(event_id)` for promptness; if Redis is down that enqueue
   fails, is logged, and nothing else happens — the change has committed all the same. Every sweep also walks
   the events past the `events` cursor and derives the same rows, which their unique identity keeps from being
   made twice. The cursor only moves past events older than NOTIFY_EVENT_HORIZON_SECONDS, so an event whose
   transaction committed late (its id was drawn before a later one's) is still seen; events older than
   NOTIFY_EVENT_MAX_AGE_HOURS are skipped as stale.
2. **Clocks.** Ticket.next_action_at (partial index `ticket_next_action`) holds when a ticket's clock next calls
   for a message, always as tracker.schedule computes it; tracker services set it whenever a stage clock starts.
   The sweep claims due tickets in batches (SELECT … FOR UPDATE SKIP LOCKED, then an UPDATE that moves them one
   lease ahead, so two sweepers take different tickets and the cost follows the tickets due, not all tickets),
   derives their rows, and writes the next rung's moment back only if the ticket still holds this sweep's lease
   (a service may have restarted its clock meanwhile). A ticket whose processing raises keeps the lease: it is
   retried when the lease runs out, and never blocks the others. The steps of decisions run on clocks of their
   own, claimed and chased the same way (notifications.decisions).
3. **Digest.** Once per working day, after NOTIFY_DIGEST_HOUR, the `digest` cursor's holder writes the
   supervisors' digests.
4. **Deliveries.** Pending rows whose next attempt has come (quiet time over, backoff elapsed, or a claim that
   lapsed because Redis or a worker was down) are claimed and enqueued after commit (notifications.delivery).

So if Redis is down, changes still commit, rows are still derived by the next sweep that runs, and deliveries
wait in the table until a worker can take them: nothing is lost, and nothing is sent twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max, Prefetch, Q, QuerySet
from django.utils import timezone

from notifications import delivery
from notifications.decisions import sweep_decisions
from notifications.derive import EVENT_KINDS, ClockPlan, Planner
from notifications.digest import digest_rows
from notifications.directory import Directory
from notifications.models import Cursor, Notification
from tracker.dashboard import figures_refresh
from tracker.models import ProgressReport, Ticket, TicketEvent, Unit
from tracker.schedule import ticket_schedule, tickets_reschedule
from tracker.services import tickets_mark_listed, tickets_mark_reports_missed
from workflows import calendar
from workflows.clocks import REPORTING_STATES, SHANGHAI
from workflows.models import Policy

logger = logging.getLogger(__name__)

EVENTS, DIGEST = "events", "digest"
MESSAGE_FIELDS = (
    "number",
    "state",
    "rectification_class",
    "due_on",
    "stage_started_on",
    "stage_deadline",
    "paused_workdays_left",
    "listed",
    "lead_unit__name",
    "lead_unit__path",
    "finding__description",
    "finding__severity",
)
INSERT_BATCH = 2000


@dataclass
class SweepReport:
    events: int = 0
    tickets: int = 0
    rows: int = 0
    digests: int = 0
    deliveries: int = 0
    decisions: int = 0


def sweep(now: dt.datetime | None = None, *, budget_seconds: float | None = None) -> SweepReport:
    """One pass over everything due at `now` (default: the present). Safe to run from several places at once."""
    now = now or timezone.now()
    until = time.monotonic() + (settings.NOTIFY_SWEEP_SECONDS if budget_seconds is None else budget_seconds)
    report = SweepReport()
    planner = Planner(Directory(), now)
    report.events = sweep_events(planner, until=until)
    report.tickets, report.rows = sweep_clocks(planner, until=until)
    report.decisions, decision_rows = sweep_decisions(planner, until=until)
    report.rows += decision_rows
    report.digests = sweep_digest(planner)
    report.deliveries = sweep_deliveries(now, until=until)
    figures_refresh(now=now)
    return report


# --- 1. changes ---------------------------------------------------------------------------------------------------


def derive_event(event_id: int) -> int:
    """Make the rows one event calls for and send them on; the after-commit path. Returns the rows derived.

    In the demo and the tests it runs inside the request that made the change, in the actor's language: each
    message is written in its recipient's all the same (notifications.messages)."""
    now = timezone.now()
    event = TicketEvent.objects.filter(pk=event_id).first()
    if event is None or event.kind not in EVENT_KINDS:
        return 0
    ticket = Ticket.objects.select_related("lead_unit", "finding").get(pk=event.ticket_id)
    rows = Planner(Directory(), now).event(event, ticket)
    with transaction.atomic():
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
        claimed = delivery.claim_due(now, limit=len(rows) + 1, only=Q(ticket_id=ticket.pk, step=event.pk))
        delivery.enqueue_after_commit(claimed)
    return len(rows)


def sweep_events(planner: Planner, *, until: float) -> int:
    now = planner.now
    settled_before = now - dt.timedelta(seconds=settings.NOTIFY_EVENT_HORIZON_SECONDS)
    stale_before = now - dt.timedelta(hours=settings.NOTIFY_EVENT_MAX_AGE_HOURS)
    done, position = 0, None
    while True:
        with transaction.atomic():
            cursor = _locked_cursor(EVENTS)
            if cursor is None:
                return done  # another sweeper is on it
            floor = cursor.position
            if position is None:
                stale = (
                    TicketEvent.objects.filter(created_at__lt=stale_before)
                    .order_by("-created_at")
                    .values_list("pk", flat=True)
                    .first()
                )
                position = floor = max(floor, stale or 0)
            events = list(TicketEvent.objects.filter(pk__gt=position).order_by("pk")[: settings.NOTIFY_BATCH_SIZE])
            _derive_events(planner, events)
            settled = max([floor, *(e.pk for e in events if e.created_at <= settled_before)])
            if settled != cursor.position:
                cursor.position = settled
                cursor.save(update_fields=["position", "updated_at"])
        done += len(events)
        if len(events) < settings.NOTIFY_BATCH_SIZE or time.monotonic() > until:
            return done
        position = events[-1].pk


def _derive_events(planner: Planner, events: list[TicketEvent]) -> None:
    tickets = _for_messages(Ticket.objects.all()).in_bulk({e.ticket_id for e in events})
    rows: list[Notification] = []
    for event in events:
        if event.kind not in EVENT_KINDS:
            continue
        try:
            rows += planner.event(event, tickets[event.ticket_id])
        except Exception:
            logger.exception("event %s: its messages could not be derived; the next sweeps try again", event.pk)
    Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=INSERT_BATCH)
    _bring_report_clocks_forward(planner, list(tickets.values()))


def _bring_report_clocks_forward(planner: Planner, tickets: list[Ticket]) -> None:
    """A long-term ticket's next progress report may fall before its stage clock's next rung, which is all the
    tracker services schedule: when the schedule computed over both clocks is earlier than the stored one, write it
    (never later: a later moment is the sweep's to write, after it has said what is due)."""
    reporting = [(t, p) for t in tickets if t.state in REPORTING_STATES and (p := _policy(t)).reporting_cycle_days]
    if not reporting:
        return
    last = _last_reports([t.pk for t, _ in reporting])
    for ticket, policy in reporting:
        ticket_schedule(
            ticket=ticket, policy=policy, after=planner.now, last_report=last.get(ticket.pk), ladder_of=planner.ladder
        )
    tickets_reschedule(tickets=[t for t, _ in reporting], earlier_only=True)


# --- 2. clocks ----------------------------------------------------------------------------------------------------


def claim_tickets(now: dt.datetime, limit: int) -> tuple[list[int], dt.datetime]:
    """Take up to `limit` due tickets for this sweep: their next_action_at moves to the lease's end.

    The lease is written straight into the schedule column and is not a schedule: it says "this sweeper holds the
    ticket until then", so that a second sweeper skips it and a ticket whose processing fails comes back when the
    lease runs out. The schedule proper is written back by `_save`, through tracker.schedule, only while the lease
    still stands.
    """
    held = now + dt.timedelta(seconds=settings.NOTIFY_CLAIM_SECONDS)
    with transaction.atomic():
        ids = list(
            Ticket.objects.filter(next_action_at__lte=now)
            .select_for_update(skip_locked=True)
            .order_by("next_action_at")
            .values_list("pk", flat=True)[:limit]
        )
        if ids:
            Ticket.objects.filter(pk__in=ids).update(next_action_at=held)
    return ids, held


def sweep_clocks(planner: Planner, *, until: float) -> tuple[int, int]:
    """Claim and process due tickets batch by batch; returns (tickets, rows derived)."""
    tickets = rows = 0
    while True:
        ids, held = claim_tickets(planner.now, settings.NOTIFY_BATCH_SIZE)
        if not ids:
            break
        rows += process_tickets(planner, ids, held)
        tickets += len(ids)
        if len(ids) < settings.NOTIFY_BATCH_SIZE or time.monotonic() > until:
            break
    return tickets, rows


def process_tickets(planner: Planner, ids: list[int], held: dt.datetime) -> int:
    tickets = list(_for_messages(Ticket.objects.filter(pk__in=ids)).order_by("pk"))
    last = _last_reports([t.pk for t in tickets if t.state in REPORTING_STATES])
    plans: dict[int, tuple[Ticket, ClockPlan]] = {}
    for ticket in tickets:
        try:
            policy = _policy(ticket)
            plan = planner.clock(ticket, policy, last.get(ticket.pk))
            ticket_schedule(
                ticket=ticket,
                policy=policy,
                after=planner.now,
                last_report=last.get(ticket.pk),
                ladder_of=planner.ladder,
            )
            plans[ticket.pk] = (ticket, plan)
        except Exception:
            logger.exception(
                "ticket %s: its clock could not be read; retried in %ss", ticket.pk, settings.NOTIFY_CLAIM_SECONDS
            )
    try:
        with transaction.atomic():
            _save(list(plans.values()), held)
    except Exception:
        logger.exception("saving a batch of %s tickets failed; saving them one by one", len(plans))
        for pk, planned in plans.items():
            try:
                with transaction.atomic():
                    _save([planned], held)
            except Exception:
                logger.exception("ticket %s: its messages could not be saved; retried after the lease", pk)
    return sum(len(plan.rows) for _, plan in plans.values())


def _save(plans: list[tuple[Ticket, ClockPlan]], held: dt.datetime) -> None:
    Notification.objects.bulk_create(
        [row for _, plan in plans for row in plan.rows], ignore_conflicts=True, batch_size=INSERT_BATCH
    )
    # Only where this sweep's lease still stands: a service that restarted the clock meanwhile wins.
    tickets_reschedule(tickets=[ticket for ticket, _ in plans], held=held)
    tickets_mark_listed(ticket_ids=[ticket.pk for ticket, plan in plans if plan.list_ticket])
    tickets_mark_reports_missed(missed={t.pk: plan.missed_report for t, plan in plans if plan.missed_report})


def _for_messages(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Tickets with what their clocks and messages read, and no more (no plans, explanations, …)."""
    return (
        tickets.select_related("lead_unit", "finding")
        .only(*MESSAGE_FIELDS)
        .prefetch_related(Prefetch("co_units", queryset=Unit.objects.only("id", "path")))
    )


def _policy(ticket: Ticket) -> Policy:
    return Policy.for_ticket(ticket.rectification_class, ticket.finding.severity)


def _last_reports(ticket_ids: list[int]) -> dict[int, dt.date]:
    if not ticket_ids:
        return {}
    rows = (
        ProgressReport.objects.filter(ticket_id__in=ticket_ids, unit__isnull=True)  # the lead unit's own reports
        .values("ticket_id")
        .annotate(last=Max("created_at"))
        .values_list("ticket_id", "last")
    )
    return {pk: last.astimezone(SHANGHAI).date() for pk, last in rows}


# --- 3. digest ----------------------------------------------------------------------------------------------------


def sweep_digest(planner: Planner) -> int:
    local = planner.now.astimezone(SHANGHAI)
    today = local.date()
    if local.hour < settings.NOTIFY_DIGEST_HOUR or not calendar.is_workday(today):
        return 0
    if Cursor.objects.filter(name=DIGEST, position__gte=today.toordinal()).exists():
        return 0
    with transaction.atomic():
        cursor = _locked_cursor(DIGEST)
        if cursor is None or cursor.position >= today.toordinal():
            return 0
        rows = digest_rows(today, planner.now, planner.directory)
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
        cursor.position = today.toordinal()
        cursor.save(update_fields=["position", "updated_at"])
    return len(rows)


# --- 4. deliveries ------------------------------------------------------------------------------------------------


def sweep_deliveries(now: dt.datetime, *, until: float) -> int:
    done = 0
    while True:
        with transaction.atomic():
            claimed = delivery.claim_due(now, limit=settings.NOTIFY_BATCH_SIZE)
            delivery.enqueue_after_commit(claimed)
        done += len(claimed)
        if len(claimed) < settings.NOTIFY_BATCH_SIZE or time.monotonic() > until:
            return done


def _locked_cursor(name: str) -> Cursor | None:
    """The named cursor, locked for this transaction; None while another sweeper holds it."""
    if not Cursor.objects.filter(name=name).exists():
        try:
            with transaction.atomic():
                Cursor.objects.create(name=name)
        except IntegrityError:
            pass  # another sweeper created it first
    return Cursor.objects.select_for_update(skip_locked=True).filter(name=name).first()
